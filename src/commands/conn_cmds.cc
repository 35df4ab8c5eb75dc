// Connection commands: PING ECHO HELLO AUTH RESET.
#include <cstring>

#include "commands/acl_check.h"
#include "commands/client.h"
#include "commands/errors.h"
#include "commands/monitor.h"
#include "commands/pubsub.h"
#include "commands/tracking.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "commands/transactions.h"
#include "commands/version.h"
#include "common/util.h"

namespace commands {
namespace {

void PingCommand(Client& c) {
  if (c.argv.size() > 2) {
    c.AddArityError();
    return;
  }
  // A RESP2 subscriber reads arrays: PING answers ["pong", <message or "">].
  if ((c.flags & kClientPubSub) && c.resp == 2) {
    c.reply.ArrayHeader(2);
    c.reply.Bulk("pong");
    c.reply.Bulk(c.argv.size() == 2 ? c.argv[1] : std::string_view());
    return;
  }
  if (c.argv.size() == 1) {
    c.reply.SimpleString("PONG");
  } else {
    c.reply.Bulk(c.argv[1]);
  }
}

void EchoCommand(Client& c) { c.reply.Bulk(c.argv[1]); }

// Checks user/password (Redis's ACLAuthenticateUser). Replies the error,
// and logs it in the ACL LOG, and returns false on failure. User names are
// case-sensitive.
bool Authenticate(Client& c, std::string_view user, std::string_view pass) {
  const acl::User* u = acl::FindUser(user);
  if (u == nullptr || !u->enabled() || !u->CheckPassword(pass)) {
    // Inside EXEC (MULTI's flag is already cleared here) the context is
    // "multi", as Redis's.
    const bool multi = c.InMulti() || (c.flags & kClientInExec);
    AddAclLogEntry(c, acl::Denied::kAuth, multi ? acl::LogContext::kMulti : acl::LogContext::kToplevel, 0,
                   user, c.argv[0]);
    c.AddError(err::kWrongPass);
    return false;
  }
  c.authenticated = true;
  c.user = u;
  return true;
}

void AuthCommand(Client& c) {
  if (c.argv.size() > 3) {
    c.AddSyntaxError();
    return;
  }
  // MONITOR never shows credentials.
  for (size_t j = 1; j < c.argv.size(); j++) c.RedactArgument(j);
  if (c.argv.size() == 2) {
    if (acl::DefaultUser().flags & acl::kUserNoPass) {
      c.AddError(err::kNoPasswordSet);
      return;
    }
    if (!Authenticate(c, "default", c.argv[1])) return;
  } else {
    if (!Authenticate(c, c.argv[1], c.argv[2])) return;
  }
  c.reply.Ok();
}

void HelloCommand(Client& c) {
  int64_t ver = 0;
  size_t next = 1;
  if (c.argv.size() >= 2) {
    if (!common::StringToInt64(c.argv[1], &ver)) {
      c.AddError("ERR Protocol version is not an integer or out of range");
      return;
    }
    next = 2;
    if (ver < 2 || ver > 3) {
      c.AddError("NOPROTO unsupported protocol version");
      return;
    }
  }
  std::string_view setname;
  bool has_setname = false;
  for (size_t j = next; j < c.argv.size(); j++) {
    size_t more = c.argv.size() - j - 1;
    if (ArgIs(c.argv[j], "auth") && more >= 2) {
      c.RedactArgument(j + 1);
      c.RedactArgument(j + 2);
      if (!Authenticate(c, c.argv[j + 1], c.argv[j + 2])) return;
      j += 2;
    } else if (ArgIs(c.argv[j], "setname") && more >= 1) {
      setname = c.argv[j + 1];
      has_setname = true;
      j += 1;
    } else {
      c.AddErrorFormat("ERR Syntax error in HELLO option '%.*s'", static_cast<int>(c.argv[j].size()),
                       c.argv[j].data());
      return;
    }
  }
  if (!c.authenticated && acl::DefaultNeedsAuth()) {
    c.AddError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> "
               "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
               "protocol version at the same time");
    return;
  }
  if (has_setname) {
    for (char ch : setname) {
      if (ch < '!' || ch > '~') {
        c.AddError("ERR Client names cannot contain spaces, newlines or special characters.");
        return;
      }
    }
    c.name = std::string(setname);
  }
  if (ver) {
    c.resp = static_cast<int>(ver);
    c.reply.SetProtocol(c.resp);
  }
  c.reply.MapHeader(7);
  c.reply.Bulk("server");
  c.reply.Bulk("redis");
  c.reply.Bulk("version");
  c.reply.Bulk(kRedisVersion);
  c.reply.Bulk("proto");
  c.reply.Integer(c.resp);
  c.reply.Bulk("id");
  c.reply.Integer(static_cast<int64_t>(c.id));
  c.reply.Bulk("mode");
  c.reply.Bulk("standalone");
  c.reply.Bulk("role");
  c.reply.Bulk("master");
  c.reply.Bulk("modules");
  c.reply.ArrayHeader(0);
}

void ResetCommand(Client& c) {
  DiscardTransaction(c);
  PubsubForgetClient(c);
  DisableTracking(c);
  StopMonitoring(c);
  c.db_index = 0;
  c.db = GetDb(0);
  c.resp = 2;
  c.reply.SetProtocol(2);
  c.flags &= ~(kClientReplyOff | kClientReplySkip | kClientReplySkipNext | kClientNoEvict | kClientNoTouch);
  // Back to the default user, authenticated iff it needs no password
  // (Redis's clientSetDefaultAuth).
  c.user = &acl::DefaultUser();
  c.authenticated = !acl::DefaultNeedsAuth();
  c.reply.SimpleString("RESET");
}

}  // namespace

void RegisterConnectionCommands(Registry& r) {
  const uint32_t kConnFast = kCatFast | kCatConnection;
  r.Add({"ping", -1, kFast | kSubscribedContext | kDeniedOnDiskError, 0, 0, 0, PingCommand, "connection", "Returns the server's liveliness response.",
         "1.0.0", kConnFast});
  r.Add({"echo", 2, kFast, 0, 0, 0, EchoCommand, "connection", "Returns the given string.", "1.0.0", kConnFast});
  r.Add({"auth", -2, kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy, 0, 0, 0, AuthCommand,
         "connection", "Authenticates the connection.", "1.0.0", kConnFast});
  r.Add({"hello", -1, kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy, 0, 0, 0, HelloCommand,
         "connection", "Handshakes with the Redis server.", "6.0.0", kConnFast});
  r.Add({"reset", 1,
         kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy | kNoQueue | kEndsTransaction |
             kSubscribedContext,
         0, 0, 0, ResetCommand,
         "connection", "Resets the connection.", "6.2.0", kConnFast});
}

}  // namespace commands
