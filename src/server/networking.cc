// Client I/O: see networking.h.
#include "server/networking.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "acl/acl.h"
#include "commands/blocking.h"
#include "commands/dispatch.h"
#include "commands/pause.h"
#include "commands/state.h"
#include "commands/tracking.h"
#include "commands/transactions.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "net/socket.h"
#include "net/tls.h"
#include "repl/replication.h"
#include "server/config.h"
#include "server/crash.h"
#include "server/maxmemory.h"
#include "server/persistence.h"
#include "server/server.h"

namespace server {
namespace {

using commands::Client;
using commands::GetState;

// Read size per read(2) call: Redis's PROTO_IOBUF_LEN. Reading no more
// than this per readable event (unless one big argument is pending, below)
// keeps the loop fair: each pass serves every ready client a slice, so the
// first replies of a pipeline leave after one short pass, not after every
// client's whole backlog was executed (the p99 of MSET -P 16 with 1 KiB
// values was 2.9x Redis's when we read whatever the buffer had room for).
constexpr size_t kIoBufLen = 16 * 1024;
// A pending bulk at least this long is read in one piece sized to what is
// missing of it, as Redis does (PROTO_MBULK_BIG_ARG).
constexpr size_t kBigArg = 32 * 1024;
// Write at most this much to one client per event, so one huge reply does
// not starve the others. Redis 7.0's NET_MAX_WRITES_PER_EVENT is 64 KiB;
// ours is larger on purpose: with 64 KiB a pipelined client with big
// replies needs many event loop passes, and every other client waits for
// each of them (redis-benchmark LRANGE_100, -P 16, 1 KiB values, 50
// clients: p50 63 ms on Redis 7.0.15, 1.6 ms here, p99 84 ms vs 53 ms).
constexpr size_t kMaxWritesPerEvent = 64 * 1024 * 1024;
// Most query-buffer space reserved ahead of data for one big argument.
constexpr size_t kMaxReadAhead = 64 * 1024 * 1024;
// Most space reserved ahead of data for all clients' big arguments
// together, beyond what each client has already sent: an announced length
// is not data, and a thousand clients announcing 512 MB each must not make
// the server reserve 64 GB. A client past its share grows its buffer with
// what it really sends (doubling), which costs copies but no trust.
constexpr size_t kMaxTotalReadAhead = 2 * kMaxReadAhead;
// Descriptors kept for everything but clients: listeners, the log, RDB and
// AOF files, the pipes to fork children (Redis's CONFIG_MIN_RESERVED_FDS).
constexpr int kMinReservedFds = 32;
// The event loop watches maxclients plus this many descriptors (Redis's
// CONFIG_FDSET_INCR: the reserved ones and room to spare).
constexpr int kFdsetIncr = kMinReservedFds + 96;


void FreeClient(Client* c);

const char kProtectedModeError[] =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the "
    "default user. In this mode connections are only accepted from the loopback interface. If you want to "
    "connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable "
    "protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by "
    "connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly "
    "accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and setting the "
    "protected mode option to 'no', and then restarting the server. 3) If you started the server manually "
    "just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password "
    "for the default user. NOTE: You only need to do one of the above things in order for the server to start "
    "accepting connections from the outside.\r\n";

// ---- writing ----

void WriteHandler(net::EventLoop* loop, int fd, void* data, int mask);

// Writes what the socket takes. Returns false if the client was closed.
bool WriteToClient(Client* c, bool handler_installed) {
  ServerRuntime& rt = Runtime();
  size_t total = 0;
  while (c->PendingOutput() > 0) {
    ssize_t n = c->tls ? c->tls->Write(c->outbuf.data() + c->out_pos, c->PendingOutput())
                       : write(c->fd, c->outbuf.data() + c->out_pos, c->PendingOutput());
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) break;
      LOG_VERBOSE("Error writing to client: %s", n < 0 ? strerror(errno) : "connection closed");
      FreeClient(c);
      return false;
    }
    c->out_pos += static_cast<size_t>(n);
    total += static_cast<size_t>(n);
    GetState().stats.net_output_bytes += static_cast<uint64_t>(n);
    if (total >= kMaxWritesPerEvent) break;
  }
  GetState().stats.total_writes_processed++;
  if (c->PendingOutput() == 0) {
    c->outbuf.clear();
    c->out_pos = 0;
    // Give back memory of a big reply once it is gone.
    if (c->outbuf.capacity() > 64 * 1024) {
      c->outbuf.shrink_to_fit();
      UpdateClientMemory(c);
    }
    if (handler_installed) rt.loop->DelFileEvent(c->fd, net::kWritable);
    if (c->flags & commands::kClientCloseAfterReply) {
      FreeClient(c);
      return false;
    }
  } else {
    // Compact once most of the buffer has been written.
    if (c->out_pos > 1024 * 1024 && c->out_pos > c->outbuf.size() / 2) {
      c->outbuf.erase(0, c->out_pos);
      c->out_pos = 0;
    }
    if (!handler_installed) rt.loop->AddFileEvent(c->fd, net::kWritable, WriteHandler, c);
  }
  return true;
}

