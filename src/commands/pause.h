// CLIENT PAUSE, as Redis 7.0's pauseClients / unpauseClients.
//
// While a pause holds, the dispatcher postpones the commands it covers: all
// of them (ALL), or those that may change the dataset or be propagated
// (WRITE: kWrite or kMayReplicate, EXEC by what it queued). A postponed
// client keeps the command unexecuted in its query buffer and waits as a
// blocked client (commands/blocking.h, PostponeClient); when the pause ends
// (CLIENT UNPAUSE, or its deadline, checked from cron and by the
// dispatcher) every postponed client is resumed and runs its command then.
// Reads and admin commands go on during a WRITE pause.
//
// The dataset stays as it is while paused, not only from the clients' point
// of view: keys that expire are hidden but not deleted (lookups stop
// deleting, and the server skips its active expire cycle), so nothing is
// written or propagated until the pause ends, as in Redis.
#pragma once

#include <cstdint>

#include "commands/client.h"

namespace commands {

// Ordered: a stricter pause is larger.
enum class PauseType : uint8_t { kNone = 0, kWrite = 1, kAll = 2 };

// The later deadline and the stricter type of this and a pause in force win.
void PauseClients(int64_t end_ms, PauseType type);
// Ends the pause and resumes every postponed client.
void UnpauseClients();
// Redis's checkClientPauseTimeoutAndReturnIfPaused: ends a pause whose
// deadline is past; true while a pause holds.
bool CheckClientPauseTimeout(int64_t now_ms);

// The pause in force (kNone when none), for the dispatcher's fast check.
PauseType CurrentPause();
// Whether a command with these flags (the command's, or EXEC's with what it
// queued) waits under the current pause. Ends an expired pause first.
bool PauseHoldsCommand(uint32_t cmd_flags, int64_t now_ms);

}  // namespace commands
