// Pub/sub: who is subscribed to what, and delivering messages to them
// (Redis 7.0's pubsub.c), for channels, glob patterns and shard channels.
// Keyspace notifications and tracking invalidations publish through here.
//
// Tables (metadata, DRAM): channel -> its subscribers in subscription
// order, pattern -> its subscribers, and the same for shard channels; each
// client keeps its own sets (Client::pubsub) for UNSUBSCRIBE with no
// arguments, CLIENT LIST's sub=/psub=/ssub= and clean-up on close.
// A message goes to the channel's subscribers in the order they
// subscribed, then to the subscribers of every matching pattern, patterns
// in sorted order (Redis walks a hash table: its order is arbitrary).
//
// Frames are Redis 7.0's, byte for byte: "message"/"pmessage"/"smessage"
// pushes (RESP3 `>`, RESP2 arrays), and subscribe/unsubscribe
// confirmations carrying the client's subscription count (channels plus
// patterns; shard channels counted apart).
//
// Thread safety: main thread only.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"

namespace commands {

enum class PubsubKind { kChannel, kPattern, kShard };

// SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE of one name, with its confirmation.
void PubsubSubscribe(Client& c, PubsubKind kind, std::string_view name);
// UNSUBSCRIBE & co. of one name (confirmed even when not subscribed); with
// no names, of everything of that kind (one confirmation each, or a null
// one when there was nothing).
void PubsubUnsubscribe(Client& c, PubsubKind kind, std::string_view name);
void PubsubUnsubscribeAll(Client& c, PubsubKind kind, bool notify);
// Drops every subscription of c without replies (RESET, client freed).
void PubsubForgetClient(Client& c);

// PUBLISH / SPUBLISH: delivers and returns the number of receivers.
size_t Publish(std::string_view channel, std::string_view message);
size_t PublishShard(std::string_view channel, std::string_view message);
// Unsubscribes every subscriber of each shard channel `drop` accepts, each
// with its "sunsubscribe" frame (cluster: a slot this node no longer
// serves, as Redis 7.0's removeChannelsInSlot).
void PubsubDropShardChannels(const std::function<bool(std::string_view)>& drop);

// Keyspace notifications the keyspace raises itself: `keymiss` on a read
// lookup that finds nothing, `new` when a key is created. Called once at
// start-up.
void InstallKeyspaceEventHooks();

// Counts for INFO, CLIENT LIST and PUBSUB.
size_t PubsubChannelCount(PubsubKind kind);  // names with subscribers
size_t ClientSubscriptions(const Client& c, PubsubKind kind);
// The names c is subscribed to, of one kind (ACL checks after a user's
// channel permissions changed).
std::vector<std::string> ClientSubscriptionNames(const Client& c, PubsubKind kind);
// Channels (or shard channels) with subscribers, matching pattern (empty:
// all), sorted.
std::vector<std::string> PubsubActiveChannels(bool shard, std::string_view pattern);
size_t PubsubSubscriberCount(bool shard, std::string_view channel);

}  // namespace commands