void WriteHandler(net::EventLoop*, int, void* data, int) {
  Client* c = static_cast<Client*>(data);
  // A TLS handshake record that did not fit the socket: go on with it.
  if (c->tls != nullptr && !c->tls->HandshakeDone()) {
    if (!c->tls->Handshake()) {
      LOG_VERBOSE("TLS handshake with %s failed: %s", c->addr.c_str(), c->tls->error().c_str());
      FreeClient(c);
      return;
    }
    if (!c->tls->WantsWrite() && c->PendingOutput() == 0) {
      Runtime().loop->DelFileEvent(c->fd, net::kWritable);
      return;
    }
  }
  AofFlushBeforeReply();
  WriteToClient(c, true);
}

// client-output-buffer-limit for normal clients (class 0): over the hard
// limit, or over the soft limit for longer than its seconds, the client is
// closed, as Redis does. Returns true if the client was scheduled to close.
// The client-output-buffer-limit class of c: pubsub while it is
// subscribed, else normal (replicas later), as Redis's getClientType.
const ObufLimit& ObufLimitOf(const Client* c) {
  // Our master's link is never limited (Redis's getClientType gives it
  // the normal class but never closes it for its buffer).
  static const ObufLimit kUnlimited{};
  if (c->flags & commands::kClientMaster) return kUnlimited;
  const ClientClass k = (c->flags & commands::kClientSlave)    ? ClientClass::kReplica
                        : (c->flags & commands::kClientPubSub) ? ClientClass::kPubsub
                                                               : ClientClass::kNormal;
  return Config().client_obuf_limits[static_cast<int>(k)];
}

bool CheckOutputBufferLimits(Client* c) {
  const ObufLimit& lim = ObufLimitOf(c);
  size_t used = c->PendingOutput();
  bool hard = c->reply.overflowed() || (lim.hard_bytes && used >= lim.hard_bytes);
  bool soft = false;
  if (lim.soft_bytes && used >= lim.soft_bytes) {
    int64_t now = common::MsTime();
    if (c->obuf_soft_limit_since_ms == 0) c->obuf_soft_limit_since_ms = now;
    soft = now - c->obuf_soft_limit_since_ms >= lim.soft_seconds * 1000;
  } else {
    c->obuf_soft_limit_since_ms = 0;
  }
  if (!hard && !soft) return false;
  LOG_WARNING("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.",
              ClientInfoLine(*c).c_str());
  GetState().stats.client_outbuf_limit_disconnections++;
  c->outbuf.clear();
  c->out_pos = 0;
  CloseClientAsync(c);
  return true;
}

void QueueWrite(Client* c) {
  if (c->flags & commands::kClientPendingWrite) return;
  if (Runtime().loop->GetFileEvents(c->fd) & net::kWritable) return;  // handler will do it
  c->flags |= commands::kClientPendingWrite;
  Runtime().pending_writes.push_back(c);
}

// ---- reading ----

// Records how much of c's query buffer is reserved ahead of its data for a
// big argument, in the total all clients share (kMaxTotalReadAhead).
void UpdateReadAhead(Client* c) {
  size_t ahead = c->parser.PendingBulkLen() >= kBigArg ? c->querybuf.capacity() - c->querybuf.size() : 0;
  size_t& total = Runtime().read_ahead_total;
  total = total - c->read_ahead + ahead;
  c->read_ahead = ahead;
}


