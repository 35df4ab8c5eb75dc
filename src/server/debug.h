// Switches that DEBUG subcommands flip and the rest of the server reads.
// They live in server_cmds.cc, next to the DEBUG command that owns them.
// The rest of DEBUG's subcommands are in debug.cc.
//
// Thread safety: none; read and written on the main thread only.
#pragma once

namespace commands {
struct Client;
}

namespace server {

// DEBUG SET-ACTIVE-EXPIRE 0|1. When false, serverCron skips the active
// expire cycle, so expired keys are only removed when accessed (Redis's
// server.active_expire_enabled). True at start-up.
bool& ActiveExpireEnabled();

// DEBUG AOF-FLUSH-SLEEP <microsec> (debug.cc): each write of the AOF
// buffer waits this long first, for tests (Redis's aof_flush_sleep). 0 at
// start-up.
int& AofFlushSleepUs();

// DEBUG PAUSE-CRON 0|1 (debug.cc). When true, serverCron does nothing
// (Redis's server.pause_cron). False at start-up.
bool& CronPaused();

// The command line DEBUG RESTART and CRASH-AND-RECOVER run again. Called
// first thing in Start, before the config may change the directory.
void SaveExecArgv(int argc, char** argv);

// DEBUG DIGEST, DIGEST-VALUE, PROTOCOL, ... (debug.cc). Returns false when
// the subcommand (with its argument count) is none of them.
bool DebugOpsCommand(commands::Client& c);

}  // namespace server
