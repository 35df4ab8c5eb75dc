// Memory limits as the server applies them, around db/evict.h:
//  - key eviction before each command (Redis's processCommand calls
//    performEvictions whenever maxmemory is set), continued from a timer
//    when it ran out of time, and what an evicted key raises (its
//    `evicted` keyspace event, WATCH, the DEL propagated to the AOF);
//  - client eviction (maxmemory-clients, Redis 7.0): every normal client's
//    buffers counted, and the biggest clients closed first when the total
//    passes the limit, except those with CLIENT NO-EVICT on.
#pragma once

#include <cstddef>
#include <cstdint>

#include "commands/client.h"

namespace server {

// Mirrors maxmemory, maxmemory-policy, -samples, -eviction-tenacity and
// lazyfree-lazy-eviction into db::GetEvictConfig(). From ApplyConfigMirrors.
void ApplyMaxmemoryConfig();
// Installs the evicted-key hook and the dispatcher's eviction hook.
void InstallMaxmemoryHooks();

// Bytes of used memory that do not count against maxmemory (the AOF
// buffer; replica output buffers once replication exists), as Redis's
// freeMemoryGetNotCountedMemory. INFO mem_not_counted_for_evict.
size_t NotCountedMemory();

// ---- clients ----

// Re-measures c (ClientMemory, server/memory_overhead.h) after it read, ran
// commands or wrote: the running total
// client eviction compares with the limit. Cheap no-op while
// maxmemory-clients is off.
void UpdateClientMemory(commands::Client* c);
// Drops c from the total (it is being freed).
void ForgetClientMemory(commands::Client* c);
// Closes the biggest evictable clients while the clients' total is at or
// above the maxmemory-clients limit. Clients are closed asynchronously
// (after the current event), and stop running commands at once.
void EvictClients();
// The limit in bytes (0: off): maxmemory-clients, or its percentage of
// maxmemory, never below 128 KiB (so a bad setting cannot lock everyone
// out), as Redis's getClientEvictionLimit.
size_t ClientEvictionLimit();
uint64_t EvictedClients();

// CONFIG RESETSTAT: evicted keys and clients, the eviction-exceeded time,
// lazyfreed_objects.
void ResetMaxmemoryStats();

}  // namespace server
