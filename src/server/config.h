// Configuration: the settings struct the whole server reads, and the table of
// redis.conf directives that fills it.
//
// ServerConfig holds every setting as a plain field, so hot paths read
// Config().maxmemory with no lookup. ConfigRegistry is the table of Redis
// 7.0's directives (plus tieredis's tier-* ones): each entry knows its name,
// alias, type, bounds, flags and default, and from that one table come
//   - loading redis.conf text and files (with `include`), and the
//     `redis-server [file] [--opt val ...] [-]` command line,
//   - CONFIG GET (glob patterns, aliases), CONFIG SET (several pairs, all or
//     nothing) and CONFIG REWRITE (comments kept, lines replaced in place).
// Error texts are Redis 7.0.15's, byte for byte (checked against Debian's
// redis-server 7.0.15).
//
// Invariants:
//  - The defaults are the member initializers of ServerConfig, and they are
//    Redis's compiled-in defaults (what CONFIG GET shows with no config file).
//    Rewrite compares against a default-constructed ServerConfig.
//  - Enumerated settings are stored as their canonical lower-case name (the
//    first name of the enum with that value: `oom-score-adj relative` is
//    stored and shown as "yes", as Redis does).
//  - The working directory *is* the `dir` setting: CONFIG GET dir answers
//    getcwd(), and Config().dir mirrors it after every load and every
//    successful change.
//  - A failed Set leaves Config() (and the working directory) exactly as it
//    was before the call.
//
// Thread safety: none. Everything here runs on the main thread (start-up and
// the command loop), as in Redis.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace server {

// ---- Value types of the special directives ----------------------------------

// One `save <seconds> <changes>` point.
struct SaveParam {
  long long seconds = 0;
  int changes = 0;
  bool operator==(const SaveParam&) const = default;
};

// client-output-buffer-limit classes, in the order CONFIG GET prints them.
enum class ClientClass : int { kNormal = 0, kReplica = 1, kPubsub = 2 };
inline constexpr int kNumObufClasses = 3;

struct ObufLimit {
  unsigned long long hard_bytes = 0;
  unsigned long long soft_bytes = 0;
  long long soft_seconds = 0;
  bool operator==(const ObufLimit&) const = default;
};

// Keyspace notification classes (notify-keyspace-events letters). The bit
// values are the same as commands::NotifyClass, so the server can copy the
// flags across unchanged.
namespace notify {
inline constexpr int kKeyspace = 1 << 0;  // K
inline constexpr int kKeyevent = 1 << 1;  // E
inline constexpr int kGeneric = 1 << 2;   // g
inline constexpr int kString = 1 << 3;    // $
inline constexpr int kList = 1 << 4;      // l
inline constexpr int kSet = 1 << 5;       // s
inline constexpr int kHash = 1 << 6;      // h
inline constexpr int kZset = 1 << 7;      // z
inline constexpr int kExpired = 1 << 8;   // x
inline constexpr int kEvicted = 1 << 9;   // e
inline constexpr int kStream = 1 << 10;   // t
inline constexpr int kKeyMiss = 1 << 11;  // m (not part of A)
inline constexpr int kModule = 1 << 13;   // d
inline constexpr int kNew = 1 << 14;      // n (not part of A)
// "A": every class except key-miss and new-key, as in Redis.
inline constexpr int kAll =
    kGeneric | kString | kList | kSet | kHash | kZset | kExpired | kEvicted | kStream | kModule;
}  // namespace notify

// Parses notify-keyspace-events letters ("KEA", "Ex", ""). Returns the flags,
// or -1 when a character is not one of A g $ l s h z x e K E t m d n
// (case-sensitive, as Redis).
int NotifyStringToFlags(std::string_view letters);
// Redis's canonical text of the flags: "A" when every class of kAll is set,
// else the class letters in the order g $ l s h z x e t d n, then K, E, m.
std::string NotifyFlagsToString(int flags);

// ---- The settings -----------------------------------------------------------

struct ServerConfig {
  // network
  std::vector<std::string> bind = {"*", "-::*"};
  std::string bind_source_addr;
  int port = 6379;
  int tcp_backlog = 511;
  std::string unixsocket;
  unsigned unixsocketperm = 0;  // octal in redis.conf and CONFIG GET
  int timeout = 0;
  int tcp_keepalive = 300;
  bool protected_mode = true;
  unsigned socket_mark_id = 0;

