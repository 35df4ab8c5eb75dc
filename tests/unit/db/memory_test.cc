// Memory limits below the server: the access clocks (object/lru.h),
// eviction by policy over real keyspaces (db/evict.h), and the lazy-free
// thread returning NVM blocks without mixing tcaches (db/lazyfree.h).
#include <string>
#include <vector>

#include "alloc/zmalloc.h"
#include "db/db.h"
#include "db/evict.h"
#include "db/lazyfree.h"
#include "gtest/gtest.h"
#include "object/lru.h"
#include "object/set_type.h"

namespace db {
namespace {

constexpr int64_t kMinute = 60 * 1000;

class MemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    object::ClockSettings() = object::AccessClockSettings();
    object::SetClocks(int64_t{1700000000} * 1000);
    GetEvictConfig() = EvictConfig();
    Lazyfree() = LazyfreeSettings();
    SetNow(int64_t{1700000000} * 1000);
  }
  void TearDown() override {
    GetEvictConfig() = EvictConfig();
    object::ClockSettings() = object::AccessClockSettings();
  }
};

// ---- access clocks ----

TEST_F(MemoryTest, LruIdleTimeWrapsWithTheClock) {
  Db d(0);
  Object* o = d.Add("k", object::CreateString("v"));
  EXPECT_EQ(object::IdleMs(o), 0u);
  object::SetClocks(int64_t{1700000000} * 1000 + 5500);
  EXPECT_EQ(object::IdleMs(o), 5000u);
  // Accessed just before the 24-bit clock wrapped: still 10 s idle after.
  o->lru = object::kLruClockMax - 3;
  object::SetClocks((int64_t{1} << 24) * 1000 + 6000);  // the clock reads 6
  EXPECT_EQ(object::IdleMs(o), (3u + 6u) * 1000u);
  // RESTORE IDLETIME counted back across the wrap.
  EXPECT_TRUE(object::SetLruOrLfu(o, -1, 100, object::LruClock()));
  EXPECT_EQ(object::IdleMs(o), 100u * 1000u);
  EXPECT_FALSE(object::SetLruOrLfu(o, 7, -1, object::LruClock()));  // FREQ needs LFU
}

TEST_F(MemoryTest, LfuCounterIncrementsLogarithmicallyAndDecays) {
  object::ClockSettings().lfu = true;
  object::ClockSettings().lfu_log_factor = 0;
  Db d(0);
  Object* o = d.Add("k", object::CreateString("v"));
  EXPECT_EQ(object::LfuCounter(o), object::kLfuInitVal);
  for (int i = 0; i < 10; i++) Db::Touch(o);
  EXPECT_EQ(object::LfuCounter(o), object::kLfuInitVal + 10);
  for (int i = 0; i < 1000; i++) Db::Touch(o);
  EXPECT_EQ(object::LfuCounter(o), object::kLfuCounterMax);
  // One point per lfu-decay-time minutes, read lazily.
  object::SetClocks(int64_t{1700000000} * 1000 + 30 * kMinute);
  EXPECT_EQ(object::LfuCounter(o), object::kLfuCounterMax - 30);
  object::ClockSettings().lfu_decay_time = 10;
  EXPECT_EQ(object::LfuCounter(o), object::kLfuCounterMax - 3);
  object::ClockSettings().lfu_decay_time = 0;
  EXPECT_EQ(object::LfuCounter(o), object::kLfuCounterMax);
  // With the default factor 10, the counter grows like a logarithm: from 5,
  // about 100 hits make it ~10 and 10,000 make it ~50 (redis.conf's table).
  object::ClockSettings().lfu_log_factor = 10;
  uint32_t c = object::kLfuInitVal;
  for (int i = 0; i < 10000; i++) c = object::LfuLogIncr(c);
  EXPECT_GT(c, 35u);
  EXPECT_LT(c, 70u);
  // Frozen clocks (a fork child lives): reads do not write the header.
  const uint32_t before = o->lru;
  SetForkChildAlive(true);
  Db::Touch(o);
  SetForkChildAlive(false);
  EXPECT_EQ(o->lru, before);
}

// ---- eviction ----

// Evicts to completion: a call that runs out of its time slice (on a busy
// machine) returns kRunning, and the server calls again from a timer.
EvictResult EvictAll(std::vector<Db*>& dbs, size_t not_counted) {
  EvictResult r;
  while ((r = PerformEvictions(dbs, not_counted)) == EvictResult::kRunning) {
  }
  return r;
}

void Fill(Db& d, const std::string& prefix, int n, int64_t ttl_ms = 0) {
  for (int i = 0; i < n; i++) {
    std::string k = prefix + std::to_string(i);
    d.Add(k, object::CreateString(std::string(200, 'x')));
    if (ttl_ms) d.SetExpire(k, Now() + ttl_ms + i);
  }
}

