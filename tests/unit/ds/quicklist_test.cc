// Quicklist tests: Redis 7.0's node sizing rules, and randomized operations
// (push/pop at both ends, index, replace, insert, range deletion, iteration
// with deletion in both directions) against a std::deque oracle with fixed
// seeds, checking Verify() after every step.
#include "ds/quicklist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "alloc/zmalloc.h"

namespace ds {
namespace {

std::string ValueOf(const Quicklist::Entry& e) {
  if (e.value.is_int) return std::to_string(e.value.ival);
  return std::string(e.value.sval);
}

std::vector<std::string> Forward(Quicklist* ql) {
  std::vector<std::string> out;
  Quicklist::Iterator it(ql, Quicklist::End::kHead);
  Quicklist::Entry e;
  while (it.Next(&e)) out.push_back(ValueOf(e));
  return out;
}

std::vector<std::string> Backward(Quicklist* ql) {
  std::vector<std::string> out;
  Quicklist::Iterator it(ql, Quicklist::End::kTail);
  Quicklist::Entry e;
  while (it.Next(&e)) out.insert(out.begin(), ValueOf(e));
  return out;
}

void ExpectSame(Quicklist* ql, const std::deque<std::string>& oracle) {
  std::string why;
  ASSERT_TRUE(ql->Verify(&why)) << why;
  ASSERT_EQ(ql->count(), oracle.size());
  std::vector<std::string> want(oracle.begin(), oracle.end());
  ASSERT_EQ(Forward(ql), want);
  ASSERT_EQ(Backward(ql), want);
}

std::string RandomValue(std::mt19937& rng) {
  switch (rng() % 4) {
    case 0: return std::to_string(static_cast<int64_t>(rng()) - (1 << 30));  // integer-encoded
    case 1: return std::string(rng() % 8, static_cast<char>('a' + rng() % 26));
    case 2: return std::string(50 + rng() % 200, static_cast<char>('a' + rng() % 26));
    default: return "v" + std::to_string(rng() % 1000);
  }
}

TEST(Quicklist, PushPopBothEnds) {
  Quicklist ql(-2, 0);
  std::deque<std::string> oracle;
  for (int i = 0; i < 1000; i++) {
    std::string v = "e" + std::to_string(i);
    if (i % 2) {
      ql.PushHead(v);
      oracle.push_front(v);
    } else {
      ql.PushTail(v);
      oracle.push_back(v);
    }
  }
  ExpectSame(&ql, oracle);
  std::string out;
  while (!oracle.empty()) {
    ASSERT_TRUE(ql.Pop(Quicklist::End::kTail, &out));
    ASSERT_EQ(out, oracle.back());
    oracle.pop_back();
    if (oracle.empty()) break;
    ASSERT_TRUE(ql.Pop(Quicklist::End::kHead, &out));
    ASSERT_EQ(out, oracle.front());
    oracle.pop_front();
  }
  EXPECT_FALSE(ql.Pop(Quicklist::End::kHead, &out));
  EXPECT_EQ(ql.len(), 0u);
  ExpectSame(&ql, oracle);
}

TEST(Quicklist, CountFillCapsEntriesPerNode) {
  Quicklist ql(4, 0);
  for (int i = 0; i < 10; i++) ql.PushTail("x");
  EXPECT_EQ(ql.len(), 3u);  // 4 + 4 + 2
  EXPECT_EQ(ql.head()->count, 4u);
  EXPECT_EQ(ql.tail()->count, 2u);
}

TEST(Quicklist, CountFillRespectsSafetyLimit) {
  // Count 1000 per node, but 1 KiB elements: a node stops near 8 KiB.
  Quicklist ql(1000, 0);
  std::string big(1000, 'z');
  for (int i = 0; i < 40; i++) ql.PushTail(big);
  for (auto* n = ql.head(); n; n = n->next) EXPECT_LE(n->sz, Quicklist::kSizeSafetyLimit);
  EXPECT_GE(ql.len(), 5u);
}

TEST(Quicklist, SizeFillCapsBytesPerNode) {
  for (int fill = -1; fill >= -5; fill--) {
    Quicklist ql(fill, 0);
    std::string v(100, 'q');
    for (int i = 0; i < 3000; i++) ql.PushTail(v);
    size_t cap = Quicklist::kOptimizationLevel[-fill - 1];
    for (auto* n = ql.head(); n; n = n->next) EXPECT_LE(n->sz, cap) << "fill " << fill;
    // Nodes are nearly full: fewer than 2x the minimum number of nodes.
    EXPECT_LT(ql.len(), 2 * (3000 * 102 / cap + 1)) << "fill " << fill;
  }
}

TEST(Quicklist, FillIsClamped) {
  Quicklist a(-100, 0), b(1 << 20, 0);
  EXPECT_EQ(a.fill(), -5);
  EXPECT_EQ(b.fill(), Quicklist::kFillMax);
}

TEST(Quicklist, LargeElementsGetPlainNodes) {
  Quicklist::SetPackedThreshold(100);
  Quicklist ql(-2, 0);
  std::deque<std::string> oracle;
  std::string big(150, 'B');
  ql.PushTail("a");
  ql.PushTail(big);
  ql.PushTail("c");
  ql.PushHead(big + "h");
  oracle = {big + "h", "a", big, "c"};
  ExpectSame(&ql, oracle);
  EXPECT_EQ(ql.len(), 4u);  // h(plain) a(packed) big(plain) c(packed)
  // Insert a large element in the middle of a packed node: it splits.
  for (int i = 0; i < 5; i++) {
    ql.PushTail("t" + std::to_string(i));
    oracle.push_back("t" + std::to_string(i));
  }
  Quicklist::Entry e;
  ASSERT_TRUE(ql.Index(5, &e));
  ql.InsertAfter(e, big + "mid");
  oracle.insert(oracle.begin() + 6, big + "mid");
  ExpectSame(&ql, oracle);
  // Replace a plain element by a small one and a small one by a large one.
  ASSERT_TRUE(ql.ReplaceAtIndex(2, "small"));
  oracle[2] = "small";
  ExpectSame(&ql, oracle);
  ASSERT_TRUE(ql.ReplaceAtIndex(7, big + "r"));
  oracle[7] = big + "r";
  ExpectSame(&ql, oracle);
  ASSERT_TRUE(ql.ReplaceAtIndex(0, big + "r2"));
  oracle[0] = big + "r2";
  ExpectSame(&ql, oracle);
  Quicklist::SetPackedThreshold(Quicklist::kDefaultPackedThreshold);
}

TEST(Quicklist, IndexOutOfRange) {
  Quicklist ql(-2, 0);
  Quicklist::Entry e;
  EXPECT_FALSE(ql.Index(0, &e));
  EXPECT_FALSE(ql.Index(-1, &e));
  ql.PushTail("a");
  EXPECT_TRUE(ql.Index(0, &e));
  EXPECT_TRUE(ql.Index(-1, &e));
  EXPECT_FALSE(ql.Index(1, &e));
  EXPECT_FALSE(ql.Index(-2, &e));
  EXPECT_FALSE(ql.ReplaceAtIndex(3, "x"));
  EXPECT_FALSE(ql.DelRange(5, 1));
  EXPECT_FALSE(ql.DelRange(0, 0));
}

TEST(Quicklist, IteratorFromIndex) {
  Quicklist ql(3, 0);
  for (int i = 0; i < 20; i++) ql.PushTail(std::to_string(i));
  Quicklist::Iterator it(&ql, Quicklist::End::kHead, 7);
  Quicklist::Entry e;
  for (int i = 7; i < 20; i++) {
    ASSERT_TRUE(it.Next(&e));
    EXPECT_EQ(e.value.ival, i);
  }
  EXPECT_FALSE(it.Next(&e));
  Quicklist::Iterator back(&ql, Quicklist::End::kTail, -3);
  for (int i = 17; i >= 0; i--) {
    ASSERT_TRUE(back.Next(&e));
    EXPECT_EQ(e.value.ival, i);
  }
  EXPECT_FALSE(back.Next(&e));
  Quicklist::Iterator none(&ql, Quicklist::End::kHead, 20);
  EXPECT_FALSE(none.Next(&e));
}

// Random operations against a deque, for several fills.
void RandomOps(int fill, uint32_t seed, int steps) {
  std::mt19937 rng(seed);
  Quicklist ql(fill, 0);
  std::deque<std::string> oracle;
  size_t max_nodes = 0;
  for (int step = 0; step < steps; step++) {
    int op = static_cast<int>(rng() % 100);
    long n = static_cast<long>(oracle.size());
    if (op < 40) {
      std::string v = RandomValue(rng);
      if (rng() % 2) {
        ql.PushHead(v);
        oracle.push_front(v);
      } else {
        ql.PushTail(v);
        oracle.push_back(v);
      }
    } else if (op < 46) {
      std::string out;
      bool head = rng() % 2;
      bool ok = ql.Pop(head ? Quicklist::End::kHead : Quicklist::End::kTail, &out);
      ASSERT_EQ(ok, !oracle.empty());
      if (ok) {
        ASSERT_EQ(out, head ? oracle.front() : oracle.back());
        head ? oracle.pop_front() : oracle.pop_back();
      }
    } else if (op < 56) {
      long idx = n ? static_cast<long>(rng() % (2 * n)) - n : 0;
      Quicklist::Entry e;
      bool ok = ql.Index(idx, &e);
      ASSERT_EQ(ok, n > 0);
      if (ok) {
        ASSERT_EQ(ValueOf(e), oracle[static_cast<size_t>(idx < 0 ? idx + n : idx)]);
      }
    } else if (op < 64) {
      if (n == 0) continue;
      long idx = static_cast<long>(rng() % n);
      std::string v = RandomValue(rng);
      ASSERT_TRUE(ql.ReplaceAtIndex(idx, v));
      oracle[static_cast<size_t>(idx)] = v;
    } else if (op < 84) {
      if (n == 0) continue;
      long idx = static_cast<long>(rng() % n);
      Quicklist::Entry e;
      ASSERT_TRUE(ql.Index(idx, &e));
      std::string v = RandomValue(rng);
      if (rng() % 2) {
        ql.InsertAfter(e, v);
        oracle.insert(oracle.begin() + idx + 1, v);
      } else {
        ql.InsertBefore(e, v);
        oracle.insert(oracle.begin() + idx, v);
      }
    } else if (op < 88) {
      if (n == 0) continue;
      long start = static_cast<long>(rng() % (2 * n)) - n;
      long count = static_cast<long>(rng() % (n / 40 + 2));
      bool ok = ql.DelRange(start, count);
      ASSERT_EQ(ok, count > 0);
      if (ok) {
        size_t s = static_cast<size_t>(start < 0 ? start + n : start);
        size_t end = std::min(oracle.size(), s + static_cast<size_t>(count));
        oracle.erase(oracle.begin() + static_cast<long>(s), oracle.begin() + static_cast<long>(end));
      }
    } else if (op < 96) {
      // Delete every element equal to a random existing one, walking in a
      // random direction (LREM).
      if (n == 0) continue;
      std::string target = oracle[rng() % oracle.size()];
      bool forward = rng() % 2;
      Quicklist::Iterator it(&ql, forward ? Quicklist::End::kHead : Quicklist::End::kTail);
      Quicklist::Entry e;
      while (it.Next(&e)) {
        if (ValueOf(e) == target) it.DeleteCurrent();
      }
      std::deque<std::string> kept;
      for (auto& s : oracle)
        if (s != target) kept.push_back(s);
      oracle.swap(kept);
    } else if (op < 98 && n > (fill < 0 ? 1500 : 300)) {
      // Delete every other element while iterating.
      bool forward = rng() % 2;
      Quicklist::Iterator it(&ql, forward ? Quicklist::End::kHead : Quicklist::End::kTail);
      Quicklist::Entry e;
      size_t i = 0;
      std::vector<bool> del(oracle.size());
      while (it.Next(&e)) {
        size_t pos = forward ? i : oracle.size() - 1 - i;
        ASSERT_EQ(ValueOf(e), oracle[pos]);
        if (i % 2 == 0) {
          it.DeleteCurrent();
          del[pos] = true;
        }
        i++;
      }
      std::deque<std::string> kept;
      for (size_t j = 0; j < oracle.size(); j++)
        if (!del[j]) kept.push_back(oracle[j]);
      oracle.swap(kept);
    }
    max_nodes = std::max(max_nodes, ql.len());
    std::string why;
    ASSERT_TRUE(ql.Verify(&why)) << why << " at step " << step;
    ASSERT_EQ(ql.count(), oracle.size());
    if (step % 50 == 0) ExpectSame(&ql, oracle);
  }
  ExpectSame(&ql, oracle);
  // The walk reached lists of many nodes.
  EXPECT_GT(max_nodes, 4u);
  Quicklist* copy = ql.Dup();
  ExpectSame(copy, oracle);
  Quicklist::Destroy(copy);
}

TEST(Quicklist, RandomOpsSizeFill) { RandomOps(-1, 1, 6000); }
TEST(Quicklist, RandomOpsDefaultFill) { RandomOps(-2, 2, 6000); }
TEST(Quicklist, RandomOpsSmallCountFill) { RandomOps(3, 3, 3000); }
TEST(Quicklist, RandomOpsCountFill) { RandomOps(16, 4, 3000); }
TEST(Quicklist, RandomOpsOnePerNode) { RandomOps(1, 5, 2000); }

TEST(Quicklist, RandomOpsWithPlainNodes) {
  Quicklist::SetPackedThreshold(120);
  RandomOps(4, 6, 2000);
  RandomOps(-1, 7, 2000);
  Quicklist::SetPackedThreshold(Quicklist::kDefaultPackedThreshold);
}

TEST(Quicklist, MergeAfterSplitKeepsNodesSmall) {
  // Inserting into the middle of full nodes splits them; MergeNodes then
  // joins small neighbours, so the node count stays near the minimum.
  Quicklist ql(8, 0);
  for (int i = 0; i < 64; i++) ql.PushTail(std::to_string(i));
  EXPECT_EQ(ql.len(), 8u);
  Quicklist::Entry e;
  ASSERT_TRUE(ql.Index(3, &e));
  ql.InsertAfter(e, "x");
  std::string why;
  ASSERT_TRUE(ql.Verify(&why)) << why;
  // The full first node split into 4 + (x + 4): 9 nodes, none merged since
  // every neighbour is full.
  EXPECT_EQ(ql.len(), 9u);
  EXPECT_EQ(ql.head()->count, 4u);
  EXPECT_EQ(ql.head()->next->count, 5u);
}

TEST(Quicklist, PayloadsArePayloadsAndNodesAreDram) {
  Quicklist ql(-2, 0);
  for (int i = 0; i < 500; i++) ql.PushTail(std::string(100, 'p'));
  for (auto* n = ql.head(); n; n = n->next) EXPECT_FALSE(alloc::InNvmRange(n));
}

}  // namespace
}  // namespace ds
