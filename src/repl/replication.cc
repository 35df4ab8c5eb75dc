// Replication: see replication.h.
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

namespace repl {
namespace {

using commands::ArgIs;
using commands::Client;

// Bytes read from the master per readable event during the transfer, and
// sent to a replica per writable event (Redis's PROTO_IOBUF_LEN * 1).
constexpr size_t kTransferChunk = 64 * 1024;
// The diskless payload ends with this many random bytes announced up front
// (Redis's CONFIG_RUN_ID_SIZE): "$EOF:<40 bytes>".
constexpr size_t kEofMarkLen = 40;
// The smallest backlog, whatever repl-backlog-size says (Redis's
// CONFIG_REPL_BACKLOG_MIN_SIZE).
constexpr int64_t kMinBacklogSize = 16 * 1024;
const char kNullReplId[] = "0000000000000000000000000000000000000000";

// ---- master side: one entry per client that spoke REPLCONF/SYNC ----

// kWaitAck: a diskless payload was sent; the stream starts once the
// replica has loaded it and sends its first REPLCONF ACK (bytes after the
// EOF mark would otherwise reach a replica still reading the payload).
enum class ReplicaState { kNone, kWaitBgsaveStart, kWaitBgsaveEnd, kSendBulk, kWaitAck, kOnline };

struct ReplicaLink {
  Client* c = nullptr;
  ReplicaState state = ReplicaState::kNone;
  int listening_port = 0;
  std::string announced_ip;
  bool capa_eof = false, capa_psync2 = false;
  bool old_sync = false;  // SYNC: no +FULLRESYNC line
  bool diskless = false;  // its payload comes from the fork's pipe
  int64_t wait_since_ms = 0;
  int64_t ack_off = 0;
  int64_t ack_time_ms = 0;
  int64_t initial_offset = 0;  // the offset its full sync starts at
  std::string pending;         // the stream held while its RDB is made and sent
  // The payload being sent.
  int rdb_fd = -1;
  int64_t rdb_size = 0, rdb_sent = 0;
  std::string preamble;  // "$<len>\r\n" not yet written
};

// ---- replica side: the link to our master ----

enum class LinkState {
  kNone,         // we are a master
  kConnect,      // must connect (cron tries once a second)
  kConnecting,   // non-blocking connect under way
  kReceivePong,  // PING sent
  kAuth,         // AUTH sent
  kPort,         // REPLCONF listening-port sent
  kIp,           // REPLCONF ip-address sent
  kCapa,         // REPLCONF capa sent
  kPsync,        // PSYNC sent
  kTransfer,     // +FULLRESYNC: reading the payload
  kConnected,    // the master client runs the stream
};

// FAILOVER (Redis 7.0's coordinated failover): writes paused until a
// replica has every byte (kWaitForSync), then this master becomes that
// replica's replica with "PSYNC <replid> <offset> FAILOVER", which
// promotes it (kInProgress) until the link is up.
enum class FailoverState { kNone, kWaitForSync, kInProgress };

struct Failover {
  FailoverState state = FailoverState::kNone;
  std::string host;  // target; empty: the first replica in sync
  int port = 0;
  bool force = false;
  int64_t end_ms = 0;  // 0: no timeout
  int64_t timeout_ms = 0;
};

struct Repl {
  Failover failover;
  std::string replid, replid2 = kNullReplId;
  int64_t master_repl_offset = 0;
  int64_t second_replid_offset = -1;
  std::unique_ptr<Backlog> backlog;
  int64_t no_replicas_since_ms = 0;
  int slaveseldb = -1;  // db of the last SELECT in the stream
  std::map<uint64_t, ReplicaLink> replicas;  // by client id
  int64_t last_ping_ms = 0;
  int64_t last_second_ms = 0;
  int64_t last_connect_ms = 0;
  uint64_t sync_full = 0, sync_partial_ok = 0, sync_partial_err = 0;

  // replica side
  std::string master_host;
  int master_port = 0;
  LinkState state = LinkState::kNone;
  int fd = -1;           // the link before it becomes the master client
  std::string inbuf;     // read from it, not yet consumed
  Client* master = nullptr;
  int master_db = 0;     // the master client's db (kept across a link loss)
  bool psync_possible = false;  // replid/offset are the master's: try PSYNC
  std::string full_replid;      // from +FULLRESYNC
  int64_t full_offset = 0;
  int64_t transfer_size = -2;   // -2: "$" line not read; -1: EOF-mark framing
  std::string eof_mark, tail;
  int tmp_fd = -1;
  std::string tmp_path;
  bool in_memory = false;  // repl-diskless-load: the payload goes to `payload`
  std::string payload;
  int64_t transfer_read = 0;
  int64_t transfer_start_ms = 0;
  int64_t last_io_ms = 0;
  int64_t link_down_since_s = 0;
  bool ack_requested = false;

