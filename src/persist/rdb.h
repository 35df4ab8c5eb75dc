// RDB files: the whole dataset in Redis 7.0's format (RDB version 10), so a
// file written here loads into a real Redis 7.0 and passes redis-check-rdb,
// and a real Redis's dump.rdb loads here.
//
// Layout (every integer in the RDB length or string encoding of dump.h
// unless said otherwise):
//
//   "REDIS0010"
//   AUX redis-ver "7.0.15"   AUX redis-bits 64   AUX ctime <unix s>
//   AUX used-mem <bytes>     AUX aof-base 0|1          (0xFA key value)
//   for each non-empty db:
//     SELECTDB <id>                                    (0xFE len)
//     RESIZEDB <keys> <keys with a TTL>                (0xFB len len)
//     for each key:
//       [EXPIRETIME_MS <8 bytes LE unix ms>]           (0xFC)
//       [IDLE <seconds>] / [FREQ <1 byte>]             (0xF8 / 0xF9, only
//                                                       under an LRU / LFU
//                                                       maxmemory-policy)
//       <value type byte> <key string> <value>         (dump.h's encodings)
//   FUNCTION2 <library code as a string>            (0xF5, one per library,
//                                                    after the AUX fields)
//   EOF                                                (0xFF)
//   CRC64 of everything before it, 8 bytes LE; 0 when rdbchecksum is off.
//
// Those are exactly the aux fields Redis 7.0 writes on a master without a
// replication backlog; with one (or on a replica) repl-stream-db, repl-id
// and repl-offset follow used-mem, as Redis's.
//
// Loading follows Redis's rdbLoad: unknown aux fields are skipped, version
// 1..10 files are accepted, EXPIRETIME (seconds) and the old value encodings
// are read through dump.h's RdbReadObject, and keys already expired are
// dropped (a master's behaviour; the AOF preamble keeps them). The input is
// one byte range (a mapped file): every read is bounds-checked, so a
// truncated or corrupt file yields a Corruption status whose message names
// the offset and the reason, never a crash and never a partial success
// (the caller refuses to start, as Redis does).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "db/db.h"

