// The server's introspection and administration commands, Redis 7.0-exact:
// CLIENT, COMMAND, DEBUG, MEMORY (plus tieredis's MEMORY TIER), SLOWLOG,
// LATENCY, TIME, LASTSAVE and SHUTDOWN. INFO and CONFIG live in info.cc;
// RegisterServerCommands registers them too, through
// RegisterInfoConfigCommands.
//
// These commands read the server's state (clients, the command table, the
// allocator's counters, the slow log) and change only small switches: the
// client pause deadline, a client's reply mode and flags, the active expire
// switch. None of them modifies the dataset.
//
// Reply shapes and error texts were checked one by one against Debian's
// redis-server 7.0.15. Where tieredis has no counterpart of a Redis
// mechanism (replicas, pub/sub clients, the latency monitor, quicklist
// internals), the reply has Redis's shape with the values an instance
// without that activity shows (no replica clients, no latency events).
#include <sys/types.h>
#include <unistd.h>

#include <cinttypes>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "alloc/residency.h"
#include "alloc/zmalloc.h"
#include "commands/blocking.h"
#include "commands/client.h"
#include "commands/dispatch.h"
#include "commands/errors.h"
#include "commands/keys.h"
#include "commands/pause.h"
#include "commands/registry.h"
#include "commands/pubsub.h"
#include "commands/state.h"
#include "commands/tracking.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "db/tiering.h"
#include "ds/dict.h"
#include "ds/quicklist.h"
#include "ds/sds.h"
#include "net/event_loop.h"
#include "net/socket.h"
#include "object/list_type.h"
#include "object/lru.h"
#include "object/object.h"
#include "persist/dump.h"
#include "repl/replication.h"
#include "server/config.h"
#include "server/maxmemory.h"
#include "server/persistence.h"
#include "server/debug.h"
#include "server/memory_overhead.h"
#include "server/server.h"

