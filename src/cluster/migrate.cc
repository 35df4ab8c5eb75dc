// Resharding: CLUSTER SETSLOT (IMPORTING, MIGRATING, STABLE, NODE), MIGRATE
// and RESTORE-ASKING, the commands `redis-cli --cluster reshard` drives.
//
// MIGRATE is synchronous, as Redis's: over a cached connection to the
// target (or a new one, made in at most `timeout` ms) it sends AUTH, SELECT
// when needed, then one RESTORE-ASKING per key with the DUMP payload and the
// remaining TTL in one pipeline, reads every reply, and deletes the keys
// the target took (unless COPY), propagating a DEL.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <iterator>
#include <map>

#include "cluster/internal.h"
#include "commands/client.h"
#include "commands/propagate.h"
#include "commands/state.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "net/socket.h"
#include "persist/aof.h"
#include "persist/dump.h"

namespace cluster {

// Redis's clusterBumpConfigEpochWithoutConsensus: a new config epoch
// unless ours is already the largest and unique.
void BumpEpochWithoutConsensus() {
  State& st = S();
  uint64_t max_epoch = 0;
  for (auto& [name, n] : st.nodes) max_epoch = std::max(max_epoch, n->config_epoch);
  if (st.myself->config_epoch == 0 || st.myself->config_epoch != max_epoch) {
    st.current_epoch++;
    st.myself->config_epoch = st.current_epoch;
    LOG_NOTICE("New configEpoch set to %llu", static_cast<unsigned long long>(st.myself->config_epoch));
  }
}

using commands::Client;

void SetSlotCommand(Client& c) {
  State& st = S();
  Node* me = st.myself;
  if (me->flags & bus::kSlave) {
    c.AddError("ERR Please use SETSLOT only with masters.");
    return;
  }
  int slot = 0;
  if (!GetSlotOrReply(c, c.argv[2], &slot)) return;
  std::string_view what = c.argv[3];
  auto target = [&]() -> Node* {
    if (c.argv.size() < 5) {
      c.AddError("ERR syntax error");
      return nullptr;
    }
    Node* n = FindNode(std::string(c.argv[4]));
    if (!n) {
      c.AddError("ERR I don't know about node " + std::string(c.argv[4]));
    } else if (n->flags & bus::kSlave) {
      c.AddError("ERR Target node is not a master");
      return nullptr;
    }
    return n;
  };
  if (commands::ArgIs(what, "migrating") && c.argv.size() == 5) {
    if (st.slot_owner[slot] != me) {
      c.AddError("ERR I'm not the owner of hash slot " + std::to_string(slot));
      return;
    }
    Node* n = target();
    if (!n) return;
    st.migrating_to[slot] = n->name;
  } else if (commands::ArgIs(what, "importing") && c.argv.size() == 5) {
    if (st.slot_owner[slot] == me) {
      c.AddError("ERR I'm already the owner of hash slot " + std::to_string(slot));
      return;
    }
    Node* n = target();
    if (!n) return;
    st.importing_from[slot] = n->name;
  } else if (commands::ArgIs(what, "stable") && c.argv.size() == 4) {
    st.migrating_to[slot].clear();
    st.importing_from[slot].clear();
  } else if (commands::ArgIs(what, "node") && c.argv.size() == 5) {
    Node* n = target();
    if (!n) return;
    if (st.slot_owner[slot] == me && n != me && commands::GetDb(0)->CountKeysInSlot(slot) != 0) {
      c.AddError("ERR Can't assign hashslot " + std::to_string(slot) +
                 " to a different node while I still hold keys for this hash slot.");
      return;
    }
    // Moved away with no keys left: no longer migrating.
    if (n != me) st.migrating_to[slot].clear();
    // Imported: ours now, under a new config epoch the others accept.
    if (n == me && !st.importing_from[slot].empty()) {
      st.importing_from[slot].clear();
      BumpEpochWithoutConsensus();
    }
    AssignSlot(slot, n);
    UpdateState();
  } else {
    c.AddError("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
    return;
  }
  MarkConfigChanged(/*fsync=*/false);  // Redis saves SETSLOT's change without fsync
  c.reply.Ok();
}

namespace {

// ---- MIGRATE's connections ---------------------------------------------------
//
// As Redis's migrateGetSocket: one blocking connection per target host:port,
// kept after the call so that the MIGRATE calls of a resharding (one per
// --cluster-pipeline keys) do not each pay a connect and a SELECT. Closed
// after kSocketTtlMs unused (MigrateCloseIdleSockets, from the cron), on any
// I/O error, and when the cache is full (a random one goes).
struct CachedSocket {
  int fd = -1;
  int64_t last_dbid = -1;  // the target's selected db, -1: unknown (send SELECT)
  int64_t last_use_ms = 0;
};
constexpr size_t kSocketCacheItems = 64;  // Redis's MIGRATE_SOCKET_CACHE_ITEMS
constexpr int64_t kSocketTtlMs = 10000;   // Redis's MIGRATE_SOCKET_CACHE_TTL (10 s)
std::map<std::string, CachedSocket> g_sockets;  // by "host:port"

void CloseSocket(const std::string& name) {
  auto it = g_sockets.find(name);
  if (it == g_sockets.end()) return;
  close(it->second.fd);
  g_sockets.erase(it);
}

// The cached connection to host:port, or a new one; nullptr (after an IOERR
// reply) when it cannot connect within timeout_ms.
CachedSocket* GetSocket(Client& c, const std::string& host, int port, int64_t timeout_ms) {
  const std::string name = host + ":" + std::to_string(port);
  auto it = g_sockets.find(name);
  if (it != g_sockets.end()) {
    it->second.last_use_ms = common::MsTime();
    return &it->second;
  }
  if (g_sockets.size() == kSocketCacheItems) {
    auto victim = g_sockets.begin();
    std::advance(victim, static_cast<long>(common::RandomU64() % g_sockets.size()));
    CloseSocket(victim->first);
  }
  // As Redis's blocking connect: only a failure to start connecting (a name
  // that does not resolve) fails here; a refused or slow connection is found
  // by the first write ("IOERR error or timeout writing to target instance").
  common::Result<int> fd = net::ConnectTcpNonBlock(host, port);
  if (!fd.ok()) {
    c.AddError("IOERR error or timeout connecting to the client");
    return nullptr;
  }
  struct pollfd pfd = {*fd, POLLOUT, 0};
  while (poll(&pfd, 1, static_cast<int>(std::min<int64_t>(timeout_ms, INT32_MAX))) < 0 && errno == EINTR) {
  }
  fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
  const int one = 1;
  setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  CachedSocket& cs = g_sockets[name];
  cs.fd = *fd;
  cs.last_use_ms = common::MsTime();
  return &cs;
}

void SetTimeouts(int fd, int64_t timeout_ms) {
  struct timeval tv = {static_cast<time_t>(timeout_ms / 1000), static_cast<suseconds_t>(timeout_ms % 1000 * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// How a blocking read or write ended.
enum class Io { kOk, kTimeout, kError };

// Reads one RESP line reply ("+OK", "-ERR ...") from a blocking socket.
Io ReadLine(int fd, std::string* buf, size_t* pos, std::string_view* line) {
  while (true) {
    const size_t eol = buf->find("\r\n", *pos);
    if (eol != std::string::npos) {
      *line = std::string_view(*buf).substr(*pos, eol - *pos);
      *pos = eol + 2;
      return Io::kOk;
    }
    char tmp[16384];
    const ssize_t n = read(fd, tmp, sizeof(tmp));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Io::kTimeout;
    if (n <= 0) return Io::kError;
    buf->append(tmp, static_cast<size_t>(n));
  }
}

Io WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Io::kTimeout;
    if (n <= 0) return Io::kError;
    s.remove_prefix(static_cast<size_t>(n));
  }
  return Io::kOk;
}

}  // namespace

void MigrateCloseIdleSockets(int64_t now_ms) {
  for (auto it = g_sockets.begin(); it != g_sockets.end();) {
    if (now_ms - it->second.last_use_ms > kSocketTtlMs) {
      close(it->second.fd);
      it = g_sockets.erase(it);
    } else {
      ++it;
    }
  }
}

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
//         [AUTH password | AUTH2 username password] [KEYS key...]
//
// Redis's migrateCommand: the keys that exist are serialized (DUMP payload
// and remaining TTL) into one pipeline of RESTORE-ASKING (RESTORE outside a
// cluster) commands, after AUTH and, when the cached connection's db differs,
// SELECT; every reply is read. Keys the target acknowledged are deleted
// here (unless COPY) and the call propagates as DEL of exactly those. The
// first error of the target is passed on as "ERR Target instance replied
// with error: ..."; an I/O error on a cached connection that did not time
// out is retried once on a new connection, else it is an IOERR.
void MigrateCommand(Client& c) {
  int64_t port = 0, dbid = 0, timeout = 0;
  bool copy = false, replace = false;
  std::vector<std::string_view> auth;
  size_t first_key = 3, num_keys = 1;
  for (size_t i = 6; i < c.argv.size(); i++) {
    const bool more = i + 1 < c.argv.size();
    if (commands::ArgIs(c.argv[i], "copy")) {
      copy = true;
    } else if (commands::ArgIs(c.argv[i], "replace")) {
      replace = true;
    } else if (commands::ArgIs(c.argv[i], "auth") && more) {
      auth = {"AUTH", c.argv[++i]};
    } else if (commands::ArgIs(c.argv[i], "auth2") && i + 2 < c.argv.size()) {
      auth = {"AUTH", c.argv[i + 1], c.argv[i + 2]};
      i += 2;
    } else if (commands::ArgIs(c.argv[i], "keys")) {
      if (!c.argv[3].empty()) {
        c.AddError("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
        return;
      }
      first_key = i + 1;
      num_keys = c.argv.size() - i - 1;
      break;
    } else {
      c.AddError("ERR syntax error");
      return;
    }
  }
  if (!commands::GetInt64OrReply(c, c.argv[5], &timeout) || !commands::GetInt64OrReply(c, c.argv[4], &dbid)) return;
  if (timeout <= 0) timeout = 1000;
  db::Db* d = c.db;
  std::vector<std::string_view> keys;
  std::vector<const db::Object*> vals;
  for (size_t i = first_key; i < first_key + num_keys; i++) {
    if (const db::Object* o = d->LookupRead(c.argv[i])) {
      keys.push_back(c.argv[i]);
      vals.push_back(o);
    }
  }
  if (keys.empty()) {
    c.reply.SimpleString("NOKEY");
    return;
  }
  // The pipeline after AUTH and SELECT, built once (a retry resends it).
  std::string restores;
  const int64_t now = common::MsTime();
  const std::string_view restore_cmd = GetSettings().enabled ? "RESTORE-ASKING" : "RESTORE";
  for (size_t j = 0; j < keys.size(); j++) {
    common::Result<std::string> payload = persist::CreateDumpPayload(vals[j]);
    if (!payload.ok()) {
      c.AddError("ERR " + payload.status().message());
      return;
    }
    int64_t ttl = 0;
    const int64_t when = d->GetExpire(keys[j]);
    if (when != -1) ttl = std::max<int64_t>(when - now, 1);
    const std::string ttl_arg = std::to_string(ttl);
    if (replace) {
      persist::AppendRespCommand(&restores, {restore_cmd, keys[j], ttl_arg, *payload, "REPLACE"});
    } else {
      persist::AppendRespCommand(&restores, {restore_cmd, keys[j], ttl_arg, *payload});
    }
  }
  // Redis takes the port as text (atoi): a bad one just fails to connect.
  if (!common::StringToInt64(c.argv[2], &port) || port <= 0 || port > 65535) {
    c.AddError("IOERR error or timeout connecting to the client");
    return;
  }
  const std::string host(c.argv[1]);
  const std::string name = host + ":" + std::to_string(port);
  const std::string db_arg = std::to_string(dbid);
  for (bool may_retry = true;; may_retry = false) {
    CachedSocket* cs = GetSocket(c, host, static_cast<int>(port), timeout);
    if (cs == nullptr) return;
    SetTimeouts(cs->fd, timeout);
    const bool select = cs->last_dbid != dbid;
    std::string out;
    if (!auth.empty()) persist::AppendRespCommand(&out, auth);
    if (select) persist::AppendRespCommand(&out, {"SELECT", db_arg});
    out += restores;
    Io io = WriteAll(cs->fd, out);
    bool write_error = io != Io::kOk;
    std::string buf, error;
    size_t pos = 0;
    std::string_view line;
    // AUTH's and SELECT's replies: an error there fails every key.
    std::string setup_error;
    for (int r = (auth.empty() ? 0 : 1) + (select ? 1 : 0); r > 0 && io == Io::kOk; r--) {
      io = ReadLine(cs->fd, &buf, &pos, &line);
      if (io == Io::kOk && setup_error.empty() && !line.empty() && line[0] == '-') setup_error = line.substr(1);
    }
    std::vector<std::string_view> moved;
    bool socket_error = write_error || io != Io::kOk;
    for (size_t j = 0; j < keys.size() && !socket_error; j++) {
      io = ReadLine(cs->fd, &buf, &pos, &line);
      if (io != Io::kOk) {
        socket_error = true;
        break;
      }
      const bool failed = !line.empty() && line[0] == '-';
      if (!setup_error.empty() || failed) {
        if (error.empty()) {
          error = setup_error.empty() ? std::string(line.substr(1)) : setup_error;
          cs->last_dbid = -1;
        }
      } else {
        moved.push_back(keys[j]);
      }
    }
    const bool timed_out = io == Io::kTimeout;
    if (socket_error) CloseSocket(name);
    if (!copy && !moved.empty()) {
      std::vector<std::string> del = {"DEL"};
      for (std::string_view k : moved) {
        d->Delete(k);
        commands::SignalModifiedKey(c, *d, k);
        commands::NotifyKeyspaceEvent(commands::kNotifyGeneric, "del", k, d->id());
        del.emplace_back(k);
      }
      commands::GetState().dirty += moved.size();
      commands::RewriteCommandForPropagation(c, std::move(del));
    } else {
      commands::PreventPropagation(c);
    }
    if (!error.empty()) {
      c.AddError("ERR Target instance replied with error: " + error);
      return;
    }
    if (!socket_error) {
      cs->last_dbid = dbid;
      c.reply.Ok();
      return;
    }
    // Nothing acknowledged yet and the cached connection was just stale (the
    // target closed it): once more on a fresh one, as Redis.
    if (may_retry && !timed_out && moved.empty()) continue;
    c.AddError(std::string("IOERR error or timeout ") + (write_error ? "writing" : "reading") + " to target instance");
    return;
  }
}

// MIGRATE's keys: argv[3], or what follows KEYS (Redis's migrateGetKeys).
int MigrateGetKeys(const std::vector<std::string_view>& argv, std::vector<commands::KeyRef>* out) {
  for (size_t i = 6; i < argv.size(); i++) {
    if (commands::ArgIs(argv[i], "keys") && argv[3].empty()) {
      for (size_t k = i + 1; k < argv.size(); k++)
        out->push_back({static_cast<int>(k), commands::kKeyRW | commands::kKeyAccess | commands::kKeyDelete});
      return static_cast<int>(argv.size() - i - 1);
    }
    if (commands::ArgIs(argv[i], "auth")) i++;
    if (commands::ArgIs(argv[i], "auth2")) i += 2;
  }
  out->push_back({3, commands::kKeyRW | commands::kKeyAccess | commands::kKeyDelete});
  return 1;
}

}  // namespace cluster
