#include "server/memory_overhead.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "alloc/zmalloc.h"
#include "commands/state.h"
#include "db/db.h"
#include "ds/dict.h"
#include "object/object.h"
#include "repl/replication.h"
#include "server/persistence.h"
#include "server/server.h"

namespace server {

double Ratio(size_t a, size_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0; }

size_t ProcessRss() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, rss = 0;
  int n = fscanf(f, "%lu %lu", &size, &rss);
  fclose(f);
  return n == 2 ? rss * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

size_t ArgvMem(const commands::Client& c) {
  size_t n = 0;
  for (auto a : c.argv) n += a.size();
  return n;
}

size_t MultiMem(const commands::Client& c) {
  size_t n = 0;
  for (const auto& q : c.mstate) {
    n += sizeof(q) + q.argv.capacity() * sizeof(std::string);
    for (const auto& a : q.argv) n += a.size();
  }
  return n;
}

size_t ClientMemory(const commands::Client& c) {
  return sizeof(commands::Client) + c.querybuf.capacity() + c.outbuf.capacity() + ArgvMem(c) + MultiMem(c);
}

MemoryOverhead GetMemoryOverhead() {
  MemoryOverhead m;
  m.stats = alloc::GetStats();
  const alloc::Stats& s = m.stats;
  ServerRuntime& rt = Runtime();
  m.total = s.dram.used + s.nvm.used;
  if (static_cast<int64_t>(m.total) > rt.stat_peak_memory) rt.stat_peak_memory = static_cast<int64_t>(m.total);
  m.peak = std::max(s.dram.peak + s.nvm.peak, static_cast<size_t>(rt.stat_peak_memory));
  m.startup = rt.startup_allocated;
  for (auto& [id, cl] : rt.clients)
    ((cl->flags & commands::kClientSlave) ? m.clients_slaves : m.clients_normal) += ClientMemory(*cl);
  m.aof_buffer = AofBufferBytes();
  m.repl_backlog = repl::BacklogBytes();
  m.overhead_total = m.startup + m.clients_normal + m.clients_slaves + m.repl_backlog + m.aof_buffer;
  for (db::Db* d : commands::GetState().db_ptrs) {
    if (d->size() == 0) continue;
    m.keys += d->size();
    // The table and entries of each dict, object headers included (as
    // Redis counts dictEntry and robj per key). The entries' fixed part is
    // counted, not their key strings: O(1), as Redis's.
    size_t main = d->dict().TablesMemoryUsage() + d->size() * (sizeof(ds::DictEntry) + sizeof(object::Object));
    size_t expires = d->expires().MemoryUsage();
    m.dbs.push_back({d->id(), main, expires});
    m.overhead_total += main + expires;
  }
  // As Redis: percentages and bytes per key are of what was added since
  // start-up (at least 1 byte, so an empty server divides by 1).
  size_t net = m.total > m.startup ? m.total - m.startup : 1;
  m.dataset = m.total > m.overhead_total ? m.total - m.overhead_total : 0;
  m.bytes_per_key = m.keys ? net / m.keys : 0;
  m.dataset_perc = 100.0 * Ratio(m.dataset, net);
  m.peak_perc = 100.0 * Ratio(m.total, m.peak);
  m.allocated = s.dram.allocated + s.nvm.allocated;
  m.active = s.dram.active + s.nvm.active;
  m.resident = s.dram.resident + s.nvm.resident;
  m.rss = ProcessRss();
  m.frag_ratio = Ratio(m.active, m.allocated);
  m.frag_bytes = static_cast<int64_t>(m.active) - static_cast<int64_t>(m.allocated);
  m.rss_ratio = Ratio(m.resident, m.active);
  m.rss_bytes = static_cast<int64_t>(m.resident) - static_cast<int64_t>(m.active);
  m.rss_overhead_ratio = Ratio(m.rss, m.resident);
  m.rss_overhead_bytes = static_cast<int64_t>(m.rss) - static_cast<int64_t>(m.resident);
  m.fragmentation = Ratio(m.rss, m.total);
  m.fragmentation_bytes = static_cast<int64_t>(m.rss) - static_cast<int64_t>(m.total);
  return m;
}

}  // namespace server
