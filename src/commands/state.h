// What the command layer shares with the server: the databases, the dirty
// counter, statistics, and hooks for events commands raise (a key was
// modified, a keyspace event). The server fills it at start-up.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "db/db.h"

namespace commands {

struct Client;
struct CommandSpec;

struct ServerStats {
  uint64_t numcommands = 0;
  uint64_t numconnections = 0;
  uint64_t rejected_conn = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;
  uint64_t dump_payload_sanitizations = 0;
  uint64_t total_reads_processed = 0;
  uint64_t total_writes_processed = 0;
  uint64_t client_qbuf_limit_disconnections = 0;
  uint64_t client_outbuf_limit_disconnections = 0;
  std::map<std::string, uint64_t> errors;  // errorstats: first word -> count
};

// One command to propagate (to the AOF; to replicas later): the db it
// applies to and its arguments.
struct PropagatedOp {
  int db = 0;
  std::vector<std::string> argv;
  bool repl_only = false;  // for replicas, not the AOF (PUBLISH)
};

struct State {
  std::vector<std::unique_ptr<db::Db>> dbs;
  std::vector<db::Db*> db_ptrs;  // same, for APIs taking raw pointers
  uint64_t dirty = 0;
  ServerStats stats;
  int64_t proto_max_bulk_len = 512ll << 20;
  bool loading = false;
  // Settings the dispatcher reads on every command (mirrors of config).
  uint64_t maxmemory = 0;           // 0: no limit
  bool maxmemory_lru_or_lfu = false;
  int64_t slowlog_log_slower_than = 10000;  // us; <0 disables
  int64_t latency_monitor_threshold = 0;    // ms; 0 disables
  bool latency_tracking = true;             // per-command latency histograms
  bool rdb_compression = true;              // rdbcompression: DUMP uses LZF
  // Key eviction before a command, called by the dispatcher whenever
  // maxmemory is set (Redis's performEvictions in processCommand). True
  // when memory stays over maxmemory and nothing could be evicted: DENYOOM
  // commands (and commands queued in MULTI) are then refused with -OOM.
  bool (*evict_before_command)() = nullptr;

  // Propagation (commands/propagate.h). While `propagate` is set, the
  // dispatcher collects the ops of each top-level command (its own argv or
  // rewrite, AlsoPropagate'd ones, and DELs of keys that expired on the
  // way) in pending_propagation and hands them to `propagate` when the
  // command returns (the consumer wraps several in MULTI/EXEC, as Redis
  // 7.0's propagatePendingCommands). Deletions outside any command (active
  // expire) are handed over at once.
  void (*propagate)(const std::vector<PropagatedOp>& ops) = nullptr;
  std::vector<PropagatedOp> pending_propagation;
  // The replication stream's offset (master_repl_offset), kept by repl/:
  // a client's woff after its writes were propagated.
  int64_t repl_offset = 0;
  int call_depth = 0;  // Call() frames on the stack (EXEC nests them)
  bool lazyfree_lazy_expire = false;  // expired keys propagate as UNLINK, not DEL
  bool lazyfree_lazy_user_del = false;    // DEL frees like UNLINK
  bool lazyfree_lazy_user_flush = false;  // FLUSHALL/FLUSHDB without SYNC are ASYNC
  // Persistence errors that refuse writes (MISCONF): returns the error text
  // (without '-') or nullptr when writes are fine.
  const char* (*disk_error)() = nullptr;
  // Called by FLUSHALL after emptying the dbs (stops an RDB child, rewrites
  // the RDB when save points exist, as Redis 7.0).
  void (*on_flushall)() = nullptr;

  // After a frame was delivered to another client (commands/deliver.h):
  // schedules its write and applies its output-buffer limit.
  void (*delivered)(Client& target) = nullptr;
  // notify-keyspace-events, as NotifyClass bits (0: none).
  int notify_keyspace_events = 0;

