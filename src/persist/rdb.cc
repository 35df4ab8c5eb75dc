// RDB file saving and loading (see rdb.h for the format and the contracts).
#include "persist/rdb.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/crc64.h"
#include "common/util.h"
#include "object/lru.h"
#include "persist/dump.h"

namespace persist {
namespace {

// The magic and the version digits: "REDIS" + 4 decimal digits.
constexpr char kMagic[] = "REDIS";
constexpr size_t kMagicLen = 5;
constexpr size_t kHeaderLen = 9;
// Versions before 5 have no checksum after EOF (Redis's rdbLoad).
constexpr int kFirstChecksumVersion = 5;
// The write buffer: see kSaveWriteChunk in rdb.h.
constexpr size_t kWriteChunk = kSaveWriteChunk;
constexpr size_t kBufferReserve = kSaveBufferReserve;
constexpr size_t kKeepCapacity = 4 * kBufferReserve;

void AppendByte(std::string* out, uint8_t b) { out->push_back(static_cast<char>(b)); }

void AppendLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) AppendByte(out, static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t LoadLe(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = b.size(); i-- > 0;) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return v;
}

void AppendAux(std::string* out, std::string_view key, std::string_view value) {
  AppendByte(out, kOpAux);
  RdbWriteString(out, key, false);
  RdbWriteString(out, value, false);
}

// Buffers RDB bytes and writes them to a file descriptor, keeping the
// running CRC64 of everything written.
class RdbWriter {
 public:
  RdbWriter(int fd, const RdbSaveOptions& opts) : fd_(fd), opts_(opts) { buf_.reserve(kBufferReserve); }

  std::string& buf() { return buf_; }
  uint64_t crc() const { return crc_; }
  uint64_t written() const { return written_; }

  // Writes the buffer out when it is big (force: always). False on error
  // (errno kept in error()).
  bool MaybeFlush(bool force) {
    if (!force && buf_.size() < kWriteChunk) return true;
    if (opts_.checksum) crc_ = common::Crc64(crc_, buf_.data(), buf_.size());
    size_t off = 0;
    while (off < buf_.size()) {
      ssize_t n = write(fd_, buf_.data() + off, buf_.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = n < 0 ? errno : ENOSPC;
        return false;
      }
      off += static_cast<size_t>(n);
    }
    written_ += buf_.size();
    buf_.clear();
    if (buf_.capacity() > kKeepCapacity) {
      std::string().swap(buf_);
      buf_.reserve(kBufferReserve);
    }
    if (opts_.incremental_fsync && written_ - last_sync_ >= kAutosyncBytes) {
      fdatasync(fd_);  // a hint to the kernel: errors surface at the final fsync
      last_sync_ = written_;
    }
    return true;
  }
  int error() const { return error_; }

 private:
  int fd_;
  const RdbSaveOptions& opts_;
  std::string buf_;
  uint64_t crc_ = 0;
  uint64_t written_ = 0;
  uint64_t last_sync_ = 0;
  int error_ = 0;
};

// Redis 7.0.15's wording: errors while streaming the records name
// rdbSaveRio; errors of the final fflush/fsync/fclose do not.
common::Status WriteError(int err, bool streaming = false) {
  return common::Status::IoError(std::string("Write error saving DB on disk") + (streaming ? "(rdbSaveRio)" : "") +
                                 ": " + strerror(err));
}

void SleepUs(int64_t us) {
  if (us > 0) usleep(static_cast<useconds_t>(us));
}

}  // namespace

