// object/bitops: the bitmap helpers against bit-by-bit reference versions,
// with fixed seeds (test_bits.py and test_string.py compare the commands
// with Debian's redis-server).
#include "object/bitops.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace object::bits {
namespace {

int Bit(const std::string& s, uint64_t i) { return (static_cast<uint8_t>(s[i >> 3]) >> (7 - (i & 7))) & 1; }

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& ch : s) {
    switch (rng() % 3) {
      case 0: ch = '\0'; break;
      case 1: ch = '\xff'; break;
      default: ch = static_cast<char>(rng());
    }
  }
  return s;
}

TEST(BitopsTest, CountAndFindMatchBitByBit) {
  std::mt19937_64 rng(16);
  for (int round = 0; round < 2000; round++) {
    const std::string s = RandomBytes(rng, 1 + rng() % 70);
    const uint64_t nbits = s.size() * 8;
    uint64_t first = rng() % nbits, last = rng() % nbits;
    if (first > last) std::swap(first, last);
    uint64_t count = 0;
    int64_t first_one = -1, first_zero = -1;
    for (uint64_t i = first; i <= last; i++) {
      count += Bit(s, i);
      if (Bit(s, i) && first_one < 0) first_one = static_cast<int64_t>(i);
      if (!Bit(s, i) && first_zero < 0) first_zero = static_cast<int64_t>(i);
    }
    ASSERT_EQ(CountBitsInRange(s, first, last), count);
    ASSERT_EQ(FindBit(s, first, last, true), first_one);
    ASSERT_EQ(FindBit(s, first, last, false), first_zero);
  }
  const std::string ones(100, '\xff');
  EXPECT_EQ(PopCount(reinterpret_cast<const uint8_t*>(ones.data()), ones.size()), 800u);
}

TEST(BitopsTest, CombineBytesWordAndTail) {
  std::mt19937_64 rng(3);
  for (size_t n : {0, 1, 7, 8, 9, 63, 64, 65, 1000}) {
    const std::string a = RandomBytes(rng, n), b = RandomBytes(rng, n);
    for (BitOp op : {BitOp::kAnd, BitOp::kOr, BitOp::kXor}) {
      std::string d = a;
      CombineBytes(op, reinterpret_cast<uint8_t*>(d.data()), reinterpret_cast<const uint8_t*>(b.data()), n);
      for (size_t i = 0; i < n; i++) {
        const uint8_t x = static_cast<uint8_t>(a[i]), y = static_cast<uint8_t>(b[i]);
        const uint8_t want = op == BitOp::kAnd ? (x & y) : op == BitOp::kOr ? (x | y) : (x ^ y);
        ASSERT_EQ(static_cast<uint8_t>(d[i]), want) << n << " " << i;
      }
    }
  }
}

TEST(BitopsTest, FieldsRoundTripAtEveryAlignment) {
  std::mt19937_64 rng(5);
  for (int round = 0; round < 3000; round++) {
    std::string s = RandomBytes(rng, 12);
    const int bits = 1 + static_cast<int>(rng() % 64);
    const uint64_t offset = rng() % (96 - bits + 1);
    const uint64_t v = rng();
    const std::string before = s;
    SetField(reinterpret_cast<uint8_t*>(s.data()), offset, bits, v);
    const uint64_t mask = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
    ASSERT_EQ(GetUnsignedField(reinterpret_cast<const uint8_t*>(s.data()), offset, bits), v & mask);
    for (uint64_t i = 0; i < 96; i++) {  // nothing outside the field moved
      if (i < offset || i >= offset + static_cast<uint64_t>(bits)) {
        ASSERT_EQ(Bit(s, i), Bit(before, i));
      }
    }
    const int64_t sv = GetSignedField(reinterpret_cast<const uint8_t*>(s.data()), offset, bits);
    const bool negative = (v >> (bits - 1)) & 1;
    ASSERT_EQ(sv < 0, negative);
  }
}

TEST(BitopsTest, OverflowPolicies) {
  uint64_t u;
  int64_t i;
  // u8: 250 + 10
  ASSERT_TRUE(UnsignedFieldResult(250, 10, 8, Overflow::kWrap, &u));
  EXPECT_EQ(u, 4u);
  ASSERT_TRUE(UnsignedFieldResult(250, 10, 8, Overflow::kSat, &u));
  EXPECT_EQ(u, 255u);
  EXPECT_FALSE(UnsignedFieldResult(250, 10, 8, Overflow::kFail, &u));
  ASSERT_TRUE(UnsignedFieldResult(5, -10, 8, Overflow::kSat, &u));
  EXPECT_EQ(u, 0u);
  ASSERT_TRUE(UnsignedFieldResult(5, -10, 8, Overflow::kWrap, &u));
  EXPECT_EQ(u, 251u);
  // SET u8 -1 saturates to the maximum (the value reads as 2^64 - 1).
  ASSERT_TRUE(UnsignedFieldResult(static_cast<uint64_t>(-1), 0, 8, Overflow::kSat, &u));
  EXPECT_EQ(u, 255u);
  // i8: 120 + 10, -120 - 10
  ASSERT_TRUE(SignedFieldResult(120, 10, 8, Overflow::kWrap, &i));
  EXPECT_EQ(i, -126);
  ASSERT_TRUE(SignedFieldResult(120, 10, 8, Overflow::kSat, &i));
  EXPECT_EQ(i, 127);
  ASSERT_TRUE(SignedFieldResult(-120, -10, 8, Overflow::kSat, &i));
  EXPECT_EQ(i, -128);
  EXPECT_FALSE(SignedFieldResult(-120, -10, 8, Overflow::kFail, &i));
  // i64 at its limits.
  ASSERT_TRUE(SignedFieldResult(INT64_MAX, 1, 64, Overflow::kWrap, &i));
  EXPECT_EQ(i, INT64_MIN);
  ASSERT_TRUE(SignedFieldResult(INT64_MIN, -1, 64, Overflow::kSat, &i));
  EXPECT_EQ(i, INT64_MIN);
  ASSERT_TRUE(SignedFieldResult(INT64_MAX, 0, 64, Overflow::kFail, &i));
  EXPECT_EQ(i, INT64_MAX);
}

}  // namespace
}  // namespace object::bits
