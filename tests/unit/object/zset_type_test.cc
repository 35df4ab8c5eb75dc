// The zset type against an oracle (std::map member -> score, plus the
// ordered std::set of (score, member)) with fixed seeds, in both encodings:
// ZsetAdd's flags, deletes, ranks, ranges by rank/score/lex with offsets and
// limits, counts, range deletions, pops, conversions at the configured
// boundaries, the listpack score representation, dup, random members, and
// the union/intersection/difference core. ZsetVerify after every batch.
//
// The allocator is initialised once for the binary by object_test.cc.
#include "object/zset_type.h"

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ds/listpack.h"
#include "gtest/gtest.h"

namespace object {
namespace {

using Elements = std::vector<std::pair<std::string, double>>;

struct Oracle {
  std::map<std::string, double> score;
  std::set<std::pair<double, std::string>> order;
  void Set(const std::string& m, double s) {
    auto it = score.find(m);
    if (it != score.end()) order.erase({it->second, m});
    score[m] = s;
    order.emplace(s, m);
  }
  void Del(const std::string& m) {
    auto it = score.find(m);
    order.erase({it->second, m});
    score.erase(it);
  }
  Elements All() const {
    Elements v;
    for (auto& [s, m] : order) v.emplace_back(m, s);
    return v;
  }
};

Elements All(const Object* o) {
  Elements v;
  auto f = [&](std::string_view m, double s) { v.emplace_back(std::string(m), s); };
  ZsetForEach(o, f);
  return v;
}

class ZsetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitTypes();
    saved_ = GetSettings();
  }
  void TearDown() override { GetSettings() = saved_; }
  Settings saved_;
};

TEST_F(ZsetTest, ListpackScoresAreStoredAsRedisDoes) {
  Object* o = ZsetCreateListpack();
  int out;
  ASSERT_TRUE(ZsetAdd(o, 3.0, "a", kZaddInNone, &out, nullptr));
  ASSERT_TRUE(ZsetAdd(o, 0.1, "b", kZaddInNone, &out, nullptr));
  ASSERT_TRUE(ZsetAdd(o, -0.0, "c", kZaddInNone, &out, nullptr));
  ASSERT_TRUE(ZsetAdd(o, INFINITY, "d", kZaddInNone, &out, nullptr));
  ASSERT_TRUE(ZsetAdd(o, 1e300, "e", kZaddInNone, &out, nullptr));
  unsigned char* lp = static_cast<unsigned char*>(o->ptr);
  // Pairs in order: c(-0 stored as 0) b(0.1) a(3) e(1e300) d(inf).
  std::vector<std::pair<bool, std::string>> want = {
      {false, "c"}, {true, "0"}, {false, "b"}, {false, "0.10000000000000001"}, {false, "a"}, {true, "3"},
      {false, "e"}, {false, "1.0000000000000001e+300"}, {false, "d"}, {false, "inf"}};
  size_t i = 0;
  for (unsigned char* p = ds::LpFirst(lp); p != nullptr; p = ds::LpNext(lp, p), i++) {
    ASSERT_LT(i, want.size());
    ds::LpValue v = ds::LpGet(p);
    EXPECT_EQ(v.is_int, want[i].first) << i;
    char buf[ds::kLpIntBufSize];
    EXPECT_EQ(std::string(ds::LpGetView(p, buf)), want[i].second) << i;
  }
  EXPECT_EQ(i, want.size());
  double s;
  ASSERT_TRUE(ZsetScore(o, "c", &s));
  EXPECT_TRUE(s == 0 && !std::signbit(s));  // Redis 7.0 drops the sign in a listpack
  EXPECT_TRUE(ZsetVerify(o));
  DecrRef(o);
}

