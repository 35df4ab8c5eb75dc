// The start-up banner: tieredis's own logo beside the facts operators' tools
// grep for (the Redis version line, "Running in <mode> mode", "Port: N",
// "PID: N"), or Redis's one-line notice "Running mode=<mode>, port=N." when
// no logo is wanted.
#pragma once

#include <string>

namespace server {

struct LogoFacts {
  const char* redis_version;
  const char* tieredis_version;
  const char* mode;   // "standalone"
  int port;
  int pid;
  std::string tiers;  // one line on the memory tiers in force
};

// The logo with the facts on its right, each line ending in '\n'.
std::string RenderLogo(const LogoFacts& f);

// As Redis's redisAsciiArt: the logo when always-show-logo is set or the log
// goes to a terminal, otherwise the one-line notice.
void ShowStartupBanner(const LogoFacts& f, bool always_show_logo);

}  // namespace server
