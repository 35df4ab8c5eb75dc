#include "commands/dispatch.h"
#include "commands/propagate.h"

#include "commands/blocking.h"
#include "commands/deliver.h"
#include "commands/monitor.h"
#include "commands/tracking.h"

#include <cctype>
#include <chrono>
#include <cstdlib>

#include "alloc/zmalloc.h"
#include "commands/acl_check.h"
#include "commands/errors.h"
#include "commands/pause.h"
#include "commands/state.h"
#include "commands/transactions.h"
#include "common/clock.h"
#include "common/log.h"

namespace commands {
namespace {

std::vector<SlowlogEntry> g_slowlog;
uint64_t g_slowlog_next_id = 0;
size_t g_slowlog_max_len = 128;

std::string Upper(std::string_view s) {
  std::string r(s);
  for (char& ch : r) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
  return r;
}

// Redis 7.0 quotes each argument as '%.*s' (at most 128 bytes), and stops
// once the list reaches 128 bytes.
std::string ArgsPreview(const std::vector<std::string_view>& argv, size_t from) {
  std::string out;
  for (size_t i = from; i < argv.size() && out.size() < 128; i++) {
    out += '\'';
    out.append(argv[i].substr(0, 128 - std::min<size_t>(out.size(), 128)));
    out += "' ";
  }
  return out;
}

// Whether argv[0] names `cmd`, the plain command (no parent, no
// subcommands) this client ran last: pipelines and most clients repeat one
// command, and this compare skips the registry's binary search (~500
// instructions of a ~2,500-instruction GET). Registry names are lower case.
bool IsLastCommand(std::string_view arg, const CommandSpec* cmd) {
  return cmd != nullptr && cmd->parent == nullptr && cmd->subcommands.empty() && ArgIs(arg, cmd->name);
}

// Redis's securityWarningCommand. A browser tricked into posting to the
// server's port (cross protocol scripting) sends "POST / HTTP/1.1" and
// "Host: ..." lines, which read as inline commands named "post" and
// "host:". Redis recognises these two names before any lookup (they are in
// no command table, COMMAND INFO knows them not) and drops the connection
// without a reply, so nothing after them, the attacker's payload, runs.
// Logged at most once a minute.
bool IsHttpRequestLine(std::string_view name) { return ArgIs(name, "post") || ArgIs(name, "host:"); }

void AbortHttpRequest(Client& c) {
  // Redis's interval between two such warnings, in seconds.
  constexpr int64_t kWarningIntervalSec = 60;
  static int64_t logged_at = 0;
  int64_t now = common::UsTime() / 1000000;
  if (std::llabs(now - logged_at) > kWarningIntervalSec) {
    LOG_WARNING(
        "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This "
        "is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. "
        "Connection aborted.");
    logged_at = now;
  }
  c.outbuf.clear();
  c.out_pos = 0;
  State& s = GetState();
  if (s.close_client_async != nullptr) s.close_client_async(c);
}

bool ArityOk(const CommandSpec* cmd, size_t argc) {
  int a = cmd->arity;
  return (a > 0 && static_cast<size_t>(a) == argc) || (a < 0 && argc >= static_cast<size_t>(-a));
}

// Redis's rejectCommand: inside MULTI the transaction is flagged, so EXEC
// aborts; EXEC itself rejected aborts the transaction at once, saying why.
void RejectCommand(Client& c, std::string_view msg) {
  if (c.InMulti()) c.flags |= kClientDirtyExec;
  if (c.cmd) c.cmd->stats.rejected_calls++;
  if (c.cmd != nullptr && c.cmd->handler == ExecCommand) {
    ExecCommandAbort(c, msg);
    return;
  }
  CountError(msg);
  c.reply.Error(msg);
}

void MaybeSlowlog(Client& c, int64_t duration_us) {
  State& s = GetState();
  if (s.slowlog_log_slower_than < 0 || duration_us < s.slowlog_log_slower_than) return;
  if (c.cmd && (c.cmd->flags & kSkipSlowlog)) return;
  SlowlogEntry e;
  e.id = g_slowlog_next_id++;
  e.time = common::UsTime() / 1000000;
  e.duration_us = duration_us;
  // Redis keeps at most 32 arguments, the last one saying how many more.
  size_t argc = c.argv.size() > 32 ? 31 : c.argv.size();
  for (size_t i = 0; i < argc; i++) {
    // Passwords (AUTH, HELLO AUTH, ACL SETUSER) never reach the slow log.
    std::string_view a = (i < 64 && (c.redacted_args >> i & 1)) ? std::string_view("(redacted)") : c.argv[i];
    if (a.size() > 128) {
      e.argv.push_back(std::string(a.substr(0, 128)) + "... (" + std::to_string(a.size() - 128) +
                       " more bytes)");
    } else {
      e.argv.emplace_back(a);
    }
  }
  if (argc < c.argv.size())
    e.argv.push_back("... (" + std::to_string(c.argv.size() - argc) + " more arguments)");
  e.peer = c.addr;
  e.client_name = c.name;
  g_slowlog.insert(g_slowlog.begin(), std::move(e));
  SlowlogTrim(g_slowlog_max_len);
}

}  // namespace

std::vector<SlowlogEntry>& Slowlog() { return g_slowlog; }
uint64_t& SlowlogNextId() { return g_slowlog_next_id; }
size_t& SlowlogMaxLen() { return g_slowlog_max_len; }
void SlowlogTrim(size_t max_len) {
  if (g_slowlog.size() > max_len) g_slowlog.resize(max_len);
}

std::map<std::string, LatencyEvent>& LatencyEvents() {
  static auto* events = new std::map<std::string, LatencyEvent>();
  return *events;
}

void LatencyAddSampleIfNeeded(const char* event, int64_t ms) {
  int64_t threshold = GetState().latency_monitor_threshold;
  if (threshold <= 0 || ms < threshold) return;
  LatencyEvent& e = LatencyEvents()[event];
  int64_t now = common::UsTime() / 1000000;
  uint32_t v = static_cast<uint32_t>(std::min<int64_t>(ms, UINT32_MAX));
  if (!e.samples.empty() && e.samples.back().time == now) {
    e.samples.back().latency_ms = std::max(e.samples.back().latency_ms, v);
  } else {
    if (e.samples.size() == kLatencyTsLen) e.samples.erase(e.samples.begin());
    e.samples.push_back({now, v});
  }
  e.max_ms = std::max(e.max_ms, v);
}

void RewriteCommandForPropagation(Client& c, std::vector<std::string> argv) {
  c.propagate_argv = std::move(argv);
}

void AlsoPropagate(Client& c, std::vector<std::string> argv) { c.also_propagate.push_back(std::move(argv)); }

void PreventPropagation(Client& c) { c.prevent_propagation = true; }

void ForceReplicationPropagation(Client& c) { c.force_repl_propagation = true; }

void PropagateDeletion(int db, std::string_view key, bool lazy) {
  State& s = GetState();
  if (s.propagate == nullptr || s.loading) return;
  s.pending_propagation.push_back({db, {lazy ? "UNLINK" : "DEL", std::string(key)}});
  if (s.call_depth == 0) FlushPendingPropagation();
}

void FlushPendingPropagation() {
  State& s = GetState();
  if (s.pending_propagation.empty()) return;
  std::vector<PropagatedOp> ops;
  ops.swap(s.pending_propagation);
  if (s.propagate != nullptr && !s.loading) s.propagate(ops);
}

namespace {

// After a command ran: queues what it propagates. Redis's call(): the
// command's own argv (or its rewrite) when it changed the dataset and did
// not prevent it, then what it asked to AlsoPropagate. EXEC itself is never
// propagated: the commands it ran were queued by their own calls.
void CollectPropagation(Client& c, const CommandSpec* cmd, bool dirty_changed) {
  State& s = GetState();
  int db = c.db ? c.db->id() : 0;
  const bool forced = c.force_repl_propagation && !dirty_changed;
  if ((dirty_changed || forced) && !c.prevent_propagation && cmd->handler != nullptr && cmd->handler != ExecCommand) {
    PropagatedOp op;
    op.db = db;
    op.repl_only = forced;
    if (!c.propagate_argv.empty()) {
      op.argv = std::move(c.propagate_argv);
    } else {
      op.argv.assign(c.argv.begin(), c.argv.end());
    }
    s.pending_propagation.push_back(std::move(op));
  }
  for (auto& argv : c.also_propagate) s.pending_propagation.push_back({db, std::move(argv)});
  c.propagate_argv.clear();
  c.also_propagate.clear();
  c.prevent_propagation = false;
  c.force_repl_propagation = false;
}

}  // namespace

void Call(Client& c, const CommandSpec* cmd) {
  State& s = GetState();
  c.cmd = cmd;
  c.propagate_argv.clear();
  c.also_propagate.clear();
  c.prevent_propagation = false;
  c.force_repl_propagation = false;
  uint64_t dirty_before = s.dirty;
  uint64_t start = common::MonotonicUs();
  c.flags |= kClientExecuting;
  c.redacted_args = 0;
  s.call_depth++;
  cmd->handler(c);
  s.call_depth--;
  c.flags &= ~kClientExecuting;
  const uint32_t all_flags = cmd->flags | (cmd->parent ? cmd->parent->flags : 0);
  if (HaveMonitors()) FeedMonitors(c, all_flags);
  // Client-side caching: a read remembers the keys it fetched.
  if ((c.flags & kClientTracking) && !(c.flags & kClientTrackingBcast) &&
      ((cmd->flags | (cmd->parent ? cmd->parent->flags : 0)) & kReadonly))
    TrackingRememberKeys(c);
  // Pushes this client got while building its reply follow it.
  if (s.call_depth == 0) FlushPendingPush(c);
  int64_t duration = static_cast<int64_t>(common::MonotonicUs() - start);
  if (s.propagate != nullptr) {
    CollectPropagation(c, cmd, s.dirty > dirty_before);
    if (s.call_depth == 0 && !s.pending_propagation.empty()) {
      FlushPendingPropagation();
      c.woff = s.repl_offset;
    }
  }
  cmd->stats.calls++;
  cmd->stats.usec += static_cast<uint64_t>(duration);
  // In ns, as Redis records (its histograms keep 1 ns..1 s).
  if (s.latency_tracking) cmd->stats.latency.Record(duration * 1000);
  s.stats.numcommands++;
  c.commands_processed++;
  c.lastcmd = cmd;
  MaybeSlowlog(c, duration);
  uint32_t flags = cmd->flags | (cmd->parent ? cmd->parent->flags : 0);
  LatencyAddSampleIfNeeded((flags & kFast) ? "fast-command" : "command", duration / 1000);
}

void ProcessCommand(Client& c) {
  State& s = GetState();
  c.cmd = nullptr;
  if (c.argv.empty()) return;

  if (IsHttpRequestLine(c.argv[0])) {
    AbortHttpRequest(c);
    return;
  }

  // QUIT is handled before anything else, like Redis.
  if (ArgIs(c.argv[0], "quit")) {
    c.reply.Ok();
    c.flags |= kClientCloseAfterReply;
    return;
  }

  const CommandSpec* container = nullptr;
  const CommandSpec* cmd =
      IsLastCommand(c.argv[0], c.lastcmd) ? c.lastcmd : Registry::Get().Lookup(c.argv, &container);
  if (cmd == nullptr) {
    if (container) {
      RejectCommand(c, "ERR unknown subcommand '" + std::string(c.argv[1].substr(0, 128)) + "'. Try " +
                           Upper(container->name) + " HELP.");
    } else {
      RejectCommand(c, "ERR unknown command '" + std::string(c.argv[0].substr(0, 128)) +
                           "', with args beginning with: " + ArgsPreview(c.argv, 1));
    }
    return;
  }
  c.cmd = cmd;
  if (!ArityOk(cmd, c.argv.size())) {
    RejectCommand(c, "ERR wrong number of arguments for '" + cmd->full_name + "' command");
    return;
  }

  uint32_t flags = cmd->flags | (cmd->parent ? cmd->parent->flags : 0);
  // Protected commands are refused before anything else, inside MULTI too
  // (enable-debug-command, enable-module-command).
  if ((flags & kProtected) && s.protected_command_denied != nullptr) {
    if (const char* e = s.protected_command_denied(c, *cmd)) {
      RejectCommand(c, e);
      return;
    }
  }

  if (!c.authenticated && !(flags & kNoAuth) && acl::DefaultNeedsAuth()) {
    RejectCommand(c, err::kNoAuth);
    return;
  }

  // Access control (Redis's ACLCheckAllPerm): the command, its keys, its
  // channels. Inside MULTI the check is made when queueing, and again by EXEC.
  if (c.user != nullptr && !acl::Unrestricted(*c.user)) {
    int errpos = 0;
    acl::Denied d = CheckCommandPermission(c.user, *cmd, c.argv, &errpos);
    if (d != acl::Denied::kOk) {
      AddAclLogEntry(c, d, c.InMulti() ? acl::LogContext::kMulti : acl::LogContext::kToplevel, errpos);
      RejectCommand(c, NoPermError(d, *cmd));
      return;
    }
  }

  // Cluster redirection (Redis's getNodeByQuery in processCommand). A
  // redirected EXEC discards its transaction; anything else inside MULTI
  // makes EXEC abort.
  if (s.cluster_redirect != nullptr) {
    std::string e;
    if (s.cluster_redirect(c, *cmd, &e)) {
      if (cmd->handler == ExecCommand) {
        DiscardTransaction(c);
        cmd->stats.rejected_calls++;
        c.AddError(e);
      } else {
        RejectCommand(c, e);
      }
      return;
    }
  }

  // A monitoring client counts as a replica: it may not touch the keyspace.
  if ((c.flags & kClientMonitor) && (flags & (kWrite | kReadonly | kMayReplicate))) {
    RejectCommand(c, "ERR Replica can't interact with the keyspace");
    return;
  }

  // A RESP2 connection in subscribed mode reads pushes: only the commands
  // that manage subscriptions (and PING, QUIT, RESET) may run. RESP3 has
  // no such limit.
  if ((c.flags & kClientPubSub) && c.resp == 2 && !(flags & kSubscribedContext)) {
    RejectCommand(c, "ERR Can't execute '" + cmd->full_name +
                         "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
                         "context");
    return;
  }

  if (c.InMulti() && (flags & kNoMulti)) {
    RejectCommand(c, "ERR Command not allowed inside a transaction");
    return;
  }

  // EXEC counts as what it runs: denyoom, or a write, if a queued command is
  // (Redis's mstate.cmd_flags).
  if (cmd->handler == ExecCommand) {
    for (const QueuedCommand& q : c.mstate) flags |= q.cmd->flags | (q.cmd->parent ? q.cmd->parent->flags : 0);
  }

  s.pre_command_oom = false;
  // Our master's commands are never refused for memory (its dataset is the
  // truth): only the maxmemory of the master counts.
  if (s.maxmemory && s.evict_before_command != nullptr && !(c.flags & kClientMaster)) {
    const bool out_of_memory = s.evict_before_command();
    s.pre_command_oom = out_of_memory;
    // Refused: commands that may grow memory (EXEC as what it queued), and,
    // inside MULTI, anything but EXEC, DISCARD and RESET (a queue can grow
    // without bound), as Redis.
    const bool deny = (flags & kDenyOom) || (c.InMulti() && !(flags & kEndsTransaction));
    if (out_of_memory && deny) {
      RejectCommand(c, err::kOom);
      return;
    }
  }

  // Persistence failing (MISCONF): refuse writes, and PING, as Redis.
  if (s.disk_error != nullptr) {
    if (flags & (kWrite | kDeniedOnDiskError)) {
      if (const char* e = s.disk_error()) {
        RejectCommand(c, e);
        return;
      }
    }
  }

  if (s.replication_denied != nullptr) {
    if (const char* e = s.replication_denied(c, flags)) {
      RejectCommand(c, e);
      return;
    }
  }

  // A script runs past busy-reply-threshold (this client is served from
  // inside it): only kAllowBusy commands (SCRIPT KILL, SHUTDOWN...) run.
  if (s.busy_error != nullptr && !(flags & kAllowBusy)) {
    RejectCommand(c, s.busy_error);
    return;
  }

  if (s.loading && !(flags & kLoading)) {
    RejectCommand(c, err::kLoading);
    return;
  }

  // CLIENT PAUSE: the command waits, unexecuted, for the pause's end (also
  // when it would be queued inside MULTI, as Redis).
  if (CurrentPause() != PauseType::kNone && PauseHoldsCommand(flags, db::Now())) {
    PostponeClient(c);
    return;
  }

  // Inside MULTI everything but the transaction commands is queued.
  if (c.InMulti() && cmd->handler != nullptr && !(flags & kNoQueue)) {
    QueuedCommand q;
    q.cmd = cmd;
    q.argv.reserve(c.argv.size());
    for (auto a : c.argv) q.argv.emplace_back(a);
    c.mstate.push_back(std::move(q));
    c.reply.SimpleString("QUEUED");
    return;
  }

  Call(c, cmd);
  // Serve clients blocked on keys this command made ready (Redis does it
  // after call() in processCommand, so after EXEC as a whole).
  if (HaveReadyKeys()) HandleClientsBlockedOnKeys();
}

}  // namespace commands
