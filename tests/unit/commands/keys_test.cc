// Key extraction from the command table's key specs (commands/keys.h),
// on specs built here, so each rule of Redis 7.0's getKeysUsingKeySpecs
// is checked on its own.
#include "commands/keys.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace commands {
namespace {

// Positions of the keys found in a space-separated command line.
std::vector<int> Positions(const CommandSpec& cmd, const std::string& line) {
  std::vector<std::string_view> argv;
  std::string_view rest(line);
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    argv.push_back(rest.substr(0, sp));
    rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
  }
  std::vector<int> out;
  for (const KeyRef& k : GetKeysFromCommand(cmd, argv)) out.push_back(k.pos);
  return out;
}

CommandSpec Spec(int arity, std::vector<KeySpec> specs) {
  CommandSpec s{"test", arity, 0, 0, 0, 0, nullptr, "generic", "", ""};
  s.key_specs = std::move(specs);
  return s;
}

TEST(KeysTest, RangeFromTheEndAndWithStep) {
  CommandSpec del = Spec(-2, {RangeKeys(kKeyRM | kKeyDelete, 1, -1)});
  EXPECT_EQ(Positions(del, "DEL a b c"), (std::vector<int>{1, 2, 3}));
  CommandSpec mset = Spec(-3, {RangeKeys(kKeyOW | kKeyUpdate, 1, -1, 2)});
  EXPECT_EQ(Positions(mset, "MSET a 1 b 2"), (std::vector<int>{1, 3}));
  CommandSpec blpop = Spec(-3, {RangeKeys(kKeyRW, 1, -2)});
  EXPECT_EQ(Positions(blpop, "BLPOP a b 0"), (std::vector<int>{1, 2}));
}

TEST(KeysTest, KeynumReadsTheCountAndChecksItFits) {
  CommandSpec store = Spec(-4, {RangeKeys(kKeyOW, 1), KeynumKeys(kKeyRO, 2)});
  EXPECT_EQ(Positions(store, "ZUNIONSTORE dst 2 a b WEIGHTS 1 2"), (std::vector<int>{1, 3, 4}));
  EXPECT_TRUE(Positions(store, "ZUNIONSTORE dst 3 a b").empty());     // more keys than arguments
  EXPECT_TRUE(Positions(store, "ZUNIONSTORE dst 0 a").empty());       // no key at all
  EXPECT_TRUE(Positions(store, "ZUNIONSTORE dst -1 a").empty());
  EXPECT_TRUE(Positions(store, "ZUNIONSTORE dst 2x a b").empty());    // not a number
  EXPECT_TRUE(Positions(store, "ZUNIONSTORE dst 99999999999 a").empty());
  CommandSpec blmpop = Spec(-5, {KeynumKeys(kKeyRW, 2)});
  EXPECT_EQ(Positions(blmpop, "BLMPOP 0 2 a b LEFT"), (std::vector<int>{3, 4}));
  EXPECT_TRUE(Positions(blmpop, "BLMPOP 0 5 a b LEFT").empty());
}

TEST(KeysTest, KeywordSearchesForwardsOrBackwards) {
  KeySpec fwd{.flags = kKeyRO, .begin = KeySpec::Begin::kKeyword, .keyword = "STREAMS", .startfrom = 1,
              .find = KeySpec::Find::kRange, .lastkey = -1, .keystep = 1, .limit = 2};
  CommandSpec xread = Spec(-4, {fwd});
  // Half of what follows STREAMS are keys (limit 2), the rest are ids.
  EXPECT_EQ(Positions(xread, "XREAD COUNT 2 STREAMS a b 0 0"), (std::vector<int>{4, 5}));
  EXPECT_TRUE(Positions(xread, "XREAD COUNT 2").empty());  // keyword absent: no keys, no error
  KeySpec back{.flags = kKeyRO, .begin = KeySpec::Begin::kKeyword, .keyword = "KEYS", .startfrom = -2,
               .find = KeySpec::Find::kRange, .lastkey = -1};
  CommandSpec migrate = Spec(-6, {back});
  EXPECT_EQ(Positions(migrate, "MIGRATE h p x 0 1 KEYS a b"), (std::vector<int>{7, 8}));
}

int StoreLast(const std::vector<std::string_view>& argv, std::vector<KeyRef>* out) {
  out->push_back({1, kKeyRO});
  out->push_back({static_cast<int>(argv.size()) - 1, kKeyOW});
  return 2;
}

TEST(KeysTest, UnknownSpecFallsBackToTheProcedure) {
  CommandSpec sort = Spec(-2, {RangeKeys(kKeyRO, 1), UnknownKeys(kKeyOW, "anywhere")});
  EXPECT_TRUE(Positions(sort, "SORT k STORE d").empty());  // no procedure: cannot tell
  sort.getkeys = StoreLast;
  EXPECT_EQ(Positions(sort, "SORT k STORE d"), (std::vector<int>{1, 3}));
  EXPECT_TRUE(CommandHasKeys(sort));
}

TEST(KeysTest, NotKeySpecsAreSkipped) {
  CommandSpec none = Spec(1, {});
  EXPECT_FALSE(CommandHasKeys(none));
  CommandSpec fake = Spec(2, {RangeKeys(kKeyNotKey, 1)});
  EXPECT_FALSE(CommandHasKeys(fake));
  EXPECT_TRUE(Positions(fake, "PUBLISH ch").empty());
}

}  // namespace
}  // namespace commands
