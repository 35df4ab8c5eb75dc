// The per-slot key index: exact over every path that adds or removes keys
// (add, overwrite, delete lazy and not, unlink, expiry, flush sync and
// async, swap), against a std::map oracle; keys listed newest first; the
// entries' DRAM cost with the index on and off.
#include "db/slot_index.h"

#include <map>
#include <random>
#include <set>

#include "alloc/placement.h"
#include "alloc/zmalloc.h"
#include "db/db.h"
#include "db/lazyfree.h"
#include "gtest/gtest.h"

namespace db {
namespace {

// The allocator and object types are set up by db_test.cc's environment
// (the same unit_db binary).

std::string_view KeyOf(const ds::DictEntry* de) { return EntryKey(de); }

// Every slot's count and key set equal the oracle's.
void ExpectMatches(Db& d, const std::set<std::string>& oracle) {
  ASSERT_TRUE(d.slot_index()->Verify(d.size(), KeyOf));
  std::map<int, std::set<std::string>> by_slot;
  for (const std::string& k : oracle) by_slot[common::KeyHashSlot(k)].insert(k);
  size_t total = 0;
  for (int s = 0; s < kSlots; s++) total += d.CountKeysInSlot(s);
  EXPECT_EQ(total, oracle.size());
  for (auto& [slot, keys] : by_slot) {
    EXPECT_EQ(d.CountKeysInSlot(slot), keys.size()) << "slot " << slot;
    std::vector<std::string_view> got = d.GetKeysInSlot(slot, keys.size() + 10);
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), keys) << "slot " << slot;
  }
}

TEST(KeyHashSlot, RedisValues) {
  // CLUSTER KEYSLOT of Redis 7.0 for these keys.
  EXPECT_EQ(common::KeyHashSlot("foo"), 12182);
  EXPECT_EQ(common::KeyHashSlot("123456789"), 0x31c3 & 16383);
  EXPECT_EQ(common::KeyHashSlot("{user1000}.following"), common::KeyHashSlot("user1000"));
  EXPECT_EQ(common::KeyHashSlot("foo{}{bar}"), common::KeyHashSlot("foo{}{bar}"));
  EXPECT_NE(common::KeyHashSlot("foo{}{bar}"), common::KeyHashSlot("bar"));  // empty first tag: whole key
  EXPECT_EQ(common::KeyHashSlot("foo{{bar}}zap"), common::KeyHashSlot("{bar"));
  EXPECT_EQ(common::KeyHashSlot(""), 0);
}

TEST(SlotIndex, RandomOpsMatchOracle) {
  Db d(0, /*slot_index=*/true);
  SetNow(1000000);
  std::set<std::string> oracle;
  std::mt19937 rng(301);
  for (int i = 0; i < 60000; i++) {
    // A few hash tags crowd some slots; the rest spread.
    std::string k = (rng() % 3 == 0 ? "{t" + std::to_string(rng() % 4) + "}" : std::string("k")) +
                    std::to_string(rng() % 3000);
    switch (rng() % 7) {
      case 0:
      case 1:
        d.SetKey(k, object::CreateStringEncoded("v" + std::to_string(i)), rng() % 2 == 0);
        oracle.insert(k);
        break;
      case 2:
        d.Delete(k, /*lazy=*/rng() % 2 == 0);
        oracle.erase(k);
        break;
      case 3:
        if (Object* o = d.Unlink(k)) object::DecrRef(o);
        oracle.erase(k);
        break;
      case 4:
        if (d.LookupWrite(k)) {
          d.SetExpire(k, Now() + static_cast<int64_t>(rng() % 3));
        } else {
          oracle.erase(k);  // gone, or expired and deleted by the lookup
        }
        break;
      case 5:
        d.LookupRead(k);  // lazy expiry
        if (d.FindEntry(k) == nullptr) oracle.erase(k);
        break;
      case 6:
        if (rng() % 500 == 0) {
          std::vector<Db*> dbs = {&d};
          SetNow(Now() + 5);
          ActiveExpireCycle(dbs, 10, 1000000);
          for (auto it = oracle.begin(); it != oracle.end();)
            it = d.FindEntry(*it) ? std::next(it) : oracle.erase(it);
        }
        break;
    }
    if (i % 10000 == 0) ExpectMatches(d, oracle);
  }
  ExpectMatches(d, oracle);
  EXPECT_EQ(d.Flush(), oracle.size());
  EXPECT_EQ(d.slot_index()->TableBytes(), 0u);  // an empty db has no table
  ExpectMatches(d, {});
}

TEST(SlotIndex, NewestFirstAndCount) {
  Db d(0, true);
  const int slot = common::KeyHashSlot("{x}");
  for (int i = 0; i < 5; i++) d.Add("{x}" + std::to_string(i), object::CreateStringEncoded("v"));
  std::vector<std::string_view> got = d.GetKeysInSlot(slot, 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "{x}4");
  EXPECT_EQ(got[2], "{x}2");
  EXPECT_TRUE(d.GetKeysInSlot(slot, 0).empty());
  d.Delete("{x}3");
  got = d.GetKeysInSlot(slot, 10);
  EXPECT_EQ(std::vector<std::string_view>(got.begin(), got.end()),
            (std::vector<std::string_view>{"{x}4", "{x}2", "{x}1", "{x}0"}));
  EXPECT_EQ(d.CountKeysInSlot(slot), 4u);
  EXPECT_EQ(d.CountKeysInSlot((slot + 1) % kSlots), 0u);
}