void ReadHandler(net::EventLoop*, int fd, void* data, int) {
  Client* c = static_cast<Client*>(data);
  auto& cfg = Config();
  // 16 KiB per event; a big argument the parser waits for is read in one
  // piece of exactly what is missing of it, but at most 64 MiB ahead, and
  // ahead of what the client has sent only from the budget all clients
  // share: an announced length is not yet data, and a client must not make
  // us allocate proto-max-bulk-len up front.
  size_t want = kIoBufLen;
  if (c->parser.PendingBulkLen() >= kBigArg) {
    const size_t buffered = c->querybuf.size() - c->qb_pos;
    const size_t missing = c->parser.PendingBulkBytesMissing(buffered);
    const size_t room = c->querybuf.capacity() - c->querybuf.size();
    if (missing > 0 && room >= std::min(missing, kIoBufLen)) {
      // Fill the room reserved earlier before reserving more, so a bulk
      // grows the buffer in big steps, not by each read's few bytes.
      want = std::min(missing, room);
    } else if (missing > 0) {
      const size_t others = Runtime().read_ahead_total - c->read_ahead;
      const size_t budget = others < kMaxTotalReadAhead ? kMaxTotalReadAhead - others : 0;
      want = std::min({missing, kMaxReadAhead, std::max({kIoBufLen, buffered, budget})});
    }
  }
  ssize_t n = c->tls ? c->tls->Read(c->querybuf.PrepareAppend(want), want)
                     : read(fd, c->querybuf.PrepareAppend(want), want);
  if (n <= 0) {
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      // The TLS handshake waits for the socket to take its next record.
      if (c->tls != nullptr && c->tls->WantsWrite())
        (void)Runtime().loop->AddFileEvent(fd, net::kWritable, WriteHandler, c);
      return;
    }
    if (n < 0) {
      LOG_VERBOSE("Reading from client %s: %s", c->addr.c_str(),
                  c->tls ? c->tls->error().c_str() : strerror(errno));
    }
    FreeClient(c);
    return;
  }
  c->querybuf.Commit(static_cast<size_t>(n));
  // Bytes OpenSSL already decrypted wake no event: take them now.
  while (c->tls != nullptr && c->tls->Pending() > 0) {
    const size_t more = c->tls->Pending();
    ssize_t m = c->tls->Read(c->querybuf.PrepareAppend(more), more);
    if (m <= 0) break;
    c->querybuf.Commit(static_cast<size_t>(m));
    n += m;
  }
  GetState().stats.net_input_bytes += static_cast<uint64_t>(n);
  GetState().stats.total_reads_processed++;
  c->last_interaction_ms = common::MsTime();
  if (c->querybuf.size() > c->querybuf_peak) c->querybuf_peak = c->querybuf.size();
  if (cfg.client_query_buffer_limit > 0 &&
      c->querybuf.size() - c->qb_pos > static_cast<size_t>(cfg.client_query_buffer_limit)) {
    LOG_WARNING("Closing client that reached max query buffer length: %s (qbuf initial bytes: %s)",
                ClientInfoLine(*c).c_str(),
                common::Repr(c->querybuf.view().substr(c->qb_pos, 64)).c_str());
    GetState().stats.client_qbuf_limit_disconnections++;
    FreeClient(c);
    return;
  }
  ProcessInput(c);
}

// ---- accepting ----

void AcceptCommon(int fd, const std::string& ip, int port, bool unix_socket, bool tls = false) {
  ServerRuntime& rt = Runtime();
  auto& cfg = Config();
  auto& st = GetState();
  if (static_cast<int>(rt.clients.size()) >= cfg.maxclients) {
    // (A TLS client could not read a plain-text error: it is just closed.)
    const char* msg = "-ERR max number of clients reached\r\n";
    ssize_t w = tls ? 0 : write(fd, msg, strlen(msg));
    (void)w;
    st.stats.rejected_conn++;
    close(fd);
    return;
  }
  if (cfg.protected_mode && (acl::DefaultUser().flags & acl::kUserNoPass) && !unix_socket &&
      !net::IsLocalPeer(ip)) {
    ssize_t w = tls ? 0 : write(fd, kProtectedModeError, strlen(kProtectedModeError));
    (void)w;
    st.stats.rejected_conn++;
    close(fd);
    return;
  }
  auto c = std::make_unique<Client>();
  if (tls) {
    c->tls = net::TlsConn::Accept(fd);
    if (c->tls == nullptr) {
      close(fd);
      return;
    }
  }
  c->id = rt.next_client_id++;
  c->fd = fd;
  c->db = commands::GetDb(0);
  // As Redis's clientSetDefaultAuth: a client that connects while the
  // default user needs no password is authenticated, and stays so when
  // CONFIG SET requirepass adds one later.
  c->user = &acl::DefaultUser();
  c->authenticated = !acl::DefaultNeedsAuth();
  c->ctime_ms = c->last_interaction_ms = common::MsTime();
  c->addr = unix_socket ? cfg.unixsocket + ":0" : net::FormatAddr(ip, port);
  if (unix_socket) {
    c->flags |= commands::kClientUnixSocket;
    c->laddr = cfg.unixsocket + ":0";
  } else {
    std::string lip;
    int lport = 0;
    if (net::SockName(fd, &lip, &lport)) c->laddr = net::FormatAddr(lip, lport);
    net::SetTcpNoDelay(fd, true);
    if (cfg.tcp_keepalive > 0) net::SetKeepAlive(fd, cfg.tcp_keepalive);
  }
  resp::ParserLimits limits;
  limits.proto_max_bulk_len = static_cast<size_t>(cfg.proto_max_bulk_len);
  c->parser.SetLimits(limits);
  Client* raw = c.get();
  if (!rt.loop->AddFileEvent(fd, net::kReadable, ReadHandler, raw).ok()) {
    LOG_WARNING("Error registering fd event for the new client: %s", strerror(errno));
    delete raw->tls;
    close(fd);
    return;
  }
  rt.clients.emplace(raw->id, std::move(c));
  st.stats.numconnections++;
  LOG_VERBOSE("Accepted %s", raw->addr.c_str());
}

