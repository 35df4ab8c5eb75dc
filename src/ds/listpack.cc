// Listpack implementation (layout in listpack.h).
//
// Every modification goes through one primitive, Splice(): replace the
// bytes [off, off + del) of the blob with `ins` new bytes, resizing the
// allocation around the move (grow before moving the tail right, shrink
// after moving it left) and fixing the header. Insert, replace and delete
// are all splices, so the header invariants live in one place.
#include "ds/listpack.h"

#include <cstring>
#include <limits>
#include <memory>

#include "alloc/zmalloc.h"
#include "common/macros.h"
#include "common/util.h"

namespace ds {
namespace {

// num-elements value meaning "too many to count in 16 bits: walk".
constexpr uint32_t kNumeleUnknown = 65535;

// Encoding bytes (first byte of an entry).
constexpr uint8_t k7BitUintMask = 0x80, k7BitUint = 0x00;
constexpr uint8_t k6BitStrMask = 0xC0, k6BitStr = 0x80;
constexpr uint8_t k13BitIntMask = 0xE0, k13BitInt = 0xC0;
constexpr uint8_t k12BitStrMask = 0xF0, k12BitStr = 0xE0;
constexpr uint8_t k32BitStr = 0xF0;
constexpr uint8_t k16BitInt = 0xF1;
constexpr uint8_t k24BitInt = 0xF2;
constexpr uint8_t k32BitInt = 0xF3;
constexpr uint8_t k64BitInt = 0xF4;

// Largest string lengths of the short string encodings.
constexpr size_t k6BitStrMax = 63;
constexpr size_t k12BitStrMax = 4095;
// Largest encoding+data size: a 32-bit string header plus its bytes.
constexpr size_t kMaxIntEntry = 9;   // 0xF4 + 8 bytes
constexpr size_t kMaxBacklen = 5;    // 35 bits of length in 7-bit groups

inline uint32_t Load32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
inline void Store32(unsigned char* p, uint32_t v) {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
  p[2] = static_cast<unsigned char>(v >> 16);
  p[3] = static_cast<unsigned char>(v >> 24);
}

inline uint32_t TotalBytes(const unsigned char* lp) { return Load32(lp); }
inline uint32_t Numele(const unsigned char* lp) { return uint32_t{lp[4]} | uint32_t{lp[5]} << 8; }
inline void SetTotalBytes(unsigned char* lp, size_t n) { Store32(lp, static_cast<uint32_t>(n)); }
inline void SetNumele(unsigned char* lp, uint32_t n) {
  lp[4] = static_cast<unsigned char>(n);
  lp[5] = static_cast<unsigned char>(n >> 8);
}

// Bytes of the backlen field that records an encoding+data size of l.
inline size_t BacklenSize(uint64_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

// Writes the backlen of l at buf (BacklenSize(l) bytes): the most
// significant 7-bit group first, every group but the first flagged with
// 0x80, so a reader starting at the last byte walks left while the flag is
// set.
size_t EncodeBacklen(unsigned char* buf, uint64_t l) {
  size_t n = BacklenSize(l);
  for (size_t i = 0; i < n; i++) {
    uint64_t group = (l >> (7 * (n - 1 - i))) & 127;
    buf[i] = static_cast<unsigned char>(i == 0 ? group : group | 128);
  }
  return n;
}

// Decodes the backlen whose last byte is at p, reading no byte before
// `lo`. Returns false on a malformed or out-of-range backlen.
bool DecodeBacklen(const unsigned char* p, const unsigned char* lo, uint64_t* l, size_t* bytes) {
  uint64_t v = 0;
  unsigned shift = 0;
  size_t n = 0;
  while (true) {
    if (p < lo || n == kMaxBacklen) return false;
    v |= uint64_t{static_cast<uint8_t>(*p & 127)} << shift;
    n++;
    if (!(*p & 128)) break;
    shift += 7;
    p--;
  }
  *l = v;
  *bytes = n;
  return true;
}

// Size of the string header for a string of len bytes.
inline size_t StrHeaderSize(size_t len) {
  if (len <= k6BitStrMax) return 1;
  if (len <= k12BitStrMax) return 2;
  return 5;
}

size_t EncodeStrHeader(unsigned char* buf, size_t len) {
  if (len <= k6BitStrMax) {
    buf[0] = static_cast<unsigned char>(k6BitStr | len);
    return 1;
  }
  if (len <= k12BitStrMax) {
    buf[0] = static_cast<unsigned char>(k12BitStr | (len >> 8));
    buf[1] = static_cast<unsigned char>(len & 0xFF);
    return 2;
  }
  buf[0] = k32BitStr;
  Store32(buf + 1, static_cast<uint32_t>(len));
  return 5;
}

// Encodes v in the smallest integer encoding; returns its size.
size_t EncodeInt(unsigned char* buf, int64_t v) {
  auto store = [buf](uint8_t tag, uint64_t u, size_t n) {
    buf[0] = tag;
    for (size_t i = 0; i < n; i++) buf[1 + i] = static_cast<unsigned char>(u >> (8 * i));
    return n + 1;
  };
  if (v >= 0 && v <= 127) {
    buf[0] = static_cast<unsigned char>(v);
    return 1;
  }
  if (v >= -4096 && v <= 4095) {
    uint64_t u = v < 0 ? static_cast<uint64_t>((int64_t{1} << 13) + v) : static_cast<uint64_t>(v);
    buf[0] = static_cast<unsigned char>((u >> 8) | k13BitInt);
    buf[1] = static_cast<unsigned char>(u & 0xFF);
    return 2;
  }
  if (v >= -32768 && v <= 32767) return store(k16BitInt, static_cast<uint64_t>(v), 2);
  if (v >= -8388608 && v <= 8388607) return store(k24BitInt, static_cast<uint64_t>(v), 3);
  if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max())
    return store(k32BitInt, static_cast<uint64_t>(v), 4);
  return store(k64BitInt, static_cast<uint64_t>(v), 8);
}

// Size of an entry's encoding+data, given that at least its first
// `avail` bytes are readable. 0 for an invalid encoding or when the header
// itself does not fit in avail.
size_t EncodedSizeChecked(const unsigned char* p, size_t avail) {
  if (avail == 0) return 0;
  uint8_t b = p[0];
  if ((b & k7BitUintMask) == k7BitUint) return 1;
  if ((b & k6BitStrMask) == k6BitStr) return 1 + (b & 0x3F);
  if ((b & k13BitIntMask) == k13BitInt) return 2;
  if ((b & k12BitStrMask) == k12BitStr) {
    if (avail < 2) return 0;
    return 2 + ((size_t{b & 0x0Fu} << 8) | p[1]);
  }
  switch (b) {
    case k32BitStr:
      if (avail < 5) return 0;
      return 5 + size_t{Load32(p + 1)};
    case k16BitInt: return 3;
    case k24BitInt: return 4;
    case k32BitInt: return 5;
    case k64BitInt: return 9;
    default: return 0;  // 0xF5..0xFE are unused; 0xFF is the terminator
  }
}

inline size_t EncodedSize(const unsigned char* p) {
  size_t n = EncodedSizeChecked(p, std::numeric_limits<size_t>::max());
  TD_ASSERT(n != 0);
  return n;
}

inline size_t EntrySize(const unsigned char* p) {
  size_t l = EncodedSize(p);
  return l + BacklenSize(l);
}

inline unsigned char* Mut(const unsigned char* p) { return const_cast<unsigned char*>(p); }

// Replaces bytes [off, off + del) with ins bytes copied from src (src may
// be null: the caller fills them through *out). delta_elems adjusts the
// element count. Returns the new listpack; *out points at the inserted
// bytes.
unsigned char* Splice(unsigned char* lp, size_t off, size_t del, const unsigned char* src, size_t ins,
                      int64_t delta_elems, unsigned char** out) {
  const size_t old_total = TotalBytes(lp);
  TD_ASSERT(off + del <= old_total - 1);
  const size_t new_total = old_total - del + ins;
  TD_ASSERT(new_total <= std::numeric_limits<uint32_t>::max());
  const size_t tail = old_total - off - del;  // includes the terminator
  if (ins > del) {
    lp = static_cast<unsigned char*>(alloc::ReallocPayload(lp, new_total));
    memmove(lp + off + ins, lp + off + del, tail);
  } else if (ins < del) {
    memmove(lp + off + ins, lp + off + del, tail);
    lp = static_cast<unsigned char*>(alloc::Realloc(lp, new_total));
  }
  if (src != nullptr && ins > 0) memcpy(lp + off, src, ins);
  SetTotalBytes(lp, new_total);
  uint32_t n = Numele(lp);
  if (n != kNumeleUnknown) {
    int64_t nn = static_cast<int64_t>(n) + delta_elems;
    SetNumele(lp, nn >= kNumeleUnknown ? kNumeleUnknown : static_cast<uint32_t>(nn));
  }
  if (out) *out = lp + off;
  return lp;
}

// Builds a complete entry (encoding, data, backlen) for s in buf when it
// fits (integers, short strings), or reports its size when it does not.
struct Encoded {
  unsigned char small[kMaxIntEntry + kMaxBacklen];
  size_t enc_size = 0;     // encoding + data
  size_t entry_size = 0;   // + backlen
  bool is_string = false;  // data must be copied from the string
  std::string_view str;
};

void EncodeValue(Encoded* e, std::string_view s) {
  int64_t v;
  if (common::StringToInt64(s, &v)) {
    e->enc_size = EncodeInt(e->small, v);
  } else {
    e->is_string = true;
    e->str = s;
    e->enc_size = StrHeaderSize(s.size()) + s.size();
  }
  e->entry_size = e->enc_size + BacklenSize(e->enc_size);
}

void EncodeInteger(Encoded* e, int64_t v) {
  e->enc_size = EncodeInt(e->small, v);
  e->entry_size = e->enc_size + BacklenSize(e->enc_size);
}

// Writes the entry e at dst (entry_size bytes).
void WriteEntry(unsigned char* dst, const Encoded& e) {
  if (e.is_string) {
    size_t h = EncodeStrHeader(dst, e.str.size());
    memcpy(dst + h, e.str.data(), e.str.size());
  } else {
    memcpy(dst, e.small, e.enc_size);
  }
  EncodeBacklen(dst + e.enc_size, e.enc_size);
}

unsigned char* InsertEncoded(unsigned char* lp, const Encoded& e, unsigned char* p, LpWhere where,
                             unsigned char** newp) {
  size_t off, del = 0;
  int64_t delta = 1;
  switch (where) {
    case LpWhere::kBefore: off = static_cast<size_t>(p - lp); break;
    case LpWhere::kAfter: off = static_cast<size_t>(p - lp) + EntrySize(p); break;
    case LpWhere::kReplace:
      off = static_cast<size_t>(p - lp);
      del = EntrySize(p);
      delta = 0;
      break;
    default: common::Panic("listpack: bad insert position");
  }
  unsigned char* at;
  lp = Splice(lp, off, del, nullptr, e.entry_size, delta, &at);
  WriteEntry(at, e);
  if (newp) *newp = at;
  return lp;
}

unsigned char* AppendEncoded(unsigned char* lp, const Encoded& e) {
  unsigned char* at;
  lp = Splice(lp, TotalBytes(lp) - 1, 0, nullptr, e.entry_size, 1, &at);
  WriteEntry(at, e);
  return lp;
}

unsigned char* PrependEncoded(unsigned char* lp, const Encoded& e) {
  unsigned char* at;
  lp = Splice(lp, kLpHeaderSize, 0, nullptr, e.entry_size, 1, &at);
  WriteEntry(at, e);
  return lp;
}

}  // namespace

// ---- creation ----

unsigned char* LpNew(size_t capacity) {
  const size_t empty = kLpHeaderSize + 1;
  auto* lp = static_cast<unsigned char*>(alloc::Payload(capacity > empty ? capacity : empty));
  SetTotalBytes(lp, empty);
  SetNumele(lp, 0);
  lp[kLpHeaderSize] = kLpEof;
  return lp;
}

void LpFree(unsigned char* lp) { alloc::Free(lp); }

unsigned char* LpShrinkToFit(unsigned char* lp) {
  size_t n = TotalBytes(lp);
  if (alloc::UsableSize(lp) <= n) return lp;
  return static_cast<unsigned char*>(alloc::Realloc(lp, n));
}

unsigned char* LpDup(const unsigned char* lp) {
  size_t n = TotalBytes(lp);
  auto* copy = static_cast<unsigned char*>(alloc::Payload(n));
  memcpy(copy, lp, n);
  return copy;
}

unsigned char* LpFromBytes(std::string_view bytes) {
  TD_ASSERT(bytes.size() >= kLpHeaderSize + 1);
  auto* lp = static_cast<unsigned char*>(alloc::Payload(bytes.size()));
  memcpy(lp, bytes.data(), bytes.size());
  return lp;
}

size_t LpBytes(const unsigned char* lp) { return TotalBytes(lp); }

size_t LpLength(const unsigned char* lp) {
  uint32_t n = Numele(lp);
  if (n != kNumeleUnknown) return n;
  size_t count = 0;
  for (unsigned char* p = LpFirst(lp); p; p = LpNext(lp, p)) count++;
  // Deletions may have brought the count back into the header's range.
  if (count < kNumeleUnknown) SetNumele(Mut(lp), static_cast<uint32_t>(count));
  return count;
}

// ---- navigation ----

unsigned char* LpFirst(const unsigned char* lp) {
  const unsigned char* p = lp + kLpHeaderSize;
  return *p == kLpEof ? nullptr : Mut(p);
}

unsigned char* LpNext(const unsigned char*, const unsigned char* p) {
  TD_ASSERT(p && *p != kLpEof);
  const unsigned char* q = p + EntrySize(p);
  return *q == kLpEof ? nullptr : Mut(q);
}

unsigned char* LpPrev(const unsigned char* lp, const unsigned char* p) {
  TD_ASSERT(p);
  if (p == lp + kLpHeaderSize) return nullptr;
  uint64_t l;
  size_t bytes;
  bool ok = DecodeBacklen(p - 1, lp + kLpHeaderSize, &l, &bytes);
  TD_ASSERT(ok);
  return Mut(p - bytes - l);
}

unsigned char* LpLast(const unsigned char* lp) {
  const unsigned char* eof = lp + TotalBytes(lp) - 1;
  return LpPrev(lp, eof);
}

unsigned char* LpSeek(const unsigned char* lp, long index) {
  uint32_t n = Numele(lp);
  if (n != kNumeleUnknown) {
    if (index < 0) index += static_cast<long>(n);
    if (index < 0 || index >= static_cast<long>(n)) return nullptr;
    // Walk from the nearer end.
    if (static_cast<uint32_t>(index) > n / 2) index -= static_cast<long>(n);
  }
  if (index >= 0) {
    unsigned char* p = LpFirst(lp);
    while (p && index-- > 0) p = LpNext(lp, p);
    return p;
  }
  unsigned char* p = LpLast(lp);
  while (p && ++index < 0) p = LpPrev(lp, p);
  return p;
}

// ---- reading ----

LpValue LpGet(const unsigned char* p) {
  LpValue v;
  uint8_t b = p[0];
  auto sign_extend = [](uint64_t u, unsigned bits) {
    uint64_t sign = uint64_t{1} << (bits - 1);
    return u >= sign ? static_cast<int64_t>(u) - static_cast<int64_t>(uint64_t{1} << bits) : static_cast<int64_t>(u);
  };
  auto load_le = [p](size_t n) {
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++) u |= uint64_t{p[1 + i]} << (8 * i);
    return u;
  };
  if ((b & k7BitUintMask) == k7BitUint) {
    v.is_int = true;
    v.ival = b & 0x7F;
  } else if ((b & k6BitStrMask) == k6BitStr) {
    v.sval = std::string_view(reinterpret_cast<const char*>(p + 1), b & 0x3F);
  } else if ((b & k13BitIntMask) == k13BitInt) {
    v.is_int = true;
    v.ival = sign_extend((uint64_t{b & 0x1Fu} << 8) | p[1], 13);
  } else if ((b & k12BitStrMask) == k12BitStr) {
    v.sval = std::string_view(reinterpret_cast<const char*>(p + 2), (size_t{b & 0x0Fu} << 8) | p[1]);
  } else {
    switch (b) {
      case k32BitStr: v.sval = std::string_view(reinterpret_cast<const char*>(p + 5), Load32(p + 1)); break;
      case k16BitInt: v.is_int = true; v.ival = sign_extend(load_le(2), 16); break;
      case k24BitInt: v.is_int = true; v.ival = sign_extend(load_le(3), 24); break;
      case k32BitInt: v.is_int = true; v.ival = static_cast<int32_t>(static_cast<uint32_t>(load_le(4))); break;
      case k64BitInt: v.is_int = true; v.ival = static_cast<int64_t>(load_le(8)); break;
      default: common::Panic("listpack: invalid entry encoding %u", static_cast<unsigned>(b));
    }
  }
  return v;
}

