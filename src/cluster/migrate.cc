// Resharding: CLUSTER SETSLOT (IMPORTING, MIGRATING, STABLE, NODE), MIGRATE
// and RESTORE-ASKING, the commands `redis-cli --cluster reshard` drives.
//
// MIGRATE is synchronous, as Redis's: it connects (at most `timeout` ms),
// sends SELECT, then one RESTORE-ASKING per key with the DUMP payload and
// the remaining TTL, reads every reply, and deletes the keys it moved
// (unless COPY), propagating a DEL. Unlike Redis it does not keep the
// connection cached between calls.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

namespace {

using commands::Client;

size_t KeysInSlot(int slot) {
  db::Db* d = commands::GetDb(0);
  if (!d) return 0;
  size_t n = 0;
  auto it = d->dict().MakeIterator(/*safe=*/false);
  while (ds::DictEntry* de = it.Next())
    if (KeySlot(db::EntryKey(de)) == slot) n++;
  return n;
}

}  // namespace

void SetSlotCommand(Client& c) {
  State& st = S();
  Node* me = st.myself;
  if (me->flags & bus::kSlave) {
    c.AddError("ERR Please use SETSLOT only with masters.");
    return;
  }
  int64_t v = 0;
  if (!common::StringToInt64(c.argv[2], &v) || v < 0 || v >= kSlots) {
    c.AddError("ERR Invalid or out of range slot");
    return;
  }
  const int slot = static_cast<int>(v);
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
    if (st.slot_owner[slot] == me && n != me && KeysInSlot(slot) != 0) {
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
  MarkConfigChanged();
  c.reply.Ok();
}

namespace {

// Reads one RESP line reply ("+OK", "-ERR ...") from a blocking socket.
bool ReadLine(int fd, std::string* buf, std::string* line) {
  while (true) {
    size_t eol = buf->find("\r\n");
    if (eol != std::string::npos) {
      *line = buf->substr(0, eol);
      buf->erase(0, eol + 2);
      return true;
    }
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof(tmp));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buf->append(tmp, static_cast<size_t>(n));
  }
}

bool WriteAll(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    s.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
//         [AUTH password | AUTH2 username password] [KEYS key...]
void MigrateCommand(Client& c) {
  int64_t port = 0, dbid = 0, timeout = 0;
  if (!commands::GetInt64OrReply(c, c.argv[2], &port) || !commands::GetInt64OrReply(c, c.argv[4], &dbid) ||
      !commands::GetInt64OrReply(c, c.argv[5], &timeout))
    return;
  if (timeout <= 0) timeout = 1000;
  bool copy = false, replace = false;
  std::vector<std::string> auth;
  size_t first_key = 3, num_keys = 1;
  for (size_t i = 6; i < c.argv.size(); i++) {
    const bool more = i + 1 < c.argv.size();
    if (commands::ArgIs(c.argv[i], "copy")) {
      copy = true;
    } else if (commands::ArgIs(c.argv[i], "replace")) {
      replace = true;
    } else if (commands::ArgIs(c.argv[i], "auth") && more) {
      auth = {"AUTH", std::string(c.argv[++i])};
    } else if (commands::ArgIs(c.argv[i], "auth2") && i + 2 < c.argv.size()) {
      auth = {"AUTH", std::string(c.argv[i + 1]), std::string(c.argv[i + 2])};
      i += 2;
    } else if (commands::ArgIs(c.argv[i], "keys")) {
      if (!c.argv[3].empty()) {
        c.AddError(
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
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
  db::Db* d = c.db;
  std::vector<std::string> keys;
  for (size_t i = first_key; i < first_key + num_keys; i++)
    if (d->LookupRead(c.argv[i]) != nullptr) keys.emplace_back(c.argv[i]);
  if (keys.empty()) {
    c.reply.SimpleString("NOKEY");
    return;
  }
  common::Result<int> fd = net::ConnectTcp(std::string(c.argv[1]), static_cast<int>(port), timeout);
  if (!fd.ok()) {
    c.AddError("IOERR error or timeout connecting to the client");
    return;
  }
  struct timeval tv = {static_cast<time_t>(timeout / 1000), static_cast<suseconds_t>(timeout % 1000 * 1000)};
  setsockopt(*fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(*fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  std::string out;
  size_t replies = 0;
  if (!auth.empty()) {
    persist::AppendRespCommand(&out, std::vector<std::string_view>(auth.begin(), auth.end()));
    replies++;
  }
  const std::string db_arg = std::to_string(dbid);
  persist::AppendRespCommand(&out, {"SELECT", db_arg});
  replies++;
  const int64_t now = common::MsTime();
  for (const std::string& k : keys) {
    common::Result<std::string> payload = persist::CreateDumpPayload(d->LookupRead(k));
    if (!payload.ok()) {
      close(*fd);
      c.AddError("ERR " + payload.status().message());
      return;
    }
    int64_t ttl = 0;
    int64_t when = d->GetExpire(k);
    if (when != -1) ttl = std::max<int64_t>(when - now, 1);
    std::vector<std::string> cmd = {"RESTORE-ASKING", k, std::to_string(ttl), std::move(*payload)};
    if (replace) cmd.push_back("REPLACE");
    persist::AppendRespCommand(&out, std::vector<std::string_view>(cmd.begin(), cmd.end()));
    replies++;
  }
  if (!WriteAll(*fd, out)) {
    close(*fd);
    c.AddError("IOERR error or timeout writing to target instance");
    return;
  }
  std::string buf, line, error;
  std::vector<std::string> moved;
  for (size_t i = 0; i < replies; i++) {
    if (!ReadLine(*fd, &buf, &line)) {
      close(*fd);
      c.AddError("IOERR error or timeout reading to target instance");
      return;
    }
    const size_t key_index = i - (replies - keys.size());
    if (!line.empty() && line[0] == '-') {
      if (error.empty()) error = line.substr(1);
    } else if (i >= replies - keys.size()) {
      moved.push_back(keys[key_index]);
    }
  }
  close(*fd);
  if (!copy && !moved.empty()) {
    std::vector<std::string> del = {"DEL"};
    for (const std::string& k : moved) {
      d->Delete(k);
      commands::SignalModifiedKey(c, *d, k);
      commands::NotifyKeyspaceEvent(commands::kNotifyGeneric, "del", k, d->id());
      del.push_back(k);
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
  c.reply.Ok();
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
