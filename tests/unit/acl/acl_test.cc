// src/acl on a small command table: rules, descriptions, checks, the ACL
// file parser and the log. (The pytest suite compares the whole thing with
// Redis 7.0 on the real command table.)
#include "acl/acl.h"

#include <gtest/gtest.h>

namespace acl {
namespace {

constexpr uint32_t kRead = 1u << 1, kWrite = 1u << 2, kString = 1u << 3, kAdmin = 1u << 10, kFast = 1u << 8,
                   kSlow = 1u << 9, kDangerous = 1u << 11;

class AclTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetCommandTable({
        {"get", kRead | kString | kFast, -1, {}},        // 0
        {"set", kWrite | kString | kSlow, -1, {}},       // 1
        {"config", kSlow, -1, {3, 4}},                   // 2
        {"config|get", kAdmin | kSlow | kDangerous, 2, {}},  // 3
        {"config|set", kAdmin | kSlow | kDangerous, 2, {}},  // 4
        {"select", kFast, -1, {}},                       // 5
        {"publish", kFast, -1, {}},                      // 6
    });
  }
};

std::vector<std::string_view> V(std::initializer_list<std::string_view> l) { return l; }

TEST_F(AclTest, RulesAndDescription) {
  User u("u");
  std::string err;
  ASSERT_TRUE(ApplyRules(&u, V({"on", ">pw", "~k*", "%R~r*", "&ch*", "+@string", "-set", "+config|get",
                                "+select|0"}),
                         &err))
      << err;
  // @read holds one command here (get), all allowed: the category is named.
  EXPECT_EQ(u.Describe(),
            "on #" + HashPassword("pw") + " ~k* %R~r* resetchannels &ch* -@all +@read +config|get +select|0");
  EXPECT_TRUE(u.CheckPassword("pw"));
  EXPECT_FALSE(u.CheckPassword("nope"));
  // Best fit: @admin and @dangerous tie on what they get wrong (nothing);
  // the first in Redis's category order wins, and @dangerous then has
  // nothing left to say. @write covers set.
  User v("v");
  ASSERT_TRUE(ApplyRules(&v, V({"+@all", "-@dangerous", "-set"}), &err));
  EXPECT_EQ(v.selectors[0].DescribeCommands(), "+@all -@admin -@write");
}

TEST_F(AclTest, RuleErrors) {
  User u("u");
  std::string err;
  EXPECT_FALSE(ApplyRules(&u, V({"+nosuch"}), &err));
  EXPECT_EQ(err, "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
  EXPECT_FALSE(ApplyRules(&u, V({"+config|get|x"}), &err));
  EXPECT_EQ(err, "Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is not supported");
  EXPECT_FALSE(ApplyRules(&u, V({"(+get", "~x"}), &err));
  EXPECT_EQ(err, "Unmatched parenthesis in acl selector starting at '(+get'.");
  EXPECT_FALSE(ApplyRules(&u, V({"allkeys", "~x"}), &err));
  EXPECT_NE(err.find("Try 'resetkeys'"), std::string::npos);
  EXPECT_FALSE(ApplyRules(&u, V({"#abc"}), &err));
  EXPECT_NE(err.find("exactly 64 characters"), std::string::npos);
}

TEST_F(AclTest, ChecksKeysChannelsAndSelectors) {
  User u("u");
  std::string err;
  ASSERT_TRUE(ApplyRules(&u, V({"~k*", "%R~r*", "&ch*", "+get", "+set", "+publish", "(~x* +set)"}), &err));
  auto argv = V({"set", "r1", "v"});
  std::vector<KeyArg> write_key = {{1, kPermWrite}};
  CommandCheck req{.id = 1, .argv = &argv, .keys = &write_key};
  int pos = -1;
  EXPECT_EQ(Check(u, req, &pos), Denied::kKey);
  EXPECT_EQ(pos, 1);
  auto argv2 = V({"set", "x1", "v"});
  req.argv = &argv2;
  EXPECT_EQ(Check(u, req, &pos), Denied::kOk);  // allowed by the selector
  auto argv3 = V({"get", "r1"});
  std::vector<KeyArg> read_key = {{1, kPermRead}};
  CommandCheck get{.id = 0, .argv = &argv3, .keys = &read_key};
  EXPECT_EQ(Check(u, get, &pos), Denied::kOk);
  CommandCheck cfg{.id = 3, .subcommand = true, .argv = &argv3};
  EXPECT_EQ(Check(u, cfg, &pos), Denied::kCommand);
  auto pub = V({"publish", "other", "m"});
  std::vector<ChannelArg> ch = {{1, false}};
  CommandCheck p{.id = 6, .argv = &pub, .channels = &ch};
  EXPECT_EQ(Check(u, p, &pos), Denied::kChannel);
  auto pub2 = V({"publish", "ch1", "m"});
  p.argv = &pub2;
  EXPECT_EQ(Check(u, p, &pos), Denied::kOk);
}

TEST_F(AclTest, FirstArgs) {
  User u("u");
  std::string err;
  ASSERT_TRUE(ApplyRules(&u, V({"+select|0"}), &err));
  auto ok = V({"select", "0"});
  auto no = V({"select", "1"});
  CommandCheck req{.id = 5, .argv = &ok};
  int pos = 0;
  EXPECT_EQ(Check(u, req, &pos), Denied::kOk);
  req.argv = &no;
  EXPECT_EQ(Check(u, req, &pos), Denied::kCommand);
}

TEST_F(AclTest, AclFileErrorsNameTheLine) {
  std::vector<std::unique_ptr<User>> users;
  std::string err;
  EXPECT_FALSE(ParseAclText("user a on\nfoo\nuser b +nosuch\nuser a off\n", "f.acl", &users, &err));
  EXPECT_EQ(err,
            "f.acl:2 should start with user keyword followed by the username. f.acl:3: Error in applying operation "
            "'+nosuch': Unknown command or category name in ACL. WARNING: Duplicate user 'a' found on line 4. ");
  users.clear();
  EXPECT_TRUE(ParseAclText("# comment\n\nuser a on nopass ~* +@all\n", "f.acl", &users, &err));
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]->Describe(), "on nopass ~* resetchannels +@all");
}

TEST_F(AclTest, LogGroupsRepeats) {
  Log().clear();
  for (int i = 0; i < 3; i++) AddLogEntry({1, Denied::kKey, LogContext::kToplevel, "k", "u", 1000, "c"}, 2);
  AddLogEntry({1, Denied::kCommand, LogContext::kToplevel, "get", "u", 1000, "c"}, 2);
  AddLogEntry({1, Denied::kAuth, LogContext::kToplevel, "AUTH", "x", 1000, "c"}, 2);
  ASSERT_EQ(Log().size(), 2u);
  EXPECT_EQ(Log()[0].object, "AUTH");
  EXPECT_EQ(Log()[1].object, "get");
  Log().clear();
  for (int i = 0; i < 3; i++) AddLogEntry({1, Denied::kKey, LogContext::kToplevel, "k", "u", 1000, "c"}, 5);
  ASSERT_EQ(Log().size(), 1u);
  EXPECT_EQ(Log()[0].count, 3u);
}

TEST(AclPasswords, GenPassAndHash) {
  EXPECT_EQ(GenPass(256).size(), 64u);
  EXPECT_EQ(GenPass(5).size(), 2u);
  EXPECT_EQ(HashPassword("foo"), "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae");
}

}  // namespace
}  // namespace acl
