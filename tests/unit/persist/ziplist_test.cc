// Ziplist / zipmap -> listpack conversion: hand-built blobs of every
// encoding, the golden example of Redis's ziplist.c, and malformed input.
#include "persist/ziplist.h"

#include <random>
#include <string>
#include <variant>
#include <vector>

#include "alloc/zmalloc.h"
#include "ds/listpack.h"
#include "object/hash_type.h"
#include "object/zset_type.h"
#include "persist/dump.h"
#include "gtest/gtest.h"

namespace persist {
namespace {

// The allocator (logical mode) and the type registry are set up once for
// the whole unit_persist binary by rdb_test.cc's environment.

using Elem = std::variant<int64_t, std::string>;

void PutLe(std::string* out, uint64_t v, int n) {
  for (int i = 0; i < n; i++) out->push_back(static_cast<char>(v >> (8 * i)));
}

// Encodes one entry (without prevlen) choosing the encoding the way
// Redis's ziplist did, or forcing a string encoding width.
std::string EncodeEntry(const Elem& e) {
  std::string out;
  if (std::holds_alternative<int64_t>(e)) {
    int64_t v = std::get<int64_t>(e);
    if (v >= 0 && v <= 12) {
      out.push_back(static_cast<char>(0xF1 + v));
    } else if (v >= INT8_MIN && v <= INT8_MAX) {
      out.push_back(static_cast<char>(0xFE));
      PutLe(&out, static_cast<uint64_t>(v), 1);
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
      out.push_back(static_cast<char>(0xC0));
      PutLe(&out, static_cast<uint64_t>(v), 2);
    } else if (v >= -(1 << 23) && v < (1 << 23)) {
      out.push_back(static_cast<char>(0xF0));
      PutLe(&out, static_cast<uint64_t>(v), 3);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      out.push_back(static_cast<char>(0xD0));
      PutLe(&out, static_cast<uint64_t>(v), 4);
    } else {
      out.push_back(static_cast<char>(0xE0));
      PutLe(&out, static_cast<uint64_t>(v), 8);
    }
    return out;
  }
  const std::string& s = std::get<std::string>(e);
  if (s.size() < 64) {
    out.push_back(static_cast<char>(s.size()));
  } else if (s.size() < 16384) {
    out.push_back(static_cast<char>(0x40 | (s.size() >> 8)));
    out.push_back(static_cast<char>(s.size() & 0xFF));
  } else {
    out.push_back(static_cast<char>(0x80));
    for (int i = 3; i >= 0; i--) out.push_back(static_cast<char>(s.size() >> (8 * i)));
  }
  return out + s;
}

std::string BuildZiplist(const std::vector<Elem>& elems) {
  std::string body;
  size_t prev = 0, tail = 10;
  for (const Elem& e : elems) {
    std::string entry;
    if (prev < 254) {
      entry.push_back(static_cast<char>(prev));
    } else {
      entry.push_back(static_cast<char>(0xFE));
      PutLe(&entry, prev, 4);
    }
    entry += EncodeEntry(e);
    tail = 10 + body.size();
    body += entry;
    prev = entry.size();
  }
  std::string zl;
  PutLe(&zl, 10 + body.size() + 1, 4);
  PutLe(&zl, tail, 4);
  PutLe(&zl, elems.size() < 65535 ? elems.size() : 65535, 2);
  zl += body;
  zl.push_back(static_cast<char>(0xFF));
  return zl;
}

std::vector<std::string> ListpackStrings(unsigned char* lp) {
  std::vector<std::string> out;
  char buf[ds::kLpIntBufSize];
  for (unsigned char* p = ds::LpFirst(lp); p != nullptr; p = ds::LpNext(lp, p)) out.emplace_back(ds::LpGetView(p, buf));
  return out;
}

std::string AsString(const Elem& e) {
  return std::holds_alternative<int64_t>(e) ? std::to_string(std::get<int64_t>(e)) : std::get<std::string>(e);
}

TEST(Ziplist, GoldenExampleFromRedis) {
  // ziplist.c's example: a ziplist holding the integers 2 and 5.
  const unsigned char bytes[] = {0x0f, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x02,
                                 0x00, 0x00, 0xf3, 0x02, 0xf6, 0xff};
  auto lp = ZiplistToListpack(std::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
  ASSERT_TRUE(lp.ok()) << lp.status().message();
  EXPECT_EQ(ListpackStrings(*lp), (std::vector<std::string>{"2", "5"}));
  EXPECT_TRUE(ds::LpValidateIntegrity(*lp, ds::LpBytes(*lp), true));
  ds::LpFree(*lp);
}

TEST(Ziplist, EveryEncodingRoundTrips) {
  std::vector<Elem> elems = {int64_t{0},        int64_t{12},          int64_t{13},       int64_t{-1},
                             int64_t{-128},     int64_t{300},         int64_t{-30000},   int64_t{1 << 20},
                             int64_t{-(1 << 23)}, int64_t{1LL << 31}, int64_t{INT64_MIN}, int64_t{INT64_MAX},
                             std::string(""),   std::string("abc"),   std::string(63, 'x'), std::string(64, 'y'),
                             std::string(300, 'z'), std::string(16384, 'w'), std::string("123")};
  std::string zl = BuildZiplist(elems);
  auto lp = ZiplistToListpack(zl);
  ASSERT_TRUE(lp.ok()) << lp.status().message();
  std::vector<std::string> want;
  for (const Elem& e : elems) want.push_back(AsString(e));
  EXPECT_EQ(ListpackStrings(*lp), want);
  EXPECT_EQ(ds::LpLength(*lp), elems.size());
  EXPECT_TRUE(ds::LpValidateIntegrity(*lp, ds::LpBytes(*lp), true));
  ds::LpFree(*lp);
}

TEST(Ziplist, RandomAgainstOracle) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; round++) {
    std::vector<Elem> elems;
    size_t n = rng() % 40;
    for (size_t i = 0; i < n; i++) {
      if (rng() % 2) {
        elems.emplace_back(static_cast<int64_t>(rng()) >> (rng() % 64));
      } else {
        elems.emplace_back(std::string(rng() % 400, static_cast<char>('a' + rng() % 26)));
      }
    }
    auto lp = ZiplistToListpack(BuildZiplist(elems));
    ASSERT_TRUE(lp.ok()) << lp.status().message();
    std::vector<std::string> want;
    for (const Elem& e : elems) want.push_back(AsString(e));
    ASSERT_EQ(ListpackStrings(*lp), want);
    ds::LpFree(*lp);
  }
}

TEST(Ziplist, PairsMustBeDistinctAndEven) {
  auto ok = ZiplistToListpack(BuildZiplist({std::string("f1"), std::string("v"), std::string("f2"), int64_t{1}}), true);
  ASSERT_TRUE(ok.ok());
  ds::LpFree(*ok);
  EXPECT_FALSE(ZiplistToListpack(BuildZiplist({std::string("f1"), std::string("v"), std::string("f1"), int64_t{1}}), true).ok());
  EXPECT_FALSE(ZiplistToListpack(BuildZiplist({int64_t{5}, std::string("v"), std::string("5"), int64_t{1}}), true).ok());
  EXPECT_FALSE(ZiplistToListpack(BuildZiplist({std::string("f1")}), true).ok());
}

TEST(Ziplist, MalformedIsRefusedNeverRead) {
  std::string good = BuildZiplist({int64_t{7}, std::string(300, 'a'), std::string("b"), int64_t{1 << 30}});
  ASSERT_TRUE(ZiplistForEach(good, [](const ZlValue&) {}).ok());
  // Every truncation fails (zlbytes no longer matches).
  for (size_t cut = 0; cut < good.size(); cut++)
    EXPECT_FALSE(ZiplistForEach(good.substr(0, cut), [](const ZlValue&) {}).ok()) << cut;
  // Every single-byte change is caught or yields a consistent ziplist; it never
  // reads out of bounds (ASan checks the latter).
  std::mt19937 rng(3);
  int refused = 0;
  for (size_t i = 0; i < good.size(); i++) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ (1 + rng() % 255));
    size_t calls = 0;
    common::Status s = ZiplistForEach(bad, [&](const ZlValue&) { calls++; });
    if (!s.ok()) {
      refused++;
      EXPECT_EQ(calls, 0u);
    }
  }
  EXPECT_GE(refused, 10);  // every header and encoding byte; string contents may change freely
  // Specific inconsistencies.
  std::string bad = good;
  bad[8] = 9;  // zllen
  EXPECT_FALSE(ZiplistForEach(bad, [](const ZlValue&) {}).ok());
  bad = good;
  bad[4] = 11;  // zltail
  EXPECT_FALSE(ZiplistForEach(bad, [](const ZlValue&) {}).ok());
  bad = good;
  bad.back() = 0;  // no end marker
  EXPECT_FALSE(ZiplistForEach(bad, [](const ZlValue&) {}).ok());
}

