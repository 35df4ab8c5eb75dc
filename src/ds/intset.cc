// Intset implementation (layout and invariants in intset.h).
//
// Elements are read and written with memcpy at byte offsets, so no access is
// unaligned in C++'s sense and a blob adopted from RDB bytes needs no
// particular alignment beyond what the allocator gives.
#include "ds/intset.h"

#include <cstring>

#include "alloc/zmalloc.h"
#include "common/macros.h"
#include "common/util.h"

namespace ds {
namespace {

// The blob is stored in the host's byte order; Redis's on-disk format is
// little-endian, so this file only builds on little-endian hosts (x86-64,
// little-endian ARM), which is every platform we target.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "intset blobs are little-endian");

inline unsigned char* Contents(Intset* is) { return reinterpret_cast<unsigned char*>(is) + sizeof(Intset); }
inline const unsigned char* Contents(const Intset* is) {
  return reinterpret_cast<const unsigned char*>(is) + sizeof(Intset);
}

// The smallest encoding that holds v (Redis's _intsetValueEncoding).
uint32_t ValueEncoding(int64_t v) {
  if (v < INT32_MIN || v > INT32_MAX) return kIntsetEnc64;
  if (v < INT16_MIN || v > INT16_MAX) return kIntsetEnc32;
  return kIntsetEnc16;
}

// Element pos of an array of `enc`-byte integers.
int64_t GetEncoded(const unsigned char* contents, uint32_t pos, uint32_t enc) {
  if (enc == kIntsetEnc64) {
    int64_t v;
    memcpy(&v, contents + size_t{pos} * 8, 8);
    return v;
  }
  if (enc == kIntsetEnc32) {
    int32_t v;
    memcpy(&v, contents + size_t{pos} * 4, 4);
    return v;
  }
  int16_t v;
  memcpy(&v, contents + size_t{pos} * 2, 2);
  return v;
}

inline int64_t Get(const Intset* is, uint32_t pos) { return GetEncoded(Contents(is), pos, is->encoding); }

// REQUIRES: v fits the current encoding.
void Set(Intset* is, uint32_t pos, int64_t v) {
  unsigned char* p = Contents(is);
  if (is->encoding == kIntsetEnc64) {
    memcpy(p + size_t{pos} * 8, &v, 8);
  } else if (is->encoding == kIntsetEnc32) {
    int32_t w = static_cast<int32_t>(v);
    memcpy(p + size_t{pos} * 4, &w, 4);
  } else {
    int16_t w = static_cast<int16_t>(v);
    memcpy(p + size_t{pos} * 2, &w, 2);
  }
}

inline size_t BlobLen(uint32_t enc, uint32_t len) { return sizeof(Intset) + size_t{enc} * len; }

// Resizes the blob to hold len elements of the current encoding.
Intset* Resize(Intset* is, uint32_t len) {
  return static_cast<Intset*>(alloc::ReallocPayload(is, BlobLen(is->encoding, len)));
}

// Binary search (Redis's intsetSearch): true and *pos = index if found;
// false and *pos = the insertion point otherwise. Checks the ends first so
// that appending to either end (the common case when adding sorted data)
// costs no search.
bool Search(const Intset* is, int64_t v, uint32_t* pos) {
  const uint32_t len = is->length;
  if (len == 0) {
    *pos = 0;
    return false;
  }
  if (v > Get(is, len - 1)) {
    *pos = len;
    return false;
  }
  if (v < Get(is, 0)) {
    *pos = 0;
    return false;
  }
  int64_t lo = 0, hi = static_cast<int64_t>(len) - 1;
  while (lo <= hi) {
    int64_t mid = lo + (hi - lo) / 2;
    int64_t cur = Get(is, static_cast<uint32_t>(mid));
    if (v > cur) {
      lo = mid + 1;
    } else if (v < cur) {
      hi = mid - 1;
    } else {
      *pos = static_cast<uint32_t>(mid);
      return true;
    }
  }
  *pos = static_cast<uint32_t>(lo);
  return false;
}

// Rewrites every element at the wider encoding needed by v and adds v, which
// lies outside the current range, at the front (negative) or the back.
Intset* UpgradeAndAdd(Intset* is, int64_t v) {
  const uint32_t old_enc = is->encoding;
  const uint32_t len = is->length;
  const bool prepend = v < 0;
  is->encoding = ValueEncoding(v);
  is = Resize(is, len + 1);
  // Back to front, so no element is overwritten before it is moved; the new
  // value takes slot 0 (prepend) or slot len.
  for (uint32_t i = len; i-- > 0;) Set(is, i + (prepend ? 1 : 0), GetEncoded(Contents(is), i, old_enc));
  Set(is, prepend ? 0 : len, v);
  is->length = len + 1;
  return is;
}

// Moves elements [from, length) so that they start at `to`.
void MoveTail(Intset* is, uint32_t from, uint32_t to) {
  size_t bytes = size_t{is->length - from} * is->encoding;
  unsigned char* p = Contents(is);
  memmove(p + size_t{to} * is->encoding, p + size_t{from} * is->encoding, bytes);
}

}  // namespace

Intset* IntsetNew() {
  auto* is = static_cast<Intset*>(alloc::Payload(sizeof(Intset)));
  is->encoding = kIntsetEnc16;
  is->length = 0;
  return is;
}

void IntsetFree(Intset* is) { alloc::Free(is); }

Intset* IntsetDup(const Intset* is) {
  size_t n = IntsetBlobLen(is);
  void* p = alloc::Payload(n);
  memcpy(p, is, n);
  return static_cast<Intset*>(p);
}

Intset* IntsetAdd(Intset* is, int64_t v, bool* added) {
  if (added != nullptr) *added = false;
  if (ValueEncoding(v) > is->encoding) {
    if (added != nullptr) *added = true;
    return UpgradeAndAdd(is, v);
  }
  uint32_t pos;
  if (Search(is, v, &pos)) return is;
  is = Resize(is, is->length + 1);
  if (pos < is->length) MoveTail(is, pos, pos + 1);
  Set(is, pos, v);
  is->length++;
  if (added != nullptr) *added = true;
  return is;
}

Intset* IntsetRemove(Intset* is, int64_t v, bool* removed) {
  if (removed != nullptr) *removed = false;
  uint32_t pos;
  if (ValueEncoding(v) > is->encoding || !Search(is, v, &pos)) return is;
  if (pos < is->length - 1) MoveTail(is, pos + 1, pos);
  is->length--;
  is = Resize(is, is->length);
  if (removed != nullptr) *removed = true;
  return is;
}

bool IntsetFind(const Intset* is, int64_t v) {
  uint32_t pos;
  return ValueEncoding(v) <= is->encoding && Search(is, v, &pos);
}

uint32_t IntsetLen(const Intset* is) { return is->length; }
size_t IntsetBlobLen(const Intset* is) { return BlobLen(is->encoding, is->length); }

bool IntsetGet(const Intset* is, uint32_t pos, int64_t* v) {
  if (pos >= is->length) return false;
  *v = Get(is, pos);
  return true;
}

int64_t IntsetRandom(const Intset* is) {
  TD_ASSERT(is->length > 0);
  return Get(is, static_cast<uint32_t>(common::RandomU64() % is->length));
}

int64_t IntsetMin(const Intset* is) {
  TD_ASSERT(is->length > 0);
  return Get(is, 0);
}

int64_t IntsetMax(const Intset* is) {
  TD_ASSERT(is->length > 0);
  return Get(is, is->length - 1);
}

bool IntsetValidateIntegrity(const void* p, size_t size, bool deep) {
  if (size < sizeof(Intset)) return false;
  Intset hdr;
  memcpy(&hdr, p, sizeof(hdr));
  if (hdr.encoding != kIntsetEnc16 && hdr.encoding != kIntsetEnc32 && hdr.encoding != kIntsetEnc64) return false;
  // 8 + encoding * length computed in 64 bits: at most 8 + 8 * (2^32 - 1).
  if (BlobLen(hdr.encoding, hdr.length) != size) return false;
  if (hdr.length == 0) return false;  // an empty set is never stored
  if (!deep) return true;
  const auto* contents = static_cast<const unsigned char*>(p) + sizeof(Intset);
  int64_t prev = GetEncoded(contents, 0, hdr.encoding);
  for (uint32_t i = 1; i < hdr.length; i++) {
    int64_t cur = GetEncoded(contents, i, hdr.encoding);
    if (cur <= prev) return false;
    prev = cur;
  }
  return true;
}

Intset* IntsetFromBlob(const void* p, size_t size) {
  void* is = alloc::Payload(size);
  memcpy(is, p, size);
  return static_cast<Intset*>(is);
}

void IntsetVerify(const Intset* is) {
  const uint32_t enc = is->encoding;
  if (enc != kIntsetEnc16 && enc != kIntsetEnc32 && enc != kIntsetEnc64) {
    common::Panic("intset %p: bad encoding %u", static_cast<const void*>(is), enc);
  }
  if (alloc::UsableSize(is) < IntsetBlobLen(is)) {
    common::Panic("intset %p: allocation of %zu bytes holds less than the blob's %zu", static_cast<const void*>(is),
                  alloc::UsableSize(is), IntsetBlobLen(is));
  }
  for (uint32_t i = 1; i < is->length; i++) {
    if (Get(is, i - 1) >= Get(is, i)) {
      common::Panic("intset %p: elements %u and %u are not strictly ascending", static_cast<const void*>(is), i - 1,
                    i);
    }
  }
}

}  // namespace ds
