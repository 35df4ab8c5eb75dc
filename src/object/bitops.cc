// Bit-level helpers; see bitops.h.
#include "object/bitops.h"

#include <cstring>

namespace object::bits {
namespace {

constexpr int kBitsPerByte = 8;

inline uint8_t BitMask(uint64_t bit_offset) { return static_cast<uint8_t>(0x80u >> (bit_offset & 7)); }

}  // namespace

// x86-64's baseline has no POPCNT instruction: built for it,
// __builtin_popcountll is a library call per word, slower than Redis's
// table-free bit tricks. target_clones builds the loop twice, with and
// without POPCNT, and the loader picks one for the CPU (an ifunc).
#if defined(__x86_64__) && defined(__ELF__)
#define TD_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define TD_POPCNT_CLONES
#endif

// Number of set bits in p[0..n). Four words per step: independent adds
// keep the popcount unit busy.
TD_POPCNT_CLONES uint64_t PopCount(const uint8_t* p, size_t n) {
  uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  size_t i = 0;
  for (; i + 4 * sizeof(uint64_t) <= n; i += 4 * sizeof(uint64_t)) {
    uint64_t w[4];
    memcpy(w, p + i, sizeof(w));
    c0 += static_cast<uint64_t>(__builtin_popcountll(w[0]));
    c1 += static_cast<uint64_t>(__builtin_popcountll(w[1]));
    c2 += static_cast<uint64_t>(__builtin_popcountll(w[2]));
    c3 += static_cast<uint64_t>(__builtin_popcountll(w[3]));
  }
  uint64_t count = c0 + c1 + c2 + c3;
  for (; i + sizeof(uint64_t) <= n; i += sizeof(uint64_t)) {
    uint64_t w;
    memcpy(&w, p + i, sizeof(w));
    count += static_cast<uint64_t>(__builtin_popcountll(w));
  }
  for (; i < n; i++) count += static_cast<uint64_t>(__builtin_popcount(p[i]));
  return count;
}

// Set bits of s between bit offsets first and last, both included.
// REQUIRES: first <= last < 8 * s.size().
uint64_t CountBitsInRange(std::string_view s, uint64_t first, uint64_t last) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint64_t fb = first >> 3, lb = last >> 3;
  uint64_t count = PopCount(p + fb, lb - fb + 1);
  // Take back the bits of the edge bytes that lie outside the range: the
  // high (first % 8) bits of the first byte, the low 7 - (last % 8) bits of
  // the last one.
  const uint8_t before_first = static_cast<uint8_t>(~(0xFFu >> (first & 7)));
  const uint8_t after_last = static_cast<uint8_t>((1u << (7 - (last & 7))) - 1);
  count -= static_cast<uint64_t>(__builtin_popcount(p[fb] & before_first));
  count -= static_cast<uint64_t>(__builtin_popcount(p[lb] & after_last));
  return count;
}

// The offset of the first bit equal to `bit` between bit offsets first and
// last (both included), or -1. REQUIRES: first <= last < 8 * s.size().
int64_t FindBit(std::string_view s, uint64_t first, uint64_t last, bool bit) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint64_t fb = first >> 3, lb = last >> 3;
  // Looking for a 0 is looking for a 1 in the complement.
  const uint8_t flip = bit ? 0x00 : 0xFF;
  const uint64_t skip_word = bit ? 0 : UINT64_MAX;  // a word with no match
  uint64_t i = fb;
  while (i <= lb) {
    // Whole words strictly inside the range that hold no match are skipped.
    if (i != fb && i + sizeof(uint64_t) <= lb) {
      uint64_t w;
      memcpy(&w, p + i, sizeof(w));
      if (w == skip_word) {
        i += sizeof(uint64_t);
        continue;
      }
    }
    uint8_t b = static_cast<uint8_t>(p[i] ^ flip);
    if (i == fb) b &= static_cast<uint8_t>(0xFFu >> (first & 7));
    if (i == lb) b &= static_cast<uint8_t>(0xFFu << (7 - (last & 7)));
    if (b != 0) return static_cast<int64_t>(i * kBitsPerByte) + (__builtin_clz(b) - 24);
    i++;
  }
  return -1;
}

