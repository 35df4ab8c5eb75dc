// sds: dynamic, binary-safe strings in the style of Redis's sds.
//
// An sds is a `char*` pointing at the string's bytes, so it can be handed to
// any function that takes a C string; the bytes are always followed by a NUL
// (which is not part of the length, and the string may contain NULs too).
// Just before the bytes sits a compact header whose field width depends on
// the capacity, as in Redis's sdshdr8/16/32/64 (the 5-bit inline type is not
// used):
//
//     [ len : W ][ alloc : W ][ flags : 1 ][ bytes ... ][ NUL ]
//                                            ^ sds
//     W = 1 (capacity < 256), 2 (< 64 KiB), 4 (< 4 GiB), 8 (otherwise)
//
//   len    bytes in use
//   alloc  capacity for bytes, excluding the header and the NUL slot
//   flags  bits 0-2: header type (W); bits 3-4: SdsUse; bits 5-7: zero
//
// Tiers: every allocation goes through alloc:: and names what the string is
// (SdsUse): metadata (always DRAM), a value payload or a key (both placed by
// alloc/placement from the size of the whole allocation, header included).
// Operations that reallocate keep the block on its tier. One refinement: a
// payload or key string that lives in DRAM because it was small is moved to
// NVM when growth makes it large enough for the placement policy (APPEND on a
// small value must not keep a megabyte string in DRAM forever). Nothing ever
// moves from NVM back to DRAM.
//
// Invariants (REQUIRES for every function taking an sds): s came from this
// file and was not freed; len <= alloc; s[len] == '\0'.
// Functions that return an sds may move the string: the argument is invalid
// afterwards and the caller must use the returned pointer.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "alloc/placement.h"