TEST_F(MemoryTest, EachPolicyEvictsOnlyWhatItMay) {
  for (EvictPolicy p : {EvictPolicy::kAllkeysLru, EvictPolicy::kAllkeysLfu, EvictPolicy::kAllkeysRandom,
                        EvictPolicy::kVolatileLru, EvictPolicy::kVolatileLfu, EvictPolicy::kVolatileRandom,
                        EvictPolicy::kVolatileTtl}) {
    Db a(0), b(1);
    std::vector<Db*> dbs = {&a, &b};
    Fill(a, "plain", 2000);
    Fill(b, "vol", 2000, 100000);
    const size_t used = alloc::UsedMemory();
    GetEvictConfig().policy = p;
    GetEvictConfig().maxmemory = used - 100 * 1024;
    const uint64_t evicted_before = GetEvictStats().evicted_keys;
    ASSERT_EQ(EvictAll(dbs, 0), EvictResult::kOk) << static_cast<int>(p);
    EXPECT_LE(alloc::UsedMemory(), GetEvictConfig().maxmemory);
    EXPECT_EQ(GetEvictStats().evicted_keys - evicted_before, 4000 - a.size() - b.size());
    const bool volatile_only = p != EvictPolicy::kAllkeysLru && p != EvictPolicy::kAllkeysLfu &&
                               p != EvictPolicy::kAllkeysRandom;
    if (volatile_only) {
      EXPECT_EQ(a.size(), 2000u) << static_cast<int>(p);
    }
    if (p == EvictPolicy::kVolatileTtl) {
      // The soonest deadlines went first: sampled, so nearly; nearly all
      // of the evicted keys are among the first half of the deadlines.
      size_t early_gone = 0;
      for (int i = 0; i < 1000; i++) early_gone += b.FindEntry("vol" + std::to_string(i)) == nullptr;
      EXPECT_GT(early_gone, (2000 - b.size()) * 9 / 10);
    }
    GetEvictConfig().maxmemory = 0;
  }
}

TEST_F(MemoryTest, NothingToEvictFails) {
  Db a(0);
  std::vector<Db*> dbs = {&a};
  Fill(a, "plain", 500);
  GetEvictConfig().maxmemory = alloc::UsedMemory() - 10 * 1024;
  GetEvictConfig().policy = EvictPolicy::kVolatileLru;  // no key has a TTL
  EXPECT_EQ(EvictAll(dbs, 0), EvictResult::kFail);
  GetEvictConfig().policy = EvictPolicy::kNoEviction;
  EXPECT_EQ(EvictAll(dbs, 0), EvictResult::kFail);
  EXPECT_EQ(a.size(), 500u);
  // Memory not counted (the AOF buffer) can bring it under.
  EXPECT_EQ(EvictAll(dbs, 20 * 1024), EvictResult::kOk);
  GetEvictConfig().maxmemory = 0;
}

TEST_F(MemoryTest, LruPoolPrefersTheIdlest) {
  Db a(0);
  std::vector<Db*> dbs = {&a};
  Fill(a, "old", 1000);
  object::SetClocks(int64_t{1700000000} * 1000 + 100 * 1000);
  Fill(a, "new", 1000);
  GetEvictConfig().policy = EvictPolicy::kAllkeysLru;
  GetEvictConfig().samples = 10;
  GetEvictConfig().maxmemory = alloc::UsedMemory() - 100 * 1024;
  ASSERT_EQ(EvictAll(dbs, 0), EvictResult::kOk);
  size_t old_left = 0, new_left = 0;
  for (int i = 0; i < 1000; i++) {
    old_left += a.FindEntry("old" + std::to_string(i)) != nullptr;
    new_left += a.FindEntry("new" + std::to_string(i)) != nullptr;
  }
  EXPECT_GT(1000 - old_left, 200u);
  EXPECT_GT(new_left, 990u);
  GetEvictConfig().maxmemory = 0;
}

// ---- lazy free ----

TEST_F(MemoryTest, LazyFreeReturnsNvmBlocksWithoutMixingTcaches) {
  const size_t nvm_before = alloc::UsedMemory(alloc::Tier::kNvm);
  Db d(0);
  for (int k = 0; k < 4; k++) {
    Object* set = object::CreateSetObject();
    for (int i = 0; i < 5000; i++) object::SetTypeAdd(set, "member-" + std::to_string(i) + std::string(80, 'm'));
    d.Add("s" + std::to_string(k), set);
  }
  ASSERT_GT(alloc::UsedMemory(alloc::Tier::kNvm), nvm_before + 4 * 5000 * 64);
  EXPECT_TRUE(d.Delete("s0", /*lazy=*/true));
  EXPECT_TRUE(d.Delete("s1", /*lazy=*/true));
  d.Flush(/*async=*/true);
  lazyfree::Drain();
  EXPECT_EQ(lazyfree::PendingObjects(), 0u);
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kNvm), nvm_before);
  // The thread freed NVM blocks of these sizes into its own tcache: the
  // main thread's DRAM allocations must never get them back.
  for (size_t n : {96, 112, 128}) {
    for (int i = 0; i < 20000; i++) {
      void* p = alloc::Meta(n);
      ASSERT_FALSE(alloc::InNvmRange(p)) << n;
      alloc::Free(p);
    }
  }
  // Small values are freed inline, not handed over.
  Object* small = object::CreateSetObject();
  object::SetTypeAdd(small, "a");
  EXPECT_FALSE(lazyfree::WorthIt(small));
  const uint64_t freed = lazyfree::FreedObjects();
  lazyfree::FreeObject(small);
  lazyfree::Drain();
  EXPECT_EQ(lazyfree::FreedObjects(), freed);
}

}  // namespace
}  // namespace db