namespace persist {

// The server version written in the redis-ver aux field: the Redis release
// whose format and behaviour we reproduce.
inline constexpr char kRdbRedisVer[] = "7.0.15";

// Opcodes of RDB version 10 (Redis 7.0's rdb.h: fixed on disk).
enum RdbOpcode : uint8_t {
  kOpFunction2 = 245,
  kOpFunction = 246,
  kOpModuleAux = 247,
  kOpIdle = 248,
  kOpFreq = 249,
  kOpAux = 250,
  kOpResizeDb = 251,
  kOpExpireTimeMs = 252,
  kOpExpireTime = 253,
  kOpSelectDb = 254,
  kOpEof = 255,
};

struct RdbSaveOptions {
  bool compress = true;   // rdbcompression: LZF for strings > 20 bytes
  bool checksum = true;   // rdbchecksum: else the trailing CRC is 0
  bool aof_base = false;  // aux aof-base 1: the file is an AOF's base
  int64_t ctime = 0;      // unix seconds
  uint64_t used_mem = 0;
  bool save_lru = false;  // write IDLE records (LRU maxmemory-policy)
  bool save_lfu = false;  // write FREQ records (LFU maxmemory-policy)
  // rdb-key-save-delay: microseconds slept after each key (tests use it to
  // make a BGSAVE slow, deterministically). <= 0: none.
  int64_t key_save_delay_us = 0;
  // rdb-save-incremental-fsync: fsync every kAutosyncBytes written, so the
  // kernel never holds gigabytes of dirty pages at the final fsync.
  bool incremental_fsync = true;
  // Called every kProgressKeys keys with the number of keys written so far
  // (the fork child reports progress and COW to the parent from here).
  std::function<void(size_t keys_done)> progress;
  // Replication info (aux repl-stream-db, repl-id, repl-offset), written
  // when repl_id is not empty: a master with replicas, or a replica.
  int repl_stream_db = 0;
  std::string repl_id;
  int64_t repl_offset = 0;
  // The function libraries' code, each written as a FUNCTION2 record
  // (the library's code as an RDB string) before the keys.
  std::vector<std::string> functions;
};

// Progress callbacks happen every this many keys (Redis reports its child's
// progress every 1024 keys, rdbSaveProgress).
inline constexpr size_t kProgressKeys = 1024;
// The save writers (RDB, AOF rewrite) write their buffer out once it holds
// kSaveWriteChunk bytes (Redis's rio writes through a stdio buffer of
// similar order). 64 KiB: write(2) calls stay few (16 per MB, against
// microseconds per key of serializing), the buffer stays in L2 between the
// serializer writing it and the CRC and write(2) reading it, and in a fork
// child every page of it is a page of copy-on-write (a 1 MiB chunk, grown by
// doubling, cost 2 MB of the child's COW; this costs 80 KiB).
inline constexpr size_t kSaveWriteChunk = 64 * 1024;
// Room reserved up front: a chunk plus one ordinary record, so the buffer
// never reallocates (and never leaves its first pages) while records are
// small. A bigger record grows it once; the RDB writer gives the memory
// back after the flush when it grew past 4 x this.
inline constexpr size_t kSaveBufferReserve = kSaveWriteChunk + 16 * 1024;
// Redis's REDIS_AUTOSYNC_BYTES: 4 MiB between incremental fsyncs.
inline constexpr uint64_t kAutosyncBytes = 4 * 1024 * 1024;

struct RdbSaveStats {
  size_t keys = 0;
  uint64_t bytes = 0;
};

// Streams the dataset in RDB format to fd (not closed; not fsynced at the
// end, the caller does that). IoError with strerror's text on a write
// error; NotSupported when a value's type has no RDB encoding yet.
common::Result<RdbSaveStats> RdbSaveToFd(int fd, const std::vector<db::Db*>& dbs, const RdbSaveOptions& opts);

// Saves to `path` as Redis's rdbSave: writes "temp-<pid>.rdb" in the
// directory of path, fsyncs, renames over path, fsyncs the directory. On
// any error the temp file is removed, path is untouched, and the status
// names the step: "Failed opening the temp RDB file ...", "Write error
// saving DB on disk: <strerror>", "Error moving temp DB file ...".
common::Result<RdbSaveStats> RdbSaveFile(const std::string& path, const std::vector<db::Db*>& dbs,
                                         const RdbSaveOptions& opts);

struct RdbLoadOptions {
  // Drop keys whose deadline is <= now_ms (a master loading its RDB);
  // false keeps them (AOF preamble, as Redis).
  bool drop_expired = true;
  int64_t now_ms = 0;
  // Check the trailing CRC64 (rdbchecksum); a stored 0 is never checked.
  bool verify_checksum = true;
  // A key present twice (or already in the db) replaces the old value
  // instead of failing (DEBUG RELOAD MERGE).
  bool allow_dup = false;
  // key-load-delay: microseconds slept after each key (tests). <= 0: none.
  int64_t key_load_delay_us = 0;
  // Called about every progress_bytes bytes of input with the position
  // reached and the keys loaded so far (the server processes events and
  // logs progress from here).
  size_t progress_bytes = 2 * 1024 * 1024;
  std::function<void(size_t pos, size_t keys)> progress;
  // Loads one FUNCTION2 record's library code (false, with the reason in
  // *err, fails the load). Unset: an RDB with libraries is refused.
  std::function<bool(const std::string& code, std::string* err)> load_function;
};

struct RdbLoadStats {
  int version = 0;
  size_t end = 0;  // offset just past the checksum (or EOF for versions < 5)
  size_t keys_loaded = 0;
  size_t keys_expired = 0;
  bool aof_base = false;     // aux aof-base was 1
  int64_t ctime = -1;        // aux ctime, -1 when absent
  int64_t used_mem = -1;     // aux used-mem, -1 when absent
  std::string redis_ver;     // aux redis-ver, empty when absent
  bool checksum_skipped = false;  // the file was saved without a checksum
  // aux repl-stream-db / repl-id / repl-offset (-1 / empty / -1 when absent)
  int repl_stream_db = -1;
  std::string repl_id;
  int64_t repl_offset = -1;
};

// True iff data starts like an RDB file ("REDIS" + 4 digits): how an AOF
// base file with an RDB preamble is told from a command file.
bool LooksLikeRdb(std::string_view data);

// Loads an RDB image into dbs (which the caller has emptied, unless
// allow_dup). Bytes after the checksum are not read (an AOF preamble is
// followed by commands; stats->end says where they start). On error
// returns Corruption "<reason> (offset <n>)"; keys loaded before the error
// stay in dbs (the caller exits or flushes).
common::Status RdbLoad(std::string_view data, const std::vector<db::Db*>& dbs, const RdbLoadOptions& opts,
                       RdbLoadStats* stats);

// A read-only mapping of a whole file (empty files map to an empty view).
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  // NotFound when the file does not exist, IoError otherwise.
  common::Status Open(const std::string& path);
  std::string_view data() const { return {static_cast<const char*>(addr_), size_}; }

 private:
  void* addr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace persist
