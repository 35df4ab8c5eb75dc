// The master side of replication (see repl/internal.h): the stream and
// its backlog, full syncs through the fork (disk and diskless), partial
// ones from the backlog, SYNC/PSYNC, REPLCONF, WAIT and FAILOVER.
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

namespace repl::internal {

// ---- the stream ----

void CreateBacklog() {
  Repl& r = R();
  r.backlog = std::make_unique<Backlog>(static_cast<size_t>(std::max<int64_t>(S().backlog_size, kMinBacklogSize)),
                                        r.master_repl_offset + 1);
  if (H().feed_changed) H().feed_changed();
}

// Appends bytes to the stream: the offset, the backlog, every replica.
void FeedBytes(std::string_view b) {
  Repl& r = R();
  if (!r.backlog) return;
  r.backlog->Append(b);
  r.master_repl_offset += static_cast<int64_t>(b.size());
  commands::GetState().repl_offset = r.master_repl_offset;
  for (auto& [id, l] : r.replicas) {
    switch (l.state) {
      case ReplicaState::kWaitBgsaveEnd:
      case ReplicaState::kSendBulk:
      case ReplicaState::kWaitAck:
        l.pending.append(b);
        if (S().replica_obuf_hard && l.pending.size() > S().replica_obuf_hard) {
          LOG_WARNING("Replica %s scheduled to be closed ASAP for overcoming of output buffer limits (%zu bytes "
                      "of stream held during its sync).",
                      PeerIp(*l.c).c_str(), l.pending.size());
          std::string().swap(l.pending);
          l.state = ReplicaState::kNone;
          FreeLater(l.c);
        }
        break;
      case ReplicaState::kOnline:
        Deliver(l.c, b);
        break;
      default:
        break;
    }
  }
}

void AppendSelect(std::string* out, int db) {
  Repl& r = R();
  if (db == r.slaveseldb) return;
  persist::AppendRespCommand(out, {"SELECT", std::to_string(db)});
  r.slaveseldb = db;
}

// ---- master side: full sync ----

void ShiftReplicationId() {
  Repl& r = R();
  r.replid2 = r.replid;
  // The replicas of the old id have at most master_repl_offset bytes: they
  // may continue from the next one.
  r.second_replid_offset = r.master_repl_offset + 1;
  r.replid = common::RandomHex(40);
  LOG_NOTICE("Setting secondary replication ID to %s, valid up to offset: %lld. New replication ID is %s",
             r.replid2.c_str(), static_cast<long long>(r.second_replid_offset), r.replid.c_str());
}

void DisconnectReplicas() {
  for (auto& [id, l] : R().replicas)
    if (l.state != ReplicaState::kNone) FreeLater(l.c);
}

void PipeReadHandler(net::EventLoop*, int fd, void*, int) {
  Repl& r = R();
  char buf[kTransferChunk];
  ssize_t n = read(fd, buf, sizeof(buf));
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    // The child closed it: the end comes with its exit (OnRdbSaveDone).
    H().loop->DelFileEvent(fd, net::kReadable);
    return;
  }
  bool full = false;
  for (auto& [id, l] : r.replicas) {
    if (l.state != ReplicaState::kWaitBgsaveEnd || !l.diskless) continue;
    Deliver(l.c, std::string_view(buf, static_cast<size_t>(n)));
    full |= l.c->PendingOutput() > kPipeHighWater;
  }
  if (full) {
    H().loop->DelFileEvent(fd, net::kReadable);
    r.pipe_paused = true;
  }
}

// The diskless child is gone: whatever the pipe still holds goes out, then
// the EOF mark; each replica starts its stream on its first ACK.
void FinishDisklessTransfer(bool ok) {
  Repl& r = R();
  if (r.pipe_fd < 0) return;
  H().loop->DelFileEvent(r.pipe_fd, net::kReadable);
  std::string rest;
  char buf[kTransferChunk];
  (void)net::SetNonBlock(r.pipe_fd, false);
  for (ssize_t n; ok && (n = read(r.pipe_fd, buf, sizeof(buf))) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ok = false;
      break;
    }
    rest.append(buf, static_cast<size_t>(n));
  }
  close(r.pipe_fd);
  r.pipe_fd = -1;
  r.pipe_paused = false;
  for (auto& [id, l] : r.replicas) {
    if (l.state != ReplicaState::kWaitBgsaveEnd || !l.diskless) continue;
    if (!ok) {
      LOG_WARNING("Diskless rdb transfer failed for replica %s", PeerIp(*l.c).c_str());
      FreeLater(l.c);
      l.state = ReplicaState::kNone;
      continue;
    }
    Deliver(l.c, rest + r.eof_mark_sent);
    l.state = ReplicaState::kWaitAck;
    LOG_NOTICE("Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF ACK from replica "
               "to enable streaming",
               PeerIp(*l.c).c_str());
  }
}

