// Memory limits around db/evict.h: see maxmemory.h.
#include "repl/replication.h"
#include "server/maxmemory.h"

#include <algorithm>
#include <vector>

#include "commands/pause.h"
#include "commands/propagate.h"
#include "commands/state.h"
#include "common/clock.h"
#include "common/log.h"
#include "db/evict.h"
#include "db/lazyfree.h"
#include "server/config.h"
#include "server/memory_overhead.h"
#include "server/persistence.h"
#include "server/server.h"

namespace server {
namespace {

using commands::Client;
using commands::GetState;

// The timer that continues an eviction that ran out of time, or -1.
int64_t g_eviction_timer = -1;
// Total of Client::mem_usage over the clients counted.
size_t g_clients_memory = 0;
uint64_t g_evicted_clients = 0;
// The smallest limit maxmemory-clients can set (Redis: 128 KiB).
constexpr size_t kMinClientEvictionLimit = 128 * 1024;

db::EvictResult RunEviction() {
  return db::PerformEvictions(GetState().db_ptrs, NotCountedMemory());
}

int64_t EvictionTimeProc(net::EventLoop*, int64_t, void*) {
  if (RunEviction() == db::EvictResult::kRunning) return 0;  // again at once
  g_eviction_timer = -1;
  return net::kNoMore;
}

// The dispatcher's hook (commands::State::evict_before_command).
bool EvictBeforeCommand() {
  // Eviction waits while clients are paused, as Redis's
  // isSafeToPerformEvictions: a pause freezes the dataset.
  if (commands::CheckClientPauseTimeout(common::MsTime())) return false;
  // A replica's dataset is its master's (replica-ignore-maxmemory): it
  // neither evicts nor refuses writes for memory.
  if (repl::IsReplica() && Config().replica_ignore_maxmemory) return false;
  db::EvictResult r = RunEviction();
  if (r == db::EvictResult::kRunning && g_eviction_timer < 0)
    g_eviction_timer = Runtime().loop->CreateTimeEvent(0, EvictionTimeProc, nullptr);
  return r == db::EvictResult::kFail;
}

void OnEvicted(int db, std::string_view key) {
  commands::SignalKeyModified(db, key, nullptr);
  commands::NotifyKeyspaceEvent(commands::kNotifyEvicted, "evicted", key, db);
  commands::PropagateDeletion(db, key, db::GetEvictConfig().lazy);
}

}  // namespace

void ApplyMaxmemoryConfig() {
  const ServerConfig& cfg = Config();
  db::EvictConfig& ec = db::GetEvictConfig();
  ec.maxmemory = cfg.maxmemory;
  ec.policy = db::EvictPolicyFromName(cfg.maxmemory_policy);
  ec.samples = cfg.maxmemory_samples;
  ec.tenacity = cfg.maxmemory_eviction_tenacity;
  ec.lazy = cfg.lazyfree_lazy_eviction;
}

void InstallMaxmemoryHooks() {
  db::SetEvictedHook(OnEvicted);
  GetState().evict_before_command = EvictBeforeCommand;
}

size_t NotCountedMemory() { return AofEnabled() ? AofBufferBytes() : 0; }

size_t ClientEvictionLimit() {
  const ServerConfig& cfg = Config();
  size_t limit;
  if (cfg.maxmemory_clients < 0 && cfg.maxmemory > 0) {
    // A percentage of maxmemory, stored negated.
    limit = static_cast<size_t>(static_cast<double>(cfg.maxmemory) * static_cast<double>(-cfg.maxmemory_clients) / 100);
  } else if (cfg.maxmemory_clients > 0) {
    limit = static_cast<size_t>(cfg.maxmemory_clients);
  } else {
    return 0;
  }
  return std::max(limit, kMinClientEvictionLimit);
}

void UpdateClientMemory(Client* c) {
  if (ClientEvictionLimit() == 0 && c->mem_usage == 0) return;
  // A client already closing is not counted any more (EvictClients).
  const size_t now = (c->flags & commands::kClientCloseAsap) ? 0 : ClientMemory(*c);
  g_clients_memory = g_clients_memory - c->mem_usage + now;
  c->mem_usage = now;
}

void ForgetClientMemory(Client* c) {
  g_clients_memory -= c->mem_usage;
  c->mem_usage = 0;
}

void EvictClients() {
  const size_t limit = ClientEvictionLimit();
  if (limit == 0 || g_clients_memory < limit) return;
  std::vector<Client*> candidates;
  for (auto& [id, c] : Runtime().clients) {
    if (c->mem_usage == 0 || (c->flags & (commands::kClientNoEvict | commands::kClientCloseAsap))) continue;
    candidates.push_back(c.get());
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Client* a, const Client* b) { return a->mem_usage > b->mem_usage; });
  for (Client* c : candidates) {
    if (g_clients_memory < limit) break;
    LOG_NOTICE("Evicting client: %s", ClientInfoLine(*c).c_str());
    CloseClientAsync(c);
    ForgetClientMemory(c);
    g_evicted_clients++;
  }
}

uint64_t EvictedClients() { return g_evicted_clients; }

void ResetMaxmemoryStats() {
  db::GetEvictStats() = db::EvictStats();
  g_evicted_clients = 0;
  db::lazyfree::ResetStats();
}

}  // namespace server
