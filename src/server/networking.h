// Client I/O: the listening sockets, accepting connections (within the
// descriptor limit), reading and parsing requests and handing each to the
// dispatcher, writing replies, output-buffer limits per client class,
// and freeing clients. Redis's networking.c; server.cc keeps start-up, the
// cron and the loop hooks, which call in here.
//
// Delivery to other clients (pub/sub messages, tracking invalidations,
// MONITOR): a command writes the frame with the target's own ReplyBuilder
// (commands::Deliver), and this unit schedules the write and applies the
// target's output-buffer limit at once (DeliveredTo), so a slow subscriber
// over its limit is closed, never left to grow.
//
// Thread safety: main thread only.
#pragma once

#include <cstdint>

#include "commands/client.h"
#include "common/status.h"

namespace server {

// ---- listening ----

// Opens the listeners of `bind`/`port` and `unixsocket` (start-up).
common::Status Listen();
// CONFIG SET bind / port: rebinds; a failure restores the old listeners.
common::Status ChangeTcpListeners();
// CONFIG SET tls-*: rebuilds the TLS context, follows tls-port.
common::Status ApplyTlsConfig();
// Closes every listener (shutdown).
void CloseListeners();
// Watches the listeners again after running out of descriptors (cron).
void ResumeAccepting();

// Raises RLIMIT_NOFILE for maxclients, or lowers maxclients to the limit
// (start-up). False when not even the reserved descriptors fit.
bool AdjustOpenFilesLimit();
// The event loop's size for maxclients.
int EventLoopSetSize();
// CONFIG SET maxclients.
common::Status ApplyMaxclients();

// ---- clients ----

// Parses and runs what c's query buffer holds (also for clients whose
// block or pause ended).
void ProcessInput(commands::Client* c);
// Resumes the clients whose blocking command ended (timeouts, ready keys).
void ProcessUnblockedClients();
// Writes every client with pending output, then frees the clients closed
// asynchronously (before-sleep).
void WritePendingClients();
// Serves other clients once from inside a long-running script (reads,
// commands, replies), leaving `running`'s own input unread (Redis's
// processEventsWhileBlocked). commands::State::process_events_while_busy.
void ProcessEventsWhileBusy(commands::Client& running);
void FreeClosingClients();
// Idle timeouts and buffer trimming (cron).
void ClientsCron(int64_t now_ms);

// A client on an fd we connected ourselves (the replication link to our
// master): read and dispatched like any other. nullptr on failure (fd
// left open).
commands::Client* CreateClientForFd(int fd, uint64_t flags);
void FreeClientNow(commands::Client* c);

// After frames were appended to c's output by someone other than c's own
// command: schedule the write and enforce c's output-buffer limit.
void DeliveredTo(commands::Client* c);

}  // namespace server
