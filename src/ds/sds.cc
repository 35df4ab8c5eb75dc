// sds implementation: header choice, tier-keeping growth, and the editing
// helpers. See sds.h for the layout and the invariants.
#include "ds/sds.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <limits>

#include "alloc/zmalloc.h"
#include "common/macros.h"

namespace ds {

using namespace sds_detail;

namespace {

// Above this length greedy growth adds a fixed 1 MiB instead of doubling, so
// a large string that keeps growing wastes at most 1 MiB (Redis's
// SDS_MAX_PREALLOC).
constexpr size_t kMaxPrealloc = size_t{1} << 20;

constexpr size_t kHdrSize[4] = {sizeof(Hdr8), sizeof(Hdr16), sizeof(Hdr32), sizeof(Hdr64)};
// The largest len/alloc a header type can hold.
constexpr size_t kTypeMax[4] = {std::numeric_limits<uint8_t>::max(),
                                std::numeric_limits<uint16_t>::max(),
                                std::numeric_limits<uint32_t>::max(),
                                std::numeric_limits<uint64_t>::max()};

// The narrowest header whose fields can hold a capacity of cap bytes.
Type ReqType(size_t cap) {
  if (cap <= kTypeMax[kType8]) return kType8;
  if (cap <= kTypeMax[kType16]) return kType16;
  if (cap <= kTypeMax[kType32]) return kType32;
  return kType64;
}

template <typename W>
void StoreWord(char* at, size_t v) {
  W w = static_cast<W>(v);
  memcpy(at, &w, sizeof(W));
}

// Writes one of the two header words (len is at -1-2W, alloc at -1-W).
void StoreField(char* s, Type t, size_t v, bool is_alloc) {
  const size_t w = size_t{1} << t;  // word width: 1, 2, 4, 8
  char* at = s - 1 - (is_alloc ? w : 2 * w);
  switch (t) {
    case kType8: StoreWord<uint8_t>(at, v); break;
    case kType16: StoreWord<uint16_t>(at, v); break;
    case kType32: StoreWord<uint32_t>(at, v); break;
    default: StoreWord<uint64_t>(at, v); break;
  }
}
inline void RawSetLen(char* s, size_t len) { StoreField(s, TypeOf(s), len, false); }

// Records the capacity of a block of `usable` bytes holding a header of
// type t: everything after the header except the NUL slot, capped to what
// the header can express.
void SetAllocFromUsable(char* s, Type t, size_t usable) {
  size_t cap = usable - kHdrSize[t] - 1;
  StoreField(s, t, std::min(cap, kTypeMax[t]), true);
}

alloc::Tier TierFor(SdsUse use, size_t n) {
  switch (use) {
    case SdsUse::kPayload: return alloc::PlacePayload(n);
    case SdsUse::kKey: return alloc::PlaceKey(n);
    default: return alloc::Tier::kDram;
  }
}

// Initialises a header of type t in front of bytes at p + hdr and returns
// the sds. Content is not touched.
char* InitHeader(void* p, Type t, SdsUse use, size_t len) {
  char* s = static_cast<char*>(p) + kHdrSize[t];
  s[-1] = static_cast<char>(t | (static_cast<uint8_t>(use) << kUseShift));
  StoreField(s, t, len, false);
  SetAllocFromUsable(s, t, alloc::UsableSize(p));
  return s;
}

// Total bytes for a header of type t plus cap bytes plus the NUL; aborts on
// size_t overflow (a request no allocator could serve anyway).
size_t TotalSize(Type t, size_t cap) {
  size_t total = kHdrSize[t] + cap + 1;
  TD_ASSERT(total > cap);
  return total;
}

sds MakeRoom(sds s, size_t addlen, bool greedy) {
  const size_t avail = SdsAvail(s);
  if (avail >= addlen) return s;
  const size_t len = SdsLen(s);
  const size_t reqlen = len + addlen;
  TD_ASSERT(reqlen > len);  // size_t overflow
  size_t newcap = reqlen;
  if (greedy) {
    if (newcap < kMaxPrealloc) {
      newcap *= 2;
    } else if (newcap <= std::numeric_limits<size_t>::max() - kMaxPrealloc) {
      newcap += kMaxPrealloc;
    }
  }
  const Type oldtype = TypeOf(s);
  const Type type = std::max(oldtype, ReqType(newcap));  // never narrow while growing
  const size_t total = TotalSize(type, newcap);
  void* old = s - kHdrSize[oldtype];
  const SdsUse use = SdsUseOf(s);
  const alloc::Tier cur = alloc::TierOf(old);
  const alloc::Tier want =
      use == SdsUse::kMeta ? cur : alloc::PlaceGrowth(cur, total, use == SdsUse::kKey);

  if (type == oldtype && want == cur) {
    void* p = alloc::Realloc(old, total);
    s = static_cast<char*>(p) + kHdrSize[type];
    SetAllocFromUsable(s, type, alloc::UsableSize(p));
    return s;
  }
  // A wider header or a different tier: a fresh block, then copy the bytes
  // and the NUL.
  void* p = alloc::Alloc(want, total);
  char* ns = InitHeader(p, type, use, len);
  memcpy(ns, s, len + 1);
  alloc::Free(old);
  return ns;
}

// Fills a fresh block p (room for a header of type t and len bytes) as
// SdsNewLen describes.
sds InitNew(void* p, Type t, const void* init, size_t len, SdsUse use) {
  char* s = InitHeader(p, t, use, len);
  if (len > 0) {
    if (init != nullptr) {
      memcpy(s, init, len);
    } else {
      memset(s, 0, len);
    }
  }
  s[len] = '\0';
  return s;
}

}  // namespace

// ---- Creation and destruction ---------------------------------------------

sds SdsNewLen(const void* init, size_t len, SdsUse use) {
  const Type t = ReqType(len);
  const size_t total = TotalSize(t, len);
  return InitNew(alloc::Alloc(TierFor(use, total), total), t, init, len, use);
}

sds SdsTryNewLen(const void* init, size_t len, SdsUse use) {
  const Type t = ReqType(len);
  const size_t total = kHdrSize[t] + len + 1;
  if (total <= len) return nullptr;  // size_t overflow
  void* p = alloc::TryAlloc(TierFor(use, total), total);
  return p == nullptr ? nullptr : InitNew(p, t, init, len, use);
}

sds SdsNew(std::string_view s, SdsUse use) { return SdsNewLen(s.data(), s.size(), use); }
sds SdsEmpty(SdsUse use) { return SdsNewLen(nullptr, 0, use); }

sds SdsFromLongLong(long long v, SdsUse use) {
  char buf[24];  // "-9223372036854775808" is 20 characters, plus the NUL
  int n = snprintf(buf, sizeof(buf), "%lld", v);
  return SdsNewLen(buf, static_cast<size_t>(n), use);
}

size_t SdsEmbeddedSize(size_t len) { return TotalSize(ReqType(len), len); }

sds SdsInitEmbedded(char* buf, const void* init, size_t len) {
  const Type t = ReqType(len);
  char* s = buf + kHdrSize[t];
  s[-1] = static_cast<char>(t | (static_cast<uint8_t>(SdsUse::kMeta) << kUseShift));
  StoreField(s, t, len, false);
  StoreField(s, t, len, true);  // no spare room: the block is not ours to grow
  if (len > 0) {
    if (init != nullptr) {
      memcpy(s, init, len);
    } else {
      memset(s, 0, len);
    }
  }
  s[len] = '\0';
  return s;
}

sds SdsDup(const sds s) {
  const size_t len = SdsLen(s);
  const Type t = ReqType(len);
  // The tier of the block holding s (an embedded s sits inside a DRAM
  // object, so this is DRAM for it too).
  void* p = alloc::Alloc(alloc::PlaceCopy(alloc::TierOf(s)), TotalSize(t, len));
  char* ns = InitHeader(p, t, SdsUseOf(s), len);
  memcpy(ns, s, len + 1);
  return ns;
}

sds SdsMove(sds s, alloc::Tier to) {
  const size_t hdr = kHdrSize[TypeOf(s)];
  void* p = alloc::Move(s - hdr, to);
  return p == nullptr ? nullptr : static_cast<char*>(p) + hdr;
}

void SdsFree(sds s) {
  if (s == nullptr) return;
  alloc::Free(SdsAllocPtr(s));
}

// ---- Inspection -----------------------------------------------------------

size_t SdsHeaderSize(const sds s) { return kHdrSize[TypeOf(s)]; }
void* SdsAllocPtr(const sds s) { return s - kHdrSize[TypeOf(s)]; }
size_t SdsAllocSize(const sds s) { return alloc::UsableSize(SdsAllocPtr(s)); }

int SdsCmp(const sds a, const sds b) {
  const size_t la = SdsLen(a), lb = SdsLen(b);
  const int c = memcmp(a, b, std::min(la, lb));
  if (c != 0) return c;
  return la < lb ? -1 : (la > lb ? 1 : 0);
}

// ---- Growth and modification ----------------------------------------------

sds SdsMakeRoomFor(sds s, size_t addlen) { return MakeRoom(s, addlen, true); }
sds SdsMakeRoomForNonGreedy(sds s, size_t addlen) { return MakeRoom(s, addlen, false); }

sds SdsCatLen(sds s, const void* t, size_t len) {
  const size_t cur = SdsLen(s);
  s = SdsMakeRoomFor(s, len);
  if (len > 0) memcpy(s + cur, t, len);
  RawSetLen(s, cur + len);
  s[cur + len] = '\0';
  return s;
}

sds SdsCat(sds s, std::string_view t) { return SdsCatLen(s, t.data(), t.size()); }

sds SdsCatPrintf(sds s, const char* fmt, ...) {
  const size_t len = SdsLen(s);
  va_list ap;
  va_start(ap, fmt);
  // First try to format straight into the spare room (avail bytes plus the
  // NUL slot); only if the text does not fit, grow and format again.
  va_list cpy;
  va_copy(cpy, ap);
  int n = vsnprintf(s + len, SdsAvail(s) + 1, fmt, cpy);
  va_end(cpy);
  if (n < 0) {  // an encoding error: leave s as it was
    s[len] = '\0';
    va_end(ap);
    return s;
  }
  const size_t need = static_cast<size_t>(n);
  if (need > SdsAvail(s)) {
    s = SdsMakeRoomFor(s, need);
    vsnprintf(s + len, need + 1, fmt, ap);
  }
  va_end(ap);
  RawSetLen(s, len + need);
  s[len + need] = '\0';
  return s;
}

sds SdsCatRepr(sds s, const void* p, size_t len) {
  const unsigned char* in = static_cast<const unsigned char*>(p);
  // Escape into a small stack buffer and append it in chunks, so a long
  // input costs a few appends, not one per byte.
  char buf[256];
  size_t n = 0;
  buf[n++] = '"';
  for (size_t i = 0; i < len; i++) {
    // Worst case per byte is 4 characters ("\xHH"); flush before overflow.
    if (n + 4 > sizeof(buf)) {
      s = SdsCatLen(s, buf, n);
      n = 0;
    }
    const unsigned char c = in[i];
    switch (c) {
      case '\\': buf[n++] = '\\'; buf[n++] = '\\'; break;
      case '"': buf[n++] = '\\'; buf[n++] = '"'; break;
      case '\n': buf[n++] = '\\'; buf[n++] = 'n'; break;
      case '\r': buf[n++] = '\\'; buf[n++] = 'r'; break;
      case '\t': buf[n++] = '\\'; buf[n++] = 't'; break;
      case '\a': buf[n++] = '\\'; buf[n++] = 'a'; break;
      case '\b': buf[n++] = '\\'; buf[n++] = 'b'; break;
      default:
        if (c >= 0x20 && c < 0x7f) {  // printable ASCII (isprint in the C locale)
          buf[n++] = static_cast<char>(c);
        } else {
          static constexpr char kHex[] = "0123456789abcdef";
          buf[n++] = '\\';
          buf[n++] = 'x';
          buf[n++] = kHex[c >> 4];
          buf[n++] = kHex[c & 0xf];
        }
    }
  }
  if (n + 1 > sizeof(buf)) {
    s = SdsCatLen(s, buf, n);
    n = 0;
  }
  buf[n++] = '"';
  return SdsCatLen(s, buf, n);
}

sds SdsGrowZero(sds s, size_t len) {
  const size_t cur = SdsLen(s);
  if (len <= cur) return s;
  s = SdsMakeRoomFor(s, len - cur);
  memset(s + cur, 0, len - cur + 1);  // the new bytes and the NUL
  RawSetLen(s, len);
  return s;
}

sds SdsCpyLen(sds s, const void* t, size_t len) {
  const size_t cur = SdsLen(s);
  if (SdsAlloc(s) < len) s = SdsMakeRoomFor(s, len - cur);
  if (len > 0) memmove(s, t, len);
  s[len] = '\0';
  RawSetLen(s, len);
  return s;
}

void SdsSetLen(sds s, size_t len) {
  TD_ASSERT(len <= SdsAlloc(s));
  RawSetLen(s, len);
  s[len] = '\0';
}

void SdsIncrLen(sds s, ssize_t incr) {
  const size_t len = SdsLen(s);
  size_t newlen;
  if (incr >= 0) {
    TD_ASSERT(static_cast<size_t>(incr) <= SdsAvail(s));
    newlen = len + static_cast<size_t>(incr);
  } else {
    const size_t dec = static_cast<size_t>(-(incr + 1)) + 1;  // |incr| without overflow
    TD_ASSERT(dec <= len);
    newlen = len - dec;
  }
  RawSetLen(s, newlen);
  s[newlen] = '\0';
}

void SdsRange(sds s, ssize_t start, ssize_t end) {
  const size_t len = SdsLen(s);
  if (len == 0) return;
  const ssize_t slen = static_cast<ssize_t>(len);
  if (start < 0) start = std::max<ssize_t>(slen + start, 0);
  if (end < 0) end = std::max<ssize_t>(slen + end, 0);
  end = std::min(end, slen - 1);
  size_t newlen = 0;
  if (start <= end && start < slen) newlen = static_cast<size_t>(end - start + 1);
  if (newlen > 0 && start > 0) memmove(s, s + start, newlen);
  RawSetLen(s, newlen);
  s[newlen] = '\0';
}

void SdsTrim(sds s, std::string_view cset) {
  const size_t len = SdsLen(s);
  size_t b = 0, e = len;
  while (b < e && cset.find(s[b]) != std::string_view::npos) b++;
  while (e > b && cset.find(s[e - 1]) != std::string_view::npos) e--;
  const size_t newlen = e - b;
  if (b > 0 && newlen > 0) memmove(s, s + b, newlen);
  RawSetLen(s, newlen);
  s[newlen] = '\0';
}

void SdsToLower(sds s) {
  const size_t len = SdsLen(s);
  for (size_t i = 0; i < len; i++) {
    if (s[i] >= 'A' && s[i] <= 'Z') s[i] = static_cast<char>(s[i] + ('a' - 'A'));
  }
}

void SdsToUpper(sds s) {
  const size_t len = SdsLen(s);
  for (size_t i = 0; i < len; i++) {
    if (s[i] >= 'a' && s[i] <= 'z') s[i] = static_cast<char>(s[i] - ('a' - 'A'));
  }
}

void SdsClear(sds s) {
  RawSetLen(s, 0);
  s[0] = '\0';
}

sds SdsRemoveFreeSpace(sds s) {
  if (SdsAvail(s) == 0) return s;
  const size_t len = SdsLen(s);
  const Type oldtype = TypeOf(s);
  const Type type = ReqType(len);
  void* old = s - kHdrSize[oldtype];
  if (type == oldtype) {
    void* p = alloc::Realloc(old, TotalSize(type, len));
    s = static_cast<char*>(p) + kHdrSize[type];
    SetAllocFromUsable(s, type, alloc::UsableSize(p));
    return s;
  }
  // A narrower header fits now: move to a fresh block on the same tier.
  void* p = alloc::Alloc(alloc::TierOf(old), TotalSize(type, len));
  char* ns = InitHeader(p, type, SdsUseOf(s), len);
  memcpy(ns, s, len + 1);
  alloc::Free(old);
  return ns;
}

}  // namespace ds