void AcceptTcpHandler(net::EventLoop*, int fd, void*, int);
void AcceptTlsHandler(net::EventLoop*, int fd, void*, int);
void AcceptUnixHandler(net::EventLoop*, int fd, void*, int);

// Out of descriptors (EMFILE, ENFILE), the pending connection stays in the
// backlog and the listener stays readable: retrying at once would spin a
// core and flood the log. So the listeners are left alone until the next
// cron tick, which watches them again. maxclients is fitted to the limit at
// start-up (AdjustOpenFilesLimit), so this takes something else holding
// descriptors: a burst of fork pipes, files, a lower limit set from outside.
void PauseAccepting(int err) {
  ServerRuntime& rt = Runtime();
  if (rt.accept_paused) return;
  LOG_WARNING("Accepting client connection: %s; not accepting for the next %d ms", strerror(err),
              1000 / rt.hz);
  rt.accept_paused = true;
  for (int lfd : rt.listen_fds) rt.loop->DelFileEvent(lfd, net::kReadable);
  for (int lfd : rt.tls_listen_fds) rt.loop->DelFileEvent(lfd, net::kReadable);
  if (rt.unix_fd >= 0) rt.loop->DelFileEvent(rt.unix_fd, net::kReadable);
}


// After a failed accept (the handler then stops for this event).
void AcceptFailed(int err) {
  if (err == EAGAIN || err == EWOULDBLOCK) return;
  if (err == EMFILE || err == ENFILE) {
    PauseAccepting(err);
    return;
  }
  LOG_WARNING("Accepting client connection: %s", strerror(err));
}

void AcceptTcpConnections(int fd, bool tls) {
  // Redis accepts up to 1000 connections per event (MAX_ACCEPTS_PER_CALL).
  for (int i = 0; i < 1000; i++) {
    std::string ip;
    int port = 0;
    int cfd = net::AcceptTcp(fd, &ip, &port);
    if (cfd < 0) {
      AcceptFailed(errno);
      return;
    }
    AcceptCommon(cfd, ip, port, false, tls);
  }
}

void AcceptTcpHandler(net::EventLoop*, int fd, void*, int) { AcceptTcpConnections(fd, false); }
void AcceptTlsHandler(net::EventLoop*, int fd, void*, int) { AcceptTcpConnections(fd, true); }

void AcceptUnixHandler(net::EventLoop*, int fd, void*, int) {
  for (int i = 0; i < 1000; i++) {
    int cfd = net::AcceptUnix(fd);
    if (cfd < 0) {
      AcceptFailed(errno);
      return;
    }
    AcceptCommon(cfd, Config().unixsocket, 0, true);
  }
}

void FreeClient(Client* c) {
  ServerRuntime& rt = Runtime();
  if (c->fd >= 0) {
    rt.loop->DelFileEvent(c->fd, net::kReadable | net::kWritable);
    delete c->tls;
    c->tls = nullptr;
    close(c->fd);
    c->fd = -1;
  }
  repl::OnClientFreed(c);  // a replica, our master, a WAIT, or one that spoke REPLCONF
  commands::DiscardTransaction(*c);
  rt.read_ahead_total -= c->read_ahead;
  ForgetClientMemory(c);
  std::erase(rt.pending_writes, c);
  std::erase(rt.to_close, c);
  rt.clients.erase(c->id);  // destroys c
}



void CloseTcpListeners(std::vector<int>* fds) {
  ServerRuntime& rt = Runtime();
  for (int fd : *fds) {
    rt.loop->DelFileEvent(fd, net::kReadable);
    close(fd);
  }
  fds->clear();
}
void CloseTcpListeners() { CloseTcpListeners(&Runtime().listen_fds); }

// Listens on every `bind` address at `port` (nowhere when port is 0), for
// plain or TLS clients. On failure the listeners opened so far are closed
// again.
common::Status OpenTcpListeners(int port, std::vector<int>* fds, net::FileProc accept) {
  ServerRuntime& rt = Runtime();
  auto& cfg = Config();
  if (port == 0) return common::Status::Ok();
  for (const std::string& addr : cfg.bind) {
    auto fd = net::ListenTcp(addr, port, cfg.tcp_backlog);
    common::Status s = fd.status();
    if (s.ok() && *fd < 0) continue;  // optional address not available
    if (s.ok()) {
      fds->push_back(*fd);
      s = rt.loop->AddFileEvent(*fd, net::kReadable, accept, nullptr);
    }
    if (!s.ok()) {
      CloseTcpListeners(fds);
      return s;
    }
  }
  return common::Status::Ok();
}
common::Status OpenTcpListeners() {
  return OpenTcpListeners(Config().port, &Runtime().listen_fds, AcceptTcpHandler);
}
common::Status OpenTlsListeners() {
  return OpenTcpListeners(Config().tls_port, &Runtime().tls_listen_fds, AcceptTlsHandler);
}

