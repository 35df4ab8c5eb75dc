// The directive table and everything built on it: redis.conf loading, the
// command line, CONFIG GET / SET / REWRITE. See config.h for the contract.
//
// How a row works: each Directive has a getter (the CONFIG GET text), a
// setter (parses the arguments of a redis.conf line or of the split CONFIG
// SET value and stores them into a ServerConfig) and a rewriter (the lines
// CONFIG REWRITE writes). Typed builders (Bool, Numeric, Enum, String) make
// the three from a member pointer; special directives spell them out.
//
// Facts about Redis 7.0.15 that shape this file (all checked against
// Debian's redis-server 7.0.15):
//  - Values of multi-argument directives (save, bind, client-output-buffer-
//    limit, ...) given to CONFIG SET are split on single spaces, so "1  2"
//    has an empty middle argument; in redis.conf they are the line's
//    arguments, and a single non-empty argument is split again like a line.
//  - Numbers: plain integers follow string2ll (no '+', no leading zeros, no
//    spaces); memory values follow memtoull (digits then b/k/kb/m/mb/g/gb,
//    k = 1000 and kb = 1024, no sign, no fraction); a percent value "N%" is
//    stored as -N.
//  - The first `save` line of a file replaces the defaults, later ones add
//    points; CONFIG SET save replaces all.
//  - An alias is a name of its own: CONFIG GET reports the spelling that
//    matched, and CONFIG SET slave-read-only x replica-read-only y is not a
//    duplicate (the later pair wins).
#include "server/config.h"

#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <type_traits>

#include "common/log.h"
#include "common/macros.h"
#include "db/tiering.h"

namespace server {

ServerConfig& Config() {
  static ServerConfig config;
  return config;
}

namespace {

// ---- Small string helpers ---------------------------------------------------

using common::EqualsNoCase;
using common::GlobMatch;
using common::Repr;
using common::SplitArgs;
using common::ToLower;


// One argument of a rewritten line: as it is when the parser reads it back
// unchanged (printable ASCII with no space, quote or backslash), quoted and
// escaped otherwise. A value written through this can never start a line
// of its own in the file.
std::string RewriteArg(std::string_view v) {
  bool plain = !v.empty();
  for (char ch : v) plain &= ch > ' ' && ch <= '~' && ch != '"' && ch != '\'' && ch != '\\';
  return plain ? std::string(v) : Repr(v);
}

std::string Trim(std::string_view s, std::string_view chars) {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(chars);
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> SplitSpaces(std::string_view s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t sp = s.find(' ', start);
    if (sp == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      return out;
    }
    out.emplace_back(s.substr(start, sp - start));
    start = sp + 1;
  }
}

// Redis string2ll (common::StringToInt64), for the long long fields.
bool ParseLongLong(std::string_view s, long long* out) {
  int64_t v = 0;
  if (!common::StringToInt64(s, &v)) return false;
  *out = v;
  return true;
}

// Redis memtoull: "<digits><unit>" with unit b, k (1000), kb (1024), m, mb,
// g, gb (case-insensitive) or none. No sign, no spaces, no fraction. The
// digit part goes through strtoull, so an empty one is 0 ("kb" is 0) and an
// overflowing one saturates to ULLONG_MAX, as in Redis; only the unit
// multiplication is checked for overflow.
bool MemToUll(std::string_view s, unsigned long long* out) {
  if (!s.empty() && s[0] == '-') return false;
  size_t u = 0;
  while (u < s.size() && s[u] >= '0' && s[u] <= '9') u++;
  std::string_view unit = s.substr(u);
  unsigned long long mul;
  if (unit.empty() || EqualsNoCase(unit, "b")) {
    mul = 1;
  } else if (EqualsNoCase(unit, "k")) {
    mul = 1000;
  } else if (EqualsNoCase(unit, "kb")) {
    mul = 1024;
  } else if (EqualsNoCase(unit, "m")) {
    mul = 1000ULL * 1000;
  } else if (EqualsNoCase(unit, "mb")) {
    mul = 1024ULL * 1024;
  } else if (EqualsNoCase(unit, "g")) {
    mul = 1000ULL * 1000 * 1000;
  } else if (EqualsNoCase(unit, "gb")) {
    mul = 1024ULL * 1024 * 1024;
  } else {
    return false;
  }
  // Redis copies the digits into a 128-byte buffer and refuses longer ones.
  constexpr size_t kMaxDigits = 127;
  if (u > kMaxDigits) return false;
  std::string digits(s.substr(0, u));
  unsigned long long val = strtoull(digits.c_str(), nullptr, 10);
  if (val > ULLONG_MAX / mul) return false;
  *out = val * mul;
  return true;
}

// Redis string2d: strtod over the whole string; no leading space, no NaN,
// no overflow to infinity or underflow to zero.
bool ParseDouble(const std::string& s, double* out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  errno = 0;
  char* end = nullptr;
  double d = strtod(s.c_str(), &end);
  if (static_cast<size_t>(end - s.c_str()) != s.size()) return false;
  if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL || std::fpclassify(d) == FP_ZERO)) return false;
  if (std::isnan(d)) return false;
  *out = d;
  return true;
}

}  // namespace

