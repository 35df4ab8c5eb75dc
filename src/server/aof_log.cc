// The append-only file at run time: Redis 7.0's multi-part AOF (see
// persist/aof.h for the layout).
//
// Feeding: the dispatcher hands every top-level command's ops to AofFeed
// (commands::State::propagate), which appends them in RESP to an in-memory
// buffer, with SELECT when the db changes and MULTI/EXEC around more than one
// op (Redis 7.0's propagatePendingCommands + feedAppendOnlyFile). The buffer
// is written in beforeSleep, before any reply is sent; under appendfsync
// always it is also fsynced there, so a client never sees the reply to a
// write that is not on disk. everysec fsyncs from a background thread at
// most once a second; no leaves it to the kernel.
//
// Rewrite (BGREWRITEAOF, auto-aof-rewrite-*, CONFIG SET appendonly yes):
// the parent first switches to a new incr file (recorded in the manifest
// before the fork), so the child only has to write a new base from its
// snapshot; when it succeeds the new base replaces the old, older incr files
// become history and are deleted. Enabling the AOF at run time writes to a
// temporary incr file until the first base exists (state kWaitRewrite).
//
// Invariant: the manifest on disk always lists files that, loaded in order,
// give the dataset as of the last write flushed, so a crash at any moment
// (kill -9) restarts with every fsynced write.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "alloc/zmalloc.h"
#include "commands/dispatch.h"
#include "commands/propagate.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "persist/aof.h"
#include "persist/dump.h"
#include "persist/rdb.h"
#include "repl/replication.h"
#include "script/script.h"
#include "server/config.h"
#include "server/debug.h"
#include "server/info_field.h"
#include "server/persistence.h"
#include "server/server.h"

namespace server {
namespace {

using commands::Client;
using commands::GetState;

enum class AofState { kOff, kOn, kWaitRewrite };

// Background fsync for appendfsync everysec (Redis's bio AOF fsync job).
// The job fsyncs a dup() of the fd, so the main thread may close or switch
// files meanwhile.
class FsyncThread {
 public:
  // Queues an fsync of fd unless one is running. Returns false if busy.
  bool Request(int fd) {
    std::unique_lock<std::mutex> lock(mu_);
    if (busy_) return false;
    int dup_fd = dup(fd);
    if (dup_fd < 0) return false;
    if (!started_) {
      started_ = true;
      std::thread([this] { Loop(); }).detach();
    }
    fd_ = dup_fd;
    busy_ = true;
    cv_.notify_one();
    return true;
  }
  bool Busy() {
    std::unique_lock<std::mutex> lock(mu_);
    return busy_;
  }
  // Errno of the last failed background fsync, 0 when the last one worked.
  int LastError() {
    std::unique_lock<std::mutex> lock(mu_);
    return error_;
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return fd_ >= 0; });
      int fd = fd_;
      lock.unlock();
      int err = fdatasync(fd) == 0 ? 0 : errno;
      close(fd);
      lock.lock();
      error_ = err;
      fd_ = -1;
      busy_ = false;
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  int fd_ = -1;
  bool busy_ = false;
  bool started_ = false;
  int error_ = 0;
};

struct Aof {
  AofState state = AofState::kOff;
  int fd = -1;          // the incr file being appended (or the temp incr)
  std::string buf;      // fed, not yet written
  int selected_db = -1;
  persist::AofManifest manifest;
  bool have_manifest = false;
  int64_t current_size = 0;     // base + incr bytes
  int64_t base_size = 0;        // aof_base_size: current_size after the last rewrite
  int64_t last_incr_size = 0;   // bytes of the open incr file
  int64_t last_fsync_ms = 0;
  bool unsynced = false;        // written since the last fsync
  bool last_write_ok = true;
  int last_write_errno = 0;
  uint64_t delayed_fsync = 0;
  int64_t last_ts = 0;          // last #TS annotation (unix s)
  // rewrite
  pid_t child_pid = -1;
  bool rewrite_scheduled = false;
  int64_t rewrite_time_start = -1, rewrite_time_last = -1;
  bool last_bgrewrite_ok = true;
  uint64_t rewrites = 0, consecutive_failures = 0;
  persist::CowBytes last_cow;
  std::string misconf;  // the MISCONF text while a write error lasts
};

Aof& A() {
  static Aof* a = new Aof();
  return *a;
}

FsyncThread& Fsyncer() {
  static FsyncThread* t = new FsyncThread();
  return *t;
}

const std::string& DirName() { return Config().appenddirname; }
std::string InDir(const std::string& name) { return DirName() + "/" + name; }

int64_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

void FsyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

common::Status EnsureDir() {
  if (mkdir(DirName().c_str(), 0755) != 0 && errno != EEXIST)
    return common::Status::IoError("Can't create the append-only dir " + DirName() + ": " + strerror(errno));
  return common::Status::Ok();
}

// Writes the manifest atomically (temp file, fsync, rename, fsync dir).
common::Status PersistManifest(const persist::AofManifest& m) {
  std::string text = m.Format();
  std::string tmp = InDir("temp-" + persist::AofManifestName(Config().appendfilename));
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return common::Status::IoError(std::string("Can't open the AOF manifest file: ") + strerror(errno));
  bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  int err = errno;
  close(fd);
  if (!ok || rename(tmp.c_str(), InDir(persist::AofManifestName(Config().appendfilename)).c_str()) != 0) {
    if (ok) err = errno;
    unlink(tmp.c_str());
    return common::Status::IoError(std::string("Can't persist the AOF manifest file: ") + strerror(err));
  }
  FsyncDir(DirName());
  return common::Status::Ok();
}

int OpenAppend(const std::string& path, bool truncate) {
  return open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0644);
}

