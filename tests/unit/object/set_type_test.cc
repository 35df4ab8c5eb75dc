// The set type: random SADD/SREM-like operations against a std::set<string>
// oracle with fixed seeds, the intset -> hashtable conversion points of
// Redis 7.0 (a non-integer member, more than set-max-intset-entries), the
// canonical-integer rule, iteration, random members, dup, memory per tier and
// the TypeOps wiring (DecrRef frees through it).
//
// The allocator is initialised once for the binary by object_test.cc
// (logical mode, default static policy: payloads of 64+ bytes on NVM).
#include "object/set_type.h"

#include <random>
#include <set>
#include <string>
#include <vector>

#include "alloc/zmalloc.h"
#include "common/util.h"
#include "gtest/gtest.h"

namespace object {
namespace {

class SetTypeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitTypes();
    saved_ = GetSettings().set_max_intset_entries;
  }
  void TearDown() override { GetSettings().set_max_intset_entries = saved_; }
  size_t saved_ = 0;
};

std::set<std::string> Members(const Object* set) {
  std::set<std::string> out;
  SetIterator it(set);
  SetMember m;
  char buf[common::kInt64BufSize];
  while (it.Next(&m)) EXPECT_TRUE(out.insert(std::string(m.View(buf))).second) << "member twice";
  return out;
}

void ExpectSame(const Object* set, const std::set<std::string>& oracle) {
  SetTypeVerify(set);
  ASSERT_EQ(SetTypeSize(set), oracle.size());
  EXPECT_EQ(Members(set), oracle);
}

TEST_F(SetTypeTest, CreateChoosesEncodingByFirstMember) {
  for (const char* m : {"0", "-5", "9223372036854775807"}) {
    Object* s = SetTypeCreate(m);
    EXPECT_EQ(s->GetEncoding(), Encoding::kIntset) << m;
    DecrRef(s);
  }
  // Non-canonical integers are strings, as Redis's string2ll says.
  for (const char* m : {"a", "007", "+1", " 1", "1.0", "9223372036854775808", ""}) {
    Object* s = SetTypeCreate(m);
    EXPECT_EQ(s->GetEncoding(), Encoding::kHashtable) << m;
    DecrRef(s);
  }
}

TEST_F(SetTypeTest, ConvertsOnNonIntegerMember) {
  Object* s = SetTypeCreate("1");
  EXPECT_TRUE(SetTypeAdd(s, "1"));
  EXPECT_TRUE(SetTypeAdd(s, "2"));
  EXPECT_FALSE(SetTypeAdd(s, "2"));
  EXPECT_EQ(s->GetEncoding(), Encoding::kIntset);
  // Removing or probing a non-integer never converts.
  EXPECT_FALSE(SetTypeRemove(s, "x"));
  EXPECT_FALSE(SetTypeIsMember(s, "x"));
  EXPECT_FALSE(SetTypeIsMember(s, "01"));
  EXPECT_EQ(s->GetEncoding(), Encoding::kIntset);
  EXPECT_TRUE(SetTypeAdd(s, "01"));
  EXPECT_EQ(s->GetEncoding(), Encoding::kHashtable);
  ExpectSame(s, {"1", "2", "01"});
  EXPECT_TRUE(SetTypeIsMemberInt(s, 2));
  EXPECT_TRUE(SetTypeIsMember(s, "01"));
  DecrRef(s);
}

TEST_F(SetTypeTest, ConvertsPastMaxIntsetEntries) {
  GetSettings().set_max_intset_entries = 4;
  Object* s = CreateIntsetObject();
  for (int64_t v = 0; v < 4; v++) EXPECT_TRUE(SetTypeAddInt(s, v));
  EXPECT_EQ(s->GetEncoding(), Encoding::kIntset);
  EXPECT_FALSE(SetTypeAddInt(s, 3));  // no new member: no conversion
  EXPECT_EQ(s->GetEncoding(), Encoding::kIntset);
  EXPECT_TRUE(SetTypeAdd(s, "4"));
  EXPECT_EQ(s->GetEncoding(), Encoding::kHashtable);
  // Never back, even when it shrinks.
  for (const char* m : {"0", "1", "2", "3"}) EXPECT_TRUE(SetTypeRemove(s, m));
  EXPECT_EQ(s->GetEncoding(), Encoding::kHashtable);
  ExpectSame(s, {"4"});
  DecrRef(s);
  // set-max-intset-entries 0: the first integer added already converts.
  GetSettings().set_max_intset_entries = 0;
  s = SetTypeCreate("7");
  EXPECT_TRUE(SetTypeAdd(s, "7"));
  EXPECT_EQ(s->GetEncoding(), Encoding::kHashtable);
  DecrRef(s);
}