std::string FormatPercentile(double d) {
  char buf[128];
  snprintf(buf, sizeof(buf), "%f", d);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

namespace {

// How CONFIG REWRITE writes byte counts: the largest of gb/mb/kb that
// divides the value exactly, else plain bytes.
std::string FormatMemory(unsigned long long bytes) {
  constexpr unsigned long long kGb = 1024ULL * 1024 * 1024, kMb = 1024ULL * 1024, kKb = 1024;
  if (bytes && bytes % kGb == 0) return std::to_string(bytes / kGb) + "gb";
  if (bytes && bytes % kMb == 0) return std::to_string(bytes / kMb) + "mb";
  if (bytes && bytes % kKb == 0) return std::to_string(bytes / kKb) + "kb";
  return std::to_string(bytes);
}

// Redis stringmatchlen: glob with * ? [abc] [^a-z] and \ escapes.
std::string Cwd() {
  char buf[PATH_MAX];
  if (getcwd(buf, sizeof(buf)) == nullptr) return "";
  return buf;
}

// Redis getAbsolutePath: a relative path is prefixed with the working
// directory, and its leading "../" components climb out of it.
std::string AbsolutePath(const std::string& raw) {
  std::string path = Trim(raw, " \r\n\t");
  if (!path.empty() && path[0] == '/') return path;
  std::string cwd = Cwd();
  if (!cwd.empty() && cwd.back() != '/') cwd.push_back('/');
  while (path.compare(0, 3, "../") == 0) {
    path.erase(0, 3);
    if (cwd.size() > 1) {
      cwd.pop_back();  // the trailing '/'
      size_t slash = cwd.rfind('/');
      cwd.erase(slash + 1);
    }
  }
  return cwd + path;
}

bool ReadWholeFile(const std::string& path, std::string* out, int* err) {
  FILE* f = fopen(path.c_str(), "r");
  if (f == nullptr) {
    *err = errno;
    return false;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out->append(buf, n);
  fclose(f);
  return true;
}

std::string CantOpen(const std::string& path, int err) {
  return "Fatal error, can't open config file '" + path + "': " + strerror(err);
}

bool IsBaseName(const std::string& s) { return s.find('/') == std::string::npos; }

}  // namespace

// ---- Keyspace notification letters ------------------------------------------

int NotifyStringToFlags(std::string_view letters) {
  int flags = 0;
  for (char c : letters) {
    switch (c) {
      case 'A': flags |= notify::kAll; break;
      case 'g': flags |= notify::kGeneric; break;
      case '$': flags |= notify::kString; break;
      case 'l': flags |= notify::kList; break;
      case 's': flags |= notify::kSet; break;
      case 'h': flags |= notify::kHash; break;
      case 'z': flags |= notify::kZset; break;
      case 'x': flags |= notify::kExpired; break;
      case 'e': flags |= notify::kEvicted; break;
      case 'K': flags |= notify::kKeyspace; break;
      case 'E': flags |= notify::kKeyevent; break;
      case 't': flags |= notify::kStream; break;
      case 'm': flags |= notify::kKeyMiss; break;
      case 'd': flags |= notify::kModule; break;
      case 'n': flags |= notify::kNew; break;
      default: return -1;
    }
  }
  return flags;
}

std::string NotifyFlagsToString(int flags) {
  std::string out;
  if ((flags & notify::kAll) == notify::kAll) {
    out += 'A';
  } else {
    static const std::pair<int, char> kOrder[] = {
        {notify::kGeneric, 'g'}, {notify::kString, '$'}, {notify::kList, 'l'},  {notify::kSet, 's'},
        {notify::kHash, 'h'},    {notify::kZset, 'z'},   {notify::kExpired, 'x'}, {notify::kEvicted, 'e'},
        {notify::kStream, 't'},  {notify::kModule, 'd'}, {notify::kNew, 'n'}};
    for (auto [bit, c] : kOrder)
      if (flags & bit) out += c;
  }
  if (flags & notify::kKeyspace) out += 'K';
  if (flags & notify::kKeyevent) out += 'E';
  if (flags & notify::kKeyMiss) out += 'm';
  return out;
}

// ---- Rewrite state ----------------------------------------------------------

// REDIS_CONFIG_REWRITE_SIGNATURE: marks where appended lines start.
static constexpr char kRewriteSignature[] = "# Generated by CONFIG REWRITE";

struct ConfigRegistry::RewriteState {
  std::vector<std::string> lines;
  // option (lower-case primary name) -> the old file's lines that set it, in order.
  std::map<std::string, std::deque<size_t>> option_to_line;
  std::set<std::string> rewritten;  // options handled by the rewrite
  bool needs_signature = true;
  bool force_all = false;  // every option gets a line, defaults too
  std::string unsafe_option;  // the first option whose line held a control character

  void MarkProcessed(const std::string& option) { rewritten.insert(option); }

  // Puts `line` where `option` was set in the old file (its next unused
  // line), or appends it when there is none and `force` (the value is not
  // the default) holds.
  void RewriteLine(const std::string& option, std::string line, bool force) {
    MarkProcessed(option);
    // Every value is written through Repr or RewriteArg, so a control
    // character here is a bug of some directive's rewriter; refusing the
    // whole rewrite beats letting a value add lines of its own.
    for (char ch : line) {
      if (static_cast<unsigned char>(ch) < ' ' && unsafe_option.empty()) unsafe_option = option;
    }
    auto it = option_to_line.find(option);
    if (it == option_to_line.end() && !force && !force_all) return;
    if (it != option_to_line.end()) {
      size_t at = it->second.front();
      it->second.pop_front();
      if (it->second.empty()) option_to_line.erase(it);
      lines[at] = std::move(line);
      return;
    }
    if (needs_signature) {
      lines.emplace_back(kRewriteSignature);
      needs_signature = false;
    }
    lines.push_back(std::move(line));
  }
};

// ---- The directive row ------------------------------------------------------

namespace {

enum DirectiveFlag : uint32_t {
  kModifiable = 0,
  kImmutable = 1u << 0,  // CONFIG SET refuses it
  kProtected = 1u << 1,  // CONFIG SET only with enable-protected-configs
  kHidden = 1u << 2,     // CONFIG GET only by exact name
  kSensitive = 1u << 3,  // value redacted from logs
  kMultiArg = 1u << 4,   // the value is several arguments
  kSpecial = 1u << 5,    // CONFIG SET always counts it as changed (Redis's special setters)
};

// Numeric value syntaxes.
enum NumericFlag : uint32_t {
  kInteger = 0,
  kMemory = 1u << 0,   // memtoull units
  kPercent = 1u << 1,  // "N%" stored as -N
  kOctal = 1u << 2,    // base 8 in and out
  kUnsigned = 1u << 3, // bounds compared as unsigned (Redis's unsigned types)
};

struct SetContext {
  bool reading_file = false;
  bool* save_loaded = nullptr;
  const std::string* config_file = nullptr;
};

using Args = std::vector<std::string>;
using Getter = std::function<std::string(const ServerConfig&)>;
using Setter = std::function<bool(ServerConfig&, const Args&, SetContext&, std::string*)>;
using Rewriter = std::function<void(const ServerConfig& cur, const ServerConfig& def,
                                    ConfigRegistry::RewriteState& st)>;

}  // namespace

struct ConfigRegistry::Directive {
  std::string name;
  std::string alias;
  uint32_t flags = 0;
  Getter get;
  Setter set;
  Rewriter rewrite;
};

namespace {

using Directive = ConfigRegistry::Directive;
using RewriteState = ConfigRegistry::RewriteState;

// A setter's optional extra check on the parsed value (Redis's is_valid_fn).
template <typename V>
using Check = std::function<bool(const V&, std::string*)>;

Directive Bool(const char* name, const char* alias, uint32_t flags, bool ServerConfig::*m,
               Check<bool> check = nullptr) {
  Directive d{name, alias ? alias : "", flags, nullptr, nullptr, nullptr};
  d.get = [m](const ServerConfig& c) { return std::string(c.*m ? "yes" : "no"); };
  d.set = [m, check](ServerConfig& c, const Args& a, SetContext&, std::string* err) {
    bool v;
    if (EqualsNoCase(a[0], "yes")) {
      v = true;
    } else if (EqualsNoCase(a[0], "no")) {
      v = false;
    } else {
      *err = "argument must be 'yes' or 'no'";
      return false;
    }
    if (check && !check(v, err)) return false;
    c.*m = v;
    return true;
  };
  std::string n = name;
  d.rewrite = [m, n](const ServerConfig& cur, const ServerConfig& def, RewriteState& st) {
    st.RewriteLine(n, n + " " + (cur.*m ? "yes" : "no"), cur.*m != def.*m);
  };
  return d;
}

// A numeric directive stored in a field of type T. lo and hi are Redis's
// bounds as long long (an unsigned bound such as ULLONG_MAX is stored as its
// bit pattern, as Redis does).
template <typename T>
Directive Numeric(const char* name, const char* alias, uint32_t flags, long long lo, long long hi,
                  T ServerConfig::*m, uint32_t num_flags = kInteger, Check<long long> check = nullptr) {
  Directive d{name, alias ? alias : "", flags, nullptr, nullptr, nullptr};
  auto value_of = [m](const ServerConfig& c) { return static_cast<long long>(c.*m); };
  auto format = [num_flags](long long v) -> std::string {
    char buf[64];
    if ((num_flags & kPercent) && v < 0) {
      snprintf(buf, sizeof(buf), "%lld%%", -v);
    } else if (num_flags & kMemory) {
      snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(v));
    } else if (num_flags & kOctal) {
      snprintf(buf, sizeof(buf), "%llo", static_cast<unsigned long long>(v));
    } else {
      snprintf(buf, sizeof(buf), "%lld", v);
    }
    return buf;
  };
  d.get = [value_of, format](const ServerConfig& c) { return format(value_of(c)); };
  d.set = [m, lo, hi, num_flags, check](ServerConfig& c, const Args& a, SetContext&, std::string* err) {
    const std::string& s = a[0];
    long long ll = 0;
    bool parsed = false;
    if (num_flags & kMemory) {
      unsigned long long u;
      if (MemToUll(s, &u)) {
        ll = static_cast<long long>(u);
        parsed = true;
      }
    }
    if (!parsed && (num_flags & kPercent) && s.size() > 1 && s.back() == '%' &&
        ParseLongLong(std::string_view(s).substr(0, s.size() - 1), &ll) && ll >= 0) {
      ll = -ll;
      parsed = true;
    }
    if (!parsed && (num_flags & kOctal)) {
      errno = 0;
      char* end = nullptr;
      ll = strtoll(s.c_str(), &end, 8);
      parsed = errno == 0 && *end == '\0';
    }
    if (!parsed && (num_flags & (kMemory | kPercent | kOctal)) == 0) parsed = ParseLongLong(s, &ll);
    if (!parsed) {
      if ((num_flags & kMemory) && (num_flags & kPercent)) {
        *err = "argument must be a memory or percent value";
      } else if (num_flags & kMemory) {
        *err = "argument must be a memory value";
      } else if (num_flags & kOctal) {
        *err = "argument couldn't be parsed as an octal number";
      } else {
        *err = "argument couldn't be parsed into an integer";
      }
      return false;
    }
    char buf[160];
    if (num_flags & kUnsigned) {
      unsigned long long u = static_cast<unsigned long long>(ll);
      unsigned long long ulo = static_cast<unsigned long long>(lo), uhi = static_cast<unsigned long long>(hi);
      if (u > uhi || u < ulo) {
        snprintf(buf, sizeof(buf),
                 (num_flags & kOctal) ? "argument must be between %llo and %llo inclusive"
                                      : "argument must be between %llu and %llu inclusive",
                 ulo, uhi);
        *err = buf;
        return false;
      }
    } else if ((num_flags & kPercent) && ll < 0) {
      if (ll < lo) {
        snprintf(buf, sizeof(buf), "percentage argument must be less or equal to %lld", -lo);
        *err = buf;
        return false;
      }
    } else if (ll > hi || ll < lo) {
      snprintf(buf, sizeof(buf), "argument must be between %lld and %lld inclusive", lo, hi);
      *err = buf;
      return false;
    }
    if (check && !check(ll, err)) return false;
    if constexpr (std::is_signed_v<T>) {
      // Only maxclients (an int holding an unsigned range) can exceed T.
      if (static_cast<unsigned long long>(ll) > static_cast<unsigned long long>(std::numeric_limits<T>::max()) &&
          ll > 0) {
        ll = static_cast<long long>(std::numeric_limits<T>::max());
      }
    }
    c.*m = static_cast<T>(ll);
    return true;
  };
  std::string n = name;
  d.rewrite = [n, value_of, num_flags](const ServerConfig& cur, const ServerConfig& def, RewriteState& st) {
    long long v = value_of(cur);
    bool force = v != value_of(def);
    char buf[64];
    std::string text;
    if ((num_flags & kPercent) && v < 0) {
      snprintf(buf, sizeof(buf), "%lld%%", -v);
      text = buf;
    } else if (num_flags & kMemory) {
      text = FormatMemory(static_cast<unsigned long long>(v));
    } else if (num_flags & kOctal) {
      snprintf(buf, sizeof(buf), "%llo", static_cast<unsigned long long>(v));
      text = buf;
    } else {
      text = std::to_string(v);
    }
    st.RewriteLine(n, n + " " + text, force);
  };
  return d;
}

struct EnumValue {
  const char* name;
  int value;
};

// Canonical name of an enum value: the first entry with that value; for bit
// flags, the names of the entries whose bits are all set, in table order.
// Empty when no name fits.
std::string EnumName(const std::vector<EnumValue>& values, int v, bool bitflags) {
  std::string names;
  int unmatched = v;
  for (const EnumValue& e : values) {
    if (e.value == v) return e.name;
    if (bitflags && e.value != 0 && (unmatched & e.value) == e.value) {
      if (!names.empty()) names += ' ';
      names += e.name;
      unmatched &= ~e.value;
    }
  }
  if (names.empty() || unmatched) return "";
  return names;
}

int EnumValueOf(const std::vector<EnumValue>& values, const std::string& name) {
  for (const EnumValue& e : values)
    if (EqualsNoCase(e.name, name)) return e.value;
  return INT_MIN;
}

// An enumerated directive stored as its canonical name. With kMultiArg the
// values are bit flags that combine (shutdown-on-sigint "nosave now").
Directive Enum(const char* name, const char* alias, uint32_t flags, std::vector<EnumValue> values,
               std::string ServerConfig::*m, Check<int> check = nullptr) {
  Directive d{name, alias ? alias : "", flags, nullptr, nullptr, nullptr};
  const bool bitflags = (flags & kMultiArg) != 0;
  std::string list;
  for (const EnumValue& e : values) {
    if (!list.empty()) list += ", ";
    list += e.name;
  }
  std::string bad = "argument(s) must be one of the following: " + list;
  d.get = [m](const ServerConfig& c) { return c.*m; };
  d.set = [m, values, bitflags, bad, check](ServerConfig& c, const Args& a, SetContext&, std::string* err) {
    int v = 0;
    if (a.empty() || (!bitflags && a.size() != 1)) {
      *err = bad;
      return false;
    }
    for (const std::string& arg : a) {
      int one = EnumValueOf(values, arg);
      if (one == INT_MIN) {
        *err = bad;
        return false;
      }
      v |= one;
    }
    if (check && !check(v, err)) return false;
    std::string canonical = EnumName(values, v, bitflags);
    c.*m = canonical.empty() ? "unknown" : canonical;
    return true;
  };
  std::string n = name;
  d.rewrite = [m, n](const ServerConfig& cur, const ServerConfig& def, RewriteState& st) {
    st.RewriteLine(n, n + " " + cur.*m, cur.*m != def.*m);
  };
  return d;
}

// A string directive. With empty_is_null an empty value means "not set":
// CONFIG REWRITE then drops its lines instead of writing `name ""`.
Directive String(const char* name, const char* alias, uint32_t flags, bool empty_is_null,
                 std::string ServerConfig::*m, Check<std::string> check = nullptr) {
  Directive d{name, alias ? alias : "", flags, nullptr, nullptr, nullptr};
  d.get = [m](const ServerConfig& c) { return c.*m; };
  d.set = [m, check](ServerConfig& c, const Args& a, SetContext&, std::string* err) {
    if (check && !check(a[0], err)) return false;
    c.*m = a[0];
    return true;
  };
  std::string n = name;
  d.rewrite = [m, n, empty_is_null](const ServerConfig& cur, const ServerConfig& def, RewriteState& st) {
    const std::string& v = cur.*m;
    if (empty_is_null && v.empty()) {
      st.MarkProcessed(n);
      return;
    }
    // A "null" default (empty_is_null) equals no value, so any value is forced.
    bool force = empty_is_null ? true : v != def.*m;
    st.RewriteLine(n, n + " " + Repr(v), force);
  };
  return d;
}

Directive Special(const char* name, const char* alias, uint32_t flags, Getter get, Setter set, Rewriter rewrite) {
  return Directive{name, alias ? alias : "", flags | kSpecial, std::move(get), std::move(set), std::move(rewrite)};
}

// ---- Checks of particular directives (Redis's is_valid_fn) ------------------

bool CheckActiveDefrag(const bool& on, std::string* err) {
  // Debian's jemalloc, which we link, lacks the defragmentation hint API of
  // the jemalloc Redis vendors, so Redis built like us answers this too.
  if (on) {
    *err =
        "Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified "
        "Jemalloc like the one shipped by default with the Redis source distribution";
    return false;
  }
  return true;
}

bool CheckTierRatio(const std::string& v, std::string* err) {
  uint32_t a, b;
  if (!db::tiering::ParseRatio(v, &a, &b)) {
    *err = "argument must be DRAM:NVM, two integers from 0 to 1000000, not both 0 (for example 1:4)";
    return false;
  }
  return true;
}

bool CheckDbFilename(const std::string& v, std::string* err) {
  if (!IsBaseName(v)) {
    *err = "dbfilename can't be a path, just a filename";
    return false;
  }
  return true;
}

bool CheckAofFilename(const std::string& v, std::string* err) {
  if (v.empty()) {
    *err = "appendfilename can't be empty";
    return false;
  }
  if (!IsBaseName(v)) {
    *err = "appendfilename can't be a path, just a filename";
    return false;
  }
  return true;
}

bool CheckAofDirname(const std::string& v, std::string* err) {
  if (v.empty()) {
    *err = "appenddirname can't be empty";
    return false;
  }
  if (!IsBaseName(v)) {
    *err = "appenddirname can't be a path, just a dirname";
    return false;
  }
  return true;
}

bool CheckHostname(const std::string& v, std::string* err) {
  // NET_HOST_STR_LEN: 256, the longest DNS name plus its terminator.
  constexpr size_t kNetHostStrLen = 256;
  if (v.size() >= kNetHostStrLen) {
    *err = "Hostnames must be less than 256 characters";
    return false;
  }
  for (char c : v) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
      *err = "Hostnames may only contain alphanumeric characters, hyphens or dots";
      return false;
    }
  }
  return true;
}