// Forks the BGSAVE for the replicas waiting for one (Redis's
// startBgsaveForReplication): to the socket (through a pipe the parent
// forwards) when repl-diskless-sync is on and every one of them announced
// capa eof, else to dbfilename. Each gets +FULLRESYNC with the offset of
// the snapshot; the stream from then on is held for it.
void StartBgsaveForReplication(bool delay_over) {
  Repl& r = R();
  int waiting = 0;
  bool all_eof = true;
  for (auto& [id, l] : r.replicas) {
    if (l.state != ReplicaState::kWaitBgsaveStart) continue;
    waiting++;
    all_eof &= l.capa_eof;
  }
  if (waiting == 0 || H().child_active()) return;
  const bool diskless = S().diskless_sync && all_eof;
  if (diskless && !delay_over && S().diskless_sync_delay > 0 &&
      (S().diskless_sync_max_replicas == 0 || waiting < S().diskless_sync_max_replicas))
    return;
  LOG_NOTICE("Starting BGSAVE for SYNC with target: %s", diskless ? "replicas sockets" : "disk");
  bool started;
  if (diskless) {
    int fds[2];
    started = pipe2(fds, O_CLOEXEC) == 0;
    if (started) {
      started = H().start_bgsave_to_fd(fds[1]);
      close(fds[1]);
      if (started) {
        r.pipe_fd = fds[0];
        (void)net::SetNonBlock(r.pipe_fd, true);
        started = H().loop->AddFileEvent(r.pipe_fd, net::kReadable, PipeReadHandler, nullptr).ok();
      } else {
        close(fds[0]);
      }
    }
  } else {
    started = H().start_bgsave();
  }
  if (!started) {
    LOG_WARNING("BGSAVE for replication failed");
    for (auto& [id, l] : r.replicas) {
      if (l.state != ReplicaState::kWaitBgsaveStart) continue;
      l.c->outbuf.append("-ERR BGSAVE failed, replication can't continue\r\n");
      l.c->flags |= commands::kClientCloseAfterReply;
      l.state = ReplicaState::kNone;
      if (commands::GetState().delivered) commands::GetState().delivered(*l.c);
    }
    return;
  }
  if (diskless) r.eof_mark_sent = common::RandomHex(kEofMarkLen);
  for (auto& [id, l] : r.replicas) {
    if (l.state != ReplicaState::kWaitBgsaveStart) continue;
    l.state = ReplicaState::kWaitBgsaveEnd;
    l.diskless = diskless;
    l.initial_offset = r.master_repl_offset;
    std::string head;
    if (!l.old_sync) head = "+FULLRESYNC " + r.replid + " " + std::to_string(r.master_repl_offset) + "\r\n";
    if (diskless) head += "$EOF:" + r.eof_mark_sent + "\r\n";
    Deliver(l.c, head);
  }
  // The next op starts with SELECT: the replica's db is unknown.
  r.slaveseldb = -1;
}

// The payload was sent: the held stream follows and the replica is online.
void PutOnline(ReplicaLink& l) {
  if (l.state == ReplicaState::kSendBulk) H().loop->DelFileEvent(l.c->fd, net::kWritable);
  if (l.rdb_fd >= 0) close(l.rdb_fd);
  l.rdb_fd = -1;
  l.state = ReplicaState::kOnline;
  l.ack_time_ms = common::MsTime();
  std::string held;
  held.swap(l.pending);
  LOG_NOTICE("Synchronization with replica %s succeeded", PeerIp(*l.c).c_str());
  Deliver(l.c, held);
}

