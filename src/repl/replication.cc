// Replication: see replication.h; the internals are in repl/internal.h.
#include "repl/replication.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "commands/blocking.h"
#include "commands/errors.h"
#include "commands/pause.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "net/socket.h"
#include "persist/aof.h"
#include "repl/backlog.h"
#include "repl/internal.h"

namespace repl {
namespace internal {

Repl& R() {
  static Repl* r = new Repl();
  return *r;
}

Settings g_settings;
Hooks g_hooks;
Settings& S() { return g_settings; }
Hooks& H() { return g_hooks; }

// ---- commands for both sides ----

void ReplicaofCommand(Client& c) {
  Repl& r = R();
  if (r.failover.state != FailoverState::kNone) {
    c.AddError("ERR REPLICAOF not allowed while failing over.");
    return;
  }
  if (ArgIs(c.argv[1], "no") && ArgIs(c.argv[2], "one")) {
    if (r.state != LinkState::kNone) {
      UnsetMaster();
      LOG_NOTICE("MASTER MODE enabled (user request from '%s')", c.addr.c_str());
    }
    c.reply.Ok();
    return;
  }
  if (c.flags & commands::kClientSlave) {
    c.AddError("ERR Command is not valid when client is a replica.");
    return;
  }
  int64_t port;
  if (!commands::GetRangeInt64OrReply(c, c.argv[2], 0, 65535, &port, "Invalid master port")) return;
  std::string host(c.argv[1]);
  if (r.state != LinkState::kNone && r.master_host == host && r.master_port == port) {
    LOG_NOTICE("REPLICAOF would result into synchronization with the master we are already connected with. No "
               "operation performed.");
    c.reply.Raw("+OK Already connected to specified master\r\n");
    return;
  }
  SetMaster(host, static_cast<int>(port));
  LOG_NOTICE("REPLICAOF %s:%d enabled (user request from '%s')", host.c_str(), static_cast<int>(port),
             c.addr.c_str());
  c.reply.Ok();
}

void RoleCommand(Client& c) {
  Repl& r = R();
  if (r.state == LinkState::kNone) {
    c.reply.ArrayHeader(3);
    c.reply.Bulk("master");
    c.reply.Integer(r.master_repl_offset);
    size_t n = 0;
    for (auto& [id, l] : r.replicas) n += IsOnlineState(l.state) ? 1 : 0;
    c.reply.ArrayHeader(n);
    for (auto& [id, l] : r.replicas) {
      if (!IsOnlineState(l.state)) continue;
      c.reply.ArrayHeader(3);
      c.reply.Bulk(l.announced_ip.empty() ? PeerIp(*l.c) : l.announced_ip);
      c.reply.Bulk(std::to_string(l.listening_port));
      c.reply.Bulk(std::to_string(l.ack_off));
    }
    return;
  }
  c.reply.ArrayHeader(5);
  c.reply.Bulk("slave");
  c.reply.Bulk(r.master_host);
  c.reply.Integer(r.master_port);
  c.reply.Bulk(LinkStateName(r.state));
  c.reply.Integer(r.master != nullptr ? r.master_repl_offset : -1);
}


}  // namespace internal

using namespace internal;  // NOLINT: this file implements repl's API over them

Settings& GetSettings() { return g_settings; }
Hooks& GetHooks() { return g_hooks; }

void Init() {
  Repl& r = R();
  r.replid = common::RandomHex(40);
  r.no_replicas_since_ms = common::MsTime();
}

void ChangeReplicationId() {
  Repl& r = R();
  r.replid = common::RandomHex(40);
  r.replid2 = kNullReplId;
  r.second_replid_offset = -1;
}

void SetMaster(const std::string& host, int port) {
  Repl& r = R();
  const bool was_master = r.state == LinkState::kNone;
  DropMasterLink();
  DisconnectReplicas();
  r.master_host = host;
  r.master_port = port;
  r.state = LinkState::kConnect;
  r.link_down_since_s = 0;
  // A master becoming a replica continues its own history: its replid and
  // offset are what it asks PSYNC for (Redis's
  // replicationCacheMasterUsingMyself), so a demoted master whose replica
  // was promoted resyncs partially.
  if (was_master && r.master_repl_offset > 0) r.psync_possible = true;
  if (was_master) r.master_db = r.slaveseldb >= 0 ? r.slaveseldb : 0;
  if (g_hooks.master_changed) g_hooks.master_changed(host, port);
  LOG_NOTICE("Connecting to MASTER %s:%d", host.c_str(), port);
}

void RegisterCommands(commands::Registry& reg) {
  using namespace commands;
  reg.Add({"replconf", -1, kAdmin | kNoScript | kLoading | kStale | kAllowBusy, 0, 0, 0, ReplconfCommand, "server",
           "An internal command for configuring the replication stream", "3.0.0", kCatAdmin | kCatSlow |
           kCatDangerous});
  reg.Add({"psync", -3, kAdmin | kNoScript | kNoMulti | kNoAsyncLoading, 0, 0, 0, SyncCommand, "server",
           "An internal command used in replication", "2.8.0", kCatAdmin | kCatSlow | kCatDangerous});
  reg.Add({"sync", 1, kAdmin | kNoScript | kNoMulti | kNoAsyncLoading, 0, 0, 0, SyncCommand, "server",
           "An internal command used in replication", "1.0.0", kCatAdmin | kCatSlow | kCatDangerous});
  reg.Add({"replicaof", 3, kAdmin | kNoScript | kStale | kNoAsyncLoading, 0, 0, 0, ReplicaofCommand, "server",
           "Configure a server as replica of another, or promote it to a master.", "5.0.0",
           kCatAdmin | kCatSlow | kCatDangerous});
  reg.Add({"slaveof", 3, kAdmin | kNoScript | kStale | kNoAsyncLoading, 0, 0, 0, ReplicaofCommand, "server",
           "Sets a Redis server as a replica of another, or promotes it to being a master.", "1.0.0",
           kCatAdmin | kCatSlow | kCatDangerous});
  reg.Add({"wait", 3, kNoScript, 0, 0, 0, WaitCommand, "generic",
           "Wait for the synchronous replication of all the write commands sent in the context of the current "
           "connection", "3.0.0", kCatSlow | kCatConnection});
  reg.Add({"failover", -1, kAdmin | kNoScript | kStale, 0, 0, 0, FailoverCommand, "server",
           "Start a coordinated failover between this server and one of its replicas.", "6.2.0",
           kCatAdmin | kCatSlow | kCatDangerous});
  reg.Add({"role", 1, kNoScript | kLoading | kStale | kFast, 0, 0, 0, RoleCommand, "server",
           "Returns the replication role.", "2.8.12", kCatAdmin | kCatFast | kCatDangerous});
}

bool NeedsFeed() { return R().backlog != nullptr; }

void Feed(const std::vector<commands::PropagatedOp>& ops) {
  Repl& r = R();
  // A replica forwards its master's bytes as they are (MasterCommandApplied).
  if (!r.backlog || r.state != LinkState::kNone || ops.empty()) return;
  std::string out;
  const bool wrap = ops.size() > 1;
  if (wrap) {
    AppendSelect(&out, ops[0].db);
    persist::AppendRespCommand(&out, {"MULTI"});
  }
  std::vector<std::string_view> argv;
  for (const commands::PropagatedOp& op : ops) {
    AppendSelect(&out, op.db);
    argv.assign(op.argv.begin(), op.argv.end());
    persist::AppendRespCommand(&out, argv);
  }
  if (wrap) persist::AppendRespCommand(&out, {"EXEC"});
  FeedBytes(out);
}

void MasterCommandApplied(Client& c, std::string_view raw) {
  Repl& r = R();
  if (&c != r.master) return;
  r.last_io_ms = common::MsTime();
  if (r.ack_requested) {
    r.ack_requested = false;
    SendAck();
  }
  if (r.backlog) {
    FeedBytes(raw);
  } else {
    r.master_repl_offset += static_cast<int64_t>(raw.size());
  }
  r.master_db = c.db ? c.db->id() : 0;
}

void OnClientFreed(Client* c) {
  Repl& r = R();
  std::erase_if(r.waiters, [c](const Repl::Waiter& w) { return w.c == c; });
  if (c == r.master) {
    r.master = nullptr;
    r.master_db = c->db ? c->db->id() : 0;
    if (r.state == LinkState::kConnected) {
      r.state = LinkState::kConnect;
      r.link_down_since_s = common::MsTime() / 1000;
      LOG_NOTICE("Connection with master lost.");
      LOG_NOTICE("* Caching the disconnected master state.");
    }
    return;
  }
  auto it = r.replicas.find(c->id);
  if (it == r.replicas.end()) return;
  ReplicaLink& l = it->second;
  if (l.rdb_fd >= 0) close(l.rdb_fd);
  if (l.state != ReplicaState::kNone) LOG_NOTICE("Connection with replica %s lost.", PeerIp(*c).c_str());
  r.replicas.erase(it);
  bool any = false;
  for (auto& [id, o] : r.replicas) any |= o.state != ReplicaState::kNone;
  if (!any) r.no_replicas_since_ms = common::MsTime();
}

void BeforeSleep() {
  Repl& r = R();
  if (r.pipe_paused) {
    bool drained = true;
    for (auto& [id, l] : r.replicas)
      if (l.state == ReplicaState::kWaitBgsaveEnd && l.diskless) drained &= l.c->PendingOutput() < kPipeLowWater;
    if (drained && g_hooks.loop->AddFileEvent(r.pipe_fd, net::kReadable, PipeReadHandler, nullptr).ok())
      r.pipe_paused = false;
  }
  if (r.get_acks) {
    r.get_acks = false;
    std::string getack;
    persist::AppendRespCommand(&getack, {"REPLCONF", "GETACK", "*"});
    FeedBytes(getack);
  }
  if (r.waiters.empty()) return;
  const int64_t now = common::MsTime();
  std::vector<Repl::Waiter> done;
  std::erase_if(r.waiters, [&](const Repl::Waiter& w) {
    const bool over = CountAcks(w.offset) >= w.numreplicas || (w.deadline_ms && now >= w.deadline_ms);
    if (over) done.push_back(w);
    return over;
  });
  for (const Repl::Waiter& w : done) {
    w.c->flags &= ~commands::kClientBlocked;
    w.c->reply.Integer(CountAcks(w.offset));
    g_hooks.process_input(w.c);
  }
}

void OnRdbSaveDone(bool ok) {
  Repl& r = R();
  FinishDisklessTransfer(ok);
  for (auto& [id, l] : r.replicas) {
    if (l.state != ReplicaState::kWaitBgsaveEnd || l.diskless) continue;
    if (!ok) {
      LOG_WARNING("SYNC failed. BGSAVE child returned an error");
      FreeLater(l.c);
      l.state = ReplicaState::kNone;
      continue;
    }
    int fd = open(g_settings.dbfilename.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
      LOG_WARNING("SYNC failed. Can't open/stat DB after BGSAVE: %s", strerror(errno));
      if (fd >= 0) close(fd);
      FreeLater(l.c);
      l.state = ReplicaState::kNone;
      continue;
    }
    l.rdb_fd = fd;
    l.rdb_size = st.st_size;
    l.rdb_sent = 0;
    l.preamble = "$" + std::to_string(st.st_size) + "\r\n";
    l.state = ReplicaState::kSendBulk;
    if (!g_hooks.loop->AddFileEvent(l.c->fd, net::kWritable, SendBulkHandler, l.c).ok()) FreeLater(l.c);
  }
  // Replicas that came during this save get the next one.
  StartBgsaveForReplication(false);
}

void Cron(int64_t now_ms) {
  Repl& r = R();
  UpdateFailover(now_ms);
  // The master link.
  if (r.state == LinkState::kConnect && now_ms - r.last_connect_ms >= 1000) {
    if (r.link_down_since_s == 0) r.link_down_since_s = now_ms / 1000;
    r.last_connect_ms = now_ms;
    ConnectToMaster();
  }
  if (r.state != LinkState::kNone && r.state != LinkState::kConnect && r.state != LinkState::kConnected &&
      now_ms - r.last_io_ms > int64_t{g_settings.timeout} * 1000) {
    LinkFailed(r.state == LinkState::kTransfer ? "Timeout receiving bulk data from MASTER... If the problem "
                                                 "persists try to set the 'repl-timeout' parameter in redis.conf "
                                                 "to a larger value."
                                               : "Timeout connecting to the MASTER...");
  }
  if (r.state == LinkState::kConnected && r.master != nullptr &&
      now_ms - r.master->last_interaction_ms > int64_t{g_settings.timeout} * 1000) {
    LOG_WARNING("MASTER timeout: no data nor PING received...");
    g_hooks.free_client(r.master);
  }
  if (now_ms - r.last_second_ms < 1000) {
    return;
  }
  r.last_second_ms = now_ms;
  if (r.state == LinkState::kConnected) SendAck();

  // Master side: PINGs into the stream, keep-alive newlines to replicas
  // waiting for their RDB, timeouts of replicas that stopped acking.
  bool any_replica = false;
  for (auto& [id, l] : r.replicas) any_replica |= l.state != ReplicaState::kNone;
  // Not while writes are paused (a manual failover waits for the replica
  // to reach our offset, as Redis's replicationCron).
  if (any_replica && r.state == LinkState::kNone && commands::CurrentPause() == commands::PauseType::kNone &&
      now_ms - r.last_ping_ms >= int64_t{g_settings.ping_period} * 1000) {
    r.last_ping_ms = now_ms;
    std::string ping;
    persist::AppendRespCommand(&ping, {"PING"});
    FeedBytes(ping);
  }
  for (auto& [id, l] : r.replicas) {
    if (l.state == ReplicaState::kWaitBgsaveStart || (l.state == ReplicaState::kWaitBgsaveEnd && !l.diskless)) {
      Deliver(l.c, "\n");
    } else if (l.state == ReplicaState::kOnline && !l.old_sync &&
               now_ms - l.ack_time_ms > int64_t{g_settings.timeout} * 1000) {
      // (SYNC clients, redis-cli --replica, never ACK: no timeout, as Redis.)
      LOG_WARNING("Disconnecting timedout replica (streaming sync): %s", PeerIp(*l.c).c_str());
      FreeLater(l.c);
    }
  }
  // Diskless: the fork waits repl-diskless-sync-delay seconds after the
  // first replica asked, so that more may share it.
  int64_t oldest = now_ms;
  for (auto& [id, l] : r.replicas)
    if (l.state == ReplicaState::kWaitBgsaveStart) oldest = std::min(oldest, l.wait_since_ms);
  StartBgsaveForReplication(now_ms - oldest >= int64_t{g_settings.diskless_sync_delay} * 1000);
  // A master without replicas for repl-backlog-ttl frees its backlog.
  if (!any_replica && r.state == LinkState::kNone && r.backlog && g_settings.backlog_ttl > 0 &&
      now_ms - r.no_replicas_since_ms > g_settings.backlog_ttl * 1000) {
    ChangeReplicationId();
    r.backlog.reset();
    if (g_hooks.feed_changed) g_hooks.feed_changed();
    LOG_NOTICE("Replication backlog freed after %lld seconds without connected replicas.",
               static_cast<long long>(g_settings.backlog_ttl));
  }
}

void SettingsChanged() {
  Repl& r = R();
  // CONFIG SET repl-backlog-size: at once, keeping the newest bytes.
  const auto size = static_cast<size_t>(std::max<int64_t>(g_settings.backlog_size, kMinBacklogSize));
  if (r.backlog && r.backlog->size() != size) r.backlog->Resize(size);
}

const char* CommandDenied(const Client& c, uint32_t flags) {
  Repl& r = R();
  if (c.flags & commands::kClientMaster) return nullptr;
  if (r.state == LinkState::kNone) {
    if (g_settings.min_replicas_to_write > 0 && (flags & commands::kWrite)) {
      int good = 0;
      int64_t now = common::MsTime();
      for (auto& [id, l] : r.replicas)
        if (l.state == ReplicaState::kOnline && now - l.ack_time_ms <= int64_t{g_settings.min_replicas_max_lag} * 1000)
          good++;
      if (good < g_settings.min_replicas_to_write) return "NOREPLICAS Not enough good replicas to write.";
    }
    return nullptr;
  }
  if (g_settings.read_only && (flags & commands::kWrite)) return "READONLY You can't write against a read only replica.";
  if (r.state != LinkState::kConnected && !g_settings.serve_stale && !(flags & commands::kStale))
    return "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
  return nullptr;
}

bool IsReplica() { return R().state != LinkState::kNone; }

bool ReplicasBehind(int64_t offset, bool log) {
  bool behind = false;
  for (auto& [id, l] : R().replicas) {
    if (l.state != ReplicaState::kOnline || l.old_sync || l.ack_off >= offset) continue;
    behind = true;
    if (log)
      LOG_WARNING("Lagging replica %s reported offset %lld behind master, lag=%lld, state=online.",
                  PeerIp(*l.c).c_str(), static_cast<long long>(offset - l.ack_off),
                  static_cast<long long>((common::MsTime() - l.ack_time_ms) / 1000));
  }
  return behind;
}

void RequestAcks() { R().get_acks = true; }
int64_t MasterReplOffset() { return R().master_repl_offset; }

void Promote() {
  Repl& r = R();
  if (r.state == LinkState::kNone) return;
  UnsetMaster();
  LOG_NOTICE("MASTER MODE enabled (cluster failover)");
}

int64_t MasterDataAgeMs(int64_t now_ms) {
  Repl& r = R();
  if (r.state == LinkState::kConnected) return now_ms - r.last_io_ms;
  return now_ms - r.link_down_since_s * 1000;
}
bool ActiveExpireAllowed() { return !IsReplica(); }

RdbReplInfo InfoForRdb() {
  Repl& r = R();
  RdbReplInfo info;
  if (r.state == LinkState::kNone && !r.backlog) return info;
  info.valid = true;
  info.replid = r.replid;
  info.offset = r.master_repl_offset;
  if (r.state == LinkState::kNone) {
    info.stream_db = r.slaveseldb >= 0 ? r.slaveseldb : 0;
  } else {
    info.stream_db = r.master != nullptr && r.master->db ? r.master->db->id() : r.master_db;
  }
  return info;
}

void RestoreFromRdb(const RdbReplInfo& info) {
  Repl& r = R();
  if (!info.valid || info.replid.size() != 40) return;
  if (!r.master_host.empty()) {
    // A replica restarting continues its master's history.
    r.replid = info.replid;
    r.master_repl_offset = info.offset;
    r.master_db = info.stream_db;
    r.psync_possible = true;
    LOG_NOTICE("Restored replication ID and offset from the RDB: %s:%lld", r.replid.c_str(),
               static_cast<long long>(r.master_repl_offset));
  } else {
    // A master keeps it as its previous id, so its replicas may continue.
    r.replid2 = info.replid;
    r.second_replid_offset = info.offset + 1;
    r.master_repl_offset += info.offset;
    CreateBacklog();
  }
}

void AppendInfo(std::string& o) {
  Repl& r = R();
  auto field = [&o](const char* k, const std::string& v) { o += std::string(k) + ":" + v + "\r\n"; };
  auto num = [&field](const char* k, int64_t v) { field(k, std::to_string(v)); };
  int64_t now = common::MsTime();
  o += "# Replication\r\n";
  field("role", r.state == LinkState::kNone ? "master" : "slave");
  if (r.state != LinkState::kNone) {
    field("master_host", r.master_host);
    num("master_port", r.master_port);
    field("master_link_status", r.state == LinkState::kConnected ? "up" : "down");
    num("master_last_io_seconds_ago",
        r.master != nullptr ? (now - r.master->last_interaction_ms) / 1000
                            : (r.fd >= 0 ? (now - r.last_io_ms) / 1000 : -1));
    num("master_sync_in_progress", r.state == LinkState::kTransfer ? 1 : 0);
    num("slave_read_repl_offset", r.master_repl_offset);
    num("slave_repl_offset", r.master_repl_offset);
    if (r.state == LinkState::kTransfer) {
      int64_t total = r.transfer_size >= 0 ? r.transfer_size : -1;
      num("master_sync_total_bytes", total);
      num("master_sync_read_bytes", r.transfer_read);
      num("master_sync_left_bytes", total >= 0 ? total - r.transfer_read : -1);
      char perc[32];
      snprintf(perc, sizeof(perc), "%.2f",
               total > 0 ? static_cast<double>(r.transfer_read) * 100 / static_cast<double>(total) : 0.0);
      field("master_sync_perc", perc);
      num("master_sync_last_io_seconds_ago", (now - r.last_io_ms) / 1000);
    }
    if (r.state != LinkState::kConnected)
      num("master_link_down_since_seconds", r.link_down_since_s ? now / 1000 - r.link_down_since_s : -1);
    num("slave_priority", g_settings.replica_priority);
    num("slave_read_only", g_settings.read_only ? 1 : 0);
    num("replica_announced", g_settings.replica_announced ? 1 : 0);
  }
  int n = 0;
  for (auto& [id, l] : r.replicas) n += l.state != ReplicaState::kNone ? 1 : 0;
  num("connected_slaves", n);
  if (g_settings.min_replicas_to_write > 0 && r.state == LinkState::kNone) {
    int good = 0;
    for (auto& [id, l] : r.replicas)
      if (l.state == ReplicaState::kOnline && now - l.ack_time_ms <= int64_t{g_settings.min_replicas_max_lag} * 1000)
        good++;
    num("min_slaves_good_slaves", good);
  }
  int i = 0;
  for (auto& [id, l] : r.replicas) {
    if (l.state == ReplicaState::kNone) continue;
    const char* state = l.state == ReplicaState::kOnline ? "online"
                        : l.state == ReplicaState::kSendBulk || l.state == ReplicaState::kWaitAck ? "send_bulk"
                                                             : "wait_bgsave";
    std::string ip = l.announced_ip.empty() ? PeerIp(*l.c) : l.announced_ip;
    o += "slave" + std::to_string(i++) + ":ip=" + ip + ",port=" + std::to_string(l.listening_port) +
         ",state=" + state + ",offset=" + std::to_string(l.ack_off) +
         ",lag=" + std::to_string((now - l.ack_time_ms) / 1000) + "\r\n";
  }
  field("master_failover_state", FailoverStateName(r.failover.state));
  field("master_replid", r.replid);
  field("master_replid2", r.replid2);
  num("master_repl_offset", r.master_repl_offset);
  num("second_repl_offset", r.second_replid_offset);
  num("repl_backlog_active", r.backlog ? 1 : 0);
  num("repl_backlog_size", g_settings.backlog_size);
  num("repl_backlog_first_byte_offset", r.backlog ? r.backlog->first_offset() : 0);
  num("repl_backlog_histlen", r.backlog ? static_cast<int64_t>(r.backlog->histlen()) : 0);
}

SyncStats GetSyncStats() { return {R().sync_full, R().sync_partial_ok, R().sync_partial_err}; }

size_t BacklogBytes() { return R().backlog ? R().backlog->size() : 0; }
const std::string& ReplId() { return R().replid; }

}  // namespace repl

