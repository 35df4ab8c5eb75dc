// Transactions: MULTI EXEC DISCARD WATCH UNWATCH.
//
// WATCH keeps, per (db, key), the clients watching it. Any modification of
// the key (SignalModifiedKey, via State::on_key_modified) or a flush of its
// db marks those clients kClientDirtyCas, and their EXEC then replies a null
// array. Commands queued inside MULTI are copied out of the query buffer.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "commands/client.h"
#include "commands/dispatch.h"
#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "commands/transactions.h"

namespace commands {
namespace {

// "<db>\n<key>" -> watching clients. Small: only watched keys appear.
std::unordered_map<std::string, std::vector<Client*>> g_watched;

std::string WatchKey(int db, std::string_view key) {
  std::string k = std::to_string(db);
  k += '\n';
  k.append(key);
  return k;
}

void TouchWatchedKey(int db, std::string_view key) {
  if (g_watched.empty()) return;
  auto it = g_watched.find(WatchKey(db, key));
  if (it == g_watched.end()) return;
  for (Client* c : it->second) c->flags |= kClientDirtyCas;
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

void ExecCommand(Client& c) {
  if (!c.InMulti()) {
    c.AddError(err::kExecNoMulti);
    return;
  }
  // Redis 7.0 also fails the transaction when a watched key expired.
  if (!(c.flags & kClientDirtyCas)) {
    for (auto& [dbi, key] : c.watched) {
      db::Db* d = GetDb(dbi);
      if (d && d->GetExpire(key) >= 0 && d->GetExpire(key) <= db::Now()) c.flags |= kClientDirtyCas;
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
    Call(c, q.cmd);
  }
  c.flags &= ~kClientInExec;
  c.argv = std::move(saved);
  c.cmd = exec_cmd;
}

void WatchCommand(Client& c) {
  if (c.InMulti()) {
    c.AddError(err::kWatchInMulti);
    return;
  }
  for (size_t i = 1; i < c.argv.size(); i++) {
    std::string key(c.argv[i]);
    bool already = std::any_of(c.watched.begin(), c.watched.end(),
                               [&](auto& w) { return w.first == c.db_index && w.second == key; });
    if (already) continue;
    g_watched[WatchKey(c.db_index, key)].push_back(&c);
    c.watched.emplace_back(c.db_index, std::move(key));
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
  for (auto& [dbi, key] : c.watched) {
    auto it = g_watched.find(WatchKey(dbi, key));
    if (it == g_watched.end()) continue;
    std::erase(it->second, &c);
    if (it->second.empty()) g_watched.erase(it);
  }
  c.watched.clear();
}

void DiscardTransaction(Client& c) {
  c.mstate.clear();
  c.flags &= ~(kClientMulti | kClientDirtyCas | kClientDirtyExec);
  UnwatchAllKeys(c);
}

void SignalFlushedDb(int db) {
  for (auto& [k, clients] : g_watched) {
    int kdb = std::stoi(k.substr(0, k.find('\n')));
    if (db != -1 && kdb != db) continue;
    for (Client* c : clients) c->flags |= kClientDirtyCas;
  }
}

void InstallWatchHook() { GetState().on_key_modified = TouchWatchedKey; }

void RegisterTransactionCommands(Registry& r) {
  const uint32_t kTx = kCatFast | kCatTransaction;
  r.Add({"multi", 1, kNoScript | kLoading | kStale | kFast | kAllowBusy, 0, 0, 0, MultiCommand, "transactions",
         "Starts a transaction.", "1.2.0", kTx});
  r.Add({"exec", 1, kNoScript | kLoading | kStale | kSkipSlowlog, 0, 0, 0, ExecCommand, "transactions",
         "Executes all commands in a transaction.", "1.2.0", kCatSlow | kCatTransaction});
  r.Add({"discard", 1, kNoScript | kLoading | kStale | kFast | kAllowBusy, 0, 0, 0, DiscardCommand,
         "transactions", "Discards a transaction.", "2.0.0", kTx});
  r.Add({"watch", -2, kNoScript | kLoading | kStale | kFast | kAllowBusy, 1, -1, 1, WatchCommand, "transactions",
         "Monitors changes to keys to determine the execution of a transaction.", "2.2.0", kTx});
  r.Add({"unwatch", 1, kNoScript | kLoading | kStale | kFast | kAllowBusy, 0, 0, 0, UnwatchCommand,
         "transactions", "Forgets about watched keys of a transaction.", "2.2.0", kTx});
}

}  // namespace commands
