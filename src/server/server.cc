#include "server/server.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "alloc/residency.h"
#include "alloc/zmalloc.h"
#include "cluster/cluster.h"
#include "commands/blocking.h"
#include "commands/dispatch.h"
#include "commands/pause.h"
#include "commands/pubsub.h"
#include "commands/registry.h"
#include "commands/tracking.h"
#include "commands/state.h"
#include "commands/transactions.h"
#include "commands/version.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "db/tiering.h"
#include "ds/dict.h"
#include "object/lru.h"
#include "repl/replication.h"
#include "server/cli.h"
#include "server/config.h"
#include "server/crash.h"
#include "server/debug.h"
#include "server/logo.h"
#include "server/maxmemory.h"
#include "server/networking.h"
#include "server/oom_score.h"
#include "server/persistence.h"
#include "script/script.h"

namespace server {
namespace {

using commands::GetState;

volatile sig_atomic_t g_signal = 0;


void OnSignal(int sig) { g_signal = sig; }

void InstallSignals() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

// ---- the loop hooks ----

void BeforeSleep(net::EventLoop*) {
  ProcessUnblockedClients();
  repl::BeforeSleep();
  if (Config().cluster_enabled) cluster::BeforeSleep();
  EvictClients();
  // The AOF reaches the disk (and under appendfsync always, fsync) before
  // any reply to the writes it holds leaves.
  PersistenceBeforeSleep();
  // Fast expire cycle would go here (Redis's ACTIVE_EXPIRE_CYCLE_FAST).
  commands::TrackingBeforeSleep(Config().tracking_table_max_keys);
  // Promotions queued by this iteration's reads (db/tiering.h): after the
  // commands, before their replies leave (replies are copies).
  db::tiering::BeforeSleep(GetState().db_ptrs);
  WritePendingClients();
  FreeClosingClients();
}

void DatabasesCron(int64_t now_ms) {
  auto& st = GetState();
  // While clients are paused the dataset stays as it is: no active expiry
  // (commands/pause.h).
  // A replica's keys expire by its master's DELs only.
  if (ActiveExpireEnabled() && repl::ActiveExpireAllowed() && !commands::CheckClientPauseTimeout(now_ms)) {
    // Redis's slow cycle uses up to 25% of CPU time per cron period.
    int64_t budget_us = 1000000 / Runtime().hz * 25 / 100;
    db::ActiveExpireCycle(st.db_ptrs, Config().active_expire_effort, budget_us);
  }
  for (auto* d : st.db_ptrs) {
    d->dict().ShrinkIfNeeded();
    d->expires().ShrinkIfNeeded();
  }
  db::tiering::Cron(st.db_ptrs, now_ms, 1000000 / Runtime().hz);
  if (Config().activerehashing) {
    for (auto* d : st.db_ptrs) {
      if (d->dict().IsRehashing()) {
        d->dict().RehashMilliseconds(1);
        break;
      }
      if (d->expires().IsRehashing()) {
        d->expires().RehashMilliseconds(1);
        break;
      }
    }
  }
}

void SampleMetrics(int64_t now_ms) {
  ServerRuntime& rt = Runtime();
  auto& stats = GetState().stats;
  auto& s = rt.last_sample;
  if (s.time_ms != 0 && now_ms > s.time_ms) {
    double secs = static_cast<double>(now_ms - s.time_ms) / 1000.0;
    rt.inst_ops_per_sec = static_cast<double>(stats.numcommands - s.commands) / secs;
    rt.inst_input_kbps = static_cast<double>(stats.net_input_bytes - s.net_in) / secs / 1024;
    rt.inst_output_kbps = static_cast<double>(stats.net_output_bytes - s.net_out) / secs / 1024;
  }
  s = {now_ms, stats.numcommands, stats.net_input_bytes, stats.net_output_bytes};
}

// A shutdown waiting for lagging replicas (ShutdownAfterReplicas).
struct ShutdownWait {
  bool active = false;
  int64_t deadline_ms = 0;
  int64_t offset = 0;       // what the replicas must acknowledge
  uint64_t client_id = 0;   // the SHUTDOWN caller, 0 for a signal
  bool nosave = false, save = false, force = false;
};
ShutdownWait g_shutdown_wait;

// Ends the wait: the SHUTDOWN caller (if still there) gets `error` and
// resumes, writes flow again.
void EndShutdownWait(const char* error) {
  ShutdownWait& w = g_shutdown_wait;
  w.active = false;
  commands::UnpauseClients();
  if (Client* c = w.client_id ? FindClient(w.client_id) : nullptr) {
    c->flags &= ~commands::kClientBlocked;
    c->AddError(error);
    ProcessInput(c);
  }
}

void ShutdownWaitCron(int64_t now_ms) {
  ShutdownWait& w = g_shutdown_wait;
  if (!w.active) return;
  const bool timed_out = now_ms >= w.deadline_ms;
  if (repl::ReplicasBehind(w.offset, timed_out) && !timed_out) return;
  if (PrepareForShutdown(w.nosave, w.save, w.force)) exit(0);
  EndShutdownWait("ERR Errors trying to SHUTDOWN. Check logs.");
}

// repl/'s view of the server (repl::Hooks).
void InstallReplicationHooks() {
  repl::Hooks& h = repl::GetHooks();
  h.loop = Runtime().loop.get();
  h.start_bgsave = StartBgsaveForReplication;
  h.start_bgsave_to_fd = StartBgsaveToFd;
  h.child_active = [] { return ActiveChild() != ChildType::kNone; };
  h.create_client = CreateClientForFd;
  h.free_client = FreeClientNow;
  h.process_input = ProcessInput;
  h.load_rdb = LoadRdbForReplication;
  h.load_rdb_data = LoadRdbDataForReplication;
  h.feed_changed = UpdatePropagation;
  h.master_changed = [](const std::string& host, int port) {
    Config().replicaof_host = host;
    Config().replicaof_port = port;
    SetOomServerClass(host.empty() ? OomClass::kMaster : OomClass::kReplica);
  };
  GetState().replication_denied = repl::CommandDenied;
  repl::Init();
}

int64_t ServerCron(net::EventLoop*, int64_t, void*) {
  ServerRuntime& rt = Runtime();
  if (CronPaused()) return 1000 / rt.hz;  // DEBUG PAUSE-CRON 1
  int64_t now = common::MsTime();
  db::SetNow(now);
  object::SetClocks(now);
  alloc::UpdatePeaks();
  if (g_signal) {
    int sig = g_signal;
    g_signal = 0;
    LOG_WARNING("Received %s scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
    if (!ShutdownAfterReplicas(nullptr, false, false, false) && PrepareForShutdown(false, false, false)) exit(0);
  }
  // Once a second: metrics, and where the tiers' pages physically are.
  if (rt.cronloops % static_cast<uint64_t>(rt.hz) == 0) {
    SampleMetrics(now);
    alloc::RefreshResidency();
  }
  ResumeAccepting();
  // Ends a CLIENT PAUSE whose deadline passed, resuming its clients.
  commands::CheckClientPauseTimeout(now);
  ClientsCron(now);
  DatabasesCron(now);
  PersistenceCron();
  repl::Cron(now);
  if (Config().cluster_enabled) cluster::Cron(now);
  cluster::MigrateCloseIdleSockets(now);
  ShutdownWaitCron(now);
  // On a replica a read hides a logically expired key without deleting it
  // (the master's DEL does), as Redis 7.0; a pause holds deletions too.
  if (commands::CurrentPause() == commands::PauseType::kNone) db::SetLazyExpireDeletes(!repl::IsReplica());
  rt.cronloops++;
  return 1000 / rt.hz;
}

}  // namespace

ServerRuntime& Runtime() {
  static ServerRuntime* rt = new ServerRuntime();
  return *rt;
}

bool ShutdownAfterReplicas(Client* c, bool nosave, bool save, bool force) {
  ShutdownWait& w = g_shutdown_wait;
  if (w.active) return true;  // already waiting: this request joins it
  const int timeout = Config().shutdown_timeout;
  const int64_t offset = repl::MasterReplOffset();
  if (timeout <= 0 || repl::IsReplica() || !repl::ReplicasBehind(offset, false)) return false;
  const int64_t now = common::MsTime();
  w = {true, now + int64_t{timeout} * 1000, offset, c ? c->id : 0, nosave, save, force};
  LOG_NOTICE("Waiting for replicas before shutting down.");
  commands::PauseClients(w.deadline_ms, commands::PauseType::kWrite);
  repl::RequestAcks();
  if (c != nullptr) c->flags |= commands::kClientBlocked;
  return true;
}

bool AbortShutdownWait() {
  if (!g_shutdown_wait.active) return false;
  LOG_WARNING("Shutdown manually aborted.");
  EndShutdownWait("ERR Errors trying to SHUTDOWN. Check logs.");
  return true;
}

bool PrepareForShutdown(bool nosave, bool save, bool force) {
  LOG_WARNING("User requested shutdown...");
  if (!PersistenceShutdown(nosave, save, force)) return false;
  if (!Config().pidfile.empty()) unlink(Config().pidfile.c_str());
  if (!Config().unixsocket.empty()) unlink(Config().unixsocket.c_str());
  CloseListeners();
  LOG_WARNING("Redis is now ready to exit, bye bye...");
  return true;
}

common::Status ApplyConfigMirrors() {
  auto& cfg = Config();
  auto& st = GetState();
  ApplyAclSettings();
  st.maxmemory = static_cast<uint64_t>(cfg.maxmemory);
  st.proto_max_bulk_len = cfg.proto_max_bulk_len;
  st.slowlog_log_slower_than = cfg.slowlog_log_slower_than;
  st.latency_monitor_threshold = cfg.latency_monitor_threshold;
  st.latency_tracking = cfg.latency_tracking;
  st.busy_reply_threshold_ms = cfg.busy_reply_threshold;
  st.rdb_compression = cfg.rdbcompression;
  st.notify_keyspace_events = cfg.notify_keyspace_events;
  st.lazyfree_lazy_expire = cfg.lazyfree_lazy_expire;
  st.lazyfree_lazy_user_del = cfg.lazyfree_lazy_user_del;
  st.lazyfree_lazy_user_flush = cfg.lazyfree_lazy_user_flush;
  db::Lazyfree().server_del = cfg.lazyfree_lazy_server_del;
  db::Lazyfree().expire = cfg.lazyfree_lazy_expire;
  ApplyMaxmemoryConfig();
  repl::Settings& rs = repl::GetSettings();
  rs.port = cfg.port;
  rs.tls_port = cfg.tls_port;
  rs.tls_replication = cfg.tls_replication;
  rs.announce_ip = cfg.replica_announce_ip;
  rs.announce_port = cfg.replica_announce_port;
  rs.masterauth = cfg.masterauth;
  rs.masteruser = cfg.masteruser;
  rs.backlog_size = cfg.repl_backlog_size;
  rs.backlog_ttl = cfg.repl_backlog_ttl;
  rs.ping_period = cfg.repl_ping_replica_period;
  rs.timeout = cfg.repl_timeout;
  rs.read_only = cfg.replica_read_only;
  rs.serve_stale = cfg.replica_serve_stale_data;
  rs.min_replicas_to_write = cfg.min_replicas_to_write;
  rs.min_replicas_max_lag = cfg.min_replicas_max_lag;
  rs.replica_priority = cfg.replica_priority;
  rs.replica_announced = cfg.replica_announced;
  rs.dbfilename = cfg.dbfilename;
  rs.diskless_sync = cfg.repl_diskless_sync;
  rs.diskless_sync_delay = cfg.repl_diskless_sync_delay;
  rs.diskless_sync_max_replicas = cfg.repl_diskless_sync_max_replicas;
  rs.replica_obuf_hard = cfg.client_obuf_limits[static_cast<int>(ClientClass::kReplica)].hard_bytes;
  rs.diskless_load = cfg.repl_diskless_load == "swapdb" ? 2 : cfg.repl_diskless_load == "on-empty-db" ? 1 : 0;
  repl::SettingsChanged();
  cluster::Settings& cs = cluster::GetSettings();
  cs.enabled = cfg.cluster_enabled;
  cs.config_file = cfg.cluster_config_file;
  cs.port = cfg.port;
  cs.bus_port = cfg.cluster_port;
  cs.node_timeout = cfg.cluster_node_timeout;
  cs.announce_ip = cfg.cluster_announce_ip;
  cs.announce_hostname = cfg.cluster_announce_hostname;
  cs.announce_port = cfg.cluster_announce_port;
  cs.announce_bus_port = cfg.cluster_announce_bus_port;
  cs.require_full_coverage = cfg.cluster_require_full_coverage;
  cs.allow_reads_when_down = cfg.cluster_allow_reads_when_down;
  cs.replica_no_failover = cfg.cluster_replica_no_failover;
  cs.replica_validity_factor = cfg.cluster_replica_validity_factor;
  cs.migration_barrier = cfg.cluster_migration_barrier;
  cs.allow_replica_migration = cfg.cluster_allow_replica_migration;
  cs.repl_ping_period = cfg.repl_ping_replica_period;
  cs.allow_pubsubshard_when_down = cfg.cluster_allow_pubsubshard_when_down;
  cs.link_sendbuf_limit = static_cast<uint64_t>(cfg.cluster_link_sendbuf_limit);
  cs.preferred_endpoint = cfg.cluster_preferred_endpoint_type == "hostname"
                              ? cluster::Settings::Endpoint::kHostname
                          : cfg.cluster_preferred_endpoint_type == "unknown-endpoint"
                              ? cluster::Settings::Endpoint::kUnknown
                              : cluster::Settings::Endpoint::kIp;
  cs.tls = cfg.tls_cluster;
  cs.tls_replication = cfg.tls_replication;
  cs.tls_port = cfg.tls_port;
  cs.announce_tls_port = cfg.cluster_announce_tls_port;
  cs.bind = cfg.bind;
  cluster::SettingsChanged();
  commands::SlowlogMaxLen() = static_cast<size_t>(cfg.slowlog_max_len);
  const std::string& pol = cfg.maxmemory_policy;
  st.maxmemory_lru_or_lfu = pol.find("lru") != std::string::npos || pol.find("lfu") != std::string::npos;
  auto& clocks = object::ClockSettings();
  // The tiering engine ranks values by heat (db/tiering.h). Under ratio and
  // hot its clock is the LFU counter (frequency) unless the maxmemory-policy
  // asks for LRU clocks: then OBJECT FREQ answers and OBJECT IDLETIME says
  // an LFU policy is selected, exactly as under allkeys-lfu.
  const bool heat_policy = cfg.tier_policy == "ratio" || cfg.tier_policy == "hot";
  clocks.lfu = pol.find("lfu") != std::string::npos || (heat_policy && pol.find("lru") == std::string::npos);
  clocks.lfu_log_factor = cfg.lfu_log_factor;
  clocks.lfu_decay_time = cfg.lfu_decay_time;
  object::GetSettings().shared_integers = !(st.maxmemory && st.maxmemory_lru_or_lfu);
  auto& os = object::GetSettings();
  os.embstr_max = static_cast<size_t>(cfg.tier_embstr_max);
  os.hash_max_listpack_entries = cfg.hash_max_listpack_entries;
  os.hash_max_listpack_value = cfg.hash_max_listpack_value;
  os.set_max_intset_entries = cfg.set_max_intset_entries;
  os.zset_max_listpack_entries = cfg.zset_max_listpack_entries;
  os.zset_max_listpack_value = cfg.zset_max_listpack_value;
  os.list_max_listpack_size = cfg.list_max_listpack_size;
  os.list_compress_depth = cfg.list_compress_depth;
  os.hll_sparse_max_bytes = cfg.hll_sparse_max_bytes;
  os.stream_node_max_bytes = static_cast<size_t>(cfg.stream_node_max_bytes);
  os.stream_node_max_entries = cfg.stream_node_max_entries;
  Runtime().hz = std::clamp(cfg.hz, 1, 500);
  static const std::pair<const char*, common::LogLevel> kLevels[] = {
      {"debug", common::LogLevel::kDebug},
      {"verbose", common::LogLevel::kVerbose},
      {"notice", common::LogLevel::kNotice},
      {"warning", common::LogLevel::kWarning},
      {"nothing", common::LogLevel::kNothing}};
  for (auto& [name, lvl] : kLevels)
    if (cfg.loglevel == name) common::SetLogLevel(lvl);
  alloc::PlacementConfig pc;
  pc.policy = cfg.tier_policy == "dram-only" ? alloc::Policy::kDramOnly
              : cfg.tier_policy == "ratio"   ? alloc::Policy::kRatio
              : cfg.tier_policy == "hot"     ? alloc::Policy::kHot
                                             : alloc::Policy::kStatic;
  pc.nvm_min_size = static_cast<size_t>(cfg.tier_nvm_min_size);
  pc.keys = cfg.tier_keys == "nvm" ? alloc::KeysTier::kNvm : alloc::KeysTier::kDram;
  alloc::SetPlacement(pc);
  db::tiering::Settings ts;
  db::tiering::ParseRatio(cfg.tier_dram_nvm_ratio, &ts.ratio_dram, &ts.ratio_nvm);
  ts.dram_max_memory = static_cast<uint64_t>(cfg.tier_dram_max_memory);
  ts.pin_dram = db::tiering::SplitPatterns(cfg.tier_pin_dram);
  ts.pin_nvm = db::tiering::SplitPatterns(cfg.tier_pin_nvm);
  ts.cycle_ms = cfg.tier_migrate_cycle_ms;
  ts.max_bytes_per_sec = static_cast<uint64_t>(cfg.tier_migrate_max_bytes_per_sec);
  db::tiering::Configure(ts);
  return alloc::SetNvmLimit(static_cast<size_t>(cfg.tier_nvm_max_memory));
}

int Start(int argc, char** argv) {
  int early = HandleEarlyFlags(argc, argv);
  if (early >= 0) return early;
  SaveExecArgv(argc, argv);
  ServerRuntime& rt = Runtime();
  rt.executable = argv[0];
  common::Status st = ConfigRegistry::Get().LoadArgv(argc, argv, &rt.config_file);
  if (!st.ok()) {
    fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n%s\n", commands::kRedisVersion,
            st.message().c_str());
    return 1;
  }
  auto& cfg = Config();
  if (!cfg.logfile.empty() && !common::SetLogFile(cfg.logfile)) {
    fprintf(stderr, "Can't open the log file: %s\n", strerror(errno));
    return 1;
  }
  if (cfg.syslog_enabled) common::EnableSyslog(cfg.syslog_ident, cfg.syslog_facility);