TEST(SlotIndex, DeleteKeysInSlot) {
  Db d(0, true);
  for (int i = 0; i < 100; i++) d.Add("{a}" + std::to_string(i), object::CreateStringEncoded("v"));
  for (int i = 0; i < 100; i++) d.Add("b" + std::to_string(i), object::CreateStringEncoded("v"));
  d.SetExpire("{a}7", Now() + 100000);
  std::vector<std::string> deleted;
  const int slot = common::KeyHashSlot("a");
  EXPECT_EQ(d.DeleteKeysInSlot(slot, [&deleted](std::string_view k) { deleted.emplace_back(k); }), 100u);
  EXPECT_EQ(deleted.size(), 100u);
  EXPECT_EQ(d.CountKeysInSlot(slot), 0u);
  EXPECT_EQ(d.size(), 100u);
  EXPECT_EQ(d.expires_size(), 0u);
  EXPECT_TRUE(d.slot_index()->Verify(d.size(), KeyOf));
  EXPECT_EQ(d.DeleteKeysInSlot(slot), 0u);
}

TEST(SlotIndex, FlushAsyncAndSwap) {
  Db a(0, true), b(1, true);
  for (int i = 0; i < 2000; i++) a.Add("a" + std::to_string(i), object::CreateStringEncoded(std::string(100, 'x')));
  b.Add("b", object::CreateStringEncoded("v"));
  a.SwapWith(b);
  EXPECT_EQ(a.CountKeysInSlot(common::KeyHashSlot("b")), 1u);
  EXPECT_TRUE(a.slot_index()->Verify(1, KeyOf));
  EXPECT_TRUE(b.slot_index()->Verify(2000, KeyOf));
  EXPECT_EQ(b.Flush(/*async=*/true), 2000u);
  EXPECT_TRUE(b.slot_index()->Verify(0, KeyOf));
  b.Add("a1", object::CreateStringEncoded("v"));  // the index works on after an async flush
  EXPECT_EQ(b.CountKeysInSlot(common::KeyHashSlot("a1")), 1u);
  lazyfree::Drain();
}

// tier-keys nvm: long key strings live outside the entry (on NVM); the
// links still precede the entry and everything is freed.
TEST(SlotIndex, KeysOutsideTheEntry) {
  const alloc::PlacementConfig saved = alloc::GetPlacement();
  alloc::PlacementConfig cfg = saved;
  cfg.keys = alloc::KeysTier::kNvm;
  cfg.nvm_min_size = 32;
  alloc::SetPlacement(cfg);
  const size_t before = alloc::UsedMemory();
  {
    Db d(0, true);
    std::set<std::string> oracle;
    for (int i = 0; i < 2000; i++) {
      std::string k = (i % 2 ? "{tag}" : "") + std::string(40, 'k') + std::to_string(i);  // out of line
      if (i % 5 == 0) k = "s" + std::to_string(i);                                        // short: inline
      d.Add(k, object::CreateStringEncoded("v"));
      oracle.insert(k);
    }
    ds::DictEntry* long_key = d.FindEntry(std::string(40, 'k') + "2");
    ASSERT_NE(long_key, nullptr);
    EXPECT_EQ(alloc::TierOf(EntryKeySds(long_key)), alloc::Tier::kNvm);
    ExpectMatches(d, oracle);
    for (int i = 0; i < 2000; i += 3) {
      std::string k = (i % 2 ? "{tag}" : "") + std::string(40, 'k') + std::to_string(i);
      if (i % 5 == 0) k = "s" + std::to_string(i);
      EXPECT_TRUE(d.Delete(k, i % 2 == 0));
      oracle.erase(k);
    }
    ExpectMatches(d, oracle);
    EXPECT_GT(d.DeleteKeysInSlot(common::KeyHashSlot("tag")), 0u);
    for (auto it = oracle.begin(); it != oracle.end();) it = d.FindEntry(*it) ? std::next(it) : oracle.erase(it);
    ExpectMatches(d, oracle);
    lazyfree::Drain();
  }
  lazyfree::Drain();
  EXPECT_EQ(alloc::UsedMemory(), before);
  alloc::SetPlacement(saved);
}

TEST(SlotIndex, OffMeansNoIndexAndNoCost) {
  const size_t before = alloc::UsedMemory(alloc::Tier::kDram);
  {
    Db off(0, false);
    for (int i = 0; i < 10000; i++) off.Add("key:" + std::to_string(i), object::CreateStringEncoded("v"));
    EXPECT_EQ(off.slot_index(), nullptr);
    EXPECT_EQ(off.CountKeysInSlot(common::KeyHashSlot("key:1")), 0u);
    const size_t off_bytes = alloc::UsedMemory(alloc::Tier::kDram) - before;
    Db on(1, true);
    const size_t before_on = alloc::UsedMemory(alloc::Tier::kDram);
    for (int i = 0; i < 10000; i++) on.Add("key:" + std::to_string(i), object::CreateStringEncoded("v"));
    const size_t on_bytes = alloc::UsedMemory(alloc::Tier::kDram) - before_on;
    // 16 bytes of links per key (one 16-byte size class step for these
    // keys) and the 256 KB table of heads.
    const size_t table = on.slot_index()->TableBytes();
    EXPECT_EQ(table, sizeof(SlotLinks) * kSlots);
    EXPECT_EQ(on_bytes - table, off_bytes + 10000 * 16);
    EXPECT_EQ(EntryBytes(on.FindEntry("key:5")), EntryBytes(off.FindEntry("key:5")) + 16);
  }
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kDram), before);
}

}  // namespace
}  // namespace db