// Redis validateProcTitleTemplate: "{{" and "}}" are literal braces, "{var}"
// must name a known variable, and the expansion (with an empty title) must
// not be blank.
bool CheckProcTitle(const std::string& v, std::string* err, const std::string& config_file) {
  const ServerConfig& c = Config();
  std::string out;
  bool ok = true;
  for (size_t i = 0; i < v.size() && ok; i++) {
    if (v[i] == '{' && i + 1 < v.size() && v[i + 1] == '{') {
      out += '{';
      i++;
    } else if (v[i] == '}' && i + 1 < v.size() && v[i + 1] == '}') {
      out += '}';
      i++;
    } else if (v[i] == '{') {
      size_t close = v.find('}', i + 1);
      if (close == std::string::npos) {
        ok = false;
        break;
      }
      std::string var = v.substr(i + 1, close - i - 1);
      if (var == "title" || var == "server-mode") {
        // empty for a standalone server started as "redis-server"
      } else if (var == "listen-addr") {
        out += "*:" + std::to_string(c.port);
      } else if (var == "port") {
        out += std::to_string(c.port);
      } else if (var == "tls-port") {
        out += std::to_string(c.tls_port);
      } else if (var == "unixsocket") {
        out += c.unixsocket;
      } else if (var == "config-file") {
        out += config_file.empty() ? "-" : config_file;
      } else {
        ok = false;
      }
      i = close;
    } else {
      out += v[i];
    }
  }
  if (ok && Trim(out, " ").empty()) ok = false;
  if (!ok) *err = "template format is invalid or contains unknown variables";
  return ok;
}

// SHUTDOWN_SAVE and SHUTDOWN_NOSAVE of shutdown-on-sig*.
constexpr int kShutdownSave = 1, kShutdownNosave = 2, kShutdownNow = 4, kShutdownForce = 8;

bool CheckShutdownFlags(const int& v, std::string* err) {
  if ((v & kShutdownSave) && (v & kShutdownNosave)) {
    *err = "shutdown options SAVE and NOSAVE can't be used simultaneously";
    return false;
  }
  return true;
}

// Highest NUMA node number Linux can have (MAX_NUMNODES with the largest
// CONFIG_NODES_SHIFT, 10).
constexpr int kMaxNumaNode = 1023;

// ---- Special directives -----------------------------------------------------

Directive SaveDirective() {
  auto get = [](const ServerConfig& c) {
    std::string out;
    for (size_t i = 0; i < c.save.size(); i++) {
      if (i) out += ' ';
      out += std::to_string(c.save[i].seconds) + " " + std::to_string(c.save[i].changes);
    }
    return out;
  };
  auto set = [](ServerConfig& c, const Args& args, SetContext& ctx, std::string* err) {
    size_t argc = args.size();
    if (argc == 1 && args[0].empty()) {
      // save "" removes every point, even between save lines of a file.
      c.save.clear();
      argc = 0;
    }
    if (argc & 1) {
      *err = "Invalid save parameters";
      return false;
    }
    std::vector<SaveParam> points;
    for (size_t j = 0; j < argc; j += 2) {
      // Redis uses strtoll here: leading blanks and '+' pass, an empty
      // changes count is 0. Redis then stores the count in an int without
      // a range check, so a count above INT_MAX turns negative and CONFIG
      // REWRITE writes a save line that no load accepts back; such a count
      // is refused here.
      long long v[2];
      for (int k = 0; k < 2; k++) {
        char* end = nullptr;
        v[k] = strtoll(args[j + k].c_str(), &end, 10);
        if (*end != '\0' || (k == 0 && v[k] < 1) || (k == 1 && (v[k] < 0 || v[k] > INT_MAX))) {
          *err = "Invalid save parameters";
          return false;
        }
      }
      points.push_back(SaveParam{v[0], static_cast<int>(v[1])});
    }
    // In a file, the first save line replaces the defaults and later lines
    // add points; CONFIG SET replaces.
    if (!ctx.reading_file || !*ctx.save_loaded) {
      c.save.clear();
      if (ctx.reading_file) *ctx.save_loaded = true;
    }
    c.save.insert(c.save.end(), points.begin(), points.end());
    return true;
  };
  auto rewrite = [](const ServerConfig& c, const ServerConfig&, RewriteState& st) {
    if (c.save.empty()) {
      st.RewriteLine("save", "save \"\"", true);
    } else {
      for (const SaveParam& p : c.save)
        st.RewriteLine("save", "save " + std::to_string(p.seconds) + " " + std::to_string(p.changes), true);
    }
    st.MarkProcessed("save");
  };
  return Special("save", nullptr, kMultiArg, get, set, rewrite);
}

const char* const kObufClassNames[kNumObufClasses] = {"normal", "slave", "pubsub"};

Directive ClientOutputBufferLimitDirective() {
  auto get = [](const ServerConfig& c) {
    std::string out;
    for (int j = 0; j < kNumObufClasses; j++) {
      char buf[128];
      snprintf(buf, sizeof(buf), "%s%s %llu %llu %lld", j ? " " : "", kObufClassNames[j],
               c.client_obuf_limits[j].hard_bytes, c.client_obuf_limits[j].soft_bytes,
               c.client_obuf_limits[j].soft_seconds);
      out += buf;
    }
    return out;
  };
  auto set = [](ServerConfig& c, const Args& args, SetContext&, std::string* err) {
    if (args.size() % 4) {
      *err = "Wrong number of arguments in buffer limit configuration.";
      return false;
    }
    ObufLimit values[kNumObufClasses];
    bool given[kNumObufClasses] = {false, false, false};
    for (size_t j = 0; j < args.size(); j += 4) {
      int cls = -1;
      if (EqualsNoCase(args[j], "normal")) {
        cls = static_cast<int>(ClientClass::kNormal);
      } else if (EqualsNoCase(args[j], "slave") || EqualsNoCase(args[j], "replica")) {
        cls = static_cast<int>(ClientClass::kReplica);
      } else if (EqualsNoCase(args[j], "pubsub")) {
        cls = static_cast<int>(ClientClass::kPubsub);
      }
      if (cls < 0) {
        *err = "Invalid client class specified in buffer limit configuration.";
        return false;
      }
      unsigned long long hard, soft;
      bool hard_ok = MemToUll(args[j + 1], &hard), soft_ok = MemToUll(args[j + 2], &soft);
      char* end = nullptr;
      long long secs = strtoll(args[j + 3].c_str(), &end, 10);
      if (!hard_ok || !soft_ok || secs < 0 || *end != '\0') {
        *err = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
        return false;
      }
      values[cls] = ObufLimit{hard, soft, secs};
      given[cls] = true;
    }
    for (int j = 0; j < kNumObufClasses; j++)
      if (given[j]) c.client_obuf_limits[j] = values[j];
    return true;
  };
  auto rewrite = [](const ServerConfig& c, const ServerConfig& def, RewriteState& st) {
    static const char* const kRewriteNames[kNumObufClasses] = {"normal", "replica", "pubsub"};
    for (int j = 0; j < kNumObufClasses; j++) {
      const ObufLimit& l = c.client_obuf_limits[j];
      st.RewriteLine("client-output-buffer-limit",
                     std::string("client-output-buffer-limit ") + kRewriteNames[j] + " " +
                         FormatMemory(l.hard_bytes) + " " + FormatMemory(l.soft_bytes) + " " +
                         std::to_string(l.soft_seconds),
                     !(l == def.client_obuf_limits[j]));
    }
  };
  return Special("client-output-buffer-limit", nullptr, kMultiArg, get, set, rewrite);
}

