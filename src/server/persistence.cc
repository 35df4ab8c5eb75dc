// RDB persistence, fork management and loading (see persistence.h).
#include "server/persistence.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <memory>

#include "alloc/zmalloc.h"
#include "commands/dispatch.h"
#include "commands/errors.h"
#include "commands/propagate.h"
#include "commands/state.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "ds/dict.h"
#include "object/lru.h"
#include "persist/dump.h"
#include "persist/rdb.h"
#include "repl/replication.h"
#include "script/script.h"
#include "server/config.h"
#include "server/info_field.h"
#include "server/oom_score.h"
#include "server/server.h"

namespace server {
namespace {

using commands::Client;
using commands::GetState;

// Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed BGSAVE, save points
// wait this many seconds before trying again.
constexpr int64_t kBgsaveRetryDelaySec = 5;
// The child sends progress at most once a second (Redis's rdbSaveProgress).
constexpr int64_t kChildInfoIntervalMs = 1000;
// Reading the COW from /proc/self/smaps walks the page tables of the whole
// dataset (tens of ms per GB resident), so progress messages refresh it only
// when the time since the last reading is this many times what that reading
// took: at most 1% of the child's time goes to COW accounting (Redis's
// CHILD_COW_DUTY_CYCLE). Messages in between repeat the last reading, and
// cow_updated_ms (INFO current_cow_size_age) says how old it is.
constexpr uint64_t kCowDutyCycle = 100;
// Start-up loading logs its progress at most every this many ms.
constexpr int64_t kLoadLogIntervalMs = 1000;
constexpr size_t kMb = 1024 * 1024;

struct PersistState {
  // fork / child
  pid_t child_pid = -1;
  ChildType child_type = ChildType::kNone;
  persist::ChildInfoPipe pipe;
  int64_t latest_fork_usec = 0;
  uint64_t total_forks = 0;
  size_t current_save_keys_total = 0;
  persist::ChildInfo current;  // latest progress of the running child
  persist::CowBytes current_cow_peak;
  // child-side bookkeeping (only meaningful in the child)
  int64_t child_last_report_ms = 0;
  persist::CowBytes child_cow;     // the last reading
  uint64_t child_cow_read_us = 0;  // when it was taken, MonotonicUs (0: never)
  uint64_t child_cow_cost_us = 0;  // how long it took
  int64_t child_cow_read_ms = 0;   // when it was taken, unix ms
  persist::CowBytes child_cow_peak;
  uint64_t child_cow_sum = 0, child_cow_samples = 0;
  // RDB
  bool lastbgsave_ok = true;
  int64_t lastbgsave_try = 0;
  uint64_t dirty_before_bgsave = 0;
  int64_t rdb_save_time_start = -1;  // unix s
  int64_t rdb_save_time_last = -1;
  uint64_t stat_rdb_saves = 0;
  bool bgsave_scheduled = false;
  persist::CowBytes rdb_last_cow;
  // loading
  int64_t loading_start_time = 0;
  size_t loading_total_bytes = 0, loading_loaded_bytes = 0;
  int64_t loading_rdb_used_mem = 0;
  int64_t loading_last_log_ms = 0;
  int64_t loading_events_ms = 0;
  uint64_t rdb_last_load_keys_expired = 0, rdb_last_load_keys_loaded = 0;
  repl::RdbReplInfo loaded_repl;  // the aux fields of the last RDB loaded
  bool rdb_to_socket = false;     // the RDB child writes to replicas (diskless)
};

PersistState& P() {
  static PersistState* p = new PersistState();
  return *p;
}

persist::CowBytes MeasureCow() {
  alloc::TierState ts = alloc::GetTierState();
  return persist::ReadPrivateDirty(ts.nvm_lo, ts.nvm_hi);
}

// An RDB's FUNCTION2 record: a library replaces one of the same name
// (DEBUG RELOAD loads while the libraries it saved are still there).
bool LoadFunctionLibrary(const std::string& code, std::string* err) { return script::LoadLibrary(code, true, err); }

persist::RdbSaveOptions SaveOptions() {
  const ServerConfig& cfg = Config();
  persist::RdbSaveOptions o;
  o.compress = cfg.rdbcompression;
  o.checksum = cfg.rdbchecksum;
  o.ctime = common::MsTime() / 1000;
  o.used_mem = alloc::UsedMemory();
  o.save_lru = cfg.maxmemory_policy.find("lru") != std::string::npos;
  // What the clocks hold (object/lru.h): LFU under an LFU policy, and
  // under tier-policy ratio/hot unless the policy is an LRU one.
  o.save_lfu = object::ClockSettings().lfu;
  o.key_save_delay_us = cfg.rdb_key_save_delay;
  o.incremental_fsync = cfg.rdb_save_incremental_fsync;
  o.functions = script::LibraryCodes();
  repl::RdbReplInfo ri = repl::InfoForRdb();
  if (ri.valid) {
    o.repl_stream_db = ri.stream_db;
    o.repl_id = ri.replid;
    o.repl_offset = ri.offset;
  }
  return o;
}

// Redis's rdbSave in the calling process: on success the dataset is clean.
bool RdbSaveNow(const char* log_ok = "DB saved on disk") {
  common::Result<persist::RdbSaveStats> r = persist::RdbSaveFile(Config().dbfilename, AllDbs(), SaveOptions());
  if (!r.ok()) {
    LOG_WARNING("%s", r.status().message().c_str());
    return false;
  }
  LOG_NOTICE("%s", log_ok);
  GetState().dirty = 0;
  Runtime().lastsave = common::MsTime() / 1000;
  P().lastbgsave_ok = true;
  return true;
}

// Redis's rdbSaveBackground.
bool RdbSaveBackground() {
  PersistState& p = P();
  if (ActiveChild() != ChildType::kNone) return false;
  p.dirty_before_bgsave = GetState().dirty;
  p.lastbgsave_try = common::MsTime() / 1000;
  persist::RdbSaveOptions opts = SaveOptions();
  pid_t pid = ForkChild(ChildType::kRdb, [opts]() mutable {
    opts.progress = [](size_t keys) { ChildReportProgress(keys); };
    common::Result<persist::RdbSaveStats> r = persist::RdbSaveFile(Config().dbfilename, AllDbs(), opts);
    if (!r.ok()) {
      LOG_WARNING("%s", r.status().message().c_str());
      return 1;
    }
    LOG_NOTICE("DB saved on disk");
    ChildReportFinalCow(persist::ChildInfoType::kRdbCow, "RDB");
    return 0;
  });
  if (pid < 0) {
    p.lastbgsave_ok = false;
    LOG_WARNING("Can't save in background: fork: %s", strerror(errno));
    return false;
  }
  LOG_NOTICE("Background saving started by pid %ld", static_cast<long>(pid));
  p.rdb_save_time_start = common::MsTime() / 1000;
  p.stat_rdb_saves++;
  return true;
}

void ResetChildState() {
  PersistState& p = P();
  p.child_pid = -1;
  p.child_type = ChildType::kNone;
  p.current = persist::ChildInfo();
  p.current_cow_peak = persist::CowBytes();
  p.current_save_keys_total = 0;
  p.pipe.Close();
  ds::Dict::SetResizeEnabled(true);
  db::SetForkChildAlive(false);
}

void ReceiveChildInfo() {
  PersistState& p = P();
  persist::ChildInfo final_info;
  bool got_final = false;
  if (!p.pipe.Receive(&p.current, &final_info, &got_final)) return;
  if (p.current.cow.total > p.current_cow_peak.total) p.current_cow_peak = p.current.cow;
  if (got_final) {
    if (final_info.type == persist::ChildInfoType::kRdbCow) {
      p.rdb_last_cow = final_info.cow;
    } else {
      AofSetCow(final_info.cow);
    }
  }
}

// Redis's backgroundSaveDoneHandlerDisk.
void RdbChildDone(int exitcode, int bysignal) {
  PersistState& p = P();
  int64_t now = common::MsTime() / 1000;
  if (p.rdb_to_socket) {
    p.rdb_to_socket = false;
    if (!bysignal && exitcode == 0) {
      LOG_NOTICE("Background RDB transfer terminated with success");
    } else if (!bysignal) {
      LOG_WARNING("Background transfer error");
    } else {
      LOG_WARNING("Background transfer terminated by signal %d", bysignal);
    }
    p.rdb_save_time_last = now - p.rdb_save_time_start;
    p.rdb_save_time_start = -1;
    return;
  }
  if (!bysignal && exitcode == 0) {
    LOG_NOTICE("Background saving terminated with success");
    GetState().dirty -= std::min(GetState().dirty, p.dirty_before_bgsave);
    Runtime().lastsave = now;
    p.lastbgsave_ok = true;
  } else if (!bysignal && exitcode != 0) {
    LOG_WARNING("Background saving error");
    p.lastbgsave_ok = false;
  } else {
    LOG_WARNING("Background saving terminated by signal %d", bysignal);
    unlink(("temp-" + std::to_string(p.child_pid) + ".rdb").c_str());
    // SIGUSR1 is how we stop a child on purpose: not an error.
    if (bysignal != SIGUSR1) p.lastbgsave_ok = false;
  }
  p.rdb_save_time_last = now - p.rdb_save_time_start;
  p.rdb_save_time_start = -1;
}

void CheckChildDone() {
  PersistState& p = P();
  if (p.child_pid < 0) return;
  int status = 0;
  pid_t r = waitpid(p.child_pid, &status, WNOHANG);
  if (r == 0) return;
  int exitcode = 0, bysignal = 0;
  if (r < 0) {
    LOG_WARNING("waitpid() returned an error: %s. child_type: %s, child_pid = %d", strerror(errno),
                p.child_type == ChildType::kRdb ? "RDB" : "AOF", static_cast<int>(p.child_pid));
    exitcode = 1;
  } else if (WIFEXITED(status)) {
    exitcode = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    bysignal = WTERMSIG(status);
  }
  ReceiveChildInfo();
  ChildType type = p.child_type;
  if (type == ChildType::kRdb) {
    RdbChildDone(exitcode, bysignal);
  } else if (type == ChildType::kAof) {
    AofChildDone(!bysignal && exitcode == 0, bysignal ? bysignal : (exitcode != 0 ? -1 : 0));
  }
  ResetChildState();
  // Replicas waiting for this RDB (which may fork the next one: after the
  // reset).
  if (type == ChildType::kRdb) repl::OnRdbSaveDone(!bysignal && exitcode == 0);
}

const char* DiskError() {
  const ServerConfig& cfg = Config();
  if (cfg.stop_writes_on_bgsave_error && !cfg.save.empty() && !P().lastbgsave_ok) return commands::err::kMisconf;
  return AofDiskError();
}

void OnFlushAll() {
  if (ActiveChild() == ChildType::kRdb) KillChild();
  if (!Config().save.empty()) {
    // Redis 7.0 (flushAllDataAndResetRDB): the empty dataset goes to disk
    // now, so a restart does not resurrect what was flushed.
    RdbSaveNow();
  }
}

// A key deleted because it expired: as Redis's deleteExpiredKeyAndPropagate,
// its WATCHers see a modification, and the deletion is propagated.
// An expired key was deleted (lazily or by the active cycle): its event,
// WATCH, and the DEL for the AOF, in Redis's deleteExpiredKeyAndPropagate
// order.
void OnExpired(int db, std::string_view key) {
  commands::NotifyKeyspaceEvent(commands::kNotifyExpired, "expired", key, db);
  commands::SignalKeyModified(db, key, nullptr);
  commands::PropagateDeletion(db, key, GetState().lazyfree_lazy_expire);
}

int64_t TotalKeys() {
  int64_t n = 0;
  for (db::Db* d : AllDbs()) n += static_cast<int64_t>(d->size());
  return n;
}

// ---- commands ----

void SaveCommand(Client& c) {
  if (ActiveChild() == ChildType::kRdb) {
    c.AddError("ERR Background save already in progress");
    return;
  }
  P().stat_rdb_saves++;
  if (RdbSaveNow()) {
    c.reply.Ok();
  } else {
    c.AddError("ERR");
  }
}

void BgsaveCommand(Client& c) {
  bool schedule = false;
  if (c.argv.size() > 1) {
    if (c.argv.size() == 2 && commands::ArgIs(c.argv[1], "schedule")) {
      schedule = true;
    } else {
      c.AddSyntaxError();
      return;
    }
  }
  ChildType active = ActiveChild();
  if (active == ChildType::kRdb) {
    c.AddError("ERR Background save already in progress");
  } else if (active != ChildType::kNone || GetState().call_depth > 1) {
    // call_depth > 1: inside EXEC, where Redis schedules instead of forking.
    if (schedule || GetState().call_depth > 1) {
      P().bgsave_scheduled = true;
      c.reply.SimpleString("Background saving scheduled");
    } else {
      c.AddError(
          "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to "
          "schedule a BGSAVE whenever possible.");
    }
  } else if (RdbSaveBackground()) {
    c.reply.SimpleString("Background saving started");
  } else {
    c.AddError("ERR");
  }
}

}  // namespace

// ---- fork ----

std::vector<db::Db*>& AllDbs() { return GetState().db_ptrs; }

ChildType ActiveChild() { return P().child_type; }

pid_t ForkChild(ChildType type, const std::function<int()>& body) {
  PersistState& p = P();
  if (!p.pipe.Open()) LOG_WARNING("Can't open the child info pipe: %s", strerror(errno));
  int64_t start = common::UsTime();
  pid_t pid = fork();
  if (pid == 0) {
    // The child: default signal dispositions (SIGTERM/SIGUSR1 end it), no
    // listening sockets, no event loop; only body() and _exit.
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    common::SetLogRole('C');
    (void)SetOomScoreAdj(OomClass::kBgChild);  // the first the OOM killer takes
    for (int fd : Runtime().listen_fds) close(fd);
    for (int fd : Runtime().tls_listen_fds) close(fd);
    if (Runtime().unix_fd >= 0) close(Runtime().unix_fd);
    p.child_last_report_ms = 0;
    p.child_cow = persist::CowBytes();
    p.child_cow_read_us = p.child_cow_cost_us = 0;
    p.child_cow_read_ms = 0;
    p.child_cow_peak = persist::CowBytes();
    p.child_cow_sum = p.child_cow_samples = 0;
    int code = body();
    _exit(code);
  }
  if (pid < 0) {
    int err = errno;
    p.pipe.Close();
    errno = err;
    return -1;
  }
  p.latest_fork_usec = common::UsTime() - start;
  p.total_forks++;
  commands::LatencyAddSampleIfNeeded("fork", p.latest_fork_usec / 1000);
  p.child_pid = pid;
  p.child_type = type;
  p.current = persist::ChildInfo();
  p.current_save_keys_total = static_cast<size_t>(TotalKeys());
  // While the child lives, writes to pages it shares are copies: no dict
  // resizing, no access-clock updates on reads (Redis's hasActiveChildProcess).
  ds::Dict::SetResizeEnabled(false);
  db::SetForkChildAlive(true);
  return pid;
}

void KillChild() {
  PersistState& p = P();
  if (p.child_pid < 0) return;
  if (p.child_type == ChildType::kRdb) {
    LOG_NOTICE("Killing running RDB child: %ld", static_cast<long>(p.child_pid));
  } else {
    LOG_NOTICE("Killing running AOF rewrite child: %ld", static_cast<long>(p.child_pid));
  }
  kill(p.child_pid, SIGUSR1);
  int status;
  while (waitpid(p.child_pid, &status, 0) < 0 && errno == EINTR) {
  }
  ChildType type = p.child_type;
  if (type == ChildType::kRdb) {
    RdbChildDone(0, SIGUSR1);
  } else {
    AofChildDone(false, SIGUSR1);
  }
  ResetChildState();
}

void ChildReportProgress(size_t keys) {
  PersistState& p = P();
  int64_t now = common::MsTime();
  if (now - p.child_last_report_ms < kChildInfoIntervalMs) return;
  p.child_last_report_ms = now;
  uint64_t now_us = common::MonotonicUs();
  if (p.child_cow_read_us == 0 || now_us - p.child_cow_read_us > p.child_cow_cost_us * kCowDutyCycle) {
    p.child_cow = MeasureCow();
    uint64_t done_us = common::MonotonicUs();
    p.child_cow_cost_us = done_us - now_us;
    p.child_cow_read_us = done_us;
    p.child_cow_read_ms = now;
    if (p.child_cow.total > p.child_cow_peak.total) p.child_cow_peak = p.child_cow;
    p.child_cow_sum += p.child_cow.total;
    p.child_cow_samples++;
  }
  persist::ChildInfo info;
  info.type = persist::ChildInfoType::kCurrent;
  info.keys = keys;
  info.cow = p.child_cow;
  info.cow_updated_ms = p.child_cow_read_ms;
  p.pipe.Send(info);
}

void ChildReportFinalCow(persist::ChildInfoType type, const char* what) {
  PersistState& p = P();
  persist::ChildInfo info;
  info.type = type;
  info.cow = MeasureCow();
  info.cow_updated_ms = common::MsTime();
  if (info.cow.total > p.child_cow_peak.total) p.child_cow_peak = info.cow;
  p.child_cow_sum += info.cow.total;
  p.child_cow_samples++;
  p.pipe.Send(info);
  LOG_NOTICE("Fork CoW for %s: current %zu MB, peak %zu MB, average %" PRIu64 " MB", what, info.cow.total / kMb,
             p.child_cow_peak.total / kMb, p.child_cow_sum / p.child_cow_samples / kMb);
  LOG_NOTICE("Fork CoW for %s by tier: dram %zu MB, nvm %zu MB", what, info.cow.dram / kMb, info.cow.nvm / kMb);
}

// ---- loading ----

void StartLoading(size_t total_bytes, int64_t rdb_used_mem) {
  PersistState& p = P();
  GetState().loading = true;
  p.loading_start_time = common::MsTime() / 1000;
  p.loading_total_bytes = total_bytes;
  p.loading_loaded_bytes = 0;
  p.loading_rdb_used_mem = rdb_used_mem;
  p.loading_last_log_ms = p.loading_events_ms = common::MsTime();
}

void LoadingProgress(size_t loaded_bytes) {
  PersistState& p = P();
  p.loading_loaded_bytes = loaded_bytes;
  int64_t now = common::MsTime();
  if (now - p.loading_last_log_ms >= kLoadLogIntervalMs && p.loading_total_bytes > 0) {
    p.loading_last_log_ms = now;
    LOG_NOTICE("Loading: %.2f%% (%zu of %zu bytes)", 100.0 * static_cast<double>(loaded_bytes) /
                                                         static_cast<double>(p.loading_total_bytes),
               loaded_bytes, p.loading_total_bytes);
  }
  // Serve clients meanwhile (they get -LOADING for most commands), as
  // Redis's processEventsWhileBlocked.
  if (Runtime().loop) {
    db::SetNow(now);
    Runtime().loop->ProcessEvents(net::EventLoop::kFileEvents | net::EventLoop::kDontWait |
                                  net::EventLoop::kCallBeforeSleep);
  }
}

void StopLoading() {
  GetState().loading = false;
  P().loading_total_bytes = P().loading_loaded_bytes = 0;
}

namespace {

// Loads dbfilename into the (empty) dbs. *missing when there is no file.
common::Status LoadRdbData(std::string_view data, const std::vector<db::Db*>& dbs, bool allow_dup,
                           bool keep_expired);

common::Status LoadRdbFile(const std::string& path, bool allow_dup, bool* missing, bool keep_expired = false) {
  *missing = false;
  persist::MappedFile f;
  common::Status s = f.Open(path);
  if (s.code() == common::Code::kNotFound) {
    *missing = true;
    return common::Status::Ok();
  }
  if (!s.ok()) return common::Status::IoError("Can't open " + path + ": " + s.message());
  return LoadRdbData(f.data(), AllDbs(), allow_dup, keep_expired);
}

// Loads an RDB image into dbs, with the loading state and its logs.
common::Status LoadRdbData(std::string_view data, const std::vector<db::Db*>& dbs, bool allow_dup,
                           bool keep_expired) {
  PersistState& p = P();
  StartLoading(data.size(), 0);
  persist::RdbLoadOptions o;
  o.now_ms = common::MsTime();
  o.verify_checksum = Config().rdbchecksum && !persist::SkipChecksumValidation();
  o.allow_dup = allow_dup;
  o.drop_expired = !keep_expired;
  o.key_load_delay_us = Config().key_load_delay;
  o.progress_bytes = static_cast<size_t>(Config().loading_process_events_interval_bytes);
  // With key-load-delay the bytes between events are few keys' worth, so
  // clients are served often enough to observe the loading state.
  if (o.key_load_delay_us > 0) o.progress_bytes = 1024;
  o.progress = [](size_t pos, size_t) { LoadingProgress(pos); };
  o.load_function = LoadFunctionLibrary;
  persist::RdbLoadStats st;
  common::Status s = persist::RdbLoad(data, dbs, o, &st);
  StopLoading();
  if (!s.ok()) {
    LogRdbAux(st);  // what was read before the failure, as Redis logs it
    return s;
  }
  LogRdbLoaded(st);
  p.rdb_last_load_keys_loaded = st.keys_loaded;
  p.rdb_last_load_keys_expired = st.keys_expired;
  repl::RdbReplInfo ri;
  ri.valid = !st.repl_id.empty();
  ri.replid = st.repl_id;
  ri.offset = st.repl_offset;
  ri.stream_db = st.repl_stream_db < 0 ? 0 : st.repl_stream_db;
  p.loaded_repl = ri;
  return common::Status::Ok();
}

// async: the lazy-free thread frees the old values (replica-lazy-flush).
void FlushAllDbs(bool async = false) {
  commands::SignalFlushedDb(-1);  // before: it looks at which watched keys exist
  for (db::Db* d : AllDbs()) d->Flush(async);
}

}  // namespace

void LogRdbAux(const persist::RdbLoadStats& st) {
  if (!st.redis_ver.empty()) LOG_NOTICE("Loading RDB produced by version %s", st.redis_ver.c_str());
  if (st.ctime >= 0) LOG_NOTICE("RDB age %lld seconds", static_cast<long long>(common::MsTime() / 1000 - st.ctime));
  if (st.used_mem >= 0) LOG_NOTICE("RDB memory usage when created %.2f Mb", static_cast<double>(st.used_mem) / kMb);
  if (st.aof_base) LOG_NOTICE("RDB is base AOF");
}

void LogRdbLoaded(const persist::RdbLoadStats& st) {
  LogRdbAux(st);
  if (st.checksum_skipped) LOG_WARNING("RDB file was saved with checksum disabled: no check performed.");
  LOG_NOTICE("Done loading RDB, keys loaded: %zu, keys expired: %zu.", st.keys_loaded, st.keys_expired);
}

bool StartBgsaveForReplication() { return RdbSaveBackground(); }

// What every load of a master's dataset ends with: its aux fields, no half
// dataset after a failure, a clean dataset, the AOF restarted on the new one.
static common::Status FinishReplicationLoad(const common::Status& s, repl::RdbReplInfo* info, bool flush_on_error) {
  *info = P().loaded_repl;
  if (!s.ok()) {
    if (flush_on_error) FlushAllDbs();
    return s;
  }
  GetState().dirty = 0;
  AofRestartAfterSync();
  return s;
}

common::Status LoadRdbDataForReplication(std::string_view data, bool swap, repl::RdbReplInfo* info) {
  P().loaded_repl = repl::RdbReplInfo();
  if (!swap) {
    FlushAllDbs(Config().replica_lazy_flush);
    common::Status s = LoadRdbData(data, AllDbs(), false, /*keep_expired=*/true);
    return FinishReplicationLoad(s, info, /*flush_on_error=*/true);
  }
  // repl-diskless-load swapdb: the old dataset serves reads until the new
  // one is loaded beside it, and comes back if the load fails.
  std::vector<std::unique_ptr<db::Db>> fresh;
  std::vector<db::Db*> ptrs;
  for (db::Db* d : AllDbs()) {
    fresh.push_back(std::make_unique<db::Db>(d->id()));
    ptrs.push_back(fresh.back().get());
  }
  common::Status s = LoadRdbData(data, ptrs, false, /*keep_expired=*/true);
  if (!s.ok()) {
    LOG_WARNING("Failed trying to load the MASTER synchronization DB from socket, restoring the old dataset");
    return s;
  }
  commands::SignalFlushedDb(-1);
  for (size_t i = 0; i < ptrs.size(); i++) {
    AllDbs()[i]->SwapWith(*ptrs[i]);
    ptrs[i]->Flush(Config().replica_lazy_flush);
  }
  return FinishReplicationLoad(s, info, /*flush_on_error=*/false);  // the old data goes with `fresh`
}

// Redis's rdbSaveToSlavesSockets: the child writes the RDB to fd (the
// parent forwards it to the replicas); no file, so neither LASTSAVE nor
// the dirty counter move when it ends.
bool StartBgsaveToFd(int fd) {
  PersistState& p = P();
  if (ActiveChild() != ChildType::kNone) return false;
  persist::RdbSaveOptions opts = SaveOptions();
  opts.incremental_fsync = false;
  pid_t pid = ForkChild(ChildType::kRdb, [opts, fd]() mutable {
    opts.progress = [](size_t keys) { ChildReportProgress(keys); };
    common::Result<persist::RdbSaveStats> r = persist::RdbSaveToFd(fd, AllDbs(), opts);
    close(fd);
    if (!r.ok()) {
      LOG_WARNING("%s", r.status().message().c_str());
      return 1;
    }
    ChildReportFinalCow(persist::ChildInfoType::kRdbCow, "RDB");
    return 0;
  });
  if (pid < 0) {
    LOG_WARNING("Can't save in background: fork: %s", strerror(errno));
    return false;
  }
  LOG_NOTICE("Background RDB transfer started by pid %ld", static_cast<long>(pid));
  p.rdb_to_socket = true;
  p.rdb_save_time_start = common::MsTime() / 1000;
  return true;
}

common::Status LoadRdbForReplication(const std::string& path, repl::RdbReplInfo* info) {
  FlushAllDbs(Config().replica_lazy_flush);
  bool missing = false;
  common::Status s = LoadRdbFile(path, false, &missing, /*keep_expired=*/true);
  if (s.ok() && missing) s = common::Status::IoError("no such file");
  return FinishReplicationLoad(s, info, /*flush_on_error=*/true);
}

bool LoadDataAtStartup() {
  int64_t start = common::UsTime();
  if (Config().appendonly) {
    if (!AofLoadAtStartup()) return false;
  } else {
    bool missing;
    common::Status s = LoadRdbFile(Config().dbfilename, false, &missing);
    if (!s.ok()) {
      // The reason, then Redis's last line: a file that is no RDB at all
      // (or cannot be read) is a "Fatal error loading the DB"; bad content
      // ends with "Terminating server after rdb file reading failure.".
      const std::string& why = s.message();
      LOG_WARNING("Error loading the RDB file %s: %s", Config().dbfilename.c_str(), why.c_str());
      if (s.code() == common::Code::kIoError) {
        LOG_WARNING("Fatal error loading the DB: %s. Exiting.", why.substr(why.rfind(": ") + 2).c_str());
      } else if (why.rfind("Wrong signature", 0) == 0 || why.rfind("Can't handle RDB format version", 0) == 0 ||
                 why.rfind("Bad RDB version digits", 0) == 0) {
        LOG_WARNING("Fatal error loading the DB: %s. Exiting.", strerror(EINVAL));
      } else {
        LOG_WARNING("Terminating server after rdb file reading failure.");
      }
      return false;
    }
    if (!missing) {
      LOG_NOTICE("DB loaded from disk: %.3f seconds", static_cast<double>(common::UsTime() - start) / 1e6);
      repl::RestoreFromRdb(P().loaded_repl);
    }
  }
  GetState().dirty = 0;
  return AofOpenOnStartup();
}

// ---- cron, shutdown ----

void PersistenceCron() {
  PersistState& p = P();
  const ServerConfig& cfg = Config();
  if (p.child_pid >= 0) {
    ReceiveChildInfo();
    CheckChildDone();
  }
  int64_t now = common::MsTime() / 1000;
  if (ActiveChild() == ChildType::kNone) {
    // A BGSAVE SCHEDULE waiting for the AOF child, or a rewrite waiting for
    // the RDB child.
    if (p.bgsave_scheduled) {
      if (RdbSaveBackground()) p.bgsave_scheduled = false;
    } else if (!AofRewriteIfScheduled()) {
      for (const SaveParam& sp : cfg.save) {
        if (GetState().dirty >= static_cast<uint64_t>(sp.changes) && now - Runtime().lastsave > sp.seconds &&
            (now - p.lastbgsave_try > kBgsaveRetryDelaySec || p.lastbgsave_ok)) {
          LOG_NOTICE("%d changes in %d seconds. Saving...", sp.changes, static_cast<int>(sp.seconds));
          RdbSaveBackground();
          break;
        }
      }
    }
  }
  AofCron();
}

void PersistenceBeforeSleep() { AofBeforeSleep(); }

bool PersistenceShutdown(bool nosave, bool save, bool force) {
  if (ActiveChild() == ChildType::kRdb) {
    LOG_WARNING("There is a child saving an .rdb. Killing it!");
    KillChild();
  } else if (ActiveChild() == ChildType::kAof) {
    LOG_WARNING("There is a child rewriting the AOF. Killing it!");
    KillChild();
  }
  if (AofEnabled()) {
    LOG_NOTICE("Calling fsync() on the AOF file.");
    if (!AofShutdown() && !force) {
      LOG_WARNING("Error trying to flush the AOF file, can't exit.");
      return false;
    }
  }
  if ((!Config().save.empty() && !nosave) || save) {
    LOG_NOTICE("Saving the final RDB snapshot before exiting.");
    if (!RdbSaveNow()) {
      if (force) {
        LOG_WARNING("Error trying to save the DB. Exit anyway.");
      } else {
        LOG_WARNING("Error trying to save the DB, can't exit.");
        return false;
      }
    }
  }
  return true;
}

// ---- INFO ----

void AppendPersistenceInfo(std::string& o) {
  PersistState& p = P();
  int64_t now = common::MsTime();
  bool child = p.child_pid >= 0;
  o += "# Persistence\r\n";
  InfoField(o, "loading", GetState().loading ? 1 : 0);
  InfoField(o, "async_loading", 0);
  InfoField(o, "current_cow_peak", static_cast<int64_t>(child ? p.current_cow_peak.total : 0));
  InfoField(o, "current_cow_size", static_cast<int64_t>(child ? p.current.cow.total : 0));
  InfoField(o, "current_cow_size_age",
        child && p.current.cow_updated_ms ? (now - p.current.cow_updated_ms) / 1000 : 0);
  char perc[32];
  double fork_perc = child && p.current_save_keys_total
                         ? 100.0 * static_cast<double>(p.current.keys) / static_cast<double>(p.current_save_keys_total)
                         : 0.0;
  snprintf(perc, sizeof(perc), "%.2f", fork_perc);
  InfoField(o, "current_fork_perc", std::string(perc));
  InfoField(o, "current_save_keys_processed", static_cast<int64_t>(child ? p.current.keys : 0));
  InfoField(o, "current_save_keys_total", static_cast<int64_t>(child ? p.current_save_keys_total : 0));
  InfoField(o, "rdb_changes_since_last_save", static_cast<int64_t>(GetState().dirty));
  InfoField(o, "rdb_bgsave_in_progress", p.child_type == ChildType::kRdb ? 1 : 0);
  InfoField(o, "rdb_last_save_time", Runtime().lastsave);
  InfoField(o, "rdb_last_bgsave_status", std::string(p.lastbgsave_ok ? "ok" : "err"));
  InfoField(o, "rdb_last_bgsave_time_sec", p.rdb_save_time_last);
  InfoField(o, "rdb_current_bgsave_time_sec", p.rdb_save_time_start >= 0 ? now / 1000 - p.rdb_save_time_start : -1);
  InfoField(o, "rdb_saves", static_cast<int64_t>(p.stat_rdb_saves));
  InfoField(o, "rdb_last_cow_size", static_cast<int64_t>(p.rdb_last_cow.total));
  InfoField(o, "rdb_last_load_keys_expired", static_cast<int64_t>(p.rdb_last_load_keys_expired));
  InfoField(o, "rdb_last_load_keys_loaded", static_cast<int64_t>(p.rdb_last_load_keys_loaded));
  AofPersistenceFields(o);
  InfoField(o, "module_fork_in_progress", 0);
  InfoField(o, "module_fork_last_cow_size", 0);
  AofAppendInfo(o);
  if (GetState().loading) {
    int64_t elapsed = now / 1000 - p.loading_start_time;
    double lperc = p.loading_total_bytes ? 100.0 * static_cast<double>(p.loading_loaded_bytes) /
                                               static_cast<double>(p.loading_total_bytes)
                                         : 0;
    int64_t eta = elapsed > 0 && p.loading_loaded_bytes > 0
                      ? static_cast<int64_t>((static_cast<double>(p.loading_total_bytes - p.loading_loaded_bytes) /
                                              (static_cast<double>(p.loading_loaded_bytes) / elapsed)))
                      : 1;
    InfoField(o, "loading_start_time", p.loading_start_time);
    InfoField(o, "loading_total_bytes", static_cast<int64_t>(p.loading_total_bytes));
    InfoField(o, "loading_rdb_used_mem", p.loading_rdb_used_mem);
    InfoField(o, "loading_loaded_bytes", static_cast<int64_t>(p.loading_loaded_bytes));
    snprintf(perc, sizeof(perc), "%.2f", lperc);
    InfoField(o, "loading_loaded_perc", std::string(perc));
    InfoField(o, "loading_eta_seconds", eta);
  }
  // tieredis: the copy-on-write split by tier (README "INFO fields").
  InfoField(o, "current_cow_size_dram", static_cast<int64_t>(child ? p.current.cow.dram : 0));
  InfoField(o, "current_cow_size_nvm", static_cast<int64_t>(child ? p.current.cow.nvm : 0));
  InfoField(o, "rdb_last_cow_size_dram", static_cast<int64_t>(p.rdb_last_cow.dram));
  InfoField(o, "rdb_last_cow_size_nvm", static_cast<int64_t>(p.rdb_last_cow.nvm));
  InfoField(o, "aof_last_cow_size_dram", static_cast<int64_t>(AofLastCow().dram));
  InfoField(o, "aof_last_cow_size_nvm", static_cast<int64_t>(AofLastCow().nvm));
}

void AppendForkStats(std::string& o) {
  InfoField(o, "latest_fork_usec", P().latest_fork_usec);
  InfoField(o, "total_forks", static_cast<int64_t>(P().total_forks));
}

// ---- DEBUG RELOAD / LOADAOF ----

bool DebugPersistenceCommand(Client& c) {
  std::string_view sub = c.argv[1];
  if (commands::ArgIs(sub, "loadaof")) {
    if (GetState().loading) {
      c.AddError(commands::err::kLoading);
      return true;
    }
    common::Status s = DebugLoadAof();
    if (!s.ok()) {
      c.AddError("ERR Error loading the AOF: " + s.message());
      return true;
    }
    c.reply.Ok();
    return true;
  }
  if (!commands::ArgIs(sub, "reload")) return false;
  bool merge = false, noflush = false, nosave = false;
  for (size_t j = 2; j < c.argv.size(); j++) {
    if (commands::ArgIs(c.argv[j], "merge")) {
      merge = true;
    } else if (commands::ArgIs(c.argv[j], "noflush")) {
      noflush = true;
    } else if (commands::ArgIs(c.argv[j], "nosave")) {
      nosave = true;
    } else {
      c.AddError("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
      return true;
    }
  }
  if (GetState().loading) {
    c.AddError(commands::err::kLoading);
    return true;
  }
  if (!nosave) {
    if (ActiveChild() == ChildType::kRdb) KillChild();
    if (!RdbSaveNow()) {
      c.AddError("ERR");
      return true;
    }
  }
  if (!noflush) FlushAllDbs();
  bool missing;
  common::Status s = LoadRdbFile(Config().dbfilename, merge, &missing);
  if (!s.ok() || missing) {
    LOG_WARNING("Error loading the RDB file %s: %s", Config().dbfilename.c_str(),
                missing ? "No such file or directory" : s.message().c_str());
    c.AddError("ERR Error trying to load the RDB dump, check server logs.");
    return true;
  }
  LOG_NOTICE("DB reloaded by DEBUG RELOAD");
  c.reply.Ok();
  return true;
}

// ---- start-up ----

void InitPersistence() {
  // As Redis's initServer: at start-up the dataset counts as saved, so save
  // points measure their period from now. With lastsave at 0 every period
  // would look elapsed and the first write would start a BGSAVE at once.
  Runtime().lastsave = common::MsTime() / 1000;
  auto& st = GetState();
  st.disk_error = DiskError;
  st.on_flushall = OnFlushAll;
  db::SetExpiredHook(OnExpired);
  AofInit();
}

void RegisterPersistenceCommands(commands::Registry& r) {
  using namespace commands;
  const uint32_t kAdminCat = kCatAdmin | kCatSlow | kCatDangerous;
  r.Add({"save", 1, kAdmin | kNoScript | kNoMulti, 0, 0, 0, SaveCommand, "server",
         "Synchronously save the dataset to disk", "1.0.0", kAdminCat});
  r.Add({"bgsave", -1, kAdmin | kNoScript, 0, 0, 0, BgsaveCommand, "server",
         "Asynchronously save the dataset to disk", "1.0.0", kAdminCat});
  RegisterAofCommands(r);
}

}  // namespace server