  // general
  bool daemonize = false;
  std::string supervised = "no";  // upstart|systemd|auto|no
  std::string pidfile;
  std::string loglevel = "notice";  // debug|verbose|notice|warning
  std::string logfile;
  bool syslog_enabled = false;
  std::string syslog_ident = "redis";
  std::string syslog_facility = "local0";
  bool crash_log_enabled = true;
  bool crash_memcheck_enabled = true;
  int databases = 16;
  bool always_show_logo = false;
  bool set_proc_title = true;
  std::string proc_title_template = "{title} {listen-addr} {server-mode}";
  std::string dir;  // absolute; getcwd() as of the last load or CONFIG SET dir
  int hz = 10;      // stored clamped to 1..500 as Redis does
  bool dynamic_hz = true;
  // Redis keeps maxclients as unsigned (bounds 1..4294967295); we keep an int
  // and store values above INT_MAX as INT_MAX (no OS allows that many fds).
  int maxclients = 10000;
  int io_threads = 1;
  bool io_threads_do_reads = false;
  std::string ignore_warnings;
  std::string server_cpulist, bio_cpulist, aof_rewrite_cpulist, bgsave_cpulist;
  int shutdown_timeout = 10;
  std::string shutdown_on_sigint = "default";   // flags: default|save|nosave|now|force
  std::string shutdown_on_sigterm = "default";
  bool jemalloc_bg_thread = true;
  std::string oom_score_adj = "no";  // no|yes|relative|absolute
  int oom_score_adj_values[3] = {0, 200, 800};
  bool disable_thp = true;

  // limits and protocol
  long long proto_max_bulk_len = 512LL * 1024 * 1024;
  long long client_query_buffer_limit = 1024LL * 1024 * 1024;
  ObufLimit client_obuf_limits[kNumObufClasses] = {
      {0, 0, 0},
      {256ULL * 1024 * 1024, 64ULL * 1024 * 1024, 60},
      {32ULL * 1024 * 1024, 8ULL * 1024 * 1024, 60},
  };
  // maxmemory-clients: bytes, or a percentage of maxmemory stored negated
  // ("10%" is -10), as Redis stores it.
  long long maxmemory_clients = 0;
  size_t tracking_table_max_keys = 1000000;

  // memory
  unsigned long long maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  int maxmemory_samples = 5;
  int maxmemory_eviction_tenacity = 10;
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;
  bool lazyfree_lazy_eviction = false;
  bool lazyfree_lazy_expire = false;
  bool lazyfree_lazy_server_del = false;
  bool lazyfree_lazy_user_del = false;
  bool lazyfree_lazy_user_flush = false;
  bool activerehashing = true;
  int active_expire_effort = 1;
  bool activedefrag = false;
  size_t active_defrag_ignore_bytes = 100ULL << 20;
  int active_defrag_threshold_lower = 10;
  int active_defrag_threshold_upper = 100;
  int active_defrag_cycle_min = 1;
  int active_defrag_cycle_max = 25;
  unsigned long active_defrag_max_scan_fields = 1000;

  // slowlog, latency
  long long slowlog_log_slower_than = 10000;
  unsigned long slowlog_max_len = 128;
  long long latency_monitor_threshold = 0;
  bool latency_tracking = true;
  std::vector<double> latency_tracking_info_percentiles = {50.0, 99.0, 99.9};

  // security
  std::string requirepass;
  std::string masteruser;
  std::string masterauth;
  std::string aclfile;
  unsigned long acllog_max_len = 128;
  std::string acl_pubsub_default = "resetchannels";
  std::string enable_protected_configs = "no";  // no|yes|local
  std::string enable_debug_command = "no";
  std::string enable_module_command = "no";