common::Result<RdbSaveStats> RdbSaveToFd(int fd, const std::vector<db::Db*>& dbs, const RdbSaveOptions& opts) {
  RdbWriter w(fd, opts);
  std::string& out = w.buf();
  char version[16];
  snprintf(version, sizeof(version), "%s%04d", kMagic, kRdbVersion);
  out.append(version);
  AppendAux(&out, "redis-ver", kRdbRedisVer);
  AppendAux(&out, "redis-bits", "64");
  AppendAux(&out, "ctime", common::Int64ToString(opts.ctime));
  AppendAux(&out, "used-mem", common::Int64ToString(static_cast<int64_t>(opts.used_mem)));
  if (!opts.repl_id.empty()) {
    AppendAux(&out, "repl-stream-db", common::Int64ToString(opts.repl_stream_db));
    AppendAux(&out, "repl-id", opts.repl_id);
    AppendAux(&out, "repl-offset", common::Int64ToString(opts.repl_offset));
  }
  AppendAux(&out, "aof-base", opts.aof_base ? "1" : "0");
  // Function libraries, before the keys (Redis 7.0's rdbSaveFunctions).
  for (const std::string& code : opts.functions) {
    AppendByte(&out, kOpFunction2);
    RdbWriteString(&out, code, opts.compress);
  }

  RdbSaveStats stats;
  for (db::Db* d : dbs) {
    if (d->size() == 0) continue;
    AppendByte(&out, kOpSelectDb);
    RdbWriteLen(&out, static_cast<uint64_t>(d->id()));
    AppendByte(&out, kOpResizeDb);
    RdbWriteLen(&out, d->size());
    RdbWriteLen(&out, d->expires_size());
    // A safe iterator pauses rehashing, so walking the dict does not move
    // entries (in a fork child that would only add copy-on-write).
    ds::Dict::Iterator it = d->dict().MakeIterator(/*safe=*/true);
    while (const ds::DictEntry* de = it.Next()) {
      const auto* o = db::EntryValue(de);
      ds::sds key = db::EntryKeySds(de);
      common::Result<RdbType> type = RdbObjectType(o);
      if (!type.ok()) return type.status();
      if (d->expires_size() > 0) {
        ds::DictEntry* ee = d->expires().Find(db::EntryKeySds(de));
        if (ee != nullptr) {
          AppendByte(&out, kOpExpireTimeMs);
          AppendLe(&out, static_cast<uint64_t>(ee->v.s64), 8);
        }
      }
      // The access history, as Redis's rdbSaveKeyValuePair: seconds idle
      // under an LRU policy, the decayed LFU counter under an LFU one.
      if (opts.save_lru) {
        AppendByte(&out, kOpIdle);
        RdbWriteLen(&out, object::IdleMs(o) / 1000);
      } else if (opts.save_lfu) {
        AppendByte(&out, kOpFreq);
        AppendByte(&out, static_cast<uint8_t>(object::LfuCounter(o)));
      }
      AppendByte(&out, static_cast<uint8_t>(*type));
      RdbWriteString(&out, std::string_view(key, ds::SdsLen(key)), opts.compress);
      common::Status s = RdbWriteObject(&out, o, opts.compress);
      if (!s.ok()) return s;
      stats.keys++;
      if (!w.MaybeFlush(false)) return WriteError(w.error(), true);
      if (opts.progress && stats.keys % kProgressKeys == 0) opts.progress(stats.keys);
      SleepUs(opts.key_save_delay_us);
    }
  }
  AppendByte(&out, kOpEof);
  // The CRC covers everything up to and including EOF.
  uint64_t crc = opts.checksum ? common::Crc64(w.crc(), out.data(), out.size()) : 0;
  AppendLe(&out, crc, 8);
  if (!w.MaybeFlush(true)) return WriteError(w.error(), true);
  stats.bytes = w.written();
  return stats;
}

common::Result<RdbSaveStats> RdbSaveFile(const std::string& path, const std::vector<db::Db*>& dbs,
                                         const RdbSaveOptions& opts) {
  std::string dir = ".";
  size_t slash = path.rfind('/');
  if (slash != std::string::npos) dir = slash == 0 ? "/" : path.substr(0, slash);
  std::string tmp = (dir == "." ? "" : dir + "/") + "temp-" + std::to_string(getpid()) + ".rdb";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    int err = errno;
    char cwd[4096];
    const char* cwdp = getcwd(cwd, sizeof(cwd));
    return common::Status::IoError("Failed opening the temp RDB file " + tmp + " (in server root dir " +
                                   (cwdp ? cwdp : "unknown") + ") for saving: " + strerror(err));
  }
  common::Result<RdbSaveStats> r = RdbSaveToFd(fd, dbs, opts);
  if (r.ok() && fsync(fd) != 0) r = WriteError(errno);
  if (close(fd) != 0 && r.ok()) r = WriteError(errno);
  if (!r.ok()) {
    unlink(tmp.c_str());
    return r;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    char cwd[4096];
    const char* cwdp = getcwd(cwd, sizeof(cwd));
    return common::Status::IoError("Error moving temp DB file " + tmp + " on the final destination " + path +
                                   " (in server root dir " + (cwdp ? cwdp : "unknown") + "): " + strerror(err));
  }
  // Make the rename itself durable.
  int dfd = open(dir.c_str(), O_RDONLY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return r;
}

// ---- loading ----

bool LooksLikeRdb(std::string_view data) {
  if (data.size() < kHeaderLen || data.substr(0, kMagicLen) != kMagic) return false;
  for (size_t i = kMagicLen; i < kHeaderLen; i++)
    if (data[i] < '0' || data[i] > '9') return false;
  return true;
}

