// LZF compressor and decompressor (format in lzf.h).
//
// The compressor is greedy: a hash table maps the 3 bytes at a position to
// the last position that had the same hash; a candidate within reach whose 3
// bytes really match becomes a back-reference, extended as far as it goes
// (up to 264 bytes). The table is per thread and never cleared: an entry
// left from an earlier call is only a hint, used after checking that it lies
// before the current position within this input and that its bytes match,
// so stale values cost compression ratio, never correctness.
#include "common/lzf.h"

#include <cstdint>
#include <cstring>

namespace common {

namespace {

constexpr size_t kMaxLiteral = 32;       // 5 bits of run length, plus one
constexpr size_t kMaxOffset = 1 << 13;   // 13 bits of distance, plus one
constexpr size_t kMinMatch = 3;          // a reference costs 2 bytes: shorter ones don't pay
constexpr size_t kMaxMatch = 7 + 255 + 2;  // 3-bit field saturated + extra byte, plus two
constexpr int kHashBits = 14;            // 16K entries * 4 bytes = 64 KiB per thread

inline uint32_t Hash3(const uint8_t* p) {
  uint32_t v = (static_cast<uint32_t>(p[0]) << 16) | (static_cast<uint32_t>(p[1]) << 8) | p[2];
  // Fibonacci hashing: the multiplier is 2^32 / golden ratio.
  return (v * 2654435761u) >> (32 - kHashBits);
}

}  // namespace

size_t LzfCompress(const void* in_data, size_t in_len, void* out_data, size_t out_len) {
  if (in_len == 0) return 0;
  // Positions are stored as uint32; Redis never compresses more than 4 GiB
  // at once, but refuse rather than mis-index.
  if (in_len > UINT32_MAX) return 0;
  thread_local uint32_t table[1 << kHashBits];

  const uint8_t* in = static_cast<const uint8_t*>(in_data);
  uint8_t* out = static_cast<uint8_t*>(out_data);
  size_t ip = 0, op = 0;
  size_t lit = 0;      // bytes in the open literal run
  size_t lit_ctl = 0;  // index in out of the open run's control byte

  auto emit_literal = [&](uint8_t b) -> bool {
    if (lit == 0) {
      if (op + 2 > out_len) return false;  // control byte + this byte
      lit_ctl = op++;
    } else if (op + 1 > out_len) {
      return false;
    }
    out[op++] = b;
    out[lit_ctl] = static_cast<uint8_t>(lit);  // run length minus one
    if (++lit == kMaxLiteral) lit = 0;
    return true;
  };

  while (ip + kMinMatch <= in_len) {
    uint32_t h = Hash3(in + ip);
    size_t ref = table[h];
    table[h] = static_cast<uint32_t>(ip);
    if (ref < ip && ip - ref <= kMaxOffset && memcmp(in + ref, in + ip, kMinMatch) == 0) {
      size_t max_len = in_len - ip < kMaxMatch ? in_len - ip : kMaxMatch;
      size_t len = kMinMatch;
      while (len < max_len && in[ref + len] == in[ip + len]) len++;
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
      lit = 0;
      // Index the positions inside the match too: repetitive data then
      // finds long references right after this one.
      size_t end = ip + len;
      for (ip++; ip < end && ip + kMinMatch <= in_len; ip++) table[Hash3(in + ip)] = static_cast<uint32_t>(ip);
      ip = end;
    } else {
      if (!emit_literal(in[ip])) return 0;
      ip++;
    }
  }
  while (ip < in_len) {
    if (!emit_literal(in[ip])) return 0;
    ip++;
  }
  return op;
}

size_t LzfDecompress(const void* in_data, size_t in_len, void* out_data, size_t out_len) {
  const uint8_t* in = static_cast<const uint8_t*>(in_data);
  uint8_t* out = static_cast<uint8_t*>(out_data);
  size_t ip = 0, op = 0;
  while (ip < in_len) {
    size_t ctl = in[ip++];
    if (ctl < kMaxLiteral) {
      size_t len = ctl + 1;
      if (len > in_len - ip || len > out_len - op) return 0;
      memcpy(out + op, in + ip, len);
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
    uint8_t* dst = out + op;
    const uint8_t* src = dst - off;
    if (off >= len) {
      memcpy(dst, src, len);
    } else {
      for (size_t i = 0; i < len; i++) dst[i] = src[i];  // overlapping: repeats the pattern
    }
    op += len;
  }
  return op;
}

}  // namespace common
