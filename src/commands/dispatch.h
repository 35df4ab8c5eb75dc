// The dispatcher: what Redis's processCommand() and call() do, without
// sockets. Given a client whose argv holds one command, it looks the command
// up, checks arity, authentication, transactions and memory, runs the
// handler, and keeps statistics.
#pragma once

#include "commands/client.h"
#include "commands/registry.h"

namespace commands {

// Processes c.argv. Replies go to c.reply. Returns false when the client
// must be closed after its pending replies are written (QUIT).
void ProcessCommand(Client& c);

// Runs an already validated command (used by EXEC for queued commands).
void Call(Client& c, const CommandSpec* cmd);

// Slow log entries (SLOWLOG).
struct SlowlogEntry {
  uint64_t id;
  int64_t time;  // unix seconds
  int64_t duration_us;
  std::vector<std::string> argv;  // at most 32, each at most 128 bytes (as Redis)
  std::string peer;
  std::string client_name;
};
std::vector<SlowlogEntry>& Slowlog();  // newest first
void SlowlogTrim(size_t max_len);
uint64_t& SlowlogNextId();
size_t& SlowlogMaxLen();

}  // namespace commands