std::string_view LpGetView(const unsigned char* p, char* buf) {
  LpValue v = LpGet(p);
  if (!v.is_int) return v.sval;
  return std::string_view(buf, common::Int64ToChars(v.ival, buf));
}

bool LpCompare(const unsigned char* p, std::string_view s) {
  char buf[kLpIntBufSize];
  return LpGetView(p, buf) == s;
}

unsigned char* LpFind(const unsigned char* lp, const unsigned char* p, std::string_view s, unsigned skip) {
  // Integer entries are compared as integers: s is parsed once.
  int64_t sv = 0;
  bool s_is_int = common::StringToInt64(s, &sv);
  unsigned skipcnt = 0;
  while (p) {
    if (skipcnt == 0) {
      LpValue v = LpGet(p);
      if (v.is_int ? (s_is_int && v.ival == sv) : v.sval == s) return Mut(p);
      skipcnt = skip;
    } else {
      skipcnt--;
    }
    p = LpNext(lp, p);
  }
  return nullptr;
}

// ---- writing ----

bool LpSafeToAdd(const unsigned char* lp, size_t add) {
  size_t len = lp ? TotalBytes(lp) : 0;
  return len + add <= kLpMaxSafetySize;
}

unsigned char* LpInsertString(unsigned char* lp, std::string_view s, unsigned char* p, LpWhere where,
                              unsigned char** newp) {
  Encoded e;
  EncodeValue(&e, s);
  return InsertEncoded(lp, e, p, where, newp);
}

