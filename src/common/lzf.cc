// LZF compressor and decompressor (format in lzf.h).
//
// The compressor is greedy, in the manner of liblzf (which Redis links): a
// hash table maps the 3 bytes at a position to the last position seen with
// the same hash; a candidate within reach whose 3 bytes really match becomes
// a back-reference, extended as far as it goes (up to 264 bytes).
//
// Why it is fast (an RDB save of 1 KiB values spends most of its CPU here):
//  - After a reference only the last two positions it covers are hashed, as
//    liblzf's default (VERY_FAST) mode does, not every position inside it:
//    a run of 1 KiB of one byte costs a handful of table writes instead of a
//    thousand. Compression loses little: the next match is found from the
//    positions right after the reference.
//  - Matches are extended 8 bytes per step (XOR of two unaligned loads, the
//    first differing byte found with a count of trailing zeros).
//  - A literal run's control byte is written once, when the run closes (the
//    old code rewrote it after every literal byte).
//  - The hash reads 3 bytes with one 4-byte load and hashes them with one
//    multiply and a constant shift.
//  - The table (2^14 entries, 64 KiB per thread) is never cleared per call:
//    an entry stores base + position, and every call takes a fresh base
//    above all earlier ones, so an entry left by an earlier call is
//    recognised by one compare and ignored. Clearing 64 KiB would cost more
//    than compressing a 1 KiB value. The output thus depends on the input
//    alone (no hint left by an earlier call): the same value always
//    compresses to the same bytes.
#include "common/lzf.h"

#include <bit>
#include <cstdint>
#include <cstring>

namespace common {

namespace {

constexpr size_t kMaxLiteral = 32;       // 5 bits of run length, plus one
constexpr size_t kMaxOffset = 1 << 13;   // 13 bits of distance, plus one
constexpr size_t kMinMatch = 3;          // a reference costs 2 bytes: shorter ones don't pay
constexpr size_t kMaxMatch = 7 + 255 + 2;  // 3-bit field saturated + extra byte, plus two
// 2^14 entries * 4 bytes = 64 KiB per thread: large enough that random
// input rarely finds a false candidate (each costs a dependent load), small
// enough to stay in L2. (Measured: 2^12 and 2^13 are no faster.)
constexpr int kHashBits = 14;

// The 3 bytes at p as an integer, read with one 4-byte load.
// REQUIRES: 4 readable bytes at p.
inline uint32_t Load24(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return v >> 8;
#else
  return v & 0xffffff;
#endif
}

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}

// Fibonacci hashing of 3 bytes: the multiplier is 2^32 / golden ratio.
inline uint32_t Hash3(uint32_t v) { return (v * 2654435761u) >> (32 - kHashBits); }

// Bytes equal at a[0..] and b[0..], up to max. The 8-byte step compares
// whole words (little-endian: the lowest differing bit is in the first
// differing byte); b is the later position, a < b, so every load stays
// below b + max, inside the input.
inline size_t MatchLength(const uint8_t* a, const uint8_t* b, size_t max) {
  size_t len = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  while (len + 8 <= max) {
    uint64_t diff = Load64(a + len) ^ Load64(b + len);
    if (diff != 0) return len + static_cast<size_t>(std::countr_zero(diff)) / 8;
    len += 8;
  }
#endif
  while (len < max && a[len] == b[len]) len++;
  return len;
}

// The compressor's hash table and the base of its next call (see
// LzfCompress), per thread.
thread_local uint32_t tls_table[1 << kHashBits];
thread_local uint64_t next_base = 1;

}  // namespace

void LzfSetNextBaseForTest(uint64_t base) { next_base = base; }