Directive OomScoreAdjValuesDirective() {
  auto get = [](const ServerConfig& c) {
    return std::to_string(c.oom_score_adj_values[0]) + " " + std::to_string(c.oom_score_adj_values[1]) + " " +
           std::to_string(c.oom_score_adj_values[2]);
  };
  auto set = [](ServerConfig& c, const Args& args, SetContext&, std::string* err) {
    if (args.size() != 3) {
      *err = "wrong number of arguments";
      return false;
    }
    // Bounds of oom_score_adj in the kernel (OOM_SCORE_ADJ_MIN/MAX is
    // +-1000; Redis allows +-2000 because the values may be relative).
    constexpr long long kLimit = 2000;
    int values[3];
    for (int i = 0; i < 3; i++) {
      char* end = nullptr;
      long long v = strtoll(args[i].c_str(), &end, 10);
      if (*end != '\0' || v < -kLimit || v > kLimit) {
        *err = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
        return false;
      }
      values[i] = static_cast<int>(v);
    }
    if (values[1] < values[0] || values[2] < values[1])
      LOG_WARNING(
          "The oom-score-adj-values configuration may not work for non-privileged processes! Please consult "
          "the documentation.");
    for (int i = 0; i < 3; i++) c.oom_score_adj_values[i] = values[i];
    return true;
  };
  auto rewrite = [get](const ServerConfig& c, const ServerConfig& def, RewriteState& st) {
    bool force = false;
    for (int i = 0; i < 3; i++) force |= c.oom_score_adj_values[i] != def.oom_score_adj_values[i];
    st.RewriteLine("oom-score-adj-values", "oom-score-adj-values " + get(c), force);
  };
  Directive d = Special("oom-score-adj-values", nullptr, kMultiArg, get, set, rewrite);
  d.flags &= ~kSpecial;  // Redis reports "no change" for equal values
  return d;
}

Directive NotifyDirective() {
  auto get = [](const ServerConfig& c) { return NotifyFlagsToString(c.notify_keyspace_events); };
  auto set = [](ServerConfig& c, const Args& args, SetContext&, std::string* err) {
    if (args.size() != 1) {
      *err = "wrong number of arguments";
      return false;
    }
    int flags = NotifyStringToFlags(args[0]);
    if (flags == -1) {
      *err = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
      return false;
    }
    c.notify_keyspace_events = flags;
    return true;
  };
  auto rewrite = [](const ServerConfig& c, const ServerConfig&, RewriteState& st) {
    st.RewriteLine("notify-keyspace-events",
                   "notify-keyspace-events " + Repr(NotifyFlagsToString(c.notify_keyspace_events)),
                   c.notify_keyspace_events != 0);
  };
  return Special("notify-keyspace-events", nullptr, kModifiable, get, set, rewrite);
}

// CONFIG_BINDADDR_MAX: how many addresses bind accepts.
constexpr size_t kMaxBindAddrs = 16;

Directive BindDirective() {
  auto get = [](const ServerConfig& c) {
    std::string out;
    for (size_t i = 0; i < c.bind.size(); i++) {
      if (i) out += ' ';
      out += c.bind[i];
    }
    return out;
  };
  auto rewrite_args = [](const ServerConfig& c) {
    std::string out;
    for (const std::string& a : c.bind) out += " " + RewriteArg(a);
    return out;
  };
  auto set = [](ServerConfig& c, const Args& args, SetContext&, std::string* err) {
    if (args.size() > kMaxBindAddrs) {
      *err = "Too many bind addresses specified.";
      return false;
    }
    if (args.size() == 1 && args[0].empty()) {
      c.bind.clear();  // a single empty argument: no TCP listener
    } else {
      c.bind = args;
    }
    return true;
  };
  auto rewrite = [rewrite_args](const ServerConfig& c, const ServerConfig& def, RewriteState& st) {
    if (c.bind == def.bind) {
      st.MarkProcessed("bind");
      return;
    }
    st.RewriteLine("bind", c.bind.empty() ? std::string("bind \"\"") : "bind" + rewrite_args(c), true);
  };
  return Special("bind", nullptr, kMultiArg, get, set, rewrite);
}

Directive ReplicaofDirective() {
  auto get = [](const ServerConfig& c) {
    if (c.replicaof_host.empty()) return std::string();
    return c.replicaof_host + " " + std::to_string(c.replicaof_port);
  };
  auto set = [](ServerConfig& c, const Args& args, SetContext&, std::string* err) {
    if (args.size() != 2) {
      *err = "wrong number of arguments";
      return false;
    }
    c.replicaof_host.clear();
    c.replicaof_port = 0;
    if (EqualsNoCase(args[0], "no") && EqualsNoCase(args[1], "one")) return true;
    char* end = nullptr;
    long port = strtol(args[1].c_str(), &end, 10);
    constexpr long kMaxPort = 65535;
    if (port < 0 || port > kMaxPort || *end != '\0') {
      *err = "Invalid master port";
      return false;
    }
    c.replicaof_host = args[0];
    c.replicaof_port = static_cast<int>(port);
    return true;
  };
  auto rewrite = [](const ServerConfig& c, const ServerConfig&, RewriteState& st) {
    if (c.cluster_enabled || c.replicaof_host.empty()) {
      st.MarkProcessed("replicaof");
      return;
    }
    st.RewriteLine("replicaof", "replicaof " + RewriteArg(c.replicaof_host) + " " + std::to_string(c.replicaof_port),
                   true);
  };
  return Special("replicaof", "slaveof", kImmutable | kMultiArg, get, set, rewrite);
}

Directive PercentilesDirective() {
  auto get = [](const ServerConfig& c) {
    std::string out;
    for (size_t i = 0; i < c.latency_tracking_info_percentiles.size(); i++) {
      if (i) out += ' ';
      out += FormatPercentile(c.latency_tracking_info_percentiles[i]);
    }
    return out;
  };
  auto set = [](ServerConfig& c, const Args& args, SetContext&, std::string* err) {
    std::vector<double> values;
    if (!(args.size() == 1 && args[0].empty())) {
      for (const std::string& a : args) {
        double d;
        if (!ParseDouble(a, &d)) {
          *err = "Invalid latency-tracking-info-percentiles parameters";
          return false;
        }
        if (d > 100.0 || d < 0.0) {
          *err = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
          return false;
        }
        values.push_back(d);
      }
    }
    c.latency_tracking_info_percentiles = std::move(values);
    return true;
  };
  auto rewrite = [get](const ServerConfig& c, const ServerConfig&, RewriteState& st) {
    const char* name = "latency-tracking-info-percentiles";
    std::string v = c.latency_tracking_info_percentiles.empty() ? std::string("\"\"") : get(c);
    st.RewriteLine(name, std::string(name) + " " + v, true);
  };
  return Special("latency-tracking-info-percentiles", nullptr, kMultiArg, get, set, rewrite);
}

Directive DirDirective() {
  auto get = [](const ServerConfig&) { return Cwd(); };
  auto set = [](ServerConfig& c, const Args& args, SetContext&, std::string* err) {
    if (args.size() != 1) {
      *err = "wrong number of arguments";
      return false;
    }
    if (chdir(args[0].c_str()) == -1) {
      *err = strerror(errno);
      return false;
    }
    c.dir = Cwd();
    return true;
  };
  auto rewrite = [](const ServerConfig&, const ServerConfig&, RewriteState& st) {
    std::string cwd = Cwd();
    if (cwd.empty()) {
      st.MarkProcessed("dir");
      return;
    }
    st.RewriteLine("dir", "dir " + Repr(cwd), true);
  };
  return Special("dir", nullptr, kProtected, get, set, rewrite);
}

Directive TierNvmNodeDirective() {
  auto get = [](const ServerConfig& c) {
    return c.tier_nvm_node < 0 ? std::string("auto") : std::to_string(c.tier_nvm_node);
  };
  auto set = [](ServerConfig& c, const Args& args, SetContext&, std::string* err) {
    if (args.size() != 1) {
      *err = "wrong number of arguments";
      return false;
    }
    if (EqualsNoCase(args[0], "auto")) {
      c.tier_nvm_node = -1;
      return true;
    }
    long long node;
    if (!ParseLongLong(args[0], &node) || node < 0 || node > kMaxNumaNode) {
      *err = "argument must be 'auto' or a NUMA node number between 0 and " + std::to_string(kMaxNumaNode);
      return false;
    }
    c.tier_nvm_node = static_cast<int>(node);
    return true;
  };
  auto rewrite = [get](const ServerConfig& c, const ServerConfig& def, RewriteState& st) {
    st.RewriteLine("tier-nvm-node", "tier-nvm-node " + get(c), c.tier_nvm_node != def.tier_nvm_node);
  };
  return Special("tier-nvm-node", nullptr, kModifiable, get, set, rewrite);
}

