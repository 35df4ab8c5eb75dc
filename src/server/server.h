// The server: its runtime state, start-up, the event loop hooks and
// serverCron. Client I/O (accepting, reading, dispatching, writing,
// freeing) is server/networking.h.
//
// Flow of one request (as Redis's):
//   readable socket -> ReadHandler: read into querybuf, parse every
//   complete command, dispatch each; replies accumulate in the client's
//   outbuf -> the client joins the pending-write list -> BeforeSleep writes
//   it straight to the socket; only what does not fit waits for a writable
//   event. So a pipelined batch costs one read and one write syscall.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "commands/client.h"
#include "commands/registry.h"
#include "common/status.h"
#include "net/event_loop.h"

namespace server {

using commands::Client;

struct ServerRuntime {
  std::unique_ptr<net::EventLoop> loop;
  std::vector<int> listen_fds;
  std::vector<int> tls_listen_fds;  // tls-port (net/tls.h)
  int unix_fd = -1;
  std::string config_file;   // absolute path, empty if none
  std::string executable;
  std::string run_id;        // 40 hex chars
  int64_t start_time_ms = 0;
  uint64_t next_client_id = 1;
  std::map<uint64_t, std::unique_ptr<Client>> clients;  // by id (ordered: CLIENT LIST order)
  std::vector<Client*> pending_writes;
  std::vector<Client*> to_close;  // closed in BeforeSleep
  uint64_t cronloops = 0;
  bool shutdown_asap = false;
  bool accept_paused = false;
  size_t read_ahead_total = 0;  // query-buffer bytes reserved ahead of data (Client::read_ahead)  // out of descriptors: listeners unwatched until the next cron
  int shutdown_signal = 0;
  // instantaneous metrics (ops/sec etc.), sampled in cron
  struct Sample {
    int64_t time_ms = 0;
    uint64_t commands = 0, net_in = 0, net_out = 0;
  } last_sample;
  double inst_ops_per_sec = 0, inst_input_kbps = 0, inst_output_kbps = 0;
  // latest fork etc. (persistence issue)
  int64_t stat_peak_memory = 0;
  // Used memory once initialised, before loading (Redis's
  // initial_memory_usage): used_memory_startup, part of the overhead.
  size_t startup_allocated = 0;
  int64_t lastsave = 0;  // unix s of the last successful save; start-up until then
  // blocked/tracking clients: none yet
  int hz = 10;
  std::string tier_node_reason;
};
ServerRuntime& Runtime();

// Start-up from argv (config file and --options). Returns the exit code when
// start-up must stop (bad config, port in use), or -1 to go on and Run().
int Start(int argc, char** argv);
void Run();

// Client lifecycle helpers for server commands.
void CloseClientAsync(Client* c);   // closes after the current event
Client* FindClient(uint64_t id);
// The CLIENT LIST / CLIENT INFO line of a client.
std::string ClientInfoLine(const Client& c);
// Redis's islocalClient: a unix socket, or a TCP peer at exactly 127.0.0.1
// or ::1 (net::IsLocalPeer). For the "local" of enable-debug-command and
// enable-protected-configs.
bool IsLocalClient(const Client& c);

// ACL (acl_cmds.cc): the ACL command; the users of `aclfile` or `user`
// lines, loaded once at start-up (an error refuses start-up, as Redis);
// the settings mirrored into src/acl (requirepass is the default user's
// password), applied at start-up and after CONFIG SET.
void RegisterAclCommands(commands::Registry& r);
common::Status LoadUsersAtStartup();
void ApplyAclSettings();

// Registers INFO, CONFIG, CLIENT, COMMAND, DEBUG, MEMORY, SLOWLOG, SHUTDOWN,
// TIME, LATENCY and friends (server_cmds.cc).
void RegisterServerCommands(commands::Registry& r);

// LOLWUT (lolwut.cc).
void RegisterLolwutCommand(commands::Registry& r);

// INFO text for the given section names (lower-case; "default", "all",
// "everything" or specific sections).
std::string GenInfo(const std::vector<std::string>& sections);

// Applies config values mirrored in hot-path places (commands::State,
// object settings, allocator placement, log level...).
common::Status ApplyConfigMirrors();

// Graceful shutdown as SHUTDOWN/SIGTERM do. Returns false if it must not
// exit (e.g. save failed without FORCE).
bool PrepareForShutdown(bool nosave, bool save, bool force);
// SHUTDOWN without NOW, and SIGTERM: a master whose replicas lag first
// pauses writes and waits up to shutdown-timeout seconds for them to
// acknowledge everything (Redis 7.0), `c` (if any) blocked meanwhile; then
// PrepareForShutdown and exit. Returns false when no wait is needed (the
// caller shuts down at once).
bool ShutdownAfterReplicas(Client* c, bool nosave, bool save, bool force);
// SHUTDOWN ABORT: false when no shutdown is waiting.
bool AbortShutdownWait();

}  // namespace server