  // persistence
  std::vector<SaveParam> save = {{3600, 1}, {300, 100}, {60, 10000}};
  std::string dbfilename = "dump.rdb";
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool stop_writes_on_bgsave_error = true;
  bool rdb_del_sync_files = false;
  bool rdb_save_incremental_fsync = true;
  std::string sanitize_dump_payload = "no";  // no|yes|clients
  bool appendonly = false;
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  std::string appendfsync = "everysec";  // everysec|always|no
  bool no_appendfsync_on_rewrite = false;
  int auto_aof_rewrite_percentage = 100;
  long long auto_aof_rewrite_min_size = 64LL * 1024 * 1024;
  bool aof_load_truncated = true;
  bool aof_use_rdb_preamble = true;
  bool aof_timestamp_enabled = false;
  bool aof_rewrite_incremental_fsync = true;
  bool aof_disable_auto_gc = false;

  // encodings
  size_t hash_max_listpack_entries = 512;  // Redis's compiled default (its redis.conf says 128)
  size_t hash_max_listpack_value = 64;
  size_t set_max_intset_entries = 512;
  size_t zset_max_listpack_entries = 128;
  size_t zset_max_listpack_value = 64;
  int list_max_listpack_size = -2;
  int list_compress_depth = 0;
  size_t stream_node_max_bytes = 4096;
  long long stream_node_max_entries = 100;
  size_t hll_sparse_max_bytes = 3000;

  // replication
  std::string replicaof_host;  // empty: this server is a master
  int replicaof_port = 0;
  bool replica_serve_stale_data = true;
  bool replica_read_only = true;
  bool replica_ignore_maxmemory = true;
  bool replica_lazy_flush = false;
  bool replica_announced = true;
  bool replica_ignore_disk_write_errors = false;
  std::string replica_announce_ip;
  int replica_announce_port = 0;
  int replica_priority = 100;
  long long repl_backlog_size = 1024 * 1024;
  long long repl_backlog_ttl = 3600;
  bool repl_diskless_sync = true;
  int repl_diskless_sync_delay = 5;
  int repl_diskless_sync_max_replicas = 0;
  std::string repl_diskless_load = "disabled";  // disabled|on-empty-db|swapdb
  bool repl_disable_tcp_nodelay = false;
  int repl_timeout = 60;
  int repl_ping_replica_period = 10;
  int min_replicas_to_write = 0;
  int min_replicas_max_lag = 10;
  std::string propagation_error_behavior = "ignore";  // ignore|panic|panic-on-replicas

  // TLS (net/tls.h): a listener on tls_port when it is not 0. Defaults as
  // Redis 7.0's.
  int tls_port = 0;
  std::string tls_cert_file, tls_key_file, tls_key_file_pass;
  std::string tls_client_cert_file, tls_client_key_file, tls_client_key_file_pass;
  std::string tls_dh_params_file, tls_ca_cert_file, tls_ca_cert_dir;
  std::string tls_protocols, tls_ciphers, tls_ciphersuites;
  std::string tls_auth_clients = "yes";  // no|yes|optional
  bool tls_prefer_server_ciphers = false;
  bool tls_session_caching = true;
  long long tls_session_cache_size = 20480;
  long long tls_session_cache_timeout = 300;
  bool tls_cluster = false;
  bool tls_replication = false;

  // cluster (accepted and stored; tieredis runs standalone)
  bool cluster_enabled = false;
  std::string cluster_config_file = "nodes.conf";
  long long cluster_node_timeout = 15000;
  int cluster_port = 0;
  std::string cluster_announce_ip;
  std::string cluster_announce_hostname;
  int cluster_announce_port = 0;
  int cluster_announce_bus_port = 0;
  int cluster_announce_tls_port = 0;
  int cluster_replica_validity_factor = 10;
  int cluster_migration_barrier = 1;
  bool cluster_require_full_coverage = true;
  bool cluster_replica_no_failover = false;
  bool cluster_allow_reads_when_down = false;
  bool cluster_allow_pubsubshard_when_down = true;
  bool cluster_allow_replica_migration = true;
  std::string cluster_preferred_endpoint_type = "ip";  // ip|hostname|unknown-endpoint
  unsigned long long cluster_link_sendbuf_limit = 0;

  // misc
  int notify_keyspace_events = 0;  // notify:: flags
  long long busy_reply_threshold = 5000;  // alias lua-time-limit, milliseconds
  // Hidden (CONFIG GET only by exact name), for Redis's own test tooling.
  bool use_exit_on_panic = false;
  int rdb_key_save_delay = 0;
  int key_load_delay = 0;
  int watchdog_period = 0;
  long long loading_process_events_interval_bytes = 2 * 1024 * 1024;

