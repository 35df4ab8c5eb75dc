// Skiplist: random inserts, deletes, score updates and range deletions
// against a std::set<pair<double, string>> oracle with fixed seeds; ranks,
// element by rank, first/last in score and lex ranges; Verify() after every
// step of the small runs and at the end of the large ones.
//
// The allocator is initialised once for the binary by sds_test.cc.
#include "ds/skiplist.h"

#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ds/sds.h"
#include "gtest/gtest.h"

namespace ds {
namespace {

using Oracle = std::set<std::pair<double, std::string>>;

sds Member(const std::string& s) { return SdsNewLen(s.data(), s.size(), SdsUse::kPayload); }

// The skiplist's level-0 content, in order.
std::vector<std::pair<double, std::string>> Contents(const Skiplist& zsl) {
  std::vector<std::pair<double, std::string>> out;
  for (SkiplistNode* n = zsl.first(); n != nullptr; n = Skiplist::Next(n))
    out.emplace_back(n->score, std::string(SdsView(n->ele)));
  return out;
}

void ExpectSame(const Skiplist& zsl, const Oracle& o) {
  ASSERT_TRUE(zsl.Verify());
  ASSERT_EQ(zsl.length(), o.size());
  auto c = Contents(zsl);
  ASSERT_TRUE(std::equal(c.begin(), c.end(), o.begin(), o.end()));
  // Backward walk gives the reverse order.
  std::vector<std::pair<double, std::string>> rev;
  for (SkiplistNode* n = zsl.tail(); n != nullptr; n = Skiplist::Prev(n))
    rev.emplace_back(n->score, std::string(SdsView(n->ele)));
  ASSERT_TRUE(std::equal(rev.begin(), rev.end(), o.rbegin(), o.rend()));
}

std::string RandomMember(std::mt19937_64& rng, int universe) {
  // Short members that share prefixes, so equal scores compare by bytes,
  // including a member that is a prefix of another and a NUL byte.
  std::string s = "m" + std::to_string(rng() % universe);
  if (rng() % 8 == 0) s.push_back('\0');
  return s;
}

double RandomScore(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return static_cast<double>(rng() % 5);  // many ties
    case 1: return -static_cast<double>(rng() % 5);
    case 2: return std::numeric_limits<double>::infinity();
    case 3: return -std::numeric_limits<double>::infinity();
    default: return static_cast<double>(rng() % 1000) / 7.0;
  }
}

TEST(Skiplist, EmptyList) {
  Skiplist zsl;
  EXPECT_TRUE(zsl.Verify());
  EXPECT_EQ(zsl.length(), 0u);
  EXPECT_EQ(zsl.first(), nullptr);
  EXPECT_EQ(zsl.tail(), nullptr);
  EXPECT_EQ(zsl.ByRank(1), nullptr);
  EXPECT_EQ(zsl.Rank(1, "a"), 0u);
  EXPECT_FALSE(zsl.Delete(1, "a", nullptr));
  ScoreRange all{-INFINITY, INFINITY, false, false};
  EXPECT_EQ(zsl.FirstInRange(all), nullptr);
  EXPECT_EQ(zsl.LastInRange(all), nullptr);
}

TEST(Skiplist, OrderByScoreThenBytes) {
  Skiplist zsl;
  zsl.Insert(2, Member("b"));
  zsl.Insert(1, Member("z"));
  zsl.Insert(2, Member("a"));
  zsl.Insert(2, Member("ab"));
  zsl.Insert(-INFINITY, Member("low"));
  ASSERT_TRUE(zsl.Verify());
  auto c = Contents(zsl);
  std::vector<std::pair<double, std::string>> want = {
      {-INFINITY, "low"}, {1, "z"}, {2, "a"}, {2, "ab"}, {2, "b"}};
  EXPECT_EQ(c, want);
  EXPECT_EQ(zsl.Rank(2, "ab"), 4u);
  EXPECT_EQ(zsl.Rank(2, "abc"), 0u);
  EXPECT_EQ(SdsView(zsl.ByRank(1)->ele), "low");
  EXPECT_EQ(SdsView(zsl.ByRank(5)->ele), "b");
  EXPECT_EQ(zsl.ByRank(6), nullptr);
  EXPECT_EQ(zsl.ByRank(0), nullptr);
}

TEST(Skiplist, RandomOperationsAgainstOracle) {
  for (uint64_t seed : {1u, 7u, 42u, 301u}) {
    std::mt19937_64 rng(seed);
    Skiplist zsl;
    Oracle o;
    std::map<std::string, double> score_of;
    const int steps = 3000;
    for (int step = 0; step < steps; step++) {
      int op = static_cast<int>(rng() % 10);
      std::string m = RandomMember(rng, 300);
      auto it = score_of.find(m);
      if (op < 5) {  // insert or update
        double s = RandomScore(rng);
        if (it == score_of.end()) {
          SkiplistNode* n = zsl.Insert(s, Member(m));
          ASSERT_EQ(n->score, s);
          o.emplace(s, m);
          score_of[m] = s;
        } else {
          SkiplistNode* n = zsl.UpdateScore(it->second, m, s);
          ASSERT_EQ(n->score, s);
          ASSERT_EQ(SdsView(n->ele), m);
          o.erase({it->second, m});
          o.emplace(s, m);
          it->second = s;
        }
      } else if (op < 8) {  // delete (present or not)
        double s = it == score_of.end() ? RandomScore(rng) : it->second;
        bool present = it != score_of.end();
        ASSERT_EQ(zsl.Delete(s, m, nullptr), present);
        if (present) {
          o.erase({s, m});
          score_of.erase(it);
        }
      } else {  // rank queries
        if (it != score_of.end()) {
          uint64_t rank = zsl.Rank(it->second, m);
          auto pos = o.find({it->second, m});
          ASSERT_EQ(rank, static_cast<uint64_t>(std::distance(o.begin(), pos)) + 1);
          ASSERT_EQ(zsl.ByRank(rank)->score, it->second);
        } else {
          ASSERT_EQ(zsl.Rank(RandomScore(rng), m), 0u);
        }
      }
      if (step % 97 == 0) ExpectSame(zsl, o);
    }
    ExpectSame(zsl, o);
  }
}

ScoreRange RandomRange(std::mt19937_64& rng) {
  ScoreRange r;
  r.min = RandomScore(rng);
  r.max = RandomScore(rng);
  if (rng() % 4 == 0 && r.min > r.max) std::swap(r.min, r.max);
  r.minex = rng() % 2;
  r.maxex = rng() % 2;
  return r;
}

LexBound RandomLexBound(std::mt19937_64& rng, std::string* storage) {
  LexBound b;
  switch (rng() % 5) {
    case 0: b.kind = LexBound::kMinusInf; break;
    case 1: b.kind = LexBound::kPlusInf; break;
    default:
      b.kind = LexBound::kValue;
      *storage = RandomMember(rng, 50);
      b.s = *storage;
      b.exclusive = rng() % 2;
  }
  return b;
}

TEST(Skiplist, RangesAgainstOracle) {
  for (uint64_t seed : {3u, 11u, 2024u}) {
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 40; round++) {
      Skiplist zsl;
      Oracle o;
      // For lex ranges all scores are equal, as ZRANGEBYLEX requires.
      bool lex = round % 2 == 1;
      std::set<std::string> seen;
      int n = static_cast<int>(rng() % 200);
      for (int i = 0; i < n; i++) {
        std::string m = RandomMember(rng, 50);
        if (!seen.insert(m).second) continue;
        double s = lex ? 0 : RandomScore(rng);
        zsl.Insert(s, Member(m));
        o.emplace(s, m);
      }
      ASSERT_TRUE(zsl.Verify());
      for (int q = 0; q < 30; q++) {
        std::vector<std::pair<double, std::string>> want;
        SkiplistNode* first;
        SkiplistNode* last;
        std::string smin, smax;
        ScoreRange sr;
        LexRange lr;
        if (lex) {
          lr.min = RandomLexBound(rng, &smin);
          lr.max = RandomLexBound(rng, &smax);
          for (auto& e : o)
            if (LexGteMin(e.second, lr) && LexLteMax(e.second, lr)) want.push_back(e);
          first = zsl.FirstInLexRange(lr);
          last = zsl.LastInLexRange(lr);
        } else {
          sr = RandomRange(rng);
          for (auto& e : o)
            if (ScoreGteMin(e.first, sr) && ScoreLteMax(e.first, sr)) want.push_back(e);
          first = zsl.FirstInRange(sr);
          last = zsl.LastInRange(sr);
        }
        if (want.empty()) {
          ASSERT_EQ(first, nullptr);
          ASSERT_EQ(last, nullptr);
        } else {
          ASSERT_NE(first, nullptr);
          ASSERT_NE(last, nullptr);
          ASSERT_EQ(SdsView(first->ele), want.front().second);
          ASSERT_EQ(SdsView(last->ele), want.back().second);
        }
        if (q == 29) {  // delete the range and compare
          uint64_t removed;
          std::vector<std::string> dropped;
          auto note = [](void* ctx, SkiplistNode* node) {
            static_cast<std::vector<std::string>*>(ctx)->emplace_back(SdsView(node->ele));
          };
          removed = lex ? zsl.DeleteRangeByLex(lr, note, &dropped) : zsl.DeleteRangeByScore(sr, note, &dropped);
          ASSERT_EQ(removed, want.size());
          ASSERT_EQ(dropped.size(), want.size());
          for (size_t i = 0; i < want.size(); i++) {
            ASSERT_EQ(dropped[i], want[i].second);
            o.erase(want[i]);
          }
          ExpectSame(zsl, o);
        }
      }
    }
  }
}