// The whole table. Types, bounds, defaults and flags are Redis 7.0.15's
// (TLS directives left out: tieredis has no TLS, like a Redis built without
// it), then tieredis's tier directives.
std::vector<Directive> BuildTable(const std::string* config_file) {
  using C = ServerConfig;
  constexpr long long kIntMax = INT_MAX, kIntMin = INT_MIN, kLongMax = LONG_MAX, kLLongMax = LLONG_MAX;
  constexpr long long kUIntMax = static_cast<long long>(UINT_MAX);
  constexpr long long kULLongMax = -1;  // ULLONG_MAX's bit pattern, as Redis stores it
  constexpr long long kMaxPort = 65535;
  constexpr long long kMb = 1024 * 1024, kGb = 1024 * kMb;
  const std::vector<EnumValue> kProtectedAction = {{"no", 0}, {"yes", 1}, {"local", 2}};
  std::vector<Directive> t;

  // bool
  t.push_back(Bool("rdbchecksum", nullptr, kImmutable, &C::rdbchecksum));
  t.push_back(Bool("daemonize", nullptr, kImmutable, &C::daemonize));
  t.push_back(Bool("io-threads-do-reads", nullptr, kImmutable, &C::io_threads_do_reads));
  t.push_back(Bool("always-show-logo", nullptr, kImmutable, &C::always_show_logo));
  t.push_back(Bool("protected-mode", nullptr, kModifiable, &C::protected_mode));
  t.push_back(Bool("rdbcompression", nullptr, kModifiable, &C::rdbcompression));
  t.push_back(Bool("rdb-del-sync-files", nullptr, kModifiable, &C::rdb_del_sync_files));
  t.push_back(Bool("activerehashing", nullptr, kModifiable, &C::activerehashing));
  t.push_back(Bool("stop-writes-on-bgsave-error", nullptr, kModifiable, &C::stop_writes_on_bgsave_error));
  t.push_back(Bool("set-proc-title", nullptr, kImmutable, &C::set_proc_title));
  t.push_back(Bool("dynamic-hz", nullptr, kModifiable, &C::dynamic_hz));
  t.push_back(Bool("lazyfree-lazy-eviction", nullptr, kModifiable, &C::lazyfree_lazy_eviction));
  t.push_back(Bool("lazyfree-lazy-expire", nullptr, kModifiable, &C::lazyfree_lazy_expire));
  t.push_back(Bool("lazyfree-lazy-server-del", nullptr, kModifiable, &C::lazyfree_lazy_server_del));
  t.push_back(Bool("lazyfree-lazy-user-del", nullptr, kModifiable, &C::lazyfree_lazy_user_del));
  t.push_back(Bool("lazyfree-lazy-user-flush", nullptr, kModifiable, &C::lazyfree_lazy_user_flush));
  t.push_back(Bool("repl-disable-tcp-nodelay", nullptr, kModifiable, &C::repl_disable_tcp_nodelay));
  t.push_back(Bool("repl-diskless-sync", nullptr, kModifiable, &C::repl_diskless_sync));
  t.push_back(Bool("aof-rewrite-incremental-fsync", nullptr, kModifiable, &C::aof_rewrite_incremental_fsync));
  t.push_back(Bool("no-appendfsync-on-rewrite", nullptr, kModifiable, &C::no_appendfsync_on_rewrite));
  t.push_back(Bool("cluster-require-full-coverage", nullptr, kModifiable, &C::cluster_require_full_coverage));
  t.push_back(Bool("rdb-save-incremental-fsync", nullptr, kModifiable, &C::rdb_save_incremental_fsync));
  t.push_back(Bool("aof-load-truncated", nullptr, kModifiable, &C::aof_load_truncated));
  t.push_back(Bool("aof-use-rdb-preamble", nullptr, kModifiable, &C::aof_use_rdb_preamble));
  t.push_back(Bool("aof-timestamp-enabled", nullptr, kModifiable, &C::aof_timestamp_enabled));
  t.push_back(Bool("cluster-replica-no-failover", "cluster-slave-no-failover", kModifiable,
                   &C::cluster_replica_no_failover));
  t.push_back(Bool("replica-lazy-flush", "slave-lazy-flush", kModifiable, &C::replica_lazy_flush));
  t.push_back(Bool("replica-serve-stale-data", "slave-serve-stale-data", kModifiable, &C::replica_serve_stale_data));
  t.push_back(Bool("replica-read-only", "slave-read-only", kModifiable, &C::replica_read_only));
  t.push_back(Bool("replica-ignore-maxmemory", "slave-ignore-maxmemory", kModifiable, &C::replica_ignore_maxmemory));
  t.push_back(Bool("jemalloc-bg-thread", nullptr, kModifiable, &C::jemalloc_bg_thread));
  t.push_back(Bool("activedefrag", nullptr, kModifiable, &C::activedefrag, CheckActiveDefrag));
  t.push_back(Bool("syslog-enabled", nullptr, kImmutable, &C::syslog_enabled));
  t.push_back(Bool("cluster-enabled", nullptr, kImmutable, &C::cluster_enabled));
  t.push_back(Bool("appendonly", nullptr, kModifiable, &C::appendonly));
  t.push_back(Bool("cluster-allow-reads-when-down", nullptr, kModifiable, &C::cluster_allow_reads_when_down));
  t.push_back(Bool("cluster-allow-pubsubshard-when-down", nullptr, kModifiable,
                   &C::cluster_allow_pubsubshard_when_down));
  t.push_back(Bool("crash-log-enabled", nullptr, kModifiable, &C::crash_log_enabled));
  t.push_back(Bool("crash-memcheck-enabled", nullptr, kModifiable, &C::crash_memcheck_enabled));
  t.push_back(Bool("use-exit-on-panic", nullptr, kModifiable | kHidden, &C::use_exit_on_panic));
  t.push_back(Bool("disable-thp", nullptr, kImmutable, &C::disable_thp));
  t.push_back(Bool("cluster-allow-replica-migration", nullptr, kModifiable, &C::cluster_allow_replica_migration));
  t.push_back(Bool("replica-announced", nullptr, kModifiable, &C::replica_announced));
  t.push_back(Bool("latency-tracking", nullptr, kModifiable, &C::latency_tracking));
  t.push_back(Bool("aof-disable-auto-gc", nullptr, kModifiable, &C::aof_disable_auto_gc));
  t.push_back(Bool("replica-ignore-disk-write-errors", nullptr, kModifiable, &C::replica_ignore_disk_write_errors));

  // string (empty_is_null: Redis's EMPTY_STRING_IS_NULL)
  t.push_back(String("aclfile", nullptr, kImmutable, false, &C::aclfile));
  t.push_back(String("unixsocket", nullptr, kImmutable, true, &C::unixsocket));
  t.push_back(String("pidfile", nullptr, kImmutable, true, &C::pidfile));
  t.push_back(String("replica-announce-ip", "slave-announce-ip", kModifiable, true, &C::replica_announce_ip));
  t.push_back(String("masteruser", nullptr, kModifiable | kSensitive, true, &C::masteruser));
  t.push_back(String("cluster-announce-ip", nullptr, kModifiable, true, &C::cluster_announce_ip));
  t.push_back(String("cluster-config-file", nullptr, kImmutable, false, &C::cluster_config_file));
  t.push_back(String("cluster-announce-hostname", nullptr, kModifiable, true, &C::cluster_announce_hostname,
                     CheckHostname));
  t.push_back(String("syslog-ident", nullptr, kImmutable, false, &C::syslog_ident));
  t.push_back(String("dbfilename", nullptr, kModifiable | kProtected, false, &C::dbfilename, CheckDbFilename));
  t.push_back(String("appendfilename", nullptr, kImmutable, false, &C::appendfilename, CheckAofFilename));
  t.push_back(String("appenddirname", nullptr, kImmutable, false, &C::appenddirname, CheckAofDirname));
  t.push_back(String("server_cpulist", nullptr, kImmutable, true, &C::server_cpulist));
  t.push_back(String("bio_cpulist", nullptr, kImmutable, true, &C::bio_cpulist));
  t.push_back(String("aof_rewrite_cpulist", nullptr, kImmutable, true, &C::aof_rewrite_cpulist));
  t.push_back(String("bgsave_cpulist", nullptr, kImmutable, true, &C::bgsave_cpulist));
  t.push_back(String("ignore-warnings", nullptr, kModifiable, false, &C::ignore_warnings));
  t.push_back(String("proc-title-template", nullptr, kModifiable, false, &C::proc_title_template,
                     [config_file](const std::string& v, std::string* err) {
                       return CheckProcTitle(v, err, *config_file);
                     }));
  t.push_back(String("bind-source-addr", nullptr, kModifiable, true, &C::bind_source_addr));
  t.push_back(String("logfile", nullptr, kImmutable, false, &C::logfile));
  t.push_back(String("masterauth", nullptr, kModifiable | kSensitive, true, &C::masterauth));
  t.push_back(String("requirepass", nullptr, kModifiable | kSensitive, true, &C::requirepass));

  // enum
  t.push_back(Enum("supervised", nullptr, kImmutable, {{"upstart", 1}, {"systemd", 2}, {"auto", 3}, {"no", 0}},
                   &C::supervised));
  t.push_back(Enum("syslog-facility", nullptr, kImmutable,
                   {{"user", 0},
                    {"local0", 1},
                    {"local1", 2},
                    {"local2", 3},
                    {"local3", 4},
                    {"local4", 5},
                    {"local5", 6},
                    {"local6", 7},
                    {"local7", 8}},
                   &C::syslog_facility));
  t.push_back(Enum("repl-diskless-load", nullptr, kModifiable, {{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}},
                   &C::repl_diskless_load));
  t.push_back(Enum("loglevel", nullptr, kModifiable, {{"debug", 0}, {"verbose", 1}, {"notice", 2}, {"warning", 3}},
                   &C::loglevel));
  t.push_back(Enum("maxmemory-policy", nullptr, kModifiable,
                   {{"volatile-lru", 0},
                    {"volatile-lfu", 1},
                    {"volatile-random", 2},
                    {"volatile-ttl", 3},
                    {"allkeys-lru", 4},
                    {"allkeys-lfu", 5},
                    {"allkeys-random", 6},
                    {"noeviction", 7}},
                   &C::maxmemory_policy));
  t.push_back(Enum("appendfsync", nullptr, kModifiable, {{"everysec", 0}, {"always", 1}, {"no", 2}}, &C::appendfsync));
  t.push_back(Enum("oom-score-adj", nullptr, kModifiable, {{"no", 0}, {"yes", 1}, {"relative", 1}, {"absolute", 2}},
                   &C::oom_score_adj));
  t.push_back(Enum("acl-pubsub-default", nullptr, kModifiable, {{"allchannels", 1}, {"resetchannels", 0}},
                   &C::acl_pubsub_default));
  t.push_back(Enum("sanitize-dump-payload", nullptr, kModifiable, {{"no", 0}, {"yes", 1}, {"clients", 2}},
                   &C::sanitize_dump_payload));
  t.push_back(Enum("enable-protected-configs", nullptr, kImmutable, kProtectedAction, &C::enable_protected_configs));
  t.push_back(Enum("enable-debug-command", nullptr, kImmutable, kProtectedAction, &C::enable_debug_command));
  t.push_back(Enum("enable-module-command", nullptr, kImmutable, kProtectedAction, &C::enable_module_command));
  t.push_back(Enum("cluster-preferred-endpoint-type", nullptr, kModifiable,
                   {{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}}, &C::cluster_preferred_endpoint_type));
  t.push_back(Enum("propagation-error-behavior", nullptr, kModifiable,
                   {{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}}, &C::propagation_error_behavior));
  const std::vector<EnumValue> kShutdown = {
      {"default", 0}, {"save", kShutdownSave}, {"nosave", kShutdownNosave}, {"now", kShutdownNow}, {"force", kShutdownForce}};
  t.push_back(Enum("shutdown-on-sigint", nullptr, kModifiable | kMultiArg, kShutdown, &C::shutdown_on_sigint,
                   CheckShutdownFlags));
  t.push_back(Enum("shutdown-on-sigterm", nullptr, kModifiable | kMultiArg, kShutdown, &C::shutdown_on_sigterm,
                   CheckShutdownFlags));

  // int
  t.push_back(Numeric("databases", nullptr, kImmutable, 1, kIntMax, &C::databases));
  t.push_back(Numeric("port", nullptr, kModifiable, 0, kMaxPort, &C::port));
  // io-threads: 128 is Redis's IO_THREADS_MAX_NUM.
  t.push_back(Numeric("io-threads", nullptr, kImmutable, 1, 128, &C::io_threads));
  t.push_back(Numeric("auto-aof-rewrite-percentage", nullptr, kModifiable, 0, kIntMax, &C::auto_aof_rewrite_percentage));
  t.push_back(Numeric("cluster-replica-validity-factor", "cluster-slave-validity-factor", kModifiable, 0, kIntMax,
                      &C::cluster_replica_validity_factor));
  t.push_back(Numeric("list-max-listpack-size", "list-max-ziplist-size", kModifiable, kIntMin, kIntMax,
                      &C::list_max_listpack_size));
  t.push_back(Numeric("tcp-keepalive", nullptr, kModifiable, 0, kIntMax, &C::tcp_keepalive));
  t.push_back(Numeric("cluster-migration-barrier", nullptr, kModifiable, 0, kIntMax, &C::cluster_migration_barrier));
  // Defrag CPU effort is a percentage of one core (1..99); thresholds are
  // percentages of fragmentation (0..1000).
  t.push_back(Numeric("active-defrag-cycle-min", nullptr, kModifiable, 1, 99, &C::active_defrag_cycle_min));
  t.push_back(Numeric("active-defrag-cycle-max", nullptr, kModifiable, 1, 99, &C::active_defrag_cycle_max));
  t.push_back(Numeric("active-defrag-threshold-lower", nullptr, kModifiable, 0, 1000, &C::active_defrag_threshold_lower));
  t.push_back(Numeric("active-defrag-threshold-upper", nullptr, kModifiable, 0, 1000, &C::active_defrag_threshold_upper));
  t.push_back(Numeric("lfu-log-factor", nullptr, kModifiable, 0, kIntMax, &C::lfu_log_factor));
  t.push_back(Numeric("lfu-decay-time", nullptr, kModifiable, 0, kIntMax, &C::lfu_decay_time));
  t.push_back(Numeric("replica-priority", "slave-priority", kModifiable, 0, kIntMax, &C::replica_priority));
  t.push_back(Numeric("repl-diskless-sync-delay", nullptr, kModifiable, 0, kIntMax, &C::repl_diskless_sync_delay));
  t.push_back(Numeric("maxmemory-samples", nullptr, kModifiable, 1, kIntMax, &C::maxmemory_samples));
  t.push_back(Numeric("maxmemory-eviction-tenacity", nullptr, kModifiable, 0, 100, &C::maxmemory_eviction_tenacity));
  t.push_back(Numeric("timeout", nullptr, kModifiable, 0, kIntMax, &C::timeout));
  t.push_back(Numeric("replica-announce-port", "slave-announce-port", kModifiable, 0, kMaxPort,
                      &C::replica_announce_port));
  t.push_back(Numeric("tcp-backlog", nullptr, kImmutable, 0, kIntMax, &C::tcp_backlog));
  t.push_back(Numeric("cluster-port", nullptr, kImmutable, 0, kMaxPort, &C::cluster_port));
  t.push_back(Numeric("cluster-announce-bus-port", nullptr, kModifiable, 0, kMaxPort, &C::cluster_announce_bus_port));
  t.push_back(Numeric("cluster-announce-port", nullptr, kModifiable, 0, kMaxPort, &C::cluster_announce_port));
  t.push_back(Numeric("cluster-announce-tls-port", nullptr, kModifiable, 0, kMaxPort, &C::cluster_announce_tls_port));
  // TLS: every tls-* change rebuilds the TLS context (server/server.cc).
  t.push_back(Numeric("tls-port", nullptr, kModifiable, 0, kMaxPort, &C::tls_port));
  t.push_back(String("tls-cert-file", nullptr, kModifiable, false, &C::tls_cert_file));
  t.push_back(String("tls-key-file", nullptr, kModifiable, false, &C::tls_key_file));
  t.push_back(String("tls-key-file-pass", nullptr, kModifiable | kSensitive, false, &C::tls_key_file_pass));
  t.push_back(String("tls-client-cert-file", nullptr, kModifiable, false, &C::tls_client_cert_file));
  t.push_back(String("tls-client-key-file", nullptr, kModifiable, false, &C::tls_client_key_file));
  t.push_back(String("tls-client-key-file-pass", nullptr, kModifiable | kSensitive, false,
                     &C::tls_client_key_file_pass));
  t.push_back(String("tls-dh-params-file", nullptr, kModifiable, false, &C::tls_dh_params_file));
  t.push_back(String("tls-ca-cert-file", nullptr, kModifiable, false, &C::tls_ca_cert_file));
  t.push_back(String("tls-ca-cert-dir", nullptr, kModifiable, false, &C::tls_ca_cert_dir));
  t.push_back(String("tls-protocols", nullptr, kModifiable, false, &C::tls_protocols));
  t.push_back(String("tls-ciphers", nullptr, kModifiable, false, &C::tls_ciphers));
  t.push_back(String("tls-ciphersuites", nullptr, kModifiable, false, &C::tls_ciphersuites));
  t.push_back(Enum("tls-auth-clients", nullptr, kModifiable, {{"no", 0}, {"yes", 1}, {"optional", 2}},
                   &C::tls_auth_clients));
  t.push_back(Bool("tls-prefer-server-ciphers", nullptr, kModifiable, &C::tls_prefer_server_ciphers));
  t.push_back(Bool("tls-session-caching", nullptr, kModifiable, &C::tls_session_caching));
  t.push_back(Numeric("tls-session-cache-size", nullptr, kModifiable, 0, INT_MAX, &C::tls_session_cache_size));
  t.push_back(Numeric("tls-session-cache-timeout", nullptr, kModifiable, 0, INT_MAX, &C::tls_session_cache_timeout));
  t.push_back(Bool("tls-cluster", nullptr, kModifiable, &C::tls_cluster));
  t.push_back(Bool("tls-replication", nullptr, kModifiable, &C::tls_replication));
  t.push_back(Numeric("repl-timeout", nullptr, kModifiable, 1, kIntMax, &C::repl_timeout));
  t.push_back(Numeric("repl-ping-replica-period", "repl-ping-slave-period", kModifiable, 1, kIntMax,
                      &C::repl_ping_replica_period));
  t.push_back(Numeric("list-compress-depth", nullptr, kModifiable, 0, kIntMax, &C::list_compress_depth));
  t.push_back(Numeric("rdb-key-save-delay", nullptr, kModifiable | kHidden, kIntMin, kIntMax, &C::rdb_key_save_delay));
  t.push_back(Numeric("key-load-delay", nullptr, kModifiable | kHidden, kIntMin, kIntMax, &C::key_load_delay));
  t.push_back(Numeric("active-expire-effort", nullptr, kModifiable, 1, 10, &C::active_expire_effort));
  // hz: any int is accepted and stored clamped to CONFIG_MIN_HZ..CONFIG_MAX_HZ
  // (1..500), as Redis's updateHZ does ("a hint from the user").
  t.push_back(Numeric("hz", nullptr, kModifiable, 0, kIntMax, &C::hz, kInteger, nullptr));
  {
    static constexpr int kMinHz = 1, kMaxHz = 500;
    Setter inner = t.back().set;
    t.back().set = [inner](ServerConfig& c, const Args& a, SetContext& ctx, std::string* err) {
      if (!inner(c, a, ctx, err)) return false;
      c.hz = std::clamp(c.hz, kMinHz, kMaxHz);
      return true;
    };
  }
  t.push_back(Numeric("min-replicas-to-write", "min-slaves-to-write", kModifiable, 0, kIntMax,
                      &C::min_replicas_to_write));
  t.push_back(Numeric("min-replicas-max-lag", "min-slaves-max-lag", kModifiable, 0, kIntMax, &C::min_replicas_max_lag));
  t.push_back(Numeric("watchdog-period", nullptr, kModifiable | kHidden, 0, kIntMax, &C::watchdog_period));
  t.push_back(Numeric("shutdown-timeout", nullptr, kModifiable, 0, kIntMax, &C::shutdown_timeout));
  t.push_back(Numeric("repl-diskless-sync-max-replicas", nullptr, kModifiable, 0, kIntMax,
                      &C::repl_diskless_sync_max_replicas));

  // unsigned int
  t.push_back(Numeric("maxclients", nullptr, kModifiable, 1, kUIntMax, &C::maxclients, kUnsigned));
  t.push_back(Numeric("unixsocketperm", nullptr, kImmutable, 0, 0777, &C::unixsocketperm, kOctal | kUnsigned));
  t.push_back(Numeric("socket-mark-id", nullptr, kImmutable, 0, kUIntMax, &C::socket_mark_id, kUnsigned));

  // unsigned long (Redis checks these bounds as signed)
  t.push_back(Numeric("active-defrag-max-scan-fields", nullptr, kModifiable, 1, kLongMax,
                      &C::active_defrag_max_scan_fields));
  t.push_back(Numeric("slowlog-max-len", nullptr, kModifiable, 0, kLongMax, &C::slowlog_max_len));
  t.push_back(Numeric("acllog-max-len", nullptr, kModifiable, 0, kLongMax, &C::acllog_max_len));

  // long long
  t.push_back(Numeric("busy-reply-threshold", "lua-time-limit", kModifiable, 0, kLongMax, &C::busy_reply_threshold));
  t.push_back(Numeric("cluster-node-timeout", nullptr, kModifiable, 0, kLLongMax, &C::cluster_node_timeout));
  t.push_back(Numeric("slowlog-log-slower-than", nullptr, kModifiable, -1, kLLongMax, &C::slowlog_log_slower_than));
  t.push_back(Numeric("latency-monitor-threshold", nullptr, kModifiable, 0, kLLongMax, &C::latency_monitor_threshold));
  t.push_back(Numeric("proto-max-bulk-len", nullptr, kModifiable, kMb, kLongMax, &C::proto_max_bulk_len, kMemory));
  t.push_back(Numeric("stream-node-max-entries", nullptr, kModifiable, 0, kLLongMax, &C::stream_node_max_entries));
  t.push_back(Numeric("repl-backlog-size", nullptr, kModifiable, 1, kLLongMax, &C::repl_backlog_size, kMemory));

  // unsigned long long
  t.push_back(Numeric("maxmemory", nullptr, kModifiable, 0, kULLongMax, &C::maxmemory, kMemory | kUnsigned));
  t.push_back(Numeric("cluster-link-sendbuf-limit", nullptr, kModifiable, 0, kULLongMax, &C::cluster_link_sendbuf_limit,
                      kMemory | kUnsigned));

  // size_t
  t.push_back(Numeric("hash-max-listpack-entries", "hash-max-ziplist-entries", kModifiable, 0, kLongMax,
                      &C::hash_max_listpack_entries, kUnsigned));
  t.push_back(Numeric("set-max-intset-entries", nullptr, kModifiable, 0, kLongMax, &C::set_max_intset_entries, kUnsigned));
  t.push_back(Numeric("zset-max-listpack-entries", "zset-max-ziplist-entries", kModifiable, 0, kLongMax,
                      &C::zset_max_listpack_entries, kUnsigned));
  t.push_back(Numeric("active-defrag-ignore-bytes", nullptr, kModifiable, 1, kLLongMax, &C::active_defrag_ignore_bytes,
                      kMemory | kUnsigned));
  t.push_back(Numeric("hash-max-listpack-value", "hash-max-ziplist-value", kModifiable, 0, kLongMax,
                      &C::hash_max_listpack_value, kMemory | kUnsigned));
  t.push_back(Numeric("stream-node-max-bytes", nullptr, kModifiable, 0, kLongMax, &C::stream_node_max_bytes,
                      kMemory | kUnsigned));
  t.push_back(Numeric("zset-max-listpack-value", "zset-max-ziplist-value", kModifiable, 0, kLongMax,
                      &C::zset_max_listpack_value, kMemory | kUnsigned));
  t.push_back(Numeric("hll-sparse-max-bytes", nullptr, kModifiable, 0, kLongMax, &C::hll_sparse_max_bytes,
                      kMemory | kUnsigned));
  t.push_back(Numeric("tracking-table-max-keys", nullptr, kModifiable, 0, kLongMax, &C::tracking_table_max_keys,
                      kUnsigned));
  t.push_back(Numeric("client-query-buffer-limit", nullptr, kModifiable, kMb, kLongMax, &C::client_query_buffer_limit,
                      kMemory | kUnsigned));
  // ssize_t, memory or a percentage of maxmemory (at most 100%).
  t.push_back(Numeric("maxmemory-clients", nullptr, kModifiable, -100, kLLongMax, &C::maxmemory_clients,
                      kMemory | kPercent));

  // time_t, off_t
  t.push_back(Numeric("repl-backlog-ttl", nullptr, kModifiable, 0, kLongMax, &C::repl_backlog_ttl));
  t.push_back(Numeric("auto-aof-rewrite-min-size", nullptr, kModifiable, 0, kLLongMax, &C::auto_aof_rewrite_min_size,
                      kMemory));
  t.push_back(Numeric("loading-process-events-interval-bytes", nullptr, kModifiable | kHidden, 1024, kIntMax,
                      &C::loading_process_events_interval_bytes));

  // special
  t.push_back(DirDirective());
  t.push_back(SaveDirective());
  t.push_back(ClientOutputBufferLimitDirective());
  t.push_back(OomScoreAdjValuesDirective());
  t.push_back(NotifyDirective());
  t.push_back(BindDirective());
  t.push_back(ReplicaofDirective());
  t.push_back(PercentilesDirective());

  // tieredis memory tiers
  t.push_back(Enum("tier-mode", nullptr, kImmutable, {{"auto", 0}, {"numa", 1}, {"logical", 2}, {"off", 3}},
                   &C::tier_mode));
  t.push_back(TierNvmNodeDirective());
  t.push_back(Enum("tier-policy", nullptr, kModifiable, {{"dram-only", 0}, {"static", 1}, {"ratio", 2}, {"hot", 3}},
                   &C::tier_policy));
  t.push_back(String("tier-dram-nvm-ratio", nullptr, kModifiable, false, &C::tier_dram_nvm_ratio, CheckTierRatio));
  t.push_back(Numeric("tier-dram-max-memory", nullptr, kModifiable, 0, kLLongMax, &C::tier_dram_max_memory, kMemory));
  t.push_back(String("tier-pin-dram", nullptr, kModifiable, false, &C::tier_pin_dram));
  t.push_back(String("tier-pin-nvm", nullptr, kModifiable, false, &C::tier_pin_nvm));
  t.push_back(Numeric("tier-migrate-cycle-ms", nullptr, kModifiable, 1, 100, &C::tier_migrate_cycle_ms));
  t.push_back(Numeric("tier-migrate-max-bytes-per-sec", nullptr, kModifiable, 0, kLLongMax,
                      &C::tier_migrate_max_bytes_per_sec, kMemory));
  t.push_back(Numeric("tier-nvm-min-size", nullptr, kModifiable, 0, kGb, &C::tier_nvm_min_size, kMemory));
  t.push_back(Enum("tier-keys", nullptr, kModifiable, {{"dram", 0}, {"nvm", 1}}, &C::tier_keys));
  t.push_back(Numeric("tier-nvm-max-memory", nullptr, kModifiable, 0, kLLongMax, &C::tier_nvm_max_memory, kMemory));
  // 44: Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT, the largest string whose
  // embedded object still fits jemalloc's 64-byte size class.
  t.push_back(Numeric("tier-embstr-max", nullptr, kImmutable, 0, 44, &C::tier_embstr_max));
  return t;
}

