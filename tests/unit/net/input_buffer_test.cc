// Tests of net::InputBuffer: appends through PrepareAppend/Commit keep the
// bytes, growth is exact (no ratcheting), Consume keeps the tail, and
// ShrinkToFit gives memory back. A fixed-seed random run checks it against
// a std::string oracle.
#include "net/input_buffer.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

namespace net {
namespace {

TEST(InputBuffer, StartsEmptyWithoutMemory) {
  InputBuffer b;
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.capacity(), 0u);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.data(), nullptr);
  EXPECT_EQ(b.view(), "");
}

TEST(InputBuffer, CommitTakesOnlyWhatWasWritten) {
  InputBuffer b;
  char* room = b.PrepareAppend(16384);
  EXPECT_EQ(b.capacity(), 16384u);
  memcpy(room, "GET k\r\n", 7);
  b.Commit(7);
  EXPECT_EQ(b.view(), "GET k\r\n");
  // The room left is reused: no growth while it suffices.
  b.PrepareAppend(100);
  EXPECT_EQ(b.capacity(), 16384u);
  b.Append("PING\r\n", 6);
  EXPECT_EQ(b.view(), "GET k\r\nPING\r\n");
}

TEST(InputBuffer, GrowsExactlyToWhatIsAskedFor) {
  InputBuffer b;
  b.Append("x", 1);
  b.PrepareAppend(16384);
  EXPECT_EQ(b.capacity(), 16385u);
  b.Reserve(100);  // never shrinks
  EXPECT_EQ(b.capacity(), 16385u);
  b.Reserve(40000);
  EXPECT_EQ(b.capacity(), 40000u);
  EXPECT_EQ(b.view(), "x");
}

TEST(InputBuffer, ConsumeKeepsTheTail) {
  InputBuffer b;
  b.Append("abcdef", 6);
  b.Consume(2);
  EXPECT_EQ(b.view(), "cdef");
  b.Consume(10);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.capacity(), 6u);
}

TEST(InputBuffer, ClearKeepsMemoryShrinkGivesItBack) {
  InputBuffer b;
  b.Append("hello", 5);
  b.Reserve(1 << 20);
  b.Clear();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.capacity(), size_t{1} << 20);
  b.Append("hi", 2);
  b.ShrinkToFit();
  EXPECT_EQ(b.capacity(), 2u);
  EXPECT_EQ(b.view(), "hi");
  b.Clear();
  b.ShrinkToFit();
  EXPECT_EQ(b.capacity(), 0u);
  EXPECT_EQ(b.data(), nullptr);
}

TEST(InputBuffer, RandomOperationsMatchAStringOracle) {
  std::mt19937 rng(301);
  InputBuffer b;
  std::string oracle;
  for (int step = 0; step < 20000; step++) {
    switch (rng() % 6) {
      case 0:
      case 1: {  // a read of k <= n bytes into n bytes of room
        size_t n = rng() % 3000 + 1;
        size_t k = rng() % (n + 1);
        char* room = b.PrepareAppend(n);
        ASSERT_GE(b.capacity() - b.size(), n);
        for (size_t i = 0; i < k; i++) room[i] = static_cast<char>('a' + rng() % 26);
        oracle.append(room, k);
        b.Commit(k);
        break;
      }
      case 2: {
        size_t n = b.size() ? rng() % (b.size() + 10) : 0;
        b.Consume(n);
        oracle.erase(0, std::min(n, oracle.size()));
        break;
      }
      case 3:
        if (rng() % 20 == 0) {
          b.Clear();
          oracle.clear();
        }
        break;
      case 4:
        if (rng() % 10 == 0) b.ShrinkToFit();
        break;
      case 5:
        b.Reserve(rng() % 8000);
        break;
    }
    ASSERT_EQ(b.view(), oracle) << "step " << step;
    ASSERT_LE(b.size(), b.capacity());
  }
}

}  // namespace
}  // namespace net