TEST_F(ZsetTest, AddFlags) {
  for (bool skiplist : {false, true}) {
    Object* o = skiplist ? ZsetCreateSkiplist() : ZsetCreateListpack();
    int out;
    double ns = 0;
    ASSERT_TRUE(ZsetAdd(o, 5, "m", kZaddInNone, &out, &ns));
    EXPECT_EQ(out, kZaddOutAdded);
    ASSERT_TRUE(ZsetAdd(o, 6, "m", kZaddInNx, &out, &ns));
    EXPECT_EQ(out, kZaddOutNop);
    ASSERT_TRUE(ZsetAdd(o, 6, "x", kZaddInXx, &out, &ns));
    EXPECT_EQ(out, kZaddOutNop);
    ASSERT_TRUE(ZsetAdd(o, 4, "m", kZaddInGt, &out, &ns));
    EXPECT_EQ(out, kZaddOutNop);
    ASSERT_TRUE(ZsetAdd(o, 7, "m", kZaddInGt, &out, &ns));
    EXPECT_EQ(out, kZaddOutUpdated);
    ASSERT_TRUE(ZsetAdd(o, 8, "m", kZaddInLt, &out, &ns));
    EXPECT_EQ(out, kZaddOutNop);
    ASSERT_TRUE(ZsetAdd(o, 2, "m", kZaddInIncr, &out, &ns));
    EXPECT_EQ(ns, 9);
    EXPECT_EQ(out, kZaddOutUpdated);
    ASSERT_TRUE(ZsetAdd(o, 0, "m", kZaddInIncr, &out, &ns));
    EXPECT_EQ(out, 0);  // same score: neither added nor updated
    ASSERT_TRUE(ZsetAdd(o, INFINITY, "m", kZaddInNone, &out, &ns));
    EXPECT_FALSE(ZsetAdd(o, -INFINITY, "m", kZaddInIncr, &out, &ns));
    EXPECT_EQ(out, kZaddOutNan);
    EXPECT_FALSE(ZsetAdd(o, NAN, "n", kZaddInNone, &out, &ns));
    double s;
    ASSERT_TRUE(ZsetScore(o, "m", &s));
    EXPECT_EQ(s, INFINITY);
    EXPECT_EQ(ZsetLength(o), 1u);
    EXPECT_TRUE(ZsetVerify(o));
    DecrRef(o);
  }
}

TEST_F(ZsetTest, ConversionBoundaries) {
  GetSettings().zset_max_listpack_entries = 4;
  GetSettings().zset_max_listpack_value = 8;
  Object* o = ZsetCreateListpack();
  int out;
  for (int i = 0; i < 4; i++) ZsetAdd(o, i, "m" + std::to_string(i), kZaddInNone, &out, nullptr);
  EXPECT_EQ(o->GetEncoding(), Encoding::kListpack);
  // Updating an existing member never converts.
  ZsetAdd(o, 10, "m0", kZaddInNone, &out, nullptr);
  EXPECT_EQ(o->GetEncoding(), Encoding::kListpack);
  ZsetAdd(o, 5, "m4", kZaddInNone, &out, nullptr);  // the 5th member
  EXPECT_EQ(o->GetEncoding(), Encoding::kSkiplist);
  EXPECT_TRUE(ZsetVerify(o));
  // Deleting does not convert back; ConvertToListpackIfNeeded does.
  ZsetDel(o, "m4");
  EXPECT_EQ(o->GetEncoding(), Encoding::kSkiplist);
  ZsetConvertToListpackIfNeeded(o, 2, 8);
  EXPECT_EQ(o->GetEncoding(), Encoding::kListpack);
  EXPECT_TRUE(ZsetVerify(o));
  // A member longer than the value limit converts at once.
  ZsetAdd(o, 1, "123456789", kZaddInNone, &out, nullptr);
  EXPECT_EQ(o->GetEncoding(), Encoding::kSkiplist);
  ZsetConvertToListpackIfNeeded(o, 9, 20);
  EXPECT_EQ(o->GetEncoding(), Encoding::kSkiplist);
  DecrRef(o);
}

std::string RandMember(std::mt19937_64& rng) {
  // Integers exercise the listpack's integer members.
  if (rng() % 3 == 0) return std::to_string(static_cast<int>(rng() % 100) - 20);
  return "mem" + std::to_string(rng() % 120);
}

double RandScore(std::mt19937_64& rng) {
  switch (rng() % 7) {
    case 0: return static_cast<double>(rng() % 4);
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: return 0.1 * static_cast<double>(rng() % 30);
    case 4: return 1e17 * static_cast<double>(rng() % 5);  // beyond the listpack integer window
    default: return static_cast<double>(static_cast<int>(rng() % 200) - 100) / 3.0;
  }
}

ds::ScoreRange RandRange(std::mt19937_64& rng) {
  ds::ScoreRange r;
  r.min = RandScore(rng);
  r.max = RandScore(rng);
  if (r.min > r.max && rng() % 3) std::swap(r.min, r.max);
  r.minex = rng() % 2;
  r.maxex = rng() % 2;
  return r;
}

