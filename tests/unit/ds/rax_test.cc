// Rax: random inserts, overwrites and removals against a std::map oracle
// with fixed seeds, over short keys that share prefixes (one a prefix of
// another, NUL and 0xFF bytes) and over 16-byte big-endian stream IDs;
// every seek operation and both iteration directions checked against the
// map's lower_bound/upper_bound; Verify() (invariants and the node and byte
// counters) after every step of the small runs.
//
// The allocator is initialised once for the binary by sds_test.cc.
#include "ds/rax.h"

#include <cstdint>
#include <map>
#include <random>
#include <string>

#include "alloc/zmalloc.h"
#include "gtest/gtest.h"

namespace ds {
namespace {

using Oracle = std::map<std::string, uintptr_t>;

std::string ShortKey(std::mt19937_64& rng) {
  static const char kAlphabet[] = {'a', 'b', 'c', '\0', '\xff'};
  std::string s;
  size_t len = rng() % 5;
  for (size_t i = 0; i < len; i++) s.push_back(kAlphabet[rng() % 5]);
  return s;
}

std::string IdKey(std::mt19937_64& rng) {
  // Millisecond times close together, small sequences: long shared prefixes.
  uint64_t ms = 1700000000000ull + rng() % 64;
  uint64_t seq = rng() % 8;
  std::string s(16, '\0');
  for (int i = 0; i < 8; i++) {
    s[i] = static_cast<char>(ms >> (56 - 8 * i));
    s[8 + i] = static_cast<char>(seq >> (56 - 8 * i));
  }
  return s;
}

void ExpectSeeks(const Rax& rax, const Oracle& o, const std::string& probe) {
  std::string k;
  void* v;
  auto ge = o.lower_bound(probe);
  ASSERT_EQ(rax.Seek(Rax::Op::kGe, probe, &k, &v), ge != o.end());
  if (ge != o.end()) {
    EXPECT_EQ(k, ge->first);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(v), ge->second);
  }
  auto gt = o.upper_bound(probe);
  ASSERT_EQ(rax.Seek(Rax::Op::kGt, probe, &k, &v), gt != o.end());
  if (gt != o.end()) {
    EXPECT_EQ(k, gt->first);
  }
  auto le = o.upper_bound(probe);
  bool has_le = le != o.begin();
  ASSERT_EQ(rax.Seek(Rax::Op::kLe, probe, &k, &v), has_le);
  if (has_le) {
    EXPECT_EQ(k, std::prev(le)->first);
  }
  auto lt = o.lower_bound(probe);
  bool has_lt = lt != o.begin();
  ASSERT_EQ(rax.Seek(Rax::Op::kLt, probe, &k, &v), has_lt);
  if (has_lt) {
    EXPECT_EQ(k, std::prev(lt)->first);
  }
}

void ExpectSame(const Rax& rax, const Oracle& o) {
  ASSERT_TRUE(rax.Verify());
  ASSERT_EQ(rax.size(), o.size());
  Rax::Iterator it(&rax);
  it.SeekFirst();
  auto oi = o.begin();
  while (it.Next()) {
    ASSERT_NE(oi, o.end());
    ASSERT_EQ(it.key(), oi->first);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(it.value()), oi->second);
    ++oi;
  }
  ASSERT_EQ(oi, o.end());
  it.SeekLast();
  auto ri = o.rbegin();
  while (it.Prev()) {
    ASSERT_NE(ri, o.rend());
    ASSERT_EQ(it.key(), ri->first);
    ++ri;
  }
  ASSERT_EQ(ri, o.rend());
}

