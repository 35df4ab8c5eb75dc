// The hash type against a std::map oracle (fixed seeds), the listpack ->
// hashtable conversion at Redis's boundaries, random fields, and where the
// payloads land when a hash converts.
#include "object/hash_type.h"

#include <map>
#include <random>
#include <set>
#include <string>

#include "alloc/zmalloc.h"
#include "common/util.h"
#include "gtest/gtest.h"

namespace object {
namespace {

// Every test runs with the logical two-tier allocator and the type ops
// registered (both calls are idempotent).
class HashType : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    alloc::Options opts;
    opts.mode = alloc::Mode::kLogical;
    ASSERT_TRUE(alloc::Init(opts).ok());
    InitTypes();
  }
};

// Restores the encoding thresholds a test changed.
class SettingsGuard {
 public:
  SettingsGuard() : saved_(GetSettings()) {}
  ~SettingsGuard() { GetSettings() = saved_; }

 private:
  Settings saved_;
};

std::map<std::string, std::string> Contents(const Object* o) {
  std::map<std::string, std::string> m;
  HashIterator it(o);
  while (it.Next()) {
    bool fresh = m.emplace(std::string(it.Field()), std::string(it.Value())).second;
    EXPECT_TRUE(fresh) << "field reported twice: " << it.Field();
  }
  return m;
}

std::string Get(const Object* o, const std::string& f) {
  char buf[kHashIntBufSize];
  std::string_view v;
  if (!HashGet(o, f, buf, &v)) return "<missing>";
  return std::string(v);
}

// Random operations on a hash and a std::map side by side. Fields come from
// a small pool (so updates and deletes hit), values sometimes are integers
// (the listpack stores those as integers) and sometimes long (which forces
// the conversion when long_values is set).
void RunOracle(uint32_t seed, size_t ops, bool long_values) {
  std::mt19937 rng(seed);
  Object* o = CreateHash();
  std::map<std::string, std::string> oracle;
  auto field = [&] { return "f" + std::to_string(rng() % 800); };
  auto value = [&]() -> std::string {
    switch (rng() % 4) {
      case 0: return std::to_string(static_cast<int64_t>(rng()) - (1 << 30));
      case 1: return std::string(rng() % 20, 'v');
      case 2: return long_values && rng() % 50 == 0 ? std::string(65 + rng() % 100, 'L') : "x";
      default: return "val" + std::to_string(rng() % 1000);
    }
  };
  for (size_t i = 0; i < ops; i++) {
    std::string f = field();
    switch (rng() % 6) {
      case 0:
      case 1:
      case 2: {
        std::string v = value();
        bool fresh = oracle.count(f) == 0;
        EXPECT_EQ(HashSet(o, f, v), fresh);
        oracle[f] = v;
        break;
      }
      case 3: {
        bool present = oracle.erase(f) > 0;
        // Never let the hash become empty: the keyspace would delete it.
        if (oracle.empty()) {
          oracle[f] = "keep";
          HashSet(o, f, "keep");
          break;
        }
        EXPECT_EQ(HashDelete(o, f), present);
        break;
      }
      case 4: {
        int64_t incr = static_cast<int64_t>(rng() % 1000) - 500, result = 0;
        auto it = oracle.find(f);
        int64_t cur = 0;
        bool numeric = it == oracle.end() || common::StringToInt64(it->second, &cur);
        HashIncrStatus st = HashIncrBy(o, f, incr, &result);
        if (numeric) {
          ASSERT_EQ(st, HashIncrStatus::kOk);
          EXPECT_EQ(result, cur + incr);
          oracle[f] = std::to_string(cur + incr);
        } else {
          EXPECT_EQ(st, HashIncrStatus::kNotInteger);
        }
        break;
      }
      default:
        EXPECT_EQ(Get(o, f), oracle.count(f) ? oracle[f] : "<missing>");
        EXPECT_EQ(HashExists(o, f), oracle.count(f) > 0);
    }
    ASSERT_EQ(HashLength(o), oracle.size());
    if (i % 500 == 0 && !oracle.empty()) {  // an empty hash is not a valid value
      ASSERT_TRUE(HashVerify(o));
      ASSERT_EQ(Contents(o), oracle);
    }
  }
  EXPECT_TRUE(HashVerify(o));
  EXPECT_EQ(Contents(o), oracle);
  DecrRef(o);
}

TEST_F(HashType, OracleListpackOnly) {
  SettingsGuard g;
  GetSettings().hash_max_listpack_entries = 100000;  // never converts by count
  for (uint32_t seed : {1u, 2u, 3u}) RunOracle(seed, 4000, /*long_values=*/false);
}

TEST_F(HashType, OracleWithConversions) {
  for (uint32_t seed : {11u, 12u, 13u}) RunOracle(seed, 6000, /*long_values=*/true);
}

TEST_F(HashType, OracleHashtableOnly) {
  SettingsGuard g;
  GetSettings().hash_max_listpack_entries = 0;  // converts at the first field
  RunOracle(21, 6000, false);
}

