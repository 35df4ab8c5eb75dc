// Inputs the fuzz targets of tests/fuzz (restore, rdb) found, minimized,
// kept here so that `make test` checks them too. Each test names the fuzz
// target, what the input is and what was wrong; the fix is in the file
// named.
#include <string>

#include "ds/listpack.h"
#include "gtest/gtest.h"
#include "object/object.h"
#include "object/zset_type.h"
#include "persist/dump.h"
#include "persist/persist_test_util.h"

namespace persist {
namespace {

class FuzzRegression : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitAllocatorAndTypes(); }
};

// restore_fuzz: a zset ziplist (RDB type 12) whose pairs are not in score
// order, (a 1) (b 2.5) (c -3). It loaded as a listpack zset failing
// ZsetVerify; ZRANGEBYSCORE and ZRANK then answer wrongly. Fixed in
// persist/zset_rdb.cc (ValidZsetListpack checks the order, for type 17
// listpacks too).
TEST_F(FuzzRegression, UnsortedZsetZiplistIsRefused) {
  const std::string unsorted(
      "\x0c\x1e\x1e\x00\x00\x00\x1a\x00\x00\x00\x06\x00\x00\x01" "a" "\x03\xf2\x02\x01" "b" "\x03\x03" "2.5"
      "\x05\x01" "c" "\x03\xfe\xfd\xff",
      32);
  auto r = LoadDumpPayload(DumpPayload(unsorted));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), common::Code::kCorruption);

  // The same rule for a listpack (type 17): score order, then member bytes.
  auto listpack_zset = [](std::initializer_list<std::string_view> entries) {
    unsigned char* lp = ds::LpNew(0);
    for (std::string_view e : entries) lp = ds::LpAppend(lp, e);
    std::string body("\x11", 1);
    RdbWriteString(&body, std::string_view(reinterpret_cast<char*>(lp), ds::LpBytes(lp)), false);
    ds::LpFree(lp);
    return DumpPayload(body);
  };
  for (auto entries : {std::initializer_list<std::string_view>{"a", "2", "b", "1"},
                       std::initializer_list<std::string_view>{"b", "1", "a", "1"}}) {
    auto bad = LoadDumpPayload(listpack_zset(entries));
    EXPECT_EQ(bad.status().code(), common::Code::kCorruption);
  }
  auto good = LoadDumpPayload(listpack_zset({"a", "-1", "a2", "-1", "b", "0", "c", "inf"}));
  ASSERT_TRUE(good.ok()) << good.status().message();
  EXPECT_TRUE(object::ZsetVerify(*good));
  object::DecrRef(*good);
}

}  // namespace
}  // namespace persist
