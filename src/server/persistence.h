// The server side of persistence: what Redis's rdb.c/aof.c/childinfo.c do
// around the file formats of src/persist.
//
//  - RDB: SAVE, BGSAVE [SCHEDULE], save points in cron, LASTSAVE's time,
//    stop-writes-on-bgsave-error (MISCONF), FLUSHALL's empty save, saving on
//    SHUTDOWN/SIGTERM, DEBUG RELOAD, and loading at start-up with progress
//    (clients get -LOADING meanwhile, INFO shows loading:1).
//  - Fork: one child at a time (RDB or AOF rewrite), as Redis. The child
//    resets its signal handlers, never returns to the event loop (no cron,
//    no expiry, no allocator work beyond its own buffers), writes its file
//    and _exit()s. It reports keys processed and copy-on-write bytes (split
//    by tier) through persist::ChildInfoPipe; the parent reaps it in cron.
//    While a child exists the dicts do not resize (ds::Dict::SetResizeEnabled),
//    which would only copy pages.
//  - AOF (aof_log.cc): the multi-part AOF, fed by the dispatcher's
//    propagation (commands::State::propagate).
//
// Thread safety: main thread only (the AOF's everysec fsync thread touches
// only its own fd copy).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "commands/client.h"
#include "commands/registry.h"
#include "persist/child_info.h"
#include "persist/rdb.h"
#include "repl/replication.h"

namespace server {

// SAVE, BGSAVE, BGREWRITEAOF.
void RegisterPersistenceCommands(commands::Registry& r);
// Installs the hooks (propagation, MISCONF, FLUSHALL, expired keys) and the
// CONFIG SET appendonly callback. Once, at start-up, before loading.
void InitPersistence();
// Loads the AOF (appendonly yes) or the RDB file at start-up, then opens the
// AOF for appending. Returns false when the server must exit (the reason is
// logged).
bool LoadDataAtStartup();
// Replication (repl::Hooks): a BGSAVE to dbfilename for the replicas
// (false when a child is active or fork failed); a replica's full sync:
// every db emptied, the RDB loaded with keys past their TTL kept.
bool StartBgsaveForReplication();
bool StartBgsaveToFd(int fd);
common::Status LoadRdbForReplication(const std::string& path, repl::RdbReplInfo* info);
// repl-diskless-load: the payload received in memory; swap keeps the old
// dataset until the new one loaded (swapdb).
common::Status LoadRdbDataForReplication(std::string_view data, bool swap, repl::RdbReplInfo* info);
// serverCron's persistence part: reaps children, reads child info, save
// points, scheduled BGSAVE / rewrite, auto AOF rewrite, AOF everysec flush.
void PersistenceCron();
// beforeSleep's part: writes the AOF buffer (and fsyncs under
// appendfsync always) before any reply leaves.
void PersistenceBeforeSleep();
// SHUTDOWN / SIGTERM: stops children, flushes the AOF, saves the RDB when
// save points exist (or `save`), unless `nosave`. False when the save
// failed and not `force` (the server then keeps running).
bool PersistenceShutdown(bool nosave, bool save, bool force);
// The "# Persistence" section and the fork fields of "# Stats".
void AppendPersistenceInfo(std::string& o);
void AppendForkStats(std::string& o);
// DEBUG RELOAD / DEBUG LOADAOF. Returns false when sub is neither.
bool DebugPersistenceCommand(commands::Client& c);

// ---- shared by persistence.cc and aof_log.cc ----

enum class ChildType { kNone, kRdb, kAof };
// Forks; the child runs body() (with the log role 'C') and _exits with its
// return value. Records latest_fork_usec and total_forks. Returns the pid,
// or -1 with errno set.
pid_t ForkChild(ChildType type, const std::function<int()>& body);
ChildType ActiveChild();
// Kills the active child with SIGUSR1 (which the done handlers treat as a
// deliberate stop, not an error) and reaps it.
void KillChild();
// Child side: progress (throttled to once a second) and the final COW.
void ChildReportProgress(size_t keys);
void ChildReportFinalCow(persist::ChildInfoType type, const char* what);
// The dbs, the dataset's key count.
std::vector<db::Db*>& AllDbs();
// The lines Redis logs after reading an RDB (its version, age, memory,
// "RDB is base AOF", keys loaded): for dump.rdb and an AOF's RDB base.
// LogRdbAux: the first four only (a load that failed part way).
void LogRdbLoaded(const persist::RdbLoadStats& st);
void LogRdbAux(const persist::RdbLoadStats& st);
// The loading state around a whole-dataset load (RDB at start-up, DEBUG
// RELOAD, the AOF): INFO's loading fields, -LOADING for clients, and
// LoadingProgress serves events and logs progress at most once a second.
void StartLoading(size_t total_bytes, int64_t rdb_used_mem);
void LoadingProgress(size_t loaded_bytes);
void StopLoading();

// aof_log.cc
// Installs State::propagate when the AOF or the replication backlog wants
// the ops, removes it when neither does.
void UpdatePropagation();
// After a replica's full sync: the AOF restarts with a rewrite.
void AofRestartAfterSync();
void AofInit();
bool AofLoadAtStartup();  // false: exit
bool AofOpenOnStartup();  // after loading: the incr file for appending
void AofCron();
void AofBeforeSleep();
// Called before a client's writable handler sends replies. With appendfsync
// always, writes and fsyncs what is buffered first, so that no reply leaves
// before the write it acknowledges is on disk, even when a command ran in
// the same loop iteration as the writable event (Redis's AE_BARRIER).
void AofFlushBeforeReply();
bool AofShutdown();  // flush + fsync; false on failure
void AofChildDone(bool ok, int bysignal);
void AofAppendInfo(std::string& o);
void AofPersistenceFields(std::string& o);  // the aof_* fields of the fixed part
bool AofEnabled();
const char* AofDiskError();
void AofSetCow(const persist::CowBytes& cow);
// Bytes held by the AOF buffer (fed, not yet written), for the overhead.
size_t AofBufferBytes();
const persist::CowBytes& AofLastCow();
void RegisterAofCommands(commands::Registry& r);
bool AofRewriteIfScheduled();
common::Status DebugLoadAof();

}  // namespace server
