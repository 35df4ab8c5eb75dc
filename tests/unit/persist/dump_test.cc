// The RDB string reader under hostile lengths: an LZF string's stored
// length is checked against what its bytes really expand to before any
// memory is taken, RESTORE's bound on string length holds for every
// encoding, and a string too big to allocate is an OutOfMemory error.
#include <string>

#include "alloc/zmalloc.h"
#include "ds/sds.h"
#include "gtest/gtest.h"
#include "object/list_type.h"
#include "persist/dump.h"
#include "persist/persist_test_util.h"

namespace persist {
namespace {

using object::Object;

class DumpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitAllocatorAndTypes(); }
};

std::string Len(uint64_t n) {
  std::string out;
  RdbWriteLen(&out, n);
  return out;
}

// An LZF-encoded RDB string: the stream and the length it claims.
std::string LzfString(const std::string& stream, uint64_t claimed) {
  return "\xc3" + Len(stream.size()) + Len(claimed) + stream;
}

// A valid stream of n = 1 + 264k bytes of 'a': the format's 88x expansion.
std::string MaxExpansion(uint64_t n) {
  std::string s("\x00" "a", 2);
  for (uint64_t i = 0; i < (n - 1) / 264; i++) s += std::string("\xe0\xff\x00", 3);
  return s;
}

std::string Payload(const std::string& body) { return DumpPayload(body); }

TEST_F(DumpTest, LzfClaimMustMatchTheStream) {
  const uint64_t n = 1 + 264 * 100;
  for (uint64_t claimed : {n - 1, n + 1, n * 88, uint64_t{1} << 40}) {
    auto r = LoadDumpPayload(Payload(std::string(1, '\0') + LzfString(MaxExpansion(n), claimed)));
    EXPECT_FALSE(r.ok()) << claimed;
    EXPECT_EQ(r.status().code(), common::Code::kCorruption) << claimed;
  }
  auto ok = LoadDumpPayload(Payload(std::string(1, '\0') + LzfString(MaxExpansion(n), n)));
  ASSERT_TRUE(ok.ok());
  char buf[32];
  EXPECT_EQ(object::StringView(*ok, buf), std::string(n, 'a'));
  object::DecrRef(*ok);
}

TEST_F(DumpTest, MaxStringLenBoundsEveryEncoding) {
  const uint64_t n = 1 + 264 * 10;  // 2641 bytes
  const std::string lzf = std::string(1, '\0') + LzfString(MaxExpansion(n), n);
  const std::string raw = std::string(1, '\0') + Len(n) + std::string(n, 'r');
  for (const std::string* body : {&lzf, &raw}) {
    EXPECT_FALSE(LoadDumpPayload(Payload(*body), n - 1).ok());
    auto r = LoadDumpPayload(Payload(*body), n);
    ASSERT_TRUE(r.ok());
    object::DecrRef(*r);
  }
  // An element of a collection too: a plain list (RDB type 1) of one LZF
  // string.
  const std::string list = std::string(1, '\x01') + Len(1) + LzfString(MaxExpansion(n), n);
  EXPECT_FALSE(LoadDumpPayload(Payload(list), n - 1).ok());
  auto r = LoadDumpPayload(Payload(list), n);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(object::ListLength(*r), 1u);
  object::DecrRef(*r);
}

TEST_F(DumpTest, StringThatCannotBeAllocatedIsOutOfMemory) {
  // A real failure: no allocator serves 2^62 bytes.
  EXPECT_EQ(ds::SdsTryNewLen(nullptr, size_t{1} << 62, ds::SdsUse::kPayload), nullptr);
  EXPECT_EQ(ds::SdsTryNewLen(nullptr, SIZE_MAX - 4, ds::SdsUse::kPayload), nullptr);
  // Through RESTORE's reader, with try allocations above 4 KiB failing: a
  // top-level string (raw or LZF) and an LZF element of a list fail with
  // OutOfMemory and leak nothing (the ASan build checks).
  const uint64_t n = 1 + 264 * 40;  // 10561 bytes
  const std::string bodies[] = {
      std::string(1, '\0') + LzfString(MaxExpansion(n), n),
      std::string(1, '\0') + Len(n) + std::string(n, 'r'),
      std::string(1, '\x01') + Len(1) + LzfString(MaxExpansion(n), n),
  };
  alloc::SetTryAllocLimitForTest(4096);
  for (const std::string& body : bodies) {
    auto r = LoadDumpPayload(Payload(body));
    EXPECT_EQ(r.status().code(), common::Code::kOutOfMemory) << r.status().message();
  }
  alloc::SetTryAllocLimitForTest(SIZE_MAX);
  for (const std::string& body : bodies) {
    auto r = LoadDumpPayload(Payload(body));
    ASSERT_TRUE(r.ok()) << r.status().message();
    object::DecrRef(*r);
  }
}

}  // namespace
}  // namespace persist