std::string BuildZipmap(const std::vector<std::pair<std::string, std::string>>& kv, int free_bytes = 0) {
  std::string zm;
  zm.push_back(static_cast<char>(kv.size() < 254 ? kv.size() : 254));
  auto len = [&](size_t n) {
    if (n < 254) {
      zm.push_back(static_cast<char>(n));
    } else {
      zm.push_back(static_cast<char>(254));
      PutLe(&zm, n, 4);
    }
  };
  for (const auto& [k, v] : kv) {
    len(k.size());
    zm += k;
    len(v.size());
    zm.push_back(static_cast<char>(free_bytes));
    zm += v;
    zm += std::string(free_bytes, '\0');
  }
  zm.push_back(static_cast<char>(0xFF));
  return zm;
}

TEST(Zipmap, ConvertsToFieldValueListpack) {
  std::vector<std::pair<std::string, std::string>> kv = {{"a", "1"}, {"name", std::string(300, 'v')}, {"n", "42"}};
  for (int free_bytes : {0, 3}) {
    auto lp = ZipmapToListpack(BuildZipmap(kv, free_bytes));
    ASSERT_TRUE(lp.ok()) << lp.status().message();
    EXPECT_EQ(ListpackStrings(*lp),
              (std::vector<std::string>{"a", "1", "name", std::string(300, 'v'), "n", "42"}));
    ds::LpFree(*lp);
  }
}

