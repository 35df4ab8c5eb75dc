// Tests for tierload/request.h: templates encode to the exact RESP bytes
// (checked by parsing them back with hiredis's reader), placeholders fill as
// documented, load mode walks every key and element once, and the read mix
// follows --reads.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tierload/request.h"

namespace tierload {
namespace {

// Splits a buffer of RESP requests into their argument vectors with hiredis's
// reader (requests and array replies share the syntax).
std::vector<std::vector<std::string>> Decode(const std::string& resp) {
  std::vector<std::vector<std::string>> out;
  redisReader* r = redisReaderCreate();
  EXPECT_EQ(redisReaderFeed(r, resp.data(), resp.size()), REDIS_OK);
  for (;;) {
    void* obj = nullptr;
    EXPECT_EQ(redisReaderGetReply(r, &obj), REDIS_OK);
    if (obj == nullptr) break;
    auto* reply = static_cast<redisReply*>(obj);
    EXPECT_EQ(reply->type, REDIS_REPLY_ARRAY);
    std::vector<std::string> args;
    for (size_t i = 0; i < reply->elements; i++) {
      args.emplace_back(reply->element[i]->str, reply->element[i]->len);
    }
    out.push_back(std::move(args));
    freeReplyObject(reply);
  }
  redisReaderFree(r);
  return out;
}

TEST(Placeholders, KeyIsZeroPaddedLikeRedisBenchmark) {
  std::string s;
  AppendKey("key:", 42, &s);
  EXPECT_EQ(s, "key:000000000042");
  s.clear();
  AppendKey("p", 1234567890123, &s);  // 13 digits: no padding, no truncation
  EXPECT_EQ(s, "p1234567890123");
}

TEST(Placeholders, ValueHasTheSizeAndStartsWithTheSequence) {
  std::string s;
  AppendValue(7, 5, &s);
  EXPECT_EQ(s, "7:xxx");
  s.clear();
  AppendValue(123, 3, &s);
  EXPECT_EQ(s, "123");
  s.clear();
  AppendValue(12345, 2, &s);
  EXPECT_EQ(s, "45");
  s.clear();
  AppendValue(0, 1024, &s);
  EXPECT_EQ(s.size(), 1024u);
  EXPECT_EQ(s.substr(0, 4), "0:xx");
}

TEST(CommandTemplate, EncodesExactResp) {
  auto t = CommandTemplate::Parse("HSET {key} f{field} {value}");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->uses_value());
  EXPECT_EQ(t->name(), "HSET");
  CommandTemplate::Fill fill;
  fill.key_prefix = "h:";
  fill.key = 3;
  fill.field = 17;
  fill.value_size = 6;
  fill.seq = 9;
  std::string out, scratch;
  t->Append(fill, &out, &scratch);
  EXPECT_EQ(out, "*4\r\n$4\r\nHSET\r\n$14\r\nh:000000000003\r\n$3\r\nf17\r\n$6\r\n9:xxxx\r\n");
}

TEST(CommandTemplate, QuotesScoresAndLiteralBraces) {
  auto t = CommandTemplate::Parse("ZADD \"{tag}{key}\" {score} 'a b'");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->uses_value());
  CommandTemplate::Fill fill;
  fill.key_prefix = "z";
  fill.score = 1048575;
  std::string out, scratch;
  t->Append(fill, &out, &scratch);
  auto cmds = Decode(out);
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0], (std::vector<std::string>{"ZADD", "{tag}z000000000000", "1048575", "a b"}));
}

TEST(CommandTemplate, RejectsBadTemplates) {
  EXPECT_FALSE(CommandTemplate::Parse("").ok());
  EXPECT_FALSE(CommandTemplate::Parse("   ").ok());
  EXPECT_FALSE(CommandTemplate::Parse("SET \"unbalanced {key}").ok());
  EXPECT_FALSE(CommandTemplate::Parse("MSET {key} {value} k2 {value}").ok());
}