// Writes the whole dataset as a base file at path (temp + rename).
common::Status WriteBase(int fd, bool preamble) {
  if (preamble) {
    persist::RdbSaveOptions o;
    o.compress = Config().rdbcompression;
    o.checksum = Config().rdbchecksum;
    o.aof_base = true;
    o.ctime = common::MsTime() / 1000;
    o.used_mem = alloc::UsedMemory();
    o.key_save_delay_us = Config().rdb_key_save_delay;
    o.progress = [](size_t keys) { ChildReportProgress(keys); };
    o.functions = script::LibraryCodes();
    common::Result<persist::RdbSaveStats> r = persist::RdbSaveToFd(fd, AllDbs(), o);
    return r.status();
  }
  // The function libraries first, as FUNCTION LOAD commands (Redis 7.0's
  // rewriteFunctions).
  std::string fns;
  for (const std::string& code : script::LibraryCodes()) persist::AppendRespCommand(&fns, {"FUNCTION", "LOAD", code});
  for (size_t off = 0; off < fns.size();) {
    ssize_t n = write(fd, fns.data() + off, fns.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return common::Status::IoError(strerror(errno));
    off += static_cast<size_t>(n);
  }
  common::Result<persist::AofRewriteStats> r =
      persist::AofRewriteCommands(fd, AllDbs(), Config().rdb_key_save_delay, [](size_t k) { ChildReportProgress(k); });
  return r.status();
}

// ---- feeding and flushing ----

void AofFeed(const std::vector<commands::PropagatedOp>& ops) {
  Aof& a = A();
  // While enabling at run time, commands are kept only once the rewrite
  // child exists (before that, the base it writes will contain them).
  if (a.state == AofState::kOff || (a.state == AofState::kWaitRewrite && a.child_pid < 0)) return;
  if (Config().aof_timestamp_enabled) {
    int64_t now = common::MsTime() / 1000;
    if (now > a.last_ts) {
      a.last_ts = now;
      a.buf += "#TS:" + std::to_string(now) + "\r\n";
    }
  }
  auto select = [&](int db) {
    if (db == a.selected_db) return;
    std::string id = std::to_string(db);
    persist::AppendRespCommand(&a.buf, {"SELECT", id});
    a.selected_db = db;
  };
  bool wrap = ops.size() > 1;
  if (wrap) {
    select(ops[0].db);
    persist::AppendRespCommand(&a.buf, {"MULTI"});
  }
  std::vector<std::string_view> argv;
  for (const commands::PropagatedOp& op : ops) {
    select(op.db);
    argv.assign(op.argv.begin(), op.argv.end());
    persist::AppendRespCommand(&a.buf, argv);
  }
  if (wrap) persist::AppendRespCommand(&a.buf, {"EXEC"});
}

// Redis's flushAppendOnlyFile.
void AofFlush(bool force) {
  Aof& a = A();
  if (a.fd < 0) return;
  const std::string& policy = Config().appendfsync;
  if (!a.buf.empty()) {
    if (AofFlushSleepUs() > 0) usleep(static_cast<useconds_t>(AofFlushSleepUs()));  // DEBUG AOF-FLUSH-SLEEP
    ssize_t n = 0;
    size_t off = 0;
    while (off < a.buf.size()) {
      n = write(a.fd, a.buf.data() + off, a.buf.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    if (off != a.buf.size()) {
      int err = n < 0 ? errno : ENOSPC;
      if (off == 0) {
        LOG_WARNING("Error writing to the AOF file: %s", strerror(err));
      } else {
        LOG_WARNING("Short write while writing to the AOF file: (nwritten=%zu, expected=%zu)", off, a.buf.size());
        // Take the partial command back out, so the file stays loadable.
        if (ftruncate(a.fd, a.last_incr_size) == -1) {
          LOG_WARNING("Could not remove short write from the append-only file. Redis may refuse to load the AOF "
                      "the next time it starts. ftruncate: %s",
                      strerror(errno));
          a.last_incr_size += static_cast<int64_t>(off);
          a.current_size += static_cast<int64_t>(off);
          a.buf.erase(0, off);
        }
      }
      if (policy == "always") {
        LOG_WARNING("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
        _exit(1);
      }
      a.last_write_ok = false;
      a.last_write_errno = err;
      a.misconf = std::string("MISCONF Errors writing to the AOF file: ") + strerror(err);
      return;
    }
    if (!a.last_write_ok) {
      LOG_WARNING("AOF write error looks solved, Redis can write again.");
      a.last_write_ok = true;
    }
    a.current_size += static_cast<int64_t>(a.buf.size());
    a.last_incr_size += static_cast<int64_t>(a.buf.size());
    if (a.buf.capacity() > 4 * 1024 * 1024) {
      std::string().swap(a.buf);
    } else {
      a.buf.clear();
    }
    a.unsynced = true;
  }
  if (!a.unsynced) return;
  int64_t now = common::MsTime();
  if (policy == "always") {
    if (fdatasync(a.fd) != 0) {
      LOG_WARNING("Can't persist AOF for fsync error when the AOF fsync policy is 'always': %s. Exiting...",
                  strerror(errno));
      _exit(1);
    }
    a.unsynced = false;
    a.last_fsync_ms = now;
  } else if (policy == "everysec" && (force || now - a.last_fsync_ms >= 1000)) {
    if (force) {
      fdatasync(a.fd);
      a.unsynced = false;
      a.last_fsync_ms = now;
    } else if (Fsyncer().Request(a.fd)) {
      a.unsynced = false;
      a.last_fsync_ms = now;
    } else {
      a.delayed_fsync++;
    }
  }
}

// ---- rewrite ----

std::string RewriteTempName(pid_t pid) { return "temp-rewriteaof-bg-" + std::to_string(pid) + ".aof"; }

bool RewriteBackground() {
  Aof& a = A();
  if (ActiveChild() != ChildType::kNone) return false;
  common::Status s = EnsureDir();
  if (!s.ok()) {
    LOG_WARNING("%s", s.message().c_str());
    return false;
  }
  AofFlush(true);
  if (a.fd >= 0) fdatasync(a.fd);
  // Switch to a new incr file first: what is written from now on goes
  // there, and the child's base covers everything before.
  if (a.state == AofState::kOn) {
    persist::AofManifest m = a.manifest;
    m.curr_incr_seq++;
    persist::AofFileInfo f{persist::AofIncrName(Config().appendfilename, m.curr_incr_seq), m.curr_incr_seq,
                           persist::AofFileType::kIncr};
    int fd = OpenAppend(InDir(f.name), true);
    if (fd < 0) {
      LOG_WARNING("Can't open the append-only file %s: %s", f.name.c_str(), strerror(errno));
      return false;
    }
    m.incr.push_back(f);
    s = PersistManifest(m);
    if (!s.ok()) {
      LOG_WARNING("%s", s.message().c_str());
      close(fd);
      unlink(InDir(f.name).c_str());
      return false;
    }
    a.manifest = m;
    if (a.fd >= 0) close(a.fd);
    a.fd = fd;
    a.last_incr_size = 0;
  } else {
    int fd = OpenAppend(InDir(persist::AofTempIncrName(Config().appendfilename)), true);
    if (fd < 0) {
      LOG_WARNING("Can't open the append-only file %s: %s", persist::AofTempIncrName(Config().appendfilename).c_str(),
                  strerror(errno));
      return false;
    }
    if (a.fd >= 0) close(a.fd);
    a.fd = fd;
    a.last_incr_size = 0;
  }
  a.selected_db = -1;  // the new file starts with a SELECT
  bool preamble = Config().aof_use_rdb_preamble;
  pid_t pid = ForkChild(ChildType::kAof, [preamble]() {
    std::string tmp = RewriteTempName(getpid());
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      LOG_WARNING("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): %s", strerror(errno));
      return 1;
    }
    common::Status st = WriteBase(fd, preamble);
    if (st.ok() && fsync(fd) != 0) st = common::Status::IoError(strerror(errno));
    close(fd);
    if (!st.ok()) {
      LOG_WARNING("Write error writing append only file on disk: %s", st.message().c_str());
      unlink(tmp.c_str());
      return 1;
    }
    LOG_NOTICE("Successfully created the temporary AOF base file %s", tmp.c_str());
    ChildReportFinalCow(persist::ChildInfoType::kAofCow, "AOF rewrite");
    return 0;
  });
  if (pid < 0) {
    LOG_WARNING("Can't rewrite append only file in background: fork: %s", strerror(errno));
    a.last_bgrewrite_ok = false;
    return false;
  }
  LOG_NOTICE("Background append only file rewriting started by pid %ld", static_cast<long>(pid));
  a.child_pid = pid;
  a.rewrite_scheduled = false;
  a.rewrite_time_start = common::MsTime() / 1000;
  a.rewrites++;
  return true;
}

void DeleteHistory() {
  Aof& a = A();
  if (a.manifest.history.empty() || Config().aof_disable_auto_gc) return;
  for (const persist::AofFileInfo& f : a.manifest.history) {
    LOG_NOTICE("Removing the history file %s in the background", f.name.c_str());
    unlink(InDir(f.name).c_str());
  }
  a.manifest.history.clear();
  common::Status s = PersistManifest(a.manifest);
  if (!s.ok()) LOG_WARNING("%s", s.message().c_str());
}

bool g_aof_feed_on = false;

// The propagation consumers: the AOF, then the replicas (Redis's
// propagateNow: feedAppendOnlyFile, then replicationFeedSlaves).
void PropagateToConsumers(const std::vector<commands::PropagatedOp>& ops) {
  if (g_aof_feed_on) {
    bool all = true;
    for (const commands::PropagatedOp& op : ops) all &= !op.repl_only;
    if (all) {
      AofFeed(ops);
    } else {
      std::vector<commands::PropagatedOp> aof_ops;
      for (const commands::PropagatedOp& op : ops)
        if (!op.repl_only) aof_ops.push_back(op);
      if (!aof_ops.empty()) AofFeed(aof_ops);
    }
  }
  repl::Feed(ops);
}

void InstallFeed(bool on) {
  g_aof_feed_on = on;
  UpdatePropagation();
}

common::Status StartAppendOnly() {
  Aof& a = A();
  common::Status s = EnsureDir();
  if (!s.ok()) return s;
  a.state = AofState::kWaitRewrite;
  InstallFeed(true);
  if (ActiveChild() != ChildType::kNone && ActiveChild() != ChildType::kAof) {
    a.rewrite_scheduled = true;
    LOG_WARNING("AOF was enabled but there is already another background operation. An AOF background was "
                "scheduled to start when possible.");
  } else {
    if (ActiveChild() == ChildType::kAof) {
      LOG_WARNING("AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF "
                  "and starting a rewrite now.");
      KillChild();
    }
    if (!RewriteBackground()) {
      a.state = AofState::kOff;
      InstallFeed(false);
      LOG_WARNING("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the "
                  "above logs for more info about the error.");
      return common::Status::IoError("Unable to turn on AOF. Check server logs.");
    }
  }
  a.last_fsync_ms = common::MsTime();
  return common::Status::Ok();
}

void StopAppendOnly() {
  Aof& a = A();
  AofFlush(true);
  if (a.fd >= 0) {
    fdatasync(a.fd);
    close(a.fd);
    a.fd = -1;
  }
  if (ActiveChild() == ChildType::kAof) KillChild();
  a.state = AofState::kOff;
  a.rewrite_scheduled = false;
  a.buf.clear();
  a.last_write_ok = true;
  a.misconf.clear();
  InstallFeed(false);
}

// ---- loading ----

// Runs one command of an AOF through a fake client, as Redis's
// loadSingleAppendOnlyFile (the handler directly: no propagation, no stats).
// It never blocks: a blocking command in the file (BLPOP on an empty list)
// answers at once, as Redis's AOF client with CLIENT_DENY_BLOCKING.
struct FakeClient {
  Client c;
  bool in_multi = false;
  std::vector<std::pair<const commands::CommandSpec*, std::vector<std::string>>> queued;
  FakeClient() {
    c.db = commands::GetDb(0);
    c.flags |= commands::kClientDenyBlocking | commands::kClientMustObey;
  }
};

bool RunCommand(Client& c, const commands::CommandSpec* cmd, const std::vector<std::string_view>& argv) {
  c.argv = argv;
  c.cmd = cmd;
  db::SetNow(common::MsTime());
  cmd->handler(c);
  c.outbuf.clear();
  c.out_pos = 0;
  commands::FlushPendingPropagation();  // discarded while loading
  return true;
}

// Loads one AOF file (base or incr). last: truncation may be tolerated.
common::Status LoadAofFile(const std::string& name, bool last, size_t* loaded_before) {
  std::string path = InDir(name);
  persist::MappedFile f;
  common::Status s = f.Open(path);
  if (s.code() == common::Code::kNotFound) return common::Status::NotFound("The AOF file " + name + " doesn't exist");
  if (!s.ok()) return common::Status::IoError("Fatal error: can't open the append log file " + name + " for reading: " + s.message());
  std::string_view data = f.data();
  if (data.empty()) {
    LOG_VERBOSE("AOF %s is empty", name.c_str());  // Redis says nothing
    return common::Status::Ok();
  }
  size_t start = 0;
  if (persist::LooksLikeRdb(data)) {
    LOG_NOTICE("Reading RDB base file on AOF loading...");
    persist::RdbLoadOptions o;
    o.drop_expired = false;  // the commands after it may depend on them (Redis keeps them too)
    o.now_ms = common::MsTime();
    o.verify_checksum = Config().rdbchecksum && !persist::SkipChecksumValidation();
    o.key_load_delay_us = Config().key_load_delay;
    o.progress_bytes = static_cast<size_t>(Config().loading_process_events_interval_bytes);
    size_t before = *loaded_before;
    o.progress = [before](size_t pos, size_t) { LoadingProgress(before + pos); };
    o.load_function = [](const std::string& code, std::string* err) { return script::LoadLibrary(code, true, err); };
    persist::RdbLoadStats st;
    s = persist::RdbLoad(data, AllDbs(), o, &st);
    if (!s.ok()) return common::Status::Corruption("Error reading the RDB base file " + name + ": " + s.message());
    LogRdbLoaded(st);
    // Commands may follow the RDB only in a pre-7.0 single-file AOF.
    if (name == Config().appendfilename) LOG_NOTICE("Reading the remaining AOF tail...");
    start = st.end;
  }
  FakeClient fc;
  persist::AofCommandReader reader(data, start);
  std::vector<std::string_view> argv;
  size_t valid_up_to = start, valid_before_multi = start;
  size_t count = 0;
  for (;;) {
    size_t cmd_start = reader.pos();
    persist::AofCommandReader::Result r = reader.Next(&argv);
    if (r == persist::AofCommandReader::Result::kEnd) break;
    if (r == persist::AofCommandReader::Result::kBadFormat) {
      return common::Status::Corruption("Bad file format reading the append only file " + name +
                                        ": make a backup of your AOF file, then use ./redis-check-aof --fix "
                                        "<filename.manifest>");
    }
    if (r == persist::AofCommandReader::Result::kTruncated) {
      size_t cut = fc.in_multi ? valid_before_multi : valid_up_to;
      if (!last || !Config().aof_load_truncated) {
        return common::Status::Corruption(
            "Unexpected end of file reading the append only file " + name +
            ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
            "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the "
            "server.");
      }
      LOG_WARNING("!!! Warning: short read while loading the AOF file %s!!!", name.c_str());
      LOG_WARNING("!!! Truncating the AOF %s at offset %zu !!!", name.c_str(), cut);
      if (truncate(path.c_str(), static_cast<off_t>(cut)) != 0) {
        return common::Status::IoError("Error truncating the AOF file " + name + ": " + strerror(errno));
      }
      LOG_WARNING("AOF %s loaded anyway because aof-load-truncated is enabled", name.c_str());
      break;
    }
    if (++count % 1024 == 0) LoadingProgress(*loaded_before + reader.pos());
    const commands::CommandSpec* container = nullptr;
    const commands::CommandSpec* cmd = commands::Registry::Get().Lookup(argv, &container);
    if (cmd == nullptr || cmd->handler == nullptr) {
      return common::Status::Corruption("Unknown command '" + std::string(argv[0]) +
                                        "' reading the append only file " + name);
    }
    int arity = cmd->arity;
    if ((arity > 0 && static_cast<size_t>(arity) != argv.size()) ||
        (arity < 0 && argv.size() < static_cast<size_t>(-arity))) {
      return common::Status::Corruption("Bad file format reading the append only file " + name +
                                        ": wrong number of arguments for '" + cmd->full_name + "'");
    }
    std::string_view n = cmd->name;
    if (n == "multi") {
      fc.in_multi = true;
      fc.queued.clear();
      valid_before_multi = cmd_start;
    } else if (n == "exec" && fc.in_multi) {
      fc.in_multi = false;
      for (auto& [qc, qargv] : fc.queued) {
        std::vector<std::string_view> views(qargv.begin(), qargv.end());
        RunCommand(fc.c, qc, views);
      }
      fc.queued.clear();
    } else if (fc.in_multi) {
      fc.queued.emplace_back(cmd, std::vector<std::string>(argv.begin(), argv.end()));
    } else {
      RunCommand(fc.c, cmd, argv);
    }
    if (!fc.in_multi) valid_up_to = reader.pos();
  }
  if (fc.in_multi && !(last && Config().aof_load_truncated)) {
    // Redis reports a MULTI without its EXEC as the truncation it is.
    return common::Status::Corruption(
        "Unexpected end of file reading the append only file " + name +
        ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "
        "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the "
        "server.");
  }
  if (fc.in_multi) {
    LOG_WARNING("Revert incomplete MULTI/EXEC transaction in AOF file %s", name.c_str());
    if (truncate(path.c_str(), static_cast<off_t>(valid_before_multi)) != 0)
      return common::Status::IoError("Error truncating the AOF file " + name + ": " + strerror(errno));
  }
  *loaded_before += data.size();
  return common::Status::Ok();
}

// Loads base + incr files of the manifest into the (empty) dbs.
common::Status LoadFromManifest() {
  Aof& a = A();
  // Every file must be there before any is loaded (Redis sizes them all
  // first, for the loading progress, and stops at the first it cannot).
  std::vector<std::string> names;
  if (a.manifest.has_base) names.push_back(a.manifest.base.name);
  for (const auto& f : a.manifest.incr) names.push_back(f.name);
  for (const std::string& n : names) {
    struct stat sb;
    if (stat(InDir(n).c_str(), &sb) != 0)
      return common::Status::IoError("Unable to obtain the AOF file " + n + " length. stat: " + strerror(errno));
  }
  size_t total = 0;
  if (a.manifest.has_base) total += static_cast<size_t>(FileSize(InDir(a.manifest.base.name)));
  for (const auto& f : a.manifest.incr) total += static_cast<size_t>(FileSize(InDir(f.name)));
  StartLoading(total, 0);
  size_t loaded = 0;
  common::Status s;
  // Each file's time, as Redis logs them.
  auto load = [&loaded](const std::string& name, bool last, const char* kind) {
    int64_t start = common::UsTime();
    common::Status st = LoadAofFile(name, last, &loaded);
    if (st.ok() && FileSize(InDir(name)) > 0)  // an empty file is not reported
      LOG_NOTICE("DB loaded from %s file %s: %.3f seconds", kind, name.c_str(),
                 static_cast<double>(common::UsTime() - start) / 1e6);
    return st;
  };
  if (a.manifest.has_base) s = load(a.manifest.base.name, a.manifest.incr.empty(), "base");
  for (size_t i = 0; s.ok() && i < a.manifest.incr.size(); i++)
    s = load(a.manifest.incr[i].name, i + 1 == a.manifest.incr.size(), "incr");
  StopLoading();
  if (!s.ok()) return s;
  a.base_size = a.manifest.has_base ? FileSize(InDir(a.manifest.base.name)) : 0;
  a.current_size = a.base_size;
  for (const auto& f : a.manifest.incr) a.current_size += FileSize(InDir(f.name));
  return common::Status::Ok();
}

// ---- commands ----

void BgrewriteaofCommand(Client& c) {
  Aof& a = A();
  if (ActiveChild() == ChildType::kAof) {
    c.AddError("ERR Background append only file rewriting already in progress");
  } else if (ActiveChild() != ChildType::kNone || GetState().call_depth > 1) {
    a.rewrite_scheduled = true;
    a.consecutive_failures = 0;
    c.reply.SimpleString("Background append only file rewriting scheduled");
  } else if (RewriteBackground()) {
    c.reply.SimpleString("Background append only file rewriting started");
  } else {
    c.AddError("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
  }
}

}  // namespace

// ---- interface (persistence.h) ----

void AofInit() {
  ConfigRegistry::Get().OnApply("appendonly", []() -> common::Status {
    Aof& a = A();
    if (Config().appendonly && a.state == AofState::kOff) return StartAppendOnly();
    if (!Config().appendonly && a.state != AofState::kOff) StopAppendOnly();
    return common::Status::Ok();
  });
}

bool AofEnabled() { return A().state != AofState::kOff; }

bool AofLoadAtStartup() {
  Aof& a = A();
  int64_t start = common::UsTime();
  const std::string& fname = Config().appendfilename;
  std::string manifest_path = InDir(persist::AofManifestName(fname));
  if (!FileExists(manifest_path)) {
    if (FileExists(fname) && FileSize(fname) > 0) {
      // An AOF of Redis < 7.0 (one file in dir): it becomes the base.
      common::Status s = EnsureDir();
      if (s.ok() && rename(fname.c_str(), InDir(fname).c_str()) != 0)
        s = common::Status::IoError(std::string("Error moving the old AOF file: ") + strerror(errno));
      persist::AofManifest m;
      m.has_base = true;
      m.base = {fname, 1, persist::AofFileType::kBase};
      m.curr_base_seq = 1;
      if (s.ok()) s = PersistManifest(m);
      if (!s.ok()) {
        LOG_WARNING("%s", s.message().c_str());
        return false;
      }
      LOG_NOTICE("Successfully migrated an old-style AOF into the AOF directory");
    } else {
      return true;  // nothing to load: AofOpenOnStartup creates the files
    }
  }
  persist::MappedFile mf;
  common::Status s = mf.Open(manifest_path);
  persist::ManifestErrorLine where;
  common::Result<persist::AofManifest> m = s.ok() ? persist::ParseAofManifest(mf.data(), &where)
                                                  : common::Result<persist::AofManifest>(s);
  if (!s.ok()) {
    LOG_WARNING("Fatal error: can't load the AOF manifest %s: %s", manifest_path.c_str(), s.message().c_str());
    return false;
  }
  if (!m.ok()) {
    // Redis's block: a banner, the line at fault, and the reason last.
    LOG_WARNING("\n*** FATAL AOF MANIFEST FILE ERROR ***\n");
    if (where.known) {
      LOG_WARNING("Reading the manifest file, at line %d\n", where.number);
      LOG_WARNING(">>> '%s'\n", where.text.c_str());
    }
    LOG_WARNING("%s\n", m.status().message().c_str());
    return false;
  }
  a.manifest = *m;
  a.have_manifest = true;
  s = LoadFromManifest();
  if (!s.ok()) {
    LOG_WARNING("%s", s.message().c_str());  // the last line: why loading stopped
    return false;
  }
  LOG_NOTICE("DB loaded from append only file: %.3f seconds", static_cast<double>(common::UsTime() - start) / 1e6);
  return true;
}

bool AofOpenOnStartup() {
  Aof& a = A();
  if (!Config().appendonly) return true;
  common::Status s = EnsureDir();
  if (!s.ok()) {
    LOG_WARNING("%s", s.message().c_str());
    return false;
  }
  const std::string& fname = Config().appendfilename;
  bool changed = false;
  if (!a.manifest.has_base && a.manifest.incr.empty()) {
    // No AOF yet: a base of the current dataset first (Redis 7.0 does this
    // at start-up too), so the manifest always has a base.
    bool preamble = Config().aof_use_rdb_preamble;
    a.manifest.curr_base_seq++;
    a.manifest.base = {persist::AofBaseName(fname, a.manifest.curr_base_seq, preamble), a.manifest.curr_base_seq,
                       persist::AofFileType::kBase};
    a.manifest.has_base = true;
    std::string path = InDir(a.manifest.base.name);
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    s = fd < 0 ? common::Status::IoError(strerror(errno)) : WriteBase(fd, preamble);
    if (s.ok() && fsync(fd) != 0) s = common::Status::IoError(strerror(errno));
    if (fd >= 0) close(fd);
    if (!s.ok()) {
      LOG_WARNING("Can't create the AOF base file %s: %s", a.manifest.base.name.c_str(), s.message().c_str());
      return false;
    }
    LOG_NOTICE("Creating AOF base file %s on server start", a.manifest.base.name.c_str());
    a.base_size = a.current_size = FileSize(path);
    changed = true;
  }
  if (a.manifest.incr.empty()) {
    a.manifest.curr_incr_seq++;
    a.manifest.incr.push_back({persist::AofIncrName(fname, a.manifest.curr_incr_seq), a.manifest.curr_incr_seq,
                               persist::AofFileType::kIncr});
    LOG_NOTICE("Creating AOF incr file %s on server start", a.manifest.incr.back().name.c_str());
    changed = true;
  } else {
    LOG_NOTICE("Opening AOF incr file %s on server start", a.manifest.incr.back().name.c_str());
  }
  std::string incr = InDir(a.manifest.incr.back().name);
  a.fd = OpenAppend(incr, false);
  if (a.fd < 0) {
    LOG_WARNING("Can't open the append-only file %s: %s", incr.c_str(), strerror(errno));
    return false;
  }
  if (changed) {
    s = PersistManifest(a.manifest);
    if (!s.ok()) {
      LOG_WARNING("%s", s.message().c_str());
      return false;
    }
  }
  a.last_incr_size = FileSize(incr);
  a.state = AofState::kOn;
  a.last_fsync_ms = common::MsTime();
  InstallFeed(true);
  return true;
}

void AofBeforeSleep() {
  if (A().fd >= 0) AofFlush(false);
}

void AofFlushBeforeReply() {
  Aof& a = A();
  if (a.fd >= 0 && !a.buf.empty() && Config().appendfsync == "always") AofFlush(false);
}

void AofCron() {
  Aof& a = A();
  if (a.fd >= 0) AofFlush(false);
  int err = Fsyncer().LastError();
  if (err != 0 && a.state != AofState::kOff) {
    a.misconf = std::string("MISCONF Errors writing to the AOF file: ") + strerror(err);
  } else if (a.last_write_ok) {
    a.misconf.clear();
  }
  // Automatic rewrite (auto-aof-rewrite-percentage / -min-size).
  const ServerConfig& cfg = Config();
  if (a.state == AofState::kOn && ActiveChild() == ChildType::kNone && cfg.auto_aof_rewrite_percentage > 0 &&
      a.current_size > cfg.auto_aof_rewrite_min_size) {
    int64_t base = a.base_size ? a.base_size : 1;
    int64_t growth = a.current_size * 100 / base - 100;
    if (growth >= cfg.auto_aof_rewrite_percentage) {
      LOG_NOTICE("Starting automatic rewriting of AOF on %lld%% growth", static_cast<long long>(growth));
      RewriteBackground();
    }
  }
}

bool AofRewriteIfScheduled() {
  Aof& a = A();
  if (!a.rewrite_scheduled || ActiveChild() != ChildType::kNone) return false;
  return RewriteBackground();
}

bool AofShutdown() {
  Aof& a = A();
  AofFlush(true);
  if (a.fd >= 0 && fdatasync(a.fd) != 0) return false;
  return a.last_write_ok;
}

void AofChildDone(bool ok, int bysignal) {
  Aof& a = A();
  pid_t pid = a.child_pid;
  a.child_pid = -1;
  std::string tmp = RewriteTempName(pid);
  int64_t now = common::MsTime() / 1000;
  const std::string& fname = Config().appendfilename;
  if (ok && a.state != AofState::kOff) {
    persist::AofManifest m = a.manifest;
    bool preamble = Config().aof_use_rdb_preamble;
    if (m.has_base) m.history.push_back({m.base.name, m.base.seq, persist::AofFileType::kHistory});
    m.curr_base_seq++;
    m.base = {persist::AofBaseName(fname, m.curr_base_seq, preamble), m.curr_base_seq, persist::AofFileType::kBase};
    m.has_base = true;
    std::string temp_incr;
    if (a.state == AofState::kWaitRewrite) {
      for (const auto& f : m.incr) m.history.push_back({f.name, f.seq, persist::AofFileType::kHistory});
      m.incr.clear();
      m.curr_incr_seq++;
      m.incr.push_back({persist::AofIncrName(fname, m.curr_incr_seq), m.curr_incr_seq, persist::AofFileType::kIncr});
      temp_incr = InDir(persist::AofTempIncrName(fname));
    } else {
      // Every incr file but the one opened at the fork is in the new base.
      while (m.incr.size() > 1) {
        const auto& f = m.incr.front();
        m.history.push_back({f.name, f.seq, persist::AofFileType::kHistory});
        m.incr.erase(m.incr.begin());
      }
    }
    common::Status s;
    if (rename(tmp.c_str(), InDir(m.base.name).c_str()) != 0) {
      s = common::Status::IoError("Error trying to rename the temporary AOF base file " + tmp + " into " +
                                  m.base.name + ": " + strerror(errno));
    }
    if (s.ok() && !temp_incr.empty() && rename(temp_incr.c_str(), InDir(m.incr.back().name).c_str()) != 0) {
      s = common::Status::IoError("Error trying to rename the temporary AOF incr file " + temp_incr + " into " +
                                  m.incr.back().name + ": " + strerror(errno));
    }
    if (s.ok()) s = PersistManifest(m);
    if (!s.ok()) {
      LOG_WARNING("%s", s.message().c_str());
      a.last_bgrewrite_ok = false;
      a.consecutive_failures++;
      unlink(tmp.c_str());
    } else {
      a.manifest = m;
      a.base_size = FileSize(InDir(m.base.name));
      a.current_size = a.base_size + a.last_incr_size;
      if (a.state == AofState::kWaitRewrite) {
        a.state = AofState::kOn;
        LOG_NOTICE("AOF rewrite successful");
      }
      LOG_NOTICE("Successfully renamed the temporary AOF base file %s into %s", tmp.c_str(), m.base.name.c_str());
      LOG_NOTICE("Background AOF rewrite terminated with success");
      DeleteHistory();
      LOG_NOTICE("Background AOF rewrite finished successfully");
      a.last_bgrewrite_ok = true;
      a.consecutive_failures = 0;
    }
  } else {
    if (bysignal > 0) {
      LOG_WARNING("Background AOF rewrite terminated by signal %d", bysignal);
      if (bysignal != SIGUSR1) {
        a.last_bgrewrite_ok = false;
        a.consecutive_failures++;
      }
    } else if (!ok) {
      LOG_WARNING("Background AOF rewrite terminated with error");
      a.last_bgrewrite_ok = false;
      a.consecutive_failures++;
    }
    unlink(tmp.c_str());
    // Enabling at run time retries until a base exists.
    if (a.state == AofState::kWaitRewrite && bysignal != SIGUSR1) a.rewrite_scheduled = true;
  }
  a.rewrite_time_last = a.rewrite_time_start >= 0 ? now - a.rewrite_time_start : -1;
  a.rewrite_time_start = -1;
}

void AofSetCow(const persist::CowBytes& cow) { A().last_cow = cow; }
const persist::CowBytes& AofLastCow() { return A().last_cow; }

const char* AofDiskError() {
  Aof& a = A();
  if (a.state == AofState::kOff || a.misconf.empty()) return nullptr;
  return a.misconf.c_str();
}

void AofPersistenceFields(std::string& o) {
  Aof& a = A();
  int64_t now = common::MsTime() / 1000;
  InfoField(o, "aof_enabled", a.state != AofState::kOff ? 1 : 0);
  InfoField(o, "aof_rewrite_in_progress", ActiveChild() == ChildType::kAof ? 1 : 0);
  InfoField(o, "aof_rewrite_scheduled", a.rewrite_scheduled ? 1 : 0);
  InfoField(o, "aof_last_rewrite_time_sec", a.rewrite_time_last);
  InfoField(o, "aof_current_rewrite_time_sec", a.rewrite_time_start >= 0 ? now - a.rewrite_time_start : -1);
  InfoField(o, "aof_last_bgrewrite_status", std::string(a.last_bgrewrite_ok ? "ok" : "err"));
  InfoField(o, "aof_rewrites", static_cast<int64_t>(a.rewrites));
  InfoField(o, "aof_rewrites_consecutive_failures", static_cast<int64_t>(a.consecutive_failures));
  InfoField(o, "aof_last_write_status", std::string(a.last_write_ok && a.misconf.empty() ? "ok" : "err"));
  InfoField(o, "aof_last_cow_size", static_cast<int64_t>(a.last_cow.total));
}

void AofAppendInfo(std::string& o) {
  Aof& a = A();
  if (a.state == AofState::kOff) return;
  InfoField(o, "aof_current_size", a.current_size);
  InfoField(o, "aof_base_size", a.base_size);
  InfoField(o, "aof_pending_rewrite", a.rewrite_scheduled ? 1 : 0);
  InfoField(o, "aof_buffer_length", static_cast<int64_t>(a.buf.size()));
  InfoField(o, "aof_pending_bio_fsync", Fsyncer().Busy() ? 1 : 0);
  InfoField(o, "aof_delayed_fsync", static_cast<int64_t>(a.delayed_fsync));
}

size_t AofBufferBytes() { return A().buf.capacity(); }

common::Status DebugLoadAof() {
  Aof& a = A();
  if (a.state != AofState::kOn) return common::Status::InvalidArgument("AOF is not enabled");
  AofFlush(true);
  commands::SignalFlushedDb(-1);  // before: it looks at which watched keys exist
  for (db::Db* d : AllDbs()) d->Flush();
  common::Status s = LoadFromManifest();
  GetState().dirty = 0;
  return s;
}

void RegisterAofCommands(commands::Registry& r) {
  using namespace commands;
  r.Add({"bgrewriteaof", 1, kAdmin | kNoScript, 0, 0, 0, BgrewriteaofCommand, "server",
         "Asynchronously rewrite the append-only file", "1.0.0", kCatAdmin | kCatSlow | kCatDangerous});
}

// A replica loaded its master's dataset: the AOF on disk describes the old
// one, so it starts again from a rewrite of the new (Redis's
// restartAOFAfterSYNC).
void AofRestartAfterSync() {
  if (!AofEnabled()) return;
  StopAppendOnly();
  common::Status s = StartAppendOnly();
  if (!s.ok()) LOG_WARNING("Failed restarting the AOF after a full sync: %s", s.message().c_str());
}

void UpdatePropagation() {
  // Collecting ops costs copies of every write's arguments: only while a
  // consumer wants them.
  GetState().propagate = (g_aof_feed_on || repl::NeedsFeed()) ? PropagateToConsumers : nullptr;
}

}  // namespace server
