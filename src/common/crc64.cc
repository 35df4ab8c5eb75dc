// Table-driven CRC-64 (slicing-by-8) and CRC-16. The tables are computed at
// compile time from the polynomials, so nothing here can drift from the
// parameters documented in crc64.h.
#include "common/crc64.h"

#include <array>
#include <cstring>

namespace common {

namespace {

// 0xad93d23594c935a9 with its bits reversed, for the reflected (LSB-first)
// form of the algorithm.
constexpr uint64_t kCrc64PolyReflected = 0x95ac9329ac4bc9b5ULL;
constexpr uint16_t kCrc16Poly = 0x1021;

using Crc64Tables = std::array<std::array<uint64_t, 256>, 8>;

// tables[0][b] is the CRC of byte b; tables[k][b] is the CRC of byte b
// followed by k zero bytes, which lets eight input bytes be folded at once.
constexpr Crc64Tables MakeCrc64Tables() {
  Crc64Tables t{};
  for (uint64_t b = 0; b < 256; b++) {
    uint64_t crc = b;
    for (int i = 0; i < 8; i++) crc = (crc & 1) ? (crc >> 1) ^ kCrc64PolyReflected : crc >> 1;
    t[0][b] = crc;
  }
  for (int k = 1; k < 8; k++) {
    for (int b = 0; b < 256; b++) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
  return t;
}

constexpr std::array<uint16_t, 256> MakeCrc16Table() {
  std::array<uint16_t, 256> t{};
  for (int b = 0; b < 256; b++) {
    uint16_t crc = static_cast<uint16_t>(b << 8);
    for (int i = 0; i < 8; i++) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ kCrc16Poly) : static_cast<uint16_t>(crc << 1);
    }
    t[b] = crc;
  }
  return t;
}

constexpr Crc64Tables kCrc64 = MakeCrc64Tables();
constexpr std::array<uint16_t, 256> kCrc16 = MakeCrc16Table();

}  // namespace

uint64_t Crc64(uint64_t crc, const void* data, size_t len) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  while (len >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);  // little-endian: byte 0 lands in the low bits
    crc ^= w;
    crc = kCrc64[7][crc & 0xff] ^ kCrc64[6][(crc >> 8) & 0xff] ^ kCrc64[5][(crc >> 16) & 0xff] ^
          kCrc64[4][(crc >> 24) & 0xff] ^ kCrc64[3][(crc >> 32) & 0xff] ^ kCrc64[2][(crc >> 40) & 0xff] ^
          kCrc64[1][(crc >> 48) & 0xff] ^ kCrc64[0][crc >> 56];
    p += 8;
    len -= 8;
  }
#endif
  while (len--) crc = kCrc64[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

uint16_t Crc16(const void* data, size_t len) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  uint16_t crc = 0;
  while (len--) crc = static_cast<uint16_t>((crc << 8) ^ kCrc16[((crc >> 8) ^ *p++) & 0xff]);
  return crc;
}

int KeyHashSlot(std::string_view key) {
  const size_t open = key.find('{');
  if (open != std::string_view::npos) {
    const size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close != open + 1) key = key.substr(open + 1, close - open - 1);
  }
  return Crc16(key.data(), key.size()) & (kClusterSlots - 1);
}

}  // namespace common