namespace server {

// Defined in info.cc (INFO, CONFIG).
void RegisterInfoConfigCommands(commands::Registry& r);

bool& ActiveExpireEnabled() {
  static bool enabled = true;
  return enabled;
}

namespace {

using commands::ArgIs;
using commands::CommandSpec;
using commands::GetState;
using commands::Registry;
using commands::ReplyHelp;
using object::Object;

// ---- shared helpers ---------------------------------------------------------

// The ip part of an "ip:port" / "[ipv6]:port" / "path:0" address.
std::string AddrHost(const std::string& addr) {
  size_t colon = addr.rfind(':');
  std::string host = colon == std::string::npos ? addr : addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

// ---- CLIENT -----------------------------------------------------------------

// Client types of CLIENT LIST/KILL TYPE. tieredis has no replication and no
// pub/sub yet, so every client is normal.
enum class ClientType { kNormal, kMaster, kReplica, kPubsub, kInvalid };

ClientType ParseClientType(std::string_view s) {
  if (ArgIs(s, "normal")) return ClientType::kNormal;
  if (ArgIs(s, "master")) return ClientType::kMaster;
  if (ArgIs(s, "replica") || ArgIs(s, "slave")) return ClientType::kReplica;
  if (ArgIs(s, "pubsub")) return ClientType::kPubsub;
  return ClientType::kInvalid;
}

ClientType TypeOfClient(const Client& c) {
  if (c.flags & commands::kClientMaster) return ClientType::kMaster;
  if (c.flags & commands::kClientSlave) return ClientType::kReplica;
  return ClientType::kNormal;
}

void ClientIdCommand(Client& c) { c.reply.Integer(static_cast<int64_t>(c.id)); }

// Redis's validateClientName: printable ASCII without spaces ('!'..'~').
void ClientSetNameCommand(Client& c) {
  std::string_view name = c.argv[2];
  for (char ch : name) {
    if (ch < '!' || ch > '~') {
      c.AddError("ERR Client names cannot contain spaces, newlines or special characters.");
      return;
    }
  }
  c.name = std::string(name);
  c.reply.Ok();
}

void ClientGetNameCommand(Client& c) {
  if (c.name.empty()) {
    c.reply.Null();
  } else {
    c.reply.Bulk(c.name);
  }
}

void ClientInfoCommand(Client& c) { c.reply.Verbatim(ClientInfoLine(c) + "\n", "txt"); }

void ClientListCommand(Client& c) {
  std::string out;
  ServerRuntime& rt = Runtime();
  if (c.argv.size() == 4 && ArgIs(c.argv[2], "type")) {
    ClientType t = ParseClientType(c.argv[3]);
    if (t == ClientType::kInvalid) {
      c.AddErrorFormat("ERR Unknown client type '%.*s'", static_cast<int>(c.argv[3].size()), c.argv[3].data());
      return;
    }
    for (auto& [id, cl] : rt.clients) {
      if (TypeOfClient(*cl) != t) continue;
      out += ClientInfoLine(*cl);
      out += '\n';
    }
  } else if (c.argv.size() > 3 && ArgIs(c.argv[2], "id")) {
    // Any integer is accepted; ids of no client (0, negative) match nothing.
    std::vector<int64_t> ids;
    for (size_t j = 3; j < c.argv.size(); j++) {
      int64_t id;
      if (!commands::GetInt64OrReply(c, c.argv[j], &id, "ERR Invalid client ID")) return;
      ids.push_back(id);
    }
    for (int64_t id : ids) {
      Client* cl = id > 0 ? FindClient(static_cast<uint64_t>(id)) : nullptr;
      if (cl == nullptr) continue;
      out += ClientInfoLine(*cl);
      out += '\n';
    }
  } else if (c.argv.size() != 2) {
    c.AddSyntaxError();
    return;
  } else {
    for (auto& [id, cl] : rt.clients) {
      out += ClientInfoLine(*cl);
      out += '\n';
    }
  }
  c.reply.Verbatim(out, "txt");
}

// Closes `target` on behalf of `c`: the killer itself is closed once this
// reply is written, others at the end of the event (Redis frees them at once;
// the effect a client sees is the same).
void KillClient(Client& c, Client* target) {
  if (target == &c) {
    c.flags |= commands::kClientCloseAfterReply;
  } else {
    CloseClientAsync(target);
  }
}

void ClientKillCommand(Client& c) {
  ServerRuntime& rt = Runtime();
  if (c.argv.size() == 3) {
    // Old form: CLIENT KILL ip:port.
    for (auto& [id, cl] : rt.clients) {
      if (cl->addr == c.argv[2]) {
        c.reply.Ok();
        KillClient(c, cl.get());
        return;
      }
    }
    c.AddError("ERR No such client");
    return;
  }
  // New form: pairs of filters, all of which must match.
  uint64_t id = 0;
  bool has_type = false;
  ClientType type = ClientType::kNormal;
  std::string_view addr, laddr;
  const acl::User* user_ptr = nullptr;
  bool has_addr = false, has_laddr = false, has_user = false;
  bool skipme = true;
  for (size_t i = 2; i < c.argv.size(); i += 2) {
    if (i + 1 >= c.argv.size()) {
      c.AddSyntaxError();
      return;
    }
    std::string_view opt = c.argv[i], val = c.argv[i + 1];
    if (ArgIs(opt, "id")) {
      int64_t v;
      if (!common::StringToInt64(val, &v) || v <= 0) {
        c.AddError("ERR client-id should be greater than 0");
        return;
      }
      id = static_cast<uint64_t>(v);
    } else if (ArgIs(opt, "type")) {
      type = ParseClientType(val);
      if (type == ClientType::kInvalid) {
        c.AddErrorFormat("ERR Unknown client type '%.*s'", static_cast<int>(val.size()), val.data());
        return;
      }
      has_type = true;
    } else if (ArgIs(opt, "addr")) {
      addr = val;
      has_addr = true;
    } else if (ArgIs(opt, "laddr")) {
      laddr = val;
      has_laddr = true;
    } else if (ArgIs(opt, "user")) {
      user_ptr = acl::FindUser(val);
      if (user_ptr == nullptr) {
        c.AddErrorFormat("ERR No such user '%.*s'", static_cast<int>(val.size()), val.data());
        return;
      }
      has_user = true;
    } else if (ArgIs(opt, "skipme")) {
      if (ArgIs(val, "yes")) {
        skipme = true;
      } else if (ArgIs(val, "no")) {
        skipme = false;
      } else {
        c.AddSyntaxError();
        return;
      }
    } else {
      c.AddSyntaxError();
      return;
    }
  }
  std::vector<Client*> victims;
  for (auto& [cid, cl] : rt.clients) {
    if (has_addr && cl->addr != addr) continue;
    if (has_laddr && cl->laddr != laddr) continue;
    if (has_type && TypeOfClient(*cl) != type) continue;
    if (id != 0 && cl->id != id) continue;
    if (has_user && cl->user != user_ptr) continue;
    if (skipme && cl.get() == &c) continue;
    victims.push_back(cl.get());
  }
  c.reply.Integer(static_cast<int64_t>(victims.size()));
  for (Client* v : victims) KillClient(c, v);
}

void ClientPauseCommand(Client& c) {
  commands::PauseType type = commands::PauseType::kAll;
  if (c.argv.size() == 4) {
    if (ArgIs(c.argv[3], "write")) {
      type = commands::PauseType::kWrite;
    } else if (!ArgIs(c.argv[3], "all")) {
      c.AddError("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  } else if (c.argv.size() > 4) {
    c.AddErrorFormat("ERR unknown subcommand or wrong number of arguments for '%.128s'. Try CLIENT HELP.",
                     std::string(c.argv[1]).c_str());
    return;
  }
  int64_t timeout;
  if (!commands::GetInt64OrReply(c, c.argv[2], &timeout, "ERR timeout is not an integer or out of range")) return;
  if (timeout < 0) {
    c.AddError("ERR timeout is negative");
    return;
  }
  int64_t now = common::MsTime();
  if (timeout > INT64_MAX - now) {
    c.AddError("ERR timeout is out of range");
    return;
  }
  commands::CheckClientPauseTimeout(now);  // an expired pause must not lend its type to this one
  commands::PauseClients(now + timeout, type);
  c.reply.Ok();
}

void ClientUnpauseCommand(Client& c) {
  commands::UnpauseClients();
  c.reply.Ok();
}

// OFF and SKIP reply nothing (the server drops this command's output);
// ON replies OK.
void ClientReplyCommand(Client& c) {
  using commands::kClientReplyOff;
  using commands::kClientReplySkip;
  using commands::kClientReplySkipNext;
  if (ArgIs(c.argv[2], "on")) {
    c.flags &= ~(kClientReplyOff | kClientReplySkip | kClientReplySkipNext);
    c.reply.Ok();
  } else if (ArgIs(c.argv[2], "off")) {
    c.flags |= kClientReplyOff;
  } else if (ArgIs(c.argv[2], "skip")) {
    if (!(c.flags & kClientReplyOff)) c.flags |= kClientReplySkipNext;
  } else {
    c.AddSyntaxError();
  }
}

void ClientNoEvictCommand(Client& c) {
  if (ArgIs(c.argv[2], "on")) {
    c.flags |= commands::kClientNoEvict;
  } else if (ArgIs(c.argv[2], "off")) {
    c.flags &= ~commands::kClientNoEvict;
  } else {
    c.AddSyntaxError();
    return;
  }
  c.reply.Ok();
}

// Tracking does not exist yet: no redirection.
void ClientGetRedirCommand(Client& c) { c.reply.Integer(commands::TrackingRedirect(c)); }

// CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN]
// [OPTOUT] [NOLOOP]: options are parsed whole before anything changes.
void ClientTrackingCommand(Client& c) {
  commands::TrackingOptions o;
  for (size_t j = 3; j < c.argv.size(); j++) {
    const bool more = j + 1 < c.argv.size();
    if (ArgIs(c.argv[j], "redirect") && more) {
      j++;
      if (o.redirect != 0) {
        c.AddError("ERR A client can only redirect to a single other client");
        return;
      }
      int64_t id;
      if (!commands::GetInt64OrReply(c, c.argv[j], &id)) return;
      if (id <= 0 || FindClient(static_cast<uint64_t>(id)) == nullptr) {
        c.AddError("ERR The client ID you want redirect to does not exist");
        return;
      }
      o.redirect = static_cast<uint64_t>(id);
    } else if (ArgIs(c.argv[j], "bcast")) {
      o.bcast = true;
    } else if (ArgIs(c.argv[j], "optin")) {
      o.optin = true;
    } else if (ArgIs(c.argv[j], "optout")) {
      o.optout = true;
    } else if (ArgIs(c.argv[j], "noloop")) {
      o.noloop = true;
    } else if (ArgIs(c.argv[j], "prefix") && more) {
      o.prefixes.emplace_back(c.argv[++j]);
    } else {
      c.AddSyntaxError();
      return;
    }
  }
  if (ArgIs(c.argv[2], "on")) {
    std::string err = commands::EnableTracking(c, o);
    if (!err.empty()) {
      c.AddError(err);
      return;
    }
  } else if (ArgIs(c.argv[2], "off")) {
    commands::DisableTracking(c);
  } else {
    c.AddSyntaxError();
    return;
  }
  c.reply.Ok();
}

void ClientCachingCommand(Client& c) {
  bool yes = ArgIs(c.argv[2], "yes");
  if (!yes && !ArgIs(c.argv[2], "no")) {
    c.AddSyntaxError();
    return;
  }
  std::string err = commands::SetTrackingCaching(c, yes);
  if (!err.empty()) {
    c.AddError(err);
    return;
  }
  c.reply.Ok();
}

void ClientTrackingInfoCommand(Client& c) { commands::ReplyTrackingInfo(c); }

// Ends the block of a client blocked in BLPOP & co (commands/blocking.h).
void ClientUnblockCommand(Client& c) {
  int64_t id;
  if (!commands::GetInt64OrReply(c, c.argv[2], &id)) return;
  if (c.argv.size() == 4 && !ArgIs(c.argv[3], "timeout") && !ArgIs(c.argv[3], "error")) {
    c.AddError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    return;
  }
  if (c.argv.size() > 4) {
    c.AddSyntaxError();
    return;
  }
  Client* target = id >= 0 ? FindClient(static_cast<uint64_t>(id)) : nullptr;
  bool with_error = c.argv.size() == 4 && ArgIs(c.argv[3], "error");
  c.reply.Integer(target && commands::UnblockClientByRequest(*target, with_error) ? 1 : 0);
}

void ClientHelpCommand(Client& c) {
  ReplyHelp(c, "CLIENT",
            {"CACHING (YES|NO)",
             "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
             "GETREDIR",
             "    Return the client ID we are redirecting to when tracking is enabled.",
             "GETNAME",
             "    Return the name of the current connection.",
             "ID",
             "    Return the ID of the current connection.",
             "INFO",
             "    Return information about the current client connection.",
             "KILL <ip:port>",
             "    Kill connection made from <ip:port>.",
             "KILL <option> <value> [<option> <value> [...]]",
             "    Kill connections. Options are:",
             "    * ADDR (<ip:port>|<unixsocket>:0)",
             "      Kill connections made from the specified address",
             "    * LADDR (<ip:port>|<unixsocket>:0)",
             "      Kill connections made to specified local address",
             "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
             "      Kill connections by type.",
             "    * USER <username>",
             "      Kill connections authenticated by <username>.",
             "    * SKIPME (YES|NO)",
             "      Skip killing current connection (default: yes).",
             "LIST [options ...]",
             "    Return information about client connections. Options:",
             "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
             "      Return clients of specified type.",
             "UNPAUSE",
             "    Stop the current client pause, resuming traffic.",
             "PAUSE <timeout> [WRITE|ALL]",
             "    Suspend all, or just write, clients for <timeout> milliseconds.",
             "REPLY (ON|OFF|SKIP)",
             "    Control the replies sent to the current connection.",
             "SETNAME <name>",
             "    Assign the name <name> to the current connection.",
             "UNBLOCK <clientid> [TIMEOUT|ERROR]",
             "    Unblock the specified blocked client.",
             "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
             "         [OPTIN] [OPTOUT] [NOLOOP]",
             "    Control server assisted client side caching.",
             "TRACKINGINFO",
             "    Report tracking status for the current connection.",
             "NO-EVICT (ON|OFF)",
             "    Protect current client connection from eviction."});
}

// ---- COMMAND ----------------------------------------------------------------

// Looks up "name" or "container|sub" (case-insensitive); nullptr if unknown.
const CommandSpec* LookupByFullName(std::string_view name) {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return Registry::Get().Find(name);
  const CommandSpec* parent = Registry::Get().Find(name.substr(0, bar));
  if (parent == nullptr) return nullptr;
  std::string_view sub = name.substr(bar + 1);
  for (const auto& s : parent->subcommands)
    if (common::EqualsNoCase(s.name, sub)) return &s;
  return nullptr;
}

void ReplyStatusSet(Client& c, const std::vector<std::string>& v) {
  c.reply.SetHeader(v.size());
  for (const auto& s : v) c.reply.SimpleString(s);
}

// One step of a key spec: {type, spec: {field: value...}}; a field's value
// is its string when it has one, else its number.
struct KeySpecField {
  const char* name;
  int64_t num;
  const char* str = nullptr;
};

void ReplyKeySpecStep(Client& c, const char* type, std::initializer_list<KeySpecField> fields) {
  c.reply.MapHeader(2);
  c.reply.Bulk("type");
  c.reply.Bulk(type);
  c.reply.Bulk("spec");
  c.reply.MapHeader(fields.size());
  for (const KeySpecField& f : fields) {
    c.reply.Bulk(f.name);
    if (f.str != nullptr) {
      c.reply.Bulk(f.str);
    } else {
      c.reply.Integer(f.num);
    }
  }
}

// The key specs of a command, as Redis 7.0's addReplyCommandKeySpecs.
void ReplyKeySpecs(Client& c, const CommandSpec& s) {
  using commands::KeySpec;
  c.reply.SetHeader(s.key_specs.size());
  for (const KeySpec& k : s.key_specs) {
    c.reply.MapHeader(k.notes ? 4 : 3);
    if (k.notes) {
      c.reply.Bulk("notes");
      c.reply.Bulk(k.notes);
    }
    c.reply.Bulk("flags");
    ReplyStatusSet(c, commands::KeySpecFlagNames(k.flags));
    c.reply.Bulk("begin_search");
    switch (k.begin) {
      case KeySpec::Begin::kIndex:
        ReplyKeySpecStep(c, "index", {{"index", k.index}});
        break;
      case KeySpec::Begin::kKeyword:
        ReplyKeySpecStep(c, "keyword", {{"keyword", 0, k.keyword}, {"startfrom", k.startfrom}});
        break;
      case KeySpec::Begin::kUnknown:
        ReplyKeySpecStep(c, "unknown", {});
        break;
    }
    c.reply.Bulk("find_keys");
    switch (k.find) {
      case KeySpec::Find::kRange:
        ReplyKeySpecStep(c, "range", {{"lastkey", k.lastkey}, {"keystep", k.keystep}, {"limit", k.limit}});
        break;
      case KeySpec::Find::kKeynum:
        ReplyKeySpecStep(c, "keynum",
                         {{"keynumidx", k.keynumidx}, {"firstkey", k.firstkey}, {"keystep", k.keystep}});
        break;
      case KeySpec::Find::kUnknown:
        ReplyKeySpecStep(c, "unknown", {});
        break;
    }
  }
}

// One COMMAND INFO entry: name, arity, flags, first key, last key, step, ACL
// categories, tips, key specs, subcommands (Redis 7.0's ten fields).
void ReplyCommandInfo(Client& c, const CommandSpec& s) {
  c.reply.ArrayHeader(10);
  c.reply.Bulk(s.full_name);
  c.reply.Integer(s.arity);
  ReplyStatusSet(c, commands::FlagNames(s.flags));
  c.reply.Integer(s.first_key);
  c.reply.Integer(s.last_key);
  c.reply.Integer(s.step);
  ReplyStatusSet(c, commands::AclCategoryNames(s.acl));
  c.reply.SetHeader(0);  // tips
  ReplyKeySpecs(c, s);
  c.reply.SetHeader(s.subcommands.size());
  for (const auto& sub : s.subcommands) ReplyCommandInfo(c, sub);
}

// One COMMAND DOCS value: summary, since, group and the subcommands' docs.
// Complexity and arguments are not in our command table and are omitted, as
// Redis omits absent fields.
void ReplyCommandDocs(Client& c, const CommandSpec& s) {
  c.reply.MapHeader(3 + (s.subcommands.empty() ? 0 : 1));
  c.reply.Bulk("summary");
  c.reply.Bulk(s.summary ? s.summary : "");
  c.reply.Bulk("since");
  c.reply.Bulk(s.since ? s.since : "");
  c.reply.Bulk("group");
  c.reply.Bulk(s.group ? s.group : "");
  if (!s.subcommands.empty()) {
    c.reply.Bulk("subcommands");
    c.reply.MapHeader(s.subcommands.size());
    for (const auto& sub : s.subcommands) {
      c.reply.Bulk(sub.full_name);
      ReplyCommandDocs(c, sub);
    }
  }
}

void CommandCommand(Client& c) {
  const auto& all = Registry::Get().All();
  c.reply.ArrayHeader(all.size());
  for (const CommandSpec* s : all) ReplyCommandInfo(c, *s);
}

void CommandCountCommand(Client& c) { c.reply.Integer(static_cast<int64_t>(Registry::Get().All().size())); }

void CommandInfoCommand(Client& c) {
  if (c.argv.size() == 2) {
    CommandCommand(c);
    return;
  }
  c.reply.ArrayHeader(c.argv.size() - 2);
  for (size_t i = 2; i < c.argv.size(); i++) {
    const CommandSpec* s = LookupByFullName(c.argv[i]);
    if (s == nullptr) {
      c.reply.Null();  // a null bulk ($-1, RESP3 _), as Redis's addReplyNull
    } else {
      ReplyCommandInfo(c, *s);
    }
  }
}

void CommandDocsCommand(Client& c) {
  std::vector<const CommandSpec*> found;
  if (c.argv.size() == 2) {
    found = Registry::Get().All();
  } else {
    for (size_t i = 2; i < c.argv.size(); i++) {
      const CommandSpec* s = LookupByFullName(c.argv[i]);
      if (s != nullptr) found.push_back(s);
    }
  }
  c.reply.MapHeader(found.size());
  for (const CommandSpec* s : found) {
    c.reply.Bulk(s->full_name);
    ReplyCommandDocs(c, *s);
  }
}

// COMMAND GETKEYS and GETKEYSANDFLAGS (Redis's getKeysSubcommandImpl).
void GetKeysSubcommand(Client& c, bool with_flags) {
  std::vector<std::string_view> args(c.argv.begin() + 2, c.argv.end());
  const CommandSpec* container = nullptr;
  const CommandSpec* s = Registry::Get().Lookup(args, &container);
  if (s == nullptr) {
    c.AddError("ERR Invalid command specified");
    return;
  }
  if (!commands::CommandHasKeys(*s)) {
    c.AddError("ERR The command has no key arguments");
    return;
  }
  int64_t argc = static_cast<int64_t>(args.size());
  if ((s->arity > 0 && s->arity != argc) || argc < -s->arity) {
    c.AddError("ERR Invalid number of arguments specified for command");
    return;
  }
  std::vector<commands::KeyRef> keys = commands::GetKeysFromCommand(*s, args);
  if (keys.empty()) {
    if (s->flags & commands::kNoMandatoryKeys) {
      c.reply.ArrayHeader(0);
    } else {
      c.AddError("ERR Invalid arguments specified for command");
    }
    return;
  }
  c.reply.ArrayHeader(keys.size());
  for (const commands::KeyRef& k : keys) {
    if (!with_flags) {
      c.reply.Bulk(args[k.pos]);
      continue;
    }
    c.reply.ArrayHeader(2);
    c.reply.Bulk(args[k.pos]);
    ReplyStatusSet(c, commands::KeySpecFlagNames(k.flags));
  }
}

void CommandGetKeysCommand(Client& c) { GetKeysSubcommand(c, false); }
void CommandGetKeysAndFlagsCommand(Client& c) { GetKeysSubcommand(c, true); }

// True iff the command matches COMMAND LIST's filter.
bool MatchesFilter(const CommandSpec& s, int kind, std::string_view value) {
  switch (kind) {
    case 0:  // MODULE: no module commands exist
      return false;
    case 1:  // ACLCAT
      for (const auto& cat : commands::AclCategoryNames(s.acl))
        if (common::EqualsNoCase(std::string_view(cat).substr(1), value)) return true;
      return false;
    default:  // PATTERN
      return common::GlobMatch(value, s.full_name, true);
  }
}

void CommandListCommand(Client& c) {
  int kind = -1;  // -1: no filter
  std::string_view value;
  if (c.argv.size() == 5 && ArgIs(c.argv[2], "filterby")) {
    if (ArgIs(c.argv[3], "module")) {
      kind = 0;
    } else if (ArgIs(c.argv[3], "aclcat")) {
      kind = 1;
    } else if (ArgIs(c.argv[3], "pattern")) {
      kind = 2;
    } else {
      c.AddSyntaxError();
      return;
    }
    value = c.argv[4];
  } else if (c.argv.size() != 2) {
    c.AddSyntaxError();
    return;
  }
  std::vector<std::string_view> names;
  for (const CommandSpec* s : Registry::Get().All()) {
    if (kind < 0 || MatchesFilter(*s, kind, value)) names.push_back(s->full_name);
    for (const auto& sub : s->subcommands)
      if (kind < 0 || MatchesFilter(sub, kind, value)) names.push_back(sub.full_name);
  }
  c.reply.StringArray(names);
}

void CommandHelpCommand(Client& c) {
  ReplyHelp(c, "COMMAND",
            {"(no subcommand)",
             "    Return details about all Redis commands.",
             "COUNT",
             "    Return the total number of commands in this Redis server.",
             "LIST",
             "    Return a list of all commands in this Redis server.",
             "INFO [<command-name> ...]",
             "    Return details about multiple Redis commands.",
             "    If no command names are given, documentation details for all",
             "    commands are returned.",
             "DOCS [<command-name> ...]",
             "    Return documentation details about multiple Redis commands.",
             "    If no command names are given, documentation details for all",
             "    commands are returned.",
             "GETKEYS <full-command>",
             "    Return the keys from a full Redis command.",
             "GETKEYSANDFLAGS <full-command>",
             "    Return the keys and the access flags from a full Redis command."});
}

// ---- protected commands: DEBUG, MODULE LOAD/LOADEX/UNLOAD -------------------

// Their specs, to tell which enable-*-command setting applies.
const CommandSpec* g_debug_spec = nullptr;
const CommandSpec* g_module_spec = nullptr;

// Redis's allowProtectedAction: "yes", or "local" and a local client.
bool AllowProtectedAction(const std::string& mode, const Client& c) {
  return mode == "yes" || (mode == "local" && IsLocalClient(c));
}

// State::protected_command_denied, which the dispatcher asks for every
// kProtected command before it runs or is queued.
const char* ProtectedCommandDenied(const Client& c, const CommandSpec& cmd) {
  const CommandSpec* top = cmd.parent ? cmd.parent : &cmd;
  if (top == g_debug_spec && !AllowProtectedAction(Config().enable_debug_command, c))
    return commands::err::kDebugNotAllowed;
  if (top == g_module_spec && !AllowProtectedAction(Config().enable_module_command, c))
    return commands::err::kModuleNotAllowed;
  return nullptr;
}

// ---- DEBUG ------------------------------------------------------------------

// Redis 7.0 accepts a quicklist packed threshold up to 4 GiB minus 1 MiB
// (quicklistisSetPackedThreshold).
constexpr uint64_t kMaxPackedThreshold = (uint64_t{1} << 32) - (uint64_t{1} << 20);

void DebugObject(Client& c) {
  ds::DictEntry* de = c.db->FindEntry(c.argv[2]);
  if (de == nullptr) {
    c.AddError(commands::err::kNoSuchKey);
    return;
  }
  const Object* o = db::EntryValue(de);
  std::string rdb;
  size_t serialized = 0;
  if (persist::RdbWriteObject(&rdb, o, Config().rdbcompression).ok()) serialized = rdb.size();
  char buf[256];
  snprintf(buf, sizeof(buf),
           "Value at:%p refcount:%d encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%" PRIu64,
           static_cast<const void*>(o), o->refcount, object::EncodingName(o->GetEncoding()), serialized,
           static_cast<unsigned>(o->lru), object::IdleMs(o) / 1000);
  std::string reply = buf;
  if (o->GetEncoding() == object::Encoding::kQuicklist) {
    // Redis 7.0 adds the quicklist's shape.
    const ds::Quicklist* ql = object::ListQl(o);
    size_t bytes = 0;
    for (const ds::Quicklist::Node* n = ql->head(); n != nullptr; n = n->next) bytes += n->sz;
    snprintf(buf, sizeof(buf), " ql_nodes:%zu ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%zu",
             ql->len(), ql->len() ? static_cast<double>(ql->count()) / static_cast<double>(ql->len()) : 0.0,
             ql->fill(), ql->compress() != 0, bytes);
    reply += buf;
  }
  c.reply.SimpleString(reply);
}

void DebugHtStats(Client& c) {
  int64_t dbid;
  if (!commands::GetInt64OrReply(c, c.argv[2], &dbid)) return;
  db::Db* d = dbid >= 0 && dbid <= INT_MAX ? commands::GetDb(static_cast<int>(dbid)) : nullptr;
  if (d == nullptr) {
    c.AddError("ERR Out of range database");
    return;
  }
  std::string out = "[Dictionary HT]\n";
  out += d->dict().StatsText();
  out += "[Expires HT]\n";
  out += d->expires().StatsText();
  c.reply.Verbatim(out, "txt");
}

// Redis 7.0.15's DEBUG HELP, keeping exactly the subcommands tieredis has
// (not REPLICATE, DROP-CLUSTER-PACKET-FILTER, CLUSTERLINK).
void DebugHelp(Client& c) {
  ReplyHelp(c, "DEBUG",
            {"AOF-FLUSH-SLEEP <microsec>",
             "    Server will sleep before flushing the AOF, this is used for testing.",
             "ASSERT",
             "    Crash by assertion failed.",
             "CHANGE-REPL-ID",
             "    Change the replication IDs of the instance.",
             "    Dangerous: should be used only for testing the replication subsystem.",
             "CONFIG-REWRITE-FORCE-ALL",
             "    Like CONFIG REWRITE but writes all configuration options, including",
             "    keywords not listed in original configuration file or default values.",
             "CRASH-AND-RECOVER [<milliseconds>]",
             "    Hard crash and restart after a <milliseconds> delay (default 0).",
             "DIGEST",
             "    Output a hex signature representing the current DB content.",
             "DIGEST-VALUE <key> [<key> ...]",
             "    Output a hex signature of the values of all the specified keys.",
             "ERROR <string>",
             "    Return a Redis protocol error with <string> as message. Useful for clients",
             "    unit tests to simulate Redis errors.",
             "LEAK <string>",
             "    Create a memory leak of the input string.",
             "LOG <message>",
             "    Write <message> to the server log.",
             "HTSTATS <dbid>",
             "    Return hash table statistics of the specified Redis database.",
             "HTSTATS-KEY <key>",
             "    Like HTSTATS but for the hash table stored at <key>'s value.",
             "LOADAOF",
             "    Flush the AOF buffers on disk and reload the AOF in memory.",
             "MALLCTL <key> [<val>]",
             "    Get or set a malloc tuning integer.",
             "MALLCTL-STR <key> [<val>]",
             "    Get or set a malloc tuning string.",
             "OBJECT <key>",
             "    Show low level info about `key` and associated value.",
             "OOM",
             "    Crash the server simulating an out-of-memory error.",
             "PANIC",
             "    Crash the server simulating a panic.",
             "POPULATE <count> [<prefix>] [<size>]",
             "    Create <count> string keys named key:<num>. If <prefix> is specified then",
             "    it is used instead of the 'key' prefix. These are not propagated to",
             "    replicas. Cluster slots are not respected so keys not belonging to the",
             "    current node can be created in cluster mode.",
             "PROTOCOL <type>",
             "    Reply with a test value of the specified type. <type> can be: string,",
             "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
             "    true, false.",
             "RELOAD [option ...]",
             "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
             "    * MERGE: conflicting keys will be loaded from RDB.",
             "    * NOFLUSH: the existing database will not be removed before load, but",
             "      conflicting keys will generate an exception and kill the server.",
             "    * NOSAVE: the database will be loaded from an existing RDB file.",
             "    Examples:",
             "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
             "      the database.",
             "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
             "      existing RDB file.",
             "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
             "      file to the database.",
             "RESTART [<milliseconds>]",
             "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
             "SDSLEN <key>",
             "    Show low level SDS string info representing `key` and value.",
             "SEGFAULT",
             "    Crash the server with sigsegv.",
             "SET-ACTIVE-EXPIRE <0|1>",
             "    Setting it to 0 disables expiring keys in background when they are not",
             "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
             "    default.",
             "QUICKLIST-PACKED-THRESHOLD <size>",
             "    Sets the threshold for elements to be inserted as plain vs packed nodes",
             "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
             "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
             "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
             "SLEEP <seconds>",
             "    Stop the server for <seconds>. Decimals allowed.",
             "STRINGMATCH-TEST",
             "    Run a fuzz tester against the stringmatchlen() function.",
             "STRUCTSIZE",
             "    Return the size of different Redis core C structures.",
             "LISTPACK <key>",
             "    Show low level info about the listpack encoding of <key>.",
             "QUICKLIST <key> [<0|1>]",
             "    Show low level info about the quicklist encoding of <key>.",
             "    The optional argument (0 by default) sets the level of detail",
             "CLIENT-EVICTION",
             "    Show low level client eviction pools info (maxmemory-clients).",
             "PAUSE-CRON <0|1>",
             "    Stop periodic cron job processing.",
             "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
             "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
             "    In case NEVER is provided the last observed peak will never be reset",
             "    In case RESET is provided the peak reset time will be restored to the default value",
             "REPLYBUFFER RESIZING <0|1>",
             "    Enable or disable the reply buffer resize cron job"});
}

void DebugCommand(Client& c) {
  size_t argc = c.argv.size();
  std::string_view sub = c.argv[1];
  if (ArgIs(sub, "help") && argc == 2) {
    DebugHelp(c);
  } else if (ArgIs(sub, "sleep") && argc == 3) {
    // As Redis: strtod, so junk sleeps 0 s.
    double secs = strtod(std::string(c.argv[2]).c_str(), nullptr);
    if (secs > 0) {
      int64_t us = static_cast<int64_t>(secs * 1e6);
      struct timespec ts = {static_cast<time_t>(us / 1000000), static_cast<long>((us % 1000000) * 1000)};
      nanosleep(&ts, nullptr);
    }
    c.reply.Ok();
  } else if (ArgIs(sub, "object") && argc == 3) {
    DebugObject(c);
  } else if (ArgIs(sub, "set-active-expire") && argc == 3) {
    // As Redis: atoi, so junk means 0.
    ActiveExpireEnabled() = atoi(std::string(c.argv[2]).c_str()) != 0;
    c.reply.Ok();
  } else if (ArgIs(sub, "htstats") && argc == 3) {
    DebugHtStats(c);
  } else if (ArgIs(sub, "quicklist-packed-threshold") && argc == 3) {
    uint64_t sz;
    if (!common::ParseMemory(c.argv[2], &sz) || sz > kMaxPackedThreshold) {
      c.AddError("ERR argument must be a memory value bigger than 1 and smaller than 4gb");
      return;
    }
    // 0 restores the default (Redis 7.0.15).
    ds::Quicklist::SetPackedThreshold(sz == 0 ? ds::Quicklist::kDefaultPackedThreshold : sz);
    c.reply.Ok();
  } else if (ArgIs(sub, "change-repl-id") && argc == 2) {
    repl::ChangeReplicationId();
    c.reply.Ok();
  } else if (DebugPersistenceCommand(c)) {
    // RELOAD [MERGE] [NOFLUSH] [NOSAVE], LOADAOF: server/persistence.cc
  } else if (DebugOpsCommand(c)) {
    // DIGEST, DIGEST-VALUE, PROTOCOL, ...: server/debug.cc
  } else if (ArgIs(sub, "error") && argc == 3) {
    c.AddError(c.argv[2]);
  } else if (ArgIs(sub, "log") && argc == 3) {
    LOG_WARNING("DEBUG LOG: %.*s", static_cast<int>(c.argv[2].size()), c.argv[2].data());
    c.reply.Ok();
  } else {
    commands::AddSubcommandSyntaxError(c);
  }
}

// ---- MEMORY -----------------------------------------------------------------

// Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES: elements sampled by MEMORY USAGE.
constexpr int64_t kDefaultUsageSamples = 5;
// MEMORY DOCTOR's thresholds, Redis's (getMemoryDoctorReport).
constexpr size_t kDoctorEmptyBytes = 5 * 1024 * 1024;   // below: "empty"
constexpr double kDoctorPeakRatio = 1.5;                // peak / used
constexpr double kDoctorFragRatio = 1.1;                // allocator / rss ratios
constexpr size_t kDoctorFragBytes = 10 * 1024 * 1024;   // and at least this many bytes
constexpr size_t kDoctorClientBytes = 200 * 1024;       // average per normal client

// Key string plus dict entry of a key: what Redis's MEMORY USAGE adds to the
// value's size. Our entry also holds the value's header and, usually, the
// key string (db::EntryBytes).
size_t KeyOverhead(const ds::DictEntry* de) { return db::EntryBytes(de); }

void MemoryUsageCommand(Client& c) {
  int64_t samples = kDefaultUsageSamples;
  for (size_t j = 3; j < c.argv.size(); j++) {
    if (ArgIs(c.argv[j], "samples") && j + 1 < c.argv.size()) {
      if (!commands::GetInt64OrReply(c, c.argv[j + 1], &samples)) return;
      if (samples < 0) {
        c.AddSyntaxError();
        return;
      }
      j++;
    } else {
      c.AddSyntaxError();
      return;
    }
  }
  ds::DictEntry* de = c.db->FindEntry(c.argv[2]);
  if (de == nullptr) {
    c.reply.Null();
    return;
  }
  const Object* o = db::EntryValue(de);
  // samples 0 means "all", which is also object::MemoryUsage's 0.
  object::TierBytes tb = object::MemoryUsage(o, static_cast<size_t>(samples));
  c.reply.Integer(static_cast<int64_t>(tb.total() + KeyOverhead(de)));
}

// MEMORY TIER key: where the value's bytes are. "tier" names the tier of the
// payload (the value's bytes, not the DRAM metadata around them: object
// header, quicklist nodes, dict entries): "none" when there is no payload
// (integers), "dram" or "nvm" when it is on one tier, "mixed" for an
// aggregate spread over both. dram_bytes and nvm_bytes count the whole
// value, header included (MEMORY USAGE without the key's own bytes).
// "node" is the physical NUMA node of the page holding the start of the
// value's main allocation (the string bytes, the listpack or intset, the
// header for embstr and integers, the top-level structure of other
// encodings), asked of the kernel with move_pages; -1 if that page is not
// resident. "tier" is the allocator's view, "node" the hardware's. Then
// what the tiering engine ranks it by (db/tiering.h): its access clock
// ("freq", the LFU counter, under an LFU maxmemory-policy; else "idle", in
// seconds), its "coldness" (0 hottest .. 255), and its "pin".
void MemoryTierCommand(Client& c) {
  ds::DictEntry* de = c.db->FindEntry(c.argv[2]);
  if (de == nullptr) {
    c.reply.Null();
    return;
  }
  const Object* o = db::EntryValue(de);
  object::TierBytes tb = object::MemoryUsage(o, 0);
  // The header sits in the key's entry; MemoryUsage leaves it out.
  const size_t header = sizeof(Object);
  tb.dram += header;
  // The payload alone (object::PayloadBytes: no quicklist nodes or dict
  // entries), where an embedded string's bytes are the header's.
  object::TierBytes payload = object::PayloadBytes(o, 0);
  if (o->GetEncoding() == object::Encoding::kEmbstr) payload.dram = 1;
  const char* tier = "none";
  if (payload.nvm > 0 && payload.dram > 0) {
    tier = "mixed";
  } else if (payload.nvm > 0) {
    tier = "nvm";
  } else if (payload.dram > 0) {
    tier = "dram";
  }
  object::Encoding enc = o->GetEncoding();
  const void* first = enc == object::Encoding::kInt ? o : o->ptr;
  c.reply.MapHeader(8);
  c.reply.Bulk("tier");
  c.reply.Bulk(tier);
  c.reply.Bulk("dram_bytes");
  c.reply.Integer(static_cast<int64_t>(tb.dram));
  c.reply.Bulk("nvm_bytes");
  c.reply.Integer(static_cast<int64_t>(tb.nvm));
  c.reply.Bulk("encoding");
  c.reply.Bulk(object::EncodingName(o->GetEncoding()));
  c.reply.Bulk("node");
  c.reply.Integer(alloc::PhysicalNode(first));
  if (object::ClockSettings().lfu) {
    c.reply.Bulk("freq");
    c.reply.Integer(object::LfuCounter(o));
  } else {
    c.reply.Bulk("idle");
    c.reply.Integer(static_cast<int64_t>(object::IdleMs(o) / 1000));
  }
  c.reply.Bulk("coldness");
  c.reply.Integer(db::tiering::Coldness(o));
  c.reply.Bulk("pin");
  const alloc::Pin pin = db::tiering::PinOf(c.argv[2]);
  c.reply.Bulk(pin == alloc::Pin::kDram ? "dram" : pin == alloc::Pin::kNvm ? "nvm" : "none");
}

void MemoryStatsCommand(Client& c) {
  MemoryOverhead m = GetMemoryOverhead();
  auto& r = c.reply;
  // Redis 7.0's fields in its order (one db.N map per non-empty db), then
  // the two tier fields. The length is counted, not hand-computed.
  size_t fields = 0;
  size_t len = r.DeferLen();
  auto num = [&](const char* name, int64_t v) {
    r.Bulk(name);
    r.Integer(v);
    fields++;
  };
  auto dbl = [&](const char* name, double v) {
    r.Bulk(name);
    r.Double(v);
    fields++;
  };
  num("peak.allocated", static_cast<int64_t>(m.peak));
  num("total.allocated", static_cast<int64_t>(m.total));
  num("startup.allocated", static_cast<int64_t>(m.startup));
  num("replication.backlog", static_cast<int64_t>(m.repl_backlog));
  num("clients.slaves", static_cast<int64_t>(m.clients_slaves));
  num("clients.normal", static_cast<int64_t>(m.clients_normal));
  num("cluster.links", 0);
  num("aof.buffer", static_cast<int64_t>(m.aof_buffer));
  num("lua.caches", 0);
  num("functions.caches", 0);
  for (const auto& d : m.dbs) {
    r.Bulk("db." + std::to_string(d.id));
    fields++;
    r.MapHeader(3);
    num("overhead.hashtable.main", static_cast<int64_t>(d.main));
    num("overhead.hashtable.expires", static_cast<int64_t>(d.expires));
    num("overhead.hashtable.slot-to-keys", 0);
    fields -= 3;  // inside db.N's own map
  }
  num("overhead.total", static_cast<int64_t>(m.overhead_total));
  num("keys.count", static_cast<int64_t>(m.keys));
  num("keys.bytes-per-key", static_cast<int64_t>(m.bytes_per_key));
  num("dataset.bytes", static_cast<int64_t>(m.dataset));
  dbl("dataset.percentage", m.dataset_perc);
  dbl("peak.percentage", m.peak_perc);
  num("allocator.allocated", static_cast<int64_t>(m.allocated));
  num("allocator.active", static_cast<int64_t>(m.active));
  num("allocator.resident", static_cast<int64_t>(m.resident));
  dbl("allocator-fragmentation.ratio", m.frag_ratio);
  num("allocator-fragmentation.bytes", m.frag_bytes);
  dbl("allocator-rss.ratio", m.rss_ratio);
  num("allocator-rss.bytes", m.rss_bytes);
  dbl("rss-overhead.ratio", m.rss_overhead_ratio);
  num("rss-overhead.bytes", m.rss_overhead_bytes);
  dbl("fragmentation", m.fragmentation);
  num("fragmentation.bytes", m.fragmentation_bytes);
  num("dram.allocated", static_cast<int64_t>(m.stats.dram.used));
  num("nvm.allocated", static_cast<int64_t>(m.stats.nvm.used));
  r.SetDeferredMapLen(len, fields);
}

void MemoryDoctorCommand(Client& c) {
  MemoryOverhead m = GetMemoryOverhead();
  std::string out;
  if (m.total < kDoctorEmptyBytes) {
    out =
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these "
        "conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will "
        "be back to our programming as soon as I finished rebooting.\n";
    c.reply.Verbatim(out, "txt");
    return;
  }
  std::vector<std::string> issues;
  if (Ratio(m.peak, m.total) > kDoctorPeakRatio)
    issues.push_back(
        " * Peak memory: the peak was more than 150% of the memory in use now. The allocator keeps pages after a "
        "peak, so a high fragmentation ratio is expected and harmless; MEMORY PURGE may return some of them.\n");
  if (m.frag_ratio > kDoctorFragRatio && m.frag_bytes > static_cast<int64_t>(kDoctorFragBytes))
    issues.push_back(
        " * High allocator fragmentation: the allocator holds more than 10% (and 10 MB) more than it hands out. "
        "Active defragmentation is not available yet; MEMORY PURGE releases dirty pages.\n");
  if (m.rss_overhead_ratio > kDoctorFragRatio && m.rss_overhead_bytes > static_cast<int64_t>(kDoctorFragBytes))
    issues.push_back(
        " * High process RSS overhead: the process's resident memory exceeds the allocator's by more than 10% "
        "(and 10 MB).\n");
  size_t nclients = Runtime().clients.size();
  if (nclients > 0 && m.clients_normal / nclients > kDoctorClientBytes)
    issues.push_back(
        " * Big client buffers: clients use more than 200 KB each on average, for big replies or pipelines. "
        "Consider client-output-buffer-limit and client-query-buffer-limit.\n");
  if (m.stats.nvm_fallback_full > 0)
    issues.push_back(
        " * NVM tier full: some payloads meant for the NVM tier were placed in DRAM because the NVM range was "
        "exhausted (see nvm_limit and nvm_carved in INFO memory; tier-nvm-max-memory raises the cap).\n");
  if (issues.empty()) {
    out = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
  } else {
    out = "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
    for (const auto& i : issues) out += i;
  }
  c.reply.Verbatim(out, "txt");
}

void MemoryPurgeCommand(Client& c) {
  alloc::Purge();
  c.reply.Ok();
}

void MemoryMallocStatsCommand(Client& c) {
  alloc::Stats s = alloc::GetStats();
  alloc::TierState ts = alloc::GetTierState();
  std::string out = "___ Begin tieredis allocator statistics ___\n";
  char buf[256];
  snprintf(buf, sizeof(buf), "Allocator: jemalloc, tier mode: %s, NVM node: %d\n", alloc::ModeName(ts.mode),
           ts.nvm_node);
  out += buf;
  const std::pair<const char*, const alloc::TierStats*> tiers[] = {{"dram", &s.dram}, {"nvm", &s.nvm}};
  for (const auto& [name, t] : tiers) {
    snprintf(buf, sizeof(buf), "%s: used %zu, peak %zu, allocated %zu, active %zu, resident %zu, frag %.2f\n", name,
             t->used, t->peak, t->allocated, t->active, t->resident, t->frag_ratio);
    out += buf;
  }
  snprintf(buf, sizeof(buf),
           "nvm: allocations %" PRIu64 ", fallbacks (full) %" PRIu64 ", fallbacks (unavailable) %" PRIu64
           ", reserved %zu, limit %zu, carved %zu\n",
           s.nvm_allocs, s.nvm_fallback_full, s.nvm_fallback_unavailable, s.nvm_reserved, s.nvm_limit,
           s.nvm_carved);
  out += buf;
  out += "--- End tieredis allocator statistics ---\n";
  c.reply.Verbatim(out, "txt");
}

void MemoryHelpCommand(Client& c) {
  ReplyHelp(c, "MEMORY",
            {"DOCTOR",
             "    Return memory problems reports.",
             "MALLOC-STATS",
             "    Return internal statistics report from the memory allocator.",
             "PURGE",
             "    Attempt to purge dirty pages for reclamation by the allocator.",
             "STATS",
             "    Return information about the memory usage of the server.",
             "USAGE <key> [SAMPLES <count>]",
             "    Return memory in bytes used by <key> and its value. Nested values are",
             "    sampled up to <count> times (default: 5, 0 means sample all).",
             "TIER <key>",
             "    Return the memory tier of <key>'s value, its bytes on DRAM and NVM, and the",
             "    NUMA node its first page physically sits on."});
}

// ---- SLOWLOG, LATENCY -------------------------------------------------------

// SLOWLOG GET's default count (Redis's).
constexpr int64_t kSlowlogDefaultCount = 10;

void SlowlogGetCommand(Client& c) {
  int64_t count = kSlowlogDefaultCount;
  if (c.argv.size() == 3) {
    if (!commands::GetRangeInt64OrReply(c, c.argv[2], -1, INT64_MAX, &count,
                                        "ERR count should be greater than or equal to -1"))
      return;
    if (count == -1) count = INT64_MAX;
  } else if (c.argv.size() > 3) {
    c.AddSyntaxError();
    return;
  }
  const auto& log = commands::Slowlog();
  size_t n = std::min(log.size(), static_cast<size_t>(count));
  c.reply.ArrayHeader(n);
  for (size_t i = 0; i < n; i++) {
    const auto& e = log[i];
    c.reply.ArrayHeader(6);
    c.reply.Integer(static_cast<int64_t>(e.id));
    c.reply.Integer(e.time);
    c.reply.Integer(e.duration_us);
    c.reply.ArrayHeader(e.argv.size());
    for (const auto& a : e.argv) c.reply.Bulk(a);
    c.reply.Bulk(e.peer);
    c.reply.Bulk(e.client_name);
  }
}

void SlowlogLenCommand(Client& c) { c.reply.Integer(static_cast<int64_t>(commands::Slowlog().size())); }

void SlowlogResetCommand(Client& c) {
  commands::Slowlog().clear();
  c.reply.Ok();
}

void SlowlogHelpCommand(Client& c) {
  ReplyHelp(c, "SLOWLOG",
            {"GET [<count>]",
             "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
             "    Entries are made of:",
             "    id, timestamp, time in microseconds, arguments array, client IP and port,",
             "    client name",
             "LEN",
             "    Return the length of the slowlog.",
             "RESET",
             "    Reset the slowlog."});
}

// The latency monitor's data lives in commands/dispatch.h (the dispatcher
// records "command" and "fast-command" events).
void LatencyLatestCommand(Client& c) {
  auto& events = commands::LatencyEvents();
  c.reply.ArrayHeader(events.size());
  for (auto& [name, e] : events) {
    c.reply.ArrayHeader(4);
    c.reply.Bulk(name);
    c.reply.Integer(e.samples.empty() ? 0 : e.samples.back().time);
    c.reply.Integer(e.samples.empty() ? 0 : e.samples.back().latency_ms);
    c.reply.Integer(e.max_ms);
  }
}

void LatencyHistoryCommand(Client& c) {
  auto& events = commands::LatencyEvents();
  auto it = events.find(std::string(c.argv[2]));
  if (it == events.end()) {
    c.reply.ArrayHeader(0);
    return;
  }
  c.reply.ArrayHeader(it->second.samples.size());
  for (const auto& sm : it->second.samples) {
    c.reply.ArrayHeader(2);
    c.reply.Integer(sm.time);
    c.reply.Integer(sm.latency_ms);
  }
}

void LatencyResetCommand(Client& c) {
  auto& events = commands::LatencyEvents();
  int64_t n = 0;
  if (c.argv.size() == 2) {
    n = static_cast<int64_t>(events.size());
    events.clear();
  } else {
    for (size_t i = 2; i < c.argv.size(); i++) n += static_cast<int64_t>(events.erase(std::string(c.argv[i])));
  }
  c.reply.Integer(n);
}

void LatencyGraphCommand(Client& c) {
  c.AddErrorFormat("ERR No samples available for event '%.*s'", static_cast<int>(c.argv[2].size()),
                   c.argv[2].data());
}

void LatencyDoctorCommand(Client& c) {
  std::string out;
  if (Config().latency_monitor_threshold == 0) {
    out =
        "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
        "\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep "
        "space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
  } else {
    out =
        "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest "
        "bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n";
  }
  c.reply.Verbatim(out, "txt");
}

// One command's entry of LATENCY HISTOGRAM: {calls, histogram_usec:
// {bucket: cumulative calls}}, the buckets at powers of two from 1 us
// (Redis's fillCommandCDF).
void ReplyCommandLatency(Client& c, const CommandSpec& cmd) {
  // The first level, 1024 ns, reports as 1 us (Redis's hdr_iter_log_init
  // with 1024 and base 2).
  constexpr int64_t kFirstLevelNs = 1024;
  const common::LatencyHistogram& h = cmd.stats.latency;
  c.reply.Bulk(cmd.full_name);
  c.reply.MapHeader(2);
  c.reply.Bulk("calls");
  c.reply.Integer(static_cast<int64_t>(h.total()));
  c.reply.Bulk("histogram_usec");
  auto cdf = h.CumulativeAtPowersOfTwo(kFirstLevelNs);
  c.reply.MapHeader(cdf.size());
  for (const auto& [ns, count] : cdf) {
    c.reply.Integer(ns / 1000);
    c.reply.Integer(static_cast<int64_t>(count));
  }
}

// LATENCY HISTOGRAM [command ...]: the commands named (a container with its
// subcommands; unknown names skipped), or all, that have latency data.
void LatencyHistogramCommand(Client& c) {
  std::vector<const CommandSpec*> chosen;
  auto add_if_recorded = [&](const CommandSpec& s) {
    if (!s.stats.latency.empty()) chosen.push_back(&s);
  };
  if (c.argv.size() == 2) {
    Registry::Get().ForEachCommand(add_if_recorded);
  } else {
    for (size_t i = 2; i < c.argv.size(); i++) {
      const CommandSpec* s = LookupByFullName(c.argv[i]);
      if (s == nullptr) continue;
      add_if_recorded(*s);
      for (const CommandSpec& sub : s->subcommands) add_if_recorded(sub);
    }
  }
  c.reply.MapHeader(chosen.size());
  for (const CommandSpec* s : chosen) ReplyCommandLatency(c, *s);
}

void LatencyHelpCommand(Client& c) {
  ReplyHelp(c, "LATENCY",
            {"DOCTOR",
             "    Return a human readable latency analysis report.",
             "GRAPH <event>",
             "    Return an ASCII latency graph for the <event> class.",
             "HISTORY <event>",
             "    Return time-latency samples for the <event> class.",
             "LATEST",
             "    Return the latest latency samples for all events.",
             "RESET [<event> ...]",
             "    Reset latency data of one or more <event> classes.",
             "    (default: reset all data for all event classes)",
             "HISTOGRAM [COMMAND ...]",
             "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
             "    If no commands are specified then all histograms are replied."});
}

// ---- MODULE -----------------------------------------------------------------

// tieredis loads no modules: the list is empty, and a load (once
// enable-module-command allows it, see ProtectedCommandDenied) fails as a
// module Redis cannot open does, with the reason in the log.
void ModuleListCommand(Client& c) { c.reply.ArrayHeader(0); }

void ModuleLoadCommand(Client& c) {
  LOG_WARNING("Module %.*s failed to load: this server (tieredis) does not support modules",
              static_cast<int>(c.argv[2].size()), c.argv[2].data());
  c.AddError(commands::err::kModuleLoadFailed);
}

void ModuleUnloadCommand(Client& c) { c.AddError(commands::err::kModuleUnloadNoSuch); }

void ModuleHelpCommand(Client& c) {
  ReplyHelp(c, "MODULE",
            {"LIST",
             "    Return a list of loaded modules.",
             "LOAD <path> [<arg> ...]",
             "    Load a module library from <path>, passing to it any optional arguments.",
             "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
             "    Load a module library from <path>, while passing it module configurations and optional arguments.",
             "UNLOAD <name>",
             "    Unload a module."});
}

// ---- TIME, LASTSAVE, SHUTDOWN -----------------------------------------------

void TimeCommand(Client& c) {
  int64_t us = common::UsTime();
  c.reply.ArrayHeader(2);
  c.reply.BulkInt(us / 1000000);
  c.reply.BulkInt(us % 1000000);
}

// Until the first save, the start-up time (InitPersistence sets it).
void LastSaveCommand(Client& c) { c.reply.Integer(Runtime().lastsave); }

void ShutdownCommand(Client& c) {
  bool nosave = false, save = false, now = false, force = false, abort = false;
  for (size_t i = 1; i < c.argv.size(); i++) {
    std::string_view a = c.argv[i];
    if (ArgIs(a, "nosave")) {
      nosave = true;
    } else if (ArgIs(a, "save")) {
      save = true;
    } else if (ArgIs(a, "now")) {
      now = true;
    } else if (ArgIs(a, "force")) {
      force = true;
    } else if (ArgIs(a, "abort")) {
      abort = true;
    } else {
      c.AddSyntaxError();
      return;
    }
  }
  if ((abort && (nosave || save || now || force)) || (nosave && save)) {
    c.AddSyntaxError();
    return;
  }
  if (abort) {
    // Only a shutdown waiting for its replicas can be aborted.
    if (AbortShutdownWait()) {
      c.reply.Ok();
    } else {
      c.AddError("ERR No shutdown in progress.");
    }
    return;
  }
  // A script runs past busy-reply-threshold (this client is served from
  // inside it): the dataset is mid-script, so only NOSAVE may stop now.
  if (!nosave && GetState().busy_error != nullptr) {
    c.AddError(GetState().busy_error);
    return;
  }
  if (!now && ShutdownAfterReplicas(&c, nosave, save, force)) return;  // replies when it ends
  if (PrepareForShutdown(nosave, save, force)) exit(0);
  c.AddError("ERR Errors trying to SHUTDOWN. Check logs.");
}

}  // namespace

bool IsLocalClient(const Client& c) {
  if (c.flags & commands::kClientUnixSocket) return true;
  return net::IsLocalPeer(AddrHost(c.addr));
}

// ---- CLIENT LIST line -------------------------------------------------------

std::string ClientInfoLine(const Client& c) {
  using namespace commands;
  int64_t now = common::MsTime();
  char flags[16];
  char* p = flags;
  // Redis 7.0's letters and order, for the flags tieredis has.
  if (c.flags & commands::kClientSlave) *p++ = 'S';
  if (c.flags & commands::kClientMaster) *p++ = 'M';
  if (c.flags & commands::kClientMonitor) *p++ = 'O';
  if (c.flags & commands::kClientPubSub) *p++ = 'P';
  if (c.flags & kClientMulti) *p++ = 'x';
  if (c.flags & commands::kClientBlocked) *p++ = 'b';
  if (c.flags & commands::kClientTracking) *p++ = 't';
  if (c.flags & commands::kClientTrackingBrokenRedir) *p++ = 'R';
  if (c.flags & commands::kClientTrackingBcast) *p++ = 'B';
  if (c.flags & kClientDirtyCas) *p++ = 'd';
  if (c.flags & kClientCloseAfterReply) *p++ = 'c';
  if (c.flags & kClientCloseAsap) *p++ = 'A';
  if (c.flags & kClientUnixSocket) *p++ = 'U';
  if (c.flags & kClientNoEvict) *p++ = 'e';
  if (p == flags) *p++ = 'N';
  *p = '\0';
  char events[3];
  p = events;
  const auto& loop = Runtime().loop;
  int mask = loop && c.fd >= 0 ? loop->GetFileEvents(c.fd) : 0;
  if (mask & net::kReadable) *p++ = 'r';
  if (mask & net::kWritable) *p++ = 'w';
  *p = '\0';
  const CommandSpec* cmd = c.cmd ? c.cmd : c.lastcmd;
  size_t qbuf = c.querybuf.size() - std::min(c.qb_pos, c.querybuf.size());
  size_t argv_mem = ArgvMem(c);
  size_t multi_mem = MultiMem(c);
  std::string out;
  out.reserve(320);
  out += "id=" + std::to_string(c.id);
  out += " addr=" + c.addr;
  out += " laddr=" + c.laddr;
  out += " fd=" + std::to_string(c.fd);
  out += " name=" + c.name;
  out += " age=" + std::to_string((now - c.ctime_ms) / 1000);
  out += " idle=" + std::to_string((now - c.last_interaction_ms) / 1000);
  out += " flags=";
  out += flags;
  out += " db=" + std::to_string(c.db_index);
  out += " sub=" + std::to_string(commands::ClientSubscriptions(c, commands::PubsubKind::kChannel));
  out += " psub=" + std::to_string(commands::ClientSubscriptions(c, commands::PubsubKind::kPattern));
  out += " ssub=" + std::to_string(commands::ClientSubscriptions(c, commands::PubsubKind::kShard));
  out += " multi=" + std::to_string(c.InMulti() ? static_cast<int64_t>(c.mstate.size()) : -1);
  out += " qbuf=" + std::to_string(qbuf);
  out += " qbuf-free=" + std::to_string(c.querybuf.capacity() - c.querybuf.size());
  out += " argv-mem=" + std::to_string(argv_mem);
  out += " multi-mem=" + std::to_string(multi_mem);
  // Our reply buffer is one growable string: its capacity is both the
  // buffer size and its peak.
  out += " rbs=" + std::to_string(c.outbuf.capacity());
  out += " rbp=" + std::to_string(c.outbuf.capacity());
  // Redis keeps the first 16 KiB of pending output in a fixed buffer (obl)
  // and the rest in a list of 16 KiB blocks (oll, omem): the same split of
  // our one buffer, so monitoring sees a slow reader's backlog in omem.
  constexpr size_t kRedisReplyChunk = 16 * 1024;
  const size_t pending = c.PendingOutput();
  const size_t beyond = pending > kRedisReplyChunk ? pending - kRedisReplyChunk : 0;
  out += " obl=" + std::to_string(pending - beyond);
  out += " oll=" + std::to_string((beyond + kRedisReplyChunk - 1) / kRedisReplyChunk);
  out += " omem=" + std::to_string(beyond);
  out += " tot-mem=" + std::to_string(ClientMemory(c));
  out += " events=";
  out += events;
  out += " cmd=";
  out += cmd ? cmd->full_name : std::string("NULL");
  out += " user=";
  out += c.user ? c.user->name : std::string();
  out += " redir=" + std::to_string(commands::TrackingRedirect(c));
  out += " resp=" + std::to_string(c.resp);
  return out;
}

// ---- registration -------------------------------------------------------------

void RegisterServerCommands(commands::Registry& r) {
  using namespace commands;
  GetState().protected_command_denied = ProtectedCommandDenied;

  const uint32_t kAdminCmd = kAdmin | kNoScript | kLoading | kStale;
  const uint32_t kConnCmd = kNoScript | kLoading | kStale;
  const uint32_t kHelpCmd = kLoading | kStale;
  const uint32_t kAdminCat = kCatAdmin | kCatSlow | kCatDangerous;
  const uint32_t kConnCat = kCatSlow | kCatConnection;

  // kKeepsTrackingCaching: CLIENT CACHING's choice is for the next command
  // that is not a CLIENT subcommand (Redis's resetClient).
  CommandSpec client{"client", -2, kKeepsTrackingCaching, 0, 0, 0, nullptr, "connection",
                     "A container for client connection commands", "2.4.0", kCatSlow};
  client.subcommands = {
      {"id", 2, kConnCmd, 0, 0, 0, ClientIdCommand, "connection", "Returns the client ID for the current connection",
       "5.0.0", kConnCat},
      {"setname", 3, kConnCmd, 0, 0, 0, ClientSetNameCommand, "connection", "Set the current connection name", "2.6.9",
       kConnCat},
      {"getname", 2, kConnCmd, 0, 0, 0, ClientGetNameCommand, "connection", "Get the current connection name", "2.6.9",
       kConnCat},
      {"info", 2, kConnCmd, 0, 0, 0, ClientInfoCommand, "connection",
       "Returns information about the current client connection.", "6.2.0", kConnCat},
      {"list", -2, kAdminCmd, 0, 0, 0, ClientListCommand, "connection", "Get the list of client connections", "2.4.0",
       kAdminCat | kCatConnection},
      {"kill", -3, kAdminCmd, 0, 0, 0, ClientKillCommand, "connection", "Kill the connection of a client", "2.4.0",
       kAdminCat | kCatConnection},
      {"pause", -3, kAdminCmd, 0, 0, 0, ClientPauseCommand, "connection",
       "Stop processing commands from clients for some time", "2.9.50", kAdminCat | kCatConnection},
      {"unpause", 2, kAdminCmd, 0, 0, 0, ClientUnpauseCommand, "connection",
       "Resume processing of clients that were paused", "6.2.0", kAdminCat | kCatConnection},
      {"reply", 3, kConnCmd, 0, 0, 0, ClientReplyCommand, "connection",
       "Instruct the server whether to reply to commands", "3.2.0", kConnCat},
      {"no-evict", 3, kAdminCmd, 0, 0, 0, ClientNoEvictCommand, "connection",
       "Set client eviction mode for the current connection", "7.0.0", kAdminCat | kCatConnection},
      {"getredir", 2, kConnCmd, 0, 0, 0, ClientGetRedirCommand, "connection",
       "Get tracking notifications redirection client ID if any", "6.0.0", kConnCat},
      {"tracking", -3, kConnCmd, 0, 0, 0, ClientTrackingCommand, "connection",
       "Enable or disable server assisted client side caching support", "6.0.0", kConnCat},
      {"caching", 3, kConnCmd, 0, 0, 0, ClientCachingCommand, "connection",
       "Instruct the server about tracking or not keys in the next request", "6.0.0", kConnCat},
      {"trackinginfo", 2, kConnCmd, 0, 0, 0, ClientTrackingInfoCommand, "connection",
       "Return information about server assisted client side caching for the current connection", "6.2.0",
       kConnCat},
      {"unblock", -3, kAdminCmd, 0, 0, 0, ClientUnblockCommand, "connection",
       "Unblock a client blocked in a blocking command from a different connection", "5.0.0",
       kAdminCat | kCatConnection},
      {"help", 2, kHelpCmd, 0, 0, 0, ClientHelpCommand, "connection",
       "Show helpful text about the different subcommands", "5.0.0", kConnCat},
  };
  r.Add(std::move(client));

  CommandSpec command{"command", -1, kHelpCmd, 0, 0, 0, CommandCommand, "server", "Get array of Redis command details",
                      "2.8.13", kConnCat};
  command.subcommands = {
      {"count", 2, kHelpCmd, 0, 0, 0, CommandCountCommand, "server", "Get total number of Redis commands", "2.8.13",
       kConnCat},
      {"info", -2, kHelpCmd, 0, 0, 0, CommandInfoCommand, "server",
       "Get array of specific Redis command details, or all when no argument is given.", "2.8.13", kConnCat},
      {"docs", -2, kHelpCmd, 0, 0, 0, CommandDocsCommand, "server",
       "Get array of specific Redis command documentation", "7.0.0", kConnCat},
      {"getkeys", -4, kHelpCmd, 0, 0, 0, CommandGetKeysCommand, "server", "Extract keys given a full Redis command",
       "2.8.13", kConnCat},
      {"getkeysandflags", -4, kHelpCmd, 0, 0, 0, CommandGetKeysAndFlagsCommand, "server",
       "Extract keys and access flags given a full Redis command", "7.0.0", kConnCat},
      {"list", -2, kHelpCmd, 0, 0, 0, CommandListCommand, "server", "Get an array of Redis command names", "7.0.0",
       kConnCat},
      {"help", 2, kHelpCmd, 0, 0, 0, CommandHelpCommand, "server", "Show helpful text about the different subcommands",
       "5.0.0", kConnCat},
  };
  r.Add(std::move(command));

  g_debug_spec = &r.Add({"debug", -2, kAdminCmd | kProtected, 0, 0, 0, DebugCommand, "server",
                         "A container for debugging commands", "1.0.0", kAdminCat});

  CommandSpec module{"module", -2, 0, 0, 0, 0, nullptr, "server", "A container for module commands", "4.0.0",
                     kCatSlow};
  const uint32_t kModuleLoad = kAdmin | kNoScript | kNoAsyncLoading | kProtected;
  module.subcommands = {
      {"list", 2, kAdmin | kNoScript, 0, 0, 0, ModuleListCommand, "server", "List all modules loaded by the server",
       "4.0.0", kAdminCat},
      {"load", -3, kModuleLoad, 0, 0, 0, ModuleLoadCommand, "server", "Load a module", "4.0.0", kAdminCat},
      {"loadex", -3, kModuleLoad, 0, 0, 0, ModuleLoadCommand, "server", "Load a module with extended parameters",
       "7.0.0", kAdminCat},
      {"unload", 3, kModuleLoad, 0, 0, 0, ModuleUnloadCommand, "server", "Unload a module", "4.0.0", kAdminCat},
      {"help", 2, kHelpCmd, 0, 0, 0, ModuleHelpCommand, "server", "Show helpful text about the different subcommands",
       "5.0.0", kCatSlow},
  };
  g_module_spec = &r.Add(std::move(module));

  CommandSpec memory{"memory", -2, 0, 0, 0, 0, nullptr, "server", "A container for memory diagnostics commands",
                     "4.0.0", kCatSlow};
  memory.subcommands = {
      {"usage", -3, kReadonly, 2, 2, 1, MemoryUsageCommand, "server", "Estimate the memory usage of a key", "4.0.0",
       kCatRead | kCatSlow},
      {"tier", 3, kReadonly, 2, 2, 1, MemoryTierCommand, "server",
       "Report the memory tier of a key's value and its bytes on DRAM and NVM (tieredis)", "7.0.0",
       kCatRead | kCatSlow},
      {"stats", 2, 0, 0, 0, 0, MemoryStatsCommand, "server", "Show memory usage details", "4.0.0", kCatSlow},
      {"doctor", 2, 0, 0, 0, 0, MemoryDoctorCommand, "server", "Outputs memory problems report", "4.0.0", kCatSlow},
      {"purge", 2, 0, 0, 0, 0, MemoryPurgeCommand, "server", "Ask the allocator to release memory", "4.0.0",
       kCatSlow},
      {"malloc-stats", 2, 0, 0, 0, 0, MemoryMallocStatsCommand, "server", "Show allocator internal stats", "4.0.0",
       kCatSlow},
      {"help", 2, kHelpCmd, 0, 0, 0, MemoryHelpCommand, "server", "Show helpful text about the different subcommands",
       "4.0.0", kCatSlow},
  };
  r.Add(std::move(memory));

  CommandSpec slowlog{"slowlog", -2, 0, 0, 0, 0, nullptr, "server", "A container for slow log commands", "2.2.12",
                      kCatSlow};
  const uint32_t kSlowlogCmd = kAdmin | kLoading | kStale;
  slowlog.subcommands = {
      {"get", -2, kSlowlogCmd, 0, 0, 0, SlowlogGetCommand, "server", "Get the slow log's entries", "2.2.12", kAdminCat},
      {"len", 2, kSlowlogCmd, 0, 0, 0, SlowlogLenCommand, "server", "Get the slow log's length", "2.2.12", kAdminCat},
      {"reset", 2, kSlowlogCmd, 0, 0, 0, SlowlogResetCommand, "server", "Clear all entries from the slow log",
       "2.2.12", kAdminCat},
      {"help", 2, kHelpCmd, 0, 0, 0, SlowlogHelpCommand, "server", "Show helpful text about the different subcommands",
       "6.2.0", kCatSlow},
  };
  r.Add(std::move(slowlog));

  CommandSpec latency{"latency", -2, 0, 0, 0, 0, nullptr, "server", "A container for latency diagnostics commands",
                      "2.8.13", kCatSlow};
  latency.subcommands = {
      {"latest", 2, kAdminCmd, 0, 0, 0, LatencyLatestCommand, "server",
       "Return the latest latency samples for all events.", "2.8.13", kAdminCat},
      {"history", 3, kAdminCmd, 0, 0, 0, LatencyHistoryCommand, "server",
       "Return timestamp-latency samples for the event.", "2.8.13", kAdminCat},
      {"reset", -2, kAdminCmd, 0, 0, 0, LatencyResetCommand, "server",
       "Reset latency data for one or more events.", "2.8.13", kAdminCat},
      {"graph", 3, kAdminCmd, 0, 0, 0, LatencyGraphCommand, "server", "Return a latency graph for the event.",
       "2.8.13", kAdminCat},
      {"doctor", 2, kAdminCmd, 0, 0, 0, LatencyDoctorCommand, "server",
       "Return a human readable latency analysis report.", "2.8.13", kAdminCat},
      {"histogram", -2, kAdminCmd, 0, 0, 0, LatencyHistogramCommand, "server",
       "Return the cumulative distribution of latencies of a subset of commands or all.", "7.0.0", kAdminCat},
      {"help", 2, kHelpCmd, 0, 0, 0, LatencyHelpCommand, "server",
       "Show helpful text about the different subcommands.", "2.8.13", kCatSlow},
  };
  r.Add(std::move(latency));

  r.Add({"time", 1, kLoading | kStale | kFast, 0, 0, 0, TimeCommand, "server", "Return the current server time",
         "2.6.0", kCatFast});
  r.Add({"lastsave", 1, kLoading | kStale | kFast, 0, 0, 0, LastSaveCommand, "server",
         "Get the UNIX time stamp of the last successful save to disk", "1.0.0",
         kCatAdmin | kCatFast | kCatDangerous});
  r.Add({"shutdown", -1, kAdminCmd | kNoMulti | kAllowBusy, 0, 0, 0, ShutdownCommand, "server",
         "Synchronously save the dataset to disk and then shut down the server", "1.0.0", kAdminCat});

  RegisterInfoConfigCommands(r);
  RegisterLolwutCommand(r);
}

}  // namespace server