  // tieredis memory tiers (see redis.conf "MEMORY TIERS")
  std::string tier_mode = "auto";     // auto|numa|logical|off; start-up only
  int tier_nvm_node = -1;             // -1 = auto
  std::string tier_policy = "static";  // dram-only|static|ratio|hot
  long long tier_nvm_min_size = 64;   // bytes; payloads this large or larger go to NVM
  std::string tier_keys = "dram";     // dram|nvm
  long long tier_nvm_max_memory = 0;  // 0 = the default 1 TiB reservation
  // The tiering engine (db/tiering.h).
  std::string tier_dram_nvm_ratio = "1:4";  // ratio policy, DRAM:NVM payload bytes
  long long tier_dram_max_memory = 0;       // hot policy's DRAM budget; 0 = none
  std::string tier_pin_dram;                // glob patterns, space-separated
  std::string tier_pin_nvm;
  int tier_migrate_cycle_ms = 1;
  long long tier_migrate_max_bytes_per_sec = 256ll << 20;
  // Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT: 44 keeps the largest embedded
  // string object inside jemalloc's 64-byte size class.
  int tier_embstr_max = 44;

  // Directives of the file that are not settings, recorded in order for the
  // server to act on (Redis handles them while reading the file).
  std::vector<std::pair<std::string, std::string>> rename_commands;  // rename-command old new
  std::vector<std::vector<std::string>> users;        // user <name> <rules...>
  std::vector<std::vector<std::string>> loadmodules;  // loadmodule <path> <args...>
  std::vector<std::pair<std::string, std::string>> module_configs;  // <module>.<name> <value>
};

// The process-wide settings.
ServerConfig& Config();

// A percentile as latency-tracking-info-percentiles and INFO latencystats
// write it: "%f" without trailing zeros (or '.'), 99.9 -> "99.9".
std::string FormatPercentile(double d);

// ---- The directive table ----------------------------------------------------

class ConfigRegistry {
 public:
  static ConfigRegistry& Get();

  // Parses redis.conf text / a file and applies it to Config(), line by line
  // (later lines override earlier ones; `save` lines accumulate). `include
  // <path>` loads another file at that point (relative to the working
  // directory; glob patterns allowed, a pattern matching nothing is skipped).
  // On error returns InvalidArgument whose message is what Redis prints after
  // "*** FATAL CONFIG FILE ERROR (Redis 7.0.x) ***", e.g.
  //   "Reading the configuration file, at line 2\n>>> 'foo bar'\n"
  //   "Bad directive or wrong number of arguments"
  // A file that cannot be opened gives "Fatal error, can't open config file
  // '<path>': <strerror>" (Redis logs that line and exits). Settings applied
  // before the bad line stay applied. No OnApply callback runs while loading.
  common::Status LoadString(const std::string& text);
  common::Status LoadFile(const std::string& path);

  // `redis-server [file] [--name value ...] [-]`, as Redis 7.0 main(): an
  // argv[1] not starting with '-' is the config file; each "--name" starts a
  // directive and the arguments after it are its values (quoted as
  // "<value>"); "--save" with no value means `save ""`; a "-" as the first or
  // last argument reads more config text from standard input. The options
  // are appended to the file's text (after the file and stdin) and loaded as
  // one text, so line numbers in errors continue after the file's.
  // *config_file_out gets the file's absolute path, or "" when there is none.
  // (-v/--version/--help/--test-memory are main()'s business, not handled.)
  common::Status LoadArgv(int argc, char** argv, std::string* config_file_out);

  // CONFIG GET. A pattern without glob characters (*?[) is an exact,
  // case-insensitive lookup that also finds hidden configs and is reported
  // under the spelling given; a glob matches every non-hidden name and alias
  // (case-insensitive), and an alias that matches is reported as well as its
  // primary name. Each name appears once. Values are formatted as Redis does.
  std::vector<std::pair<std::string, std::string>> GetMatching(const std::vector<std::string>& patterns);

