// The round trip both configuration targets check: the configuration in
// force, written by CONFIG REWRITE into a file and loaded back from the
// defaults, must be the same configuration. A rewrite that writes a file
// that does not load, or loads to other values, is a bug (a value with a
// quote, a control character or a newline that is not escaped, a setting
// whose canonical text is not accepted back, ...).
#pragma once

#include <unistd.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/util.h"
#include "fuzz_util.h"
#include "server/config.h"

namespace fuzz {

// Known bug, being fixed in server/config.cc by another change: CONFIG
// REWRITE writes the addresses of `bind` (and the host of `replicaof`) as
// they are, unquoted, so a value holding a newline, a control character, a
// quote or a blank, or an empty element ("a  b" sets three addresses, the
// middle one empty), does not load back or loads differently. Redis 7.0
// writes them the same way. With TIEREDIS_FUZZ_SKIP_KNOWN_REWRITE_BUG (the
// CMake option of that name, ON until the fix lands) the targets skip the
// inputs that give those directives such values; the round-trip check
// itself is the same either way. `args` are the directive's arguments.
inline bool HitsKnownRewriteBug(std::string_view directive, const std::vector<std::string>& args) {
#ifdef TIEREDIS_FUZZ_SKIP_KNOWN_REWRITE_BUG
  std::string d = common::ToLower(directive);
  if (d != "bind" && d != "replicaof" && d != "slaveof") return false;
  if (args.size() == 1 && args[0].empty()) return false;  // `bind ""`: no TCP, written as such
  for (const std::string& a : args) {
    if (a.empty()) return true;
    for (char c : a) {
      unsigned char u = static_cast<unsigned char>(c);
      if (u <= ' ' || u >= 0x7f || c == '"' || c == '\'' || c == '\\') return true;
    }
  }
#else
  (void)directive;
  (void)args;
#endif
  return false;
}

// Every setting as CONFIG GET shows it (hidden ones by their exact names),
// plus the directives of a file that are not settings. Module settings
// (`<module>.<name> value`) are left out: with no module loaded to own
// them, CONFIG REWRITE comments them out, as Redis 7.0 does for the
// settings of a module that is not loaded.
struct ConfigSnapshot {
  std::vector<std::pair<std::string, std::string>> values;
  std::vector<std::pair<std::string, std::string>> rename_commands;
  std::vector<std::vector<std::string>> users, loadmodules;
  bool operator==(const ConfigSnapshot&) const = default;
};

// Every name CONFIG GET knows: the non-hidden ones a glob matches, and the
// hidden ones by name.
inline const std::vector<std::string>& AllConfigNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& [name, value] : server::ConfigRegistry::Get().GetMatching({"*"})) out.push_back(name);
    for (const char* hidden : {"use-exit-on-panic", "rdb-key-save-delay", "key-load-delay", "watchdog-period",
                               "loading-process-events-interval-bytes"})
      out.emplace_back(hidden);
    return out;
  }();
  return names;
}

inline ConfigSnapshot TakeConfigSnapshot() {
  server::ConfigRegistry& reg = server::ConfigRegistry::Get();
  ConfigSnapshot s;
  s.values = reg.GetMatching(AllConfigNames());
  FUZZ_CHECK(s.values.size() == AllConfigNames().size());
  const server::ServerConfig& c = server::Config();
  s.rename_commands = c.rename_commands;
  s.users = c.users;
  s.loadmodules = c.loadmodules;
  return s;
}

inline void PrintConfigDiff(const ConfigSnapshot& a, const ConfigSnapshot& b) {
  for (size_t i = 0; i < a.values.size() && i < b.values.size(); i++) {
    if (a.values[i] != b.values[i])
      fprintf(stderr, "  %s: '%s' became %s: '%s'\n", a.values[i].first.c_str(), a.values[i].second.c_str(),
              b.values[i].first.c_str(), b.values[i].second.c_str());
  }
  if (a.values.size() != b.values.size()) fprintf(stderr, "  %zu settings became %zu\n", a.values.size(), b.values.size());
  if (a.rename_commands != b.rename_commands || a.users != b.users || a.loadmodules != b.loadmodules)
    fprintf(stderr, "  the file-only directives differ\n");
}

inline std::string ReadFileOrEmpty(const std::string& path) {
  std::string out;
  if (FILE* f = fopen(path.c_str(), "rb")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
    fclose(f);
  }
  return out;
}

// The configuration has been loaded from (or changed on top of) the file at
// path. Rewrites it there, resets every setting to its default, loads the
// file again from `cwd` and checks nothing changed.
inline void CheckRewriteRoundTrip(const std::string& path, const std::string& cwd) {
  const ConfigSnapshot before = TakeConfigSnapshot();
  server::ConfigRegistry& reg = server::ConfigRegistry::Get();
  common::Status s = reg.Rewrite(path);
  if (!s.ok()) fprintf(stderr, "CONFIG REWRITE failed: %s\n", s.message().c_str());
  FUZZ_CHECK(s.ok());
  server::Config() = server::ServerConfig();
  FUZZ_CHECK(chdir(cwd.c_str()) == 0);
  s = reg.LoadFile(path);
  if (!s.ok()) {
    fprintf(stderr, "the rewritten file does not load: %s\n--- file ---\n%s------------\n", s.message().c_str(),
            ReadFileOrEmpty(path).c_str());
    FUZZ_CHECK(false && "CONFIG REWRITE wrote a file that does not load");
  }
  const ConfigSnapshot after = TakeConfigSnapshot();
  if (!(after == before)) {
    fprintf(stderr, "the rewritten file loads to other values:\n");
    PrintConfigDiff(before, after);
    fprintf(stderr, "--- file ---\n%s------------\n", ReadFileOrEmpty(path).c_str());
    FUZZ_CHECK(false && "CONFIG REWRITE wrote a file that loads differently");
  }
}

}  // namespace fuzz