  // The allocator first: everything after this allocates through it.
  alloc::Options ao;
  ao.mode = cfg.tier_mode == "off" ? alloc::Mode::kOff
            : cfg.tier_mode == "numa" ? alloc::Mode::kNuma
            : cfg.tier_mode == "logical" ? alloc::Mode::kLogical
                                         : alloc::Mode::kAuto;
  ao.nvm_node = cfg.tier_nvm_node;
  ao.nvm_max_memory = static_cast<size_t>(cfg.tier_nvm_max_memory);
  ao.placement.policy = cfg.tier_policy == "dram-only" ? alloc::Policy::kDramOnly : alloc::Policy::kStatic;
  ao.placement.nvm_min_size = static_cast<size_t>(cfg.tier_nvm_min_size);
  ao.placement.keys = cfg.tier_keys == "nvm" ? alloc::KeysTier::kNvm : alloc::KeysTier::kDram;
  st = alloc::Init(ao);
  if (!st.ok()) {
    LOG_WARNING("Fatal: can't set up the memory tiers: %s", st.message().c_str());
    return 1;
  }

  if (cfg.daemonize) {
    if (daemon(1, 0) != 0) {
      LOG_WARNING("Can't daemonize: %s", strerror(errno));
      return 1;
    }
  }
  rt.run_id = common::RandomHex(40);
  rt.start_time_ms = common::MsTime();
  object::SetClocks(rt.start_time_ms);
  uint8_t seed[16];
  common::GetRandomBytes(seed, sizeof(seed));
  ds::SetHashSeed(seed);

