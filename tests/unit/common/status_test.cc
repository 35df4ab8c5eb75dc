#include "common/status.h"

#include "gtest/gtest.h"

namespace common {
namespace {

TEST(Status, OkAndErrors) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.code(), Code::kOk);
  EXPECT_EQ(ok.message(), "");
  Status e = Status::Corruption("bad magic at offset 9");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.code(), Code::kCorruption);
  Status copy = e;
  EXPECT_EQ(copy.message(), "bad magic at offset 9");
}

TEST(Result, ValueOrStatus) {
  Result<int> r = 42;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
  Result<int> bad = Status::InvalidArgument("nope");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "nope");
}

}  // namespace
}  // namespace common
