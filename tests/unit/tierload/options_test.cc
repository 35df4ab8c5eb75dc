// Tests for tierload/options.h: defaults, both long-option forms, the
// command/read-command rules, and rejection of bad values.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tierload/options.h"

namespace tierload {
namespace {

common::Result<Options> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "tierload");
  return ParseOptions(static_cast<int>(args.size()), args.data());
}

TEST(Options, DefaultsAreAGetSetMixForTenSeconds) {
  auto o = Parse({});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->write_command, "SET {key} {value}");
  EXPECT_EQ(o->read_command, "GET {key}");
  EXPECT_DOUBLE_EQ(o->reads, 0.9);
  EXPECT_DOUBLE_EQ(o->EffectiveDuration(), 10);
  EXPECT_EQ(o->connections, 50);
  auto c = o->GeneratorConfig();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->keys.n(), 1000000u);
}

TEST(Options, ShortAndLongForms) {
  auto o = Parse({"-h", "::1", "-p", "7000", "-c", "8", "-P", "16", "-n", "500", "-r", "42", "-d", "1k",
                  "--dist=zipf:1.1", "--rate", "1000", "--seed=5", "--json"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->port, 7000);
  EXPECT_EQ(o->connections, 8);
  EXPECT_EQ(o->pipeline, 16);
  EXPECT_EQ(o->requests, 500u);
  EXPECT_EQ(o->keys, 42u);
  EXPECT_EQ(o->value_size, "1k");
  EXPECT_EQ(o->distribution, "zipf:1.1");
  EXPECT_DOUBLE_EQ(o->rate, 1000);
  EXPECT_EQ(o->seed, 5u);
  EXPECT_TRUE(o->json);
  EXPECT_DOUBLE_EQ(o->EffectiveDuration(), 0);  // bounded by -n instead
  auto c = o->GeneratorConfig();
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->keys.is_zipf());
}

TEST(Options, SetupCommandsRepeat) {
  auto o = Parse({"--setup", "CLIENT TRACKING ON REDIRECT 7", "--setup=HELLO 2"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->setup, (std::vector<std::string>{"CLIENT TRACKING ON REDIRECT 7", "HELLO 2"}));
  EXPECT_TRUE(Parse({})->setup.empty());
}

TEST(Options, CommandAloneMeansWritesOnly) {
  auto o = Parse({"--command", "LPUSH {key} {value}"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->read_command.empty());
  EXPECT_DOUBLE_EQ(o->reads, 0);
  EXPECT_FALSE(Parse({"--command", "LPUSH {key} {value}", "--reads", "0.5"}).ok());
  auto mixed = Parse({"--command", "HSET {key} {field} {value}", "--read-command", "HGET {key} {field}"});
  ASSERT_TRUE(mixed.ok());
  EXPECT_DOUBLE_EQ(mixed->reads, 0.9);
}

TEST(Options, LoadModeIsSequentialWritesOnly) {
  auto o = Parse({"--load", "1000", "--elements", "10", "--command", "SADD {key} {value}", "--dist", "zipf"});
  ASSERT_TRUE(o.ok());
  auto c = o->GeneratorConfig();
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->load);
  EXPECT_FALSE(c->keys.is_zipf());
  EXPECT_EQ(c->keys.n(), 1000u);
  EXPECT_DOUBLE_EQ(c->reads, 0);
  EXPECT_FALSE(Parse({"--load", "10", "--duration", "5"}).ok());
  EXPECT_FALSE(Parse({"--load", "10", "-n", "5"}).ok());
}

TEST(Options, RejectsBadValues) {
  for (std::vector<const char*> bad : std::vector<std::vector<const char*>>{
           {"-p", "0"}, {"-p", "70000"}, {"-c", "0"}, {"-P", "-1"}, {"-n", "0"}, {"-n", "x"},
           {"--duration", "0"}, {"--rate", "-5"}, {"--reads", "1.5"}, {"--keys", "0"}, {"--frobnicate", "1"},
           {"-p"}, {"--elements", "0"}}) {
    EXPECT_FALSE(Parse(bad).ok()) << bad[0];
  }
  // Errors in the generator config surface from GeneratorConfig().
  auto o = Parse({"-d", "64-32"});
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->GeneratorConfig().ok());
  auto d = Parse({"--dist", "pareto"});
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->GeneratorConfig().ok());
  auto t = Parse({"--command", "SET {value} {value}"});
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->GeneratorConfig().ok());
}

}  // namespace
}  // namespace tierload
