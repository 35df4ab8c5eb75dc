// RDB encodings of hashes: byte-identical to Redis 7.0's DUMP (golden
// payloads captured from Debian's redis-server 7.0.15), round trips of both
// encodings, conversion on load, and mutated input that must never crash.
#include <map>
#include <random>
#include <string>

#include "alloc/zmalloc.h"
#include "gtest/gtest.h"
#include "object/hash_type.h"
#include "persist/dump.h"
#include "persist/persist_test_util.h"

namespace persist {
namespace {

using object::Object;

class HashRdb : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitAllocatorAndTypes(); }
  void TearDown() override { object::GetSettings() = object::Settings(); }
};

std::map<std::string, std::string> Contents(const Object* o) {
  std::map<std::string, std::string> m;
  object::HashIterator it(o);
  while (it.Next()) m.emplace(it.Field(), it.Value());
  return m;
}

// redis-cli DUMP of HSET h2 f v (a listpack too short to compress).
constexpr char kRedisSmallBytes[] =
    "\x10\x0d\x0d\x00\x00\x00\x02\x00\x81\x66\x02\x81\x76\x02\xff\x0a\x00\x20\xf1\x3d\x44\x23\x54\x08\x9d";
const std::string kRedisSmall(kRedisSmallBytes, sizeof(kRedisSmallBytes) - 1);
// redis-cli DUMP of HSET h a <30 x> b 2 (an LZF-compressed listpack).
constexpr char kRedisLzfBytes[] =
    "\x10\xc3\x17\x2f\x0a\x2f\x00\x00\x00\x04\x00\x81\x61\x02\x9e\x78\xe0\x14\x00\x06\x1f\x81\x62\x02\x02"
    "\x01\xff\x0a\x00\xdf\x53\x69\x64\xb5\xf2\x96\x15";
const std::string kRedisLzf(kRedisLzfBytes, sizeof(kRedisLzfBytes) - 1);

TEST_F(HashRdb, GoldenPayloadsFromRedis) {
  common::Result<Object*> small = LoadDumpPayload(kRedisSmall);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(Contents(*small), (std::map<std::string, std::string>{{"f", "v"}}));
  // Ours is byte-identical.
  Object* mine = object::CreateHash();
  object::HashSet(mine, "f", "v");
  common::Result<std::string> dumped = CreateDumpPayload(mine);
  ASSERT_TRUE(dumped.ok());
  EXPECT_EQ(*dumped, kRedisSmall);
  object::DecrRef(mine);
  object::DecrRef(*small);

  common::Result<Object*> lzf = LoadDumpPayload(kRedisLzf);
  ASSERT_TRUE(lzf.ok());
  EXPECT_EQ((*lzf)->GetEncoding(), object::Encoding::kListpack);  // a long value alone does not convert
  EXPECT_EQ(Contents(*lzf), (std::map<std::string, std::string>{{"a", std::string(30, 'x')}, {"b", "2"}}));
  object::DecrRef(*lzf);
}

TEST_F(HashRdb, RoundTripsKeepContentAndEncoding) {
  for (size_t entries : {size_t{512}, size_t{3}}) {
    object::GetSettings().hash_max_listpack_entries = entries;
    Object* o = object::CreateHash();
    for (int i = 0; i < 10; i++) object::HashSet(o, "f" + std::to_string(i), i % 2 ? std::to_string(i * 1000) : "abc");
    for (bool compress : {false, true}) {
      common::Result<std::string> p = CreateDumpPayload(o, compress);
      ASSERT_TRUE(p.ok());
      EXPECT_EQ(static_cast<uint8_t>((*p)[0]), entries == 3 ? 4 : 16);
      common::Result<Object*> back = LoadDumpPayload(*p);
      ASSERT_TRUE(back.ok());
      EXPECT_EQ((*back)->GetEncoding(), o->GetEncoding());
      EXPECT_EQ(Contents(*back), Contents(o));
      EXPECT_TRUE(object::HashVerify(*back));
      object::DecrRef(*back);
    }
    object::DecrRef(o);
  }
}

TEST_F(HashRdb, LoadingConvertsAtTheThresholds) {
  Object* o = object::CreateHash();
  for (int i = 0; i < 6; i++) object::HashSet(o, "f" + std::to_string(i), std::string(20, 'v'));
  std::string lp_payload = *CreateDumpPayload(o);
  object::HashConvertToHashtable(o);
  std::string pairs_payload = *CreateDumpPayload(o);
  object::DecrRef(o);

  object::GetSettings().hash_max_listpack_entries = 5;
  for (const std::string* p : {&lp_payload, &pairs_payload}) {
    Object* back = *LoadDumpPayload(*p);
    EXPECT_EQ(back->GetEncoding(), object::Encoding::kHashtable);
    object::DecrRef(back);
  }
  object::GetSettings().hash_max_listpack_entries = 128;
  object::GetSettings().hash_max_listpack_value = 10;
  Object* from_lp = *LoadDumpPayload(lp_payload);
  EXPECT_EQ(from_lp->GetEncoding(), object::Encoding::kListpack);  // as Redis 7.0.15
  Object* from_pairs = *LoadDumpPayload(pairs_payload);
  EXPECT_EQ(from_pairs->GetEncoding(), object::Encoding::kHashtable);  // a 20-byte value is too long
  object::DecrRef(from_lp);
  object::DecrRef(from_pairs);
}

// Random byte flips, insertions and truncations of valid encodings: the
// reader returns an error or a hash that satisfies its invariants, never
// crashes (ASan/UBSan run this too).
TEST_F(HashRdb, MutatedInputNeverCrashes) {
  std::mt19937 rng(4242);
  std::vector<std::string> seeds;
  for (size_t entries : {size_t{512}, size_t{2}}) {
    object::GetSettings().hash_max_listpack_entries = entries;
    Object* o = object::CreateHash();
    for (int i = 0; i < 5; i++) object::HashSet(o, "k" + std::to_string(i), i % 2 ? "12" : "value");
    std::string p = *CreateDumpPayload(o, /*compress=*/false);
    seeds.push_back(p.substr(0, p.size() - 10));  // type byte + value
    object::DecrRef(o);
  }
  object::GetSettings().hash_max_listpack_entries = 128;
  size_t loaded = 0;
  for (int iter = 0; iter < 20000; iter++) {
    std::string s = seeds[iter % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; e++) {
      size_t pos = 1 + rng() % (s.size() - 1);  // keep the type byte
      switch (rng() % 4) {
        case 0: s[pos] = static_cast<char>(rng()); break;
        case 1: s[pos] ^= static_cast<char>(1u << (rng() % 8)); break;
        case 2: s.insert(pos, 1, static_cast<char>(rng())); break;
        default: s.resize(pos); break;
      }
      if (s.size() < 2) break;
    }
    RdbReader in(std::string_view(s).substr(1));
    common::Result<Object*> r = RdbReadObject(static_cast<RdbType>(static_cast<uint8_t>(s[0])), &in);
    if (!r.ok()) continue;
    EXPECT_TRUE(object::HashVerify(*r)) << iter;
    loaded++;
    object::DecrRef(*r);
  }
  EXPECT_GT(loaded, 0u);  // some mutations (e.g. of value bytes) stay valid
}

}  // namespace
}  // namespace persist
