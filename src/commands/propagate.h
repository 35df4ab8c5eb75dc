// How a command changes what is propagated to the AOF (and, later, to
// replicas), as Redis's rewriteClientCommandVector, alsoPropagate and
// preventCommandPropagation do. By default the dispatcher propagates a write
// command's own argv when the command changed the dataset (dirty moved).
// Commands whose effect is not reproduced by replaying their argv say what
// to propagate instead:
//   - non-deterministic or relative effects: SPOP -> SREM, INCRBYFLOAT ->
//     SET ... KEEPTTL, EXPIRE -> PEXPIREAT, SET EX -> SET PXAT;
//   - blocking commands served later: BLPOP -> LPOP, BLMOVE -> LMOVE;
//   - commands that emit several effects: SPOP with a count -> SREMs.
#pragma once

#include <string>
#include <vector>

#include "commands/client.h"

namespace commands {

// Propagate argv instead of the command as received.
void RewriteCommandForPropagation(Client& c, std::vector<std::string> argv);
// Propagate argv in addition, after the command's own (or its rewrite)
// unless PreventPropagation was called.
void AlsoPropagate(Client& c, std::vector<std::string> argv);
// Do not propagate the command's own argv (AlsoPropagate'd commands still go).
void PreventPropagation(Client& c);
// Propagate the command's argv to replicas although it changed no data, and
// not to the AOF: PUBLISH, so a replica's subscribers get the message
// (Redis's forceCommandPropagation(c, PROPAGATE_REPL)).
void ForceReplicationPropagation(Client& c);
// A key of db `db` was deleted by the server, not by a command (it expired,
// or was evicted): propagates DEL key, or UNLINK key when lazy. Inside a
// command it joins that command's ops (before them, as Redis); outside it
// is handed over immediately.
void PropagateDeletion(int db, std::string_view key, bool lazy);
// Hands the pending ops to State::propagate (no-op when there are none).
void FlushPendingPropagation();

}  // namespace commands
