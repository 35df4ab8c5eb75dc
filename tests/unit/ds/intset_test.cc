// Intset: the exact Redis 7.0 byte layout, encoding upgrades at each width
// boundary, random add/remove against a std::set oracle with fixed seeds,
// integrity validation of untrusted blobs, and tier placement as the blob
// grows past tier-nvm-min-size.
//
// The allocator is initialised once for the binary by sds_test.cc (logical
// mode, static policy, payloads of at least 64 bytes on NVM).
#include "ds/intset.h"

#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "alloc/zmalloc.h"
#include "gtest/gtest.h"

namespace ds {
namespace {

std::string Blob(const Intset* is) { return std::string(reinterpret_cast<const char*>(is), IntsetBlobLen(is)); }

// Checks is against the oracle: same elements in the same (ascending) order,
// the invariants, and the smallest encoding ever needed (never narrower).
void ExpectSame(const Intset* is, const std::set<int64_t>& oracle) {
  IntsetVerify(is);
  ASSERT_EQ(IntsetLen(is), oracle.size());
  uint32_t i = 0;
  for (int64_t v : oracle) {
    int64_t got;
    ASSERT_TRUE(IntsetGet(is, i, &got));
    ASSERT_EQ(got, v) << "position " << i;
    i++;
  }
  int64_t dummy;
  EXPECT_FALSE(IntsetGet(is, i, &dummy));
  if (!oracle.empty()) {
    EXPECT_EQ(IntsetMin(is), *oracle.begin());
    EXPECT_EQ(IntsetMax(is), *oracle.rbegin());
  }
}

TEST(Intset, LayoutIsRedisBytes) {
  Intset* is = IntsetNew();
  EXPECT_EQ(Blob(is), std::string("\x02\0\0\0\0\0\0\0", 8));
  bool added;
  is = IntsetAdd(is, 5, &added);
  EXPECT_TRUE(added);
  is = IntsetAdd(is, -2, &added);
  is = IntsetAdd(is, 5, &added);
  EXPECT_FALSE(added);
  // encoding 2, length 2, then -2 and 5 as int16 little-endian.
  EXPECT_EQ(Blob(is), std::string("\x02\0\0\0\x02\0\0\0\xfe\xff\x05\0", 12));
  is = IntsetAdd(is, 65536, &added);  // needs int32: every element widens
  EXPECT_EQ(Blob(is), std::string("\x04\0\0\0\x03\0\0\0\xfe\xff\xff\xff\x05\0\0\0\x00\x00\x01\x00", 20));
  IntsetFree(is);
}

TEST(Intset, UpgradesAtEachBoundary) {
  struct Case {
    int64_t v;
    uint32_t enc;
  } cases[] = {
      {INT16_MAX, 2},     {INT16_MIN, 2},         {INT16_MAX + 1, 4},     {INT16_MIN - 1, 4},
      {INT32_MAX, 4},     {INT32_MIN, 4},         {int64_t{INT32_MAX} + 1, 8}, {int64_t{INT32_MIN} - 1, 8},
      {INT64_MAX, 8},     {INT64_MIN, 8},
  };
  for (const Case& c : cases) {
    // Upgrade with the new value at the back (positive) or front (negative),
    // keeping the existing elements in place and order.
    Intset* is = IntsetNew();
    is = IntsetAdd(is, 1, nullptr);
    is = IntsetAdd(is, -1, nullptr);
    is = IntsetAdd(is, c.v, nullptr);
    EXPECT_EQ(is->encoding, c.enc) << c.v;
    ExpectSame(is, {1, -1, c.v});
    EXPECT_TRUE(IntsetFind(is, c.v));
    // Removal never narrows the encoding, and finding a value wider than
    // the encoding is simply false.
    bool removed;
    is = IntsetRemove(is, c.v, &removed);
    EXPECT_TRUE(removed);
    EXPECT_EQ(is->encoding, c.enc);
    ExpectSame(is, {1, -1});
    IntsetFree(is);
  }
  Intset* small = IntsetAdd(IntsetNew(), 3, nullptr);
  EXPECT_FALSE(IntsetFind(small, INT64_MAX));
  bool removed = true;
  small = IntsetRemove(small, INT64_MIN, &removed);
  EXPECT_FALSE(removed);
  IntsetFree(small);
}

// Random operations against std::set: values drawn from ranges that hit
// every encoding, with fixed seeds so a failure reproduces.
TEST(Intset, RandomOpsMatchStdSet) {
  for (uint32_t seed : {1u, 2u, 3u, 42u, 1234u}) {
    std::mt19937_64 rng(seed);
    std::set<int64_t> oracle;
    Intset* is = IntsetNew();
    auto draw = [&rng]() -> int64_t {
      switch (rng() % 4) {
        case 0: return static_cast<int64_t>(rng() % 200) - 100;  // int16, many repeats
        case 1: return static_cast<int16_t>(rng());
        case 2: return static_cast<int32_t>(rng());
        default: return static_cast<int64_t>(rng());
      }
    };
    for (int op = 0; op < 4000; op++) {
      int64_t v = draw();
      const int kind = static_cast<int>(rng() % 10);
      if (kind < 6) {
        bool added;
        is = IntsetAdd(is, v, &added);
        EXPECT_EQ(added, oracle.insert(v).second) << "seed " << seed << " add " << v;
      } else if (kind < 9) {
        // Remove a present value half of the time.
        if (!oracle.empty() && rng() % 2) {
          auto it = oracle.begin();
          std::advance(it, static_cast<long>(rng() % oracle.size()));
          v = *it;
        }
        bool removed;
        is = IntsetRemove(is, v, &removed);
        EXPECT_EQ(removed, oracle.erase(v) == 1) << "seed " << seed << " remove " << v;
      } else {
        EXPECT_EQ(IntsetFind(is, v), oracle.count(v) == 1);
      }
      if (op % 500 == 0) ExpectSame(is, oracle);
    }
    ExpectSame(is, oracle);
    EXPECT_EQ(IntsetBlobLen(is), 8 + size_t{is->encoding} * oracle.size());
    EXPECT_TRUE(IntsetValidateIntegrity(is, IntsetBlobLen(is), true) || oracle.empty());
    // Random returns members only, and over many draws every one of a small
    // set.
    if (!oracle.empty()) {
      for (int i = 0; i < 100; i++) EXPECT_EQ(oracle.count(IntsetRandom(is)), 1u);
    }
    Intset* copy = IntsetDup(is);
    EXPECT_EQ(Blob(copy), Blob(is));
    IntsetFree(copy);
    IntsetFree(is);
  }
}

TEST(Intset, RandomCoversEveryElement) {
  Intset* is = IntsetNew();
  for (int64_t v : {-7, 0, 3, 100000, 5}) is = IntsetAdd(is, v, nullptr);
  std::set<int64_t> seen;
  for (int i = 0; i < 1000 && seen.size() < 5; i++) seen.insert(IntsetRandom(is));
  EXPECT_EQ(seen, (std::set<int64_t>{-7, 0, 3, 5, 100000}));
  IntsetFree(is);
}

TEST(Intset, ValidateIntegrity) {
  Intset* is = IntsetNew();
  for (int64_t v : {1, 2, 300}) is = IntsetAdd(is, v, nullptr);
  const std::string good = Blob(is);
  IntsetFree(is);
  EXPECT_TRUE(IntsetValidateIntegrity(good.data(), good.size(), true));
  // Too short for the header, wrong sizes, bad encodings.
  EXPECT_FALSE(IntsetValidateIntegrity(good.data(), 7, false));
  EXPECT_FALSE(IntsetValidateIntegrity(good.data(), good.size() - 1, false));
  std::string longer = good + "xx";
  EXPECT_FALSE(IntsetValidateIntegrity(longer.data(), longer.size(), false));
  for (uint8_t enc : {0, 1, 3, 5, 16}) {
    std::string bad = good;
    bad[0] = static_cast<char>(enc);
    EXPECT_FALSE(IntsetValidateIntegrity(bad.data(), bad.size(), false)) << int{enc};
  }
  // A length whose 8 + enc * length overflows 32 bits must not wrap.
  std::string huge = good;
  huge[4] = huge[5] = huge[6] = huge[7] = '\xff';
  EXPECT_FALSE(IntsetValidateIntegrity(huge.data(), huge.size(), false));
  // Empty intsets are never valid (Redis stores no empty sets).
  std::string empty("\x02\0\0\0\0\0\0\0", 8);
  EXPECT_FALSE(IntsetValidateIntegrity(empty.data(), empty.size(), false));
  // Order and duplicates are only checked when deep.
  std::string unsorted("\x02\0\0\0\x02\0\0\0\x05\0\x01\0", 12);
  EXPECT_TRUE(IntsetValidateIntegrity(unsorted.data(), unsorted.size(), false));
  EXPECT_FALSE(IntsetValidateIntegrity(unsorted.data(), unsorted.size(), true));
  std::string dup("\x02\0\0\0\x02\0\0\0\x05\0\x05\0", 12);
  EXPECT_FALSE(IntsetValidateIntegrity(dup.data(), dup.size(), true));
  // A wider-than-needed encoding is valid (removals never narrow it).
  std::string wide("\x08\0\0\0\x01\0\0\0\x01\0\0\0\0\0\0\0", 16);
  ASSERT_TRUE(IntsetValidateIntegrity(wide.data(), wide.size(), true));
  Intset* adopted = IntsetFromBlob(wide.data(), wide.size());
  IntsetVerify(adopted);
  EXPECT_TRUE(IntsetFind(adopted, 1));
  adopted = IntsetAdd(adopted, 2, nullptr);
  EXPECT_EQ(adopted->encoding, 8u);
  IntsetFree(adopted);
}

TEST(Intset, GrowsOntoNvmPastTheThreshold) {
  // 8-byte header + 2 bytes per int16: 28 elements = 64 bytes, the
  // threshold of this binary's placement policy.
  Intset* is = IntsetNew();
  EXPECT_FALSE(alloc::InNvmRange(is));
  for (int64_t v = 0; v < 27; v++) is = IntsetAdd(is, v, nullptr);
  EXPECT_FALSE(alloc::InNvmRange(is)) << IntsetBlobLen(is);
  is = IntsetAdd(is, 27, nullptr);
  EXPECT_EQ(IntsetBlobLen(is), 64u);
  EXPECT_TRUE(alloc::InNvmRange(is));
  // It stays on NVM while it shrinks, and its content survived the move.
  for (int64_t v = 27; v >= 10; v--) is = IntsetRemove(is, v, nullptr);
  EXPECT_TRUE(alloc::InNvmRange(is));
  std::set<int64_t> want;
  for (int64_t v = 0; v < 10; v++) want.insert(v);
  ExpectSame(is, want);
  IntsetFree(is);
}

TEST(IntsetDeathTest, VerifyCatchesDisorder) {
  Intset* is = IntsetNew();
  for (int64_t v : {1, 2, 3}) is = IntsetAdd(is, v, nullptr);
  int16_t big = 9;
  memcpy(reinterpret_cast<char*>(is) + 8, &big, 2);  // first element now 9 > 2
  // The panic message goes to the server log (stdout), so only the abort is
  // checked here.
  EXPECT_DEATH(IntsetVerify(is), "");
  IntsetFree(is);
}

}  // namespace
}  // namespace ds