unsigned char* LpInsertInteger(unsigned char* lp, int64_t v, unsigned char* p, LpWhere where,
                               unsigned char** newp) {
  Encoded e;
  EncodeInteger(&e, v);
  return InsertEncoded(lp, e, p, where, newp);
}

unsigned char* LpAppend(unsigned char* lp, std::string_view s) {
  Encoded e;
  EncodeValue(&e, s);
  return AppendEncoded(lp, e);
}

unsigned char* LpAppendInteger(unsigned char* lp, int64_t v) {
  Encoded e;
  EncodeInteger(&e, v);
  return AppendEncoded(lp, e);
}

unsigned char* LpAppendBatch(unsigned char* lp, const LpItem* items, size_t n) {
  constexpr size_t kInline = 16;
  Encoded inline_enc[kInline];
  std::unique_ptr<Encoded[]> heap;
  Encoded* enc = inline_enc;
  if (n > kInline) {
    heap.reset(new Encoded[n]);
    enc = heap.get();
  }
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    if (items[i].is_int) {
      EncodeInteger(&enc[i], items[i].ival);
    } else {
      EncodeValue(&enc[i], items[i].sval);
    }
    total += enc[i].entry_size;
  }
  unsigned char* at;
  lp = Splice(lp, TotalBytes(lp) - 1, 0, nullptr, total, static_cast<int64_t>(n), &at);
  for (size_t i = 0; i < n; i++) {
    WriteEntry(at, enc[i]);
    at += enc[i].entry_size;
  }
  return lp;
}

