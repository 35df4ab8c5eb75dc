// AOF manifest, naming, RESP command encoding and reading, and the
// command-form rewrite (see aof.h).
#include "persist/aof.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "common/util.h"
#include "persist/dump.h"
#include "persist/rdb.h"

namespace persist {
namespace {

// Redis's AOF_MANIFEST_LINE_MAX... a manifest line longer than this is
// refused (file names are short; this bounds what a bad file can cost).
constexpr size_t kManifestLineMax = 1024;
// Bytes buffered before a write(2) in the rewrite (see rdb.h).
constexpr size_t kWriteChunk = kSaveWriteChunk;

common::Status ManifestError(const char* why) { return common::Status::InvalidArgument(why); }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits a line into arguments as Redis's sdssplitargs: whitespace
// separated, "double quoted" with \xHH \n \r \t \b \a \\ \" escapes, or
// 'single quoted' with \'. False on unbalanced quotes or a closing quote
// not followed by a space.
bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  size_t i = 0, n = line.size();
  for (;;) {
    while (i < n && isspace(static_cast<unsigned char>(line[i]))) i++;
    if (i >= n) return true;
    std::string cur;
    bool inq = false, insq = false;
    for (;;) {
      if (inq) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && HexDigit(line[i + 2]) >= 0 &&
            HexDigit(line[i + 3]) >= 0) {
          cur.push_back(static_cast<char>(HexDigit(line[i + 2]) * 16 + HexDigit(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          i++;
          char c = line[i];
          cur.push_back(c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c == 'b' ? '\b' : c == 'a' ? '\a' : c);
        } else if (line[i] == '"') {
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          i++;
          break;
        } else {
          cur.push_back(line[i]);
        }
      } else if (insq) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          i++;
          cur.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          i++;
          break;
        } else {
          cur.push_back(line[i]);
        }
      } else {
        if (i >= n || isspace(static_cast<unsigned char>(line[i]))) break;
        if (line[i] == '"') {
          inq = true;
        } else if (line[i] == '\'') {
          insq = true;
        } else {
          cur.push_back(line[i]);
        }
      }
      i++;
    }
    out->push_back(std::move(cur));
  }
}

// Redis's sdscatrepr.
std::string QuoteName(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      default:
        if (isprint(c)) {
          out.push_back(ch);
        } else {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        }
    }
  }
  out += '"';
  return out;
}

void AppendLine(std::string* out, const AofFileInfo& f) {
  *out += "file ";
  *out += ManifestNameNeedsQuoting(f.name) ? QuoteName(f.name) : f.name;
  *out += " seq ";
  *out += std::to_string(f.seq);
  *out += " type ";
  out->push_back(static_cast<char>(f.type));
  out->push_back('\n');
}

}  // namespace

bool ManifestNameNeedsQuoting(std::string_view s) {
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\\' || c == '"' || c == '\n' || c == '\r' || c == '\t' || c == '\a' || c == '\b' || !isprint(c) ||
        isspace(c))
      return true;
  }
  return false;
}

std::string AofManifest::Format() const {
  std::string out;
  if (has_base) AppendLine(&out, base);
  for (const AofFileInfo& f : history) AppendLine(&out, f);
  for (const AofFileInfo& f : incr) AppendLine(&out, f);
  return out;
}

common::Result<AofManifest> ParseAofManifest(std::string_view text, ManifestErrorLine* where) {
  AofManifest m;
  size_t pos = 0;
  int number = 0;
  std::string_view line;
  // An error about the current line: remember which, for the log.
  auto line_error = [&](const char* why) {
    if (where != nullptr) *where = {true, number, std::string(line)};
    return ManifestError(why);
  };
  int64_t last_incr_seq = 0;
  // As Redis's aofLoadManifestFromFile: comments are skipped first; every
  // other line must end with a newline (a last line without one counts as
  // too long) and must not be blank once spaces are trimmed.
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    bool terminated = eol != std::string_view::npos;
    if (!terminated) eol = text.size();
    line = text.substr(pos, eol - pos);
    pos = eol + 1;
    number++;
    if (line.size() > kManifestLineMax) return ManifestError("The AOF manifest file contains too long line");
    if (!line.empty() && line[0] == '#') continue;
    if (!terminated) return ManifestError("The AOF manifest file contains too long line");
    size_t first = line.find_first_not_of(" \t\r");
    line = first == std::string_view::npos ? std::string_view()
                                           : line.substr(first, line.find_last_not_of(" \t\r") + 1 - first);
    if (line.empty()) return line_error("Invalid AOF manifest file format");
    std::vector<std::string> argv;
    if (!SplitArgs(line, &argv) || argv.size() < 6 || argv.size() % 2 != 0)
      return line_error("Invalid AOF manifest file format");
    AofFileInfo f;
    bool has_type = false;
    for (size_t i = 0; i < argv.size(); i += 2) {
      const std::string& k = argv[i];
      const std::string& v = argv[i + 1];
      if (k == "file") {
        f.name = v;
      } else if (k == "seq") {
        if (!common::StringToInt64(v, &f.seq)) return line_error("Invalid AOF manifest file format");
      } else if (k == "type") {
        if (v.size() != 1 || (v[0] != 'b' && v[0] != 'h' && v[0] != 'i'))
          return line_error("Unknown AOF file type");
        f.type = static_cast<AofFileType>(v[0]);
        has_type = true;
      }
      // Other keys: ignored, for forward compatibility (as Redis).
    }
    if (f.name.empty() || !has_type) return line_error("Invalid AOF manifest file format");
    // A name with a slash would escape the AOF directory.
    if (f.name.find('/') != std::string::npos) return line_error("File can't be a path, just a filename");
    switch (f.type) {
      case AofFileType::kBase:
        if (m.has_base) return line_error("Found duplicate base file information");
        m.has_base = true;
        m.base = f;
        m.curr_base_seq = f.seq;
        break;
      case AofFileType::kHistory:
        m.history.push_back(f);
        break;
      case AofFileType::kIncr:
        if (f.seq <= last_incr_seq) return line_error("Found a non-monotonic sequence number");
        last_incr_seq = f.seq;
        m.incr.push_back(f);
        m.curr_incr_seq = f.seq;
        break;
    }
  }
  if (!m.has_base && m.incr.empty()) return ManifestError("Found an empty AOF manifest");
  return m;
}