namespace ds {

using sds = char*;

// What the string holds, which decides its tier.
enum class SdsUse : uint8_t {
  kMeta = 0,     // alloc::Meta: client buffers, names, anything on the pointer chase
  kPayload = 1,  // alloc::Payload: value bytes
  kKey = 2,      // alloc::Key: key strings (tier-keys)
};

namespace sds_detail {

// The four header layouts, packed, for documentation and layout pinning. The
// code reads fields with memcpy at the offsets below (no unaligned member
// access, no aliasing questions).
struct __attribute__((packed)) Hdr8 {
  uint8_t len, alloc;
  uint8_t flags;
};
struct __attribute__((packed)) Hdr16 {
  uint16_t len, alloc;
  uint8_t flags;
};
struct __attribute__((packed)) Hdr32 {
  uint32_t len, alloc;
  uint8_t flags;
};
struct __attribute__((packed)) Hdr64 {
  uint64_t len, alloc;
  uint8_t flags;
};
static_assert(sizeof(Hdr8) == 3 && sizeof(Hdr16) == 5 && sizeof(Hdr32) == 9 && sizeof(Hdr64) == 17);
// The flags byte is always the last header byte, i.e. s[-1], whatever the
// type; len and alloc are the W-byte words before it.
static_assert(offsetof(Hdr8, flags) == 2 && offsetof(Hdr16, flags) == 4 &&
              offsetof(Hdr32, flags) == 8 && offsetof(Hdr64, flags) == 16);
static_assert(offsetof(Hdr64, alloc) == 8, "len then alloc, each W bytes");

enum Type : uint8_t { kType8 = 0, kType16 = 1, kType32 = 2, kType64 = 3 };
inline constexpr uint8_t kTypeMask = 0x07;
inline constexpr int kUseShift = 3;
inline constexpr uint8_t kUseMask = 0x03 << kUseShift;

inline uint8_t Flags(const char* s) { return static_cast<uint8_t>(s[-1]); }
inline Type TypeOf(const char* s) { return static_cast<Type>(Flags(s) & kTypeMask); }

// Field access for header word width W (a uint*_t type).
template <typename W>
inline W LoadLen(const char* s) {
  W v;
  memcpy(&v, s - 1 - 2 * sizeof(W), sizeof(W));
  return v;
}
template <typename W>
inline W LoadAlloc(const char* s) {
  W v;
  memcpy(&v, s - 1 - sizeof(W), sizeof(W));
  return v;
}

}  // namespace sds_detail

// ---- Creation and destruction ---------------------------------------------

// A new string of len bytes copied from init, or zero bytes when init is
// nullptr, allocated for `use`. Never fails (allocation failure aborts).
sds SdsNewLen(const void* init, size_t len, SdsUse use);
// Same, but returns nullptr instead of aborting when the allocation fails
// (a length a client chose: see alloc::TryAlloc).
sds SdsTryNewLen(const void* init, size_t len, SdsUse use);
sds SdsNew(std::string_view s, SdsUse use);
sds SdsEmpty(SdsUse use);
// The decimal representation of v (like Redis's sdsfromlonglong).
sds SdsFromLongLong(long long v, SdsUse use);
// A copy with the same content and use, on the same tier as s (even if the
// placement policy changed since s was made), with no spare capacity beyond
// the allocator's size class. An embedded s (SdsInitEmbedded) gives a Meta
// (DRAM) copy.
sds SdsDup(const sds s);
// Frees s; nullptr is a no-op.
void SdsFree(sds s);
// s moved to tier `to` (alloc::Move): the same string at a new address, or
// nullptr when `to` cannot take it (s is then unchanged). REQUIRES: s is
// not embedded.
sds SdsMove(sds s, alloc::Tier to);

// ---- Embedded strings (embstr) --------------------------------------------
//
// An sds built inside memory the caller owns, e.g. right after an object
// header in one allocation (Redis's EMBSTR encoding). Such a string has no
// spare room (alloc == len) and is not an allocation of its own: REQUIRES
// it is never passed to SdsFree, SdsAllocPtr/SdsAllocSize, or any function
// that may move or grow it (those returning an sds). SdsDup of it is fine
// (a DRAM copy, the tier of the memory holding it), and so are in-place
// edits within its length (SdsRange, SdsSetLen to a smaller length,
// SdsTrim, case mapping). For len < 256 the header is the 3-byte one.

// Bytes SdsInitEmbedded needs for a string of len bytes: header + len + NUL.
size_t SdsEmbeddedSize(size_t len);
// Builds an sds of len bytes copied from init (zeros if init is nullptr) at
// buf, which must have SdsEmbeddedSize(len) bytes, and returns it (it points
// inside buf, after the header).
sds SdsInitEmbedded(char* buf, const void* init, size_t len);

// ---- Inspection -----------------------------------------------------------

inline size_t SdsLen(const sds s) {
  using namespace sds_detail;
  switch (TypeOf(s)) {
    case kType8: return LoadLen<uint8_t>(s);
    case kType16: return LoadLen<uint16_t>(s);
    case kType32: return LoadLen<uint32_t>(s);
    default: return LoadLen<uint64_t>(s);
  }
}
// Capacity for bytes (excluding the NUL slot).
inline size_t SdsAlloc(const sds s) {
  using namespace sds_detail;
  switch (TypeOf(s)) {
    case kType8: return LoadAlloc<uint8_t>(s);
    case kType16: return LoadAlloc<uint16_t>(s);
    case kType32: return LoadAlloc<uint32_t>(s);
    default: return LoadAlloc<uint64_t>(s);
  }
}
// Bytes that can be appended without reallocating.
inline size_t SdsAvail(const sds s) { return SdsAlloc(s) - SdsLen(s); }
inline std::string_view SdsView(const sds s) { return std::string_view(s, SdsLen(s)); }
inline SdsUse SdsUseOf(const sds s) {
  return static_cast<SdsUse>((sds_detail::Flags(s) & sds_detail::kUseMask) >> sds_detail::kUseShift);
}
// Bytes of the header in front of s (3, 5, 9 or 17).
size_t SdsHeaderSize(const sds s);
// Start of the allocation holding s (for alloc::TierOf and alloc::UsableSize).
void* SdsAllocPtr(const sds s);
// Usable size of the whole allocation: header, bytes, spare and NUL slot
// (what MEMORY USAGE counts).
size_t SdsAllocSize(const sds s);
// memcmp over the common prefix, then the shorter string is smaller.
// Returns <0, 0 or >0.
int SdsCmp(const sds a, const sds b);

// ---- Growth and modification ----------------------------------------------

// Makes room for at least addlen more bytes after the current length; the
// length does not change. Greedy, like Redis: the capacity becomes twice the
// needed length below 1 MiB, and the needed length plus 1 MiB above.
// Keeps the tier (see the file comment). May move s.
sds SdsMakeRoomFor(sds s, size_t addlen);
// As SdsMakeRoomFor, but the capacity is just what is needed (plus the
// allocator's size-class slack).
sds SdsMakeRoomForNonGreedy(sds s, size_t addlen);
// Appends len bytes from t (t may point into s itself only if no growth is
// needed; use SdsDup first otherwise). May move s.
sds SdsCatLen(sds s, const void* t, size_t len);
sds SdsCat(sds s, std::string_view t);
// Appends the printf-formatted text. May move s.
sds SdsCatPrintf(sds s, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// Appends the quoted, escaped representation of p[0..len) as Redis's
// sdscatrepr does: "..." with \\ \" \n \r \t \a \b escapes, printable ASCII
// as is, every other byte as \xHH. May move s.
sds SdsCatRepr(sds s, const void* p, size_t len);
// Extends s with zero bytes up to len; no-op if already that long. May move s.
sds SdsGrowZero(sds s, size_t len);
// Replaces the content with len bytes from t. May move s.
sds SdsCpyLen(sds s, const void* t, size_t len);

// Sets the length (REQUIRES: len <= SdsAlloc(s)) and writes the NUL after it.
// For callers that wrote into the spare room directly.
void SdsSetLen(sds s, size_t len);
// Adds incr (possibly negative) to the length and writes the NUL.
// REQUIRES: incr <= SdsAvail(s) and -incr <= SdsLen(s).
void SdsIncrLen(sds s, ssize_t incr);
// Keeps only s[start..end] (inclusive), Redis sdsrange semantics: negative
// indexes count from the end (-1 is the last byte), indexes are clamped, an
// empty range empties s. Never reallocates.
void SdsRange(sds s, ssize_t start, ssize_t end);
// Removes from both ends every byte that occurs in cset (sdstrim). Never reallocates.
void SdsTrim(sds s, std::string_view cset);
// ASCII case mapping in place.
void SdsToLower(sds s);
void SdsToUpper(sds s);
// Length 0, capacity kept.
void SdsClear(sds s);
// Shrinks the allocation to fit the content (the header may become narrower).
// Keeps the tier. May move s.
sds SdsRemoveFreeSpace(sds s);

}  // namespace ds