unsigned char* LpPrepend(unsigned char* lp, std::string_view s) {
  Encoded e;
  EncodeValue(&e, s);
  return PrependEncoded(lp, e);
}

unsigned char* LpPrependInteger(unsigned char* lp, int64_t v) {
  Encoded e;
  EncodeInteger(&e, v);
  return PrependEncoded(lp, e);
}

unsigned char* LpReplace(unsigned char* lp, unsigned char** p, std::string_view s) {
  return LpInsertString(lp, s, *p, LpWhere::kReplace, p);
}

unsigned char* LpReplaceInteger(unsigned char* lp, unsigned char** p, int64_t v) {
  return LpInsertInteger(lp, v, *p, LpWhere::kReplace, p);
}

unsigned char* LpDelete(unsigned char* lp, unsigned char* p, unsigned char** next) {
  unsigned char* at;
  lp = Splice(lp, static_cast<size_t>(p - lp), EntrySize(p), nullptr, 0, -1, &at);
  if (next) *next = *at == kLpEof ? nullptr : at;
  return lp;
}

unsigned char* LpDeleteRangeWithEntry(unsigned char* lp, unsigned char** p, size_t num) {
  if (*p == nullptr || num == 0) return lp;
  unsigned char* end = *p;
  size_t deleted = 0;
  while (deleted < num && *end != kLpEof) {
    end += EntrySize(end);
    deleted++;
  }
  unsigned char* at;
  lp = Splice(lp, static_cast<size_t>(*p - lp), static_cast<size_t>(end - *p), nullptr, 0,
              -static_cast<int64_t>(deleted), &at);
  *p = *at == kLpEof ? nullptr : at;
  return lp;
}