// Directives that are not settings but that a file may contain; CONFIG
// REWRITE keeps their lines as they are.
bool IsFileOnlyDirective(std::string_view name) {
  return EqualsNoCase(name, "include") || EqualsNoCase(name, "rename-command") || EqualsNoCase(name, "user") ||
         EqualsNoCase(name, "loadmodule") || EqualsNoCase(name, "sentinel");
}

std::string SetError(const std::string& name, const std::string& why) {
  std::string msg = "ERR CONFIG SET failed (possibly related to argument '" + name + "')";
  if (!why.empty()) msg += " - " + why;
  return msg;
}

}  // namespace

// ---- ConfigRegistry ---------------------------------------------------------

ConfigRegistry& ConfigRegistry::Get() {
  static ConfigRegistry registry;
  return registry;
}

ConfigRegistry::ConfigRegistry() {
  directives_ = BuildTable(&config_file_);
  for (size_t i = 0; i < directives_.size(); i++) {
    const Directive& d = directives_[i];
    names_.emplace_back(d.name, NameRef{static_cast<int>(i), false});
    if (!d.alias.empty()) names_.emplace_back(d.alias, NameRef{static_cast<int>(i), true});
  }
  apply_.resize(directives_.size());
  validate_.resize(directives_.size());
}

ConfigRegistry::~ConfigRegistry() = default;

