// RDB encodings of zsets (persist/zset_rdb.cc): ZSET_2 round trips in
// skiplist order from the tail, the old text-score ZSET type, listpack
// validation (duplicates, bad scores, empty), and truncated or garbage input
// giving errors, never crashes. Lives in unit_server because that binary
// links every library, persist included.
#include <cmath>
#include <cstring>
#include <string>

#include "alloc/zmalloc.h"
#include "ds/listpack.h"
#include "gtest/gtest.h"
#include "object/object.h"
#include "object/zset_type.h"
#include "persist/dump.h"
#include "persist/type_rdb.h"

namespace persist {
namespace {

using object::Object;

class ZsetRdbTest : public ::testing::Test {
 protected:
  void SetUp() override { object::InitTypes(); }
};

Object* MakeZset(bool skiplist) {
  Object* o = skiplist ? object::ZsetCreateSkiplist() : object::ZsetCreateListpack();
  int out;
  object::ZsetAdd(o, 1, "a", object::kZaddInNone, &out, nullptr);
  object::ZsetAdd(o, 0.1, "b", object::kZaddInNone, &out, nullptr);
  object::ZsetAdd(o, INFINITY, "c", object::kZaddInNone, &out, nullptr);
  object::ZsetAdd(o, -5, "12", object::kZaddInNone, &out, nullptr);
  return o;
}

std::string Contents(const Object* o) {
  std::string s;
  auto f = [&](std::string_view m, double score) { s += std::string(m) + "=" + std::to_string(score) + ";"; };
  object::ZsetForEach(o, f);
  return s;
}

common::Result<Object*> Read(RdbType t, const std::string& bytes) {
  RdbReader in(bytes);
  return RdbReadZset(t, &in);
}

TEST_F(ZsetRdbTest, RoundTripsBothEncodings) {
  for (bool skiplist : {false, true}) {
    Object* o = MakeZset(skiplist);
    auto type = RdbZsetType(o);
    ASSERT_TRUE(type.ok());
    EXPECT_EQ(*type, skiplist ? RdbType::kZset2 : RdbType::kZsetListpack);
    std::string bytes;
    ASSERT_TRUE(RdbWriteZset(&bytes, o, true).ok());
    auto back = Read(*type, bytes);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(Contents(*back), Contents(o));
    // Four short members fit a listpack: a loaded ZSET_2 converts back.
    EXPECT_EQ((*back)->GetEncoding(), object::Encoding::kListpack);
    EXPECT_TRUE(object::ZsetVerify(*back));
    object::DecrRef(*back);
    // Every truncation is an error, not a crash.
    for (size_t n = 0; n < bytes.size(); n++) {
      auto r = Read(*type, bytes.substr(0, n));
      if (r.ok()) object::DecrRef(*r);
      EXPECT_FALSE(r.ok()) << n;
    }
    object::DecrRef(o);
  }
}

TEST_F(ZsetRdbTest, Zset2IsWrittenFromTheTail) {
  Object* o = MakeZset(true);
  std::string bytes;
  ASSERT_TRUE(RdbWriteZset(&bytes, o, false).ok());
  // count 4, then "c" (inf) first: len byte 1, 'c', 8-byte double.
  ASSERT_GE(bytes.size(), 11u);
  EXPECT_EQ(bytes[0], 4);
  EXPECT_EQ(bytes.substr(1, 2), std::string("\x01" "c", 2));
  double d;
  memcpy(&d, bytes.data() + 3, 8);
  EXPECT_EQ(d, INFINITY);
  object::DecrRef(o);
}

TEST_F(ZsetRdbTest, TextScoresAndRefusals) {
  // RDB_TYPE_ZSET: 2 elements, "a" 1.5 and "b" +inf.
  std::string ok = std::string("\x02\x01" "a\x03" "1.5\x01" "b\xfe", 10);
  auto r = Read(RdbType::kZset, ok);
  ASSERT_TRUE(r.ok());
  double s;
  ASSERT_TRUE(object::ZsetScore(*r, "a", &s));
  EXPECT_EQ(s, 1.5);
  ASSERT_TRUE(object::ZsetScore(*r, "b", &s));
  EXPECT_EQ(s, INFINITY);
  object::DecrRef(*r);
  // NaN (253) is refused, as are duplicates and empty zsets.
  EXPECT_FALSE(Read(RdbType::kZset, std::string("\x01\x01" "a\xfd", 4)).ok());
  EXPECT_FALSE(Read(RdbType::kZset, std::string("\x02\x01" "a\xfe\x01" "a\xff", 7)).ok());
  EXPECT_FALSE(Read(RdbType::kZset2, std::string("\x00", 1)).ok());
  // An old ziplist zset is loaded (persist/ziplist_test.cc), a bad one is corruption.
  EXPECT_EQ(Read(RdbType::kZsetZiplist, "x").status().code(), common::Code::kCorruption);
}

TEST_F(ZsetRdbTest, ListpackContentIsValidated) {
  auto listpack_of = [](std::initializer_list<std::string_view> entries) {
    unsigned char* lp = ds::LpNew(0);
    for (auto e : entries) lp = ds::LpAppend(lp, e);
    std::string blob(reinterpret_cast<char*>(lp), ds::LpBytes(lp));
    ds::LpFree(lp);
    std::string out;
    RdbWriteString(&out, blob, false);
    return out;
  };
  auto good = Read(RdbType::kZsetListpack, listpack_of({"a", "1", "b", "2.5"}));
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(object::ZsetLength(*good), 2u);
  object::DecrRef(*good);
  EXPECT_FALSE(Read(RdbType::kZsetListpack, listpack_of({"a", "1", "a", "2"})).ok());    // duplicate
  EXPECT_FALSE(Read(RdbType::kZsetListpack, listpack_of({"a", "x1"})).ok());             // bad score
  EXPECT_FALSE(Read(RdbType::kZsetListpack, listpack_of({"a", "nan"})).ok());            // NaN score
  EXPECT_FALSE(Read(RdbType::kZsetListpack, listpack_of({"a", "1", "b"})).ok());         // odd count
  EXPECT_FALSE(Read(RdbType::kZsetListpack, listpack_of({})).ok());                      // empty
  std::string garbage;
  RdbWriteString(&garbage, std::string(40, '\x07'), false);
  EXPECT_FALSE(Read(RdbType::kZsetListpack, garbage).ok());
}

}  // namespace
}  // namespace persist