  // Scripting (src/script). busy-reply-threshold (lua-time-limit), in ms.
  int64_t busy_reply_threshold_ms = 5000;
  // While a script runs past busy-reply-threshold: the -BUSY error (without
  // '-') that refuses every command not flagged kAllowBusy; else nullptr.
  const char* busy_error = nullptr;
  // Serves other clients once from inside a long-running script (Redis's
  // processEventsWhileBlocked); `running` is the client whose script runs,
  // whose own input is left unread meanwhile. Installed by the server.
  void (*process_events_while_busy)(Client& running) = nullptr;
  // Whether the dispatcher found memory over maxmemory before the command
  // being run (Redis's pre_command_oom_state): scripts refuse DENYOOM
  // commands until their first write.
  bool pre_command_oom = false;

  // Replication's refusals (-NOREPLICAS, -READONLY, -MASTERDOWN): the error
  // text (without '-') or nullptr. Installed by the server (repl/).
  const char* (*replication_denied)(const Client& c, uint32_t cmd_flags) = nullptr;

  // Cluster mode (src/cluster, installed only with cluster-enabled yes):
  // true with *err (no '-') when a command must not run here (-MOVED,
  // -ASK, -CROSSSLOT, -CLUSTERDOWN).
  bool (*cluster_redirect)(Client& c, const CommandSpec& cmd, std::string* err) = nullptr;
  bool cluster_enabled = false;  // SELECT is refused but for db 0
  // PUBLISH / SPUBLISH in cluster mode: to every node, or to the nodes of
  // this shard, over the cluster bus (instead of the replication stream).
  void (*cluster_publish)(std::string_view channel, std::string_view message, bool shard) = nullptr;

  // Hooks the server installs.
  void (*on_key_modified)(int db, std::string_view key) = nullptr;  // WATCH invalidation
  // For a kProtected command (DEBUG, MODULE LOAD...): the error text when
  // its enable-*-command setting refuses this client, else nullptr.
  const char* (*protected_command_denied)(const Client& c, const CommandSpec& cmd) = nullptr;
  // The client's CLIENT LIST line (ACL LOG's client-info).
  std::string (*client_info_line)(const Client& c) = nullptr;
  size_t acllog_max_len = 128;  // acllog-max-len
  // Closes the client once the current event is handled, without sending
  // what it has pending (Redis's freeClientAsync).
  void (*close_client_async)(Client& c) = nullptr;
};
State& GetState();

// Keyspace notification classes (notify-keyspace-events letters).
enum NotifyClass : int {
  kNotifyKeyspace = 1 << 0,   // K
  kNotifyKeyevent = 1 << 1,   // E
  kNotifyGeneric = 1 << 2,    // g
  kNotifyString = 1 << 3,     // $
  kNotifyList = 1 << 4,       // l
  kNotifySet = 1 << 5,        // s
  kNotifyHash = 1 << 6,       // h
  kNotifyZset = 1 << 7,       // z
  kNotifyExpired = 1 << 8,    // x
  kNotifyEvicted = 1 << 9,    // e
  kNotifyStream = 1 << 10,    // t
  kNotifyKeyMiss = 1 << 11,   // m
  kNotifyLoaded = 1 << 12,
  kNotifyModule = 1 << 13,    // d
  kNotifyNew = 1 << 14,       // n
};

// Called by commands after modifying a key: WATCH invalidation and client
// tracking (Redis's signalModifiedKey).
void SignalModifiedKey(Client& c, db::Db& d, std::string_view key);
// The same for a change the server made (expiry, eviction): by is null.
void SignalKeyModified(int db, std::string_view key, Client* by);
// Called BEFORE a db is emptied (FLUSHDB, FLUSHALL, DEBUG RELOAD...; db = -1
// for all): WATCHers of the keys that exist in it count as modified; a
// watched key that does not exist is not touched (Redis 7.0's
// touchAllWatchedKeysInDb).
// Tracking clients get a null invalidation (by: the client flushing).
void SignalFlushedDb(int db, Client* by = nullptr);
// Called BEFORE SWAPDB swaps db1 and db2: a watched key counts as modified
// when it exists in its db or in the db swapped in.
void SignalSwappedDb(int db1, int db2);
void NotifyKeyspaceEvent(int type, const char* event, std::string_view key, int db);
// The db for an index, or nullptr.
db::Db* GetDb(int index);

}  // namespace commands