// Random operations on one zset (in whatever encoding it reaches) and the
// oracle, comparing after each batch.
void RunRandom(uint64_t seed, size_t max_entries) {
  GetSettings().zset_max_listpack_entries = max_entries;
  std::mt19937_64 rng(seed);
  Object* o = ZsetCreateListpack();
  Oracle orc;
  bool saw_skiplist = false;
  for (int step = 0; step < 2500; step++) {
    std::string m = RandMember(rng);
    int op = static_cast<int>(rng() % 12);
    int out;
    if (op < 5) {
      double s = RandScore(rng);
      int flags = static_cast<int>(rng() % 4) == 0 ? kZaddInIncr : kZaddInNone;
      double ns;
      bool ok = ZsetAdd(o, s, m, flags, &out, &ns);
      auto it = orc.score.find(m);
      double want = (flags & kZaddInIncr) && it != orc.score.end() ? it->second + s : s;
      if (std::isnan(want)) {
        ASSERT_FALSE(ok);
      } else {
        ASSERT_TRUE(ok);
        ASSERT_EQ(ns, want);
        orc.Set(m, want);
      }
    } else if (op < 7) {
      bool present = orc.score.count(m);
      ASSERT_EQ(ZsetDel(o, m), present);
      if (present) orc.Del(m);
    } else if (op == 7) {
      auto it = orc.score.find(m);
      int64_t rank = ZsetRank(o, m, false, nullptr);
      int64_t rrank = ZsetRank(o, m, true, nullptr);
      if (it == orc.score.end()) {
        ASSERT_EQ(rank, -1);
      } else {
        int64_t want = std::distance(orc.order.begin(), orc.order.find({it->second, m}));
        ASSERT_EQ(rank, want);
        ASSERT_EQ(rrank, static_cast<int64_t>(orc.order.size()) - 1 - want);
      }
    } else if (op == 8) {  // range by score, with offset/limit, both directions
      ds::ScoreRange r = RandRange(rng);
      bool rev = rng() % 2;
      int64_t offset = static_cast<int64_t>(rng() % 4);
      int64_t limit = static_cast<int64_t>(rng() % 6) - 1;
      Elements got;
      auto f = [&](std::string_view mm, double s) { got.emplace_back(std::string(mm), s); };
      ZsetRangeByScore(o, r, rev, offset, limit, f);
      Elements in;
      for (auto& [s, mm] : orc.order)
        if (ds::ScoreGteMin(s, r) && ds::ScoreLteMax(s, r)) in.emplace_back(mm, s);
      if (rev) std::reverse(in.begin(), in.end());
      Elements want;
      if (offset == 0 || static_cast<size_t>(offset) < orc.order.size())
        for (size_t i = static_cast<size_t>(offset); i < in.size() && (limit < 0 || want.size() < static_cast<size_t>(limit)); i++)
          want.push_back(in[i]);
      ASSERT_EQ(got, want);
      ASSERT_EQ(ZsetCount(o, r), in.size());
    } else if (op == 9 && !orc.order.empty()) {  // range by rank
      uint64_t n = orc.order.size();
      uint64_t a = rng() % n, b = rng() % n;
      if (a > b) std::swap(a, b);
      bool rev = rng() % 2;
      Elements got;
      auto f = [&](std::string_view mm, double s) { got.emplace_back(std::string(mm), s); };
      ZsetRangeByRank(o, a, b, rev, f);
      Elements all = orc.All();
      if (rev) std::reverse(all.begin(), all.end());
      ASSERT_EQ(got, Elements(all.begin() + static_cast<long>(a), all.begin() + static_cast<long>(b) + 1));
    } else if (op == 10 && rng() % 8 == 0) {  // range deletions
      if (rng() % 2) {
        ds::ScoreRange r = RandRange(rng);
        uint64_t want = 0;
        for (auto it = orc.order.begin(); it != orc.order.end();) {
          if (ds::ScoreGteMin(it->first, r) && ds::ScoreLteMax(it->first, r)) {
            orc.score.erase(it->second);
            it = orc.order.erase(it);
            want++;
          } else {
            ++it;
          }
        }
        ASSERT_EQ(ZsetDeleteRangeByScore(o, r), want);
      } else if (!orc.order.empty()) {
        uint64_t n = orc.order.size();
        uint64_t a = rng() % n, b = std::min(n - 1, a + rng() % 5);
        ASSERT_EQ(ZsetDeleteRangeByRank(o, a, b), b - a + 1);
        auto first = std::next(orc.order.begin(), static_cast<long>(a));
        auto last = std::next(orc.order.begin(), static_cast<long>(b) + 1);
        for (auto it = first; it != last; ++it) orc.score.erase(it->second);
        orc.order.erase(first, last);
      }
    } else if (op == 11 && rng() % 4 == 0) {  // pops
      bool max = rng() % 2;
      size_t count = rng() % 3 + 1;
      Elements got;
      auto f = [&](std::string_view mm, double s) { got.emplace_back(std::string(mm), s); };
      ZsetPop(o, max, count, f);
      for (auto& [mm, s] : got) {
        auto want = max ? *orc.order.rbegin() : *orc.order.begin();
        ASSERT_EQ(want, std::make_pair(s, mm));
        orc.Del(mm);
      }
      ASSERT_EQ(got.size(), std::min(count, got.size() + orc.order.size()));
    }
    saw_skiplist |= o->GetEncoding() == Encoding::kSkiplist;
    if (step % 50 == 0) {
      ASSERT_TRUE(ZsetVerify(o));
      ASSERT_EQ(All(o), orc.All());
      ASSERT_EQ(ZsetLength(o), orc.score.size());
    }
  }
  ASSERT_TRUE(ZsetVerify(o));
  ASSERT_EQ(All(o), orc.All());
  if (max_entries < 20) {
    EXPECT_TRUE(saw_skiplist);
  }
  // A copy is equal and independent.
  Object* copy = ZsetDup(o);
  EXPECT_EQ(copy->GetEncoding(), o->GetEncoding());
  EXPECT_EQ(All(copy), orc.All());
  EXPECT_TRUE(ZsetVerify(copy));
  DecrRef(o);
  EXPECT_EQ(All(copy), orc.All());
  DecrRef(copy);
}

