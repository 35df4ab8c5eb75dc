// The keyspace: set/overwrite/delete with TTLs, lazy and active expiry,
// against a std::map oracle; the one-allocation entries (key and value
// header inline) and how values move in and out of them.
#include "db/db.h"

#include <map>
#include <random>

#include "alloc/placement.h"
#include "alloc/zmalloc.h"
#include "gtest/gtest.h"
#include "object/list_type.h"

namespace db {
namespace {

class Env : public ::testing::Environment {
 public:
  void SetUp() override {
    alloc::Options o;
    o.mode = alloc::Mode::kLogical;
    ASSERT_TRUE(alloc::Init(o).ok());
    object::InitTypes();
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

// A key with a value on NVM costs one DRAM allocation: the entry holding the
// chain link, the value's header and the key (48 bytes for a 16-byte key,
// where a separate entry, key string and header took 32 + 32 + 16).
TEST(Db, OneDramAllocationPerKey) {
  const size_t dram0 = alloc::UsedMemory(alloc::Tier::kDram);
  {
    Db d(0);
    constexpr int kKeys = 10000;
    char key[32];
    for (int i = 0; i < kKeys; i++) {
      snprintf(key, sizeof(key), "key:%012d", i);  // 16 bytes, as redis-benchmark's
      d.Add(key, object::CreateStringEncoded(std::string(1024, 'v')));
    }
    // 24 (link, header) + 1 + 3 (sds header) + 16 + 1 (NUL) = 45 bytes: 48
    // with jemalloc's classes (a sanitizer's malloc has none).
    void* probe = alloc::Meta(45);
    const size_t entry_bytes = alloc::UsableSize(probe);
    alloc::Free(probe);
    const size_t entries = d.dict().MemoryUsage() - d.dict().TablesMemoryUsage();
    EXPECT_EQ(entries, kKeys * entry_bytes);
    // Nothing else of the keys is in DRAM: the values are NVM payloads.
    EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kDram) - dram0, d.dict().MemoryUsage());
    for (int i = 0; i < kKeys; i += 997) {
      snprintf(key, sizeof(key), "key:%012d", i);
      ds::DictEntry* de = d.FindEntry(key);
      ASSERT_NE(de, nullptr);
      EXPECT_EQ(EntryKey(de), key);
      EXPECT_EQ(EntryBytes(de), entry_bytes);
      EXPECT_EQ(ValueOf(EntryValue(de)), std::string(1024, 'v'));
    }
  }
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kDram), dram0);
}

// Every kind of value moves into an entry, is replaced, renamed (Unlink then
// SetKey) and deleted with its content intact and nothing leaked.
TEST(Db, ValuesMoveInAndOutOfEntries) {
  const size_t dram0 = alloc::UsedMemory(alloc::Tier::kDram), nvm0 = alloc::UsedMemory(alloc::Tier::kNvm);
  {
    Db d(0);
    const std::vector<std::string> strings = {"7", "-12345678901", "short", std::string(44, 'e'),
                                              std::string(45, 'r'), std::string(5000, 'n')};
    for (size_t i = 0; i < strings.size(); i++) {
      const std::string k = "s" + std::to_string(i);
      Object* o = d.Add(k, object::CreateStringEncoded(strings[i]));
      EXPECT_EQ(o, d.LookupRead(k));
      EXPECT_EQ(ValueOf(o), strings[i]);
      EXPECT_EQ(o->refcount, strings[i] == "7" ? object::kSharedRefcount : 1) << "OBJECT REFCOUNT as Redis's";
      // Overwrite with the next kind, then move it to another key.
      const std::string& next = strings[(i + 1) % strings.size()];
      d.SetKey(k, object::CreateStringEncoded(next), false);
      Object* moved = d.Unlink(k);
      ASSERT_NE(moved, nullptr);
      EXPECT_FALSE(moved->in_entry);
      EXPECT_EQ(ValueOf(moved), next);
      EXPECT_EQ(ValueOf(d.SetKey("t" + k, moved, false)), next);
      EXPECT_EQ(d.LookupRead(k), nullptr);
    }
    // A collection is filled through the pointer Add returns.
    Object* list = d.Add("list", object::CreateList());
    for (int i = 0; i < 1000; i++) object::ListPush(list, std::string(100, 'a' + i % 26), ds::Quicklist::End::kTail);
    Object* moved = d.Unlink("list");
    Object* stored = d.SetKey("list2", moved, false);
    EXPECT_EQ(object::ListLength(stored), 1000u);
    // Adopting another key's header copies the value: both keys keep one.
    Object* copy = d.SetKey("list3", stored, false);
    EXPECT_NE(copy, stored);
    object::ListPush(copy, "extra", ds::Quicklist::End::kTail);
    EXPECT_EQ(object::ListLength(d.LookupRead("list2")), 1000u);
    EXPECT_EQ(object::ListLength(d.LookupRead("list3")), 1001u);
    // Setting a key to its own value changes nothing.
    EXPECT_EQ(d.SetKey("list3", copy, true), copy);
    EXPECT_EQ(object::ListLength(copy), 1001u);
  }
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kDram), dram0);
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kNvm), nvm0);
}

// Keys of any length and bytes: empty, binary with NULs, longer than a
// lookup's inline buffer, and under tier-keys nvm a long key kept in a
// separate string on NVM.
TEST(Db, KeysOfEveryShape) {
  const alloc::PlacementConfig saved = alloc::GetPlacement();
  const size_t dram0 = alloc::UsedMemory(alloc::Tier::kDram), nvm0 = alloc::UsedMemory(alloc::Tier::kNvm);
  {
    Db d(0);
    const std::vector<std::string> keys = {"", std::string("a\0b\0", 4), std::string(60, 'k'), std::string(61, 'k'),
                                           std::string(300, 'L'), std::string(70000, 'H')};
    for (const std::string& k : keys) d.Add(k, object::CreateStringEncoded("v" + std::to_string(k.size())));
    alloc::PlacementConfig nvm_keys = saved;
    nvm_keys.keys = alloc::KeysTier::kNvm;
    alloc::SetPlacement(nvm_keys);
    const std::string nvm_key(500, 'N');
    const size_t nvm_before = alloc::UsedMemory(alloc::Tier::kNvm);
    d.Add(nvm_key, object::CreateStringEncoded("on nvm"));
    EXPECT_GE(alloc::UsedMemory(alloc::Tier::kNvm) - nvm_before, nvm_key.size());
    alloc::SetPlacement(saved);
    for (const std::string& k : keys) {
      ds::DictEntry* de = d.FindEntry(k);
      ASSERT_NE(de, nullptr) << k.size();
      EXPECT_EQ(EntryKey(de), k);
      EXPECT_EQ(ValueOf(d.LookupRead(k)), "v" + std::to_string(k.size()));
      d.SetExpire(k, 99999999);
      EXPECT_EQ(d.GetExpire(k), 99999999);
    }
    EXPECT_EQ(EntryKey(d.FindEntry(nvm_key)), nvm_key);
    d.SetExpire(nvm_key, 5);
    std::string random;
    ASSERT_TRUE(d.RandomKey(&random));
    EXPECT_NE(d.FindEntry(random), nullptr);
    EXPECT_TRUE(d.Delete(nvm_key));
    EXPECT_TRUE(d.Delete(keys[1]));
    EXPECT_EQ(d.size(), keys.size() - 1);
  }
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kDram), dram0);
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kNvm), nvm0);
}

}  // namespace
}  // namespace db
