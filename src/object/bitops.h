// Bit-level helpers of the bitmap commands (commands/string_cmds.cc: BITOP,
// BITFIELD), on plain byte arrays, with no knowledge of objects or clients.
//
// Bit numbering is Redis's: bit 0 is the most significant bit of byte 0, and
// a BITFIELD field of n bits at offset k is bits k..k+n-1 read most
// significant first (a big-endian integer that may start at any bit).
// Overflow handling follows Redis 7.0's BITFIELD exactly, including which
// saturation limit a SET of an out-of-range value picks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace object::bits {

// Number of set bits in p[0..n), a word at a time (popcount).
uint64_t PopCount(const uint8_t* p, size_t n);
// Set bits of s between bit offsets first and last, both included.
// REQUIRES: first <= last < 8 * s.size().
uint64_t CountBitsInRange(std::string_view s, uint64_t first, uint64_t last);
// The offset of the first bit equal to `bit` between bit offsets first and
// last (both included), or -1; whole words without a match are skipped.
// REQUIRES: first <= last < 8 * s.size().
int64_t FindBit(std::string_view s, uint64_t first, uint64_t last, bool bit);

enum class BitOp { kAnd, kOr, kXor, kNot };

// dst[0..n) = dst OP src[0..n) for AND, OR, XOR (not NOT), a word at a time.
void CombineBytes(BitOp op, uint8_t* dst, const uint8_t* src, size_t n);

// BITFIELD's OVERFLOW policies.
enum class Overflow { kWrap, kSat, kFail };

// The `bits`-bit field (1..64) at bit `offset` of p. REQUIRES: the bytes
// holding the field are readable (writable for SetField).
uint64_t GetUnsignedField(const uint8_t* p, uint64_t offset, int bits);
// The same, sign-extended from the field's top bit.
int64_t GetSignedField(const uint8_t* p, uint64_t offset, int bits);
// Stores the low `bits` bits of v.
void SetField(uint8_t* p, uint64_t offset, int bits, uint64_t v);

// The value an unsigned field of `bits` bits (1..63) gets for `value +
// incr` (SET passes its value and 0) under policy ow. Returns false when the
// result does not fit and ow is FAIL; otherwise *out is the value to store
// (wrapped or saturated as needed).
bool UnsignedFieldResult(uint64_t value, int64_t incr, int bits, Overflow ow, uint64_t* out);
// The same for a signed field of 1..64 bits.
bool SignedFieldResult(int64_t value, int64_t incr, int bits, Overflow ow, int64_t* out);

}  // namespace object::bits