TEST_F(ZsetTest, RandomAgainstOracleListpack) { RunRandom(5, 1000); }
TEST_F(ZsetTest, RandomAgainstOracleSkiplist) { RunRandom(6, 8); }
TEST_F(ZsetTest, RandomAgainstOracleMixed) {
  for (uint64_t seed : {17u, 18u, 19u}) RunRandom(seed, 60);
}

TEST_F(ZsetTest, LexRanges) {
  for (bool skiplist : {false, true}) {
    Object* o = skiplist ? ZsetCreateSkiplist() : ZsetCreateListpack();
    int out;
    std::vector<std::string> ms = {"a", "b", "c", "d", "e", "f", "g", "10", "9"};
    for (auto& m : ms) ZsetAdd(o, 0, m, kZaddInNone, &out, nullptr);
    ds::LexRange r{{ds::LexBound::kValue, false, "b"}, {ds::LexBound::kValue, true, "f"}};
    std::vector<std::string> got;
    auto f = [&](std::string_view m, double) { got.emplace_back(m); };
    ZsetRangeByLex(o, r, false, 0, -1, f);
    EXPECT_EQ(got, (std::vector<std::string>{"b", "c", "d", "e"}));
    got.clear();
    ZsetRangeByLex(o, r, true, 1, 2, f);
    EXPECT_EQ(got, (std::vector<std::string>{"d", "c"}));
    EXPECT_EQ(ZsetLexCount(o, r), 4u);
    ds::LexRange all{{ds::LexBound::kMinusInf, false, {}}, {ds::LexBound::kPlusInf, false, {}}};
    EXPECT_EQ(ZsetLexCount(o, all), ms.size());
    got.clear();
    ZsetRangeByLex(o, all, false, 0, 2, f);
    EXPECT_EQ(got, (std::vector<std::string>{"10", "9"}));  // bytes order
    EXPECT_EQ(ZsetDeleteRangeByLex(o, r), 4u);
    EXPECT_EQ(ZsetLength(o), ms.size() - 4);
    EXPECT_TRUE(ZsetVerify(o));
    DecrRef(o);
  }
}

