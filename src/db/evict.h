// maxmemory eviction: Redis 7.0's approximated LRU, LFU, TTL and random
// eviction over the keyspace, with memory counted over both tiers.
//
// What is compared with maxmemory: alloc::UsedMemory(), DRAM plus NVM (a
// value on the slow tier takes as much of the budget as one in DRAM: what
// the operator caps is the server's memory), less what the caller says is
// not counted (AOF buffers; replica output buffers later), as Redis's
// freeMemoryGetNotCountedMemory. NVM filling up is no trigger: payloads
// then spill to DRAM and still count once.
//
// Candidates. The *-lru, *-lfu and volatile-ttl policies keep a pool of
// the kPoolSize best candidates across calls: each round samples
// maxmemory-samples keys from every db (all keys for allkeys-*, keys with a
// TTL for volatile-*) into it, ranked by a score where higher is better to
// evict: idle milliseconds (LRU), 255 minus the decayed counter (LFU), or
// the inverted deadline (TTL: the soonest first). The best candidate whose
// key still exists goes. The random policies take a random key, from each
// db in turn.
//
// Time bound. A call evicts until the memory is under maxmemory, but checks
// every 16 keys against a time limit from maxmemory-eviction-tenacity
// (50 us per step up to 10, then 15% more per step, unlimited at 100); past
// it, it returns kRunning and the caller calls again soon (the server from
// a timer) until kOk. With lazy eviction the freed memory comes back in the
// background, so the same 16-key check also stops once memory is under.
//
// Thread safety: main thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "db/db.h"

namespace db {

enum class EvictPolicy : uint8_t {
  kNoEviction,
  kAllkeysLru,
  kAllkeysLfu,
  kAllkeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};
// The policy for a maxmemory-policy name; kNoEviction for unknown names.
EvictPolicy EvictPolicyFromName(std::string_view name);

struct EvictConfig {
  uint64_t maxmemory = 0;  // 0: no limit
  EvictPolicy policy = EvictPolicy::kNoEviction;
  int samples = 5;         // maxmemory-samples
  int tenacity = 10;       // maxmemory-eviction-tenacity, 0..100
  bool lazy = false;       // lazyfree-lazy-eviction
};
EvictConfig& GetEvictConfig();

enum class EvictResult {
  kOk,       // under maxmemory (or no limit)
  kRunning,  // time limit reached with memory still over: call again
  kFail,     // over maxmemory and nothing (more) can be evicted
};

// Bytes over maxmemory now, 0 when under or unlimited. not_counted: bytes
// of alloc::UsedMemory() that do not count (see above).
size_t MemoryToFree(size_t not_counted);

// Evicts keys until memory is under maxmemory (Redis's performEvictions).
// The dbs are sampled in order; evicted keys are deleted (lazily under
// EvictConfig::lazy) and reported to the evicted hook.
EvictResult PerformEvictions(std::vector<Db*>& dbs, size_t not_counted);

// Called for each evicted key, after its deletion (keyspace event, WATCH,
// propagation of the DEL). Set by the command layer.
using EvictedHook = void (*)(int db_id, std::string_view key);
void SetEvictedHook(EvictedHook hook);

struct EvictStats {
  uint64_t evicted_keys = 0;
  // Time spent with used memory over maxmemory (eviction not keeping up):
  // finished periods, and the start of the current one (monotonic us, 0
  // when under).
  uint64_t exceeded_total_us = 0;
  int64_t exceeded_since_us = 0;
};
EvictStats& GetEvictStats();

}  // namespace db