std::string AofBaseName(const std::string& appendfilename, int64_t seq, bool rdb_preamble) {
  return appendfilename + "." + std::to_string(seq) + ".base" + (rdb_preamble ? ".rdb" : ".aof");
}

std::string AofIncrName(const std::string& appendfilename, int64_t seq) {
  return appendfilename + "." + std::to_string(seq) + ".incr.aof";
}

std::string AofManifestName(const std::string& appendfilename) { return appendfilename + ".manifest"; }

std::string AofTempIncrName(const std::string& appendfilename) { return "temp-" + appendfilename + ".incr"; }

void AppendRespCommand(std::string* out, const std::vector<std::string_view>& argv) {
  *out += '*';
  *out += std::to_string(argv.size());
  *out += "\r\n";
  for (std::string_view a : argv) {
    *out += '$';
    *out += std::to_string(a.size());
    *out += "\r\n";
    out->append(a);
    *out += "\r\n";
  }
}

void AppendRespCommand(std::string* out, std::initializer_list<std::string_view> argv) {
  AppendRespCommand(out, std::vector<std::string_view>(argv));
}

bool AofCommandReader::ReadLine(size_t* p, std::string_view* line) const {
  size_t eol = data_.find("\r\n", *p);
  if (eol == std::string_view::npos) return false;
  *line = data_.substr(*p, eol - *p);
  *p = eol + 2;
  return true;
}

AofCommandReader::Result AofCommandReader::Next(std::vector<std::string_view>* argv) {
  argv->clear();
  for (;;) {
    if (pos_ >= data_.size()) return Result::kEnd;
    if (data_[pos_] != '#') break;
    // An annotation line: skipped (a partial one at the end is a truncation).
    size_t p = pos_;
    std::string_view line;
    if (!ReadLine(&p, &line)) return Result::kTruncated;
    pos_ = p;
  }
  size_t p = pos_;
  if (data_[p] != '*') return Result::kBadFormat;
  std::string_view line;
  if (!ReadLine(&p, &line)) return Result::kTruncated;
  int64_t argc;
  if (!common::StringToInt64(line.substr(1), &argc) || argc < 1) return Result::kBadFormat;
  for (int64_t j = 0; j < argc; j++) {
    if (p >= data_.size()) return Result::kTruncated;
    if (data_[p] != '$') return Result::kBadFormat;
    if (!ReadLine(&p, &line)) return Result::kTruncated;
    int64_t len;
    if (!common::StringToInt64(line.substr(1), &len) || len < 0) return Result::kBadFormat;
    if (static_cast<uint64_t>(len) + 2 > data_.size() - p) return Result::kTruncated;
    if (data_.substr(p + static_cast<size_t>(len), 2) != "\r\n") return Result::kBadFormat;
    argv->push_back(data_.substr(p, static_cast<size_t>(len)));
    p += static_cast<size_t>(len) + 2;
  }
  pos_ = p;
  return Result::kCommand;
}

common::Result<AofRewriteStats> AofRewriteCommands(int fd, const std::vector<db::Db*>& dbs,
                                                   int64_t key_save_delay_us,
                                                   const std::function<void(size_t)>& progress) {
  AofRewriteStats stats;
  std::string out;
  out.reserve(kSaveBufferReserve);
  auto flush = [&]() -> bool {
    size_t off = 0;
    while (off < out.size()) {
      ssize_t n = write(fd, out.data() + off, out.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    stats.bytes += out.size();
    out.clear();
    return true;
  };
  auto write_error = [] { return common::Status::IoError(strerror(errno ? errno : ENOSPC)); };
  for (db::Db* d : dbs) {
    if (d->size() == 0) continue;
    std::string id = std::to_string(d->id());
    AppendRespCommand(&out, {"SELECT", id});
    ds::Dict::Iterator it = d->dict().MakeIterator(/*safe=*/true);
    while (const ds::DictEntry* de = it.Next()) {
      const auto* o = db::EntryValue(de);
      ds::sds key = db::EntryKeySds(de);
      std::string_view k(key, ds::SdsLen(key));
      if (o->GetType() == object::Type::kString) {
        char buf[32];
        AppendRespCommand(&out, {"SET", k, object::StringView(o, buf)});
      } else {
        common::Result<std::string> payload = CreateDumpPayload(o, /*compress=*/true);
        if (!payload.ok()) return payload.status();
        AppendRespCommand(&out, {"RESTORE", k, "0", *payload});
      }
      if (d->expires_size() > 0) {
        ds::DictEntry* ee = d->expires().Find(db::EntryKeySds(de));
        if (ee != nullptr) AppendRespCommand(&out, {"PEXPIREAT", k, common::Int64ToString(ee->v.s64)});
      }
      stats.keys++;
      if (out.size() >= kWriteChunk && !flush()) return write_error();
      if (progress && stats.keys % 1024 == 0) progress(stats.keys);
      if (key_save_delay_us > 0) usleep(static_cast<useconds_t>(key_save_delay_us));
    }
  }
  if (!flush()) return write_error();
  return stats;
}

}  // namespace persist
