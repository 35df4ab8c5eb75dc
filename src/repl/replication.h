// Replication, Redis 7.0's protocol (PSYNC2), both sides.
//
// Master side: a replica connects as an ordinary client, says who it is
// with REPLCONF (listening-port, ip-address, capa eof/psync2), then asks
// PSYNC <replid> <offset>. When the backlog holds what it misses it gets
// "+CONTINUE <replid>" and the bytes from its offset on; otherwise
// "+FULLRESYNC <replid> <offset>" at the moment a BGSAVE forks, then, when
// the child is done, the RDB file as "$<len>\r\n<bytes>", then every byte
// of the stream fed since the fork (held for it meanwhile). SYNC (the
// pre-PSYNC command redis-cli --rdb and --replica use) is a full
// resynchronization without the +FULLRESYNC line.
//
// The stream: every op the dispatcher propagates (commands/propagate.h:
// the commands' effects, expiry DELs, script effects) in RESP, with SELECT
// when the db changes and MULTI/EXEC around a command that emits several
// ops (the same shape as the AOF), plus a PING every
// repl-ping-replica-period. Every byte is counted (master_repl_offset) and
// kept in the backlog (repl/backlog.h), which exists from the first
// replica on.
//
// Replica side (REPLICAOF host port): a state machine driven by the event
// loop: connect, PING, AUTH (masterauth/masteruser), REPLCONF
// listening-port, ip-address, capa eof capa psync2, PSYNC with the
// replid and offset we have (so a replica that lost its link, or restarted
// from an RDB holding them, continues with +CONTINUE). A full sync reads
// the payload (disk "$<len>" or diskless "$EOF:<40 bytes>" framing) into a
// temporary file, renames it to dbfilename and loads it; the link then
// becomes a client flagged kClientMaster whose commands run through the
// dispatcher without replies, whose bytes count as our offset and are
// proxied verbatim to our own replicas (chained replication keeps the
// offsets equal along the chain). REPLCONF ACK <offset> every second and
// on GETACK.
//
// Files: master.cc (the stream, full and partial syncs, SYNC/PSYNC,
// REPLCONF, WAIT, FAILOVER), replica.cc (the link to our master),
// replication.cc (this API, REPLICAOF, ROLE, cron, INFO), over
// repl/internal.h; backlog.h is the ring of the stream's last bytes.
//
// What lives in the server (server/): forking the BGSAVE, loading an RDB,
// creating and freeing clients on sockets, the configuration; the server
// installs them as Hooks and mirrors the settings at start-up and on
// CONFIG SET.
//
// Thread safety: main thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "common/status.h"
#include "net/event_loop.h"