// Random operations on members drawn from integers (some non-canonical) and
// strings, with small and default intset limits, against std::set.
TEST_F(SetTypeTest, RandomOpsMatchOracle) {
  for (uint32_t seed : {7u, 8u, 9u, 100u}) {
    std::mt19937_64 rng(seed);
    GetSettings().set_max_intset_entries = seed % 2 ? 512 : 16;
    const bool strings = seed >= 9;  // two seeds stay all-integer
    auto draw = [&]() -> std::string {
      uint64_t r = rng() % 100;
      if (strings && r < 5) return "m" + std::to_string(rng() % 50);
      if (strings && r < 7) return std::string(100, static_cast<char>('a' + rng() % 26));  // NVM-sized
      if (r < 60) return std::to_string(static_cast<int64_t>(rng() % 300) - 100);
      return std::to_string(static_cast<int64_t>(rng()));
    };
    Object* s = SetTypeCreate(draw());
    std::set<std::string> oracle;
    for (int op = 0; op < 3000; op++) {
      std::string m = draw();
      if (rng() % 3 != 0) {
        EXPECT_EQ(SetTypeAdd(s, m), oracle.insert(m).second) << m;
      } else {
        if (!oracle.empty() && rng() % 2) {
          auto it = oracle.begin();
          std::advance(it, static_cast<long>(rng() % oracle.size()));
          m = *it;
        }
        EXPECT_EQ(SetTypeRemove(s, m), oracle.erase(m) == 1) << m;
      }
      const std::string probe = draw();
      EXPECT_EQ(SetTypeIsMember(s, probe), oracle.count(probe) == 1) << probe;
      if (op % 500 == 0) ExpectSame(s, oracle);
    }
    ExpectSame(s, oracle);
    // The encoding is what Redis would have: intset iff every member ever
    // added was an integer and the limit was never exceeded. Sequences with
    // strings must have converted.
    if (strings) {
      EXPECT_EQ(s->GetEncoding(), Encoding::kHashtable);
    }
    for (const std::string& m : oracle) EXPECT_TRUE(SetTypeIsMember(s, m));
    if (!oracle.empty()) {
      char buf[common::kInt64BufSize];
      for (int i = 0; i < 50; i++) EXPECT_EQ(oracle.count(std::string(SetTypeRandomElement(s).View(buf))), 1u);
    }
    Object* copy = DupSet(s);
    EXPECT_EQ(copy->GetEncoding(), s->GetEncoding());
    ExpectSame(copy, oracle);
    DecrRef(copy);
    DecrRef(s);
  }
}

TEST_F(SetTypeTest, IntsetIteratesAscending) {
  Object* s = CreateIntsetObject();
  for (int64_t v : {5, -3, 100000, 0, -70000}) SetTypeAddInt(s, v);
  std::vector<int64_t> got;
  SetIterator it(s);
  SetMember m;
  while (it.Next(&m)) {
    EXPECT_TRUE(m.is_int);
    got.push_back(m.ll);
  }
  EXPECT_EQ(got, (std::vector<int64_t>{-70000, -3, 0, 5, 100000}));
  DecrRef(s);
}

TEST_F(SetTypeTest, MembersArePayloadsOnTheirTier) {
  Object* s = CreateSetObject();
  const std::string big(100, 'x'), small = "tiny";
  SetTypeAdd(s, big);
  SetTypeAdd(s, small);
  TierBytes tb;
  SetMemoryUsage(s, 0, &tb);
  // The 100-byte member is on NVM; the dict, its entries and the small
  // member are DRAM.
  EXPECT_GE(tb.nvm, big.size());
  EXPECT_GT(tb.dram, sizeof(ds::Dict));
  TierBytes sampled;
  SetMemoryUsage(s, 1, &sampled);  // one member scaled to two
  EXPECT_GT(sampled.total(), 0u);
  // MemoryUsage goes through the registered ops (header included).
  TierBytes all = MemoryUsage(s, 0);
  EXPECT_EQ(all.total(), tb.total() + alloc::UsableSize(s));
  DecrRef(s);

  // A large intset is one NVM payload.
  GetSettings().set_max_intset_entries = 2000;
  Object* is = CreateIntsetObject();
  for (int64_t v = 0; v < 1000; v++) SetTypeAddInt(is, v);
  TierBytes itb;
  SetMemoryUsage(is, 0, &itb);
  EXPECT_EQ(itb.dram, 0u);
  EXPECT_GE(itb.nvm, 8u + 2 * 1000);
  Object* copy = Dup(is);  // through TypeOps
  EXPECT_EQ(copy->GetEncoding(), Encoding::kIntset);
  EXPECT_EQ(Members(copy), Members(is));
  DecrRef(copy);
  DecrRef(is);
}

}  // namespace
}  // namespace object
