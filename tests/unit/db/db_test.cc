// The keyspace: set/overwrite/delete with TTLs, lazy and active expiry,
// against a std::map oracle.
#include "db/db.h"

#include <map>
#include <random>

#include "alloc/zmalloc.h"
#include "gtest/gtest.h"

namespace db {
namespace {

class Env : public ::testing::Environment {
 public:
  void SetUp() override {
    alloc::Options o;
    o.mode = alloc::Mode::kLogical;
    ASSERT_TRUE(alloc::Init(o).ok());
  }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new Env);

std::string ValueOf(Object* o) {
  char buf[24];
  return std::string(object::StringView(o, buf));
}

TEST(Db, RandomOpsMatchOracle) {
  Db d(0);
  SetNow(1000000);
  std::map<std::string, std::pair<std::string, int64_t>> oracle;  // value, expire
  std::mt19937 rng(301);
  for (int i = 0; i < 100000; i++) {
    std::string k = "k" + std::to_string(rng() % 2000);
    switch (rng() % 6) {
      case 0:
      case 1: {
        std::string v = std::to_string(rng() % 100000) + (rng() % 2 ? std::string(rng() % 200, 'p') : "");
        bool keep = rng() % 4 == 0;
        d.SetKey(k, object::CreateStringEncoded(v), keep);
        int64_t exp = -1;
        if (keep && oracle.count(k)) exp = oracle[k].second;
        oracle[k] = {v, exp};
        break;
      }
      case 2:
        EXPECT_EQ(d.Delete(k), oracle.erase(k) == 1);
        break;
      case 3:
        if (oracle.count(k)) {
          int64_t when = Now() + 1 + rng() % 1000;
          d.SetExpire(k, when);
          oracle[k].second = when;
        }
        break;
      case 4:
        SetNow(Now() + rng() % 50);
        break;
      default: {
        Object* o = d.LookupRead(k);
        auto it = oracle.find(k);
        bool live = it != oracle.end() && (it->second.second < 0 || it->second.second > Now());
        if (it != oracle.end() && !live) oracle.erase(it);
        ASSERT_EQ(o != nullptr, live) << k;
        if (o) {
          EXPECT_EQ(ValueOf(o), it->second.first);
        }
      }
    }
  }
  // Active expiry removes every expired key, without lookups.
  SetNow(Now() + 10000);
  std::vector<Db*> dbs{&d};
  for (int i = 0; i < 1000 && d.expires_size() > 0; i++) ActiveExpireCycle(dbs, 10, 1000000);
  EXPECT_EQ(d.expires_size(), 0u);
  size_t live = 0;
  for (auto& [k, v] : oracle)
    if (v.second < 0) live++;
  EXPECT_EQ(d.size(), live);
}

TEST(Db, TtlFollowsKeyUntilOverwrite) {
  Db d(0);
  SetNow(5000);
  d.SetKey("a", object::CreateStringEncoded("1"), false);
  d.SetExpire("a", 9000);
  EXPECT_EQ(d.GetExpire("a"), 9000);
  d.SetKey("a", object::CreateStringEncoded("2"), true);
  EXPECT_EQ(d.GetExpire("a"), 9000);
  d.SetKey("a", object::CreateStringEncoded("3"), false);
  EXPECT_EQ(d.GetExpire("a"), -1);
  d.SetExpire("a", 6000);
  Object* v = d.Unlink("a");
  ASSERT_NE(v, nullptr);
  object::DecrRef(v);
  EXPECT_EQ(d.expires_size(), 0u);
}

TEST(Db, SwapAndFlushFreeEverything) {
  size_t dram0 = alloc::UsedMemory(alloc::Tier::kDram), nvm0 = alloc::UsedMemory(alloc::Tier::kNvm);
  {
    Db a(0), b(1);
    for (int i = 0; i < 1000; i++) a.SetKey("x" + std::to_string(i), object::CreateStringEncoded(std::string(300, 'q')), false);
    b.SetKey("only", object::CreateStringEncoded("1"), false);
    a.SwapWith(b);
    EXPECT_EQ(a.size(), 1u);
    EXPECT_EQ(b.size(), 1000u);
    EXPECT_GT(alloc::UsedMemory(alloc::Tier::kNvm), nvm0 + 1000 * 300);
    EXPECT_EQ(b.Flush(), 1000u);
  }
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kDram), dram0);
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kNvm), nvm0);
}

}  // namespace
}  // namespace db
