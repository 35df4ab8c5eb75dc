#include "repl/backlog.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace repl {
namespace {

TEST(Backlog, EmptyCoversOnlyTheNextOffset) {
  Backlog b(16, 101);
  EXPECT_EQ(b.histlen(), 0u);
  EXPECT_EQ(b.first_offset(), 101);
  EXPECT_TRUE(b.Covers(101));
  EXPECT_FALSE(b.Covers(100));
  EXPECT_FALSE(b.Covers(102));
  EXPECT_EQ(b.CopyFrom(101), "");
}

TEST(Backlog, KeepsTheLastBytesAcrossWraps) {
  Backlog b(8, 1);
  b.Append("abcdef");
  EXPECT_EQ(b.CopyFrom(1), "abcdef");
  EXPECT_EQ(b.CopyFrom(4), "def");
  b.Append("ghij");  // 10 bytes fed: offsets 3..10 held
  EXPECT_EQ(b.histlen(), 8u);
  EXPECT_EQ(b.first_offset(), 3);
  EXPECT_FALSE(b.Covers(2));
  EXPECT_EQ(b.CopyFrom(3), "cdefghij");
  EXPECT_EQ(b.CopyFrom(10), "j");
  EXPECT_EQ(b.CopyFrom(11), "");
  b.Append("0123456789xyz");  // larger than the ring
  EXPECT_EQ(b.CopyFrom(b.first_offset()), "56789xyz");
}

// Against a string holding the whole stream (fixed seed).
TEST(Backlog, MatchesTheWholeStream) {
  std::mt19937 rng(301);
  Backlog b(1000, 1);
  std::string all;
  for (int i = 0; i < 2000; i++) {
    std::string piece(rng() % 300, '\0');
    for (char& ch : piece) ch = static_cast<char>('a' + rng() % 26);
    b.Append(piece);
    all += piece;
    if (i == 1000) b.Resize(700);
    const int64_t first = b.first_offset();
    ASSERT_EQ(first + static_cast<int64_t>(b.histlen()) - 1, static_cast<int64_t>(all.size()));
    int64_t off = first + static_cast<int64_t>(rng() % (b.histlen() + 1));
    ASSERT_EQ(b.CopyFrom(off), all.substr(static_cast<size_t>(off - 1)));
  }
}

}  // namespace
}  // namespace repl