ConfigRegistry::NameRef ConfigRegistry::Lookup(std::string_view name) const {
  for (const auto& [n, ref] : names_)
    if (EqualsNoCase(n, name)) return ref;
  return NameRef{};
}

bool ConfigRegistry::IsSensitive(std::string_view name) const {
  NameRef r = Lookup(name);
  return r.index >= 0 && (directives_[r.index].flags & kSensitive);
}

bool ConfigRegistry::Exists(std::string_view name) const { return Lookup(name).index >= 0; }

void ConfigRegistry::OnApply(const std::string& name, std::function<common::Status()> apply) {
  NameRef r = Lookup(name);
  TD_ASSERT(r.index >= 0);
  apply_[r.index] = std::move(apply);
}

void ConfigRegistry::OnValidate(const std::string& name,
                                std::function<common::Status(const std::string& value)> check) {
  NameRef r = Lookup(name);
  TD_ASSERT(r.index >= 0);
  validate_[r.index] = std::move(check);
}

// ---- Loading ----------------------------------------------------------------

common::Status ConfigRegistry::LoadText(const std::string& text) {
  // Directives Redis 7.0 still accepts and ignores, with their argc range.
  struct Deprecated {
    const char* name;
    size_t argc_min, argc_max;
  };
  static const Deprecated kDeprecated[] = {
      {"list-max-ziplist-entries", 2, 2}, {"list-max-ziplist-value", 2, 2}, {"lua-replicate-commands", 2, 2}};

  SetContext ctx{reading_file_, &save_loaded_, &config_file_};
  ServerConfig& cfg = Config();
  size_t start = 0;
  int linenum = 0;
  std::vector<std::string> argv;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = Trim(std::string_view(text).substr(start, nl - start), " \t\r\n");
    start = nl + 1;
    linenum++;
    if (line.empty() || line[0] == '#') continue;

    auto fail = [&](const std::string& err) {
      return common::Status::InvalidArgument("Reading the configuration file, at line " + std::to_string(linenum) +
                                             "\n>>> '" + line + "'\n" + err);
    };
    if (!SplitArgs(line, &argv)) return fail("Unbalanced quotes in configuration line");
    if (argv.empty()) continue;
    argv[0] = ToLower(argv[0]);

    NameRef ref = Lookup(argv[0]);
    if (ref.index >= 0) {
      Directive& d = directives_[ref.index];
      if (!(d.flags & kMultiArg) && argv.size() != 2) return fail("wrong number of arguments");
      Args args(argv.begin() + 1, argv.end());
      if ((d.flags & kMultiArg) && argv.size() == 2 && !argv[1].empty()) {
        // `save "900 1 300 10"` or `--save "900 1"`: split the one argument
        // like a line (an unbalanced one gives no arguments, as in Redis).
        if (!SplitArgs(argv[1], &args)) args.clear();
      }
      std::string err;
      if (!d.set(cfg, args, ctx, &err)) return fail(err);
      if (validate_[ref.index]) {
        common::Status st = validate_[ref.index](argv.size() > 1 ? argv[1] : std::string());
        if (!st.ok()) return fail(st.message());
      }
      continue;
    }
    bool deprecated = false;
    for (const Deprecated& dep : kDeprecated)
      if (argv[0] == dep.name && argv.size() >= dep.argc_min && argv.size() <= dep.argc_max) deprecated = true;
    if (deprecated) continue;

    if (argv[0] == "include" && argv.size() == 2) {
      common::Status st = LoadPath(argv[1]);
      if (!st.ok()) return st;
    } else if (argv[0] == "rename-command" && argv.size() == 3) {
      cfg.rename_commands.emplace_back(argv[1], argv[2]);
    } else if (argv[0] == "user" && argv.size() >= 2) {
      cfg.users.emplace_back(argv.begin() + 1, argv.end());
    } else if (argv[0] == "loadmodule" && argv.size() >= 2) {
      cfg.loadmodules.emplace_back(argv.begin() + 1, argv.end());
    } else if (argv[0].find('.') != std::string::npos) {
      if (argv.size() != 2) return fail("Module config specified without value");
      cfg.module_configs.emplace_back(argv[0], argv[1]);
    } else if (argv[0] == "sentinel") {
      // A bare "sentinel" selects sentinel mode in Redis's main(); tieredis
      // has no sentinel mode, so only that form passes.
      if (argv.size() != 1) return fail("sentinel directive while not in sentinel mode");
    } else {
      return fail("Bad directive or wrong number of arguments");
    }
  }
  return common::Status::Ok();
}

common::Status ConfigRegistry::LoadPath(const std::string& path) {
  std::string text;
  int err = 0;
  if (path.find_first_of("*?[") != std::string::npos) {
    // A pattern: every match in glob's (sorted) order; no match is fine, so
    // that an empty conf.d directory can be included.
    glob_t g;
    if (glob(path.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; i++) {
        if (!ReadWholeFile(g.gl_pathv[i], &text, &err)) {
          std::string failed = g.gl_pathv[i];
          globfree(&g);
          return common::Status::InvalidArgument(CantOpen(failed, err));
        }
      }
      globfree(&g);
    }
  } else if (!ReadWholeFile(path, &text, &err)) {
    return common::Status::InvalidArgument(CantOpen(path, err));
  }
  return LoadText(text);
}

common::Status ConfigRegistry::LoadTopLevel(const std::string& text) {
  reading_file_ = true;
  save_loaded_ = false;
  common::Status st = LoadText(text);
  reading_file_ = false;
  if (!st.ok()) return st;
  ServerConfig& cfg = Config();
  cfg.dir = Cwd();
  if (!cfg.logfile.empty()) {
    // Redis opens the log file here so that a bad path stops start-up with
    // a config error rather than later.
    FILE* f = fopen(cfg.logfile.c_str(), "a");
    if (f == nullptr) return common::Status::InvalidArgument(std::string("Can't open the log file: ") + strerror(errno));
    fclose(f);
  }
  if (cfg.cluster_enabled && !cfg.replicaof_host.empty())
    return common::Status::InvalidArgument("replicaof directive not allowed in cluster mode");
  return common::Status::Ok();
}

