// Client-side caching: see tracking.h.
#include "commands/tracking.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "commands/deliver.h"
#include "commands/keys.h"
#include "commands/registry.h"
#include "commands/state.h"

namespace commands {
namespace {

// The channel RESP2 clients subscribe to for redirected invalidations.
constexpr std::string_view kInvalidateChannel = "__redis__:invalidate";

// A BCAST prefix: its clients, and the keys under it changed in this event
// loop pass with who changed them (0: the server), for NOLOOP.
struct Prefix {
  std::set<uint64_t> clients;
  std::map<std::string, uint64_t> changed;
};

struct Tables {
  // key -> ids of the clients that read it, ascending (Redis keeps a radix
  // tree of ids: the same order of delivery).
  std::unordered_map<std::string, std::vector<uint64_t>> keys;
  size_t items = 0;  // ids over all keys
  std::map<std::string, Prefix> prefixes;
  std::set<uint64_t> clients;  // ids of the clients with tracking on
  ClientLookup lookup = nullptr;
};

Tables& T() {
  static Tables* t = new Tables();
  return *t;
}

// What an invalidation carries: keys, or nothing (a flush: null).
struct Payload {
  const std::vector<std::string_view>* keys = nullptr;
};

// Writes one invalidation for c's keys to where c's tracking points: c
// itself in RESP3, or its redirect target (RESP3 push, or a message on
// __redis__:invalidate when the target reads RESP2 in subscribed mode).
// A vanished target breaks the redirect: a RESP3 client is told once.
// after_reply: c caused it, and hears of it after its own reply.
void SendInvalidation(Client& c, Payload payload, bool after_reply) {
  Client* target = &c;
  if (c.tracking_redirect != 0) {
    target = T().lookup ? T().lookup(c.tracking_redirect) : nullptr;
    if (target == nullptr) {
      if (!(c.flags & kClientTrackingBrokenRedir)) {
        c.flags |= kClientTrackingBrokenRedir;
        if (c.resp > 2) {
          Deliver(c, [&](resp::ReplyBuilder& b) {
            b.PushHeader(2);
            b.Bulk("tracking-redir-broken");
            b.Integer(static_cast<int64_t>(c.tracking_redirect));
          });
        }
      }
      return;
    }
  }
  auto write_keys = [&](resp::ReplyBuilder& b) {
    if (payload.keys == nullptr) {
      b.Null();
      return;
    }
    b.ArrayHeader(payload.keys->size());
    for (std::string_view k : *payload.keys) b.Bulk(k);
  };
  after_reply &= target == &c;
  if (target->resp > 2) {
    Deliver(
        *target,
        [&](resp::ReplyBuilder& b) {
          b.PushHeader(2);
          b.Bulk("invalidate");
          write_keys(b);
        },
        after_reply);
  } else if (c.tracking_redirect != 0 && (target->flags & kClientPubSub)) {
    Deliver(
        *target,
        [&](resp::ReplyBuilder& b) {
          b.PushHeader(3);
          b.Bulk("message");
          b.Bulk(kInvalidateChannel);
          write_keys(b);
        },
        after_reply);
  }
  // Otherwise a RESP2 client tracking on its own connection: RESP2 has no
  // way to push, so there is nothing to send (as Redis).
}

bool PrefixesOverlap(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

void AddPrefix(Client& c, const std::string& prefix) {
  if (std::find(c.tracking_prefixes.begin(), c.tracking_prefixes.end(), prefix) != c.tracking_prefixes.end()) return;
  c.tracking_prefixes.push_back(prefix);
  std::sort(c.tracking_prefixes.begin(), c.tracking_prefixes.end());
  T().prefixes[prefix].clients.insert(c.id);
}

// Would the key be remembered after the client's current command?
bool CachesThisCommand(const Client& c) {
  if (c.flags & kClientTrackingOptin) return c.flags & kClientTrackingCaching;
  if (c.flags & kClientTrackingOptout) return !(c.flags & kClientTrackingCaching);
  return true;
}

}  // namespace

void SetTrackingClientLookup(ClientLookup lookup) { T().lookup = lookup; }

std::string EnableTracking(Client& c, const TrackingOptions& o) {
  if (!o.bcast && !o.prefixes.empty()) return "ERR PREFIX option requires BCAST mode to be enabled";
  if ((c.flags & kClientTracking) && o.bcast != static_cast<bool>(c.flags & kClientTrackingBcast))
    return "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then "
           "re-enabling it with a different mode.";
  if (o.bcast && (o.optin || o.optout)) return "ERR OPTIN and OPTOUT are not compatible with BCAST";
  if (o.optin && o.optout) return "ERR You can't specify both OPTIN mode and OPTOUT mode";
  if ((o.optin && (c.flags & kClientTrackingOptout)) || (o.optout && (c.flags & kClientTrackingOptin)))
    return "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then "
           "re-enabling it with a different mode.";
  if (o.bcast) {
    for (size_t i = 0; i < o.prefixes.size(); i++) {
      for (const std::string& existing : c.tracking_prefixes) {
        if (PrefixesOverlap(existing, o.prefixes[i]))
          return "ERR Prefix '" + o.prefixes[i] + "' overlaps with an existing prefix '" + existing +
                 "'. Prefixes for a single client must not overlap.";
      }
      for (size_t j = i + 1; j < o.prefixes.size(); j++) {
        if (PrefixesOverlap(o.prefixes[i], o.prefixes[j]))
          return "ERR Prefix '" + o.prefixes[i] + "' overlaps with another provided prefix '" + o.prefixes[j] +
                 "'. Prefixes for a single client must not overlap.";
      }
    }
  }
  T().clients.insert(c.id);
  c.flags |= kClientTracking;
  c.flags &= ~(kClientTrackingBrokenRedir | kClientTrackingBcast | kClientTrackingOptin | kClientTrackingOptout |
               kClientTrackingNoloop);
  c.tracking_redirect = o.redirect;
  if (o.bcast) {
    c.flags |= kClientTrackingBcast;
    if (o.prefixes.empty()) AddPrefix(c, "");
    for (const std::string& p : o.prefixes) AddPrefix(c, p);
  }
  if (o.optin) c.flags |= kClientTrackingOptin;
  if (o.optout) c.flags |= kClientTrackingOptout;
  if (o.noloop) c.flags |= kClientTrackingNoloop;
  return "";
}

void DisableTracking(Client& c) {
  if (!(c.flags & kClientTracking)) return;
  Tables& t = T();
  for (const std::string& p : c.tracking_prefixes) {
    auto it = t.prefixes.find(p);
    if (it == t.prefixes.end()) continue;
    it->second.clients.erase(c.id);
    if (it->second.clients.empty()) t.prefixes.erase(it);
  }
  c.tracking_prefixes.clear();
  c.tracking_redirect = 0;
  c.flags &= ~(kClientTracking | kClientTrackingBrokenRedir | kClientTrackingBcast | kClientTrackingOptin |
               kClientTrackingOptout | kClientTrackingNoloop | kClientTrackingCaching);
  t.clients.erase(c.id);
}

std::string SetTrackingCaching(Client& c, bool yes) {
  if (!(c.flags & (kClientTrackingOptin | kClientTrackingOptout)))
    return "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode "
           "enabled";
  if (yes && !(c.flags & kClientTrackingOptin))
    return "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.";
  if (!yes && !(c.flags & kClientTrackingOptout))
    return "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.";
  c.flags |= kClientTrackingCaching;
  return "";
}

void TrackingAfterCommand(Client& c) {
  if (!(c.flags & kClientTrackingCaching) || c.InMulti()) return;
  const CommandSpec* cmd = c.lastcmd;
  const uint32_t flags = cmd ? cmd->flags | (cmd->parent ? cmd->parent->flags : 0) : 0;
  if (!(flags & kKeepsTrackingCaching)) c.flags &= ~kClientTrackingCaching;
}

void TrackingRememberKeys(Client& c) {
  if (!CachesThisCommand(c) || c.cmd == nullptr) return;
  Tables& t = T();
  for (const KeyRef& k : GetKeysFromCommand(*c.cmd, c.argv)) {
    std::vector<uint64_t>& ids = t.keys[std::string(c.argv[static_cast<size_t>(k.pos)])];
    auto at = std::lower_bound(ids.begin(), ids.end(), c.id);
    if (at != ids.end() && *at == c.id) continue;
    ids.insert(at, c.id);
    t.items++;
  }
}

void TrackingInvalidateKey(Client* by, std::string_view key) {
  Tables& t = T();
  if (t.clients.empty() && t.keys.empty()) return;
  // BCAST: remembered for the pass's messages, under every prefix of key.
  for (auto& [prefix, p] : t.prefixes) {
    if (key.size() >= prefix.size() && key.substr(0, prefix.size()) == prefix)
      p.changed.emplace(std::string(key), by ? by->id : 0);
  }
  if (t.keys.empty()) return;
  auto it = t.keys.find(std::string(key));
  if (it == t.keys.end()) return;
  const std::vector<uint64_t> ids = std::move(it->second);
  t.keys.erase(it);
  t.items -= ids.size();
  const std::vector<std::string_view> one = {key};
  for (uint64_t id : ids) {
    Client* target = t.lookup ? t.lookup(id) : nullptr;
    if (target == nullptr || !(target->flags & kClientTracking) || (target->flags & kClientTrackingBcast)) continue;
    if ((target->flags & kClientTrackingNoloop) && target == by) continue;
    SendInvalidation(*target, Payload{&one}, target == by);
  }
}

void TrackingInvalidateOnFlush(Client* by) {
  Tables& t = T();
  // A copy: a delivery never changes who tracks, but stay independent.
  const std::set<uint64_t> ids = t.clients;
  for (uint64_t id : ids) {
    Client* c = t.lookup ? t.lookup(id) : nullptr;
    if (c != nullptr) SendInvalidation(*c, Payload{}, c == by);
  }
  t.keys.clear();
  t.items = 0;
}

void TrackingBeforeSleep(size_t max_keys) {
  Tables& t = T();
  for (auto& [prefix, p] : t.prefixes) {
    if (p.changed.empty()) continue;
    for (uint64_t id : p.clients) {
      Client* c = t.lookup ? t.lookup(id) : nullptr;
      if (c == nullptr) continue;
      std::vector<std::string_view> keys;
      for (const auto& [k, who] : p.changed)
        if (!(c->flags & kClientTrackingNoloop) || who != c->id) keys.push_back(k);
      if (!keys.empty()) SendInvalidation(*c, Payload{&keys}, false);
    }
    p.changed.clear();
  }
  // Over tracking-table-max-keys: invalidate keys early, as many as it
  // takes (Redis walks its table at random with a growing effort; an
  // unordered table's first keys are as arbitrary).
  while (max_keys != 0 && t.keys.size() > max_keys) {
    std::string key = t.keys.begin()->first;
    TrackingInvalidateKey(nullptr, key);
  }
}

void ReplyTrackingInfo(Client& c) {
  std::vector<const char*> flags;
  if (!(c.flags & kClientTracking)) {
    flags.push_back("off");
  } else {
    flags.push_back("on");
    if (c.flags & kClientTrackingBcast) flags.push_back("bcast");
    if (c.flags & kClientTrackingOptin) {
      flags.push_back("optin");
      if (c.flags & kClientTrackingCaching) flags.push_back("caching-yes");
    }
    if (c.flags & kClientTrackingOptout) {
      flags.push_back("optout");
      if (c.flags & kClientTrackingCaching) flags.push_back("caching-no");
    }
    if (c.flags & kClientTrackingNoloop) flags.push_back("noloop");
    if (c.flags & kClientTrackingBrokenRedir) flags.push_back("broken_redirect");
  }
  c.reply.MapHeader(3);
  c.reply.Bulk("flags");
  c.reply.SetHeader(flags.size());
  for (const char* f : flags) c.reply.Bulk(f);
  c.reply.Bulk("redirect");
  c.reply.Integer(TrackingRedirect(c));
  c.reply.Bulk("prefixes");
  c.reply.ArrayHeader(c.tracking_prefixes.size());
  for (const std::string& p : c.tracking_prefixes) c.reply.Bulk(p);
}

int64_t TrackingRedirect(const Client& c) {
  if (!(c.flags & kClientTracking)) return -1;
  return static_cast<int64_t>(c.tracking_redirect);
}

TrackingStats GetTrackingStats() {
  Tables& t = T();
  return TrackingStats{t.clients.size(), t.keys.size(), t.items, t.prefixes.size()};
}

}  // namespace commands