namespace repl {

// Mirrors of the configuration (server/config.h) the replication code reads.
struct Settings {
  int port = 6379;                 // ours, announced as REPLCONF listening-port
  int tls_port = 0;                // announced instead with tls-replication
  bool tls_replication = false;    // the link to our master is TLS
  std::string announce_ip;         // replica-announce-ip
  int announce_port = 0;           // replica-announce-port (0: port)
  std::string masterauth, masteruser;
  int64_t backlog_size = 1 << 20;  // repl-backlog-size
  int64_t backlog_ttl = 3600;      // repl-backlog-ttl, seconds without replicas before the backlog goes
  int ping_period = 10;            // repl-ping-replica-period, seconds
  int timeout = 60;                // repl-timeout, seconds
  bool read_only = true;           // replica-read-only
  bool serve_stale = true;         // replica-serve-stale-data
  int min_replicas_to_write = 0;
  int min_replicas_max_lag = 10;
  int replica_priority = 100;
  bool replica_announced = true;
  std::string dbfilename = "dump.rdb";
  bool diskless_sync = true;          // repl-diskless-sync
  int diskless_sync_delay = 5;        // repl-diskless-sync-delay, seconds
  int diskless_sync_max_replicas = 0; // repl-diskless-sync-max-replicas (0: no limit)
  // repl-diskless-load: 0 disabled (through a file), 1 on-empty-db (in
  // memory when we hold no keys), 2 swapdb (in memory, the old dataset
  // kept until the new one loaded).
  int diskless_load = 0;
  // client-output-buffer-limit replica's hard limit (0: none): also bounds
  // the stream held for a replica while its RDB is made and sent.
  uint64_t replica_obuf_hard = 256ull << 20;
};
Settings& GetSettings();
// After the server changed Settings (start-up, CONFIG SET).
void SettingsChanged();

// The aux fields an RDB saves and loads (repl-stream-db, repl-id,
// repl-offset), so a restarted replica continues with PSYNC.
struct RdbReplInfo {
  bool valid = false;
  int stream_db = 0;
  std::string replid;
  int64_t offset = 0;
};
// What the server provides.
struct Hooks {
  net::EventLoop* loop = nullptr;
  // Forks a BGSAVE writing the RDB (with InfoForRdb's aux fields) to
  // dbfilename; the server calls OnRdbSaveDone when it is reaped. False when
  // a child is already active or fork failed.
  bool (*start_bgsave)() = nullptr;
  // The same, writing the RDB to fd (a pipe's write end, which the parent
  // closes after the fork) instead: diskless sync.
  bool (*start_bgsave_to_fd)(int fd) = nullptr;
  bool (*child_active)() = nullptr;
  // Makes fd a client of the server (read by the event loop, commands
  // dispatched) with `flags` set.
  commands::Client* (*create_client)(int fd, uint64_t flags) = nullptr;
  void (*free_client)(commands::Client* c) = nullptr;
  // Runs what c's query buffer holds (bytes the link read before it became
  // the master client).
  void (*process_input)(commands::Client* c) = nullptr;
  // Empties every db and loads the RDB at path (keys past their TTL kept:
  // the master will DEL them); *info gets its repl-* aux fields.
  common::Status (*load_rdb)(const std::string& path, RdbReplInfo* info) = nullptr;
  // The same from memory (repl-diskless-load); swap: swapdb.
  common::Status (*load_rdb_data)(std::string_view data, bool swap, RdbReplInfo* info) = nullptr;
  // Propagation must now (or no longer) reach Feed.
  void (*feed_changed)() = nullptr;
  // REPLICAOF changed the master (host empty: none), for CONFIG REWRITE.
  void (*master_changed)(const std::string& host, int port) = nullptr;
};
Hooks& GetHooks();

// Start-up: a fresh replication id. Then, when `replicaof` is configured,
// SetMaster.
void Init();
void SetMaster(const std::string& host, int port);
// A new history: a fresh replication id and no secondary one (Redis's
// changeReplicationId + clearReplicationId2), as DEBUG CHANGE-REPL-ID does.
void ChangeReplicationId();

void RegisterCommands(commands::Registry& r);

// Whether the propagated ops must reach Feed (a backlog exists).
bool NeedsFeed();
// State::propagate's replication part.
void Feed(const std::vector<commands::PropagatedOp>& ops);

// Before the event loop sleeps: GETACKs for WAIT, and the WAITs that are
// satisfied or timed out get their reply and resume.
void BeforeSleep();
// Every server cron tick.
void Cron(int64_t now_ms);
// The BGSAVE started by start_bgsave (or another one) ended.
void OnRdbSaveDone(bool ok);
// A client is being freed (a replica, the master link, a WAIT, any client
// that sent REPLCONF). Cheap for the others: two lookups.
void OnClientFreed(commands::Client* c);
// The master client ran one command whose bytes were `raw`: they count as
// our offset, go to our own replicas; the reply is dropped, except the
// REPLCONF ACK a GETACK asked for.
void MasterCommandApplied(commands::Client& c, std::string_view raw);

// The dispatcher's replication checks (State::replication_denied): the
// error (without '-') for -NOREPLICAS, -READONLY or -MASTERDOWN, or nullptr.
const char* CommandDenied(const commands::Client& c, uint32_t flags);

bool IsReplica();
// Shutdown (shutdown-timeout): whether an online replica has not
// acknowledged every byte up to `offset` yet (logging which, when `log`),
// and a REPLCONF GETACK to ask them now.
bool ReplicasBehind(int64_t offset, bool log);
void RequestAcks();
int64_t MasterReplOffset();
// Cluster failover (Redis's clusterFailoverReplaceYourMaster): a replica
// stops replicating and becomes a master with a new replication id (the
// old one stays valid up to here, so its sibling replicas continue with
// PSYNC), as REPLICAOF NO ONE does. Nothing on a master.
void Promote();
// How old a replica's data is, in ms (Redis's data_age in
// clusterHandleSlaveFailover): since the last byte from the master while
// the link is up, else since the link went down.
int64_t MasterDataAgeMs(int64_t now_ms);
// Whether keys may be expired actively (not on a replica: the master's
// DELs expire them).
bool ActiveExpireAllowed();

RdbReplInfo InfoForRdb();
// After loading the RDB at start-up as a replica: take over its replid and
// offset for the first PSYNC.
void RestoreFromRdb(const RdbReplInfo& info);

// INFO's "# Replication" section; the replication buffers' bytes (INFO
// memory).
void AppendInfo(std::string& o);
size_t BacklogBytes();
// INFO stats: full syncs served, partial ones accepted and refused.
struct SyncStats {
  uint64_t full = 0, partial_ok = 0, partial_err = 0;
};
SyncStats GetSyncStats();
const std::string& ReplId();

}  // namespace repl
