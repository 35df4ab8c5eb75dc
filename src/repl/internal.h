// Replication's internals, shared by its three files: master.cc (the
// stream, the backlog's feeding, full syncs, SYNC/PSYNC, REPLCONF, WAIT,
// FAILOVER), replica.cc (the link to our master: connect, handshake,
// payload, the master client) and replication.cc (the public API of
// replication.h, REPLICAOF, ROLE, cron, INFO). Not for use outside repl/.
//
// Thread safety: main thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "commands/state.h"
#include "net/event_loop.h"
#include "net/tls.h"
#include "repl/backlog.h"
#include "repl/replication.h"

namespace repl::internal {

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
  net::TlsConn* tls = nullptr;  // its TLS connection (tls-replication; owned, then the master client's)
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

// The one replication state.
Repl& R();


inline bool IsOnlineState(ReplicaState s) { return s == ReplicaState::kOnline; }

// The host part of "ip:port" / "[ip6]:port".
inline std::string PeerIp(const Client& c) {
  std::string host = c.addr;
  size_t colon = host.rfind(':');
  if (colon != std::string::npos) host.resize(colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

inline void Deliver(Client* c, std::string_view bytes) {
  if (c == nullptr || c->fd < 0 || (c->flags & commands::kClientCloseAsap)) return;
  c->outbuf.append(bytes);
  if (commands::GetState().delivered != nullptr) commands::GetState().delivered(*c);
}

inline void FreeLater(Client* c) {
  if (commands::GetState().close_client_async != nullptr) commands::GetState().close_client_async(*c);
}

Settings& S();  // the settings the server mirrored
Hooks& H();     // the server's hooks

// The stream (master.cc).
void CreateBacklog();
void FeedBytes(std::string_view b);
void AppendSelect(std::string* out, int db);
void ShiftReplicationId();
void DisconnectReplicas();
// Full sync (master.cc). A diskless transfer pauses reading the child's
// pipe while a replica has more than kPipeHighWater of it unsent, and
// resumes below kPipeLowWater: the payload is never buffered whole in the
// parent (Redis 7.0 waits for every replica's socket to drain before
// reading more).
constexpr size_t kPipeHighWater = 16 << 20;
constexpr size_t kPipeLowWater = 4 << 20;
void PipeReadHandler(net::EventLoop*, int fd, void*, int);
void FinishDisklessTransfer(bool ok);
void StartBgsaveForReplication(bool delay_over);
void SendBulkHandler(net::EventLoop* loop, int fd, void* data, int);
void PutOnline(ReplicaLink& l);
int CountAcks(int64_t offset);
void UpdateFailover(int64_t now_ms);
const char* FailoverStateName(FailoverState s);
// Master-side commands (master.cc).
void SyncCommand(Client& c);
void ReplconfCommand(Client& c);
void WaitCommand(Client& c);
void FailoverCommand(Client& c);
// The link to our master (replica.cc).
void SendAck();
void LinkFailed(const char* why);
void ConnectToMaster();
void DropMasterLink();
void UnsetMaster();
void AbortFailover(const char* why);
const char* LinkStateName(LinkState s);
// Commands for both sides (replication.cc).
void ReplicaofCommand(Client& c);
void RoleCommand(Client& c);

}  // namespace repl::internal