// dst[0..n) = dst OP src[0..n), eight bytes at a time (the compiler turns
// the fixed-size memcpy into plain loads and stores).
void CombineBytes(BitOp op, uint8_t* dst, const uint8_t* src, size_t n) {
  size_t i = 0;
  for (; i + sizeof(uint64_t) <= n; i += sizeof(uint64_t)) {
    uint64_t a, b;
    memcpy(&a, dst + i, sizeof(a));
    memcpy(&b, src + i, sizeof(b));
    a = op == BitOp::kAnd ? (a & b) : op == BitOp::kOr ? (a | b) : (a ^ b);
    memcpy(dst + i, &a, sizeof(a));
  }
  for (; i < n; i++) {
    dst[i] = static_cast<uint8_t>(op == BitOp::kAnd ? (dst[i] & src[i])
                                  : op == BitOp::kOr ? (dst[i] | src[i])
                                                     : (dst[i] ^ src[i]));
  }
}

// The `bits`-bit field at bit `offset` of p, most significant bit first.
// REQUIRES: the bytes holding the field are readable.
uint64_t GetUnsignedField(const uint8_t* p, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int j = 0; j < bits; j++, offset++) v = (v << 1) | ((p[offset >> 3] >> (7 - (offset & 7))) & 1u);
  return v;
}

int64_t GetSignedField(const uint8_t* p, uint64_t offset, int bits) {
  uint64_t v = GetUnsignedField(p, offset, bits);
  if (bits < 64 && (v & (uint64_t{1} << (bits - 1)))) v |= UINT64_MAX << bits;  // sign extension
  return static_cast<int64_t>(v);
}

void SetField(uint8_t* p, uint64_t offset, int bits, uint64_t v) {
  for (int j = bits - 1; j >= 0; j--, offset++) {
    const uint8_t mask = BitMask(offset);
    if ((v >> j) & 1u) {
      p[offset >> 3] |= mask;
    } else {
      p[offset >> 3] = static_cast<uint8_t>(p[offset >> 3] & ~mask);
    }
  }
}

// The field value `value + incr` for an unsigned field of `bits` bits under
// policy ow. Returns false when the result does not fit and ow is FAIL;
// otherwise *out is the stored value (wrapped or saturated as needed).
bool UnsignedFieldResult(uint64_t value, int64_t incr, int bits, Overflow ow, uint64_t* out) {
  const uint64_t max = (uint64_t{1} << bits) - 1;  // bits <= 63
  const bool over = value > max || (incr > 0 && static_cast<uint64_t>(incr) > max - value);
  const bool under = !over && incr < 0 && static_cast<uint64_t>(-(incr + 1)) + 1 > value;
  if (over || under) {
    if (ow == Overflow::kFail) return false;
    if (ow == Overflow::kSat) {
      *out = over ? max : 0;
      return true;
    }
  }
  *out = (value + static_cast<uint64_t>(incr)) & max;
  return true;
}

bool SignedFieldResult(int64_t value, int64_t incr, int bits, Overflow ow, int64_t* out) {
  const int64_t max = bits == 64 ? INT64_MAX : static_cast<int64_t>((uint64_t{1} << (bits - 1)) - 1);
  const int64_t min = -max - 1;
  // Redis compares the increment with max - value and min - value computed
  // in wrapping 64-bit arithmetic; for a SET of a value far outside a narrow
  // field that decides between the two saturation limits, so do the same.
  const auto wrapping_sub = [](int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
  };
  const int64_t maxincr = wrapping_sub(max, value), minincr = wrapping_sub(min, value);
  const bool over = value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr);
  const bool under =
      !over && (value < min || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr));
  if (over || under) {
    if (ow == Overflow::kFail) return false;
    if (ow == Overflow::kSat) {
      *out = over ? max : min;
      return true;
    }
  }
  uint64_t v = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
  if (bits < 64) {
    const uint64_t mask = UINT64_MAX << bits;
    v = (v & (uint64_t{1} << (bits - 1))) ? (v | mask) : (v & ~mask);
  }
  *out = static_cast<int64_t>(v);
  return true;
}

}  // namespace object::bits
