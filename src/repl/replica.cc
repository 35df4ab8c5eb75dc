// The replica side of replication (see repl/internal.h): the link to our
// master from the connect through the handshake and the payload to the
// master client that runs the stream.
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
#include "net/tls.h"
#include "persist/aof.h"
#include "repl/backlog.h"
#include "repl/internal.h"

namespace repl::internal {

// ---- replica side ----

// The link's reads and writes: through TLS with tls-replication.
ssize_t LinkRead(int fd, void* buf, size_t n) {
  Repl& r = R();
  return r.tls != nullptr ? r.tls->Read(buf, n) : read(fd, buf, n);
}

void SendToMaster(int fd, std::initializer_list<std::string_view> argv) {
  Repl& r = R();
  std::string out;
  persist::AppendRespCommand(&out, argv);
  // The socket is empty and the command small: one write. A short write
  // on a fresh loopback/LAN socket means the link is broken; the reply
  // never comes and repl-timeout ends it.
  ssize_t n = r.tls != nullptr ? r.tls->Write(out.data(), out.size()) : write(fd, out.data(), out.size());
  (void)n;
}

void CloseLinkSocket() {
  Repl& r = R();
  delete r.tls;
  r.tls = nullptr;
  if (r.fd >= 0) {
    H().loop->DelFileEvent(r.fd, net::kReadable | net::kWritable);
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
  H().loop->DelFileEvent(r.fd, net::kReadable | net::kWritable);
  int fd = r.fd;
  r.fd = -1;
  std::string rest;
  rest.swap(r.inbuf);
  Client* c = H().create_client(fd, commands::kClientMaster | commands::kClientMustObey);
  if (c == nullptr) {
    delete r.tls;
    r.tls = nullptr;
    close(fd);
    r.state = LinkState::kConnect;
    return;
  }
  // Over TLS the master client keeps the link's connection (the server
  // frees it with the client).
  c->tls = r.tls;
  r.tls = nullptr;
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
    H().process_input(c);
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
    H().loop->DelFileEvent(r.fd, net::kReadable);
    DisconnectReplicas();
    std::string data;
    data.swap(r.payload);
    RdbReplInfo info;
    common::Status s = H().load_rdb_data(data, S().diskless_load == 2, &info);
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
  if (rename(r.tmp_path.c_str(), S().dbfilename.c_str()) != 0) {
    std::string e = "Failed trying to rename the temp DB into " + S().dbfilename +
                    " in MASTER <-> REPLICA synchronization: " + strerror(errno);
    unlink(r.tmp_path.c_str());
    LinkFailed(e.c_str());
    return;
  }
  LOG_NOTICE("MASTER <-> REPLICA sync: Flushing old data");
  LOG_NOTICE("MASTER <-> REPLICA sync: Loading DB in memory");
  // No reads of the link while loading (loading serves other clients).
  H().loop->DelFileEvent(r.fd, net::kReadable);
  // Our own replicas must resync with the new history.
  DisconnectReplicas();
  RdbReplInfo info;
  common::Status s = H().load_rdb(S().dbfilename, &info);
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
      r.in_memory = S().diskless_load == 2 || (S().diskless_load == 1 && empty);
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
  // Over TLS the replica is reached on its tls-port (Redis 7.0 announces
  // that one with tls-replication).
  int port = S().announce_port                     ? S().announce_port
             : S().tls_replication && S().tls_port ? S().tls_port
                                                   : S().port;
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
      if (!S().masterauth.empty()) {
        if (S().masteruser.empty()) {
          SendToMaster(r.fd, {"AUTH", S().masterauth});
        } else {
          SendToMaster(r.fd, {"AUTH", S().masteruser, S().masterauth});
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
      if (!S().announce_ip.empty()) {
        SendToMaster(r.fd, {"REPLCONF", "ip-address", S().announce_ip});
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
  // Over TLS a read may wait for the socket's writability (a record
  // OpenSSL must send first): this handler runs again from that event.
  if (r.tls != nullptr && (H().loop->GetFileEvents(fd) & net::kWritable)) H().loop->DelFileEvent(fd, net::kWritable);
  ssize_t n = LinkRead(fd, buf, sizeof(buf));
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    if (r.tls != nullptr && r.tls->WantsWrite())
      (void)H().loop->AddFileEvent(fd, net::kWritable, LinkReadHandler, nullptr);
    return;
  }
  if (n <= 0) {
    if (r.tls != nullptr && n < 0) LOG_WARNING("TLS error on the link with MASTER: %s", r.tls->error().c_str());
    LinkFailed(r.state == LinkState::kTransfer ? "I/O error trying to sync with MASTER: connection lost"
                                               : "Master closed the connection during the handshake");
    return;
  }
  r.inbuf.append(buf, static_cast<size_t>(n));
  // Bytes OpenSSL already decrypted wake no event: take them now (none
  // may stay behind when the link becomes the master client).
  while (r.tls != nullptr && r.tls->Pending() > 0) {
    ssize_t m = r.tls->Read(buf, std::min(sizeof(buf), r.tls->Pending()));
    if (m <= 0) break;
    r.inbuf.append(buf, static_cast<size_t>(m));
    n += m;
  }
  commands::GetState().stats.net_input_bytes += static_cast<uint64_t>(n);
  r.last_io_ms = common::MsTime();
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

// The link is up (and, over TLS, its handshake done): start the
// replication handshake with PING.
void StartHandshake(int fd) {
  Repl& r = R();
  H().loop->DelFileEvent(fd, net::kReadable | net::kWritable);
  r.last_io_ms = common::MsTime();
  if (!H().loop->AddFileEvent(fd, net::kReadable, LinkReadHandler, nullptr).ok()) {
    LinkFailed("Can't create readable event for SYNC");
    return;
  }
  LOG_NOTICE("MASTER <-> REPLICA sync started");
  SendToMaster(fd, {"PING"});
  r.state = LinkState::kReceivePong;
}

// tls-replication: the TLS handshake with the master, advanced by whichever
// direction OpenSSL waits for (repl-timeout bounds it).
void LinkTlsHandshakeHandler(net::EventLoop*, int fd, void*, int) {
  Repl& r = R();
  if (!r.tls->Handshake()) {
    std::string e = "Error condition on socket for SYNC: TLS handshake failed: " + r.tls->error();
    LinkFailed(e.c_str());
    return;
  }
  if (r.tls->HandshakeDone()) {
    StartHandshake(fd);
    return;
  }
  r.last_io_ms = common::MsTime();
  if (r.tls->WantsWrite()) {
    if (!H().loop->AddFileEvent(fd, net::kWritable, LinkTlsHandshakeHandler, nullptr).ok())
      LinkFailed("Can't create writable event for SYNC");
  } else {
    H().loop->DelFileEvent(fd, net::kWritable);
  }
}

// The connect finished (writable): over TLS its handshake comes first.
void LinkConnectedHandler(net::EventLoop*, int fd, void*, int) {
  Repl& r = R();
  H().loop->DelFileEvent(fd, net::kWritable);
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) {
    std::string e = std::string("Error condition on socket for SYNC: ") + strerror(err);
    LinkFailed(e.c_str());
    return;
  }
  if (!S().tls_replication) {
    StartHandshake(fd);
    return;
  }
  r.tls = net::TlsConn::Connect(fd);
  if (r.tls == nullptr) {
    LinkFailed("Error condition on socket for SYNC: TLS is not configured (tls-replication needs tls-cert-file, "
               "tls-key-file and tls-ca-cert-file or tls-ca-cert-dir)");
    return;
  }
  if (!H().loop->AddFileEvent(fd, net::kReadable, LinkTlsHandshakeHandler, nullptr).ok()) {
    LinkFailed("Can't create readable event for SYNC");
    return;
  }
  LinkTlsHandshakeHandler(H().loop, fd, nullptr, 0);
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
  if (!H().loop->AddFileEvent(r.fd, net::kWritable, LinkConnectedHandler, nullptr).ok())
    LinkFailed("Can't create writable event for SYNC");
}

void DropMasterLink() {
  Repl& r = R();
  CloseLinkSocket();
  if (r.master != nullptr) {
    Client* m = r.master;
    r.master = nullptr;
    m->flags &= ~commands::kClientMaster;
    H().free_client(m);
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
  if (H().master_changed) H().master_changed("", 0);
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

}  // namespace repl::internal
