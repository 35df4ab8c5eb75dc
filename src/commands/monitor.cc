// MONITOR: see monitor.h.
#include "commands/monitor.h"

#include <sys/time.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "commands/deliver.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "common/util.h"

namespace commands {
namespace {

std::vector<Client*>& Monitors() {
  static auto* m = new std::vector<Client*>();
  return *m;
}

}  // namespace

bool HaveMonitors() { return !Monitors().empty(); }

void MonitorCommand(Client& c) {
  // Inside EXEC the client expects one reply per command: a stream of
  // lines cannot follow (Redis's CLIENT_DENY_BLOCKING).
  if (c.flags & (kClientInExec | kClientDenyBlocking)) {
    c.AddError("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  if (c.flags & kClientMonitor) return;  // already monitoring: ignored, no reply
  c.flags |= kClientMonitor;
  Monitors().push_back(&c);
  c.reply.Ok();
}

void StopMonitoring(Client& c) {
  if (!(c.flags & kClientMonitor)) return;
  std::erase(Monitors(), &c);
  c.flags &= ~kClientMonitor;
}

void FeedMonitors(Client& c, uint32_t cmd_flags) {
  if (Monitors().empty() || GetState().loading || (cmd_flags & (kSkipMonitor | kAdmin))) return;
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  char head[96];
  snprintf(head, sizeof(head), "%ld.%06ld [%d ", static_cast<long>(tv.tv_sec), static_cast<long>(tv.tv_usec),
           c.db ? c.db->id() : 0);
  std::string line(head);
  line += (c.flags & kClientUnixSocket) ? "unix:" + c.addr.substr(0, c.addr.size() - 2) : c.addr;
  line += "]";
  for (size_t j = 0; j < c.argv.size(); j++) {
    line += ' ';
    line += (j < 64 && (c.redacted_args >> j & 1)) ? std::string("\"(redacted)\"") : common::Repr(c.argv[j]);
  }
  // A copy: a delivery may close a monitor (its output limit), which frees
  // it only later, but the walk should not depend on that.
  const std::vector<Client*> monitors = Monitors();
  for (Client* m : monitors) Deliver(*m, [&](resp::ReplyBuilder& b) { b.SimpleString(line); });
}

void RegisterMonitorCommands(Registry& r) {
  r.Add({"monitor", 1, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, MonitorCommand, "server",
         "Listen for all requests received by the server in real time", "1.0.0",
         kCatAdmin | kCatSlow | kCatDangerous});
}

}  // namespace commands