unsigned char* LpDeleteRange(unsigned char* lp, long index, size_t num) {
  unsigned char* p = LpSeek(lp, index);
  return LpDeleteRangeWithEntry(lp, &p, num);
}

unsigned char* LpMerge(unsigned char* a, unsigned char* b) {
  const size_t b_entries = TotalBytes(b) - kLpHeaderSize - 1;
  const uint32_t na = Numele(a), nb = Numele(b);
  a = Splice(a, TotalBytes(a) - 1, 0, b + kLpHeaderSize, b_entries, 0, nullptr);
  uint64_t n = (na == kNumeleUnknown || nb == kNumeleUnknown) ? kNumeleUnknown : uint64_t{na} + nb;
  SetNumele(a, n >= kNumeleUnknown ? kNumeleUnknown : static_cast<uint32_t>(n));
  LpFree(b);
  return a;
}

// ---- validation ----

bool LpValidateIntegrity(const unsigned char* bytes, size_t size, bool deep) {
  if (size < kLpHeaderSize + 1) return false;
  if (TotalBytes(bytes) != size) return false;
  const unsigned char* eof = bytes + size - 1;
  if (*eof != kLpEof) return false;
  if (!deep) return true;
  const unsigned char* p = bytes + kLpHeaderSize;
  size_t count = 0;
  while (p < eof) {
    size_t avail = static_cast<size_t>(eof - p);
    size_t enc = EncodedSizeChecked(p, avail);
    if (enc == 0 || enc > avail) return false;
    size_t bl = BacklenSize(enc);
    if (bl > avail - enc) return false;
    uint64_t l;
    size_t got;
    if (!DecodeBacklen(p + enc + bl - 1, p + enc, &l, &got) || l != enc || got != bl) return false;
    p += enc + bl;
    count++;
  }
  if (p != eof) return false;
  uint32_t n = Numele(bytes);
  return n == kNumeleUnknown || n == count;
}

}  // namespace ds
