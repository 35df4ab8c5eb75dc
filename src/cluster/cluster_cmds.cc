// CLUSTER, ASKING, READONLY, READWRITE, and the dispatcher's redirection
// (Redis's getNodeByQuery): -CROSSSLOT, -CLUSTERDOWN, -ASK, -MOVED.
#include <arpa/inet.h>

#include <algorithm>

#include "cluster/internal.h"
#include "commands/client.h"
#include "commands/keys.h"
#include "commands/state.h"
#include "commands/transactions.h"
#include "common/clock.h"
#include "common/util.h"
#include "db/db.h"

namespace cluster {

// A slot number argument; replies "Invalid or out of range slot" on error.
bool GetSlotOrReply(commands::Client& c, std::string_view arg, int* slot) {
  int64_t v = 0;
  if (!common::StringToInt64(arg, &v) || v < 0 || v >= kSlots) {
    c.AddError("ERR Invalid or out of range slot");
    return false;
  }
  *slot = static_cast<int>(v);
  return true;
}

namespace {

using commands::Client;

const commands::CommandSpec* g_restore_asking = nullptr;

constexpr const char* kDisabled = "ERR This instance has cluster support disabled";

bool Enabled(Client& c) {
  if (GetSettings().enabled) return true;
  c.AddError(kDisabled);
  return false;
}

// Redis's getPreferredEndpoint: the ip, the hostname ("?" when the node
// has none) or nothing, as cluster-preferred-endpoint-type says.
std::string PreferredEndpoint(const Node& n) {
  switch (GetSettings().preferred_endpoint) {
    case Settings::Endpoint::kHostname: return n.hostname.empty() ? "?" : n.hostname;
    case Settings::Endpoint::kUnknown: return "";
    default: return n.ip;
  }
}

// A redirection's address.
std::string Endpoint(const Node& n, const Client& c) {
  return PreferredEndpoint(n) + ":" + std::to_string(ClientPort(n, c));
}

std::string InfoText() {
  State& st = S();
  int assigned = 0, ok = 0, pfail = 0, fail = 0;
  for (int s = 0; s < kSlots; s++) {
    Node* n = st.slot_owner[s];
    if (!n) continue;
    assigned++;
    if (n->flags & bus::kFail) {
      fail++;
    } else if (n->flags & bus::kPfail) {
      pfail++;
    } else {
      ok++;
    }
  }
  const uint64_t my_epoch = SlotsSource()->config_epoch;
  std::string o;
  auto field = [&o](const char* k, const std::string& v) { o += std::string(k) + ":" + v + "\r\n"; };
  field("cluster_state", st.ok ? "ok" : "fail");
  field("cluster_slots_assigned", std::to_string(assigned));
  field("cluster_slots_ok", std::to_string(ok));
  field("cluster_slots_pfail", std::to_string(pfail));
  field("cluster_slots_fail", std::to_string(fail));
  field("cluster_known_nodes", std::to_string(st.nodes.size()));
  field("cluster_size", std::to_string(st.size));
  field("cluster_current_epoch", std::to_string(st.current_epoch));
  field("cluster_my_epoch", std::to_string(my_epoch));
  static const char* kTypes[] = {"ping", "pong", "meet", "fail", "publish", "auth-req", "auth-ack",
                                 "update", "mfstart", "module", "publishshard"};
  uint64_t sent = 0, received = 0;
  for (int i = 0; i < 11; i++) {
    if (st.stats_sent[i] == 0) continue;
    field((std::string("cluster_stats_messages_") + kTypes[i] + "_sent").c_str(), std::to_string(st.stats_sent[i]));
    sent += st.stats_sent[i];
  }
  field("cluster_stats_messages_sent", std::to_string(sent));
  for (int i = 0; i < 11; i++) {
    if (st.stats_received[i] == 0) continue;
    field((std::string("cluster_stats_messages_") + kTypes[i] + "_received").c_str(),
          std::to_string(st.stats_received[i]));
    received += st.stats_received[i];
  }
  field("cluster_stats_messages_received", std::to_string(received));
  field("total_cluster_links_buffer_limit_exceeded", std::to_string(st.links_limit_exceeded));
  return o;
}

// One node of CLUSTER SLOTS: the preferred endpoint (null for
// unknown-endpoint), port, id, and 7.0's metadata: the ip and hostname
// that are not the preferred endpoint.
void SlotsNodeReply(Client& c, const Node& n) {
  const Settings::Endpoint pref = GetSettings().preferred_endpoint;
  c.reply.ArrayHeader(4);
  if (pref == Settings::Endpoint::kUnknown) {
    c.reply.Null();
  } else {
    c.reply.Bulk(PreferredEndpoint(n));
  }
  c.reply.Integer(ClientPort(n, c));
  c.reply.Bulk(n.name);
  const bool ip = pref != Settings::Endpoint::kIp;
  const bool host = pref != Settings::Endpoint::kHostname && !n.hostname.empty();
  c.reply.MapHeader((ip ? 1 : 0) + (host ? 1 : 0));
  if (ip) {
    c.reply.Bulk("ip");
    c.reply.Bulk(n.ip);
  }
  if (host) {
    c.reply.Bulk("hostname");
    c.reply.Bulk(n.hostname);
  }
}

std::vector<const Node*> ReplicasOf(const Node* m) {
  std::vector<const Node*> out;
  for (auto& [name, n] : S().nodes)
    if (n->master == m && (n->flags & bus::kSlave)) out.push_back(n.get());
  return out;
}

void SlotsReply(Client& c) {
  State& st = S();
  size_t handle = c.reply.DeferLen();
  size_t ranges = 0;
  for (int s = 0; s < kSlots; s++) {
    Node* n = st.slot_owner[s];
    if (!n) continue;
    int e = s;
    while (e + 1 < kSlots && st.slot_owner[e + 1] == n) e++;
    std::vector<const Node*> reps;
    for (const Node* r : ReplicasOf(n))
      if (!(r->flags & bus::kFail)) reps.push_back(r);
    c.reply.ArrayHeader(3 + reps.size());
    c.reply.Integer(s);
    c.reply.Integer(e);
    SlotsNodeReply(c, *n);
    for (const Node* r : reps) SlotsNodeReply(c, *r);
    ranges++;
    s = e;
  }
  c.reply.SetDeferredArrayLen(handle, ranges);
}

void ShardNodeReply(Client& c, const Node& n) {
  const bool has_host = !n.hostname.empty();
  // Under tls-cluster: "port" the plaintext one (when the node has one),
  // and "tls-port".
  const bool tls = GetSettings().tls;
  const bool has_plain = !tls || n.pport != 0;
  c.reply.MapHeader((has_host ? 8 : 7) + (tls && has_plain ? 1 : 0));
  c.reply.Bulk("id");
  c.reply.Bulk(n.name);
  if (has_plain) {
    c.reply.Bulk("port");
    c.reply.Integer(tls ? n.pport : n.port);
  }
  if (tls) {
    c.reply.Bulk("tls-port");
    c.reply.Integer(n.port);
  }
  c.reply.Bulk("ip");
  c.reply.Bulk(n.ip);
  c.reply.Bulk("endpoint");
  c.reply.Bulk(PreferredEndpoint(n));
  if (has_host) {
    c.reply.Bulk("hostname");
    c.reply.Bulk(n.hostname);
  }
  c.reply.Bulk("role");
  c.reply.Bulk((n.flags & bus::kSlave) ? "replica" : "master");
  // Our own offset, or the one a node's last message carried; a replica
  // with none yet is still loading (Redis 7.0's clusterGenNodeDescription).
  const int64_t offset = &n == S().myself ? MyReplOffset() : n.repl_offset;
  c.reply.Bulk("replication-offset");
  c.reply.Integer(offset);
  c.reply.Bulk("health");
  c.reply.Bulk((n.flags & bus::kFail) ? "fail" : (n.flags & bus::kSlave) && offset == 0 ? "loading" : "online");
}

void ShardsReply(Client& c) {
  State& st = S();
  std::vector<const Node*> masters;
  for (auto& [name, n] : st.nodes)
    if ((n->flags & bus::kMaster) && !(n->flags & bus::kHandshake)) masters.push_back(n.get());
  c.reply.ArrayHeader(masters.size());
  for (const Node* m : masters) {
    c.reply.MapHeader(2);
    c.reply.Bulk("slots");
    std::vector<std::pair<int, int>> ranges;
    for (int s = 0; s < kSlots; s++) {
      if (st.slot_owner[s] != m) continue;
      int e = s;
      while (e + 1 < kSlots && st.slot_owner[e + 1] == m) e++;
      ranges.emplace_back(s, e);
      s = e;
    }
    c.reply.ArrayHeader(ranges.size() * 2);
    for (auto& [a, b] : ranges) {
      c.reply.Integer(a);
      c.reply.Integer(b);
    }
    c.reply.Bulk("nodes");
    std::vector<const Node*> reps = ReplicasOf(m);
    c.reply.ArrayHeader(1 + reps.size());
    ShardNodeReply(c, *m);
    for (const Node* r : reps) ShardNodeReply(c, *r);
  }
}

// ADDSLOTS/DELSLOTS and their RANGE forms: every slot is checked before
// any changes, as Redis.
void ChangeSlots(Client& c, bool add, bool ranges) {
  State& st = S();
  std::vector<char> seen(kSlots, 0);
  std::vector<int> slots;
  if (ranges && c.argv.size() % 2 == 1) {
    c.AddError("ERR wrong number of arguments for '" + std::string(c.cmd->full_name) + "' command");
    return;
  }
  for (size_t i = 2; i < c.argv.size(); i += ranges ? 2 : 1) {
    int a = 0, b = 0;
    if (!GetSlotOrReply(c, c.argv[i], &a)) return;
    b = a;
    if (ranges) {
      if (!GetSlotOrReply(c, c.argv[i + 1], &b)) return;
      if (a > b) {
        c.AddError("ERR start slot number " + std::to_string(a) + " is greater than end slot number " +
                   std::to_string(b));
        return;
      }
    }
    for (int s = a; s <= b; s++) {
      if (add && st.slot_owner[s]) {
        c.AddError("ERR Slot " + std::to_string(s) + " is already busy");
        return;
      }
      if (!add && !st.slot_owner[s]) {
        c.AddError("ERR Slot " + std::to_string(s) + " is already unassigned");
        return;
      }
      if (seen[static_cast<size_t>(s)]++) {
        c.AddError("ERR Slot " + std::to_string(s) + " specified multiple times");
        return;
      }
      slots.push_back(s);
    }
  }
  for (int s : slots) {
    if (add) st.importing_from[s].clear();
    AssignSlot(s, add ? st.myself : nullptr);
  }
  MarkConfigChanged();
  UpdateState();
  c.reply.Ok();
}

void Meet(Client& c) {
  int64_t port = 0, cport = 0;
  const std::string ip(c.argv[2]);
  if (!common::StringToInt64(c.argv[3], &port) || port < 0 || port > 65535) {
    c.AddError("ERR Invalid TCP base port specified: " + std::string(c.argv[3]));
    return;
  }
  if (c.argv.size() > 5) {
    c.AddError("ERR wrong number of arguments for 'cluster|meet' command");
    return;
  }
  cport = port + 10000;
  if (c.argv.size() == 5 && (!common::StringToInt64(c.argv[4], &cport) || cport < 0 || cport > 65535)) {
    c.AddError("ERR Invalid TCP bus port specified: " + std::string(c.argv[4]));
    return;
  }
  unsigned char buf[16];
  const bool v4 = inet_pton(AF_INET, ip.c_str(), buf) == 1;
  if ((!v4 && inet_pton(AF_INET6, ip.c_str(), buf) != 1) || port == 0 || cport == 0) {
    c.AddError("ERR Invalid node address specified: " + ip + ":" + std::string(c.argv[3]));
    return;
  }
  char norm[64];
  inet_ntop(v4 ? AF_INET : AF_INET6, buf, norm, sizeof(norm));
  AddHandshakeNode(norm, static_cast<int>(port), static_cast<int>(cport));
  c.reply.Ok();
}

void Reset(Client& c) {
  State& st = S();
  bool hard = false;
  if (c.argv.size() == 3) {
    if (commands::ArgIs(c.argv[2], "hard")) {
      hard = true;
    } else if (!commands::ArgIs(c.argv[2], "soft")) {
      c.AddError("ERR syntax error");
      return;
    }
  } else if (c.argv.size() > 3) {
    c.AddError("ERR syntax error");
    return;
  }
  db::Db* d = commands::GetDb(0);
  if ((st.myself->flags & bus::kMaster) && d && d->size() != 0) {
    c.AddError("ERR CLUSTER RESET can't be called with master nodes containing keys");
    return;
  }
  // A replica stops replicating and drops its data (Redis's clusterReset:
  // replicationUnsetMaster, emptyData).
  if (st.myself->flags & bus::kSlave) {
    if (GetHooks().promote) GetHooks().promote();
    commands::SignalFlushedDb(-1);
    for (int i = 0; commands::GetDb(i) != nullptr; i++) commands::GetDb(i)->Flush(false);
  }
  std::vector<Node*> others;
  for (auto& [name, n] : st.nodes)
    if (n.get() != st.myself) others.push_back(n.get());
  for (Node* n : others) DeleteNode(n);
  for (int s = 0; s < kSlots; s++) {
    AssignSlot(s, nullptr);
    st.migrating_to[s].clear();
    st.importing_from[s].clear();
  }
  Node* me = st.myself;
  me->flags = static_cast<uint16_t>((me->flags & ~bus::kSlave) | bus::kMaster);
  me->master = nullptr;
  if (hard) {
    st.current_epoch = st.last_vote_epoch = 0;
    me->config_epoch = 0;
    std::string name = common::RandomHex(kNameLen);
    auto it = st.nodes.find(me->name);
    std::unique_ptr<Node> own = std::move(it->second);
    st.nodes.erase(it);
    own->name = name;
    st.nodes[name] = std::move(own);
  }
  MarkConfigChanged();
  UpdateState();
  c.reply.Ok();
}

// CLUSTER REPLICATE: this node becomes a replica of a master, through
// src/repl (the server's set_master hook).
void Replicate(Client& c) {
  State& st = S();
  Node* n = FindNode(std::string(c.argv[2]));
  Node* me = st.myself;
  if (!n) {
    c.AddError("ERR Unknown node " + std::string(c.argv[2]));
    return;
  }
  if (n == me) {
    c.AddError("ERR Can't replicate myself");
    return;
  }
  if (n->flags & bus::kSlave) {
    c.AddError("ERR I can only replicate a master, not a replica.");
    return;
  }
  db::Db* d = commands::GetDb(0);
  if ((me->flags & bus::kMaster) && (me->NumSlots() != 0 || (d && d->size() != 0))) {
    c.AddError("ERR To set a master the node must be empty and without assigned slots.");
    return;
  }
  me->flags = static_cast<uint16_t>((me->flags & ~bus::kMaster) | bus::kSlave);
  me->master = n;
  if (GetHooks().set_master) GetHooks().set_master(n->ip, ReplicationPort(*n));
  MarkConfigChanged();
  UpdateState();
  c.reply.Ok();
}

void ClusterCommand(Client& c) {
  if (!Enabled(c)) return;
  State& st = S();
  std::string_view sub = c.argv[1];
  auto is = [&sub](const char* name) { return commands::ArgIs(sub, name); };
  if (is("myid")) {
    c.reply.Bulk(st.myself->name);
  } else if (is("keyslot")) {
    c.reply.Integer(KeySlot(c.argv[2]));
  } else if (is("info")) {
    c.reply.Verbatim(InfoText(), "txt");
  } else if (is("nodes")) {
    std::string o;
    for (auto& [name, n] : st.nodes) o += NodeDescription(*n, &c) + "\n";
    c.reply.Verbatim(o, "txt");
  } else if (is("slots")) {
    SlotsReply(c);
  } else if (is("shards")) {
    ShardsReply(c);
  } else if (is("links")) {
    LinksReply(c);
  } else if (is("addslots") || is("delslots")) {
    ChangeSlots(c, is("addslots"), false);
  } else if (is("addslotsrange") || is("delslotsrange")) {
    ChangeSlots(c, is("addslotsrange"), true);
  } else if (is("flushslots")) {
    db::Db* d = commands::GetDb(0);
    if (d && d->size() != 0) {
      c.AddError("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
      return;
    }
    for (int s = 0; s < kSlots; s++)
      if (st.slot_owner[s] == st.myself) AssignSlot(s, nullptr);
    MarkConfigChanged();
    UpdateState();
    c.reply.Ok();
  } else if (is("countkeysinslot")) {
    int64_t slot = 0;
    if (!commands::GetInt64OrReply(c, c.argv[2], &slot)) return;
    if (slot < 0 || slot >= kSlots) {
      c.AddError("ERR Invalid slot");
      return;
    }
    db::Db* d = commands::GetDb(0);
    c.reply.Integer(d ? static_cast<int64_t>(d->CountKeysInSlot(static_cast<int>(slot))) : 0);
  } else if (is("getkeysinslot")) {
    int64_t slot = 0, count = 0;
    if (!commands::GetInt64OrReply(c, c.argv[2], &slot) || !commands::GetInt64OrReply(c, c.argv[3], &count)) return;
    if (slot < 0 || slot >= kSlots || count < 0) {
      c.AddError("ERR Invalid slot or number of keys");
      return;
    }
    db::Db* d = commands::GetDb(0);
    std::vector<std::string_view> keys;
    if (d) keys = d->GetKeysInSlot(static_cast<int>(slot), static_cast<size_t>(count));
    c.reply.ArrayHeader(keys.size());
    for (std::string_view k : keys) c.reply.Bulk(k);
  } else if (is("saveconfig")) {
    common::Status s = SaveConfig();
    if (!s.ok()) {
      c.AddError("ERR error saving the cluster node config: " + s.message());
      return;
    }
    c.reply.Ok();
  } else if (is("set-config-epoch")) {
    int64_t epoch = 0;
    if (!common::StringToInt64(c.argv[2], &epoch)) {
      c.AddError("ERR value is not an integer or out of range");
    } else if (epoch < 0) {
      c.AddError("ERR Invalid config epoch specified: " + std::string(c.argv[2]));
    } else if (st.nodes.size() > 1) {
      c.AddError("ERR The user can assign a config epoch only when the node does not know any other node.");
    } else if (st.myself->config_epoch != 0) {
      c.AddError("ERR Node config epoch is already non-zero");
    } else {
      st.myself->config_epoch = static_cast<uint64_t>(epoch);
      if (st.current_epoch < st.myself->config_epoch) st.current_epoch = st.myself->config_epoch;
      MarkConfigChanged();
      c.reply.Ok();
    }
  } else if (is("bumpepoch")) {
    uint64_t max_epoch = 0;
    for (auto& [name, n] : st.nodes) max_epoch = std::max(max_epoch, n->config_epoch);
    const bool bumped = st.myself->config_epoch == 0 || st.myself->config_epoch != max_epoch;
    if (bumped) {
      st.current_epoch++;
      st.myself->config_epoch = st.current_epoch;
      MarkConfigChanged();
    }
    c.reply.SimpleString(std::string(bumped ? "BUMPED " : "STILL ") + std::to_string(st.myself->config_epoch));
  } else if (is("reset")) {
    Reset(c);
  } else if (is("meet")) {
    Meet(c);
  } else if (is("forget")) {
    Node* n = FindNode(std::string(c.argv[2]));
    if (!n) {
      c.AddError("ERR Unknown node " + std::string(c.argv[2]));
    } else if (n == st.myself) {
      c.AddError("ERR I tried hard but I can't forget myself...");
    } else if ((st.myself->flags & bus::kSlave) && st.myself->master == n) {
      c.AddError("ERR Can't forget my master!");
    } else {
      // Redis's blacklist: gossip may not re-add it for a minute.
      st.blacklist[n->name] = common::MsTime() + 60000;
      DeleteNode(n);
      UpdateState();
      c.reply.Ok();
    }
  } else if (is("replicate")) {
    Replicate(c);
  } else if (is("failover")) {
    FailoverCommand(c);
  } else if (is("replicas") || is("slaves")) {
    Node* n = FindNode(std::string(c.argv[2]));
    if (!n) {
      c.AddError("ERR Unknown node " + std::string(c.argv[2]));
      return;
    }
    if (n->flags & bus::kSlave) {
      c.AddError("ERR The specified node is not a master");
      return;
    }
    std::vector<const Node*> reps = ReplicasOf(n);
    c.reply.ArrayHeader(reps.size());
    for (const Node* r : reps) c.reply.Bulk(NodeDescription(*r, &c));
  } else if (is("count-failure-reports")) {
    Node* n = FindNode(std::string(c.argv[2]));
    if (!n) {
      c.AddError("ERR Unknown node " + std::string(c.argv[2]));
      return;
    }
    c.reply.Integer(static_cast<int64_t>(n->fail_reports.size()));
  } else {
    c.AddError("ERR unknown subcommand or wrong number of arguments for '" + std::string(sub.substr(0, 128)) +
               "'. Try CLUSTER HELP.");
  }
}

void ClusterHelpCommand(Client& c) {
  static const char* kLines[] = {
      "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ADDSLOTS <slot> [<slot> ...]",
      "    Assign slots to current node.",
      "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
      "    Assign slots which are between <start-slot> and <end-slot> to current node.",
      "BUMPEPOCH",
      "    Advance the cluster config epoch.",
      "COUNT-FAILURE-REPORTS <node-id>",
      "    Return number of failure reports for <node-id>.",
      "COUNTKEYSINSLOT <slot>",
      "    Return the number of keys in <slot>.",
      "DELSLOTS <slot> [<slot> ...]",
      "    Delete slots information from current node.",
      "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
      "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
      "FAILOVER [FORCE|TAKEOVER]",
      "    Promote current replica node to being a master.",
      "FLUSHSLOTS",
      "    Delete current node own slots information.",
      "FORGET <node-id>",
      "    Remove a node from the cluster.",
      "GETKEYSINSLOT <slot> <count>",
      "    Return key names stored by current node in a slot.",
      "INFO",
      "    Return information about the cluster.",
      "KEYSLOT <key>",
      "    Return the hash slot for <key>.",
      "MEET <ip> <port> [<bus-port>]",
      "    Connect nodes into a working cluster.",
      "MYID",
      "    Return the node id.",
      "NODES",
      "    Return cluster configuration seen by node. Output format:",
      "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
      "REPLICATE <node-id>",
      "    Configure current node as replica to <node-id>.",
      "REPLICAS <node-id>",
      "    Return <node-id> replicas.",
      "RESET [HARD|SOFT]",
      "    Reset current node (default: soft).",
      "SAVECONFIG",
      "    Force saving cluster configuration on disk.",
      "SET-CONFIG-EPOCH <epoch>",
      "    Set config epoch of current node.",
      "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
      "    Set slot state.",
      "SHARDS",
      "    Return information about slot range mappings and the nodes associated with them.",
      "SLOTS",
      "    Return information about slots range mappings. Each range is made of:",
      "    start, end, master and replicas IP addresses, ports and ids",
      "HELP",
      "    Print this help.",
  };
  c.reply.ArrayHeader(std::size(kLines));
  for (const char* l : kLines) c.reply.SimpleString(l);
}

// RESTORE's handler, found once the registry is complete.
void RestoreAskingCommand(Client& c) {
  static const commands::CommandSpec* restore = commands::Registry::Get().Find("restore");
  restore->handler(c);
}

void AskingCommand(Client& c) {
  if (!Enabled(c)) return;
  c.flags |= commands::kClientAsking;
  c.reply.Ok();
}

void ReadonlyCommand(Client& c) {
  if (!Enabled(c)) return;
  c.flags |= commands::kClientReadonly;
  c.reply.Ok();
}

void ReadwriteCommand(Client& c) {
  if (!Enabled(c)) return;
  c.flags &= ~commands::kClientReadonly;
  c.reply.Ok();
}

// Redis's getNodeByQuery for the dispatcher. True (with *err, no '-')
// when the command must not run here.
bool Redirect(Client& c, const commands::CommandSpec& cmd, std::string* err) {
  using commands::CommandSpec;
  State& st = S();
  const bool asking = (c.flags & commands::kClientAsking) || &cmd == g_restore_asking;
  const bool is_exec = cmd.handler == commands::ExecCommand;
  // Redis clears ASKING after the command that follows it, unless the client
  // is then in a transaction (MULTI, queued commands): EXEC still has it.
  static const commands::CommandSpec* multi = commands::Registry::Get().Find("multi");
  if (cmd.handler != AskingCommand && &cmd != multi && (!c.InMulti() || is_exec))
    c.flags &= ~commands::kClientAsking;
  if (c.flags & (commands::kClientMaster | commands::kClientMustObey | commands::kClientScript)) return false;
  static std::vector<commands::KeyRef> refs;
  int slot = -1;
  bool write = false, multiple_keys = false;
  std::string_view first_key;
  // Keys of a migrating or importing slot that are here and not here
  // (Redis counts each occurrence).
  size_t missing = 0, existing = 0;
  bool migrating = false, importing = false;
  Node* owner = nullptr;
  db::Db* d = commands::GetDb(0);
  // SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH: shard channels hash like keys, and
  // are not looked up in the keyspace.
  const bool pubsubshard = (cmd.flags & commands::kPubsub) && !cmd.key_specs.empty();
  auto check = [&](const CommandSpec& cs, const std::vector<std::string_view>& argv) -> bool {
    const uint32_t fl = cs.flags | (cs.parent ? cs.parent->flags : 0);
    if (fl & commands::kWrite) write = true;  // EXEC: any queued write (Redis's mstate.cmd_flags)
    // Shard channels (not_key specs) hash to slots too (Redis's
    // GET_KEYSPEC_INCLUDE_NOT_KEYS).
    if (!commands::CommandHasKeys(cs, /*include_not_keys=*/true)) return true;
    // As Redis 7.0's getKeysFromCommandWithSpecs: an incomplete spec
    // defers to the command's getkeys procedure (MIGRATE ... KEYS).
    bool incomplete = false;
    for (const commands::KeySpec& ks : cs.key_specs) incomplete |= (ks.flags & commands::kKeyIncomplete) != 0;
    if (incomplete && cs.getkeys != nullptr) {
      refs.clear();
      cs.getkeys(argv, &refs);
    } else {
      commands::GetKeysFromCommand(cs, argv, &refs, /*include_not_keys=*/true);
    }
    for (const commands::KeyRef& k : refs) {
      std::string_view key = argv[static_cast<size_t>(k.pos)];
      const int s = KeySlot(key);
      if (slot < 0) {
        slot = s;
        first_key = key;
        owner = st.slot_owner[slot];
        if (owner == nullptr) {
          *err = "CLUSTERDOWN Hash slot not served";
          return false;
        }
        if (owner == st.myself && !st.migrating_to[slot].empty()) {
          migrating = true;
        } else if (!st.importing_from[slot].empty()) {
          importing = true;
        }
      } else if (key != first_key) {
        if (s != slot) {
          *err = "CROSSSLOT Keys in request don't hash to the same slot";
          return false;
        }
        multiple_keys = true;
      }
      if ((migrating || importing) && !pubsubshard)
        (d != nullptr && d->LookupNoTouch(key) != nullptr ? existing : missing)++;
    }
    return true;
  };
  if (is_exec) {
    for (const commands::QueuedCommand& q : c.mstate) {
      std::vector<std::string_view> argv(q.argv.begin(), q.argv.end());
      if (!check(*q.cmd, argv)) return true;
    }
  } else if (!check(cmd, c.argv)) {
    return true;
  }
  if (owner == nullptr) return false;  // no keys: served here
  if (!st.ok) {
    if (pubsubshard) {
      if (!GetSettings().allow_pubsubshard_when_down) {
        *err = "CLUSTERDOWN The cluster is down";
        return true;
      }
    } else if (!GetSettings().allow_reads_when_down) {
      *err = "CLUSTERDOWN The cluster is down";
      return true;
    }
    if (write) {
      *err = "CLUSTERDOWN The cluster is down and only accepts read commands";
      return true;
    }
  }
  // MIGRATE of an open slot runs here, whatever keys are missing.
  if ((migrating || importing) && cmd.handler == MigrateCommand) return false;
  // Migrating, and keys are not here: the target has them all, or, when
  // some are still here, none has them all yet (the client retries later).
  // A shard channel stays served here until the slot has moved.
  if (migrating && missing > 0 && !pubsubshard) {
    if (existing > 0) {
      *err = "TRYAGAIN Multiple keys request during rehashing of slot";
      return true;
    }
    if (Node* target = FindNode(st.migrating_to[slot])) {
      *err = "ASK " + std::to_string(slot) + " " + Endpoint(*target, c);
      return true;
    }
  }
  // Importing, after ASKING: served, unless several keys are asked for and
  // some have not arrived yet (the client retries later).
  if (importing && asking) {
    if (multiple_keys && missing > 0) {
      *err = "TRYAGAIN Multiple keys request during rehashing of slot";
      return true;
    }
    return false;
  }
  if (owner != st.myself) {
    // READONLY: a replica serves reads of its master's slots; shard
    // channels are served by every node of the shard.
    if (((c.flags & commands::kClientReadonly) || pubsubshard) && !write && (st.myself->flags & bus::kSlave) &&
        st.myself->master == owner)
      return false;
    *err = "MOVED " + std::to_string(slot) + " " + Endpoint(*owner, c);
    return true;
  }
  return false;
}

}  // namespace

void RegisterCommands(commands::Registry& reg) {
  using namespace commands;
  const uint32_t adm = kAdmin | kStale | kNoScript;
  const uint32_t cat_adm = kCatAdmin | kCatSlow | kCatDangerous;
  CommandSpec cluster{"cluster", -2, 0, 0, 0, 0, nullptr, "cluster", "A container for cluster commands", "3.0.0",
                      kCatSlow};
  cluster.subcommands = {
      {"addslots", -3, adm, 0, 0, 0, ClusterCommand, "cluster", "Assign new hash slots to receiving node", "3.0.0",
       cat_adm},
      {"addslotsrange", -4, adm, 0, 0, 0, ClusterCommand, "cluster",
       "Assign new hash slots to receiving node", "7.0.0", cat_adm},
      {"bumpepoch", 2, adm, 0, 0, 0, ClusterCommand, "cluster", "Advance the cluster config epoch", "3.0.0",
       cat_adm},
      {"count-failure-reports", 3, adm, 0, 0, 0, ClusterCommand, "cluster",
       "Return the number of failure reports active for a given node", "3.0.0", cat_adm},
      {"countkeysinslot", 3, kStale, 0, 0, 0, ClusterCommand, "cluster",
       "Return the number of local keys in the specified hash slot", "3.0.0", kCatSlow},
      {"delslots", -3, adm, 0, 0, 0, ClusterCommand, "cluster", "Set hash slots as unbound in receiving node",
       "3.0.0", cat_adm},
      {"delslotsrange", -4, adm, 0, 0, 0, ClusterCommand, "cluster",
       "Set hash slots as unbound in receiving node", "7.0.0", cat_adm},
      {"failover", -2, adm, 0, 0, 0, ClusterCommand, "cluster",
       "Forces a replica to perform a manual failover of its master.", "3.0.0", cat_adm},
      {"flushslots", 2, adm, 0, 0, 0, ClusterCommand, "cluster", "Delete a node's own slots information", "3.0.0",
       cat_adm},
      {"forget", 3, adm, 0, 0, 0, ClusterCommand, "cluster", "Remove a node from the nodes table", "3.0.0",
       cat_adm},
      {"getkeysinslot", 4, kStale, 0, 0, 0, ClusterCommand, "cluster", "Return local key names in the specified hash slot",
       "3.0.0", kCatSlow},
      {"help", 2, kLoading | kStale, 0, 0, 0, ClusterHelpCommand, "cluster",
       "Show helpful text about the different subcommands", "5.0.0", kCatSlow},
      {"info", 2, kStale, 0, 0, 0, ClusterCommand, "cluster", "Provides info about Redis Cluster node state",
       "3.0.0", kCatSlow},
      {"keyslot", 3, kStale, 0, 0, 0, ClusterCommand, "cluster", "Returns the hash slot of the specified key",
       "3.0.0", kCatSlow},
      {"links", 2, kStale, 0, 0, 0, ClusterCommand, "cluster", "Returns a list of all TCP links to and from peer nodes in cluster", "7.0.0", kCatSlow},
      {"meet", -4, adm, 0, 0, 0, ClusterCommand, "cluster", "Force a node cluster to handshake with another node",
       "3.0.0", cat_adm},
      {"myid", 2, kStale, 0, 0, 0, ClusterCommand, "cluster", "Return the node id", "3.0.0", kCatSlow},
      {"nodes", 2, kStale, 0, 0, 0, ClusterCommand, "cluster", "Get Cluster config for the node", "3.0.0",
       kCatSlow},
      {"replicas", 3, adm, 0, 0, 0, ClusterCommand, "cluster", "List replica nodes of the specified master node",
       "5.0.0", cat_adm},
      {"replicate", 3, adm, 0, 0, 0, ClusterCommand, "cluster",
       "Reconfigure a node as a replica of the specified master node", "3.0.0", cat_adm},
      {"reset", -2, adm, 0, 0, 0, ClusterCommand, "cluster", "Reset a Redis Cluster node", "3.0.0", cat_adm},
      {"saveconfig", 2, adm, 0, 0, 0, ClusterCommand, "cluster", "Forces the node to save cluster state on disk",
       "3.0.0", cat_adm},
      {"set-config-epoch", 3, adm, 0, 0, 0, ClusterCommand, "cluster", "Set the configuration epoch in a new node",
       "3.0.0", cat_adm},
      {"setslot", -4, adm, 0, 0, 0, SetSlotCommand, "cluster", "Bind a hash slot to a specific node", "3.0.0",
       cat_adm},
      {"shards", 2, kStale, 0, 0, 0, ClusterCommand, "cluster",
       "Get array of cluster slots to node mappings", "7.0.0", kCatSlow},
      {"slaves", 3, adm, 0, 0, 0, ClusterCommand, "cluster", "List replica nodes of the specified master node",
       "3.0.0", cat_adm},
      {"slots", 2, kStale, 0, 0, 0, ClusterCommand, "cluster", "Get array of Cluster slot to node mappings",
       "3.0.0", kCatSlow},
  };
  reg.Add(std::move(cluster));
  CommandSpec& migrate = reg.Add({"migrate", -6, kWrite | kMovableKeys, 3, 3, 1, MigrateCommand, "generic",
                                  "Atomically transfer a key from a Redis instance to another one.", "2.6.0",
                                  kCatKeyspace | kCatWrite | kCatSlow | kCatDangerous});
  // The key, or the keys after KEYS (then the key is ""): the getkeys
  // procedure knows which (Redirect prefers it over incomplete specs).
  KeySpec after_keys;  // Redis 7.0's second spec: the keys after the last KEYS
  after_keys.flags = kKeyRW | kKeyAccess | kKeyDelete | kKeyIncomplete;
  after_keys.begin = KeySpec::Begin::kKeyword;
  after_keys.keyword = "KEYS";
  after_keys.startfrom = -2;
  after_keys.find = KeySpec::Find::kRange;
  after_keys.lastkey = -1;
  migrate.key_specs = {RangeKeys(kKeyRW | kKeyAccess | kKeyDelete, 3), after_keys};
  migrate.getkeys = MigrateGetKeys;
  // RESTORE-ASKING: RESTORE, served for an importing slot (as after ASKING).
  CommandSpec& ra = reg.Add({"restore-asking", -4, kWrite | kDenyOom, 1, 1, 1, RestoreAskingCommand, "server",
                             "An internal command for migrating keys in a cluster", "3.0.0",
                             kCatKeyspace | kCatWrite | kCatSlow | kCatDangerous});
  ra.key_specs = {RangeKeys(kKeyOW | kKeyUpdate, 1)};
  g_restore_asking = &ra;
  reg.Add({"asking", 1, kFast, 0, 0, 0, AskingCommand, "cluster",
           "Sent by cluster clients after an -ASK redirect", "3.0.0", kCatFast | kCatConnection});
  reg.Add({"readonly", 1, kFast | kLoading | kStale, 0, 0, 0, ReadonlyCommand, "cluster",
           "Enables read queries for a connection to a cluster replica node", "3.0.0",
           kCatFast | kCatConnection});
  reg.Add({"readwrite", 1, kFast | kLoading | kStale, 0, 0, 0, ReadwriteCommand, "cluster",
           "Disables read queries for a connection to a cluster replica node", "3.0.0",
           kCatFast | kCatConnection});
}

void InstallRedirect() {
  commands::GetState().cluster_redirect = Redirect;
  commands::GetState().cluster_enabled = true;
}

}  // namespace cluster
