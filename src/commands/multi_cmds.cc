// Transactions: MULTI EXEC DISCARD WATCH UNWATCH.
//
// WATCH keeps, per db and key, the clients watching it (g_watched), and each
// client keeps its own list (Client::watched). A modification of the key
// (SignalModifiedKey, via State::on_key_modified, and expiry deletions)
// marks its watchers kClientDirtyCas, and their EXEC then replies a null
// array. Emptying a db (FLUSHDB, FLUSHALL, SWAPDB) touches only the watched
// keys that exist, as Redis 7.0's touchAllWatchedKeysInDb: WATCH of a
// missing key survives a FLUSHALL. A key already logically expired when
// WATCHed (WatchedKey::expired) changes nothing by being deleted. Once a
// client is dirty its watches are dropped: nothing can make it clean again
// but UNWATCH or the end of the transaction. Commands queued inside MULTI
// are copied out of the query buffer.
#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/acl_check.h"
#include "commands/client.h"
#include "commands/dispatch.h"
#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "commands/tracking.h"
#include "commands/transactions.h"

namespace commands {
namespace {

// Hashing that lets string_view find std::string keys without a copy.
struct KeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
};
using WatchersByKey = std::unordered_map<std::string, std::vector<Client*>, KeyHash, std::equal_to<>>;

// db id -> key -> watching clients. Small: only watched keys appear.
std::unordered_map<int, WatchersByKey> g_watched;
size_t g_watched_keys = 0;  // keys in g_watched, for the fast exit on every write

WatchedKey* FindWatched(Client& c, int db, std::string_view key) {
  for (WatchedKey& wk : c.watched)
    if (wk.db == db && wk.key == key) return &wk;
  return nullptr;
}

// Redis's keyIsExpired: has a TTL in the past (the key may still be stored).
bool KeyIsExpired(db::Db& d, std::string_view key) {
  int64_t when = d.GetExpire(key);
  return when >= 0 && when <= db::Now();
}

void MarkDirty(Client& c) {
  c.flags |= kClientDirtyCas;
  UnwatchAllKeys(c);
}

// Redis's touchWatchedKey.
void TouchWatchedKey(int dbi, std::string_view key) {
  if (g_watched_keys == 0) return;
  auto db_it = g_watched.find(dbi);
  if (db_it == g_watched.end()) return;
  auto it = db_it->second.find(key);
  if (it == db_it->second.end()) return;
  // MarkDirty unwatches, which edits this very list: walk a copy.
  std::vector<Client*> clients = it->second;
  db::Db* d = GetDb(dbi);
  for (Client* c : clients) {
    WatchedKey* wk = FindWatched(*c, dbi, key);
    if (wk != nullptr && wk->expired) {
      // Expired when WATCHed and now deleted: logically no change. (Still
      // stored means it was touched without being deleted first, which
      // leaves it as expired as it was.)
      if (d == nullptr || d->FindEntry(key) == nullptr) wk->expired = false;
      continue;
    }
    MarkDirty(*c);
  }
}

// Redis's touchAllWatchedKeysInDb: `emptied` loses its contents, replaced by
// those of `replaced_with` (SWAPDB) or by nothing (nullptr).
void TouchAllWatchedKeysInDb(db::Db& emptied, db::Db* replaced_with) {
  auto db_it = g_watched.find(emptied.id());
  if (db_it == g_watched.end()) return;
  std::vector<std::pair<std::string, std::vector<Client*>>> touched;
  for (auto& [key, clients] : db_it->second) {
    bool in_emptied = emptied.FindEntry(key) != nullptr;
    bool in_replacement = replaced_with != nullptr && replaced_with->FindEntry(key) != nullptr;
    if (in_emptied || in_replacement) touched.emplace_back(key, clients);
  }
  for (auto& [key, clients] : touched) {
    bool in_emptied = emptied.FindEntry(key) != nullptr;
    bool in_replacement = replaced_with != nullptr && replaced_with->FindEntry(key) != nullptr;
    for (Client* c : clients) {
      WatchedKey* wk = FindWatched(*c, emptied.id(), key);
      if (wk == nullptr) continue;  // dirtied (and unwatched) through another key
      if (wk->expired) {
        if (!in_replacement) {
          wk->expired = false;  // an expired key deleted: no logical change
          continue;
        }
        if (KeyIsExpired(*replaced_with, key)) continue;  // expired it stays
      } else if (!in_emptied && KeyIsExpired(*replaced_with, key)) {
        wk->expired = true;  // a missing key replaced by an expired one
        continue;
      }
      MarkDirty(*c);
    }
  }
}

void MultiCommand(Client& c) {
  if (c.InMulti()) {
    c.AddError(err::kMultiNested);
    return;
  }
  c.flags |= kClientMulti;
  c.reply.Ok();
}

void DiscardCommand(Client& c) {
  if (!c.InMulti()) {
    c.AddError(err::kDiscardNoMulti);
    return;
  }
  DiscardTransaction(c);
  c.reply.Ok();
}

}  // namespace

