// Intset: a sorted array of distinct integers in one contiguous blob, laid
// out exactly as Redis 7.0's intset so that RDB (RDB_TYPE_SET_INTSET) stores
// and loads the blob as it is:
//
//     [ encoding : u32 LE ][ length : u32 LE ][ v0 ][ v1 ] ... [ v(length-1) ]
//
//   encoding  bytes per element: 2 (int16), 4 (int32) or 8 (int64)
//   length    number of elements
//   v_i       little-endian integers of `encoding` bytes, strictly ascending
//
// The blob is exactly 8 + encoding * length bytes (no spare room, as Redis
// reallocates on every insert and removal; jemalloc's size classes make most
// of those reallocations in place).
//
// Encoding upgrade: adding a value that does not fit the current width
// rewrites every element at the smallest width that holds the new value. The
// width never shrinks on removal (as in Redis), so a blob may use a wider
// encoding than its values need; that is valid.
//
// Tiers: the blob is a value payload. It is allocated with alloc::Payload and
// resized with alloc::ReallocPayload, so placement decides its tier: a small
// intset starts in DRAM and moves to NVM once it is as large as
// tier-nvm-min-size; an NVM intset stays on NVM.
//
// Invariants (IntsetVerify): encoding is 2, 4 or 8; the allocation holds at
// least IntsetBlobLen bytes; elements are strictly ascending (sorted, no
// duplicates). Every function taking an Intset* REQUIRES a blob made by this
// file (or adopted after IntsetValidateIntegrity(deep = true)).
//
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ds {

// The header of the blob; the elements follow it. Never instantiated: an
// Intset* points at a blob allocated by this file.
struct Intset {
  uint32_t encoding;  // little-endian on disk; this host is little-endian
  uint32_t length;
};
static_assert(sizeof(Intset) == 8, "Redis's intset header: two u32");

// The element widths (Redis's INTSET_ENC_INT16/32/64 are these sizeofs).
inline constexpr uint32_t kIntsetEnc16 = sizeof(int16_t);
inline constexpr uint32_t kIntsetEnc32 = sizeof(int32_t);
inline constexpr uint32_t kIntsetEnc64 = sizeof(int64_t);

// A new empty intset (int16 encoding, 8 bytes).
Intset* IntsetNew();
// Frees the blob; nullptr is a no-op.
void IntsetFree(Intset* is);
// A copy of the blob, allocated as a payload (placement decides its tier).
Intset* IntsetDup(const Intset* is);

// Adds v, upgrading the encoding if needed. Returns the (possibly moved)
// blob; *added (if not nullptr) tells whether v was new.
[[nodiscard]] Intset* IntsetAdd(Intset* is, int64_t v, bool* added);
// Removes v. Returns the (possibly moved) blob; *removed (if not nullptr)
// tells whether v was present.
[[nodiscard]] Intset* IntsetRemove(Intset* is, int64_t v, bool* removed);
// True iff v is an element (binary search).
bool IntsetFind(const Intset* is, int64_t v);

// Number of elements.
uint32_t IntsetLen(const Intset* is);
// Bytes of the blob: 8 + encoding * length.
size_t IntsetBlobLen(const Intset* is);
// The element at pos (0-based, ascending order) into *v; false if pos is out
// of range.
bool IntsetGet(const Intset* is, uint32_t pos, int64_t* v);
// A uniformly random element. REQUIRES: length > 0.
int64_t IntsetRandom(const Intset* is);
// Smallest / largest element. REQUIRES: length > 0.
int64_t IntsetMin(const Intset* is);
int64_t IntsetMax(const Intset* is);

// Redis's intsetValidateIntegrity, for untrusted bytes (RDB, RESTORE): true
// iff p[0..size) is a well-formed, non-empty intset: size holds the header,
// the encoding is 2, 4 or 8, size == 8 + encoding * length, length > 0, and,
// when deep, the elements are strictly ascending (sorted, no duplicates).
// Reads only inside p[0..size).
bool IntsetValidateIntegrity(const void* p, size_t size, bool deep);
// A new intset holding a copy of size bytes at p, allocated as a payload.
// REQUIRES: IntsetValidateIntegrity(p, size, true).
Intset* IntsetFromBlob(const void* p, size_t size);

// Checks every invariant (see the file comment); aborts with a message on
// the first violation. O(length): for tests and DEBUG.
void IntsetVerify(const Intset* is);

}  // namespace ds
