// Blocking operations on keys (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, and
// later BZPOPMIN/BZPOPMAX/BZMPOP): Redis 7.0's blocked.c, generic over the
// value type.
//
// A command that finds nothing to pop calls BlockForKeys with the type it
// waits for and a serve function. The client is then "blocked": it keeps its
// command (argv copied, since the query buffer moves on), sits in a FIFO per
// (db, key) and, when it has a timeout, in a deadline index. The server
// executes nothing more from its query buffer until it is unblocked
// (kClientBlocked).
//
// Becoming ready. The db layer calls a hook whenever a key is added or its
// value replaced (db::SetKeyAddedHook, installed by InstallBlockingHooks):
// LPUSH creating a list, LMOVE/BLMOVE creating the destination, RENAME, COPY,
// MOVE, RESTORE, SMOVE... all go through Db::Add/SetKey, so every way a key
// of the awaited type can appear wakes its waiters without each command
// knowing about blocking. A key on which nobody waits costs nothing more
// than a check that no client is blocked at all, or one hash lookup. Pushes
// onto an existing list need no signal: a client only blocks when its keys
// are absent (a list is never empty, and a key of another type answers
// WRONGTYPE), so an existing list has no waiters. Commands may also call
// SignalKeyAsReady directly.
//
// Serving. After each top-level command (dispatch's ProcessCommand, so after
// EXEC as a whole) and before the event loop sleeps, HandleClientsBlockedOnKeys
// takes the ready keys in the order they became ready and, for each, serves
// its waiters in FIFO order while the key still holds a value of their type:
// the serve function is called with the waiter's own command in c.argv and
// its db selected, pops, replies, notifies, and sets the propagation of the
// equivalent non-blocking command (BLPOP -> LPOP, BLMOVE -> LMOVE,
// BRPOPLPUSH -> RPOPLPUSH, BLMPOP -> LPOP/RPOP key count). A client blocked
// on several keys is served by the first that becomes ready and leaves every
// queue. Keys made ready while serving (a BLMOVE's destination) are served
// in the same pass.
//
// Ending a block: served (above), timed out (HandleBlockedClientsTimeout,
// from the server's cron and before-sleep: replies the null array, RESP2
// "*-1", RESP3 "_"), CLIENT UNBLOCK (TIMEOUT: the same null array; ERROR:
// "-UNBLOCKED client unblocked via CLIENT UNBLOCK"), or disconnection (the
// client's destructor calls ForgetClient). Unblocked clients are queued; the
// server takes them with TakeUnblockedClients, flushes their replies and
// resumes their query buffers.
//
// Streams (XREAD/XREADGROUP BLOCK, commands/stream_cmds.cc) differ: a client
// waits on a stream that exists, so XADD signals its key itself, and a
// deleted key (db's key-deleted hook) is signalled too: stream waiters are
// served whatever the key now holds, and XREADGROUP answers an error when
// its stream or group is gone.
//
// Not done (as in Redis, serving is not affected): SWAPDB and FLUSHALL do
// not scan for newly ready keys.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "object/object.h"

namespace commands {

// Serves the blocked client c from key, which holds a value of the awaited
// type (c.argv is c's blocking command, c.db its db). Returns true when c
// was answered (served, or given an error such as WRONGTYPE on a BLMOVE
// destination) and must be unblocked; false to keep waiting.
using BlockServeFn = bool (*)(Client& c, std::string_view key);

// Parses a blocking command's timeout (seconds, a float) as Redis 7.0's
// getTimeoutFromObjectOrReply: "ERR timeout is not a float or out of range"
// when it is not a number, "ERR timeout is negative" when below 0 (values
// too large for milliseconds in 64 bits count as negative, as in Redis).
// *deadline_ms is 0 for "forever", else an absolute unix time in ms.
bool GetTimeoutOrReply(Client& c, std::string_view arg, int64_t* deadline_ms);

// True when a command must not block: inside MULTI/EXEC, or for a client
// that never blocks (kClientDenyBlocking: the AOF loader's). Redis replies
// the timeout answer at once there.
bool MustNotBlock(const Client& c);

// Blocks c on keys (in c's db) until one holds a value of `type`, or the
// deadline (0 = forever). REQUIRES: !MustNotBlock(c).
void BlockForKeys(Client& c, const std::vector<std::string_view>& keys, int64_t deadline_ms, object::Type type,
                  BlockServeFn serve);

// Marks key as possibly ready for the clients blocked on it.
void SignalKeyAsReady(int db, std::string_view key);
// Serves ready keys (see above). Cheap when there are none.
void HandleClientsBlockedOnKeys();
bool HaveReadyKeys();
// Times out blocked clients whose deadline is <= now_ms.
void HandleBlockedClientsTimeout(int64_t now_ms);
// CLIENT UNBLOCK: ends c's block with the timeout answer or the UNBLOCKED
// error. Returns false if c is not blocked.
bool UnblockClientByRequest(Client& c, bool with_error);
// Removes c from every blocking structure (disconnection).
void ForgetClient(Client& c);
// Clients unblocked since the last call, for the server to write their
// replies and resume their input.
std::vector<Client*> TakeUnblockedClients();
// INFO clients: blocked_clients.
size_t BlockedClientCount();
// CLIENT PAUSE (commands/pause.h; Redis's BLOCKED_POSTPONE): the dispatcher
// postpones c's command, which stays unexecuted in its query buffer. c is
// blocked (kClientBlocked | kClientPostponed: the server reads no further,
// CLIENT LIST shows 'b', blocked_clients counts it) until
// UnblockPostponedClients queues every postponed client for resumption,
// which dispatches the command again.
void PostponeClient(Client& c);
void UnblockPostponedClients();
// Installs the db key-added hook. Called once at start-up.
void InstallBlockingHooks();

}  // namespace commands