  // CONFIG SET name value [name value ...], all or nothing. Returns OK or the
  // exact Redis error text (without the leading '-'):
  //   ERR Unknown option or number of arguments for CONFIG SET - '<name>'
  //   ERR CONFIG SET failed (possibly related to argument '<name>') - <why>
  // <why> is e.g. "can't set immutable config", "can't set protected config",
  // "duplicate parameter", "argument must be a memory value", or the message
  // of a failed OnValidate/OnApply callback. The first error found wins.
  // Protected configs (dir, dbfilename) are refused unless
  // enable-protected-configs is yes, or local and from_local_client.
  // After every value is stored, the OnApply callbacks of the changed configs
  // run; if one fails, every value is restored, the callbacks run again to
  // re-apply the old values, and the error names that callback's config.
  common::Status Set(const std::vector<std::pair<std::string, std::string>>& pairs,
                     bool from_local_client = false);

  // Registers the callback run by Set after `name`'s value changed (one per
  // config; a later call replaces it; an empty function removes it). Its
  // Status message becomes the CONFIG SET error. name may be an alias.
  void OnApply(const std::string& name, std::function<common::Status()> apply);
  // Registers a check run by Set for `name` with the value given to CONFIG
  // SET, after the value parsed and before any OnApply; an error fails the
  // whole Set with its message. Loading also runs it (with the line's first
  // argument) when it is registered by then. Same replacement rules as
  // OnApply.
  void OnValidate(const std::string& name, std::function<common::Status(const std::string& value)> check);

  // CONFIG REWRITE into `path`, as Redis: comment and blank lines and
  // non-setting directives (include, rename-command, user, loadmodule) stay;
  // a line of a setting is replaced in place by the setting's current value
  // (further lines of the same setting are dropped); settings not in the
  // file and not at their default are appended after a
  // "# Generated by CONFIG REWRITE" line; lines of settings now at a value
  // Redis leaves implicit (bind at default, empty optional strings, no
  // replicaof) are removed; unparsable lines and unknown directives are kept
  // commented out as "# ??? <line>". The new file replaces the old
  // atomically (temporary file, fsync, rename). Errors: "ERR The server is
  // running without a config file" for an empty path, else IoError with
  // strerror's text. force_all (DEBUG CONFIG-REWRITE-FORCE-ALL) writes
  // every setting, defaults included.
  common::Status Rewrite(const std::string& path, bool force_all = false);
  // The `user` lines CONFIG REWRITE writes, one per ACL user (Redis's
  // rewriteConfigUserOption); with an aclfile the old ones are dropped.
  // Installed by the server (acl_cmds.cc); unset: `user` lines are kept.
  void SetUserLines(std::function<std::vector<std::string>()> fn) { user_lines_ = std::move(fn); }

  // True when `name` (or its alias) is a setting whose value must not be
  // shown in logs, SLOWLOG or MONITOR (requirepass, masterauth, masteruser).
  bool IsSensitive(std::string_view name) const;
  // True when `name` is a setting or an alias of one (case-insensitive).
  bool Exists(std::string_view name) const;

  ConfigRegistry(const ConfigRegistry&) = delete;
  ConfigRegistry& operator=(const ConfigRegistry&) = delete;

  struct Directive;      // one table row (config.cc)
  struct RewriteState;   // CONFIG REWRITE's view of the old file (config.cc)

 private:
  ConfigRegistry();
  ~ConfigRegistry();

  // Index into directives_ and whether the name used is the alias.
  struct NameRef {
    int index = -1;
    bool alias = false;
  };
  NameRef Lookup(std::string_view name) const;
  common::Status LoadText(const std::string& text);
  common::Status LoadPath(const std::string& path);
  common::Status LoadTopLevel(const std::string& text);

  std::vector<Directive> directives_;
  // Every name and alias, lower-case, in table order (what a glob scans).
  std::vector<std::pair<std::string, NameRef>> names_;
  std::vector<std::function<common::Status()>> apply_;  // by directive index
  std::function<std::vector<std::string>()> user_lines_;
  std::vector<std::function<common::Status(const std::string&)>> validate_;
  bool reading_file_ = false;
  bool save_loaded_ = false;  // a save line was seen in this load
  std::string config_file_;   // from LoadArgv, for proc-title-template checks
};

}  // namespace server
