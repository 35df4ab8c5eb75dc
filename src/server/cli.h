// The command-line flags redis-server handles before reading any
// configuration: -v/--version, -h/--help, and Redis's diagnostics that
// tieredis does not have (--test-memory, --check-system), which are refused
// with a clear message rather than read as a config file name. As in Redis,
// only the first argument is looked at.
#pragma once

#include <string>

namespace server {

// Returns the exit code when argv[1] was one of these flags (its output
// written), or -1 when start-up goes on.
int HandleEarlyFlags(int argc, char** argv);

// The build id of --version and INFO redis_build_id: a hash of the tieredis
// version and the compiler that built it, in hex (Redis's redisBuildId
// hashes its version and build environment the same way).
std::string BuildId();

}  // namespace server
