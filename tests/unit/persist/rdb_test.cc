// RDB files in memory: round trips of string datasets with TTLs across dbs,
// and every truncation / random corruption rejected with an offset, never a
// crash (ASan runs this too).
#include "persist/rdb.h"

#include <sys/mman.h>
#include <unistd.h>

#include <map>
#include <random>
#include <string>

#include "alloc/zmalloc.h"
#include "gtest/gtest.h"
#include "object/object.h"

namespace persist {
namespace {

class Env : public ::testing::Environment {
 public:
  void SetUp() override {
    alloc::Options o;
    o.mode = alloc::Mode::kLogical;
    ASSERT_TRUE(alloc::Init(o).ok());
    // Corrupted inputs may decode into any type, which must be freeable.
    object::InitTypes();
  }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new Env);

struct Dataset {
  std::vector<std::unique_ptr<db::Db>> owned;
  std::vector<db::Db*> dbs;
  explicit Dataset(int n) {
    for (int i = 0; i < n; i++) {
      owned.push_back(std::make_unique<db::Db>(i));
      dbs.push_back(owned.back().get());
    }
  }
};

using Oracle = std::map<std::pair<int, std::string>, std::pair<std::string, int64_t>>;

Oracle Fill(Dataset* d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Oracle o;
  for (int i = 0; i < 500; i++) {
    int db = static_cast<int>(rng() % d->dbs.size());
    std::string key = "k" + std::to_string(rng() % 1000);
    std::string val;
    switch (rng() % 4) {
      case 0: val = std::to_string(static_cast<int64_t>(rng()) >> (rng() % 64)); break;
      case 1: val = std::string(rng() % 200, 'a'); break;  // compressible
      case 2: for (int j = 0, n = static_cast<int>(rng() % 50); j < n; j++) val.push_back(static_cast<char>(rng())); break;
      default: val = "007"; break;
    }
    int64_t ttl = rng() % 3 == 0 ? static_cast<int64_t>(4000000000000 + rng() % 1000000) : -1;
    d->dbs[db]->SetKey(key, object::CreateStringEncoded(val), false);
    if (ttl != -1) d->dbs[db]->SetExpire(key, ttl);
    o[{db, key}] = {val, ttl};
  }
  return o;
}

Oracle Read(Dataset* d) {
  Oracle o;
  for (db::Db* db : d->dbs) {
    ds::Dict::Iterator it = db->dict().MakeIterator(true);
    while (ds::DictEntry* de = it.Next()) {
      ds::sds k = db::EntryKeySds(de);
      std::string key(k, ds::SdsLen(k));
      char buf[32];
      o[{db->id(), key}] = {std::string(object::StringView(db::EntryValue(de), buf)),
                            db->GetExpire(key)};
    }
  }
  return o;
}

std::string SaveToString(Dataset* d, const RdbSaveOptions& opts) {
  int fd = memfd_create("rdb", 0);
  EXPECT_GE(fd, 0);
  auto r = RdbSaveToFd(fd, d->dbs, opts);
  EXPECT_TRUE(r.ok()) << r.status().message();
  std::string out(static_cast<size_t>(lseek(fd, 0, SEEK_END)), '\0');
  EXPECT_EQ(pread(fd, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
  close(fd);
  return out;
}

TEST(Rdb, RoundTripWithOptions) {
  for (bool compress : {true, false}) {
    for (bool checksum : {true, false}) {
      Dataset src(4);
      Oracle want = Fill(&src, 5);
      RdbSaveOptions opts;
      opts.compress = compress;
      opts.checksum = checksum;
      opts.ctime = 1700000000;
      std::string file = SaveToString(&src, opts);
      EXPECT_EQ(file.substr(0, 9), "REDIS0010");
      Dataset dst(4);
      RdbLoadOptions lo;
      lo.now_ms = 1;
      RdbLoadStats st;
      common::Status s = RdbLoad(file, dst.dbs, lo, &st);
      ASSERT_TRUE(s.ok()) << s.message();
      EXPECT_EQ(st.end, file.size());
      EXPECT_EQ(st.keys_loaded, want.size());
      EXPECT_EQ(st.redis_ver, "7.0.15");
      EXPECT_EQ(st.ctime, 1700000000);
      EXPECT_EQ(st.checksum_skipped, !checksum);
      EXPECT_EQ(Read(&dst), want);
    }
  }
}

TEST(Rdb, ExpiredKeysDroppedOnlyWhenAsked) {
  Dataset src(1);
  src.dbs[0]->SetKey("old", object::CreateString("v"), false);
  src.dbs[0]->SetExpire("old", 1000);
  src.dbs[0]->SetKey("new", object::CreateString("v"), false);
  std::string file = SaveToString(&src, RdbSaveOptions());
  for (bool drop : {true, false}) {
    Dataset dst(1);
    RdbLoadOptions lo;
    lo.now_ms = 2000;
    lo.drop_expired = drop;
    RdbLoadStats st;
    ASSERT_TRUE(RdbLoad(file, dst.dbs, lo, &st).ok());
    EXPECT_EQ(dst.dbs[0]->size(), drop ? 1u : 2u);
    EXPECT_EQ(st.keys_expired, drop ? 1u : 0u);
  }
}

TEST(Rdb, DuplicateKeysAndTooManyDbsAreErrors) {
  Dataset src(3);
  src.dbs[2]->SetKey("k", object::CreateString("v"), false);
  std::string file = SaveToString(&src, RdbSaveOptions());
  Dataset small(2);
  RdbLoadStats st;
  common::Status s = RdbLoad(file, small.dbs, RdbLoadOptions(), &st);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("databases"), std::string::npos) << s.message();
  Dataset dst(3);
  ASSERT_TRUE(RdbLoad(file, dst.dbs, RdbLoadOptions(), &st).ok());
  s = RdbLoad(file, dst.dbs, RdbLoadOptions(), &st);  // k is already there
  EXPECT_NE(s.message().find("Duplicated key"), std::string::npos) << s.message();
  RdbLoadOptions merge;
  merge.allow_dup = true;
  EXPECT_TRUE(RdbLoad(file, dst.dbs, merge, &st).ok());
}

TEST(Rdb, TruncationsAndCorruptionNeverCrash) {
  Dataset src(2);
  Fill(&src, 9);
  std::string file = SaveToString(&src, RdbSaveOptions());
  for (size_t cut = 0; cut < file.size(); cut += 1 + cut / 50) {
    Dataset dst(2);
    RdbLoadStats st;
    common::Status s = RdbLoad(std::string_view(file).substr(0, cut), dst.dbs, RdbLoadOptions(), &st);
    ASSERT_FALSE(s.ok()) << cut;
    EXPECT_NE(s.message().find("offset"), std::string::npos) << s.message();
  }
  std::mt19937 rng(1);
  for (int i = 0; i < 300; i++) {
    std::string bad = file;
    bad[rng() % bad.size()] ^= static_cast<char>(1 << (rng() % 8));
    Dataset dst(2);
    RdbLoadStats st;
    EXPECT_FALSE(RdbLoad(bad, dst.dbs, RdbLoadOptions(), &st).ok());  // the CRC catches every flip
    RdbLoadOptions nocheck;
    nocheck.verify_checksum = false;
    Dataset dst2(2);
    (void)RdbLoad(bad, dst2.dbs, nocheck, &st);  // may load; must not crash
  }
}

}  // namespace
}  // namespace persist
