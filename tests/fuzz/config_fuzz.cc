// Fuzz target: redis.conf text (server::ConfigRegistry, as LoadString /
// LoadFile read it at start-up), every directive of Redis 7.0 and the tier-*
// ones, quoting and escapes included.
//
// Input: the text of a config file. It is written to a scratch directory
// and loaded from defaults. When it loads, CONFIG REWRITE of it must load
// back to the same configuration (config_check.h). When it does not, the
// error must be InvalidArgument with Redis's "Reading the configuration
// file, at line N" text (or one of the post-load checks).
//
// Left out on purpose, because they reach outside the process rather than
// into the parser: files naming `include` (it reads any path, and a file
// including itself recurses as in Redis) and `logfile` (opening it creates
// the file). The target skips inputs with such a line, splitting lines as
// the loader does.
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/util.h"
#include "config_check.h"
#include "fuzz_util.h"
#include "server/config.h"

namespace {

// True when a line of text, split as ConfigRegistry splits it, names a
// directive that reaches the file system (see above), or one that hits the
// known rewrite bug (config_check.h).
bool SkipInput(const std::string& text) {
  size_t start = 0;
  std::vector<std::string> argv;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line = std::string_view(text).substr(start, nl - start);
    start = nl + 1;
    if (!common::SplitArgs(line, &argv) || argv.empty()) continue;
    std::string name = common::ToLower(argv[0]);
    if (name == "include" || name == "logfile") return true;
    if (fuzz::HitsKnownRewriteBug(name, std::vector<std::string>(argv.begin() + 1, argv.end()))) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::InitAllocator();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (SkipInput(text)) return -1;
  const std::string& dir = fuzz::ScratchDir();
  const std::string path = dir + "/fuzz.conf";
  fuzz::InDir in_scratch(dir);
  FUZZ_CHECK(fuzz::WriteFile(path, text));
  server::Config() = server::ServerConfig();
  common::Status s = server::ConfigRegistry::Get().LoadFile(path);
  if (s.ok()) {
    fuzz::CheckRewriteRoundTrip(path, dir);
  } else {
    FUZZ_CHECK(s.code() == common::Code::kInvalidArgument);
  }
  server::Config() = server::ServerConfig();
  return 0;
}
