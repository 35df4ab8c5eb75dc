// The cluster's state shared by cluster.cc (table, bus, nodes.conf),
// cluster_cmds.cc (commands, redirection), migrate.cc (resharding) and
// failover.cc (elections, votes, manual failover, replica migration). Not
// for use outside cluster/.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/bus.h"
#include "cluster/cluster.h"
#include "commands/client.h"

namespace cluster {

struct Link;  // a bus connection (cluster.cc)

struct Node {
  std::string name;            // 40 hex characters
  uint16_t flags = 0;          // bus::NodeFlag
  std::string ip, hostname;    // ip empty: not known yet (myself before the first MEET)
  int port = 0, cport = 0, pport = 0;
  Node* master = nullptr;      // for a replica
  int64_t ctime = 0;           // ms, creation (handshake timeout)
  int64_t ping_sent = 0;       // ms, 0: no PING outstanding
  int64_t pong_received = 0;   // ms
  int64_t data_received = 0;   // ms, anything from it
  int64_t fail_time = 0;       // ms, when flagged FAIL
  uint64_t config_epoch = 0;
  std::vector<uint8_t> slots;  // kSlots/8 bytes, the wire's bit order (bit s%8 of byte s/8)
  std::map<std::string, int64_t> fail_reports;  // master name -> ms of its report
  Link* link = nullptr;          // ours, outbound
  Link* inbound_link = nullptr;  // its, once it said who it is
  // Failover (failover.cc).
  int64_t repl_offset = 0;       // from its last message's header
  int64_t voted_time = 0;        // ms, when we last voted for a replica of this master
  int64_t orphaned_time = 0;     // ms, since when this master has no working replica
  int NumSlots() const;
};

struct State {
  std::map<std::string, std::unique_ptr<Node>> nodes;  // by name
  Node* myself = nullptr;
  uint64_t current_epoch = 0, last_vote_epoch = 0;
  std::array<Node*, kSlots> slot_owner{};
  std::array<std::string, kSlots> migrating_to, importing_from;  // node names, empty: stable
  std::map<std::string, int64_t> blacklist;  // FORGET: name -> ms until it may be re-added
  bool ok = false;  // cluster_state
  int size = 0;     // masters serving slots
  std::array<uint64_t, 16> stats_sent{}, stats_received{};
  uint64_t links_limit_exceeded = 0;  // links freed over cluster-link-sendbuf-limit
};
State& S();

Node* FindNode(const std::string& name);
void AssignSlot(int slot, Node* n);  // n nullptr: unassigned
void DeleteNode(Node* n);
// The master of this node's shard: myself, or my master when I replicate
// one (whose slots and config epoch a replica announces).
const Node* SlotsSource();
Node* AddHandshakeNode(const std::string& ip, int port, int cport);
// nodes.conf is saved before sleeping; with fsync false (CLUSTER SETSLOT,
// as Redis without CLUSTER_TODO_FSYNC_CONFIG) that save need not fsync,
// unless another change asked for it.
void MarkConfigChanged(bool fsync = true);
common::Status SaveConfig(bool do_fsync = true);
void UpdateState();
int BusPortAnnounced();
// The clients' ports this node announces (Redis's deriveAnnouncedPorts):
// *port, the TLS one under tls-cluster, and *pport, then the plaintext
// one (else 0).
void PortsAnnounced(int* port, int* pport);
// The port for a client of n: under tls-cluster a plaintext client gets
// the plaintext port.
int ClientPort(const Node& n, const commands::Client& c);
// The port a replica of n replicates from (TLS under tls-replication).
int ReplicationPort(const Node& n);
// A nodes.conf line, no newline; with `client`, CLUSTER NODES's for it
// (its port: ClientPort).
std::string NodeDescription(const Node& n, const commands::Client* client = nullptr);
void ResetLinks();
// CLUSTER LINKS: every node's outbound and inbound link.
void LinksReply(commands::Client& c);
// Installs the dispatcher's redirection (cluster_cmds.cc).
void InstallRedirect();

// slots.cc: deletes every key of a slot in db 0 (Redis's delKeysInSlot, for
// the "dirty slots" a node loses by an UPDATE while holding keys), each
// propagated as a DEL, signalled and notified; returns how many. O(keys in
// the slot), through the per-slot index.
size_t DeleteKeysInSlot(int slot);

// cluster.cc, for failover.cc: a message's header as we send it, sent on
// n's outbound link (if connected) or to every known node; a PING now to n;
// a PONG to every node (only the replicas of my master when
// local_replicas).
std::string BuildMessageHeader(uint16_t type);
void SendToNode(Node* n, const std::string& msg);
void BroadcastMessage(const std::string& msg);
void SendPingNow(Node* n);
void BroadcastPong(bool local_replicas);

// failover.cc: replica election, votes, manual failover, replica
// migration and the reconfiguration after a failover.
// The header's replication offset and mflags[0] (PAUSED during a manual
// failover on the master).
int64_t MyReplOffset();
uint8_t HeaderMflags();
// Any message from a known sender: its offset (and a paused master's, for a
// manual failover).
void NoteSenderHeader(Node* sender, std::string_view msg);
// A PING/PONG/MEET sender's slot claims: our slot map takes the newer ones
// (Redis's clusterUpdateSlotsConfigWith, which may make us a replica of the
// new owner), and a sender with stale claims gets an UPDATE.
void ProcessSlotClaims(Node* sender, uint64_t sender_config_epoch, std::string_view msg);
// An UPDATE message's content.
void ProcessUpdate(Node* n, uint64_t config_epoch, std::string_view slots);
// FAILOVER_AUTH_REQUEST, FAILOVER_AUTH_ACK, MFSTART.
void ProcessFailoverMessage(Node* sender, uint16_t type, std::string_view msg);
void UpdateSlotsConfigWith(Node* sender, uint64_t sender_epoch, std::string_view slots);
void FailoverCron(int64_t now_ms);
void FailoverBeforeSleep();
void FailoverCommand(commands::Client& c);
// Redis's clusterBumpConfigEpochWithoutConsensus (migrate.cc).
void BumpEpochWithoutConsensus();
// Redis's clusterSetMaster: myself becomes a replica of n (through the
// set_master hook).
void SetMyMaster(Node* n);

// For tests/fuzz/cluster_bus_fuzz.cc: `bytes` read on the bus by a node
// with a fixed table (cluster.cc says which), then a cron tick. Never
// called by the server.
void FuzzBusInput(std::string_view bytes);
// Forgets any election or manual failover in progress (the fuzz target's
// fresh table).
void ResetFailoverState();

// A slot number argument; replies "Invalid or out of range slot" on error
// (cluster_cmds.cc).
bool GetSlotOrReply(commands::Client& c, std::string_view arg, int* slot);

// migrate.cc: CLUSTER SETSLOT, MIGRATE and its key finder.
void SetSlotCommand(commands::Client& c);
void MigrateCommand(commands::Client& c);
int MigrateGetKeys(const std::vector<std::string_view>& argv, std::vector<commands::KeyRef>* out);

}  // namespace cluster