common::Status ConfigRegistry::LoadString(const std::string& text) { return LoadTopLevel(text); }

common::Status ConfigRegistry::LoadFile(const std::string& path) {
  std::string text;
  int err = 0;
  if (!ReadWholeFile(path, &text, &err)) return common::Status::InvalidArgument(CantOpen(path, err));
  return LoadTopLevel(text);
}

common::Status ConfigRegistry::LoadArgv(int argc, char** argv, std::string* config_file_out) {
  std::string file;
  int j = 1;
  if (argc >= 2 && argv[1][0] != '-') {
    file = AbsolutePath(argv[1]);
    j = 2;
  }
  bool from_stdin = false;
  std::string options;
  // False right after a bare "--name", until its first value: the next
  // "--x" is then a value ("--maxmemory-policy --x" fails later, as in Redis).
  bool handled_last_config_arg = true;
  std::vector<std::string> tmp;
  for (; j < argc; j++) {
    std::string_view arg = argv[j];
    bool next_is_option = j != argc - 1 && argv[j + 1][0] == '-' && argv[j + 1][1] == '-';
    if (arg == "-" && (j == 1 || j == argc - 1)) {
      from_stdin = true;
    } else if (handled_last_config_arg && arg.size() >= 2 && arg[0] == '-' && arg[1] == '-') {
      if (!options.empty()) options += '\n';
      options += arg.substr(2);
      options += ' ';
      SplitArgs(arg, &tmp);
      if (tmp.size() == 1) {
        // Only the option's name, as in "--port": its values follow.
        handled_last_config_arg = false;
        if (EqualsNoCase(arg, "--save") && (next_is_option || j == argc - 1)) {
          // "--save" with no value means `save ""` (Redis before 7.0.1
          // allowed it, and scripts that build argv from a list rely on it).
          options += "\"\"";
          handled_last_config_arg = true;
        } else if (EqualsNoCase(arg, "--sentinel") && (next_is_option || j == argc - 1)) {
          handled_last_config_arg = true;  // a pseudo option without value
        }
      } else {
        // Name and value in one argument, as in "--port 6380".
        handled_last_config_arg = true;
      }
    } else {
      options += Repr(arg);
      options += ' ';
      handled_last_config_arg = true;
    }
  }

  std::string text;
  if (!file.empty()) {
    int err = 0;
    if (!ReadWholeFile(file, &text, &err)) return common::Status::InvalidArgument(CantOpen(file, err));
  }
  if (from_stdin) {
    LOG_WARNING("Reading config from stdin");
    text.append(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  text += '\n';
  text += options;
  config_file_ = file;
  if (config_file_out) *config_file_out = file;
  return LoadTopLevel(text);
}

// ---- CONFIG GET -------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> ConfigRegistry::GetMatching(const std::vector<std::string>& patterns) {
  std::vector<std::pair<std::string, std::string>> out;
  auto seen = [&out](std::string_view name) {
    for (const auto& [n, v] : out)
      if (EqualsNoCase(n, name)) return true;
    return false;
  };
  const ServerConfig& cfg = Config();
  for (const std::string& pattern : patterns) {
    if (pattern.find_first_of("[*?") == std::string::npos) {
      if (seen(pattern)) continue;
      NameRef r = Lookup(pattern);
      if (r.index >= 0) out.emplace_back(pattern, directives_[r.index].get(cfg));
      continue;
    }
    for (const auto& [name, ref] : names_) {
      const Directive& d = directives_[ref.index];
      if (d.flags & kHidden) continue;
      if (seen(name)) continue;
      if (GlobMatch(pattern, name, true)) out.emplace_back(name, d.get(cfg));
    }
  }
  return out;
}

// ---- CONFIG SET -------------------------------------------------------------

common::Status ConfigRegistry::Set(const std::vector<std::pair<std::string, std::string>>& pairs,
                                   bool from_local_client) {
  ServerConfig& cfg = Config();
  std::vector<NameRef> refs(pairs.size());
  std::string unknown, err_name, why;
  bool invalid = false;
  const bool protected_ok = cfg.enable_protected_configs == "yes" ||
                            (cfg.enable_protected_configs == "local" && from_local_client);
  for (size_t i = 0; i < pairs.size() && !invalid; i++) {
    const std::string& name = pairs[i].first;
    NameRef r = Lookup(name);
    if (r.index < 0) {
      unknown = name;
      invalid = true;
      break;
    }
    const Directive& d = directives_[r.index];
    if ((d.flags & kImmutable) || ((d.flags & kProtected) && !protected_ok)) {
      why = (d.flags & kImmutable) ? "can't set immutable config" : "can't set protected config";
      err_name = name;
      invalid = true;
      break;
    }
    for (size_t k = 0; k < i; k++) {
      if (refs[k].index == r.index && refs[k].alias == r.alias) {
        why = "duplicate parameter";
        err_name = name;
        invalid = true;
        break;
      }
    }
    refs[i] = r;
  }
  if (!unknown.empty())
    return common::Status::InvalidArgument("ERR Unknown option or number of arguments for CONFIG SET - '" + unknown +
                                           "'");
  if (invalid) return common::Status::InvalidArgument(SetError(err_name, why));

  const ServerConfig backup = cfg;
  const std::string old_cwd = Cwd();
  auto restore = [&]() {
    cfg = backup;
    if (!old_cwd.empty() && Cwd() != old_cwd && chdir(old_cwd.c_str()) != 0)
      LOG_WARNING("Failed restoring the working directory %s: %s", old_cwd.c_str(), strerror(errno));
  };

  // The directives whose apply callback must run, with the name (as the
  // table spells it) of the first pair that needs it.
  std::vector<std::pair<int, std::string>> to_apply;
  SetContext ctx{false, &save_loaded_, &config_file_};
  for (size_t i = 0; i < pairs.size(); i++) {
    Directive& d = directives_[refs[i].index];
    const std::string& table_name = refs[i].alias ? d.alias : d.name;
    Args args;
    if (d.flags & kMultiArg) {
      args = SplitSpaces(pairs[i].second);
    } else {
      args.push_back(pairs[i].second);
    }
    std::string before = d.get(cfg), err;
    if (!d.set(cfg, args, ctx, &err)) {
      restore();
      return common::Status::InvalidArgument(SetError(table_name, err));
    }
    if (validate_[refs[i].index]) {
      common::Status st = validate_[refs[i].index](pairs[i].second);
      if (!st.ok()) {
        restore();
        return common::Status::InvalidArgument(SetError(table_name, st.message()));
      }
    }
    bool changed = (d.flags & kSpecial) || d.get(cfg) != before;
    if (changed && apply_[refs[i].index]) {
      bool listed = false;
      for (const auto& [idx, n] : to_apply) listed |= idx == refs[i].index;
      if (!listed) to_apply.emplace_back(refs[i].index, table_name);
    }
  }

  for (const auto& [idx, name] : to_apply) {
    common::Status st = apply_[idx]();
    if (st.ok()) continue;
    LOG_WARNING("Failed applying new configuration. Possibly related to new %s setting. Restoring previous settings.",
                name.c_str());
    restore();
    for (const auto& [idx2, name2] : to_apply) {
      common::Status again = apply_[idx2]();
      if (!again.ok())
        LOG_WARNING("Failed applying restored failed CONFIG SET command: %s", again.message().c_str());
    }
    return common::Status::InvalidArgument(SetError(name, st.message()));
  }
  return common::Status::Ok();
}

// ---- CONFIG REWRITE ---------------------------------------------------------

common::Status ConfigRegistry::Rewrite(const std::string& path, bool force_all) {
  if (path.empty()) return common::Status::InvalidArgument("ERR The server is running without a config file");

  // Step 1: the old file, line by line, and where each option is set.
  RewriteState st;
  st.force_all = force_all;
  std::string old;
  int err = 0;
  if (!ReadWholeFile(path, &old, &err) && err != ENOENT) return common::Status::IoError(strerror(err));
  if (!old.empty()) {
    size_t start = 0;
    std::vector<std::string> argv;
    while (start <= old.size()) {
      size_t nl = old.find('\n', start);
      if (nl == std::string::npos) nl = old.size();
      std::string line = Trim(std::string_view(old).substr(start, nl - start), "\r\n\t ");
      start = nl + 1;
      if (line.empty() || line[0] == '#') {
        if (st.needs_signature && line == kRewriteSignature) st.needs_signature = false;
        st.lines.push_back(std::move(line));
        continue;
      }
      bool parsed = SplitArgs(line, &argv) && !argv.empty();
      NameRef ref = parsed ? Lookup(argv[0]) : NameRef{};
      if (!parsed || (ref.index < 0 && !IsFileOnlyDirective(argv[0]))) {
        // Unparsable, or a directive we do not know (any more): keep it as
        // a comment.
        st.lines.push_back("# ??? " + line);
        continue;
      }
      std::string option = ToLower(argv[0]);
      if (ref.index >= 0) option = directives_[ref.index].name;  // aliases and slave* names
      st.option_to_line[option].push_back(st.lines.size());
      st.lines.push_back(std::move(line));
    }
  }

  // Step 2: every setting writes its lines.
  const ServerConfig& cur = Config();
  const ServerConfig def;
  for (const Directive& d : directives_) d.rewrite(cur, def, st);
  if (user_lines_) {
    if (cur.aclfile.empty())
      for (std::string& line : user_lines_()) st.RewriteLine("user", std::move(line), true);
    st.MarkProcessed("user");
  }

  if (!st.unsafe_option.empty())
    return common::Status::InvalidArgument("the value of '" + st.unsafe_option + "' can't be written safely");

  // Step 3: blank the old lines of handled options that were not reused.
  for (auto& [option, where] : st.option_to_line) {
    if (!st.rewritten.count(option)) continue;
    for (size_t at : where) st.lines[at].clear();
  }

  // Step 4: join, squeezing runs of empty lines into one.
  std::string content;
  bool was_empty = false;
  for (const std::string& line : st.lines) {
    if (line.empty()) {
      if (was_empty) continue;
      was_empty = true;
    } else {
      was_empty = false;
    }
    content += line;
    content += '\n';
  }

  // Step 5: replace the file atomically.
  std::string tmp = path + ".XXXXXX";
  int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd == -1) return common::Status::IoError(strerror(errno));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = write(fd, content.data() + off, content.size() - off);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      int e = n < 0 ? errno : EIO;
      close(fd);
      unlink(tmp.c_str());
      return common::Status::IoError(strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  mode_t mask = umask(0);
  umask(mask);
  constexpr mode_t kConfigFileMode = 0644;
  if (fsync(fd) == -1 || fchmod(fd, kConfigFileMode & ~mask) == -1 || rename(tmp.c_str(), path.c_str()) == -1) {
    int e = errno;
    close(fd);
    unlink(tmp.c_str());
    return common::Status::IoError(strerror(e));
  }
  close(fd);
  return common::Status::Ok();
}

}  // namespace server