TEST_F(ZsetTest, RandomMembers) {
  for (bool skiplist : {false, true}) {
    Object* o = skiplist ? ZsetCreateSkiplist() : ZsetCreateListpack();
    int out;
    for (int i = 0; i < 50; i++) ZsetAdd(o, i, "m" + std::to_string(i), kZaddInNone, &out, nullptr);
    for (uint64_t count : {1u, 5u, 20u, 49u, 50u, 80u}) {
      std::set<std::string> got;
      size_t calls = 0;
      auto f = [&](std::string_view m, double s) {
        calls++;
        double want;
        ASSERT_TRUE(ZsetScore(o, m, &want));
        ASSERT_EQ(s, want);
        got.emplace(m);
      };
      ZsetRandomDistinct(o, count, f);
      EXPECT_EQ(calls, std::min<uint64_t>(count, 50));
      EXPECT_EQ(got.size(), calls);  // distinct
    }
    size_t calls = 0;
    auto g = [&](std::string_view, double) { calls++; };
    ZsetRandomWithRepetition(o, 300, g);
    EXPECT_EQ(calls, 300u);
    DecrRef(o);
  }
}

TEST_F(ZsetTest, SetOperations) {
  int out;
  Object* a = ZsetCreateListpack();
  Object* b = ZsetCreateSkiplist();
  ZsetAdd(a, 1, "x", kZaddInNone, &out, nullptr);
  ZsetAdd(a, 2, "y", kZaddInNone, &out, nullptr);
  ZsetAdd(a, INFINITY, "z", kZaddInNone, &out, nullptr);
  ZsetAdd(b, 10, "y", kZaddInNone, &out, nullptr);
  ZsetAdd(b, -INFINITY, "z", kZaddInNone, &out, nullptr);
  ZsetAdd(b, 3, "w", kZaddInNone, &out, nullptr);

  SetOpResult u = ZsetSetOperation(SetOp::kUnion, {{a, 1}, {b, 2}}, Aggregate::kSum, false, 0);
  EXPECT_EQ(All(u.zset), (Elements{{"z", 0}, {"x", 1}, {"w", 6}, {"y", 22}}));  // inf + -inf = 0
  EXPECT_EQ(u.maxelelen, 1u);
  EXPECT_EQ(u.totelelen, 4u);
  DecrRef(u.zset);

  SetOpResult i = ZsetSetOperation(SetOp::kInter, {{a, 1}, {b, 1}, {nullptr, 1}}, Aggregate::kMax, false, 0);
  EXPECT_EQ(ZsetLength(i.zset), 0u);
  DecrRef(i.zset);
  i = ZsetSetOperation(SetOp::kInter, {{a, 1}, {b, 1}}, Aggregate::kMin, false, 0);
  EXPECT_EQ(All(i.zset), (Elements{{"z", -INFINITY}, {"y", 2}}));
  DecrRef(i.zset);
  i = ZsetSetOperation(SetOp::kInter, {{a, 0}, {a, 1}}, Aggregate::kSum, false, 0);
  EXPECT_EQ(All(i.zset), (Elements{{"x", 1}, {"y", 2}, {"z", INFINITY}}));  // 0 * inf counts 0
  DecrRef(i.zset);
  SetOpResult c = ZsetSetOperation(SetOp::kInter, {{a, 1}, {b, 1}}, Aggregate::kSum, true, 1);
  EXPECT_EQ(c.zset, nullptr);
  EXPECT_EQ(c.cardinality, 1u);

  SetOpResult d = ZsetSetOperation(SetOp::kDiff, {{a, 1}, {b, 1}}, Aggregate::kSum, false, 0);
  EXPECT_EQ(All(d.zset), (Elements{{"x", 1}}));
  DecrRef(d.zset);
  d = ZsetSetOperation(SetOp::kDiff, {{a, 1}, {a, 1}}, Aggregate::kSum, false, 0);
  EXPECT_EQ(ZsetLength(d.zset), 0u);
  DecrRef(d.zset);
  DecrRef(a);
  DecrRef(b);
}

TEST_F(ZsetTest, MemoryUsageSplitsTiers) {
  Object* o = ZsetCreateSkiplist();
  int out;
  std::string big(100, 'x');
  for (int i = 0; i < 200; i++) ZsetAdd(o, i, big + std::to_string(i), kZaddInNone, &out, nullptr);
  TierBytes all = MemoryUsage(o, 0);
  TierBytes sampled = MemoryUsage(o, 5);
  // Members of 100+ bytes are payloads above the default 64-byte threshold.
  EXPECT_GT(all.nvm, 200u * 100);
  EXPECT_GT(all.dram, 200u * 32);  // nodes and dict entries
  EXPECT_NEAR(static_cast<double>(sampled.total()), static_cast<double>(all.total()), all.total() * 0.1);
  DecrRef(o);
}

}  // namespace
}  // namespace object