  auto& state = GetState();
  db::EnableSlotIndex(cfg.cluster_enabled);  // the per-slot key index, before the dbs exist
  for (int i = 0; i < cfg.databases; i++) {
    state.dbs.push_back(std::make_unique<db::Db>(i));
    state.db_ptrs.push_back(state.dbs.back().get());
  }
  commands::InstallWatchHook();
  commands::InstallBlockingHooks();
  InstallMaxmemoryHooks();
  commands::InstallKeyspaceEventHooks();
  state.close_client_async = [](Client& c) { CloseClientAsync(&c); };
  state.delivered = [](Client& c) { DeliveredTo(&c); };
  state.process_events_while_busy = [](Client& c) { ProcessEventsWhileBusy(c); };
  commands::SetTrackingClientLookup(FindClient);
  auto& reg = commands::Registry::Get();
  object::InitTypes();
  commands::RegisterAllDataCommands(reg);
  RegisterServerCommands(reg);
  RegisterPersistenceCommands(reg);
  script::RegisterScriptCommands(reg);
  repl::RegisterCommands(reg);
  cluster::RegisterCommands(reg);
  RegisterAclCommands(reg);
  reg.Finalize();
  st = ApplyConfigMirrors();
  if (!st.ok()) {
    LOG_WARNING("Fatal: %s", st.message().c_str());
    return 1;
  }
  st = LoadUsersAtStartup();
  if (!st.ok()) {
    LOG_WARNING("%s", st.message().c_str());
    return 1;
  }

