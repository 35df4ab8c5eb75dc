#include "server/cli.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "alloc/zmalloc.h"
#include "commands/version.h"

namespace server {
namespace {

// Redis's version line, field for field (tools parse "v=" and "malloc=").
void PrintVersion() {
  printf("Redis server v=%s sha=00000000:0 malloc=%s bits=64 build=%s\n", commands::kRedisVersion,
         alloc::AllocatorName(), BuildId().c_str());
}

// To standard error, exit code 1, as Redis's usage().
void PrintUsage() {
  fprintf(stderr,
          "Usage: ./redis-server [/path/to/redis.conf] [options] [-]\n"
          "       ./redis-server - (read config from stdin)\n"
          "       ./redis-server -v or --version\n"
          "       ./redis-server -h or --help\n"
          "\n"
          "tieredis %s, compatible with Redis %s. Options are redis.conf directives\n"
          "written as --name value; the tier-* directives place payloads on the slow\n"
          "memory tier (see the tier section of redis.conf).\n"
          "\n"
          "Examples:\n"
          "       ./redis-server (run the server with default conf)\n"
          "       echo 'maxmemory 128mb' | ./redis-server -\n"
          "       ./redis-server /etc/redis/6379.conf\n"
          "       ./redis-server --port 7777\n"
          "       ./redis-server --tier-policy static --tier-nvm-min-size 64\n"
          "       ./redis-server /etc/myredis.conf --loglevel verbose -\n",
          commands::kTieredisVersion, commands::kRedisVersion);
}

}  // namespace

std::string BuildId() {
  // FNV-1a, 64 bits.
  uint64_t h = 14695981039346656037ull;
  for (const char* s : {commands::kTieredisVersion, commands::kRedisVersion, __VERSION__}) {
    for (; *s; s++) h = (h ^ static_cast<unsigned char>(*s)) * 1099511628211ull;
  }
  char buf[17];
  snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(h));
  return buf;
}

int HandleEarlyFlags(int argc, char** argv) {
  if (argc < 2) return -1;
  const char* a = argv[1];
  if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
    PrintVersion();
    return 0;
  }
  if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
    PrintUsage();
    return 1;
  }
  if (strcmp(a, "--test-memory") == 0 || strcmp(a, "--check-system") == 0) {
    fprintf(stderr,
            "%s is not supported by tieredis: use a dedicated tool (memtester for memory, your distribution's "
            "checks for the system).\n",
            a);
    return 1;
  }
  return -1;
}

}  // namespace server