TEST(Skiplist, DeleteRangeByRank) {
  std::mt19937_64 rng(99);
  for (int round = 0; round < 50; round++) {
    Skiplist zsl;
    Oracle o;
    int n = 1 + static_cast<int>(rng() % 300);
    for (int i = 0; i < n; i++) {
      std::string m = "k" + std::to_string(i);
      double s = static_cast<double>(rng() % 50);
      zsl.Insert(s, Member(m));
      o.emplace(s, m);
    }
    uint64_t start = 1 + rng() % n;
    uint64_t end = start + rng() % (n - start + 1);
    uint64_t removed = zsl.DeleteRangeByRank(start, end, nullptr, nullptr);
    ASSERT_EQ(removed, end - start + 1);
    auto b = std::next(o.begin(), static_cast<long>(start - 1));
    auto e = std::next(o.begin(), static_cast<long>(end));
    o.erase(b, e);
    ExpectSame(zsl, o);
  }
}

TEST(Skiplist, LexRangeEmptiness) {
  LexRange r;
  r.min.kind = LexBound::kMinusInf;
  r.max.kind = LexBound::kMinusInf;
  EXPECT_FALSE(LexRangeEmpty(r));  // not empty by bounds, but nothing lies below "-"
  r.min.kind = LexBound::kPlusInf;
  EXPECT_TRUE(LexRangeEmpty(r));
  r.min = {LexBound::kValue, false, "a"};
  r.max = {LexBound::kValue, true, "a"};
  EXPECT_TRUE(LexRangeEmpty(r));
  r.max.exclusive = false;
  EXPECT_FALSE(LexRangeEmpty(r));
  Skiplist zsl;
  zsl.Insert(0, Member("a"));
  LexRange minus{{LexBound::kMinusInf, false, {}}, {LexBound::kMinusInf, false, {}}};
  EXPECT_EQ(zsl.FirstInLexRange(minus), nullptr);
  EXPECT_NE(zsl.FirstInLexRange(r), nullptr);
}

TEST(Skiplist, LevelsStayBounded) {
  Skiplist zsl;
  for (int i = 0; i < 20000; i++) zsl.Insert(i, Member(std::to_string(i)));
  EXPECT_TRUE(zsl.Verify());
  EXPECT_LE(zsl.level(), Skiplist::kMaxLevel);
  EXPECT_GE(zsl.level(), 4);  // 20000 nodes with p = 1/4 reach level ~7
  for (uint64_t r = 1; r <= 20000; r += 997) EXPECT_EQ(zsl.ByRank(r)->score, static_cast<double>(r - 1));
  // Deleting everything from the front lowers the level back to 1.
  EXPECT_EQ(zsl.DeleteRangeByRank(1, 20000, nullptr, nullptr), 20000u);
  EXPECT_EQ(zsl.level(), 1);
  EXPECT_TRUE(zsl.Verify());
}

}  // namespace
}  // namespace ds
