// Switches that DEBUG subcommands flip and the rest of the server reads.
// They live in server_cmds.cc, next to the DEBUG command that owns them.
//
// Thread safety: none; read and written on the main thread only.
#pragma once

namespace server {

// DEBUG SET-ACTIVE-EXPIRE 0|1. When false, serverCron skips the active
// expire cycle, so expired keys are only removed when accessed (Redis's
// server.active_expire_enabled). True at start-up.
bool& ActiveExpireEnabled();

}  // namespace server