namespace {

// Bytes of a key named in a load error.
constexpr size_t kMaxKeyShown = 64;

common::Status Corrupt(const std::string& reason, size_t offset) {
  return common::Status::Corruption(reason + " (offset " + std::to_string(offset) + ")");
}

// Reads one RDB string as bytes (integers formatted).
bool ReadStringBytes(RdbReader* in, std::string* out) {
  std::string_view bytes;
  StringScratch scratch;
  if (!in->ReadStringBytes(&bytes, &scratch)) return false;
  out->assign(bytes);
  return true;
}

}  // namespace

common::Status RdbLoad(std::string_view data, const std::vector<db::Db*>& dbs, const RdbLoadOptions& opts,
                       RdbLoadStats* stats) {
  *stats = RdbLoadStats();
  if (data.size() < kHeaderLen || data.substr(0, kMagicLen) != kMagic)
    return Corrupt(data.size() < kHeaderLen ? "Short read: the file is shorter than an RDB header"
                                            : "Wrong signature trying to load DB from file",
                   0);
  if (!LooksLikeRdb(data)) return Corrupt("Bad RDB version digits", kMagicLen);
  int version = std::stoi(std::string(data.substr(kMagicLen, 4)));
  if (version < 1 || version > kRdbVersion) return Corrupt("Can't handle RDB format version " + std::to_string(version), kMagicLen);
  stats->version = version;

  RdbReader in(data);
  std::string_view skip;
  in.ReadBytes(kHeaderLen, &skip);
  db::Db* cur = dbs.empty() ? nullptr : dbs[0];
  int64_t expire = -1;
  // The access history of the next key (IDLE and FREQ records), applied as
  // Redis's rdbLoad does: against the LRU clock when loading began.
  int64_t lru_idle = -1, lfu_freq = -1;
  const uint32_t lru_clock = object::LruClock();
  size_t next_progress = opts.progress_bytes;
  std::string key;
  for (;;) {
    size_t record = in.pos();
    if (opts.progress && record >= next_progress) {
      opts.progress(record, stats->keys_loaded);
      next_progress = record + opts.progress_bytes;
    }
    uint8_t type;
    if (!in.ReadByte(&type)) return Corrupt("Short read: unexpected end of file, no EOF marker", in.pos());
    if (type == kOpExpireTime) {
      std::string_view b;
      if (!in.ReadBytes(4, &b)) return Corrupt("Short read reading an expire time", in.pos());
      expire = static_cast<int64_t>(static_cast<int32_t>(LoadLe(b))) * 1000;
      continue;
    }
    if (type == kOpExpireTimeMs) {
      std::string_view b;
      if (!in.ReadBytes(8, &b)) return Corrupt("Short read reading an expire time", in.pos());
      expire = static_cast<int64_t>(LoadLe(b));
      continue;
    }
    if (type == kOpFreq) {
      uint8_t f;
      if (!in.ReadByte(&f)) return Corrupt("Short read reading an LFU frequency", in.pos());
      lfu_freq = f;
      continue;
    }
    if (type == kOpIdle) {
      uint64_t idle;
      if (!in.ReadPlainLen(&idle)) return Corrupt("Short read reading an LRU idle time", in.pos());
      lru_idle = static_cast<int64_t>(std::min<uint64_t>(idle, INT64_MAX / 1000));
      continue;
    }
    if (type == kOpEof) break;
    if (type == kOpSelectDb) {
      uint64_t id;
      if (!in.ReadPlainLen(&id)) return Corrupt("Short read reading a db number", in.pos());
      if (id >= dbs.size())
        return Corrupt("FATAL: Data file was created with a Redis server configured to handle more than " +
                           std::to_string(dbs.size()) + " databases",
                       record);
      cur = dbs[id];
      continue;
    }
    if (type == kOpResizeDb) {
      uint64_t n, ne;
      if (!in.ReadPlainLen(&n) || !in.ReadPlainLen(&ne)) return Corrupt("Short read reading a RESIZEDB record", in.pos());
      // Pre-size the tables, but never trust a size the file's length
      // cannot back (every key costs at least 3 bytes).
      if (cur != nullptr && n <= in.remaining() / 3) {
        cur->dict().Expand(static_cast<size_t>(n));
        if (ne <= n) cur->expires().Expand(static_cast<size_t>(ne));
      }
      continue;
    }
    if (type == kOpAux) {
      std::string k, v;
      if (!ReadStringBytes(&in, &k) || !ReadStringBytes(&in, &v)) return Corrupt("Short read reading an AUX field", in.pos());
      int64_t n;
      if (k == "redis-ver") {
        stats->redis_ver = v;
      } else if (k == "ctime") {
        if (common::StringToInt64(v, &n)) stats->ctime = n;
      } else if (k == "used-mem") {
        if (common::StringToInt64(v, &n)) stats->used_mem = n;
      } else if (k == "aof-base" || k == "aof-preamble") {
        stats->aof_base = v == "1";
      } else if (k == "repl-stream-db") {
        if (common::StringToInt64(v, &n)) stats->repl_stream_db = static_cast<int>(n);
      } else if (k == "repl-id") {
        stats->repl_id = v;
      } else if (k == "repl-offset") {
        if (common::StringToInt64(v, &n)) stats->repl_offset = n;
      }
      // Anything else (lua, module fields of newer
      // versions...) is skipped, as Redis does.
      continue;
    }
    if (type == kOpModuleAux) return Corrupt("The RDB file contains module AUX data, but no module is loaded", record);
    if (type == kOpFunction2 && opts.load_function) {
      std::string code, err;
      if (!ReadStringBytes(&in, &code)) return Corrupt("Short read reading a function library", in.pos());
      if (!opts.load_function(code, &err)) return Corrupt("Failed loading library: " + err, record);
      continue;
    }
    // FUNCTION (246) is the format of Redis 7.0's release candidates only.
    if (type == kOpFunction || type == kOpFunction2)
      return Corrupt("The RDB file contains function libraries, which this server does not support", record);
    if (!IsRdbObjectType(type)) return Corrupt("Unknown RDB encoding type " + std::to_string(type), record);
    if (cur == nullptr) return Corrupt("A key before any database", record);
    if (!ReadStringBytes(&in, &key)) return Corrupt("Short read or bad encoding reading a key", in.pos());
    size_t value_at = in.pos();
    common::Result<object::Object*> val = RdbReadObject(static_cast<RdbType>(type), &in);
    if (!val.ok()) {
      const char* what = val.status().code() == common::Code::kNotSupported ? "Unsupported value" : "Bad value";
      // A corrupt length can make the "key" megabytes of garbage: name at
      // most its first bytes, so the log line (which has a length limit)
      // keeps the reason and the offset.
      std::string shown = common::Repr(key.substr(0, kMaxKeyShown)) + (key.size() > kMaxKeyShown ? "..." : "");
      return Corrupt(std::string(what) + " of type " + std::to_string(type) + " for key " + shown + ": " +
                         val.status().message(),
                     value_at);
    }
    int64_t when = expire;
    expire = -1;
    const int64_t idle = lru_idle, freq = lfu_freq;
    lru_idle = lfu_freq = -1;
    if (opts.drop_expired && when != -1 && when < opts.now_ms) {
      object::DecrRef(*val);
      stats->keys_expired++;
      continue;
    }
    object::Object* stored;
    if (cur->FindEntry(key) != nullptr) {
      if (!opts.allow_dup) {
        object::DecrRef(*val);
        return Corrupt("Duplicated key '" + common::Repr(key) + "' in DB " + std::to_string(cur->id()), record);
      }
      stored = cur->SetKey(key, *val, false);
    } else {
      stored = cur->Add(key, *val);
    }
    object::SetLruOrLfu(stored, freq, idle, lru_clock);
    if (when != -1) cur->SetExpire(key, when);
    stats->keys_loaded++;
    SleepUs(opts.key_load_delay_us);
  }
  size_t eof_end = in.pos();
  if (version >= kFirstChecksumVersion) {
    std::string_view b;
    if (!in.ReadBytes(8, &b)) return Corrupt("Short read reading the checksum", in.pos());
    uint64_t stored = LoadLe(b);
    if (stored == 0) {
      stats->checksum_skipped = true;
    } else if (opts.verify_checksum) {
      uint64_t crc = common::Crc64(0, data.data(), eof_end);
      if (crc != stored) {
        char msg[128];
        snprintf(msg, sizeof(msg), "Wrong RDB checksum expected: (%llx) got (%llx)",
                 static_cast<unsigned long long>(stored), static_cast<unsigned long long>(crc));
        return Corrupt(msg, eof_end);
      }
    }
  }
  stats->end = in.pos();
  return common::Status::Ok();
}

// ---- MappedFile ----

MappedFile::~MappedFile() {
  if (addr_ != nullptr) munmap(addr_, size_);
}

common::Status MappedFile::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return common::Status::NotFound(strerror(err));
    return common::Status::IoError(strerror(err));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return common::Status::IoError(strerror(err));
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      close(fd);
      size_ = 0;
      return common::Status::IoError(strerror(err));
    }
    madvise(p, size_, MADV_SEQUENTIAL);
    addr_ = p;
  }
  close(fd);
  return common::Status::Ok();
}

}  // namespace persist
