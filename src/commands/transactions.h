// Transaction state helpers the server calls when a client goes away or
// RESETs, and the dispatcher's view of EXEC.
#pragma once

#include "commands/client.h"

namespace commands {

void UnwatchAllKeys(Client& c);
// Drops queued commands and watched keys; leaves MULTI.
void DiscardTransaction(Client& c);
// Installs the WATCH invalidation hook into State (once, at start-up).
void InstallWatchHook();

// EXEC's handler: the dispatcher recognises EXEC by it (as Redis compares
// c->cmd->proc with execCommand), never by name.
void ExecCommand(Client& c);
// Redis's execCommandAbort: EXEC itself was rejected before running (wrong
// arity, OOM, MISCONF...). Discards the transaction and replies
// "-EXECABORT Transaction discarded because of: <reason>", where reason is
// the rejection's text without a leading "ERR ".
void ExecCommandAbort(Client& c, std::string_view reason);

}  // namespace commands