net::TlsSettings TlsSettingsFromConfig() {
  const ServerConfig& cfg = Config();
  net::TlsSettings t;
  t.cert_file = cfg.tls_cert_file;
  t.key_file = cfg.tls_key_file;
  t.key_file_pass = cfg.tls_key_file_pass;
  t.client_cert_file = cfg.tls_client_cert_file;
  t.client_key_file = cfg.tls_client_key_file;
  t.client_key_file_pass = cfg.tls_client_key_file_pass;
  t.ca_cert_file = cfg.tls_ca_cert_file;
  t.ca_cert_dir = cfg.tls_ca_cert_dir;
  t.dh_params_file = cfg.tls_dh_params_file;
  t.protocols = cfg.tls_protocols;
  t.ciphers = cfg.tls_ciphers;
  t.ciphersuites = cfg.tls_ciphersuites;
  t.auth_clients = cfg.tls_auth_clients == "no"         ? net::TlsClientAuth::kNo
                   : cfg.tls_auth_clients == "optional" ? net::TlsClientAuth::kOptional
                                                        : net::TlsClientAuth::kYes;
  t.prefer_server_ciphers = cfg.tls_prefer_server_ciphers;
  t.session_caching = cfg.tls_session_caching;
  t.session_cache_size = static_cast<long>(cfg.tls_session_cache_size);
  t.session_cache_timeout = static_cast<long>(cfg.tls_session_cache_timeout);
  return t;
}

}  // namespace

void ProcessInput(Client* c) {
  // One wall-clock reading per command: taken here for the first, then
  // after each command for its last-interaction time and the next one's
  // "now" (only parsing runs in between), as Redis's call() reads the clock
  // once per command for its cached time.
  int64_t now_ms = common::MsTime();
  while (c->qb_pos < c->querybuf.size()) {
    if (c->flags & (commands::kClientCloseAfterReply | commands::kClientCloseAsap)) break;
    // Blocking commands: a blocked client's next commands wait until it is
    // unblocked (commands/blocking.h); BeforeSleep resumes it.
    if (c->flags & commands::kClientBlocked) break;
    // Its command is still running (a script serving other clients while
    // busy): the next one waits for it.
    if (c->flags & commands::kClientExecuting) break;
    size_t consumed = 0, hint = 0;
    std::string error;
    c->parser.SetAuthenticated(c->authenticated || !acl::DefaultNeedsAuth());
    resp::ParseStatus ps = c->parser.Parse(c->querybuf.data() + c->qb_pos, c->querybuf.size() - c->qb_pos,
                                           &consumed, &c->argv, &error, &hint);
    // kNeedMore: ReadHandler sizes the next read (a big argument's room is
    // reserved there).
    if (ps == resp::ParseStatus::kNeedMore) break;
    if (ps == resp::ParseStatus::kError) {
      error = "ERR " + error;
      commands::CountError(error);
      c->reply.Error(error);
      LOG_VERBOSE("Protocol error (%s) from client: %s", error.c_str(), c->addr.c_str());
      c->flags |= commands::kClientCloseAfterReply;
      c->qb_pos = c->querybuf.size();
      break;
    }
    if (c->argv.empty()) {  // empty inline line
      c->qb_pos += consumed;
      continue;
    }
    // Client eviction runs before each command, after the previous ones
    // grew their buffers (Redis's processCommand); it may close this one.
    UpdateClientMemory(c);
    EvictClients();
    if (c->flags & commands::kClientCloseAsap) break;
    db::SetNow(now_ms);
    size_t out_before = c->outbuf.size();
    // The hard output limit holds while the reply is being built, not
    // only after the command: a reply that passes it is dropped at once
    // (resp::ReplyBuilder's output limit) and the client closed below.
    const ObufLimit& lim = ObufLimitOf(c);
    c->reply.SetLimit(lim.hard_bytes ? c->out_pos + lim.hard_bytes : SIZE_MAX);
    // CLIENT REPLY: SKIP (set by the previous command) hides this command's
    // reply; OFF hides it too, tested after the command so that CLIENT
    // REPLY ON's own OK is sent and CLIENT REPLY OFF's is not.
    bool skip_this = c->flags & commands::kClientReplySkip;
    c->flags &= ~commands::kClientReplySkip;
    SetCurrentClient(c);  // for a crash report
    commands::ProcessCommand(*c);
    SetCurrentClient(nullptr);
    if (c->flags & commands::kClientPostponed) {
      // CLIENT PAUSE held the command back: it stays in the buffer, to be
      // parsed and dispatched again when the pause ends (commands/pause.h).
      if (skip_this) c->flags |= commands::kClientReplySkip;
      c->argv.clear();
      break;
    }
    now_ms = common::MsTime();
    c->last_interaction_ms = now_ms;
    if ((skip_this || (c->flags & commands::kClientReplyOff)) && !c->reply.overflowed())
      c->outbuf.resize(std::max(out_before, c->out_pos));
    if (c->flags & commands::kClientReplySkipNext) {
      c->flags &= ~commands::kClientReplySkipNext;
      c->flags |= commands::kClientReplySkip;
    }
    c->argv.clear();
    if (c->flags & commands::kClientMaster) {
      // Our master's commands get no reply; their bytes are our offset.
      c->outbuf.resize(std::max(out_before, c->out_pos));
      repl::MasterCommandApplied(*c, std::string_view(c->querybuf.data() + c->qb_pos, consumed));
    }
    c->qb_pos += consumed;
    commands::TrackingAfterCommand(*c);
    if (CheckOutputBufferLimits(c)) return;
  }
  if (c->qb_pos == c->querybuf.size()) {
    c->querybuf.Clear();
    c->qb_pos = 0;
    if (c->querybuf.capacity() > 1024 * 1024) c->querybuf.ShrinkToFit();
  } else if (c->qb_pos > 0 && (c->qb_pos > 64 * 1024 || c->qb_pos > c->querybuf.size() / 2)) {
    c->querybuf.Consume(c->qb_pos);
    c->qb_pos = 0;
  }
  UpdateReadAhead(c);
  UpdateClientMemory(c);
  if (c->PendingOutput() > 0) QueueWrite(c);
}

