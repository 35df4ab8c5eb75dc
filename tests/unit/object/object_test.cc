// String objects: the encodings Redis reports, shared integers, tiers.
#include "object/object.h"

#include <string>

#include "alloc/zmalloc.h"
#include "gtest/gtest.h"

namespace object {
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

std::string View(const Object* o) {
  char buf[24];
  return std::string(StringView(o, buf));
}

TEST(Object, EncodingsLikeRedis) {
  struct Case {
    std::string in;
    Encoding enc;
  } cases[] = {
      {"0", Encoding::kInt},
      {"12345", Encoding::kInt},
      {"-9223372036854775808", Encoding::kInt},
      {"9223372036854775808", Encoding::kEmbstr},  // does not fit int64
      {"007", Encoding::kEmbstr},                 // not canonical
      {"+1", Encoding::kEmbstr},
      {" 1", Encoding::kEmbstr},
      {"hello", Encoding::kEmbstr},
      {std::string(44, 'x'), Encoding::kEmbstr},
      {std::string(45, 'x'), Encoding::kRaw},
      {std::string(5000, 'y'), Encoding::kRaw},
  };
  for (auto& c : cases) {
    Object* o = CreateStringEncoded(c.in);
    EXPECT_EQ(o->GetEncoding(), c.enc) << c.in;
    EXPECT_EQ(View(o), c.in);
    EXPECT_EQ(StringLen(o), c.in.size());
    DecrRef(o);
  }
}

TEST(Object, SharedIntegers) {
  Object* a = CreateStringEncoded("42");
  Object* b = CreateStringEncoded("42");
  EXPECT_EQ(a, b);
  EXPECT_TRUE(IsShared(a));
  DecrRef(a);
  DecrRef(b);
  Object* big = CreateStringEncoded("10000");
  EXPECT_FALSE(IsShared(big));
  DecrRef(big);
  GetSettings().shared_integers = false;
  Object* c = CreateStringEncoded("42");
  EXPECT_FALSE(IsShared(c));
  DecrRef(c);
  GetSettings().shared_integers = true;
}

TEST(Object, RawPayloadOnNvmHeaderInDram) {
  Object* o = CreateStringEncoded(std::string(1024, 'v'));
  EXPECT_FALSE(alloc::InNvmRange(o));
  EXPECT_TRUE(alloc::InNvmRange(ds::SdsAllocPtr(static_cast<ds::sds>(o->ptr))));
  TierBytes tb = MemoryUsage(o, 0);
  EXPECT_GE(tb.nvm, 1024u);
  EXPECT_LE(tb.dram, 32u);
  DecrRef(o);
  Object* e = CreateStringEncoded("short");
  EXPECT_FALSE(alloc::InNvmRange(e));
  EXPECT_EQ(MemoryUsage(e, 0).nvm, 0u);
  DecrRef(e);
}

TEST(Object, EmbstrLimitIsConfigurable) {
  GetSettings().embstr_max = 0;
  Object* o = CreateStringEncoded("abc");
  EXPECT_EQ(o->GetEncoding(), Encoding::kRaw);
  DecrRef(o);
  GetSettings().embstr_max = kEmbstrMaxLimit;
}

TEST(Object, MutableRawStringConvertsAndKeepsBytes) {
  for (std::string in : {std::string("12"), std::string("short"), std::string(100, 'r')}) {
    Object* o = CreateStringEncoded(in);
    if (IsShared(o)) {
      Object* d = DupString(o);
      DecrRef(o);
      o = d;
    }
    ds::sds& s = MutableRawString(o);
    s = ds::SdsCat(s, "++");
    EXPECT_EQ(o->GetEncoding(), Encoding::kRaw);
    EXPECT_EQ(View(o), in + "++");
    DecrRef(o);
  }
}

TEST(Object, GetInt64) {
  int64_t v = 0;
  Object* o = CreateStringEncoded("-17");
  EXPECT_TRUE(GetInt64(o, &v));
  EXPECT_EQ(v, -17);
  DecrRef(o);
  o = CreateStringEncoded("1.5");
  EXPECT_FALSE(GetInt64(o, &v));
  DecrRef(o);
}

TEST(Object, NoLeaks) {
  size_t dram0 = alloc::UsedMemory(alloc::Tier::kDram), nvm0 = alloc::UsedMemory(alloc::Tier::kNvm);
  for (int i = 0; i < 1000; i++) {
    Object* o = CreateStringEncoded(std::string(static_cast<size_t>(i), 'z'));
    DecrRef(o);
  }
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kDram), dram0);
  EXPECT_EQ(alloc::UsedMemory(alloc::Tier::kNvm), nvm0);
}

}  // namespace
}  // namespace object
