// Where the memory goes, as Redis's getMemoryOverheadData: the numbers
// behind INFO memory (used_memory_overhead, used_memory_startup,
// used_memory_dataset, used_memory_dataset_perc, mem_clients_normal,
// mem_aof_buffer), MEMORY STATS and MEMORY DOCTOR, computed in one place so
// they agree.
//
// overhead = the memory in use at start-up (after initialisation, before
// loading) + client buffers + the AOF buffer + the keyspace's and expires'
// dict tables and entries with the value headers (per non-empty db);
// dataset = used - overhead. Costs O(clients + dbs), no keyspace walk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "alloc/zmalloc.h"
#include "commands/client.h"

namespace server {

struct MemoryOverhead {
  size_t peak = 0, total = 0, startup = 0, clients_normal = 0, aof_buffer = 0, overhead_total = 0;
  size_t clients_slaves = 0, repl_backlog = 0;  // replicas' buffers, the replication backlog
  struct DbOverhead {
    int id;
    size_t main, expires;
  };
  std::vector<DbOverhead> dbs;
  size_t keys = 0, bytes_per_key = 0, dataset = 0;
  double dataset_perc = 0, peak_perc = 0;
  size_t allocated = 0, active = 0, resident = 0, rss = 0;
  double frag_ratio = 0, rss_ratio = 0, rss_overhead_ratio = 0, fragmentation = 0;
  int64_t frag_bytes = 0, rss_bytes = 0, rss_overhead_bytes = 0, fragmentation_bytes = 0;
  alloc::Stats stats;  // the allocator's counters all of the above come from
};

// Also raises the recorded peak when used memory is above it.
MemoryOverhead GetMemoryOverhead();

// a / b, 0 when b is 0.
double Ratio(size_t a, size_t b);

// Resident set size of the process, from /proc/self/statm (0 if unknown).
size_t ProcessRss();

// A client's memory (CLIENT LIST argv-mem, multi-mem, tot-mem; the clients
// part of the overhead): its struct, buffers, arguments and queued MULTI.
size_t ArgvMem(const commands::Client& c);
size_t MultiMem(const commands::Client& c);
size_t ClientMemory(const commands::Client& c);

}  // namespace server