Client* CreateClientForFd(int fd, uint64_t flags) {
  ServerRuntime& rt = Runtime();
  auto c = std::make_unique<Client>();
  c->id = rt.next_client_id++;
  c->fd = fd;
  c->flags = flags;
  c->db = commands::GetDb(0);
  c->authenticated = true;
  c->ctime_ms = c->last_interaction_ms = common::MsTime();
  std::string ip;
  int port = 0;
  if (net::PeerName(fd, &ip, &port)) c->addr = net::FormatAddr(ip, port);
  if (net::SockName(fd, &ip, &port)) c->laddr = net::FormatAddr(ip, port);
  resp::ParserLimits limits;
  limits.proto_max_bulk_len = static_cast<size_t>(Config().proto_max_bulk_len);
  c->parser.SetLimits(limits);
  Client* raw = c.get();
  if (!rt.loop->AddFileEvent(fd, net::kReadable, ReadHandler, raw).ok()) return nullptr;
  rt.clients.emplace(raw->id, std::move(c));
  return raw;
}

void FreeClientNow(Client* c) { FreeClient(c); }

void ResumeAccepting() {
  ServerRuntime& rt = Runtime();
  if (!rt.accept_paused) return;
  rt.accept_paused = false;
  for (int lfd : rt.listen_fds) (void)rt.loop->AddFileEvent(lfd, net::kReadable, AcceptTcpHandler, nullptr);
  for (int lfd : rt.tls_listen_fds) (void)rt.loop->AddFileEvent(lfd, net::kReadable, AcceptTlsHandler, nullptr);
  if (rt.unix_fd >= 0) (void)rt.loop->AddFileEvent(rt.unix_fd, net::kReadable, AcceptUnixHandler, nullptr);
}

void ClientsCron(int64_t now_ms) {
  ServerRuntime& rt = Runtime();
  int timeout = Config().timeout;
  std::vector<Client*> idle;
  for (auto& [id, c] : rt.clients) {
    if (timeout > 0 && !c->InMulti() && !(c->flags & (commands::kClientSlave | commands::kClientMaster)) && !(c->flags & commands::kClientBlocked) && now_ms - c->last_interaction_ms > int64_t{timeout} * 1000) idle.push_back(c.get());
    // Release a big idle query buffer.
    if (c->querybuf.empty() && c->querybuf.capacity() > 32 * 1024) {
      c->querybuf.ShrinkToFit();
      UpdateReadAhead(c.get());
    }
  }
  for (Client* c : idle) {
    LOG_VERBOSE("Closing idle client");
    FreeClient(c);
  }
}

// CONFIG SET bind / port: the listening sockets follow the setting, as
// Redis's changeListener. A value that cannot be bound (a typo, an address
// this host lacks, an injected "127.0.0.1\ndir /x") fails the CONFIG SET:
// the registry then restores the old value and applies it again, which
// reopens the old listeners. Connected clients are not touched.
common::Status ChangeTcpListeners() {
  CloseTcpListeners();
  common::Status s = OpenTcpListeners();
  if (s.ok()) return s;
  LOG_WARNING("Warning: %s", s.message().c_str());
  LOG_WARNING("Failed to bind, trying to restore old listening sockets.");
  return common::Status::InvalidArgument("Failed to bind to specified addresses.");
}

