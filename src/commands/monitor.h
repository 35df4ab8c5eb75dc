// MONITOR: every command the server runs, as one status line per command
// to each monitoring client (Redis 7.0's replicationFeedMonitors format):
//
//   +<unix seconds>.<microseconds> [<db> <ip:port>|unix:<path>] "arg" "arg"...
//
// each argument quoted and escaped as sdscatrepr does. A command is shown
// after it ran (so SELECT shows the db it selected, and EXEC follows the
// commands it ran), except admin commands and those flagged skip_monitor;
// arguments a command marks secret (AUTH's, HELLO's AUTH pair) read
// "(redacted)". A monitoring client may not touch the keyspace (Redis
// treats it as a replica), and RESET ends monitoring.
#pragma once

#include "commands/client.h"

namespace commands {

void MonitorCommand(Client& c);
// Shows c's command (c.argv, c.db) to the monitors, if there are any and
// the command is shown at all.
void FeedMonitors(Client& c, uint32_t cmd_flags);
// Stops c monitoring (RESET, client freed).
void StopMonitoring(Client& c);
bool HaveMonitors();

}  // namespace commands