RequestGenerator::Config BaseConfig() {
  RequestGenerator::Config c;
  c.write = *CommandTemplate::Parse("SET {key} {value}");
  c.read = *CommandTemplate::Parse("GET {key}");
  return c;
}

TEST(RequestGenerator, LoadWritesEveryElementOfEveryKeyOnce) {
  RequestGenerator::Config c;
  c.write = *CommandTemplate::Parse("RPUSH {key} {field}");
  c.read = *CommandTemplate::Parse("LRANGE {key} 0 -1");
  c.reads = 0.5;  // ignored in load mode
  c.keys = KeyDistribution::Uniform(3);
  c.elements = 2;
  c.key_prefix = "l:";
  c.load = true;
  RequestGenerator gen(c);
  EXPECT_EQ(gen.LoadTotal(), 6u);
  std::string out;
  while (!gen.Exhausted()) EXPECT_FALSE(gen.Next(&out));
  auto cmds = Decode(out);
  std::vector<std::vector<std::string>> want;
  for (int k = 0; k < 3; k++) {
    for (int f = 0; f < 2; f++) want.push_back({"RPUSH", "l:00000000000" + std::to_string(k), std::to_string(f)});
  }
  EXPECT_EQ(cmds, want);
}

TEST(RequestGenerator, ReadFractionFollowsConfig) {
  auto c = BaseConfig();
  c.reads = 0.9;
  c.keys = KeyDistribution::Uniform(1000);
  RequestGenerator gen(c);
  constexpr int kN = 100000;
  int reads = 0;
  std::string out;
  for (int i = 0; i < kN; i++) {
    out.clear();
    bool read = gen.Next(&out);
    reads += read;
    ASSERT_EQ(out.substr(0, 14), read ? "*2\r\n$3\r\nGET\r\n$" : "*3\r\n$3\r\nSET\r\n$");
  }
  // Binomial(100000, 0.9): sigma = 95, so +-600 is over 6 sigma.
  EXPECT_NEAR(reads, 90000, 600);
}

TEST(RequestGenerator, SameSeedSameRequests) {
  auto c = BaseConfig();
  c.reads = 0.5;
  c.keys = KeyDistribution::Zipf(1000000, 0.99);
  c.sizes = *SizeDistribution::Parse("10-100");
  std::string a, b, other;
  RequestGenerator g1(c), g2(c);
  c.seed = 2;
  RequestGenerator g3(c);
  for (int i = 0; i < 1000; i++) {
    g1.Next(&a);
    g2.Next(&b);
    g3.Next(&other);
  }
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  // Every request decodes, and SET values follow the size range.
  for (const auto& cmd : Decode(a)) {
    ASSERT_TRUE(cmd[0] == "SET" || cmd[0] == "GET");
    ASSERT_EQ(cmd[1].size(), 16u);
    if (cmd[0] == "SET") {
      ASSERT_GE(cmd[2].size(), 10u);
      ASSERT_LE(cmd[2].size(), 100u);
    }
  }
}

TEST(RequestGenerator, KeyOffsetMovesTheHotKeys) {
  // Zipf's hottest index is 0: with an offset of 990 over 1000 keys the
  // hottest key is key 990, and indices wrap past the end.
  auto hottest = [](uint64_t offset) {
    auto c = BaseConfig();
    c.keys = KeyDistribution::Zipf(1000, 0.99);
    c.key_offset = offset;
    RequestGenerator gen(c);
    std::map<std::string, int> counts;
    std::string out;
    for (int i = 0; i < 20000; i++) gen.Next(&out);
    for (const auto& cmd : Decode(out)) counts[cmd[1]]++;
    return std::max_element(counts.begin(), counts.end(),
                            [](const auto& a, const auto& b) { return a.second < b.second; })
        ->first;
  };
  EXPECT_EQ(hottest(0), "key:000000000000");
  EXPECT_EQ(hottest(990), "key:000000000990");
}

}  // namespace
}  // namespace tierload