// Writes one chunk of the RDB file (after what the client's buffer holds:
// +FULLRESYNC and keep-alive newlines).
void SendBulkHandler(net::EventLoop*, int fd, void* data, int) {
  Client* c = static_cast<Client*>(data);
  auto it = R().replicas.find(c->id);
  if (it == R().replicas.end() || it->second.state != ReplicaState::kSendBulk) {
    H().loop->DelFileEvent(fd, net::kWritable);
    return;
  }
  ReplicaLink& l = it->second;
  // A replica on the TLS port gets the payload through its connection. A
  // TLS write that would block is retried with the same bytes (the same
  // file chunk is read again), as OpenSSL requires.
  auto write_some = [&](const char* p, size_t n) -> ssize_t {
    ssize_t w = c->tls != nullptr ? c->tls->Write(p, n) : write(fd, p, n);
    if (w < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    if (w <= 0) {
      LOG_WARNING("Write error sending DB to replica: %s",
                  w == 0 ? "connection closed" : c->tls != nullptr ? c->tls->error().c_str() : strerror(errno));
      H().loop->DelFileEvent(fd, net::kWritable);
      FreeLater(c);
      return -1;
    }
    return w;
  };
  if (c->PendingOutput() > 0) {
    ssize_t w = write_some(c->outbuf.data() + c->out_pos, c->PendingOutput());
    if (w <= 0) return;
    c->out_pos += static_cast<size_t>(w);
    if (c->PendingOutput() > 0) return;
    c->outbuf.clear();
    c->out_pos = 0;
  }
  if (!l.preamble.empty()) {
    ssize_t w = write_some(l.preamble.data(), l.preamble.size());
    if (w <= 0) return;
    l.preamble.erase(0, static_cast<size_t>(w));
    if (!l.preamble.empty()) return;
  }
  char buf[kTransferChunk];
  ssize_t n = pread(l.rdb_fd, buf, sizeof(buf), l.rdb_sent);
  if (n < 0 || (n == 0 && l.rdb_sent < l.rdb_size)) {
    LOG_WARNING("Read error sending DB to replica: %s", n < 0 ? strerror(errno) : "premature EOF");
    H().loop->DelFileEvent(fd, net::kWritable);
    FreeLater(c);
    return;
  }
  size_t len = static_cast<size_t>(std::min<int64_t>(n, l.rdb_size - l.rdb_sent));
  ssize_t w = len ? write_some(buf, len) : 0;
  if (w < 0) return;
  l.rdb_sent += w;
  commands::GetState().stats.net_output_bytes += static_cast<uint64_t>(w);
  if (l.rdb_sent >= l.rdb_size) PutOnline(l);
}

// ---- master side: commands ----

ReplicaLink& LinkOf(Client& c) {
  ReplicaLink& l = R().replicas[c.id];
  l.c = &c;
  return l;
}

// PSYNC replid offset: +CONTINUE when the backlog has every byte from
// offset on and replid is ours (or our previous one, up to where it was
// valid). Redis's masterTryPartialResynchronization.
bool TryPartialResync(Client& c, ReplicaLink& l, std::string_view replid, std::string_view offset_arg) {
  Repl& r = R();
  int64_t offset = 0;
  if (!common::StringToInt64(offset_arg, &offset)) return false;
  if (replid == "?") return false;
  const bool same = replid == r.replid;
  const bool prev = replid == r.replid2 && offset <= r.second_replid_offset;
  if (!same && !prev) {
    if (replid != "?") {
      if (replid != r.replid2) {
        LOG_NOTICE("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '%.*s', my "
                   "replication IDs are '%s' and '%s')",
                   static_cast<int>(replid.size()), replid.data(), r.replid.c_str(), r.replid2.c_str());
      } else {
        LOG_NOTICE("Partial resynchronization not accepted: Requested offset for second ID was %lld, but I can "
                   "reply up to %lld",
                   static_cast<long long>(offset), static_cast<long long>(r.second_replid_offset));
      }
    }
    r.sync_partial_err++;
    return false;
  }
  if (!r.backlog || !r.backlog->Covers(offset)) {
    LOG_NOTICE("Unable to partial resync with replica %s for lack of backlog (Replica request was: %lld).",
               PeerIp(c).c_str(), static_cast<long long>(offset));
    r.sync_partial_err++;
    return false;
  }
  c.flags |= commands::kClientSlave;
  l.state = ReplicaState::kOnline;
  l.ack_time_ms = common::MsTime();
  std::string out = l.capa_psync2 ? "+CONTINUE " + r.replid + "\r\n" : "+CONTINUE\r\n";
  out += r.backlog->CopyFrom(offset);
  Deliver(&c, out);
  r.sync_partial_ok++;
  LOG_NOTICE("Partial resynchronization request from %s accepted. Sending %lld bytes of backlog starting from "
             "offset %lld.",
             PeerIp(c).c_str(), static_cast<long long>(r.master_repl_offset - offset + 1),
             static_cast<long long>(offset));
  return true;
}

void SyncCommand(Client& c) {
  Repl& r = R();
  if (c.flags & commands::kClientSlave) return;  // already a replica: ignored, as Redis
  const bool psync = ArgIs(c.argv[0], "psync");
  if (psync && c.argv.size() > 3 && ArgIs(c.argv[3], "failover")) {
    // Our master hands over (its FAILOVER): we become the master it
    // then replicates from.
    if (c.argv[1] != r.replid) {
      c.AddError("ERR PSYNC FAILOVER replid must match my replid.");
      return;
    }
    if (r.state != LinkState::kNone) {
      UnsetMaster();
      LOG_NOTICE("PRIMARY MODE enabled (failover request from '%s')", c.addr.c_str());
    }
  }
  if (r.failover.state != FailoverState::kNone) {
    c.AddError("NOMASTERLINK Can't SYNC while failing over");
    return;
  }
  if (r.state != LinkState::kNone && r.state != LinkState::kConnected) {
    c.AddError("NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  if (c.PendingOutput() > 0) {
    c.AddError("ERR SYNC and PSYNC are invalid with pending output");
    return;
  }
  ReplicaLink& l = LinkOf(c);
  LOG_NOTICE("Replica %s asks for synchronization", PeerIp(c).c_str());
  if (psync) {
    if (TryPartialResync(c, l, c.argv[1], c.argv[2])) return;
  } else {
    l.old_sync = true;
  }
  r.sync_full++;
  c.flags |= commands::kClientSlave;
  l.state = ReplicaState::kWaitBgsaveStart;
  if (!r.backlog) {
    // The first replica: a new history starts here (Redis's syncCommand).
    ChangeReplicationId();
    CreateBacklog();
    LOG_NOTICE("Replication backlog created, my new replication IDs are '%s' and '%s'", r.replid.c_str(),
               r.replid2.c_str());
  }
  // A BGSAVE for other replicas is in progress: this one shares it, with
  // the stream held for them since its fork.
  for (auto& [id, other] : r.replicas) {
    if (id == c.id || other.state != ReplicaState::kWaitBgsaveEnd || other.diskless) continue;
    l.state = ReplicaState::kWaitBgsaveEnd;
    l.initial_offset = other.initial_offset;
    l.pending = other.pending;
    if (!l.old_sync) Deliver(&c, "+FULLRESYNC " + r.replid + " " + std::to_string(l.initial_offset) + "\r\n");
    LOG_NOTICE("Waiting for end of BGSAVE for SYNC");
    return;
  }
  l.wait_since_ms = common::MsTime();
  StartBgsaveForReplication(false);
}

void ReplconfCommand(Client& c) {
  if (c.argv.size() % 2 == 0) {
    c.AddSyntaxError();
    return;
  }
  Repl& r = R();
  for (size_t j = 1; j < c.argv.size(); j += 2) {
    std::string_view opt = c.argv[j], val = c.argv[j + 1];
    if (ArgIs(opt, "listening-port")) {
      int64_t port;
      if (!commands::GetInt64OrReply(c, val, &port)) return;
      LinkOf(c).listening_port = static_cast<int>(port);
    } else if (ArgIs(opt, "ip-address")) {
      if (val.size() > 46) {  // NET_HOST_STR_LEN
        c.AddErrorFormat("ERR REPLCONF ip-address provided by replica instance is too long: %zd bytes",
                         static_cast<ssize_t>(val.size()));
        return;
      }
      LinkOf(c).announced_ip = std::string(val);
    } else if (ArgIs(opt, "capa")) {
      if (ArgIs(val, "eof")) LinkOf(c).capa_eof = true;
      if (ArgIs(val, "psync2")) LinkOf(c).capa_psync2 = true;
    } else if (ArgIs(opt, "ack")) {
      // Sent by a replica: no reply.
      if (!(c.flags & commands::kClientSlave)) return;
      int64_t off;
      if (!common::StringToInt64(val, &off)) return;
      ReplicaLink& l = LinkOf(c);
      if (off > l.ack_off) l.ack_off = off;
      l.ack_time_ms = common::MsTime();
      if (l.state == ReplicaState::kWaitAck) PutOnline(l);
      return;
    } else if (ArgIs(opt, "getack")) {
      // From our master: the ACK follows the command (MasterCommandApplied).
      if (c.flags & commands::kClientMaster) r.ack_requested = true;
      return;
    } else if (ArgIs(opt, "rdb-only") || ArgIs(opt, "rdb-filter-only")) {
      // redis-cli --rdb: only the payload is wanted; the stream after it is
      // harmless to the tool.
    } else {
      c.AddErrorFormat("ERR Unrecognized REPLCONF option: %.*s", static_cast<int>(opt.size()), opt.data());
      return;
    }
  }
  c.reply.Ok();
}

int CountAcks(int64_t offset) {
  int n = 0;
  for (auto& [id, l] : R().replicas) n += l.state == ReplicaState::kOnline && l.ack_off >= offset ? 1 : 0;
  return n;
}

// WAIT numreplicas timeout: blocks until that many replicas acknowledged
// this client's writes (its woff), or the timeout (ms, 0: forever);
// replies how many did.
void WaitCommand(Client& c) {
  Repl& r = R();
  if (r.state != LinkState::kNone) {
    c.AddError("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a "
               "replica is configured to be writable (which is not the default) writes to replicas are just "
               "local and are not propagated.");
    return;
  }
  int64_t numreplicas, timeout;
  if (!commands::GetInt64OrReply(c, c.argv[1], &numreplicas)) return;
  if (!commands::GetInt64OrReply(c, c.argv[2], &timeout, "ERR timeout is not an integer or out of range")) return;
  if (timeout < 0) {
    c.AddError("ERR timeout is negative");
    return;
  }
  int acks = CountAcks(c.woff);
  if (acks >= numreplicas || commands::MustNotBlock(c)) {
    c.reply.Integer(acks);
    return;
  }
  c.flags |= commands::kClientBlocked;
  r.waiters.push_back({&c, c.woff, numreplicas, timeout ? common::MsTime() + timeout : 0});
  r.get_acks = true;
}

// The online replica at host:port (as it announced itself), or nullptr.
ReplicaLink* FindReplica(const std::string& host, int port) {
  for (auto& [id, l] : R().replicas) {
    if (l.state == ReplicaState::kNone) continue;
    const std::string ip = l.announced_ip.empty() ? PeerIp(*l.c) : l.announced_ip;
    if (ip == host && l.listening_port == port) return &l;
  }
  return nullptr;
}

void FailoverCommand(Client& c) {
  Repl& r = R();
  std::string host;
  int64_t port = 0, timeout = 0;
  bool force = false, abort = false, to = false, has_timeout = false;
  for (size_t j = 1; j < c.argv.size(); j++) {
    const size_t more = c.argv.size() - j - 1;
    if (ArgIs(c.argv[j], "to") && more >= 2 && !to) {
      to = true;
      host = std::string(c.argv[j + 1]);
      if (!commands::GetInt64OrReply(c, c.argv[j + 2], &port)) return;
      j += 2;
    } else if (ArgIs(c.argv[j], "timeout") && more >= 1 && !has_timeout) {
      has_timeout = true;
      if (!commands::GetInt64OrReply(c, c.argv[j + 1], &timeout)) return;
      if (timeout <= 0) {
        c.AddError("ERR FAILOVER timeout must be greater than 0");
        return;
      }
      j++;
    } else if (ArgIs(c.argv[j], "force") && !force) {
      force = true;
    } else if (ArgIs(c.argv[j], "abort") && !abort) {
      abort = true;
    } else {
      c.AddSyntaxError();
      return;
    }
  }
  if (abort) {
    if (to || force || has_timeout) {
      c.AddError("ERR FAILOVER abort is not allowed with other options.");
      return;
    }
    if (r.failover.state == FailoverState::kNone) {
      c.AddError("ERR No failover in progress.");
      return;
    }
    AbortFailover("Failover manually aborted");
    c.reply.Ok();
    return;
  }
  if (force && (!to || !has_timeout)) {
    c.AddError("ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
    return;
  }
  if (r.state != LinkState::kNone) {
    c.AddError("ERR FAILOVER is not valid when server is a replica.");
    return;
  }
  bool any = false;
  for (auto& [id, l] : r.replicas) any |= l.state != ReplicaState::kNone;
  if (!any) {
    c.AddError("ERR FAILOVER requires connected replicas.");
    return;
  }
  if (r.failover.state != FailoverState::kNone) {
    c.AddError("ERR FAILOVER already in progress.");
    return;
  }
  if (to) {
    ReplicaLink* l = FindReplica(host, static_cast<int>(port));
    if (l == nullptr) {
      c.AddError("ERR FAILOVER target HOST and PORT is not a replica.");
      return;
    }
    if (l->state != ReplicaState::kOnline) {
      c.AddError("ERR FAILOVER target replica is not online.");
      return;
    }
    LOG_NOTICE("FAILOVER requested to %s:%lld.", host.c_str(), static_cast<long long>(port));
  } else {
    LOG_NOTICE("FAILOVER requested to any replica.");
  }
  const int64_t now = common::MsTime();
  r.failover.state = FailoverState::kWaitForSync;
  r.failover.host = host;
  r.failover.port = static_cast<int>(port);
  r.failover.force = force;
  r.failover.end_ms = has_timeout ? now + timeout : 0;
  r.failover.timeout_ms = has_timeout ? timeout : 0;
  // Writes wait (as CLIENT PAUSE WRITE) so the target can catch up.
  commands::PauseClients(has_timeout ? now + timeout : INT64_MAX, commands::PauseType::kWrite);
  r.get_acks = true;
  c.reply.Ok();
}

// Each cron tick while a FAILOVER runs (Redis's updateFailoverStatus).
void UpdateFailover(int64_t now_ms) {
  Repl& r = R();
  Failover& f = r.failover;
  if (f.state == FailoverState::kNone) return;
  if (f.state == FailoverState::kInProgress) {
    if (f.end_ms && now_ms >= f.end_ms) AbortFailover("Failover target did not take over before the timeout");
    return;
  }
  ReplicaLink* target = nullptr;
  for (auto& [id, l] : r.replicas) {
    if (l.state != ReplicaState::kOnline || l.ack_off != r.master_repl_offset) continue;
    const std::string ip = l.announced_ip.empty() ? PeerIp(*l.c) : l.announced_ip;
    if (f.host.empty() || (ip == f.host && l.listening_port == f.port)) {
      target = &l;
      f.host = ip;
      f.port = l.listening_port;
      break;
    }
  }
  if (target == nullptr) {
    if (f.end_ms && now_ms >= f.end_ms) {
      if (!f.force) {
        AbortFailover("Replica never caught up before timeout");
        return;
      }
      LOG_NOTICE("FAILOVER to %s:%d forced after the timeout.", f.host.c_str(), f.port);
    } else {
      r.get_acks = true;
      return;
    }
  }
  LOG_NOTICE("Failover target %s:%d is synced, failing over.", f.host.c_str(), f.port);
  f.state = FailoverState::kInProgress;
  // The handover itself gets the timeout again (without one, it waits for
  // the target as long as it takes).
  f.end_ms = f.timeout_ms ? now_ms + f.timeout_ms : 0;
  const std::string host = f.host;
  const int port = f.port;
  SetMaster(host, port);
}

const char* FailoverStateName(FailoverState s) {
  switch (s) {
    case FailoverState::kWaitForSync:
      return "waiting-for-sync";
    case FailoverState::kInProgress:
      return "failover-in-progress";
    default:
      return "no-failover";
  }
}

}  // namespace repl::internal
