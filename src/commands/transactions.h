// Transaction state helpers the server calls when a client goes away or
// RESETs.
#pragma once

#include "commands/client.h"

namespace commands {

void UnwatchAllKeys(Client& c);
// Drops queued commands and watched keys; leaves MULTI.
void DiscardTransaction(Client& c);
// Installs the WATCH invalidation hook into State (once, at start-up).
void InstallWatchHook();

}  // namespace commands