TEST(Zipmap, MalformedIsRefused) {
  std::string good = BuildZipmap({{"a", "1"}, {"bb", "22"}});
  for (size_t cut = 0; cut < good.size(); cut++) EXPECT_FALSE(ZipmapToListpack(good.substr(0, cut)).ok()) << cut;
  EXPECT_FALSE(ZipmapToListpack(BuildZipmap({{"a", "1"}, {"a", "2"}})).ok());  // duplicate field
  std::string bad = good;
  bad[0] = 5;  // wrong count
  EXPECT_FALSE(ZipmapToListpack(bad).ok());
  EXPECT_FALSE(ZipmapToListpack(good + "x").ok());  // bytes after the end
}

// RDB values of Redis 6.2 and older load through the type loaders: the
// blob is converted to a listpack and then treated as a type 16/17 value.
object::Object* LoadOldValue(RdbType type, const std::string& blob) {
  std::string rdb;
  RdbWriteString(&rdb, blob, /*compress=*/false);
  RdbReader in(rdb);
  auto o = RdbReadObject(type, &in);
  EXPECT_TRUE(o.ok()) << o.status().message();
  return o.ok() ? *o : nullptr;
}

TEST(OldRdbTypes, HashZiplistAndZipmapLoadAsHashes) {
  object::Object* h = LoadOldValue(RdbType::kHashZiplist,
                                   BuildZiplist({std::string("f1"), int64_t{7}, std::string("f2"), std::string("v")}));
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->GetType(), object::Type::kHash);
  EXPECT_EQ(h->GetEncoding(), object::Encoding::kListpack);
  char buf[32];
  std::string_view v;
  ASSERT_TRUE(object::HashGet(h, "f1", buf, &v));
  EXPECT_EQ(v, "7");
  object::DecrRef(h);

  object::Object* zm = LoadOldValue(RdbType::kHashZipmap, BuildZipmap({{"a", "1"}, {"b", "two"}}));
  ASSERT_NE(zm, nullptr);
  ASSERT_TRUE(object::HashGet(zm, "b", buf, &v));
  EXPECT_EQ(v, "two");
  object::DecrRef(zm);

  // Duplicate fields are corruption, not a crash.
  std::string rdb;
  RdbWriteString(&rdb, BuildZiplist({std::string("f"), int64_t{1}, std::string("f"), int64_t{2}}), false);
  RdbReader in(rdb);
  EXPECT_FALSE(RdbReadObject(RdbType::kHashZiplist, &in).ok());
}

TEST(OldRdbTypes, ZsetZiplistLoadsAsZset) {
  object::Object* z = LoadOldValue(
      RdbType::kZsetZiplist, BuildZiplist({std::string("m1"), std::string("1.5"), std::string("m2"), int64_t{3}}));
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->GetType(), object::Type::kZset);
  double score = 0;
  ASSERT_TRUE(object::ZsetScore(z, "m1", &score));
  EXPECT_EQ(score, 1.5);
  ASSERT_TRUE(object::ZsetScore(z, "m2", &score));
  EXPECT_EQ(score, 3);
  object::DecrRef(z);
}

}  // namespace
}  // namespace persist
