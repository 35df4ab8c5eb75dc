// The append-only file in Redis 7.0's multi-part layout, as data and bytes:
// the manifest, file naming, the RESP encoding of logged commands, the
// parser that reads them back, and the command-form rewrite. No server
// state here: server/aof_log.cc drives these.
//
// Layout: in `dir`/`appenddirname`/ live
//   <appendfilename>.<seq>.base.rdb   the base: an RDB image (aof-base aux 1)
//                                     when aof-use-rdb-preamble is yes,
//   <appendfilename>.<seq>.base.aof   or commands otherwise;
//   <appendfilename>.<seq>.incr.aof   commands logged since, in RESP;
//   <appendfilename>.manifest         which files make the dataset, in order.
// The manifest has one line per file, Redis 7.0's syntax:
//   file <name> seq <n> type <b|h|i>
// b = base (at most one), h = history (superseded, to be deleted),
// i = incremental (loaded in the order listed, seq increasing). Names that
// need quoting are written as Redis's sdscatrepr does and parsed back as
// sdssplitargs does. Lines starting with '#' are comments.
//
// A command file is a sequence of RESP arrays of bulk strings
// ("*<argc>\r\n$<len>\r\n<arg>\r\n..."), optionally interleaved with
// annotation lines starting with '#' (aof-timestamp-enabled writes
// "#TS:<unix seconds>\r\n"), which loading skips.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "db/db.h"

namespace persist {

enum class AofFileType : char { kBase = 'b', kHistory = 'h', kIncr = 'i' };

struct AofFileInfo {
  std::string name;
  int64_t seq = 0;
  AofFileType type = AofFileType::kIncr;
  bool operator==(const AofFileInfo&) const = default;
};

struct AofManifest {
  bool has_base = false;
  AofFileInfo base;
  std::vector<AofFileInfo> incr;     // in load order
  std::vector<AofFileInfo> history;  // to delete
  int64_t curr_base_seq = 0;  // highest seq used for a base / an incr
  int64_t curr_incr_seq = 0;

  // The manifest text: base, then history, then incr files, one line each.
  std::string Format() const;
};

// Parses manifest text. InvalidArgument with Redis's wording on malformed
// input ("Invalid AOF manifest file format", "Found duplicate base file
// information", "Found a non-monotonic sequence number", "Found an empty
// AOF manifest", "The AOF manifest file contains too long line").
// When the error is about one line's content, *where (if given) receives
// its number (from 1) and its trimmed text, which Redis logs too.
struct ManifestErrorLine {
  bool known = false;
  int number = 0;
  std::string text;
};
common::Result<AofManifest> ParseAofManifest(std::string_view text, ManifestErrorLine* where = nullptr);

// File names (Redis 7.0's getNewBaseFileNameAndMarkPreAsHistory and
// friends).
std::string AofBaseName(const std::string& appendfilename, int64_t seq, bool rdb_preamble);
std::string AofIncrName(const std::string& appendfilename, int64_t seq);
std::string AofManifestName(const std::string& appendfilename);
std::string AofTempIncrName(const std::string& appendfilename);

// Appends argv as a RESP array of bulk strings (Redis's catAppendOnlyGenericCommand).
void AppendRespCommand(std::string* out, const std::vector<std::string_view>& argv);
void AppendRespCommand(std::string* out, std::initializer_list<std::string_view> argv);

// Reads commands back from a command file's bytes.
class AofCommandReader {
 public:
  enum class Result {
    kCommand,    // *argv holds the next command (views into the input)
    kEnd,        // clean end of input
    kTruncated,  // the input ends inside a command (pos() is where it starts)
    kBadFormat,  // not RESP (pos() is where the bad command starts)
  };
  explicit AofCommandReader(std::string_view data, size_t start = 0) : data_(data), pos_(start) {}
  Result Next(std::vector<std::string_view>* argv);
  // Offset of the first byte not yet consumed by a complete command.
  size_t pos() const { return pos_; }

 private:
  bool ReadLine(size_t* p, std::string_view* line) const;
  std::string_view data_;
  size_t pos_;
};

// Writes the dataset as commands (the base of an AOF without RDB preamble):
// SELECT per non-empty db, SET for strings, RESTORE <key> 0 <DUMP payload>
// for the other types (Redis writes their element commands instead; RESTORE
// rebuilds the same value in one command and works for every type), then
// PEXPIREAT for keys with a TTL. Streams to fd in chunks; IoError on write
// errors. progress and key_save_delay_us as in RdbSaveOptions.
struct AofRewriteStats {
  size_t keys = 0;
  uint64_t bytes = 0;
};
common::Result<AofRewriteStats> AofRewriteCommands(int fd, const std::vector<db::Db*>& dbs,
                                                   int64_t key_save_delay_us,
                                                   const std::function<void(size_t)>& progress);

// True iff s needs quoting in a manifest (Redis's sdsneedsrepr).
bool ManifestNameNeedsQuoting(std::string_view s);

}  // namespace persist