TEST_F(HashType, ConvertsAtEntriesBoundary) {
  SettingsGuard g;
  GetSettings().hash_max_listpack_entries = 8;
  Object* o = CreateHash();
  for (int i = 0; i < 8; i++) HashSet(o, "f" + std::to_string(i), "v");
  EXPECT_EQ(o->GetEncoding(), Encoding::kListpack);
  HashSet(o, "f0", "updated");  // an update does not add a field
  EXPECT_EQ(o->GetEncoding(), Encoding::kListpack);
  HashSet(o, "f8", "v");
  EXPECT_EQ(o->GetEncoding(), Encoding::kHashtable);
  // Never back, even when it shrinks.
  for (int i = 0; i < 8; i++) HashDelete(o, "f" + std::to_string(i));
  EXPECT_EQ(o->GetEncoding(), Encoding::kHashtable);
  EXPECT_EQ(HashLength(o), 1u);
  EXPECT_TRUE(HashVerify(o));
  DecrRef(o);
}

TEST_F(HashType, ConvertsAtValueBoundary) {
  SettingsGuard g;
  GetSettings().hash_max_listpack_value = 10;
  for (bool in_field : {false, true}) {
    Object* o = CreateHash();
    std::string at_limit(10, 'a'), over(11, 'b');
    HashSet(o, in_field ? at_limit : "f", in_field ? "v" : at_limit);
    EXPECT_EQ(o->GetEncoding(), Encoding::kListpack);
    HashSet(o, in_field ? over : "g", in_field ? "v" : over);
    EXPECT_EQ(o->GetEncoding(), Encoding::kHashtable);
    EXPECT_EQ(HashLength(o), 2u);
    EXPECT_TRUE(HashVerify(o));
    DecrRef(o);
  }
  // HashTryConversion looks at all arguments before any is written.
  Object* o = CreateHash();
  HashSet(o, "f", "v");
  std::string_view args[] = {"a", "1", "b", std::string_view("12345678901")};
  HashTryConversion(o, args, 4);
  EXPECT_EQ(o->GetEncoding(), Encoding::kHashtable);
  EXPECT_EQ(Get(o, "f"), "v");
  DecrRef(o);
}

TEST_F(HashType, IntegersRoundTripThroughListpack) {
  Object* o = CreateHash();
  HashSet(o, "12", "-9223372036854775808");
  HashSet(o, "007", "+5");  // not canonical: stays a string
  EXPECT_EQ(Get(o, "12"), "-9223372036854775808");
  EXPECT_EQ(Get(o, "007"), "+5");
  int64_t r;
  EXPECT_EQ(HashIncrBy(o, "12", -1, &r), HashIncrStatus::kOverflow);
  EXPECT_EQ(HashIncrBy(o, "007", 1, &r), HashIncrStatus::kNotInteger);
  EXPECT_EQ(Get(o, "12"), "-9223372036854775808");  // unchanged after errors
  EXPECT_EQ(HashIncrBy(o, "12", 8, &r), HashIncrStatus::kOk);
  EXPECT_EQ(r, INT64_MIN + 8);
  std::string text;
  EXPECT_EQ(HashIncrByFloat(o, "fl", 10.5L, &text), HashIncrStatus::kOk);
  EXPECT_EQ(text, "10.5");
  EXPECT_EQ(HashIncrByFloat(o, "fl", 0.1L, &text), HashIncrStatus::kOk);
  EXPECT_EQ(text, "10.6");
  EXPECT_EQ(HashIncrByFloat(o, "007", 1, &text), HashIncrStatus::kOk);  // "+5" parses as a float
  EXPECT_EQ(text, "6");
  HashSet(o, "s", "abc");
  EXPECT_EQ(HashIncrByFloat(o, "s", 1, &text), HashIncrStatus::kNotFloat);
  HashSet(o, "big", "1e4932");
  EXPECT_EQ(HashIncrByFloat(o, "big", 1e4932L, &text), HashIncrStatus::kNanOrInf);
  EXPECT_EQ(Get(o, "big"), "1e4932");
  DecrRef(o);
}

void CheckRandom(Object* o, const std::map<std::string, std::string>& all) {
  // Single field.
  for (int i = 0; i < 50; i++) {
    HashRandomField(o, [&](std::string_view f, std::string_view v) {
      auto it = all.find(std::string(f));
      ASSERT_NE(it, all.end());
      EXPECT_EQ(it->second, v);
    });
  }
  const size_t n = all.size();
  for (size_t count : {size_t{1}, size_t{2}, n / 4, n / 3 + 1, n - 1, n, n + 5}) {
    if (count == 0) continue;
    for (bool unique : {true, false}) {
      std::vector<std::string> got;
      HashRandomFields(o, count, unique, [&](std::string_view f, std::string_view v) {
        auto it = all.find(std::string(f));
        ASSERT_NE(it, all.end()) << f;
        EXPECT_EQ(it->second, v);
        got.emplace_back(f);
      });
      if (unique) {
        EXPECT_EQ(got.size(), std::min(count, n));
        EXPECT_EQ(std::set<std::string>(got.begin(), got.end()).size(), got.size()) << "repeats in unique mode";
      } else {
        EXPECT_EQ(got.size(), count);
      }
    }
  }
  // Repeats mode over many draws reaches every field of a small hash.
  std::set<std::string> seen;
  HashRandomFields(o, 200 * n, false, [&](std::string_view f, std::string_view) { seen.emplace(f); });
  EXPECT_EQ(seen.size(), n);
}

