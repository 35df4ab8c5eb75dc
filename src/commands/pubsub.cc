// Pub/sub tables and delivery: see pubsub.h.
#include "commands/pubsub.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "commands/deliver.h"
#include "commands/state.h"
#include "common/util.h"

namespace commands {

// A client's own subscriptions (Client::pubsub, while it has any).
struct PubsubState {
  std::set<std::string> channels;
  std::vector<std::string> patterns;  // subscription order (Redis keeps a list)
  std::set<std::string> shard_channels;
};

namespace {

using Subscribers = std::vector<Client*>;

struct Tables {
  std::unordered_map<std::string, Subscribers> channels;
  std::unordered_map<std::string, Subscribers> shard_channels;
  std::map<std::string, Subscribers> patterns;  // sorted: a deterministic delivery order
};

Tables& T() {
  static Tables* t = new Tables();
  return *t;
}

// The names of each kind as the frames spell them.
struct KindNames {
  const char* subscribe;
  const char* unsubscribe;
};
KindNames NamesOf(PubsubKind kind) {
  switch (kind) {
    case PubsubKind::kPattern: return {"psubscribe", "punsubscribe"};
    case PubsubKind::kShard: return {"ssubscribe", "sunsubscribe"};
    default: return {"subscribe", "unsubscribe"};
  }
}

PubsubState& StateOf(Client& c) {
  if (c.pubsub == nullptr) c.pubsub = new PubsubState();
  return *c.pubsub;
}

// The count a confirmation carries: channels plus patterns, or shard
// channels alone (Redis's clientSubscriptionsCount / ...ShardSubscriptions).
size_t ConfirmationCount(const Client& c, PubsubKind kind) {
  if (kind == PubsubKind::kShard) return ClientSubscriptions(c, PubsubKind::kShard);
  return ClientSubscriptions(c, PubsubKind::kChannel) + ClientSubscriptions(c, PubsubKind::kPattern);
}

void Confirm(Client& c, const char* what, const std::string_view* name, size_t count) {
  c.reply.PushHeader(3);
  c.reply.Bulk(what);
  if (name != nullptr) {
    c.reply.Bulk(*name);
  } else {
    c.reply.Null();
  }
  c.reply.Integer(static_cast<int64_t>(count));
}

void RemoveSubscriber(Subscribers& subs, const Client* c) { subs.erase(std::find(subs.begin(), subs.end(), c)); }

// Removes c from the table entry of `name`, dropping the entry when empty.
template <typename Map>
void Detach(Map& table, const std::string& name, const Client* c) {
  auto it = table.find(name);
  if (it == table.end()) return;
  RemoveSubscriber(it->second, c);
  if (it->second.empty()) table.erase(it);
}

// Forgets the per-client state once the client has no subscription left.
void MaybeLeavePubsubMode(Client& c) {
  if (c.pubsub == nullptr) return;
  if (!c.pubsub->channels.empty() || !c.pubsub->patterns.empty() || !c.pubsub->shard_channels.empty()) return;
  delete c.pubsub;
  c.pubsub = nullptr;
  c.flags &= ~kClientPubSub;
}

// Removes one subscription; false when c did not have it.
bool Drop(Client& c, PubsubKind kind, const std::string& name) {
  if (c.pubsub == nullptr) return false;
  PubsubState& ps = *c.pubsub;
  Tables& t = T();
  switch (kind) {
    case PubsubKind::kChannel:
      if (ps.channels.erase(name) == 0) return false;
      Detach(t.channels, name, &c);
      return true;
    case PubsubKind::kShard:
      if (ps.shard_channels.erase(name) == 0) return false;
      Detach(t.shard_channels, name, &c);
      return true;
    case PubsubKind::kPattern: {
      auto it = std::find(ps.patterns.begin(), ps.patterns.end(), name);
      if (it == ps.patterns.end()) return false;
      ps.patterns.erase(it);
      Detach(t.patterns, name, &c);
      return true;
    }
  }
  return false;
}

void SendMessage(Client& c, std::string_view kind, std::string_view channel, std::string_view message) {
  Deliver(c, [&](resp::ReplyBuilder& b) {
    b.PushHeader(3);
    b.Bulk(kind);
    b.Bulk(channel);
    b.Bulk(message);
  });
}

}  // namespace

size_t ClientSubscriptions(const Client& c, PubsubKind kind) {
  if (c.pubsub == nullptr) return 0;
  switch (kind) {
    case PubsubKind::kChannel: return c.pubsub->channels.size();
    case PubsubKind::kPattern: return c.pubsub->patterns.size();
    case PubsubKind::kShard: return c.pubsub->shard_channels.size();
  }
  return 0;
}

std::vector<std::string> ClientSubscriptionNames(const Client& c, PubsubKind kind) {
  if (c.pubsub == nullptr) return {};
  switch (kind) {
    case PubsubKind::kChannel: return {c.pubsub->channels.begin(), c.pubsub->channels.end()};
    case PubsubKind::kPattern: return c.pubsub->patterns;
    case PubsubKind::kShard: return {c.pubsub->shard_channels.begin(), c.pubsub->shard_channels.end()};
  }
  return {};
}

void PubsubSubscribe(Client& c, PubsubKind kind, std::string_view name_view) {
  PubsubState& ps = StateOf(c);
  Tables& t = T();
  std::string name(name_view);
  bool added;
  switch (kind) {
    case PubsubKind::kChannel:
      added = ps.channels.insert(name).second;
      if (added) t.channels[name].push_back(&c);
      break;
    case PubsubKind::kShard:
      added = ps.shard_channels.insert(name).second;
      if (added) t.shard_channels[name].push_back(&c);
      break;
    case PubsubKind::kPattern:
      added = std::find(ps.patterns.begin(), ps.patterns.end(), name) == ps.patterns.end();
      if (added) {
        ps.patterns.push_back(name);
        t.patterns[name].push_back(&c);
      }
      break;
  }
  c.flags |= kClientPubSub;
  Confirm(c, NamesOf(kind).subscribe, &name_view, ConfirmationCount(c, kind));
}

void PubsubUnsubscribe(Client& c, PubsubKind kind, std::string_view name) {
  Drop(c, kind, std::string(name));
  Confirm(c, NamesOf(kind).unsubscribe, &name, ConfirmationCount(c, kind));
  MaybeLeavePubsubMode(c);
}

void PubsubUnsubscribeAll(Client& c, PubsubKind kind, bool notify) {
  std::vector<std::string> names;
  if (c.pubsub != nullptr) {
    switch (kind) {
      case PubsubKind::kChannel: names.assign(c.pubsub->channels.begin(), c.pubsub->channels.end()); break;
      case PubsubKind::kPattern: names = c.pubsub->patterns; break;
      case PubsubKind::kShard: names.assign(c.pubsub->shard_channels.begin(), c.pubsub->shard_channels.end()); break;
    }
  }
  for (const std::string& n : names) {
    Drop(c, kind, n);
    if (notify) {
      std::string_view v = n;
      Confirm(c, NamesOf(kind).unsubscribe, &v, ConfirmationCount(c, kind));
    }
  }
  if (notify && names.empty()) Confirm(c, NamesOf(kind).unsubscribe, nullptr, ConfirmationCount(c, kind));
  MaybeLeavePubsubMode(c);
}

void PubsubForgetClient(Client& c) {
  for (PubsubKind k : {PubsubKind::kChannel, PubsubKind::kPattern, PubsubKind::kShard})
    PubsubUnsubscribeAll(c, k, /*notify=*/false);
}

size_t Publish(std::string_view channel, std::string_view message) {
  Tables& t = T();
  size_t receivers = 0;
  if (!t.channels.empty()) {
    auto it = t.channels.find(std::string(channel));
    if (it != t.channels.end()) {
      // A copy: a delivery may close a subscriber (output limit), which
      // does not free it yet, but keep the walk independent of the table.
      const Subscribers subs = it->second;
      for (Client* c : subs) SendMessage(*c, "message", channel, message);
      receivers += subs.size();
    }
  }
  for (const auto& entry : t.patterns) {
    const std::string& pattern = entry.first;
    if (!common::GlobMatch(pattern, channel)) continue;
    const Subscribers subs = entry.second;
    for (Client* c : subs) {
      Deliver(*c, [&](resp::ReplyBuilder& b) {
        b.PushHeader(4);
        b.Bulk("pmessage");
        b.Bulk(pattern);
        b.Bulk(channel);
        b.Bulk(message);
      });
    }
    receivers += subs.size();
  }
  return receivers;
}

size_t PublishShard(std::string_view channel, std::string_view message) {
  Tables& t = T();
  auto it = t.shard_channels.find(std::string(channel));
  if (it == t.shard_channels.end()) return 0;
  const Subscribers subs = it->second;
  for (Client* c : subs) SendMessage(*c, "smessage", channel, message);
  return subs.size();
}

void PubsubDropShardChannels(const std::function<bool(std::string_view)>& drop) {
  std::vector<std::pair<std::string, Subscribers>> doomed;
  for (const auto& [name, subs] : T().shard_channels)
    if (drop(name)) doomed.emplace_back(name, subs);
  for (const auto& [name, subs] : doomed) {
    for (Client* c : subs) {
      Drop(*c, PubsubKind::kShard, name);
      std::string_view v = name;
      Deliver(*c, [&](resp::ReplyBuilder& b) {
        b.PushHeader(3);
        b.Bulk("sunsubscribe");
        b.Bulk(v);
        b.Integer(static_cast<int64_t>(ClientSubscriptions(*c, PubsubKind::kShard)));
      });
      MaybeLeavePubsubMode(*c);
    }
  }
}

size_t PubsubChannelCount(PubsubKind kind) {
  Tables& t = T();
  switch (kind) {
    case PubsubKind::kChannel: return t.channels.size();
    case PubsubKind::kPattern: return t.patterns.size();
    case PubsubKind::kShard: return t.shard_channels.size();
  }
  return 0;
}

std::vector<std::string> PubsubActiveChannels(bool shard, std::string_view pattern) {
  std::vector<std::string> out;
  for (const auto& [name, subs] : shard ? T().shard_channels : T().channels)
    if (pattern.empty() || common::GlobMatch(pattern, name)) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

size_t PubsubSubscriberCount(bool shard, std::string_view channel) {
  auto& table = shard ? T().shard_channels : T().channels;
  auto it = table.find(std::string(channel));
  return it == table.end() ? 0 : it->second.size();
}

// ---- keyspace notifications ----

void InstallKeyspaceEventHooks() {
  db::SetKeyMissHook([](int db, std::string_view key) { NotifyKeyspaceEvent(kNotifyKeyMiss, "keymiss", key, db); });
  // Keys loaded from a file are not "new" (Redis's dbAddRDBLoad).
  db::SetKeyCreatedHook([](int db, std::string_view key) {
    if (!GetState().loading) NotifyKeyspaceEvent(kNotifyNew, "new", key, db);
  });
}

void NotifyKeyspaceEvent(int type, const char* event, std::string_view key, int db) {
  const int flags = GetState().notify_keyspace_events;
  // Nothing to send unless the class is on and a K or E channel is too.
  if (!(flags & type) || !(flags & (kNotifyKeyspace | kNotifyKeyevent))) return;
  const std::string dbs = std::to_string(db);
  if (flags & kNotifyKeyspace) {
    std::string channel = "__keyspace@" + dbs + "__:";
    channel.append(key);
    Publish(channel, event);
  }
  if (flags & kNotifyKeyevent) {
    std::string channel = "__keyevent@" + dbs + "__:";
    channel += event;
    Publish(channel, key);
  }
}

}  // namespace commands
