// Stream: random appends (entries with the master's fields and others),
// XDEL, exact and approximate MAXLEN/MINID trims against a std::map oracle
// with fixed seeds and small node limits (many nodes); forward and reverse
// range iteration compared with the oracle; every node re-validated with
// StreamValidateListpack (the RDB loader's check) and the counters
// (length, first ID, node master counts) checked.
//
// The allocator is initialised once for the binary by sds_test.cc.
#include "ds/stream.h"

#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ds/listpack.h"
#include "gtest/gtest.h"

namespace ds {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;
using Oracle = std::map<StreamId, Fields>;

Fields Read(StreamIterator& it, int64_t nf) {
  Fields f;
  it.ForEachField([&f](std::string_view a, std::string_view b) { f.emplace_back(a, b); });
  EXPECT_EQ(static_cast<int64_t>(f.size()), nf);
  return f;
}

void ExpectRange(Stream& s, const Oracle& o, StreamId a, StreamId b) {
  // Forward.
  StreamIterator it(&s, &a, &b, false);
  auto oi = o.lower_bound(a);
  StreamId id;
  int64_t nf;
  while (it.Next(&id, &nf)) {
    ASSERT_TRUE(oi != o.end() && oi->first <= b);
    ASSERT_EQ(id, oi->first);
    ASSERT_EQ(Read(it, nf), oi->second);
    ++oi;
  }
  ASSERT_TRUE(oi == o.end() || oi->first > b);
  // Reverse.
  StreamIterator rit(&s, &a, &b, true);
  auto ri = o.upper_bound(b);
  while (rit.Next(&id, &nf)) {
    ASSERT_TRUE(ri != o.begin());
    --ri;
    ASSERT_EQ(id, ri->first);
    ASSERT_EQ(Read(rit, nf), ri->second);
  }
  ASSERT_TRUE(ri == o.begin() || std::prev(ri)->first < a);
}

void ExpectValid(Stream& s, const Oracle& o) {
  ASSERT_EQ(s.length, o.size());
  ASSERT_TRUE(s.Verify());
  ASSERT_TRUE(s.rax.Verify());
  StreamId prev;
  bool has_prev = false;
  uint64_t live_total = 0;
  s.rax.ForEach([&](std::string_view key, void* v) {
    auto* lp = static_cast<unsigned char*>(v);
    uint64_t live = 0;
    EXPECT_TRUE(StreamValidateListpack(lp, LpBytes(lp), StreamIdDecode(key.data()), &prev, &has_prev, &live));
    live_total += live;
    return true;
  });
  ASSERT_EQ(live_total, o.size());
  if (!o.empty()) {
    ASSERT_EQ(s.first_id, o.begin()->first);
    ASSERT_EQ(s.LastValidId(), o.rbegin()->first);
  }
  ExpectRange(s, o, kStreamIdMin, kStreamIdMax);
}

TEST(StreamId, EncodeOrderAndText) {
  StreamId a{1, UINT64_MAX}, b{2, 0};
  EXPECT_LT(StreamIdKey(a), StreamIdKey(b));
  EXPECT_EQ(StreamIdDecode(StreamIdKey(a).data()), a);
  EXPECT_EQ(StreamIdString(a), "1-18446744073709551615");
  StreamId c = a;
  ASSERT_TRUE(StreamIdIncr(&c));
  EXPECT_EQ(c, b);
  ASSERT_TRUE(StreamIdDecr(&c));
  EXPECT_EQ(c, a);
  StreamId max = kStreamIdMax, min = kStreamIdMin;
  EXPECT_FALSE(StreamIdIncr(&max));
  EXPECT_FALSE(StreamIdDecr(&min));
}

TEST(Stream, AppendIdRules) {
  Stream s;
  StreamNodeLimits lim;
  StreamId added;
  std::string_view fv[] = {"f", "v"};
  StreamId id{5, 0};
  ASSERT_EQ(s.Append(fv, 1, &id, true, 0, lim, &added), Stream::AppendResult::kOk);
  EXPECT_EQ(s.Append(fv, 1, &id, true, 0, lim, &added), Stream::AppendResult::kIdTooSmall);
  ASSERT_EQ(s.Append(fv, 1, &id, false, 0, lim, &added), Stream::AppendResult::kOk);  // 5-*
  EXPECT_EQ(added, (StreamId{5, 1}));
  ASSERT_EQ(s.Append(fv, 1, nullptr, false, 3, lim, &added), Stream::AppendResult::kOk);  // clock behind
  EXPECT_EQ(added, (StreamId{5, 2}));
  ASSERT_EQ(s.Append(fv, 1, nullptr, false, 9, lim, &added), Stream::AppendResult::kOk);
  EXPECT_EQ(added, (StreamId{9, 0}));
  EXPECT_EQ(s.entries_added, 4u);
  StreamId top{9, UINT64_MAX};
  ASSERT_EQ(s.Append(fv, 1, &top, true, 0, lim, &added), Stream::AppendResult::kOk);
  StreamId same_ms{9, 0};
  EXPECT_EQ(s.Append(fv, 1, &same_ms, false, 0, lim, &added), Stream::AppendResult::kNoSequence);
}

void RandomRun(uint64_t seed, int steps, StreamNodeLimits lim) {
  std::mt19937_64 rng(seed);
  Stream s;
  Oracle o;
  uint64_t now = 1000;
  for (int step = 0; step < steps; step++) {
    int op = static_cast<int>(rng() % 10);
    if (op < 6) {
      Fields f;
      int n = 1 + static_cast<int>(rng() % 3);
      bool standard = rng() % 3 != 0;
      for (int i = 0; i < n; i++) {
        std::string name = standard ? "field" + std::to_string(i) : "x" + std::to_string(rng() % 4);
        std::string val = rng() % 4 == 0 ? std::to_string(rng() % 100000) : std::string(rng() % 40, 'v');
        f.emplace_back(name, val);
      }
      std::vector<std::string_view> fv;
      for (auto& [a, b] : f) {
        fv.push_back(a);
        fv.push_back(b);
      }
      now += rng() % 3;
      StreamId added;
      ASSERT_EQ(s.Append(fv.data(), f.size(), nullptr, false, static_cast<int64_t>(now), lim, &added),
                Stream::AppendResult::kOk);
      o[added] = f;
    } else if (op < 8) {
      if (o.empty()) continue;
      auto it = o.begin();
      std::advance(it, static_cast<long>(rng() % o.size()));
      StreamId id = it->first;
      ASSERT_TRUE(s.DeleteEntry(id));
      o.erase(it);
      ASSERT_FALSE(s.DeleteEntry(id));
      s.first_id = o.empty() ? StreamId{} : s.EdgeId(true, true);
    } else {
      StreamTrimArgs a;
      a.approx = rng() % 2 == 0;
      a.limit = a.approx ? static_cast<int64_t>(rng() % 3) * 10 : 0;
      if (rng() % 2) {
        a.strategy = StreamTrimArgs::Strategy::kMaxlen;
        a.maxlen = static_cast<int64_t>(o.size() > 5 ? o.size() - rng() % 5 : o.size());
      } else {
        a.strategy = StreamTrimArgs::Strategy::kMinid;
        a.minid = o.empty() ? StreamId{} : std::next(o.begin(), static_cast<long>(rng() % o.size()))->first;
      }
      const size_t before = o.size();
      int64_t removed = s.Trim(a);
      ASSERT_EQ(s.length, before - static_cast<uint64_t>(removed));
      // Trimming removes from the head: the oracle drops as many.
      for (int64_t i = 0; i < removed; i++) o.erase(o.begin());
      if (!a.approx && a.strategy == StreamTrimArgs::Strategy::kMaxlen) {
        ASSERT_LE(o.size(), static_cast<size_t>(a.maxlen));
      }
      if (!a.approx && a.strategy == StreamTrimArgs::Strategy::kMinid && !o.empty()) {
        ASSERT_GE(o.begin()->first, a.minid);
      }
    }
    if (step % 50 == 0) {
      ExpectValid(s, o);
      if (!o.empty()) {
        StreamId a = std::next(o.begin(), static_cast<long>(rng() % o.size()))->first;
        StreamId b = std::next(o.begin(), static_cast<long>(rng() % o.size()))->first;
        if (b < a) std::swap(a, b);
        ExpectRange(s, o, a, b);
      }
    }
  }
  ExpectValid(s, o);
}

TEST(Stream, RandomAgainstOracle) {
  RandomRun(1, 3000, {4096, 100});
  RandomRun(2, 3000, {200, 5});
  RandomRun(3, 3000, {0, 3});
  RandomRun(301, 3000, {64, 0});
}

TEST(Stream, ValidationRejectsBadNodes) {
  Stream s;
  StreamNodeLimits lim;
  std::string_view fv[] = {"a", "1", "b", "2"};
  StreamId added;
  for (int i = 0; i < 3; i++) s.Append(fv, 2, nullptr, false, 100 + i, lim, &added);
  std::string key;
  void* v;
  ASSERT_TRUE(s.rax.First(&key, &v));
  auto* lp = static_cast<unsigned char*>(v);
  std::string bytes(reinterpret_cast<char*>(lp), LpBytes(lp));
  StreamId prev;
  bool has_prev = false;
  uint64_t live;
  ASSERT_TRUE(StreamValidateListpack(lp, bytes.size(), StreamIdDecode(key.data()), &prev, &has_prev, &live));
  EXPECT_EQ(live, 3u);
  // A master count that disagrees with the entries.
  unsigned char* bad = LpDup(lp);
  unsigned char* p = LpFirst(bad);
  bad = LpReplaceInteger(bad, &p, 7);
  has_prev = false;
  EXPECT_FALSE(StreamValidateListpack(bad, LpBytes(bad), StreamIdDecode(key.data()), &prev, &has_prev, &live));
  LpFree(bad);
  // A master ID below the previous node's entries.
  has_prev = true;
  prev = {1000, 0};
  EXPECT_FALSE(StreamValidateListpack(lp, bytes.size(), StreamIdDecode(key.data()), &prev, &has_prev, &live));
  // Every truncation fails cleanly.
  for (size_t n = 0; n < bytes.size(); n++) {
    has_prev = false;
    EXPECT_FALSE(StreamValidateListpack(reinterpret_cast<const unsigned char*>(bytes.data()), n,
                                        StreamIdDecode(key.data()), &prev, &has_prev, &live));
  }
}

TEST(Stream, GroupsConsumersAndPel) {
  Stream s;
  StreamCG* cg = s.CreateGroup("g", {0, 0}, kInvalidEntriesRead);
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(s.CreateGroup("g", {0, 0}, 0), nullptr);
  StreamConsumer* c = Stream::CreateConsumer(cg, "alice", 5);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(Stream::CreateConsumer(cg, "alice", 5), nullptr);
  for (uint64_t i = 1; i <= 10; i++) {
    StreamNack* n = Stream::NewNack(c, 5);
    std::string k = StreamIdKey({i, 0});
    cg->pel.Insert(k, n);
    c->pel.Insert(k, n);
  }
  EXPECT_GT(s.MetadataBytes(), 0u);
  EXPECT_TRUE(s.Verify());
  StreamNack* stray = Stream::NewNack(nullptr, 5);
  cg->pel.Insert(StreamIdKey({99, 0}), stray);  // a NACK nobody owns
  EXPECT_FALSE(s.Verify());
  cg->pel.Remove(StreamIdKey({99, 0}));
  Stream::FreeNack(stray);
  EXPECT_TRUE(s.Verify());
  Stream::DeleteConsumer(cg, c);
  EXPECT_EQ(cg->pel.size(), 0u);
  EXPECT_EQ(cg->consumers.size(), 0u);
  EXPECT_TRUE(s.DestroyGroup("g"));
  EXPECT_FALSE(s.DestroyGroup("g"));
}

}  // namespace
}  // namespace ds
