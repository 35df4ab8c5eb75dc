#include <gtest/gtest.h>

#include "cluster/bus.h"
#include "cluster/cluster.h"

namespace cluster {
namespace {

// The CRC16 of Redis Cluster's specification: XMODEM, whose check value
// (CRC of "123456789") is 0x31C3.
TEST(KeySlot, Crc16CheckValue) { EXPECT_EQ(KeySlot("123456789"), 0x31C3 & (kSlots - 1)); }

TEST(KeySlot, HashTags) {
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("{user1000}.followers"), KeySlot("user1000"));
  // Only the first '{' counts, up to the first '}' after it.
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), KeySlot("{bar"));
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), KeySlot("bar"));
  // An empty tag, or no closing brace: the whole key.
  EXPECT_NE(KeySlot("foo{}{bar}"), KeySlot("bar"));
  EXPECT_EQ(KeySlot("foo{"), KeySlot(std::string_view("foo{")));
  for (std::string_view k : {"", "a", "somekey", "\xff"}) {
    EXPECT_GE(KeySlot(k), 0);
    EXPECT_LT(KeySlot(k), kSlots);
  }
  EXPECT_EQ(KeySlot("somekey"), 11058);  // Redis's CLUSTER KEYSLOT documentation
}

TEST(Bus, FieldsRoundTripInNetworkOrder) {
  std::string b(bus::kHeaderLen, '\0');
  bus::Put16(b, bus::kOffPort, 6379);
  bus::Put32(b, bus::kOffTotlen, 2256);
  bus::Put64(b, bus::kOffCurrentEpoch, 0x0102030405060708ull);
  bus::PutStr(b, bus::kOffMyIp, "127.0.0.1", bus::kIpLen - 1);
  EXPECT_EQ(static_cast<uint8_t>(b[bus::kOffPort]), 6379 >> 8);
  EXPECT_EQ(bus::Get16(b, bus::kOffPort), 6379);
  EXPECT_EQ(bus::Get32(b, bus::kOffTotlen), 2256u);
  EXPECT_EQ(static_cast<uint8_t>(b[bus::kOffCurrentEpoch]), 1);
  EXPECT_EQ(bus::Get64(b, bus::kOffCurrentEpoch), 0x0102030405060708ull);
  EXPECT_EQ(bus::GetStr(b, bus::kOffMyIp, bus::kIpLen), "127.0.0.1");
}

}  // namespace
}  // namespace cluster
