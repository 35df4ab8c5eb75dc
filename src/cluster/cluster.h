// Redis Cluster, Redis 7.0's: the node table, the slot map, nodes.conf, the
// cluster bus (the 7.0 binary protocol on the bus port, so our nodes and
// Redis 7.0 nodes form one cluster), the CLUSTER/ASKING/READONLY/READWRITE
// commands and the dispatcher's redirection (-MOVED, -ASK, -CROSSSLOT,
// -CLUSTERDOWN).
//
// Everything here is inert unless cluster-enabled is yes: Init is then
// never called, the dispatcher's hook stays null and CLUSTER replies that
// cluster support is disabled.
//
// Invariants: slot_owner[s] is either nullptr or a node in the table; a
// node's slot bitmap has bit s set iff slot_owner[s] is that node; myself
// is always in the table and never in HANDSHAKE.
//
// Thread safety: main thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/registry.h"
#include "common/status.h"
#include "net/event_loop.h"

namespace cluster {

inline constexpr int kSlots = 16384;
inline constexpr int kNameLen = 40;  // a node id: 40 hex characters

// Redis's CRC16 (XMODEM) of the key, or of its hash tag: the part between
// the first '{' and the first '}' after it, when that part is not empty.
int KeySlot(std::string_view key);

// Mirrors of the configuration.
struct Settings {
  bool enabled = false;
  std::string config_file = "nodes.conf";
  int port = 6379;       // the clients' port
  int bus_port = 0;      // cluster-port (0: port + 10000)
  int64_t node_timeout = 15000;
  std::string announce_ip, announce_hostname;
  int announce_port = 0, announce_bus_port = 0;
  bool require_full_coverage = true;
  bool allow_reads_when_down = false;
  // Failover (failover.cc).
  bool replica_no_failover = false;    // cluster-replica-no-failover
  int replica_validity_factor = 10;    // cluster-replica-validity-factor (0: any data age)
  int migration_barrier = 1;           // cluster-migration-barrier
  bool allow_replica_migration = true; // cluster-allow-replica-migration
  int repl_ping_period = 10;           // repl-ping-replica-period, seconds
  bool allow_pubsubshard_when_down = true;
  uint64_t link_sendbuf_limit = 0;  // bytes a link may buffer to send (0: no limit)
  // tls-cluster: the bus runs over TLS, and the port a node announces is
  // its tls-port (the plaintext one goes as pport), as Redis 7.0's.
  // cluster-preferred-endpoint-type: what CLUSTER SLOTS/SHARDS and -MOVED
  // give as a node's address.
  enum class Endpoint { kIp, kHostname, kUnknown };
  Endpoint preferred_endpoint = Endpoint::kIp;
  bool tls = false;
  bool tls_replication = false;
  int tls_port = 0, announce_tls_port = 0;
  std::vector<std::string> bind;  // the clients' bind addresses, which the bus shares
};
Settings& GetSettings();
// After the settings changed (CONFIG SET cluster-announce-*): myself's
// address and hostname follow, and go out with the next PING.
void SettingsChanged();

// What the server provides (installed before Init).
struct Hooks {
  // Replicate host:port through src/repl (CLUSTER REPLICATE, and a
  // replica's master found in nodes.conf at start-up).
  void (*set_master)(const std::string& host, int port) = nullptr;
  // Failover (failover.cc): the replication offset (a master's
  // master_repl_offset, a replica's processed offset); a replica becomes a
  // master with a new replication id (REPLICAOF NO ONE); a replica's data
  // age in ms.
  int64_t (*repl_offset)() = nullptr;
  void (*promote)() = nullptr;
  int64_t (*data_age_ms)(int64_t now_ms) = nullptr;
};
Hooks& GetHooks();

// Loads (or creates) nodes.conf and opens the bus port on `loop`.
// REQUIRES: GetSettings().enabled.
common::Status Init(net::EventLoop* loop);
// Ten times a second, from the server's cron.
void Cron(int64_t now_ms);
// Before sleeping: saves nodes.conf when it changed.
void BeforeSleep();
// Bytes held by the bus links (INFO's mem_cluster_links).
size_t LinksMemory();
void RegisterCommands(commands::Registry& reg);
// From the server's cron, cluster or not: closes MIGRATE's cached
// connections unused for 10 s (migrate.cc).
void MigrateCloseIdleSockets(int64_t now_ms);

}  // namespace cluster
