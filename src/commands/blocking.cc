// Blocking operations on keys: see blocking.h for the model.
//
// Data structures (all DRAM, all empty when nobody blocks):
//   g_waiters   (db, key) -> FIFO of blocked clients (std::list, so a client
//               leaves any queue in O(1) through the iterator it keeps);
//   g_ready     keys signalled since the last serving pass, in order, with
//               g_ready_set to signal each key once per pass;
//   g_timeouts  (deadline, client id) ordered, for the timeout scan;
//   g_unblocked clients whose block ended, for the server to resume;
//   g_postponed clients held back by CLIENT PAUSE, in arrival order.
#include "commands/blocking.h"

#include <cmath>
#include <cstring>
#include <list>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "commands/errors.h"
#include "commands/propagate.h"
#include "commands/state.h"
#include "common/clock.h"
#include "common/macros.h"
#include "common/util.h"
#include "db/db.h"

namespace commands {

// What a blocked client remembers (Client::blocked).
struct BlockedState {
  std::vector<std::string> argv;  // the blocking command, owned
  const CommandSpec* cmd = nullptr;
  int db = 0;
  object::Type type = object::Type::kList;
  BlockServeFn serve = nullptr;
  int64_t deadline_ms = 0;  // 0: forever
  // Each key and this client's place in its FIFO.
  std::vector<std::pair<std::string, std::list<Client*>::iterator>> keys;
};

namespace {

using DbKey = std::pair<int, std::string>;
struct DbKeyHash {
  size_t operator()(const DbKey& k) const { return std::hash<std::string>()(k.second) * 31 + static_cast<size_t>(k.first); }
};

std::unordered_map<DbKey, std::list<Client*>, DbKeyHash>& Waiters() {
  static auto* m = new std::unordered_map<DbKey, std::list<Client*>, DbKeyHash>();
  return *m;
}
std::vector<DbKey>& Ready() {
  static auto* v = new std::vector<DbKey>();
  return *v;
}
std::unordered_set<DbKey, DbKeyHash>& ReadySet() {
  static auto* s = new std::unordered_set<DbKey, DbKeyHash>();
  return *s;
}
std::set<std::pair<int64_t, Client*>>& Timeouts() {
  static auto* s = new std::set<std::pair<int64_t, Client*>>();
  return *s;
}
std::vector<Client*>& Unblocked() {
  static auto* v = new std::vector<Client*>();
  return *v;
}
std::vector<Client*>& Postponed() {
  static auto* v = new std::vector<Client*>();
  return *v;
}
size_t g_blocked = 0;

constexpr char kUnblockedError[] = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

// Takes c out of every queue and index and clears its blocked state. Does
// not reply and does not queue it for resumption.
void RemoveBlocked(Client& c) {
  BlockedState* bs = c.blocked;
  if (bs == nullptr) return;
  auto& waiters = Waiters();
  for (auto& [key, it] : bs->keys) {
    auto w = waiters.find(DbKey(bs->db, key));
    TD_ASSERT(w != waiters.end());
    w->second.erase(it);
    if (w->second.empty()) waiters.erase(w);
  }
  if (bs->deadline_ms != 0) Timeouts().erase({bs->deadline_ms, &c});
  delete bs;
  c.blocked = nullptr;
  c.flags &= ~kClientBlocked;
  g_blocked--;
}

// Ends c's block (after its reply was written) and queues it for the
// server to flush and resume.
void Unblock(Client& c) {
  RemoveBlocked(c);
  Unblocked().push_back(&c);
}

void OnKeyAdded(int db, std::string_view key, const object::Object*) {
  if (g_blocked == 0) return;
  SignalKeyAsReady(db, key);
}
void OnKeyDeleted(int db, std::string_view key) {
  if (g_blocked == 0) return;
  SignalKeyAsReady(db, key);
}

// Runs c's serve function for key with c's command and db in place.
bool Serve(Client& c, std::string_view key) {
  BlockedState* bs = c.blocked;
  std::vector<std::string_view> saved_argv = std::move(c.argv);
  const CommandSpec* saved_cmd = c.cmd;
  db::Db* saved_db = c.db;
  c.argv.assign(bs->argv.begin(), bs->argv.end());
  c.cmd = bs->cmd;
  c.db = GetDb(bs->db);
  c.propagate_argv.clear();
  c.also_propagate.clear();
  c.prevent_propagation = false;
  bool served = bs->serve(c, key);
  // What the serve function propagates (the non-blocking equivalent of the
  // command, through AlsoPropagate) goes out now, after the command that
  // made the key ready, as Redis's serveClientBlockedOnList does.
  State& s = GetState();
  if (s.propagate != nullptr) {
    for (auto& argv : c.also_propagate) s.pending_propagation.push_back({bs->db, std::move(argv)});
    if (s.call_depth == 0) FlushPendingPropagation();
  }
  c.also_propagate.clear();
  c.argv = std::move(saved_argv);
  c.cmd = saved_cmd;
  c.db = saved_db;
  return served;
}

}  // namespace

bool GetTimeoutOrReply(Client& c, std::string_view arg, int64_t* deadline_ms) {
  long double secs;
  if (!common::StringToLongDouble(arg, &secs) || std::isnan(secs)) {
    c.AddError(err::kTimeout);
    return false;
  }
  // Redis converts ceil(secs * 1000) to a long long; values out of its range
  // (infinities included) become LLONG_MIN on x86-64 and so "negative".
  long double ms = std::ceil(secs * 1000.0L);
  int64_t tval = (ms >= 9223372036854775807.0L || ms < -9223372036854775807.0L) ? INT64_MIN
                                                                                : static_cast<int64_t>(ms);
  if (tval < 0) {
    c.AddError(err::kTimeoutNegative);
    return false;
  }
  if (tval > 0) {
    int64_t now = common::MsTime();
    tval = tval > INT64_MAX - now ? INT64_MAX : tval + now;
  }
  *deadline_ms = tval;
  return true;
}

bool MustNotBlock(const Client& c) { return c.flags & (kClientMulti | kClientInExec | kClientDenyBlocking); }

void BlockForKeys(Client& c, const std::vector<std::string_view>& keys, int64_t deadline_ms, object::Type type,
                  BlockServeFn serve) {
  TD_ASSERT(c.blocked == nullptr && !MustNotBlock(c));
  auto* bs = new BlockedState();
  bs->argv.assign(c.argv.begin(), c.argv.end());
  bs->cmd = c.cmd;
  bs->db = c.db->id();
  bs->type = type;
  bs->serve = serve;
  bs->deadline_ms = deadline_ms;
  auto& waiters = Waiters();
  for (std::string_view k : keys) {
    bool dup = false;
    for (auto& [seen, it] : bs->keys) dup |= seen == k;
    if (dup) continue;  // BLPOP a a 0 waits once on a
    auto& fifo = waiters[DbKey(bs->db, std::string(k))];
    fifo.push_back(&c);
    bs->keys.emplace_back(std::string(k), std::prev(fifo.end()));
  }
  if (deadline_ms != 0) Timeouts().insert({deadline_ms, &c});
  c.blocked = bs;
  c.flags |= kClientBlocked;
  g_blocked++;
}

void SignalKeyAsReady(int db, std::string_view key) {
  DbKey k(db, std::string(key));
  if (Waiters().find(k) == Waiters().end()) return;
  if (!ReadySet().insert(k).second) return;
  Ready().push_back(std::move(k));
}

bool HaveReadyKeys() { return !Ready().empty(); }

void HandleClientsBlockedOnKeys() {
  auto& waiters = Waiters();
  while (!Ready().empty()) {
    std::vector<DbKey> ready;
    ready.swap(Ready());
    for (const DbKey& rk : ready) {
      ReadySet().erase(rk);
      db::Db* d = GetDb(rk.first);
      if (d == nullptr) continue;
      // Serve waiters in FIFO order while the key has a value of their
      // type; a waiter that cannot be served keeps its place.
      auto w = waiters.find(rk);
      if (w == waiters.end()) continue;
      std::vector<Client*> queue(w->second.begin(), w->second.end());
      // Stream waiters are served whatever the key holds: XREADGROUP
      // answers an error when its stream or group is gone.
      for (Client* c : queue) {
        object::Object* o = d->LookupWrite(rk.second);
        if (c->blocked == nullptr) continue;
        const bool stream = c->blocked->type == object::Type::kStream;
        if (!stream && (o == nullptr || o->GetType() != c->blocked->type)) continue;
        if (Serve(*c, rk.second)) Unblock(*c);
      }
    }
  }
}

void HandleBlockedClientsTimeout(int64_t now_ms) {
  auto& t = Timeouts();
  while (!t.empty() && t.begin()->first <= now_ms) {
    Client* c = t.begin()->second;
    c->reply.NullArray();
    Unblock(*c);
  }
}

bool UnblockClientByRequest(Client& c, bool with_error) {
  if (c.blocked == nullptr) return false;
  if (with_error) {
    c.AddError(kUnblockedError);
  } else {
    c.reply.NullArray();
  }
  Unblock(c);
  return true;
}

void ForgetClient(Client& c) {
  RemoveBlocked(c);
  std::erase(Unblocked(), &c);
  if (c.flags & kClientPostponed) {
    std::erase(Postponed(), &c);
    c.flags &= ~(kClientBlocked | kClientPostponed);
    g_blocked--;
  }
}

void PostponeClient(Client& c) {
  c.flags |= kClientBlocked | kClientPostponed;
  Postponed().push_back(&c);
  g_blocked++;
}

void UnblockPostponedClients() {
  for (Client* c : Postponed()) {
    c->flags &= ~(kClientBlocked | kClientPostponed);
    g_blocked--;
    Unblocked().push_back(c);
  }
  Postponed().clear();
}

std::vector<Client*> TakeUnblockedClients() {
  std::vector<Client*> out;
  out.swap(Unblocked());
  return out;
}

size_t BlockedClientCount() { return g_blocked; }

void InstallBlockingHooks() {
  db::SetKeyAddedHook(OnKeyAdded);
  db::SetKeyDeletedHook(OnKeyDeleted);
}

}  // namespace commands