// CONFIG SET tls-*: a new TLS context from the settings (when TLS is in
// use), then the tls-port listeners follow tls-port. Redis's error text;
// the reason goes to the log.
common::Status ApplyTlsConfig() {
  ServerRuntime& rt = Runtime();
  const ServerConfig& cfg = Config();
  if (cfg.tls_port != 0 || cfg.tls_replication || cfg.tls_cluster) {
    common::Status s = net::TlsConfigure(TlsSettingsFromConfig());
    if (!s.ok()) {
      LOG_WARNING("%s", s.message().c_str());
      return common::Status::InvalidArgument("Unable to update TLS configuration. Check server logs.");
    }
  }
  int bound = 0;
  if (!rt.tls_listen_fds.empty()) {
    std::string ip;
    net::SockName(rt.tls_listen_fds[0], &ip, &bound);
  }
  if (bound == cfg.tls_port) return common::Status::Ok();
  CloseTcpListeners(&rt.tls_listen_fds);
  common::Status s = OpenTlsListeners();
  if (!s.ok()) {
    LOG_WARNING("Warning: %s", s.message().c_str());
    return common::Status::InvalidArgument("Unable to listen on this port. Check server logs.");
  }
  return common::Status::Ok();
}

common::Status Listen() {
  ServerRuntime& rt = Runtime();
  auto& cfg = Config();
  common::Status st = OpenTcpListeners();
  if (!st.ok()) return st;
  // A replica with tls-replication needs the (client) context even
  // without a tls-port, as Redis 7.0.
  if (cfg.tls_port != 0 || cfg.tls_replication || cfg.tls_cluster) {
    st = net::TlsConfigure(TlsSettingsFromConfig());
    if (!st.ok()) {
      LOG_WARNING("%s", st.message().c_str());
      return common::Status::InvalidArgument("Failed to configure TLS. Check logs for more info.");
    }
    st = OpenTlsListeners();
    if (!st.ok()) return st;
  }
  if (!cfg.unixsocket.empty()) {
    auto fd = net::ListenUnix(cfg.unixsocket, cfg.unixsocketperm, cfg.tcp_backlog);
    if (!fd.ok()) return fd.status();
    rt.unix_fd = *fd;
    auto s = rt.loop->AddFileEvent(*fd, net::kReadable, AcceptUnixHandler, nullptr);
    if (!s.ok()) return s;
  }
  if (rt.listen_fds.empty() && rt.tls_listen_fds.empty() && rt.unix_fd < 0)
    return common::Status::InvalidArgument("Configured to not listen anywhere, exiting.");
  return common::Status::Ok();
}

// Raises RLIMIT_NOFILE to maxclients + kMinReservedFds or, when the system
// refuses, lowers maxclients to what the limit allows, logging either way
// (Redis's adjustOpenFilesLimit, with its log lines). Returns false when
// not even the reserved descriptors fit.
bool AdjustOpenFilesLimit() {
  auto& cfg = Config();
  const rlim_t maxfiles = static_cast<rlim_t>(cfg.maxclients) + kMinReservedFds;
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == -1) {
    LOG_WARNING("Unable to obtain the current NOFILE limit (%s), assuming 1024 and setting the max clients "
                "configuration accordingly.",
                strerror(errno));
    cfg.maxclients = 1024 - kMinReservedFds;
    return true;
  }
  const rlim_t oldlimit = limit.rlim_cur;
  if (oldlimit >= maxfiles) return true;
  // Try the whole need, then 16 less at a time, down to what we have.
  constexpr rlim_t kStep = 16;
  rlim_t bestlimit = maxfiles;
  int setrlimit_error = 0;
  while (bestlimit > oldlimit) {
    struct rlimit want = limit;
    want.rlim_cur = bestlimit;
    if (want.rlim_max != RLIM_INFINITY && want.rlim_max < bestlimit) want.rlim_max = bestlimit;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) break;
    setrlimit_error = errno;
    if (bestlimit < kStep) break;
    bestlimit -= kStep;
  }
  if (bestlimit < oldlimit) bestlimit = oldlimit;
  if (bestlimit >= maxfiles) {
    LOG_NOTICE("Increased maximum number of open files to %llu (it was originally set to %llu).",
               static_cast<unsigned long long>(maxfiles), static_cast<unsigned long long>(oldlimit));
    return true;
  }
  if (bestlimit <= static_cast<rlim_t>(kMinReservedFds)) {
    LOG_WARNING("Your current 'ulimit -n' of %llu is not enough for the server to start. Please increase your open "
                "file limit to at least %llu. Exiting.",
                static_cast<unsigned long long>(oldlimit), static_cast<unsigned long long>(maxfiles));
    return false;
  }
  const int old_maxclients = cfg.maxclients;
  cfg.maxclients = static_cast<int>(bestlimit) - kMinReservedFds;
  LOG_WARNING("You requested maxclients of %d requiring at least %llu max file descriptors.", old_maxclients,
              static_cast<unsigned long long>(maxfiles));
  LOG_WARNING("Server can't set maximum open files to %llu because of OS error: %s.",
              static_cast<unsigned long long>(maxfiles), strerror(setrlimit_error));
  LOG_WARNING("Current maximum open files is %llu. maxclients has been reduced to %d to compensate for low "
              "ulimit. If you need higher maxclients increase 'ulimit -n'.",
              static_cast<unsigned long long>(bestlimit), cfg.maxclients);
  return true;
}