size_t LzfCompress(const void* in_data, size_t in_len, void* out_data, size_t out_len) {
  if (in_len == 0) return 0;
  // base + position must fit the table's uint32 entries: inputs of 2 GiB or
  // more are refused (stored plain); a Redis string is at most 512 MB.
  if (in_len >= UINT32_MAX / 2) return 0;
  // Entries hold base + position. `base` grows by in_len + 1 at every call,
  // so an entry left by an earlier call is below this call's base and is
  // ignored without being cleared; when base would overflow, the table is
  // cleared once and base starts again at 1 (0 means never written).
  uint32_t* table = tls_table;
  if (next_base + in_len + 1 > UINT32_MAX) {
    memset(table, 0, sizeof(tls_table));
    next_base = 1;
  }
  const uint32_t base = static_cast<uint32_t>(next_base);
  next_base += in_len + 1;

  const uint8_t* in = static_cast<const uint8_t*>(in_data);
  uint8_t* out = static_cast<uint8_t*>(out_data);
  size_t ip = 0, op = 0;
  size_t lit = 0;      // bytes in the open literal run (0: none open)
  size_t lit_ctl = 0;  // index in out of the open run's control byte

  while (ip < in_len) {
    // A reference starts only where 4 bytes remain (Load24 reads 4): the
    // last 3 bytes are always literals, which costs at most one tiny match.
    if (ip + 4 <= in_len) {
      uint32_t v = Load24(in + ip);
      uint32_t h = Hash3(v);
      uint32_t entry = table[h];
      table[h] = base + static_cast<uint32_t>(ip);
      size_t ref = entry - base;  // meaningful only when entry >= base
      if (entry >= base && ip - ref <= kMaxOffset && Load24(in + ref) == v) {
        size_t max_len = in_len - ip < kMaxMatch ? in_len - ip : kMaxMatch;
        size_t len = kMinMatch + MatchLength(in + ref + kMinMatch, in + ip + kMinMatch, max_len - kMinMatch);
        if (lit > 0) {
          out[lit_ctl] = static_cast<uint8_t>(lit - 1);
          lit = 0;
        }
        size_t off = ip - ref - 1;
        size_t code = len - 2;
        if (code < 7) {
          if (op + 2 > out_len) return 0;
          out[op++] = static_cast<uint8_t>((code << 5) | (off >> 8));
        } else {
          if (op + 3 > out_len) return 0;
          out[op++] = static_cast<uint8_t>((7 << 5) | (off >> 8));
          out[op++] = static_cast<uint8_t>(code - 7);
        }
        out[op++] = static_cast<uint8_t>(off & 0xff);
        ip += len;
        // Hash the last two positions the reference covers, so repetitive
        // data finds its next match at once (ip - 1 + 4 <= in_len: both
        // loads stay inside the input).
        if (ip + 3 <= in_len) {
          table[Hash3(Load24(in + ip - 2))] = base + static_cast<uint32_t>(ip - 2);
          table[Hash3(Load24(in + ip - 1))] = base + static_cast<uint32_t>(ip - 1);
        }
        continue;
      }
    }
    // A literal: open a run (control byte + this byte) or extend one.
    if (lit == 0) {
      if (op + 2 > out_len) return 0;
      lit_ctl = op++;
    } else if (op + 1 > out_len) {
      return 0;
    }
    out[op++] = in[ip++];
    if (++lit == kMaxLiteral) {
      out[lit_ctl] = static_cast<uint8_t>(kMaxLiteral - 1);
      lit = 0;
    }
  }
  if (lit > 0) out[lit_ctl] = static_cast<uint8_t>(lit - 1);
  return op;
}

namespace {

// Walks the tokens of an LZF stream, copying into out when kWrite (out_len
// bounds the output), or only counting (out_len is then SIZE_MAX). Returns
// the output size, or 0 for a corrupt stream or one that overflows out.
template <bool kWrite>
size_t WalkLzf(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len) {
  size_t ip = 0, op = 0;
  while (ip < in_len) {
    size_t ctl = in[ip++];
    if (ctl < kMaxLiteral) {
      size_t len = ctl + 1;
      if (len > in_len - ip || len > out_len - op) return 0;
      if constexpr (kWrite) memcpy(out + op, in + ip, len);
      ip += len;
      op += len;
      continue;
    }
    size_t len = ctl >> 5;
    if (len == 7) {
      if (ip >= in_len) return 0;
      len += in[ip++];
    }
    if (ip >= in_len) return 0;
    size_t off = ((ctl & 0x1f) << 8) + in[ip++] + 1;
    len += 2;
    if (off > op || len > out_len - op) return 0;
    if constexpr (kWrite) {
      uint8_t* dst = out + op;
      const uint8_t* src = dst - off;
      if (off >= len) {
        memcpy(dst, src, len);
      } else {
        for (size_t i = 0; i < len; i++) dst[i] = src[i];  // overlapping: repeats the pattern
      }
    }
    op += len;
  }
  return op;
}

}  // namespace

size_t LzfDecompress(const void* in, size_t in_len, void* out, size_t out_len) {
  return WalkLzf<true>(static_cast<const uint8_t*>(in), in_len, static_cast<uint8_t*>(out), out_len);
}

size_t LzfDecompressedSize(const void* in, size_t in_len) {
  return WalkLzf<false>(static_cast<const uint8_t*>(in), in_len, nullptr, SIZE_MAX);
}

}  // namespace common