void RandomRun(uint64_t seed, int steps, bool ids, bool check_each) {
  std::mt19937_64 rng(seed);
  Rax rax;
  Oracle o;
  for (int i = 0; i < steps; i++) {
    std::string k = ids ? IdKey(rng) : ShortKey(rng);
    uintptr_t v = rng() | 1;
    switch (rng() % 4) {
      case 0:
      case 1: {
        bool fresh = o.find(k) == o.end();
        ASSERT_EQ(rax.Insert(k, reinterpret_cast<void*>(v)), fresh);
        o[k] = v;
        break;
      }
      case 2: {
        void* old = nullptr;
        bool fresh = o.find(k) == o.end();
        ASSERT_EQ(rax.TryInsert(k, reinterpret_cast<void*>(v), &old), fresh);
        if (fresh) {
          o[k] = v;
        } else {
          ASSERT_EQ(reinterpret_cast<uintptr_t>(old), o[k]);
        }
        break;
      }
      default: {
        void* old = nullptr;
        auto f = o.find(k);
        ASSERT_EQ(rax.Remove(k, &old), f != o.end());
        if (f != o.end()) {
          ASSERT_EQ(reinterpret_cast<uintptr_t>(old), f->second);
          o.erase(f);
        }
      }
    }
    void* got = nullptr;
    ASSERT_EQ(rax.Find(k, &got), o.count(k) == 1);
    if (check_each) {
      ASSERT_TRUE(rax.Verify()) << "step " << i;
      ExpectSeeks(rax, o, ids ? IdKey(rng) : ShortKey(rng));
    }
  }
  ExpectSame(rax, o);
  for (int i = 0; i < 200; i++) ExpectSeeks(rax, o, ids ? IdKey(rng) : ShortKey(rng));
}

TEST(Rax, EmptyTree) {
  Rax rax;
  std::string k;
  EXPECT_FALSE(rax.First(&k, nullptr));
  EXPECT_FALSE(rax.Seek(Rax::Op::kGe, "", &k, nullptr));
  EXPECT_FALSE(rax.Remove("a"));
  EXPECT_TRUE(rax.Insert("", reinterpret_cast<void*>(1)));  // the empty key lives in the root
  EXPECT_TRUE(rax.Find(""));
  EXPECT_TRUE(rax.Seek(Rax::Op::kLe, "zz", &k, nullptr));
  EXPECT_EQ(k, "");
  EXPECT_TRUE(rax.Remove(""));
  EXPECT_EQ(rax.nodes(), 1u);
  EXPECT_TRUE(rax.Verify());
}

TEST(Rax, SplitAndMerge) {
  Rax rax;
  rax.Insert("annibale", nullptr);
  rax.Insert("annientare", nullptr);
  rax.Insert("anni", nullptr);
  EXPECT_TRUE(rax.Verify());
  EXPECT_EQ(rax.nodes(), 4u);  // root, "anni", "bale", "entare"
  rax.Remove("anni");
  EXPECT_EQ(rax.nodes(), 4u);  // "anni" keeps two children
  rax.Remove("annibale");
  EXPECT_EQ(rax.nodes(), 2u);  // merged back into "annientare"
  EXPECT_TRUE(rax.Verify());
  rax.Clear();
  EXPECT_EQ(rax.size(), 0u);
  EXPECT_TRUE(rax.Verify());
}

TEST(Rax, RandomShortKeys) {
  for (uint64_t seed : {1, 2, 3, 301}) RandomRun(seed, 3000, /*ids=*/false, /*check_each=*/true);
}

TEST(Rax, RandomStreamIds) {
  for (uint64_t seed : {7, 8}) RandomRun(seed, 3000, /*ids=*/true, /*check_each=*/true);
  RandomRun(42, 100000, /*ids=*/true, /*check_each=*/false);
}

TEST(Rax, IteratorSurvivesRemoval) {
  Rax rax;
  Oracle o;
  for (int i = 0; i < 100; i++) {
    std::string k = "k" + std::to_string(1000 + i);
    rax.Insert(k, reinterpret_cast<void*>(static_cast<uintptr_t>(i + 1)));
  }
  Rax::Iterator it(&rax);
  it.SeekFirst();
  int seen = 0;
  while (it.Next()) {
    seen++;
    if (seen % 2 == 0) rax.Remove(it.key());  // remove what we stand on
  }
  EXPECT_EQ(seen, 100);
  EXPECT_EQ(rax.size(), 50u);
  EXPECT_TRUE(rax.Verify());
}

TEST(Rax, BytesAreDramMetadata) {
  size_t before = alloc::UsedMemory(alloc::Tier::kDram);
  {
    Rax rax;
    std::mt19937_64 rng(5);
    for (int i = 0; i < 1000; i++) rax.Insert(IdKey(rng), nullptr);
    EXPECT_GT(rax.bytes(), 0u);
    EXPECT_GE(alloc::UsedMemory(alloc::Tier::kDram), before + rax.bytes());
  }
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kDram), before);
}

}  // namespace
}  // namespace ds
