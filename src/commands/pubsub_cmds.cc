// Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE
// SSUBSCRIBE SUNSUBSCRIBE PUBLISH SPUBLISH PUBSUB. The tables and the
// delivery are commands/pubsub.h; the dispatcher keeps RESP2 subscribed
// clients to the commands flagged kSubscribedContext.
#include "commands/client.h"
#include "commands/propagate.h"
#include "commands/pubsub.h"
#include "commands/registry.h"
#include "commands/state.h"

namespace commands {
namespace {

void SubscribeEach(Client& c, PubsubKind kind) {
  for (size_t j = 1; j < c.argv.size(); j++) PubsubSubscribe(c, kind, c.argv[j]);
}

void UnsubscribeEach(Client& c, PubsubKind kind) {
  if (c.argv.size() == 1) {
    PubsubUnsubscribeAll(c, kind, /*notify=*/true);
    return;
  }
  for (size_t j = 1; j < c.argv.size(); j++) PubsubUnsubscribe(c, kind, c.argv[j]);
}

void SubscribeCommand(Client& c) { SubscribeEach(c, PubsubKind::kChannel); }
void UnsubscribeCommand(Client& c) { UnsubscribeEach(c, PubsubKind::kChannel); }
void PSubscribeCommand(Client& c) { SubscribeEach(c, PubsubKind::kPattern); }
void PUnsubscribeCommand(Client& c) { UnsubscribeEach(c, PubsubKind::kPattern); }
void SSubscribeCommand(Client& c) { SubscribeEach(c, PubsubKind::kShard); }
void SUnsubscribeCommand(Client& c) { UnsubscribeEach(c, PubsubKind::kShard); }

// Both reach a replica's subscribers too: propagated to replicas only, or
// in cluster mode sent over the bus (to every node; to this shard's nodes).
// The count is of this node's receivers.
void PublishTo(Client& c, bool shard) {
  const size_t n = shard ? PublishShard(c.argv[1], c.argv[2]) : Publish(c.argv[1], c.argv[2]);
  State& st = GetState();
  if (st.cluster_publish != nullptr) {
    st.cluster_publish(c.argv[1], c.argv[2], shard);
  } else {
    ForceReplicationPropagation(c);
  }
  c.reply.Integer(static_cast<int64_t>(n));
}

void PublishCommand(Client& c) { PublishTo(c, false); }
void SPublishCommand(Client& c) { PublishTo(c, true); }

// ---- PUBSUB ----

void ReplyChannels(Client& c, bool shard) {
  std::string_view pattern = c.argv.size() == 3 ? c.argv[2] : std::string_view();
  std::vector<std::string> names = PubsubActiveChannels(shard, pattern);
  c.reply.ArrayHeader(names.size());
  for (const std::string& n : names) c.reply.Bulk(n);
}

void ReplyNumSub(Client& c, bool shard) {
  c.reply.MapHeader(c.argv.size() - 2);
  for (size_t j = 2; j < c.argv.size(); j++) {
    c.reply.Bulk(c.argv[j]);
    c.reply.Integer(static_cast<int64_t>(PubsubSubscriberCount(shard, c.argv[j])));
  }
}

void PubsubChannelsCommand(Client& c) {
  if (c.argv.size() > 3) {
    AddSubcommandSyntaxError(c);
    return;
  }
  ReplyChannels(c, false);
}

void PubsubShardChannelsCommand(Client& c) {
  if (c.argv.size() > 3) {
    AddSubcommandSyntaxError(c);
    return;
  }
  ReplyChannels(c, true);
}

void PubsubNumSubCommand(Client& c) { ReplyNumSub(c, false); }
void PubsubShardNumSubCommand(Client& c) { ReplyNumSub(c, true); }
void PubsubNumPatCommand(Client& c) {
  c.reply.Integer(static_cast<int64_t>(PubsubChannelCount(PubsubKind::kPattern)));
}

void PubsubHelpCommand(Client& c) {
  ReplyHelp(c, "PUBSUB",
            {
                "CHANNELS [<pattern>]",
                "    Return the currently active channels matching a <pattern> (default: '*').",
                "NUMPAT",
                "    Return number of subscriptions to patterns.",
                "NUMSUB [<channel> ...]",
                "    Return the number of subscribers for the specified channels, excluding",
                "    pattern subscriptions(default: no channels).",
                "SHARDCHANNELS [<pattern>]",
                "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                "SHARDNUMSUB [<shardchannel> ...]",
                "    Return the number of subscribers for the specified shard level channel(s)",
            });
}

}  // namespace

void RegisterPubsubCommands(Registry& r) {
  const uint32_t kSub = kPubsub | kNoScript | kLoading | kStale | kSubscribedContext;
  const uint32_t kPubSlow = kCatPubsub | kCatSlow;
  r.Add({"subscribe", -2, kSub, 0, 0, 0, SubscribeCommand, "pubsub",
         "Listen for messages published to the given channels", "2.0.0", kPubSlow})
      .channel_args = kSubscribeChannels;
  r.Add({"unsubscribe", -1, kSub, 0, 0, 0, UnsubscribeCommand, "pubsub",
         "Stop listening for messages posted to the given channels", "2.0.0", kPubSlow});
  r.Add({"psubscribe", -2, kSub, 0, 0, 0, PSubscribeCommand, "pubsub",
         "Listen for messages published to channels matching the given patterns", "2.0.0", kPubSlow})
      .channel_args = kSubscribePatterns;
  r.Add({"punsubscribe", -1, kSub, 0, 0, 0, PUnsubscribeCommand, "pubsub",
         "Stop listening for messages posted to channels matching the given patterns", "2.0.0", kPubSlow});
  // The shard channels are "keys" only for cluster slots (not_key).
  CommandSpec& ssub = r.Add({"ssubscribe", -2, kSub, 1, -1, 1, SSubscribeCommand, "pubsub",
                             "Listen for messages published to the given shard channels", "7.0.0", kPubSlow});
  ssub.key_specs = {RangeKeys(kKeyNotKey, 1, -1, 1)};
  ssub.channel_args = kSubscribeChannels;
  CommandSpec& sunsub = r.Add({"sunsubscribe", -1, kSub, 1, -1, 1, SUnsubscribeCommand, "pubsub",
                               "Stop listening for messages posted to the given shard channels", "7.0.0", kPubSlow});
  sunsub.key_specs = {RangeKeys(kKeyNotKey, 1, -1, 1)};
  const uint32_t kPub = kPubsub | kLoading | kStale | kFast | kMayReplicate;
  r.Add({"publish", 3, kPub, 0, 0, 0, PublishCommand, "pubsub", "Post a message to a channel", "2.0.0",
         kCatPubsub | kCatFast})
      .channel_args = kPublishChannel;
  CommandSpec& spub = r.Add({"spublish", 3, kPub, 1, 1, 1, SPublishCommand, "pubsub",
                             "Post a message to a shard channel", "7.0.0", kCatPubsub | kCatFast});
  spub.key_specs = {RangeKeys(kKeyNotKey, 1, 0, 1)};
  spub.channel_args = kPublishChannel;

  const uint32_t kInfo = kPubsub | kLoading | kStale;
  CommandSpec pubsub{"pubsub", -2, 0, 0, 0, 0, nullptr, "pubsub", "A container for Pub/Sub commands", "2.8.0",
                     kCatSlow};
  pubsub.subcommands = {
      {"channels", -2, kInfo, 0, 0, 0, PubsubChannelsCommand, "pubsub", "List active channels", "2.8.0", kPubSlow},
      {"help", 2, kLoading | kStale, 0, 0, 0, PubsubHelpCommand, "pubsub",
       "Show helpful text about the different subcommands", "6.2.0", kCatSlow},
      {"numpat", 2, kInfo, 0, 0, 0, PubsubNumPatCommand, "pubsub",
       "Get the count of unique patterns pattern subscriptions", "2.8.0", kPubSlow},
      {"numsub", -2, kInfo, 0, 0, 0, PubsubNumSubCommand, "pubsub", "Get the count of subscribers for channels",
       "2.8.0", kPubSlow},
      {"shardchannels", -2, kInfo, 0, 0, 0, PubsubShardChannelsCommand, "pubsub", "List active shard channels",
       "7.0.0", kPubSlow},
      {"shardnumsub", -2, kInfo, 0, 0, 0, PubsubShardNumSubCommand, "pubsub",
       "Get the count of subscribers for shard channels", "7.0.0", kPubSlow},
  };
  r.Add(std::move(pubsub));
}

}  // namespace commands
