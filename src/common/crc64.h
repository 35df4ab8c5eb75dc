// Checksums with on-disk and on-wire meaning, so their parameters never
// change:
//  - Crc64: the CRC-64 that ends every RDB file and DUMP payload. Jones
//    polynomial 0xad93d23594c935a9, reflected input and output, initial value
//    0, no final xor. Check value: Crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca.
//  - Crc16: CRC-16/XMODEM (polynomial 0x1021, MSB first, initial 0), the hash
//    of cluster key slots (slot = Crc16(key) & 16383). Check: 0x31c3.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace common {

// Continues a CRC-64 over data: Crc64(Crc64(0, a, n), b, m) equals the CRC of
// a followed by b. Start with crc = 0. Slicing-by-8, about 1 byte per cycle.
uint64_t Crc64(uint64_t crc, const void* data, size_t len);

// CRC-16/XMODEM of data.
uint16_t Crc16(const void* data, size_t len);

// Redis Cluster's hash slots: 16384, so that a node's slot bitmap (2 KB)
// fits in every bus message header (Redis's CLUSTER_SLOTS).
inline constexpr int kClusterSlots = 16384;
// The slot of a key: Crc16 of the key, or of its hash tag (the bytes between
// the first '{' and the first '}' after it, when there are any), mod 16384.
int KeyHashSlot(std::string_view key);

}  // namespace common