  InitPersistence();
  InstallSignals();
  SetupCrashHandlers(cfg.crash_log_enabled);
  (void)SetOomScoreAdj();  // logged on failure; start-up goes on, as Redis's
  if (!AdjustOpenFilesLimit()) return 1;
  auto loop = net::EventLoop::Create(EventLoopSetSize());
  if (!loop.ok()) {
    LOG_WARNING("Failed creating the event loop: %s", loop.status().message().c_str());
    return 1;
  }
  rt.loop = std::move(*loop);
  InstallReplicationHooks();
  if (cfg.cluster_enabled) {
    cluster::GetHooks().set_master = repl::SetMaster;
    cluster::GetHooks().repl_offset = repl::MasterReplOffset;
    cluster::GetHooks().promote = repl::Promote;
    cluster::GetHooks().data_age_ms = repl::MasterDataAgeMs;
    st = cluster::Init(rt.loop.get());
    if (!st.ok()) {
      LOG_WARNING("%s", st.message().c_str());
      return 1;
    }
  }

  LOG_NOTICE("oO0OoO0OoO0Oo tieredis %s (Redis %s compatible) is starting oO0OoO0OoO0Oo",
             commands::kTieredisVersion, commands::kRedisVersion);
  LOG_NOTICE("Redis version=%s, bits=64, commit=00000000, modified=0, pid=%d, just started", commands::kRedisVersion,
             static_cast<int>(getpid()));
  if (rt.config_file.empty()) {
    LOG_WARNING("Warning: no config file specified, using the default config. In order to specify a config "
                "file use %s /path/to/redis.conf",
                argv[0]);
  } else {
    LOG_NOTICE("Configuration loaded");
  }
  alloc::TierState ts = alloc::GetTierState();
  rt.tier_node_reason = ts.node_reason;
  alloc::RefreshResidency();
  ConfigRegistry::Get().OnApply("bind", ChangeTcpListeners);
  ConfigRegistry::Get().OnApply("port", ChangeTcpListeners);
  for (const char* name : {"tls-port", "tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file",
                           "tls-client-key-file", "tls-client-key-file-pass", "tls-dh-params-file", "tls-ca-cert-file",
                           "tls-ca-cert-dir", "tls-protocols", "tls-ciphers", "tls-ciphersuites", "tls-auth-clients",
                           "tls-prefer-server-ciphers", "tls-session-caching", "tls-session-cache-size",
                           "tls-session-cache-timeout", "tls-cluster", "tls-replication"})
    ConfigRegistry::Get().OnApply(name, ApplyTlsConfig);
  ConfigRegistry::Get().OnApply("maxclients", ApplyMaxclients);
  ConfigRegistry::Get().OnApply("oom-score-adj", [] { return SetOomScoreAdj(); });
  ConfigRegistry::Get().OnApply("oom-score-adj-values", [] { return SetOomScoreAdj(); });
  ConfigRegistry::Get().OnApply("crash-log-enabled", [] {
    SetupCrashHandlers(Config().crash_log_enabled);
    return common::Status::Ok();
  });
  ConfigRegistry::Get().OnApply("tier-nvm-node", [] {
    int before = alloc::GetTierState().nvm_node;
    common::Status s = alloc::SetNvmNode(Config().tier_nvm_node);
    alloc::TierState now = alloc::GetTierState();
    if (s.ok() && now.nvm_node != before)
      LOG_NOTICE("Memory tiers: payloads now prefer NUMA node %d (%s); pages already resident stay put",
                 now.nvm_node, now.node_reason.c_str());
    return s;
  });
  if (ts.mode == alloc::Mode::kNuma) {
    LOG_NOTICE("Memory tiers: numa mode, payloads on NUMA node %d (%s), policy %s, threshold %lld bytes",
               ts.nvm_node, ts.node_reason.c_str(), alloc::PolicyName(alloc::GetPlacement().policy),
               static_cast<long long>(alloc::EffectiveThreshold()));
  } else if (ts.mode == alloc::Mode::kLogical) {
    LOG_NOTICE("Memory tiers: logical mode (%s): placement and accounting are exact, all pages on the local "
               "node",
               ts.node_reason.c_str());
  } else {
    LOG_NOTICE("Memory tiers: off, everything in DRAM");
  }
  std::string tiers = std::string("Memory tiers: ") + alloc::ModeName(ts.mode);
  if (ts.mode == alloc::Mode::kNuma) tiers += ", payloads on NUMA node " + std::to_string(ts.nvm_node);
  ShowStartupBanner({commands::kRedisVersion, commands::kTieredisVersion, cfg.cluster_enabled ? "cluster" : "standalone", cfg.port,
                     static_cast<int>(getpid()), tiers},
                    cfg.always_show_logo);

  st = Listen();
  if (!st.ok()) {
    LOG_WARNING("%s", st.message().c_str());
    return 1;
  }
  LOG_NOTICE("Server initialized");
  if (!cfg.pidfile.empty()) {
    FILE* f = fopen(cfg.pidfile.c_str(), "w");
    if (f) {
      fprintf(f, "%d\n", static_cast<int>(getpid()));
      fclose(f);
    }
  }
  rt.loop->SetBeforeSleep(BeforeSleep);
  rt.startup_allocated = alloc::UsedMemory();
  // A configured replicaof: the master is known before loading (the RDB's
  // replication id and offset are then ours to PSYNC with); the link
  // connects from cron.
  if (!cfg.replicaof_host.empty()) repl::SetMaster(cfg.replicaof_host, cfg.replicaof_port);
  // Loading serves clients meanwhile (-LOADING), so it runs once the
  // listeners and the before-sleep hook exist.
  if (!LoadDataAtStartup()) return 1;
  rt.loop->CreateTimeEvent(1, ServerCron, nullptr);
  LOG_NOTICE("Ready to accept connections %s", cfg.port ? "tcp" : "unix");
  return -1;
}

void Run() { Runtime().loop->Run(); }

}  // namespace server
