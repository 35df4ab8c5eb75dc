// The dispatcher: what Redis's processCommand() and call() do, without
// sockets. Given a client whose argv holds one command, it looks the command
// up, checks arity, authentication, transactions and memory, runs the
// handler, and keeps statistics.
#pragma once

#include <map>
#include <string>
#include <vector>

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

// The latency monitor (LATENCY): events whose duration reached
// latency-monitor-threshold. Each event keeps its last kLatencyTsLen samples,
// at most one per second (the worst of that second), like Redis.
inline constexpr size_t kLatencyTsLen = 160;
struct LatencySample {
  int64_t time;  // unix seconds
  uint32_t latency_ms;
};
struct LatencyEvent {
  std::vector<LatencySample> samples;  // oldest first, at most kLatencyTsLen
  uint32_t max_ms = 0;
};
std::map<std::string, LatencyEvent>& LatencyEvents();
// Records `ms` for `event` when the monitor is on and ms >= its threshold.
void LatencyAddSampleIfNeeded(const char* event, int64_t ms);

}  // namespace commands