void ExecCommand(Client& c) {
  if (!c.InMulti()) {
    c.AddError(err::kExecNoMulti);
    return;
  }
  // Redis 7.0 also fails the transaction when a watched key expired since
  // it was WATCHed (isWatchedKeyExpired).
  if (!(c.flags & kClientDirtyCas)) {
    for (const WatchedKey& wk : c.watched) {
      db::Db* d = GetDb(wk.db);
      if (!wk.expired && d != nullptr && KeyIsExpired(*d, wk.key)) c.flags |= kClientDirtyCas;
    }
  }
  if (c.flags & kClientDirtyExec) {
    c.AddError(err::kExecAbort);
    DiscardTransaction(c);
    return;
  }
  if (c.flags & kClientDirtyCas) {
    c.reply.NullArray();
    DiscardTransaction(c);
    return;
  }
  std::vector<QueuedCommand> queued = std::move(c.mstate);
  c.mstate.clear();
  c.flags &= ~kClientMulti;
  UnwatchAllKeys(c);
  const CommandSpec* exec_cmd = c.cmd;
  std::vector<std::string_view> saved = std::move(c.argv);
  c.reply.ArrayHeader(queued.size());
  c.flags |= kClientInExec;  // blocking commands must not block (commands/blocking.h)
  for (auto& q : queued) {
    c.argv.assign(q.argv.begin(), q.argv.end());
    // ACL rules may have changed since the command was queued: Redis
    // checks again at EXEC.
    int errpos = 0;
    acl::Denied d = CheckCommandPermission(c.user, *q.cmd, c.argv, &errpos);
    if (d != acl::Denied::kOk) {
      const char* reason = d == acl::Denied::kCommand ? "no permission to execute the command or subcommand"
                           : d == acl::Denied::kKey   ? "no permission to touch the specified keys"
                                                      : "no permission to access one of the channels used as arguments";
      c.cmd = q.cmd;
      AddAclLogEntry(c, d, acl::LogContext::kMulti, errpos);
      c.AddErrorFormat("NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC "
                       "call. This command is no longer allowed for the following reason: %s",
                       reason);
      continue;
    }
    Call(c, q.cmd);
  }
  c.flags &= ~kClientInExec;
  c.argv = std::move(saved);
  c.cmd = exec_cmd;
}

namespace {

void WatchCommand(Client& c) {
  if (c.InMulti()) {
    c.AddError(err::kWatchInMulti);
    return;
  }
  for (size_t i = 1; i < c.argv.size(); i++) {
    std::string_view key = c.argv[i];
    if (FindWatched(c, c.db_index, key) != nullptr) continue;
    auto [it, added] = g_watched[c.db_index].try_emplace(std::string(key));
    if (added) g_watched_keys++;
    it->second.push_back(&c);
    c.watched.push_back({c.db_index, std::string(key), KeyIsExpired(*c.db, key)});
  }
  c.reply.Ok();
}

void UnwatchCommand(Client& c) {
  UnwatchAllKeys(c);
  c.flags &= ~kClientDirtyCas;
  c.reply.Ok();
}

}  // namespace

void UnwatchAllKeys(Client& c) {
  for (const WatchedKey& wk : c.watched) {
    auto db_it = g_watched.find(wk.db);
    if (db_it == g_watched.end()) continue;
    auto it = db_it->second.find(wk.key);
    if (it == db_it->second.end()) continue;
    std::erase(it->second, &c);
    if (!it->second.empty()) continue;
    db_it->second.erase(it);
    g_watched_keys--;
    if (db_it->second.empty()) g_watched.erase(db_it);
  }
  c.watched.clear();
}

void ExecCommandAbort(Client& c, std::string_view reason) {
  DiscardTransaction(c);
  // Rejections that Redis formats itself carry no "ERR " (arity, unknown
  // command); those with their own code (OOM, MISCONF, LOADING) keep it.
  if (reason.starts_with("ERR ")) reason.remove_prefix(4);
  c.AddError(std::string(err::kExecAbortBecause) + std::string(reason));
}

void DiscardTransaction(Client& c) {
  c.mstate.clear();
  c.flags &= ~(kClientMulti | kClientDirtyCas | kClientDirtyExec);
  UnwatchAllKeys(c);
}

void SignalFlushedDb(int db, Client* by) {
  for (db::Db* d : GetState().db_ptrs)
    if (db == -1 || d->id() == db) TouchAllWatchedKeysInDb(*d, nullptr);
  TrackingInvalidateOnFlush(by);
}

void SignalSwappedDb(int db1, int db2) {
  db::Db* a = GetDb(db1);
  db::Db* b = GetDb(db2);
  if (a == nullptr || b == nullptr) return;
  TouchAllWatchedKeysInDb(*a, b);
  TouchAllWatchedKeysInDb(*b, a);
}

void InstallWatchHook() { GetState().on_key_modified = TouchWatchedKey; }

void RegisterTransactionCommands(Registry& r) {
  const uint32_t kTx = kCatFast | kCatTransaction;
  r.Add({"multi", 1, kNoScript | kLoading | kStale | kFast | kAllowBusy | kNoQueue, 0, 0, 0, MultiCommand,
         "transactions",
         "Starts a transaction.", "1.2.0", kTx});
  r.Add({"exec", 1, kNoScript | kLoading | kStale | kSkipSlowlog | kNoQueue | kEndsTransaction, 0, 0, 0,
         ExecCommand, "transactions",
         "Executes all commands in a transaction.", "1.2.0", kCatSlow | kCatTransaction});
  r.Add({"discard", 1, kNoScript | kLoading | kStale | kFast | kAllowBusy | kNoQueue | kEndsTransaction, 0, 0,
         0, DiscardCommand,
         "transactions", "Discards a transaction.", "2.0.0", kTx});
  r.Add({"watch", -2, kNoScript | kLoading | kStale | kFast | kAllowBusy | kNoQueue, 1, -1, 1, WatchCommand,
         "transactions",
         "Monitors changes to keys to determine the execution of a transaction.", "2.2.0", kTx});
  r.Add({"unwatch", 1, kNoScript | kLoading | kStale | kFast | kAllowBusy, 0, 0, 0, UnwatchCommand,
         "transactions", "Forgets about watched keys of a transaction.", "2.2.0", kTx});
}

}  // namespace commands
