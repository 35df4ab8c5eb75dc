// maxmemory eviction: see evict.h for the policies, the pool and the time
// bound.
#include "db/evict.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <string>
#include <thread>

#include "alloc/zmalloc.h"
#include "common/clock.h"
#include "common/macros.h"
#include "db/lazyfree.h"
#include "object/lru.h"

namespace db {
namespace {

// Candidates kept across calls (Redis's EVPOOL_SIZE).
constexpr int kPoolSize = 16;
// Keys evicted between two checks of the clock and of the memory.
constexpr uint64_t kCheckEvery = 16;

struct Candidate {
  uint64_t score = 0;  // higher: better to evict
  int db = 0;
  bool used = false;
  std::string key;     // keeps its capacity across uses
};

EvictConfig g_config;
EvictStats g_stats;
EvictedHook g_evicted_hook = nullptr;
Candidate g_pool[kPoolSize];  // ascending score; used entries first
// The random policies visit the dbs in turn across calls.
size_t g_next_db = 0;

bool AllKeys(EvictPolicy p) {
  return p == EvictPolicy::kAllkeysLru || p == EvictPolicy::kAllkeysLfu || p == EvictPolicy::kAllkeysRandom;
}
bool IsLru(EvictPolicy p) { return p == EvictPolicy::kAllkeysLru || p == EvictPolicy::kVolatileLru; }
bool IsRandom(EvictPolicy p) { return p == EvictPolicy::kAllkeysRandom || p == EvictPolicy::kVolatileRandom; }

// The time one call may spend (Redis's evictionTimeLimitUs): a straight
// line from 0 to 500 us over tenacity 0..10, then 15% more per step, so
// 99 allows about two minutes; 100 means no limit.
uint64_t TimeLimitUs(int tenacity) {
  if (tenacity <= 10) return 50u * static_cast<uint64_t>(tenacity < 0 ? 0 : tenacity);
  if (tenacity < 100) return static_cast<uint64_t>(500.0 * std::pow(1.15, tenacity - 10.0));
  return UINT64_MAX;
}

// Puts a candidate into the pool if it beats the worst one there, keeping
// the pool sorted by ascending score (Redis's evictionPoolPopulate).
void PoolInsert(uint64_t score, int db, std::string_view key) {
  int k = 0;
  while (k < kPoolSize && g_pool[k].used && g_pool[k].score < score) k++;
  if (k == 0 && g_pool[kPoolSize - 1].used) return;  // worse than all, and no room
  if (k < kPoolSize && !g_pool[k].used) {
    // An empty slot at k: nothing to move.
  } else if (!g_pool[kPoolSize - 1].used) {
    // Room at the end: shift [k, end) right by one.
    for (int i = kPoolSize - 1; i > k; i--) std::swap(g_pool[i], g_pool[i - 1]);
  } else {
    // Full: drop the worst (slot 0) by shifting [1, k) left; insert at k-1.
    k--;
    for (int i = 0; i < k; i++) std::swap(g_pool[i], g_pool[i + 1]);
  }
  Candidate& c = g_pool[k];
  c.score = score;
  c.db = db;
  c.used = true;
  c.key.assign(key);
}

// Samples keys of one db into the pool.
void PoolPopulate(Db* d, EvictPolicy policy, int samples) {
  ds::Dict& sampled = AllKeys(policy) ? d->dict() : d->expires();
  constexpr int kMaxSamples = 64;
  ds::DictEntry* picks[kMaxSamples];
  const size_t n = sampled.SomeEntries(picks, static_cast<size_t>(std::min(samples, kMaxSamples)));
  for (size_t i = 0; i < n; i++) {
    ds::DictEntry* de = picks[i];
    // The expires dict is keyed by the keyspace entry's own key string.
    const ds::sds key = AllKeys(policy) ? EntryKeySds(de) : static_cast<ds::sds>(de->key);
    uint64_t score;
    if (policy == EvictPolicy::kVolatileTtl) {
      score = UINT64_MAX - static_cast<uint64_t>(de->v.s64);
    } else {
      ds::DictEntry* ke = AllKeys(policy) ? de : d->dict().Find(key);
      if (ke == nullptr) continue;
      const Object* o = EntryValue(ke);
      score = IsLru(policy) ? object::IdleMs(o) : object::kLfuCounterMax - object::LfuCounter(o);
    }
    PoolInsert(score, d->id(), ds::SdsView(key));
  }
}

// The best candidate of the pool that still exists (consuming the ones
// that do not), after a sampling round over every db. False when there is
// no key to evict at all.
bool PickFromPool(std::vector<Db*>& dbs, EvictPolicy policy, int* db, std::string* key) {
  for (;;) {
    size_t total = 0;
    for (Db* d : dbs) {
      size_t keys = AllKeys(policy) ? d->size() : d->expires_size();
      if (keys == 0) continue;
      PoolPopulate(d, policy, g_config.samples);
      total += keys;
    }
    if (total == 0) return false;
    for (int k = kPoolSize - 1; k >= 0; k--) {
      Candidate& c = g_pool[k];
      if (!c.used) continue;
      c.used = false;
      Db* d = c.db < static_cast<int>(dbs.size()) ? dbs[static_cast<size_t>(c.db)] : nullptr;
      if (d == nullptr) continue;
      TempKey tk(c.key);
      ds::Dict& where = AllKeys(policy) ? d->dict() : d->expires();
      if (where.Find(tk.get()) == nullptr) continue;  // gone since it was sampled
      *db = c.db;
      key->swap(c.key);
      return true;
    }
    // Every candidate was a ghost: sample again.
  }
}

bool PickRandom(std::vector<Db*>& dbs, EvictPolicy policy, int* db, std::string* key) {
  for (size_t i = 0; i < dbs.size(); i++) {
    Db* d = dbs[g_next_db++ % dbs.size()];
    ds::Dict& dict = policy == EvictPolicy::kAllkeysRandom ? d->dict() : d->expires();
    if (dict.size() == 0) continue;
    ds::DictEntry* de = dict.RandomEntry();
    if (de == nullptr) continue;
    const ds::sds k = policy == EvictPolicy::kAllkeysRandom ? EntryKeySds(de) : static_cast<ds::sds>(de->key);
    key->assign(k, ds::SdsLen(k));
    *db = d->id();
    return true;
  }
  return false;
}

// Records whether memory is over the limit after a call, for INFO's
// total/current_eviction_exceeded_time.
EvictResult Finish(EvictResult r) {
  if (r == EvictResult::kOk) {
    if (g_stats.exceeded_since_us != 0) {
      g_stats.exceeded_total_us += common::MonotonicUs() - static_cast<uint64_t>(g_stats.exceeded_since_us);
      g_stats.exceeded_since_us = 0;
    }
  } else if (g_stats.exceeded_since_us == 0) {
    g_stats.exceeded_since_us = static_cast<int64_t>(common::MonotonicUs());
  }
  return r;
}

}  // namespace

EvictPolicy EvictPolicyFromName(std::string_view name) {
  static const std::pair<std::string_view, EvictPolicy> kNames[] = {
      {"volatile-lru", EvictPolicy::kVolatileLru},     {"volatile-lfu", EvictPolicy::kVolatileLfu},
      {"volatile-random", EvictPolicy::kVolatileRandom}, {"volatile-ttl", EvictPolicy::kVolatileTtl},
      {"allkeys-lru", EvictPolicy::kAllkeysLru},       {"allkeys-lfu", EvictPolicy::kAllkeysLfu},
      {"allkeys-random", EvictPolicy::kAllkeysRandom}, {"noeviction", EvictPolicy::kNoEviction}};
  for (const auto& [n, p] : kNames)
    if (n == name) return p;
  return EvictPolicy::kNoEviction;
}

EvictConfig& GetEvictConfig() { return g_config; }
EvictStats& GetEvictStats() { return g_stats; }
void SetEvictedHook(EvictedHook hook) { g_evicted_hook = hook; }

size_t MemoryToFree(size_t not_counted) {
  if (g_config.maxmemory == 0) return 0;
  const size_t used = alloc::UsedMemory();
  const size_t counted = used > not_counted ? used - not_counted : 0;
  return counted > g_config.maxmemory ? counted - g_config.maxmemory : 0;
}

EvictResult PerformEvictions(std::vector<Db*>& dbs, size_t not_counted) {
  size_t to_free = MemoryToFree(not_counted);
  if (to_free == 0) return Finish(EvictResult::kOk);
  const EvictPolicy policy = g_config.policy;
  if (policy == EvictPolicy::kNoEviction) return Finish(EvictResult::kFail);

  const uint64_t start = common::MonotonicUs();
  const uint64_t limit_us = TimeLimitUs(g_config.tenacity);
  size_t freed = 0;
  uint64_t keys = 0;
  std::string key;
  while (freed < to_free) {
    int db_id = 0;
    const bool found = IsRandom(policy) ? PickRandom(dbs, policy, &db_id, &key)
                                        : PickFromPool(dbs, policy, &db_id, &key);
    if (!found) {
      // Nothing left to evict. Values the lazy-free thread still holds may
      // bring memory under: wait for it briefly, as Redis does.
      if (g_config.lazy && lazyfree::PendingObjects() > 0) {
        constexpr uint64_t kMaxWaitUs = 500;
        std::this_thread::sleep_for(std::chrono::microseconds(std::min(limit_us, kMaxWaitUs)));
        if (MemoryToFree(not_counted) == 0) return Finish(EvictResult::kOk);
      }
      return Finish(EvictResult::kFail);
    }
    Db* d = dbs[static_cast<size_t>(db_id)];
    // Only the keyspace's own memory counts as freed: the DEL this queues
    // for the AOF (and replicas) is freed later, and counting it would keep
    // the loop evicting forever.
    const size_t before = alloc::UsedMemory();
    d->Delete(key, g_config.lazy);
    const size_t after = alloc::UsedMemory();
    freed += before > after ? before - after : 0;
    g_stats.evicted_keys++;
    if (g_evicted_hook) g_evicted_hook(db_id, key);
    if (++keys % kCheckEvery == 0) {
      if (g_config.lazy && MemoryToFree(not_counted) == 0) break;
      if (common::MonotonicUs() - start > limit_us) return Finish(EvictResult::kRunning);
    }
  }
  return Finish(EvictResult::kOk);
}

}  // namespace db