  // WAIT: blocked clients and the offset each waits for.
  struct Waiter {
    Client* c;
    int64_t offset;
    int64_t numreplicas;
    int64_t deadline_ms;  // 0: forever
  };
  std::vector<Waiter> waiters;
  // Diskless sync: the read end of the pipe the fork child writes the RDB
  // to, and whether reading it waits for slow replicas to drain.
  int pipe_fd = -1;
  bool pipe_paused = false;
  std::string eof_mark_sent;
  bool get_acks = false;  // send REPLCONF GETACK before sleeping
};

Repl& R() {
  static Repl* r = new Repl();
  return *r;
}

Settings g_settings;
Hooks g_hooks;

bool IsOnlineState(ReplicaState s) { return s == ReplicaState::kOnline; }

// The host part of "ip:port" / "[ip6]:port".
std::string PeerIp(const Client& c) {
  std::string host = c.addr;
  size_t colon = host.rfind(':');
  if (colon != std::string::npos) host.resize(colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

void Deliver(Client* c, std::string_view bytes) {
  if (c == nullptr || c->fd < 0 || (c->flags & commands::kClientCloseAsap)) return;
  c->outbuf.append(bytes);
  if (commands::GetState().delivered != nullptr) commands::GetState().delivered(*c);
}

void FreeLater(Client* c) {
  if (commands::GetState().close_client_async != nullptr) commands::GetState().close_client_async(*c);
}

void UnsetMaster();

// ---- the stream ----

void CreateBacklog() {
  Repl& r = R();
  r.backlog = std::make_unique<Backlog>(static_cast<size_t>(std::max<int64_t>(g_settings.backlog_size, kMinBacklogSize)),
                                        r.master_repl_offset + 1);
  if (g_hooks.feed_changed) g_hooks.feed_changed();
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
        if (g_settings.replica_obuf_hard && l.pending.size() > g_settings.replica_obuf_hard) {
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

// A diskless transfer pauses reading the child's pipe while a replica
// has more than this much of it unsent, and resumes below the low mark:
// the payload is never buffered whole in the parent (Redis 7.0 waits for
// every replica's socket to drain before reading more).
constexpr size_t kPipeHighWater = 16 << 20;
constexpr size_t kPipeLowWater = 4 << 20;

void PipeReadHandler(net::EventLoop*, int fd, void*, int) {
  Repl& r = R();
  char buf[kTransferChunk];
  ssize_t n = read(fd, buf, sizeof(buf));
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    // The child closed it: the end comes with its exit (OnRdbSaveDone).
    g_hooks.loop->DelFileEvent(fd, net::kReadable);
    return;
  }
  bool full = false;
  for (auto& [id, l] : r.replicas) {
    if (l.state != ReplicaState::kWaitBgsaveEnd || !l.diskless) continue;
    Deliver(l.c, std::string_view(buf, static_cast<size_t>(n)));
    full |= l.c->PendingOutput() > kPipeHighWater;
  }
  if (full) {
    g_hooks.loop->DelFileEvent(fd, net::kReadable);
    r.pipe_paused = true;
  }
}

// The diskless child is gone: whatever the pipe still holds goes out, then
// the EOF mark; each replica starts its stream on its first ACK.
void FinishDisklessTransfer(bool ok) {
  Repl& r = R();
  if (r.pipe_fd < 0) return;
  g_hooks.loop->DelFileEvent(r.pipe_fd, net::kReadable);
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
  if (waiting == 0 || g_hooks.child_active()) return;
  const bool diskless = g_settings.diskless_sync && all_eof;
  if (diskless && !delay_over && g_settings.diskless_sync_delay > 0 &&
      (g_settings.diskless_sync_max_replicas == 0 || waiting < g_settings.diskless_sync_max_replicas))
    return;
  LOG_NOTICE("Starting BGSAVE for SYNC with target: %s", diskless ? "replicas sockets" : "disk");
  bool started;
  if (diskless) {
    int fds[2];
    started = pipe2(fds, O_CLOEXEC) == 0;
    if (started) {
      started = g_hooks.start_bgsave_to_fd(fds[1]);
      close(fds[1]);
      if (started) {
        r.pipe_fd = fds[0];
        (void)net::SetNonBlock(r.pipe_fd, true);
        started = g_hooks.loop->AddFileEvent(r.pipe_fd, net::kReadable, PipeReadHandler, nullptr).ok();
      } else {
        close(fds[0]);
      }
    }
  } else {
    started = g_hooks.start_bgsave();
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

void SendBulkHandler(net::EventLoop* loop, int fd, void* data, int);

// The payload was sent: the held stream follows and the replica is online.
void PutOnline(ReplicaLink& l) {
  if (l.state == ReplicaState::kSendBulk) g_hooks.loop->DelFileEvent(l.c->fd, net::kWritable);
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
    g_hooks.loop->DelFileEvent(fd, net::kWritable);
    return;
  }
  ReplicaLink& l = it->second;
  auto write_some = [&](const char* p, size_t n) -> ssize_t {
    ssize_t w = write(fd, p, n);
    if (w < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    if (w < 0) {
      LOG_WARNING("Write error sending DB to replica: %s", strerror(errno));
      g_hooks.loop->DelFileEvent(fd, net::kWritable);
      FreeLater(c);
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
    g_hooks.loop->DelFileEvent(fd, net::kWritable);
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
    r.replid = common::RandomHex(40);
    r.replid2 = kNullReplId;
    r.second_replid_offset = -1;
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

// ---- replica side ----

void SendToMaster(int fd, std::initializer_list<std::string_view> argv) {
  std::string out;
  persist::AppendRespCommand(&out, argv);
  // The socket is empty and the command small: one write. A short write
  // on a fresh loopback/LAN socket means the link is broken; the reply
  // never comes and repl-timeout ends it.
  ssize_t n = write(fd, out.data(), out.size());
  (void)n;
}

void CloseLinkSocket() {
  Repl& r = R();
  if (r.fd >= 0) {
    g_hooks.loop->DelFileEvent(r.fd, net::kReadable | net::kWritable);
    close(r.fd);
    r.fd = -1;
  }
  if (r.tmp_fd >= 0) {
    close(r.tmp_fd);
    r.tmp_fd = -1;
    unlink(r.tmp_path.c_str());
  }
  r.in_memory = false;
  std::string().swap(r.payload);
  r.inbuf.clear();
}

// The handshake or transfer failed: try again from the connect.
void AbortFailover(const char* why);

void LinkFailed(const char* why) {
  Repl& r = R();
  if (why) LOG_WARNING("%s", why);
  CloseLinkSocket();
  if (r.state != LinkState::kNone) r.state = LinkState::kConnect;
  // The target did not take over: this stays the master.
  if (r.failover.state == FailoverState::kInProgress) AbortFailover("Failover target refused the handover");
}

void SendAck() {
  Repl& r = R();
  if (r.master == nullptr) return;
  std::string out;
  persist::AppendRespCommand(&out, {"REPLCONF", "ACK", std::to_string(r.master_repl_offset)});
  Deliver(r.master, out);
}

void LinkReadHandler(net::EventLoop*, int fd, void*, int);

// The link becomes the master client; `rest` is what was read past the
// payload (or the +CONTINUE line): the stream's first bytes.
void CreateMasterClient() {
  Repl& r = R();
  g_hooks.loop->DelFileEvent(r.fd, net::kReadable | net::kWritable);
  int fd = r.fd;
  r.fd = -1;
  std::string rest;
  rest.swap(r.inbuf);
  Client* c = g_hooks.create_client(fd, commands::kClientMaster);
  if (c == nullptr) {
    close(fd);
    r.state = LinkState::kConnect;
    return;
  }
  c->authenticated = true;
  c->db_index = r.master_db;
  c->db = commands::GetDb(r.master_db);
  if (c->db == nullptr) c->db = commands::GetDb(0);
  r.master = c;
  r.state = LinkState::kConnected;
  if (r.failover.state == FailoverState::kInProgress) {
    LOG_NOTICE("Failover target %s:%d is now the master.", r.master_host.c_str(), r.master_port);
    r.failover = Failover();
    commands::UnpauseClients();
  }
  r.psync_possible = true;
  r.last_io_ms = common::MsTime();
  if (!r.backlog) CreateBacklog();
  if (!rest.empty()) {
    c->querybuf.Append(rest.data(), rest.size());
    g_hooks.process_input(c);
  }
}

// Loads the payload received into tmp_path: renamed to dbfilename, loaded
// with the old data flushed.
void FinishFullSync(const RdbReplInfo& info);

void FinishTransfer() {
  Repl& r = R();
  if (r.in_memory) {
    if (r.transfer_size == -1) r.payload.resize(r.payload.size() - kEofMarkLen);
    LOG_NOTICE("MASTER <-> REPLICA sync: Loading DB in memory");
    g_hooks.loop->DelFileEvent(r.fd, net::kReadable);
    DisconnectReplicas();
    std::string data;
    data.swap(r.payload);
    RdbReplInfo info;
    common::Status s = g_hooks.load_rdb_data(data, g_settings.diskless_load == 2, &info);
    r.in_memory = false;
    if (!s.ok()) {
      std::string e = "Failed trying to load the MASTER synchronization DB from socket: " + s.message();
      r.psync_possible = false;
      LinkFailed(e.c_str());
      return;
    }
    FinishFullSync(info);
    return;
  }
  if (r.transfer_size == -1) {
    // The mark is not part of the RDB.
    if (ftruncate(r.tmp_fd, r.transfer_read - static_cast<int64_t>(kEofMarkLen)) != 0) {
      LinkFailed("Error truncating the RDB received from the master");
      return;
    }
  }
  if (fsync(r.tmp_fd) != 0 || close(r.tmp_fd) != 0) {
    r.tmp_fd = -1;
    LinkFailed("Error closing the RDB received from the master");
    return;
  }
  r.tmp_fd = -1;
  if (rename(r.tmp_path.c_str(), g_settings.dbfilename.c_str()) != 0) {
    std::string e = "Failed trying to rename the temp DB into " + g_settings.dbfilename +
                    " in MASTER <-> REPLICA synchronization: " + strerror(errno);
    unlink(r.tmp_path.c_str());
    LinkFailed(e.c_str());
    return;
  }
  LOG_NOTICE("MASTER <-> REPLICA sync: Flushing old data");
  LOG_NOTICE("MASTER <-> REPLICA sync: Loading DB in memory");
  // No reads of the link while loading (loading serves other clients).
  g_hooks.loop->DelFileEvent(r.fd, net::kReadable);
  // Our own replicas must resync with the new history.
  DisconnectReplicas();
  RdbReplInfo info;
  common::Status s = g_hooks.load_rdb(g_settings.dbfilename, &info);
  if (!s.ok()) {
    std::string e = "Failed trying to load the MASTER synchronization DB from disk: " + s.message();
    r.psync_possible = false;
    LinkFailed(e.c_str());
    return;
  }
  FinishFullSync(info);
}

// The new dataset is loaded: the master's history is ours from here. The
// stream continues in the db the RDB names (repl-stream-db): a master that
// is itself a replica does not start its stream with a SELECT.
void FinishFullSync(const RdbReplInfo& info) {
  Repl& r = R();
  r.master_db = info.valid ? info.stream_db : 0;
  r.replid = r.full_replid;
  r.replid2 = kNullReplId;
  r.second_replid_offset = -1;
  r.master_repl_offset = r.full_offset;
  r.backlog.reset();
  CreateBacklog();
  r.slaveseldb = -1;
  CreateMasterClient();
  LOG_NOTICE("MASTER <-> REPLICA sync: Finished with success");
  SendAck();
  r.transfer_size = -2;
}

// Consumes the payload's bytes from inbuf.
void ConsumeTransfer() {
  Repl& r = R();
  if (r.transfer_size == -2) {
    for (;;) {
      size_t eol = r.inbuf.find('\n');
      if (eol == std::string::npos) return;
      std::string line = r.inbuf.substr(0, eol);
      r.inbuf.erase(0, eol + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;  // keep-alive newline while the master saves
      if (line[0] == '-') {
        std::string e = "MASTER aborted replication with an error: " + line.substr(1);
        LinkFailed(e.c_str());
        return;
      }
      if (line[0] != '$') {
        std::string e = "Bad protocol from MASTER, the first byte is not '$' (we received '" + line +
                        "'), are you sure the host and port are right?";
        LinkFailed(e.c_str());
        return;
      }
      if (line.compare(0, 5, "$EOF:") == 0 && line.size() == 5 + kEofMarkLen) {
        r.eof_mark = line.substr(5);
        r.transfer_size = -1;
        LOG_NOTICE("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk");
      } else {
        int64_t n;
        if (!common::StringToInt64(std::string_view(line).substr(1), &n) || n < 0) {
          LinkFailed("Bad payload length from MASTER");
          return;
        }
        r.transfer_size = n;
        LOG_NOTICE("MASTER <-> REPLICA sync: receiving %lld bytes from master to disk", static_cast<long long>(n));
      }
      r.transfer_read = 0;
      r.tail.clear();
      bool empty = true;
      for (int i = 0; commands::GetDb(i) != nullptr; i++) empty &= commands::GetDb(i)->size() == 0;
      r.in_memory = g_settings.diskless_load == 2 || (g_settings.diskless_load == 1 && empty);
      if (r.in_memory) {
        r.payload.clear();
        if (r.transfer_size > 0) r.payload.reserve(static_cast<size_t>(r.transfer_size));
        LOG_NOTICE("MASTER <-> REPLICA sync: Loading DB in memory, without a temporary file");
        break;
      }
      r.tmp_path = "temp-" + std::to_string(common::MsTime() / 1000) + "." + std::to_string(getpid()) + ".rdb";
      r.tmp_fd = open(r.tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (r.tmp_fd < 0) {
        std::string e = "Opening the temp file needed for MASTER <-> REPLICA synchronization: " +
                        std::string(strerror(errno));
        LinkFailed(e.c_str());
        return;
      }
      break;
    }
  }
  size_t take = r.inbuf.size();
  if (r.transfer_size >= 0) take = static_cast<size_t>(std::min<int64_t>(take, r.transfer_size - r.transfer_read));
  if (take > 0 && r.in_memory) {
    r.payload.append(r.inbuf, 0, take);
    if (r.transfer_size == -1) {
      r.tail.assign(r.payload, r.payload.size() - std::min(r.payload.size(), kEofMarkLen));
    }
    r.inbuf.erase(0, take);
    r.transfer_read += static_cast<int64_t>(take);
  } else if (take > 0) {
    size_t off = 0;
    while (off < take) {
      ssize_t w = write(r.tmp_fd, r.inbuf.data() + off, take - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        std::string e = "Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA "
                        "synchronization: " + std::string(strerror(errno));
        LinkFailed(e.c_str());
        return;
      }
      off += static_cast<size_t>(w);
    }
    if (r.transfer_size == -1) {
      r.tail.append(r.inbuf, 0, take);
      if (r.tail.size() > kEofMarkLen) r.tail.erase(0, r.tail.size() - kEofMarkLen);
    }
    r.inbuf.erase(0, take);
    r.transfer_read += static_cast<int64_t>(take);
  }
  const bool done = r.transfer_size >= 0 ? r.transfer_read == r.transfer_size
                                         : (r.tail.size() == kEofMarkLen && r.tail == r.eof_mark);
  if (done) FinishTransfer();
}

void SendPsync() {
  Repl& r = R();
  if (r.psync_possible) {
    std::string off = std::to_string(r.master_repl_offset + 1);
    LOG_NOTICE("Trying a partial resynchronization (request %s:%s).", r.replid.c_str(), off.c_str());
    if (r.failover.state == FailoverState::kInProgress) {
      SendToMaster(r.fd, {"PSYNC", r.replid, off, "FAILOVER"});
    } else {
      SendToMaster(r.fd, {"PSYNC", r.replid, off});
    }
  } else {
    LOG_NOTICE("Partial resynchronization not possible (no cached master)");
    SendToMaster(r.fd, {"PSYNC", "?", "-1"});
  }
  r.state = LinkState::kPsync;
}

void SendCapa() {
  Repl& r = R();
  SendToMaster(r.fd, {"REPLCONF", "capa", "eof", "capa", "psync2"});
  r.state = LinkState::kCapa;
}

void SendPort() {
  Repl& r = R();
  int port = g_settings.announce_port ? g_settings.announce_port : g_settings.port;
  SendToMaster(r.fd, {"REPLCONF", "listening-port", std::to_string(port)});
  r.state = LinkState::kPort;
}

// One reply line of the handshake. Redis's syncWithMaster.
void HandshakeLine(const std::string& line) {
  Repl& r = R();
  const bool err = !line.empty() && line[0] == '-';
  switch (r.state) {
    case LinkState::kReceivePong:
      if (err && line.compare(0, 7, "-NOAUTH") != 0 && line.compare(0, 7, "-NOPERM") != 0 &&
          line.compare(0, 28, "-ERR operation not permitted") != 0) {
        std::string e = "Error reply to PING from master: '" + line + "'";
        LinkFailed(e.c_str());
        return;
      }
      LOG_NOTICE("Master replied to PING, replication can continue...");
      if (!g_settings.masterauth.empty()) {
        if (g_settings.masteruser.empty()) {
          SendToMaster(r.fd, {"AUTH", g_settings.masterauth});
        } else {
          SendToMaster(r.fd, {"AUTH", g_settings.masteruser, g_settings.masterauth});
        }
        r.state = LinkState::kAuth;
      } else {
        SendPort();
      }
      return;
    case LinkState::kAuth:
      if (err) {
        std::string e = "Unable to AUTH to MASTER: " + line;
        LinkFailed(e.c_str());
        return;
      }
      SendPort();
      return;
    case LinkState::kPort:
      if (err) LOG_NOTICE("(Non critical) Master does not understand REPLCONF listening-port: %s", line.c_str());
      if (!g_settings.announce_ip.empty()) {
        SendToMaster(r.fd, {"REPLCONF", "ip-address", g_settings.announce_ip});
        r.state = LinkState::kIp;
      } else {
        SendCapa();
      }
      return;
    case LinkState::kIp:
      if (err) LOG_NOTICE("(Non critical) Master does not understand REPLCONF ip-address: %s", line.c_str());
      SendCapa();
      return;
    case LinkState::kCapa:
      if (err) LOG_NOTICE("(Non critical) Master does not understand REPLCONF capa: %s", line.c_str());
      SendPsync();
      return;
    case LinkState::kPsync: {
      if (line.compare(0, 11, "+FULLRESYNC") == 0) {
        std::vector<std::string_view> parts = common::SplitSpaces(line);
        int64_t off = 0;
        if (parts.size() < 3 || parts[1].size() != 40 || !common::StringToInt64(parts[2], &off)) {
          LinkFailed("Master replied with wrong +FULLRESYNC syntax.");
          return;
        }
        r.full_replid = std::string(parts[1]);
        r.full_offset = off;
        r.psync_possible = false;
        LOG_NOTICE("Full resync from master: %s:%lld", r.full_replid.c_str(), static_cast<long long>(off));
        r.state = LinkState::kTransfer;
        r.transfer_size = -2;
        r.transfer_start_ms = common::MsTime();
        return;
      }
      if (line.compare(0, 9, "+CONTINUE") == 0) {
        std::string newid = line.size() > 10 ? line.substr(10) : std::string();
        while (!newid.empty() && (newid.back() == ' ' || newid.back() == '\r')) newid.pop_back();
        LOG_NOTICE("Successful partial resynchronization with master.");
        if (newid.size() == 40 && newid != r.replid) {
          r.replid2 = r.replid;
          r.second_replid_offset = r.master_repl_offset + 1;
          r.replid = newid;
          LOG_NOTICE("Master replication ID changed to %s", newid.c_str());
          DisconnectReplicas();
        }
        LOG_NOTICE("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
        CreateMasterClient();
        return;
      }
      if (line.compare(0, 13, "-NOMASTERLINK") == 0 || line.compare(0, 8, "-LOADING") == 0) {
        LOG_NOTICE("Master is currently unable to PSYNC but should be in the future: %s", line.c_str());
        LinkFailed(nullptr);
        return;
      }
      std::string e = "Unexpected reply to PSYNC from master: " + line;
      LinkFailed(e.c_str());
      return;
    }
    default:
      return;
  }
}

void LinkReadHandler(net::EventLoop*, int fd, void*, int) {
  Repl& r = R();
  char buf[kTransferChunk];
  ssize_t n = read(fd, buf, sizeof(buf));
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    LinkFailed(r.state == LinkState::kTransfer ? "I/O error trying to sync with MASTER: connection lost"
                                               : "Master closed the connection during the handshake");
    return;
  }
  commands::GetState().stats.net_input_bytes += static_cast<uint64_t>(n);
  r.last_io_ms = common::MsTime();
  r.inbuf.append(buf, static_cast<size_t>(n));
  while (r.fd >= 0 && r.state != LinkState::kTransfer && r.state != LinkState::kConnected &&
         r.state != LinkState::kConnect) {
    size_t eol = r.inbuf.find('\n');
    if (eol == std::string::npos) return;
    std::string line = r.inbuf.substr(0, eol);
    r.inbuf.erase(0, eol + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;  // keep-alive
    HandshakeLine(line);
  }
  if (r.fd >= 0 && r.state == LinkState::kTransfer) ConsumeTransfer();
}

// The connect finished (writable): start the handshake with PING.
void LinkConnectedHandler(net::EventLoop*, int fd, void*, int) {
  Repl& r = R();
  g_hooks.loop->DelFileEvent(fd, net::kWritable);
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) {
    std::string e = std::string("Error condition on socket for SYNC: ") + strerror(err);
    LinkFailed(e.c_str());
    return;
  }
  r.last_io_ms = common::MsTime();
  if (!g_hooks.loop->AddFileEvent(fd, net::kReadable, LinkReadHandler, nullptr).ok()) {
    LinkFailed("Can't create readable event for SYNC");
    return;
  }
  LOG_NOTICE("MASTER <-> REPLICA sync started");
  SendToMaster(fd, {"PING"});
  r.state = LinkState::kReceivePong;
}

// Starts the connect without waiting for it (Redis's connectWithMaster):
// a master that does not answer costs the event loop nothing, and
// repl-timeout ends the attempt.
void ConnectToMaster() {
  Repl& r = R();
  common::Result<int> fd = net::ConnectTcpNonBlock(r.master_host, r.master_port);
  if (!fd.ok()) {
    LOG_WARNING("Unable to connect to MASTER: %s", fd.status().message().c_str());
    return;
  }
  LOG_NOTICE("Connecting to MASTER %s:%d", r.master_host.c_str(), r.master_port);
  net::SetTcpNoDelay(*fd, true);
  r.fd = *fd;
  r.inbuf.clear();
  r.last_io_ms = common::MsTime();
  r.transfer_start_ms = r.last_io_ms;
  r.state = LinkState::kConnecting;
  if (!g_hooks.loop->AddFileEvent(r.fd, net::kWritable, LinkConnectedHandler, nullptr).ok())
    LinkFailed("Can't create writable event for SYNC");
}

void DropMasterLink() {
  Repl& r = R();
  CloseLinkSocket();
  if (r.master != nullptr) {
    Client* m = r.master;
    r.master = nullptr;
    m->flags &= ~commands::kClientMaster;
    g_hooks.free_client(m);
  }
}

// Promotion (REPLICAOF NO ONE, PSYNC FAILOVER): a new history starts, the
// old id stays valid up to here, our replicas reconnect and continue.
void UnsetMaster() {
  Repl& r = R();
  DropMasterLink();
  r.state = LinkState::kNone;
  r.master_host.clear();
  r.master_port = 0;
  ShiftReplicationId();
  DisconnectReplicas();
  r.slaveseldb = -1;
  r.psync_possible = false;
  if (!r.backlog) CreateBacklog();
  if (g_hooks.master_changed) g_hooks.master_changed("", 0);
}

void AbortFailover(const char* why) {
  Repl& r = R();
  if (r.failover.state == FailoverState::kNone) return;
  LOG_NOTICE("FAILOVER aborted: %s", why);
  if (r.failover.state == FailoverState::kInProgress) UnsetMaster();
  r.failover = Failover();
  commands::UnpauseClients();
}

const char* LinkStateName(LinkState s) {
  switch (s) {
    case LinkState::kConnect:
      return "connect";
    case LinkState::kConnecting:
      return "connecting";
    case LinkState::kReceivePong:
    case LinkState::kAuth:
    case LinkState::kPort:
    case LinkState::kIp:
    case LinkState::kCapa:
    case LinkState::kPsync:
      return "handshake";
    case LinkState::kTransfer:
      return "sync";
    case LinkState::kConnected:
      return "connected";
    default:
      return "unknown";
  }
}

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

}  // namespace

Settings& GetSettings() { return g_settings; }
Hooks& GetHooks() { return g_hooks; }

void Init() {
  Repl& r = R();
  r.replid = common::RandomHex(40);
  r.no_replicas_since_ms = common::MsTime();
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
  if (any_replica && r.state == LinkState::kNone &&
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
    r.replid = common::RandomHex(40);
    r.replid2 = kNullReplId;
    r.second_replid_offset = -1;
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