TEST_F(HashType, RandomFieldsBothEncodings) {
  SettingsGuard g;
  for (size_t entries : {size_t{512}, size_t{0}}) {
    GetSettings().hash_max_listpack_entries = entries;
    Object* o = CreateHash();
    std::map<std::string, std::string> all;
    for (int i = 0; i < 30; i++) {
      std::string f = "field" + std::to_string(i), v = std::to_string(i * 7);
      HashSet(o, f, v);
      all[f] = v;
    }
    EXPECT_EQ(o->GetEncoding(), entries ? Encoding::kListpack : Encoding::kHashtable);
    CheckRandom(o, all);
    DecrRef(o);
  }
}

TEST_F(HashType, DupIsDeepAndEqual) {
  SettingsGuard g;
  for (size_t entries : {size_t{512}, size_t{0}}) {
    GetSettings().hash_max_listpack_entries = entries;
    Object* o = CreateHash();
    for (int i = 0; i < 40; i++) HashSet(o, "k" + std::to_string(i), std::string(i * 3, 'z'));
    Object* c = Dup(o);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->GetEncoding(), o->GetEncoding());
    EXPECT_EQ(Contents(c), Contents(o));
    HashSet(o, "k1", "changed");
    EXPECT_EQ(Get(c, "k1"), "zzz");
    EXPECT_TRUE(HashVerify(c));
    DecrRef(o);
    DecrRef(c);
  }
}

// Conversion moves the payloads to wherever placement puts new allocations:
// a listpack of 20 x 100-byte values sits on NVM as one blob; after the
// conversion each 100-byte value is its own NVM sds, the short fields are
// DRAM sds, and the dict is DRAM. MEMORY USAGE reports exactly that split.
TEST_F(HashType, ConversionMovesPayloadsByPlacement) {
  SettingsGuard g;
  GetSettings().hash_max_listpack_value = 1000;  // keep 100-byte values in the listpack
  alloc::PlacementConfig pc;
  pc.policy = alloc::Policy::kStatic;
  pc.nvm_min_size = 64;
  alloc::SetPlacement(pc);
  Object* o = CreateHash();
  // Fields of equal length ("field:10".."field:29"), so a sample of entries
  // is exactly representative whatever the allocator's size classes.
  for (int i = 10; i < 30; i++) HashSet(o, "field:" + std::to_string(i), std::string(100, 'a' + i % 26));
  ASSERT_EQ(o->GetEncoding(), Encoding::kListpack);
  EXPECT_TRUE(alloc::InNvmRange(o->ptr)) << "a 2 KiB listpack is a payload above the threshold";
  TierBytes before = MemoryUsage(o, 0);
  EXPECT_GT(before.nvm, 2000u);
  EXPECT_EQ(before.dram, alloc::UsableSize(o));  // only the header

  HashConvertToHashtable(o);
  ASSERT_EQ(o->GetEncoding(), Encoding::kHashtable);
  EXPECT_FALSE(alloc::InNvmRange(o->ptr)) << "the dict is metadata";
  size_t nvm_values = 0, dram_fields = 0;
  {
    HashIterator it(o);
    while (it.Next()) {
      nvm_values += alloc::InNvmRange(it.Value().data()) ? 1 : 0;
      dram_fields += alloc::InNvmRange(it.Field().data()) ? 0 : 1;
    }
  }
  EXPECT_EQ(nvm_values, 20u);
  EXPECT_EQ(dram_fields, 20u);
  TierBytes after = MemoryUsage(o, 0);
  EXPECT_GE(after.nvm, 20u * 100);
  EXPECT_GT(after.dram, before.dram);
  // Sampling estimates the same totals for uniform entries.
  TierBytes sampled = MemoryUsage(o, 5);
  EXPECT_EQ(sampled.dram, after.dram);
  EXPECT_EQ(sampled.nvm, after.nvm);

  // Under dram-only, a conversion puts nothing on NVM.
  pc.policy = alloc::Policy::kDramOnly;
  alloc::SetPlacement(pc);
  Object* d = CreateHash();
  for (int i = 0; i < 20; i++) HashSet(d, "field:" + std::to_string(i), std::string(100, 'b'));
  EXPECT_FALSE(alloc::InNvmRange(d->ptr));
  HashConvertToHashtable(d);
  EXPECT_EQ(MemoryUsage(d, 0).nvm, 0u);
  DecrRef(d);
  DecrRef(o);
  pc.policy = alloc::Policy::kStatic;
  alloc::SetPlacement(pc);
}

}  // namespace
}  // namespace object
