// Listpack: a sequence of strings and integers in one contiguous payload
// blob, in exactly Redis 7.0's layout, so that RDB can store it as-is and a
// real Redis can load it.
//
//   <total-bytes: u32 LE> <num-elements: u16 LE> <entry>* <0xFF>
//
// Each entry is <encoding+data> <backlen>. The encoding byte selects:
//   0xxxxxxx                  7-bit unsigned integer (0..127)
//   10xxxxxx <len bytes>      string of up to 63 bytes
//   110xxxxx yyyyyyyy         13-bit signed integer
//   1110xxxx yyyyyyyy <data>  string of up to 4095 bytes
//   11110000 <u32 LE len> <data>  string of any length
//   11110001 <2 bytes>        16-bit signed integer (LE)
//   11110010 <3 bytes>        24-bit signed integer
//   11110011 <4 bytes>        32-bit signed integer
//   11110100 <8 bytes>        64-bit signed integer
//   11111111                  end of the listpack
// and backlen is the length of <encoding+data>, written backwards in 7-bit
// groups (the high bit marks "more bytes to the left"), so the list can be
// walked in both directions. num-elements saturates at 65535: beyond it the
// count is recomputed by walking (LpLength does that).
//
// Strings that are canonical int64 decimals (what common::StringToInt64
// accepts) are stored as integers, as Redis does: a string "123" reads back
// as the integer 123.
//
// Memory: a listpack is a payload. LpNew allocates it through
// alloc::Payload and every growth goes through alloc::ReallocPayload, so
// placement (alloc/placement.h) decides its tier: a listpack that grows past
// tier-nvm-min-size moves to the NVM tier, and one on NVM stays there.
//
// Pointers into a listpack ("p" below) point at the first byte of an entry,
// or are nullptr for "no entry". Any function that modifies the listpack
// returns the (possibly moved) listpack; every old element pointer is then
// invalid unless the function hands back a new one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ds {

// Header: 4 bytes total length + 2 bytes element count.
inline constexpr size_t kLpHeaderSize = 6;
inline constexpr uint8_t kLpEof = 0xFF;
// Redis's LISTPACK_MAX_SAFETY_SIZE: refuse to grow one blob past 1 GiB.
inline constexpr size_t kLpMaxSafetySize = size_t{1} << 30;
// Room needed for the digits of an integer entry read as a string.
inline constexpr size_t kLpIntBufSize = 21;

// One entry's value: either an integer or a view of the string bytes inside
// the listpack (valid until the listpack is modified).
struct LpValue {
  bool is_int = false;
  int64_t ival = 0;
  std::string_view sval;
};

enum class LpWhere { kBefore, kAfter, kReplace };

// A new empty listpack with room for `capacity` bytes (at least the header
// and terminator). Payload: placement decides the tier.
unsigned char* LpNew(size_t capacity = 0);
void LpFree(unsigned char* lp);
// Gives back unused capacity (after deletions).
unsigned char* LpShrinkToFit(unsigned char* lp);
// A copy of the whole blob (a new payload allocation).
unsigned char* LpDup(const unsigned char* lp);
// Builds a listpack by copying `bytes` (e.g. loaded from RDB). REQUIRES: the
// bytes pass LpValidateIntegrity.
unsigned char* LpFromBytes(std::string_view bytes);

// Total bytes of the blob, header and terminator included.
size_t LpBytes(const unsigned char* lp);
// Number of elements (walks the listpack when the header saturated).
size_t LpLength(const unsigned char* lp);

// ---- navigation (nullptr when there is no such element) ----
unsigned char* LpFirst(const unsigned char* lp);
unsigned char* LpLast(const unsigned char* lp);
unsigned char* LpNext(const unsigned char* lp, const unsigned char* p);
unsigned char* LpPrev(const unsigned char* lp, const unsigned char* p);
// The element at index (negative counts from the end: -1 is the last).
unsigned char* LpSeek(const unsigned char* lp, long index);

// ---- reading ----
LpValue LpGet(const unsigned char* p);
// The element as bytes: strings as a view into the listpack, integers
// formatted into buf (>= kLpIntBufSize bytes) and viewed there.
std::string_view LpGetView(const unsigned char* p, char* buf);
// True iff the element equals s byte for byte (an integer element compares
// equal to its canonical decimal form).
bool LpCompare(const unsigned char* p, std::string_view s);
// Starting at p, compares every (skip+1)-th element with s and returns the
// first that matches, or nullptr. skip = 1 searches the fields of a
// field/value listpack (hashes) or the members of member/score pairs (zsets).
unsigned char* LpFind(const unsigned char* lp, const unsigned char* p, std::string_view s, unsigned skip);

// ---- writing ----
// True iff adding `add` bytes keeps the blob under kLpMaxSafetySize.
bool LpSafeToAdd(const unsigned char* lp, size_t add);
// Inserts s before or after the element p, or replaces it (kReplace). If
// newp is not null it receives the inserted/replacing element.
// REQUIRES: p is an element of lp (use LpAppend/LpPrepend for the ends).
unsigned char* LpInsertString(unsigned char* lp, std::string_view s, unsigned char* p, LpWhere where,
                              unsigned char** newp);
unsigned char* LpInsertInteger(unsigned char* lp, int64_t v, unsigned char* p, LpWhere where,
                               unsigned char** newp);
unsigned char* LpAppend(unsigned char* lp, std::string_view s);
unsigned char* LpAppendInteger(unsigned char* lp, int64_t v);
// Appends n elements with one resize (a stream entry: its flags, ID deltas,
// fields and values, lp-count). Strings are stored as LpAppend stores them.
struct LpItem {
  bool is_int = false;
  int64_t ival = 0;
  std::string_view sval;
};
unsigned char* LpAppendBatch(unsigned char* lp, const LpItem* items, size_t n);
unsigned char* LpPrepend(unsigned char* lp, std::string_view s);
unsigned char* LpPrependInteger(unsigned char* lp, int64_t v);
// Replaces the element at *p; *p is updated to the replacing element.
unsigned char* LpReplace(unsigned char* lp, unsigned char** p, std::string_view s);
unsigned char* LpReplaceInteger(unsigned char* lp, unsigned char** p, int64_t v);
// Deletes the element p. If next is not null it receives the element that
// followed p (nullptr if p was the last).
unsigned char* LpDelete(unsigned char* lp, unsigned char* p, unsigned char** next);
// Deletes num elements starting at *p; *p then points at the element that
// followed them (or nullptr).
unsigned char* LpDeleteRangeWithEntry(unsigned char* lp, unsigned char** p, size_t num);
// Deletes num elements starting at index (negative counts from the end).
unsigned char* LpDeleteRange(unsigned char* lp, long index, size_t num);
// Appends every element of b to a; frees b. Returns the merged listpack.
unsigned char* LpMerge(unsigned char* a, unsigned char* b);

// ---- validation ----
// Checks that bytes[0, size) is a well-formed listpack: header length equals
// size, the terminator is where it should be, and (deep) every entry's
// encoding, length and backlen are consistent and stay inside the blob, and
// the count matches the header (unless saturated). Never reads outside
// [bytes, bytes + size). For RDB loading and RESTORE of untrusted input.
bool LpValidateIntegrity(const unsigned char* bytes, size_t size, bool deep);

}  // namespace ds
