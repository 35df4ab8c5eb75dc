// INFO and CONFIG.
//
// INFO prints Redis 7.0's sections and field names (monitoring scrapes
// them), with true numbers, plus the tier fields in # Memory (README.md
// documents each). CONFIG GET/SET/RESETSTAT/REWRITE front the config table.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "alloc/residency.h"
#include "alloc/zmalloc.h"
#include "cluster/cluster.h"
#include "script/script.h"
#include "commands/blocking.h"
#include "commands/client.h"
#include "commands/dispatch.h"
#include "commands/registry.h"
#include "commands/pubsub.h"
#include "commands/state.h"
#include "commands/tracking.h"
#include "commands/version.h"
#include "common/clock.h"
#include "common/util.h"
#include "db/db.h"
#include "db/evict.h"
#include "db/lazyfree.h"
#include "db/tiering.h"
#include "object/lru.h"
#include "repl/replication.h"
#include "server/config.h"
#include "server/cli.h"
#include "server/info_field.h"
#include "server/maxmemory.h"
#include "server/memory_overhead.h"
#include "server/persistence.h"
#include "server/server.h"

namespace server {

void RegisterInfoConfigCommands(commands::Registry& r);

namespace {

using commands::Client;
using commands::GetState;

void FieldF(std::string& out, const char* name, double v) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%.2f", v);
  InfoField(out, name, std::string(buf));
}

size_t TotalSystemMemory() {
  return static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

void ServerSection(std::string& o) {
  ServerRuntime& rt = Runtime();
  struct utsname u;
  uname(&u);
  int64_t now_us = common::UsTime();
  int64_t uptime = (now_us / 1000 - rt.start_time_ms) / 1000;
  o += "# Server\r\n";
  InfoField(o, "redis_version", std::string(commands::kRedisVersion));
  InfoField(o, "redis_git_sha1", std::string("00000000"));
  InfoField(o, "redis_git_dirty", 0);
  InfoField(o, "redis_build_id", BuildId());
  InfoField(o, "redis_mode", std::string("standalone"));
  InfoField(o, "os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  InfoField(o, "arch_bits", 64);
  InfoField(o, "monotonic_clock", std::string("POSIX clock_gettime"));
  InfoField(o, "multiplexing_api", std::string("epoll"));
  InfoField(o, "atomicvar_api", std::string("c11-builtin"));
  InfoField(o, "gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                              std::to_string(__GNUC_PATCHLEVEL__));
  InfoField(o, "process_id", static_cast<int64_t>(getpid()));
  InfoField(o, "process_supervised", std::string("no"));
  InfoField(o, "run_id", rt.run_id);
  InfoField(o, "tcp_port", Config().port);
  InfoField(o, "server_time_usec", now_us);
  InfoField(o, "uptime_in_seconds", uptime);
  InfoField(o, "uptime_in_days", uptime / 86400);
  InfoField(o, "hz", rt.hz);
  InfoField(o, "configured_hz", Config().hz);
  InfoField(o, "lru_clock", static_cast<int64_t>(object::LruClock()));
  InfoField(o, "executable", rt.executable);
  InfoField(o, "config_file", rt.config_file);
  InfoField(o, "io_threads_active", 0);
  InfoField(o, "tieredis_version", std::string(commands::kTieredisVersion));
}

void ClientsSection(std::string& o) {
  ServerRuntime& rt = Runtime();
  size_t max_in = 0, max_out = 0;
  for (auto& [id, c] : rt.clients) {
    max_in = std::max(max_in, c->querybuf_peak);
    max_out = std::max(max_out, c->outbuf.capacity());
  }
  o += "# Clients\r\n";
  InfoField(o, "connected_clients", rt.clients.size());
  InfoField(o, "cluster_connections", 0);
  InfoField(o, "maxclients", Config().maxclients);
  InfoField(o, "client_recent_max_input_buffer", max_in);
  InfoField(o, "client_recent_max_output_buffer", max_out);
  InfoField(o, "blocked_clients", commands::BlockedClientCount());
  InfoField(o, "tracking_clients", commands::GetTrackingStats().clients);
  InfoField(o, "clients_in_timeout_table", 0);
}

// DRAM:NVM as "1:<nvm/dram>" with two decimals, e.g. "1:4.00".
std::string Ratio(size_t dram, size_t nvm) {
  char buf[64];
  snprintf(buf, sizeof(buf), "1:%.2f", dram ? static_cast<double>(nvm) / static_cast<double>(dram) : 0.0);
  return buf;
}

// "<prefix>_ratio" and "<prefix>_bytes", the pairs of INFO memory.
void RatioAndBytes(std::string& o, const std::string& prefix, double ratio, int64_t bytes) {
  FieldF(o, (prefix + "_ratio").c_str(), ratio);
  InfoField(o, (prefix + "_bytes").c_str(), bytes);
}

void MemorySection(std::string& o) {
  alloc::TierState ts = alloc::GetTierState();
  MemoryOverhead m = GetMemoryOverhead();
  const alloc::Stats& s = m.stats;  // the snapshot the totals above come from
  size_t used = m.total;
  size_t rss = m.rss;
  auto& cfg = Config();
  o += "# Memory\r\n";
  InfoField(o, "used_memory", used);
  InfoField(o, "used_memory_human", common::BytesToHuman(used));
  InfoField(o, "used_memory_rss", rss);
  InfoField(o, "used_memory_rss_human", common::BytesToHuman(rss));
  InfoField(o, "used_memory_peak", m.peak);
  InfoField(o, "used_memory_peak_human", common::BytesToHuman(m.peak));
  char perc[32];
  snprintf(perc, sizeof(perc), "%.2f%%", m.peak_perc);
  InfoField(o, "used_memory_peak_perc", std::string(perc));
  InfoField(o, "used_memory_overhead", m.overhead_total);
  InfoField(o, "used_memory_startup", m.startup);
  InfoField(o, "used_memory_dataset", m.dataset);
  snprintf(perc, sizeof(perc), "%.2f%%", m.dataset_perc);
  InfoField(o, "used_memory_dataset_perc", std::string(perc));
  InfoField(o, "allocator_allocated", m.allocated);
  InfoField(o, "allocator_active", m.active);
  InfoField(o, "allocator_resident", m.resident);
  InfoField(o, "total_system_memory", TotalSystemMemory());
  InfoField(o, "total_system_memory_human", common::BytesToHuman(TotalSystemMemory()));
  // Scripting, as Redis 7.0 lays it out: the EVAL VM (used_memory_lua is
  // its old name), the cached scripts, the functions VM and libraries.
  const script::ScriptMemory sm = script::GetScriptMemory();
  InfoField(o, "used_memory_lua", static_cast<uint64_t>(sm.lua_vm));
  InfoField(o, "used_memory_vm_eval", static_cast<uint64_t>(sm.lua_vm));
  InfoField(o, "used_memory_lua_human", common::BytesToHuman(sm.lua_vm));
  InfoField(o, "used_memory_scripts_eval", static_cast<uint64_t>(sm.eval_scripts));
  InfoField(o, "number_of_cached_scripts", static_cast<uint64_t>(sm.cached_scripts));
  InfoField(o, "number_of_functions", static_cast<uint64_t>(sm.num_functions));
  InfoField(o, "number_of_libraries", static_cast<uint64_t>(sm.num_libraries));
  InfoField(o, "used_memory_vm_functions", static_cast<uint64_t>(sm.functions_vm));
  InfoField(o, "used_memory_vm_total", static_cast<uint64_t>(sm.lua_vm + sm.functions_vm));
  InfoField(o, "used_memory_vm_total_human", common::BytesToHuman(sm.lua_vm + sm.functions_vm));
  InfoField(o, "used_memory_functions", static_cast<uint64_t>(sm.functions));
  InfoField(o, "used_memory_scripts", static_cast<uint64_t>(sm.eval_scripts + sm.functions));
  InfoField(o, "used_memory_scripts_human", common::BytesToHuman(sm.eval_scripts + sm.functions));
  InfoField(o, "maxmemory", static_cast<int64_t>(cfg.maxmemory));
  InfoField(o, "maxmemory_human", common::BytesToHuman(static_cast<uint64_t>(cfg.maxmemory)));
  InfoField(o, "maxmemory_policy", cfg.maxmemory_policy);
  RatioAndBytes(o, "allocator_frag", m.frag_ratio, m.frag_bytes);
  RatioAndBytes(o, "allocator_rss", m.rss_ratio, m.rss_bytes);
  RatioAndBytes(o, "rss_overhead", m.rss_overhead_ratio, m.rss_overhead_bytes);
  RatioAndBytes(o, "mem_fragmentation", m.fragmentation, m.fragmentation_bytes);
  InfoField(o, "mem_not_counted_for_evict", NotCountedMemory());
  InfoField(o, "mem_replication_backlog", static_cast<int64_t>(m.repl_backlog));
  InfoField(o, "mem_total_replication_buffers", static_cast<int64_t>(m.repl_backlog + m.clients_slaves));
  InfoField(o, "mem_clients_slaves", static_cast<int64_t>(m.clients_slaves));
  InfoField(o, "mem_clients_normal", m.clients_normal);
  InfoField(o, "mem_cluster_links", static_cast<int64_t>(Config().cluster_enabled ? cluster::LinksMemory() : 0));
  InfoField(o, "mem_aof_buffer", m.aof_buffer);
  InfoField(o, "mem_allocator", std::string(alloc::AllocatorName()));
  InfoField(o, "active_defrag_running", 0);
  InfoField(o, "lazyfree_pending_objects", db::lazyfree::PendingObjects());
  InfoField(o, "lazyfreed_objects", db::lazyfree::FreedObjects());
  // Tiers (documented in README.md "INFO fields").
  InfoField(o, "tier_mode", std::string(alloc::ModeName(ts.mode)));
  InfoField(o, "tier_policy", std::string(alloc::PolicyName(alloc::GetPlacement().policy)));
  InfoField(o, "tier_nvm_node", ts.nvm_node);
  InfoField(o, "tier_nvm_node_reason", ts.node_reason);
  InfoField(o, "tier_nvm_min_size", alloc::EffectiveThreshold());
  InfoField(o, "tier_keys", std::string(alloc::KeysTierName(alloc::GetPlacement().keys)));
  InfoField(o, "used_memory_dram", s.dram.used);
  InfoField(o, "used_memory_dram_human", common::BytesToHuman(s.dram.used));
  InfoField(o, "used_memory_dram_peak", s.dram.peak);
  InfoField(o, "used_memory_nvm", s.nvm.used);
  InfoField(o, "used_memory_nvm_human", common::BytesToHuman(s.nvm.used));
  InfoField(o, "used_memory_nvm_peak", s.nvm.peak);
  InfoField(o, "dram_nvm_ratio", Ratio(s.dram.used, s.nvm.used));
  // The tiering engine (db/tiering.h).
  const db::tiering::Stats& tst = db::tiering::GetStats();
  InfoField(o, "tier_ratio_target", db::tiering::RatioTarget());
  InfoField(o, "tier_dram_target", tst.dram_target);
  InfoField(o, "tier_reads_dram", tst.reads_dram);
  InfoField(o, "tier_reads_nvm", tst.reads_nvm);
  InfoField(o, "tier_promotions", tst.promotions);
  InfoField(o, "tier_demotions", tst.demotions);
  InfoField(o, "tier_promoted_bytes", tst.promoted_bytes);
  InfoField(o, "tier_demoted_bytes", tst.demoted_bytes);
  InfoField(o, "tier_failed_moves", tst.failed_moves);
  InfoField(o, "tier_migration_paused", tst.paused ? 1 : 0);
  InfoField(o, "tier_scan_passes", tst.passes);
  InfoField(o, "tier_payload_dram", tst.payload_dram);
  InfoField(o, "tier_payload_nvm", tst.payload_nvm);
  InfoField(o, "tier_metadata_dram", tst.metadata);
  InfoField(o, "tier_metadata_over_budget", tst.metadata_over_budget ? 1 : 0);
  InfoField(o, "nvm_allocator_allocated", s.nvm.allocated);
  InfoField(o, "nvm_allocator_active", s.nvm.active);
  InfoField(o, "nvm_allocator_resident", s.nvm.resident);
  InfoField(o, "nvm_reserved", s.nvm_reserved);
  InfoField(o, "nvm_limit", s.nvm_limit);
  InfoField(o, "nvm_carved", s.nvm_carved);
  InfoField(o, "nvm_allocs", s.nvm_allocs);
  InfoField(o, "nvm_fallback_allocs", s.nvm_fallback_full);
  InfoField(o, "nvm_fallback_unavailable", s.nvm_fallback_unavailable);
  InfoField(o, "nvm_bind_failures", s.nvm_bind_failures);
  // Physical truth, refreshed once a second by cron (alloc/residency.h).
  alloc::Residency res = alloc::GetResidency();
  char range[48] = "none";  // in /proc/PID/maps's spelling, to grep numa_maps by hand
  if (ts.nvm_hi > ts.nvm_lo)
    snprintf(range, sizeof(range), "%" PRIxPTR "-%" PRIxPTR, ts.nvm_lo, ts.nvm_hi);
  InfoField(o, "nvm_range", std::string(range));
  InfoField(o, "tier_nvm_measured_node", res.node);
  InfoField(o, "used_memory_nvm_on_node", res.nvm_on_node);
  InfoField(o, "used_memory_nvm_spilled", res.nvm_spilled);
  InfoField(o, "used_memory_dram_on_nvm_node", res.dram_on_node);
  InfoField(o, "dram_anon_resident", res.dram_resident);
  InfoField(o, "tier_nvm_node_total", res.node_total);
  InfoField(o, "tier_nvm_node_free", res.node_free);
  InfoField(o, "tier_residency_exact", res.exact ? 1 : 0);
}

void PersistenceSection(std::string& o) { AppendPersistenceInfo(o); }  // server/persistence.cc

void StatsSection(std::string& o) {
  auto& st = GetState().stats;
  auto& ds = db::GetStats();
  ServerRuntime& rt = Runtime();
  o += "# Stats\r\n";
  InfoField(o, "total_connections_received", st.numconnections);
  InfoField(o, "total_commands_processed", st.numcommands);
  InfoField(o, "instantaneous_ops_per_sec", static_cast<int64_t>(rt.inst_ops_per_sec));
  InfoField(o, "total_net_input_bytes", st.net_input_bytes);
  InfoField(o, "total_net_output_bytes", st.net_output_bytes);
  InfoField(o, "total_net_repl_input_bytes", 0);
  InfoField(o, "total_net_repl_output_bytes", 0);
  FieldF(o, "instantaneous_input_kbps", rt.inst_input_kbps);
  FieldF(o, "instantaneous_output_kbps", rt.inst_output_kbps);
  FieldF(o, "instantaneous_input_repl_kbps", 0);
  FieldF(o, "instantaneous_output_repl_kbps", 0);
  InfoField(o, "rejected_connections", st.rejected_conn);
  const repl::SyncStats rs = repl::GetSyncStats();
  InfoField(o, "sync_full", static_cast<int64_t>(rs.full));
  InfoField(o, "sync_partial_ok", static_cast<int64_t>(rs.partial_ok));
  InfoField(o, "sync_partial_err", static_cast<int64_t>(rs.partial_err));
  InfoField(o, "expired_keys", ds.expired_keys);
  InfoField(o, "expired_stale_perc", std::string(std::to_string(ds.expired_stale_perc) + ".00"));
  InfoField(o, "expired_time_cap_reached_count", ds.expired_time_cap_reached_count);
  InfoField(o, "expire_cycle_cpu_milliseconds", ds.expire_cycle_cpu_milliseconds);
  const db::EvictStats& es = db::GetEvictStats();
  const uint64_t exceeded_now_us =
      es.exceeded_since_us ? common::MonotonicUs() - static_cast<uint64_t>(es.exceeded_since_us) : 0;
  InfoField(o, "evicted_keys", es.evicted_keys);
  InfoField(o, "evicted_clients", EvictedClients());
  InfoField(o, "total_eviction_exceeded_time", (es.exceeded_total_us + exceeded_now_us) / 1000);
  InfoField(o, "current_eviction_exceeded_time", exceeded_now_us / 1000);
  InfoField(o, "keyspace_hits", ds.keyspace_hits);
  InfoField(o, "keyspace_misses", ds.keyspace_misses);
  InfoField(o, "pubsub_channels", commands::PubsubChannelCount(commands::PubsubKind::kChannel));
  InfoField(o, "pubsub_patterns", commands::PubsubChannelCount(commands::PubsubKind::kPattern));
  InfoField(o, "pubsubshard_channels", commands::PubsubChannelCount(commands::PubsubKind::kShard));
  AppendForkStats(o);
  InfoField(o, "migrate_cached_sockets", 0);
  InfoField(o, "slave_expires_tracked_keys", 0);
  InfoField(o, "active_defrag_hits", 0);
  InfoField(o, "active_defrag_misses", 0);
  InfoField(o, "active_defrag_key_hits", 0);
  InfoField(o, "active_defrag_key_misses", 0);
  InfoField(o, "total_active_defrag_time", 0);
  InfoField(o, "current_active_defrag_time", 0);
  const commands::TrackingStats ts_tracking = commands::GetTrackingStats();
  InfoField(o, "tracking_total_keys", ts_tracking.keys);
  InfoField(o, "tracking_total_items", ts_tracking.items);
  InfoField(o, "tracking_total_prefixes", ts_tracking.prefixes);
  InfoField(o, "unexpected_error_replies", st.unexpected_error_replies);
  InfoField(o, "total_error_replies", st.total_error_replies);
  InfoField(o, "dump_payload_sanitizations", st.dump_payload_sanitizations);
  InfoField(o, "total_reads_processed", st.total_reads_processed);
  InfoField(o, "total_writes_processed", st.total_writes_processed);
  InfoField(o, "io_threaded_reads_processed", 0);
  InfoField(o, "io_threaded_writes_processed", 0);
  InfoField(o, "reply_buffer_shrinks", 0);
  InfoField(o, "reply_buffer_expands", 0);
}

void ReplicationSection(std::string& o) { repl::AppendInfo(o); }

void CpuSection(std::string& o) {
  struct rusage self, children, thread;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  auto secs = [](const timeval& tv) {
    char b[32];
    snprintf(b, sizeof(b), "%ld.%06ld", static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec));
    return std::string(b);
  };
  o += "# CPU\r\n";
  InfoField(o, "used_cpu_sys", secs(self.ru_stime));
  InfoField(o, "used_cpu_user", secs(self.ru_utime));
  InfoField(o, "used_cpu_sys_children", secs(children.ru_stime));
  InfoField(o, "used_cpu_user_children", secs(children.ru_utime));
  InfoField(o, "used_cpu_sys_main_thread", secs(thread.ru_stime));
  InfoField(o, "used_cpu_user_main_thread", secs(thread.ru_utime));
}

void CommandStatsSection(std::string& o) {
  o += "# Commandstats\r\n";
  auto emit = [&](const commands::CommandSpec& c) {
    if (c.stats.calls == 0 && c.stats.rejected_calls == 0 && c.stats.failed_calls == 0) return;
    char buf[512];
    snprintf(buf, sizeof(buf), "cmdstat_%s:calls=%" PRIu64 ",usec=%" PRIu64
             ",usec_per_call=%.2f,rejected_calls=%" PRIu64 ",failed_calls=%" PRIu64 "\r\n",
             c.full_name.c_str(), c.stats.calls, c.stats.usec,
             c.stats.calls ? static_cast<double>(c.stats.usec) / static_cast<double>(c.stats.calls) : 0.0,
             c.stats.rejected_calls, c.stats.failed_calls);
    o += buf;
  };
  commands::Registry::Get().ForEachCommand(emit);
}

// One line per command that has run while latency-tracking was on:
// latency_percentiles_usec_<name>:p50=<us>,p99=<us>,p99.9=<us> for the
// configured percentiles (Redis's fillPercentileDistributionLatencies).
void LatencyStatsSection(std::string& o) {
  o += "# Latencystats\r\n";
  const std::vector<double>& percentiles = Config().latency_tracking_info_percentiles;
  auto emit = [&](const commands::CommandSpec& c) {
    const common::LatencyHistogram& h = c.stats.latency;
    if (h.empty()) return;
    o += "latency_percentiles_usec_" + c.full_name + ":";
    char buf[64];
    for (size_t i = 0; i < percentiles.size(); i++) {
      if (i > 0) o += ',';
      snprintf(buf, sizeof(buf), "=%.3f", static_cast<double>(h.ValueAtPercentile(percentiles[i])) / 1000.0);
      o += "p" + FormatPercentile(percentiles[i]) + buf;
    }
    o += "\r\n";
  };
  commands::Registry::Get().ForEachCommand(emit);
}

void ErrorStatsSection(std::string& o) {
  o += "# Errorstats\r\n";
  for (auto& [code, n] : GetState().stats.errors) o += "errorstat_" + code + ":count=" + std::to_string(n) + "\r\n";
}

void KeyspaceSection(std::string& o) {
  o += "# Keyspace\r\n";
  for (auto* d : GetState().db_ptrs) {
    if (d->size() == 0) continue;
    o += "db" + std::to_string(d->id()) + ":keys=" + std::to_string(d->size()) +
         ",expires=" + std::to_string(d->expires_size()) + ",avg_ttl=" + std::to_string(d->avg_ttl) + "\r\n";
  }
}

struct Section {
  const char* name;
  void (*gen)(std::string&);
  bool in_default;
};

void ModulesSection(std::string& o) { o += "# Modules\r\n"; }
void ClusterSection(std::string& o) {
  o += "# Cluster\r\n";
  InfoField(o, "cluster_enabled", Config().cluster_enabled ? 1 : 0);
}

const Section kSections[] = {
    {"server", ServerSection, true},           {"clients", ClientsSection, true},
    {"memory", MemorySection, true},           {"persistence", PersistenceSection, true},
    {"stats", StatsSection, true},             {"replication", ReplicationSection, true},
    {"cpu", CpuSection, true},                 {"modules", ModulesSection, true},
    {"commandstats", CommandStatsSection, false}, {"errorstats", ErrorStatsSection, true},
    {"latencystats", LatencyStatsSection, false}, {"cluster", ClusterSection, true},
    {"keyspace", KeyspaceSection, true},
};

void InfoCommand(Client& c) {
  std::vector<std::string> sections;
  for (size_t i = 1; i < c.argv.size(); i++) sections.push_back(common::ToLower(c.argv[i]));
  std::string text = GenInfo(sections);
  c.reply.Verbatim(text, "txt");
}

// ---- CONFIG ----

void ConfigGetCommand(Client& c) {
  std::vector<std::string> patterns;
  for (size_t i = 2; i < c.argv.size(); i++) patterns.emplace_back(c.argv[i]);
  auto pairs = ConfigRegistry::Get().GetMatching(patterns);
  c.reply.MapHeader(pairs.size());
  for (auto& [k, v] : pairs) {
    c.reply.Bulk(k);
    c.reply.Bulk(v);
  }
}

void ConfigSetCommand(Client& c) {
  // CONFIG SET takes pairs: an odd count of 5 or more arguments is a
  // syntax error in Redis 7.0 (4 or fewer fail the arity check first).
  if (c.argv.size() % 2 != 0) {
    c.AddSyntaxError();
    return;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 2; i + 1 < c.argv.size(); i += 2) pairs.emplace_back(std::string(c.argv[i]), std::string(c.argv[i + 1]));
  // enable-protected-configs local: allowed from a local client only.
  common::Status st = ConfigRegistry::Get().Set(pairs, IsLocalClient(c));
  if (!st.ok()) {
    c.AddError(st.message());
    return;
  }
  st = ApplyConfigMirrors();
  if (!st.ok()) {
    c.AddError("ERR " + st.message());
    return;
  }
  c.reply.Ok();
}

void ConfigResetStatCommand(Client& c) {
  auto& st = GetState();
  st.stats = commands::ServerStats();
  db::GetStats() = db::Stats();
  ResetMaxmemoryStats();
  db::tiering::ResetStats();
  // Calls, times and latency histograms (whose memory this frees).
  commands::Registry::Get().ForEachCommand([](const commands::CommandSpec& cmd) { cmd.stats = commands::CommandStats(); });
  commands::Slowlog().clear();
  c.reply.Ok();
}

void ConfigRewriteCommand(Client& c) {
  const std::string& path = Runtime().config_file;
  if (path.empty()) {
    c.AddError("ERR The server is running without a config file");
    return;
  }
  common::Status st = ConfigRegistry::Get().Rewrite(path);
  if (!st.ok()) {
    c.AddError("ERR Rewriting config file: " + st.message());
    return;
  }
  c.reply.Ok();
}

void ConfigHelpCommand(Client& c) {
  ReplyHelp(c, "CONFIG",
            {
                "GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command.",
                "REWRITE",
                "    Rewrite the configuration file.",
            });
}

}  // namespace

std::string GenInfo(const std::vector<std::string>& requested) {
  std::set<std::string> want;
  bool all = false, everything = false, defaults = requested.empty();
  for (const auto& s : requested) {
    if (s == "all") {
      all = true;
    } else if (s == "everything") {
      everything = true;
    } else if (s == "default") {
      defaults = true;
    } else {
      want.insert(s);
    }
  }
  std::string out;
  for (const Section& s : kSections) {
    bool on = everything || all || want.count(s.name) || (defaults && s.in_default);
    if (!on) continue;
    if (!out.empty()) out += "\r\n";
    s.gen(out);
  }
  return out;
}

void RegisterInfoConfigCommands(commands::Registry& r) {
  using namespace commands;
  r.Add({"info", -1, kLoading | kStale, 0, 0, 0, InfoCommand, "server",
         "Returns information and statistics about the server.", "1.0.0", kCatSlow | kCatDangerous});
  CommandSpec config{"config", -2, 0, 0, 0, 0, nullptr, "server", "A container for server configuration commands.",
                     "2.0.0", kCatSlow};
  const uint32_t kCfg = kAdmin | kNoScript | kLoading | kStale;
  config.subcommands = {
      {"get", -3, kCfg, 0, 0, 0, ConfigGetCommand, "server", "Returns the effective values of configuration parameters.",
       "2.0.0", kCatAdmin | kCatSlow | kCatDangerous},
      {"set", -4, kCfg, 0, 0, 0, ConfigSetCommand, "server", "Sets configuration parameters in-flight.",
       "2.0.0", kCatAdmin | kCatSlow | kCatDangerous},
      {"resetstat", 2, kCfg, 0, 0, 0, ConfigResetStatCommand, "server", "Resets the server's statistics.", "2.0.0",
       kCatAdmin | kCatSlow | kCatDangerous},
      {"rewrite", 2, kCfg, 0, 0, 0, ConfigRewriteCommand, "server",
       "Persists the effective configuration to file.", "2.8.0", kCatAdmin | kCatSlow | kCatDangerous},
      {"help", 2, kLoading | kStale, 0, 0, 0, ConfigHelpCommand, "server", "Returns helpful text about the different subcommands.",
       "5.0.0", kCatSlow},
  };
  r.Add(std::move(config));
}

}  // namespace server