// CONFIG SET maxclients: a larger value must fit the descriptor limit (which
// is raised when the system allows) and the event loop (which grows).
common::Status ApplyMaxclients() {
  auto& cfg = Config();
  const int wanted = cfg.maxclients;
  if (!AdjustOpenFilesLimit() || cfg.maxclients != wanted) {
    char msg[128];
    snprintf(msg, sizeof(msg),
             "The operating system is not able to handle the specified number of clients, try with %d",
             cfg.maxclients);
    return common::Status::InvalidArgument(msg);
  }
  net::EventLoop& loop = *Runtime().loop;
  if (loop.setsize() < cfg.maxclients + kFdsetIncr && !loop.Resize(cfg.maxclients + kFdsetIncr).ok())
    return common::Status::InvalidArgument(
        "The event loop API used by Redis is not able to handle the specified number of clients");
  return common::Status::Ok();
}

int EventLoopSetSize() { return Config().maxclients + kFdsetIncr; }

void CloseListeners() {
  ServerRuntime& rt = Runtime();
  for (int fd : rt.listen_fds) close(fd);
  rt.listen_fds.clear();
  for (int fd : rt.tls_listen_fds) close(fd);
  rt.tls_listen_fds.clear();
}

void ProcessUnblockedClients() {
  // Blocking commands (commands/blocking.h): time out, serve ready keys,
  // then resume the clients whose block ended.
  commands::HandleBlockedClientsTimeout(common::MsTime());
  commands::HandleClientsBlockedOnKeys();
  for (Client* c : commands::TakeUnblockedClients()) {
    if (c->fd >= 0) ProcessInput(c);
  }
}

void ProcessEventsWhileBusy(Client& running) {
  auto& rt = Runtime();
  // The running client's argv points into its query buffer, which a read
  // could move: its reads wait for the end of its script.
  const bool reading = running.fd >= 0 && (rt.loop->GetFileEvents(running.fd) & net::kReadable);
  if (reading) rt.loop->DelFileEvent(running.fd, net::kReadable);
  // The script's clock stays where it started (keys expire as of then, as
  // in Redis) whatever the commands served meanwhile set.
  const int64_t script_now = db::Now();
  rt.loop->ProcessEvents(net::EventLoop::kFileEvents | net::EventLoop::kDontWait);
  db::SetNow(script_now);
  // Replies go out now; clients closed meanwhile are freed after the
  // script, in the next before-sleep (one of them could be `running`).
  WritePendingClients();
  if (reading) (void)rt.loop->AddFileEvent(running.fd, net::kReadable, ReadHandler, &running);
}

void WritePendingClients() {
  ServerRuntime& rt = Runtime();
  // Walk a swapped-out list (WriteToClient may free a client, which erases
  // it from rt.pending_writes). The list's storage is parked in `spare`
  // between passes and rt.pending_writes gets the empty one, so both keep
  // their capacity and a pass allocates nothing (a fresh vector regrew by
  // doubling every pass). A nested pass finds `spare` empty and just
  // allocates.
  static std::vector<Client*>* spare = new std::vector<Client*>();
  std::vector<Client*> pending;
  pending.swap(*spare);
  pending.swap(rt.pending_writes);
  for (Client* c : pending) {
    c->flags &= ~commands::kClientPendingWrite;
    if (c->fd < 0) continue;
    WriteToClient(c, false);
  }
  pending.clear();
  spare->swap(pending);
}

void FreeClosingClients() {
  std::vector<Client*> closing;
  closing.swap(Runtime().to_close);
  for (Client* c : closing) FreeClient(c);
}

void DeliveredTo(Client* c) {
  if (c->fd < 0) return;
  if (CheckOutputBufferLimits(c)) return;
  QueueWrite(c);
}

Client* FindClient(uint64_t id) {
  auto& clients = Runtime().clients;
  auto it = clients.find(id);
  return it == clients.end() ? nullptr : it->second.get();
}

void CloseClientAsync(Client* c) {
  if (c->flags & commands::kClientCloseAsap) return;
  c->flags |= commands::kClientCloseAsap;
  Runtime().to_close.push_back(c);
}

}  // namespace server
