#include "script/sha1.h"

#include <cstdint>
#include <cstring>

namespace script {
namespace {

uint32_t Rol(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

// One 64-byte block into the five-word state (FIPS 180-4 section 6.1.2).
void Block(uint32_t h[5], const unsigned char* p) {
  uint32_t w[80];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t{p[4 * i]} << 24) | (uint32_t{p[4 * i + 1]} << 16) | (uint32_t{p[4 * i + 2]} << 8) | p[4 * i + 3];
  for (int i = 16; i < 80; i++) w[i] = Rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6;
    }
    uint32_t t = Rol(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = Rol(b, 30);
    b = a;
    a = t;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

}  // namespace

void Sha1(std::string_view data, unsigned char out[kSha1Size]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  size_t i = 0;
  for (; i + 64 <= n; i += 64) Block(h, p + i);
  // The tail, a 0x80 byte, zeros, and the length in bits (big endian).
  unsigned char last[128] = {};
  size_t rest = n - i;
  if (rest) memcpy(last, p + i, rest);
  last[rest] = 0x80;
  size_t total = rest + 9 <= 64 ? 64 : 128;
  uint64_t bits = static_cast<uint64_t>(n) * 8;
  for (int j = 0; j < 8; j++) last[total - 1 - j] = static_cast<unsigned char>(bits >> (8 * j));
  Block(h, last);
  if (total == 128) Block(h, last + 64);
  for (size_t j = 0; j < kSha1Size; j++) out[j] = static_cast<unsigned char>(h[j / 4] >> (24 - 8 * (j % 4)));
}

std::string Sha1Hex(std::string_view data) {
  unsigned char digest[kSha1Size];
  Sha1(data, digest);
  return DigestHex(digest);
}

std::string DigestHex(const unsigned char digest[kSha1Size]) {
  static const char kHex[] = "0123456789abcdef";
  std::string out(2 * kSha1Size, '0');
  for (size_t j = 0; j < kSha1Size; j++) {
    out[2 * j] = kHex[digest[j] >> 4];
    out[2 * j + 1] = kHex[digest[j] & 15];
  }
  return out;
}

}  // namespace script
