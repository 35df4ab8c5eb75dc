// Redis Cluster failover, Redis 7.0's on the wire: replica elections
// (clusterHandleSlaveFailover), vote granting on masters
// (clusterSendFailoverAuthIfNeeded), manual failover (CLUSTER FAILOVER
// [FORCE|TAKEOVER], MFSTART and the PAUSED header flag), the
// reconfiguration after a failover (clusterUpdateSlotsConfigWith, UPDATE
// messages) and replica migration (clusterHandleSlaveMigration).
//
// Replication is reached through the hooks the server installs
// (cluster.h): the offset we announce, promotion (REPLICAOF NO ONE) and a
// replica's data age; set_master re-points a replica.
#include <algorithm>
#include <cstring>
#include <random>
#include <string>

#include "cluster/internal.h"
#include "commands/pause.h"
#include "commands/propagate.h"
#include "commands/state.h"
#include "common/clock.h"
#include "common/log.h"
#include "db/db.h"

namespace cluster {
namespace {

using commands::Client;

constexpr uint8_t kFlag0Paused = 1 << 0;    // CLUSTERMSG_FLAG0_PAUSED: a master paused for a manual failover
constexpr uint8_t kFlag0ForceAck = 1 << 1;  // CLUSTERMSG_FLAG0_FORCEACK: vote even if the master is up
constexpr int64_t kMfTimeout = 5000;        // CLUSTER_MF_TIMEOUT
constexpr int64_t kMfPauseMult = 2;         // CLUSTER_MF_PAUSE_MULT
constexpr int64_t kMigrationDelay = 5000;   // CLUSTER_SLAVE_MIGRATION_DELAY
constexpr int64_t kCantFailoverRelog = 10000;

enum class CantFailover { kNone, kDataAge, kWaitingDelay, kExpired, kWaitingVotes };

struct Election {
  // Automatic and manual failover, replica side.
  int64_t auth_time = 0;  // when the election starts (or started)
  int auth_count = 0;     // votes received
  bool auth_sent = false;
  int rank = 0;
  uint64_t auth_epoch = 0;
  CantFailover cant_reason = CantFailover::kNone;
  int64_t cant_logged = 0;
  // Manual failover: both sides (mf_slave on the master).
  int64_t mf_end = 0;  // 0: none in progress
  bool mf_can_start = false;
  std::string mf_slave;  // the replica's name, on its master
  int64_t mf_master_offset = -1;
  // Work for BeforeSleep (Redis's CLUSTER_TODO_HANDLE_*).
  bool todo_failover = false, todo_manual = false;
};

Election& E() {
  static auto* e = new Election();
  return *e;
}

bool IsMaster(const Node* n) { return (n->flags & bus::kMaster) != 0; }
bool IsReplica(const Node* n) { return (n->flags & bus::kSlave) != 0; }
bool Failed(const Node* n) { return (n->flags & bus::kFail) != 0; }

bool SlotBit(std::string_view slots, int s) {
  return (static_cast<uint8_t>(slots[static_cast<size_t>(s / 8)]) & (1 << (s & 7))) != 0;
}

std::vector<Node*> ReplicasOfNode(const Node* m) {
  std::vector<Node*> out;
  for (auto& [name, n] : S().nodes)
    if (IsReplica(n.get()) && n->master == m) out.push_back(n.get());
  return out;
}

int NonFailingReplicas(const Node* m) {
  int ok = 0;
  for (Node* r : ReplicasOfNode(m)) ok += (r->flags & (bus::kFail | bus::kPfail)) ? 0 : 1;
  return ok;
}

// Redis's resetManualFailover: a master that paused its writes for the
// manual failover resumes them, whatever the outcome.
void ResetManualFailover() {
  Election& e = E();
  if (!e.mf_slave.empty()) commands::UnpauseClients();
  e.mf_end = 0;
  e.mf_can_start = false;
  e.mf_slave.clear();
  e.mf_master_offset = -1;
}

void SendUpdate(Node* to, const Node* about) {
  std::string b = BuildMessageHeader(bus::kMsgUpdate);
  b.resize(bus::kHeaderLen + bus::kUpdateDataLen, '\0');
  bus::Put32(b, bus::kOffTotlen, static_cast<uint32_t>(b.size()));
  bus::Put64(b, bus::kHeaderLen, about->config_epoch);
  memcpy(&b[bus::kHeaderLen + 8], about->name.data(), kNameLen);
  memcpy(&b[bus::kHeaderLen + 48], about->slots.data(), kSlots / 8);
  SendToNode(to, b);
}

// Redis's clusterLogCantFailover: not while the master failed recently
// (the other replicas may be electing), the same reason at most every 10 s.
void LogCantFailover(CantFailover reason, int64_t now) {
  Election& e = E();
  if (reason == e.cant_reason && now - e.cant_logged < kCantFailoverRelog) return;
  e.cant_reason = reason;
  const Node* m = S().myself->master;
  if (m && Failed(m) && now - m->fail_time < GetSettings().node_timeout + 5000) return;
  const char* msg = "";
  switch (reason) {
    case CantFailover::kDataAge:
      msg = "Disconnected from master for longer than allowed. Please check the "
            "'cluster-replica-validity-factor' configuration option.";
      break;
    case CantFailover::kWaitingDelay:
      msg = "Waiting the delay before I can start a new failover.";
      break;
    case CantFailover::kExpired:
      msg = "Failover attempt expired.";
      break;
    case CantFailover::kWaitingVotes:
      msg = "Waiting for votes, but majority still not reached.";
      break;
    case CantFailover::kNone:
      return;
  }
  e.cant_logged = now;
  LOG_NOTICE("Currently unable to failover: %s", msg);
}

// Redis's clusterGetSlaveRank: how many replicas of my master (that may
// fail over) have a larger replication offset than mine.
int ReplicaRank() {
  Node* me = S().myself;
  if (!me->master) return 0;
  const int64_t mine = MyReplOffset();
  int rank = 0;
  for (Node* r : ReplicasOfNode(me->master))
    if (r != me && !(r->flags & bus::kNoFailover) && r->repl_offset > mine) rank++;
  return rank;
}

// Redis's clusterFailoverReplaceYourMaster: myself becomes a master with
// my old master's slots and tells everybody.
void ReplaceMyMaster() {
  State& st = S();
  Node* me = st.myself;
  Node* old = me->master;
  if (IsMaster(me) || old == nullptr) return;
  me->flags = static_cast<uint16_t>((me->flags & ~bus::kSlave) | bus::kMaster);
  me->master = nullptr;
  if (GetHooks().promote) GetHooks().promote();
  for (int s = 0; s < kSlots; s++)
    if (st.slot_owner[s] == old) AssignSlot(s, me);
  UpdateState();
  common::Status saved = SaveConfig();
  if (!saved.ok()) LOG_WARNING("Cluster config could not be saved: %s", saved.message().c_str());
  BroadcastPong(false);
  ResetManualFailover();
}

// Redis's clusterHandleSlaveFailover.
void HandleReplicaFailover(int64_t now) {
  State& st = S();
  Election& e = E();
  const Settings& cfg = GetSettings();
  Node* me = st.myself;
  e.todo_failover = false;
  const bool manual = e.mf_end != 0 && e.mf_can_start;
  const int64_t auth_timeout = std::max<int64_t>(cfg.node_timeout * 2, 2000);
  const int64_t auth_retry = auth_timeout * 2;
  const int64_t auth_age = now - e.auth_time;
  const int needed = st.size / 2 + 1;
  Node* m = me->master;
  if (IsMaster(me) || m == nullptr || (!Failed(m) && !manual) || (cfg.replica_no_failover && !manual) ||
      m->NumSlots() == 0) {
    e.cant_reason = CantFailover::kNone;
    return;
  }
  int64_t data_age = GetHooks().data_age_ms ? GetHooks().data_age_ms(now) : 0;
  if (data_age > cfg.node_timeout) data_age -= cfg.node_timeout;
  if (cfg.replica_validity_factor &&
      data_age > int64_t{cfg.repl_ping_period} * 1000 + cfg.node_timeout * cfg.replica_validity_factor && !manual) {
    LogCantFailover(CantFailover::kDataAge, now);
    return;
  }
  if (auth_age > auth_retry) {
    static std::mt19937 rng(std::random_device{}());
    e.auth_time = now + 500 + static_cast<int64_t>(rng() % 500);
    e.auth_count = 0;
    e.auth_sent = false;
    e.rank = ReplicaRank();
    e.auth_time += int64_t{e.rank} * 1000;
    if (e.mf_end) {
      e.auth_time = now;
      e.rank = 0;
      e.todo_failover = true;
    }
    LOG_NOTICE("Start of election delayed for %lld milliseconds (rank #%d, offset %lld).",
               static_cast<long long>(e.auth_time - now), e.rank, static_cast<long long>(MyReplOffset()));
    BroadcastPong(true);
    return;
  }
  if (!e.auth_sent && e.mf_end == 0) {
    const int rank = ReplicaRank();
    if (rank > e.rank) {
      const int64_t added = int64_t{rank - e.rank} * 1000;
      e.auth_time += added;
      e.rank = rank;
      LOG_NOTICE("Replica rank updated to #%d, added %lld milliseconds of delay.", rank,
                 static_cast<long long>(added));
    }
  }
  if (now < e.auth_time) {
    LogCantFailover(CantFailover::kWaitingDelay, now);
    return;
  }
  if (auth_age > auth_timeout) {
    LogCantFailover(CantFailover::kExpired, now);
    return;
  }
  if (!e.auth_sent) {
    st.current_epoch++;
    e.auth_epoch = st.current_epoch;
    LOG_NOTICE("Starting a failover election for epoch %llu.", static_cast<unsigned long long>(st.current_epoch));
    std::string req = BuildMessageHeader(bus::kMsgFailoverAuthRequest);
    if (e.mf_end) req[bus::kOffMflags] = static_cast<char>(req[bus::kOffMflags] | kFlag0ForceAck);
    BroadcastMessage(req);
    e.auth_sent = true;
    MarkConfigChanged();
    UpdateState();
    return;
  }
  if (e.auth_count >= needed) {
    LOG_NOTICE("Failover election won: I'm the new master.");
    if (me->config_epoch < e.auth_epoch) {
      me->config_epoch = e.auth_epoch;
      LOG_NOTICE("configEpoch set to %llu after successful failover", static_cast<unsigned long long>(me->config_epoch));
    }
    ReplaceMyMaster();
  } else {
    LogCantFailover(CantFailover::kWaitingVotes, now);
  }
}

// Redis's clusterHandleManualFailover: the replica may start once it
// processed the paused master's whole stream.
void HandleManualFailover() {
  Election& e = E();
  e.todo_manual = false;
  if (e.mf_end == 0 || e.mf_can_start || e.mf_master_offset == -1) return;
  if (e.mf_master_offset == MyReplOffset()) {
    e.mf_can_start = true;
    LOG_NOTICE("All master replication stream processed, manual failover can start.");
    e.todo_failover = true;
    return;
  }
  e.todo_manual = true;
}

// Redis's clusterSendFailoverAuthIfNeeded: a master serving slots votes at
// most once per epoch, for a replica whose master failed (or any replica
// when FORCEACK), not twice for replicas of one master within two node
// timeouts, and only when no slot it claims has a newer owner.
void SendFailoverAuthIfNeeded(Node* node, std::string_view req) {
  State& st = S();
  Node* me = st.myself;
  Node* master = node->master;
  const uint64_t req_current = bus::Get64(req, bus::kOffCurrentEpoch);
  const uint64_t req_config = bus::Get64(req, bus::kOffConfigEpoch);
  const bool force_ack = (static_cast<uint8_t>(req[bus::kOffMflags]) & kFlag0ForceAck) != 0;
  const char* name = node->name.c_str();
  if (IsReplica(me) || me->NumSlots() == 0) return;
  if (req_current < st.current_epoch) {
    LOG_WARNING("Failover auth denied to %.40s: reqEpoch (%llu) < curEpoch(%llu)", name,
                static_cast<unsigned long long>(req_current), static_cast<unsigned long long>(st.current_epoch));
    return;
  }
  if (st.last_vote_epoch == st.current_epoch) {
    LOG_WARNING("Failover auth denied to %.40s: already voted for epoch %llu", name,
                static_cast<unsigned long long>(st.current_epoch));
    return;
  }
  if (IsMaster(node) || master == nullptr || (!Failed(master) && !force_ack)) {
    if (IsMaster(node)) {
      LOG_WARNING("Failover auth denied to %.40s: it is a master node", name);
    } else if (master == nullptr) {
      LOG_WARNING("Failover auth denied to %.40s: I don't know its master", name);
    } else {
      LOG_WARNING("Failover auth denied to %.40s: its master is up", name);
    }
    return;
  }
  const int64_t now = common::MsTime();
  const int64_t window = GetSettings().node_timeout * 2;
  if (now - master->voted_time < window) {
    LOG_WARNING("Failover auth denied to %.40s: can't vote about this master before %lld milliseconds", name,
                static_cast<long long>(window - (now - master->voted_time)));
    return;
  }
  std::string_view claimed = req.substr(bus::kOffMySlots, kSlots / 8);
  for (int s = 0; s < kSlots; s++) {
    if (!SlotBit(claimed, s)) continue;
    const Node* owner = st.slot_owner[s];
    if (owner == nullptr || owner->config_epoch <= req_config) continue;
    LOG_WARNING("Failover auth denied to %.40s: slot %d epoch (%llu) > reqEpoch (%llu)", name, s,
                static_cast<unsigned long long>(owner->config_epoch), static_cast<unsigned long long>(req_config));
    return;
  }
  st.last_vote_epoch = st.current_epoch;
  master->voted_time = now;
  // The vote is on disk before it leaves.
  common::Status saved = SaveConfig();
  if (!saved.ok()) {
    LOG_WARNING("Failover auth to %.40s withheld: the cluster config could not be saved: %s", name,
                saved.message().c_str());
    return;
  }
  SendToNode(node, BuildMessageHeader(bus::kMsgFailoverAuthAck));
  LOG_WARNING("Failover auth granted to %.40s for epoch %llu", name, static_cast<unsigned long long>(st.current_epoch));
}

// Redis's clusterHandleSlaveMigration: a replica of the master with the
// most working replicas (the one with the smallest name among them) moves
// to a master left without any for a while.
void HandleReplicaMigration(int max_replicas, int64_t now) {
  State& st = S();
  Node* me = st.myself;
  Node* mine = me->master;
  if (!st.ok || mine == nullptr) return;
  int ok = 0;
  for (Node* r : ReplicasOfNode(mine)) ok += (r->flags & (bus::kFail | bus::kPfail)) ? 0 : 1;
  if (ok <= GetSettings().migration_barrier) return;
  Node* target = nullptr;
  const Node* candidate = me;
  for (auto& [name, n] : st.nodes) {
    Node* node = n.get();
    int node_ok = 0;
    bool orphaned = IsMaster(node) && !Failed(node) && (node->flags & bus::kMigrateTo);
    if (IsMaster(node)) node_ok = NonFailingReplicas(node);
    if (node_ok > 0) orphaned = false;
    if (orphaned) {
      if (!target && node->NumSlots() > 0) target = node;
      if (!node->orphaned_time) node->orphaned_time = now;
    } else {
      node->orphaned_time = 0;
    }
    if (node_ok == max_replicas) {
      for (Node* r : ReplicasOfNode(node))
        if (r->name < candidate->name) candidate = r;
    }
  }
  if (target && candidate == me && now - target->orphaned_time > kMigrationDelay) {
    LOG_NOTICE("Migrating to orphaned master %.40s", target->name.c_str());
    SetMyMaster(target);
  }
}

// Redis's delKeysInSlot for the slots a master lost while keeping others
// (its "dirty slots"): their keys go, as deletions the replicas and the AOF
// get.
void DeleteKeysInSlots(const std::vector<bool>& lost) {
  for (int slot = 0; slot < kSlots; slot++)
    if (lost[static_cast<size_t>(slot)]) DeleteKeysInSlot(slot);  // through the per-slot index
  commands::FlushPendingPropagation();
}

}  // namespace

void ResetFailoverState() { E() = Election(); }

int64_t MyReplOffset() { return GetHooks().repl_offset ? GetHooks().repl_offset() : 0; }

uint8_t HeaderMflags() {
  return (IsMaster(S().myself) && E().mf_end != 0) ? kFlag0Paused : 0;
}

void NoteSenderHeader(Node* sender, std::string_view msg) {
  Election& e = E();
  sender->repl_offset = static_cast<int64_t>(bus::Get64(msg, bus::kOffOffset));
  // nofailover is the sender's to say (its siblings rank without it).
  const uint16_t type = bus::Get16(msg, bus::kOffType);
  if (type == bus::kMsgPing || type == bus::kMsgPong || type == bus::kMsgMeet) {
    const uint16_t nofailover = bus::Get16(msg, bus::kOffFlags) & bus::kNoFailover;
    if ((sender->flags & bus::kNoFailover) != nofailover) {
      sender->flags = static_cast<uint16_t>((sender->flags & ~bus::kNoFailover) | nofailover);
      MarkConfigChanged();
    }
  }
  Node* me = S().myself;
  if (e.mf_end && IsReplica(me) && me->master == sender &&
      (static_cast<uint8_t>(msg[bus::kOffMflags]) & kFlag0Paused) && e.mf_master_offset == -1) {
    e.mf_master_offset = sender->repl_offset;
    e.todo_manual = true;
    LOG_WARNING("Received replication offset for paused master manual failover: %lld",
                static_cast<long long>(e.mf_master_offset));
  }
}

void UpdateSlotsConfigWith(Node* sender, uint64_t sender_epoch, std::string_view slots) {
  State& st = S();
  Node* me = st.myself;
  Node* curmaster = IsMaster(me) ? me : me->master;
  if (sender == me) {
    LOG_NOTICE("Discarding UPDATE message about myself.");
    return;
  }
  Node* newmaster = nullptr;
  int sender_slots = 0, migrated = 0;
  bool changed = false, dirty = false;
  std::vector<bool> lost(kSlots, false);
  // Whether an owner has replicas, asked once per run of its slots (not
  // once per slot: that walks the whole node table).
  const Node* asked = nullptr;
  bool asked_has_replicas = false;
  for (int s = 0; s < kSlots; s++) {
    if (!SlotBit(slots, s)) continue;
    sender_slots++;
    Node* owner = st.slot_owner[s];
    if (owner == sender || !st.importing_from[s].empty()) continue;
    if (owner == nullptr || owner->config_epoch < sender_epoch) {
      if (owner != nullptr && owner == curmaster) {
        newmaster = sender;
        migrated++;
      }
      if (owner == me) lost[static_cast<size_t>(s)] = dirty = true;
      // A master that lost slots to a failover: its replicas' new master
      // becomes a target for replica migration.
      if (owner != nullptr && owner != asked) {
        asked = owner;
        asked_has_replicas = !ReplicasOfNode(owner).empty();
      }
      if (owner != nullptr && asked_has_replicas) sender->flags |= bus::kMigrateTo;
      AssignSlot(s, sender);
      changed = true;
    }
  }
  if (changed) {
    MarkConfigChanged();
    UpdateState();
  }
  if (newmaster && curmaster->NumSlots() == 0 &&
      (GetSettings().allow_replica_migration || sender_slots == migrated)) {
    LOG_WARNING("Configuration change detected. Reconfiguring myself as a replica of %.40s", sender->name.c_str());
    SetMyMaster(sender);
  } else if (IsReplica(me) && me->master && me->master->master && me->master->master != me) {
    LOG_WARNING("I'm a sub-replica! Reconfiguring myself as a replica of grandmaster %.40s",
                me->master->master->name.c_str());
    SetMyMaster(me->master->master);
  } else if (dirty) {
    DeleteKeysInSlots(lost);
  }
}

void ProcessSlotClaims(Node* sender, uint64_t sender_config_epoch, std::string_view msg) {
  State& st = S();
  Node* sender_master = IsMaster(sender) ? sender : sender->master;
  if (sender_master == nullptr) return;
  std::string_view claimed = msg.substr(bus::kOffMySlots, kSlots / 8);
  if (memcmp(sender_master->slots.data(), claimed.data(), kSlots / 8) == 0) return;
  if (IsMaster(sender)) UpdateSlotsConfigWith(sender, sender_config_epoch, claimed);
  // The reverse: it claims a slot whose owner we know to be newer.
  for (int s = 0; s < kSlots; s++) {
    if (!SlotBit(claimed, s)) continue;
    Node* owner = st.slot_owner[s];
    if (owner == sender || owner == nullptr || owner->config_epoch <= sender_config_epoch) continue;
    LOG_VERBOSE("Node %.40s has old slots configuration, sending an UPDATE message about %.40s",
                sender->name.c_str(), owner->name.c_str());
    SendUpdate(sender, owner);
    break;
  }
}

void ProcessUpdate(Node* n, uint64_t config_epoch, std::string_view slots) {
  if (n->config_epoch >= config_epoch) return;
  if (n == S().myself) {
    LOG_NOTICE("Discarding UPDATE message about myself.");
    return;
  }
  if (IsReplica(n)) {
    n->flags = static_cast<uint16_t>((n->flags & ~bus::kSlave) | bus::kMaster);
    n->master = nullptr;
  }
  n->config_epoch = config_epoch;
  MarkConfigChanged();
  UpdateSlotsConfigWith(n, config_epoch, slots);
}

void ProcessFailoverMessage(Node* sender, uint16_t type, std::string_view msg) {
  State& st = S();
  Election& e = E();
  if (type == bus::kMsgFailoverAuthRequest) {
    SendFailoverAuthIfNeeded(sender, msg);
  } else if (type == bus::kMsgFailoverAuthAck) {
    // Votes count from masters serving slots, for this election's epoch.
    if (IsMaster(sender) && sender->NumSlots() > 0 && bus::Get64(msg, bus::kOffCurrentEpoch) >= e.auth_epoch) {
      e.auth_count++;
      e.todo_failover = true;
    }
  } else if (type == bus::kMsgMfStart) {
    if (!IsReplica(sender) || sender->master != st.myself) return;
    ResetManualFailover();
    const int64_t now = common::MsTime();
    e.mf_end = now + kMfTimeout;
    e.mf_slave = sender->name;
    commands::PauseClients(now + kMfTimeout * kMfPauseMult, commands::PauseType::kWrite);
    LOG_WARNING("Manual failover requested by replica %.40s.", sender->name.c_str());
    SendPingNow(sender);
  }
}

void SetMyMaster(Node* n) {
  State& st = S();
  Node* me = st.myself;
  if (IsMaster(me)) {
    me->flags = static_cast<uint16_t>((me->flags & ~(bus::kMaster | bus::kMigrateTo)) | bus::kSlave);
    for (int s = 0; s < kSlots; s++) {
      st.migrating_to[s].clear();
      st.importing_from[s].clear();
    }
  }
  me->master = n;
  if (GetHooks().set_master && !n->ip.empty()) GetHooks().set_master(n->ip, ReplicationPort(*n));
  ResetManualFailover();
  MarkConfigChanged();
  UpdateState();
}

void FailoverCron(int64_t now) {
  State& st = S();
  Election& e = E();
  Node* me = st.myself;
  const Settings& cfg = GetSettings();
  // Redis's clusterUpdateMyselfFlags: nofailover is announced.
  const uint16_t nofailover = cfg.replica_no_failover ? bus::kNoFailover : 0;
  if ((me->flags & bus::kNoFailover) != nofailover) {
    me->flags = static_cast<uint16_t>((me->flags & ~bus::kNoFailover) | nofailover);
    MarkConfigChanged();
  }
  if (e.mf_end && e.mf_end < now) {
    LOG_WARNING("Manual failover timed out.");
    ResetManualFailover();
  }
  // A master in a manual failover pings the replica continuously, so the
  // replica learns its (paused) offset.
  if (e.mf_end && IsMaster(me)) {
    Node* replica = FindNode(e.mf_slave);
    if (replica) SendPingNow(replica);
  }
  if (!IsReplica(me)) return;
  HandleManualFailover();
  HandleReplicaFailover(now);
  // Orphaned masters: serving slots, without a working replica, having had
  // one (kMigrateTo, or a replica in the table).
  int orphaned = 0, max_replicas = 0, mine = 0;
  for (auto& [name, n] : st.nodes) {
    Node* node = n.get();
    if (!IsMaster(node) || Failed(node)) continue;
    const int ok = NonFailingReplicas(node);
    if (!ReplicasOfNode(node).empty()) node->flags |= bus::kMigrateTo;
    if (ok == 0 && node->NumSlots() > 0 && (node->flags & bus::kMigrateTo)) orphaned++;
    max_replicas = std::max(max_replicas, ok);
    if (me->master == node) mine = ok;
  }
  if (orphaned && max_replicas >= 2 && mine == max_replicas && cfg.allow_replica_migration)
    HandleReplicaMigration(max_replicas, now);
}

void FailoverBeforeSleep() {
  Election& e = E();
  if (!IsReplica(S().myself)) {
    e.todo_failover = e.todo_manual = false;
    return;
  }
  if (e.todo_manual) HandleManualFailover();
  if (e.todo_failover) HandleReplicaFailover(common::MsTime());
}

// CLUSTER FAILOVER [FORCE|TAKEOVER].
void FailoverCommand(Client& c) {
  State& st = S();
  Election& e = E();
  Node* me = st.myself;
  bool force = false, takeover = false;
  if (c.argv.size() > 3) {
    c.AddError("ERR unknown subcommand or wrong number of arguments for '" + std::string(c.argv[1]) +
               "'. Try CLUSTER HELP.");
    return;
  }
  if (c.argv.size() == 3) {
    if (commands::ArgIs(c.argv[2], "force")) {
      force = true;
    } else if (commands::ArgIs(c.argv[2], "takeover")) {
      takeover = force = true;
    } else {
      c.AddError("ERR syntax error");
      return;
    }
  }
  if (IsMaster(me)) {
    c.AddError("ERR You should send CLUSTER FAILOVER to a replica");
    return;
  }
  if (me->master == nullptr) {
    c.AddError("ERR I'm a replica but my master is unknown to me");
    return;
  }
  if (!force && (Failed(me->master) || me->master->link == nullptr)) {
    c.AddError("ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
    return;
  }
  ResetManualFailover();
  e.mf_end = common::MsTime() + kMfTimeout;
  if (takeover) {
    LOG_WARNING("Taking over the master (user request).");
    BumpEpochWithoutConsensus();
    ReplaceMyMaster();
  } else if (force) {
    LOG_WARNING("Forced failover user request accepted.");
    e.mf_can_start = true;
    e.todo_failover = true;
  } else {
    LOG_WARNING("Manual failover user request accepted.");
    SendToNode(me->master, BuildMessageHeader(bus::kMsgMfStart));
  }
  c.reply.Ok();
}

}  // namespace cluster
