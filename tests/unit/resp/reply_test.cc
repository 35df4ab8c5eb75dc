// Tests for resp::ReplyBuilder: the exact bytes of every reply in RESP2 and
// RESP3 (checked against redis-server 7.0.15: ZSCORE and DEBUG PROTOCOL
// replies after HELLO 2 / HELLO 3), and deferred lengths.
#include "resp/reply.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace resp {
namespace {

// Runs fn on a builder for each protocol and returns the bytes written.
template <typename Fn>
std::pair<std::string, std::string> Both(Fn fn) {
  std::string out2, out3;
  ReplyBuilder r2(&out2), r3(&out3);
  r3.SetProtocol(3);
  fn(r2);
  fn(r3);
  return {out2, out3};
}

using Pair = std::pair<std::string, std::string>;

TEST(ReplyBuilder, ProtocolDefaultsToTwo) {
  std::string out;
  ReplyBuilder r(&out);
  EXPECT_EQ(r.protocol(), 2);
  r.SetProtocol(3);
  EXPECT_EQ(r.protocol(), 3);
  EXPECT_EQ(r.out(), &out);
}

TEST(ReplyBuilder, SameInBothProtocols) {
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.SimpleString("PONG"); }), Pair("+PONG\r\n", "+PONG\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Ok(); }), Pair("+OK\r\n", "+OK\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Error("ERR syntax error"); }),
            Pair("-ERR syntax error\r\n", "-ERR syntax error\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Integer(0); }), Pair(":0\r\n", ":0\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Integer(-42); }), Pair(":-42\r\n", ":-42\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Integer(INT64_MAX); }),
            Pair(":9223372036854775807\r\n", ":9223372036854775807\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Integer(INT64_MIN); }),
            Pair(":-9223372036854775808\r\n", ":-9223372036854775808\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Bulk("Hello World"); }),
            Pair("$11\r\nHello World\r\n", "$11\r\nHello World\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Bulk(""); }), Pair("$0\r\n\r\n", "$0\r\n\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Bulk(std::string_view("a\0\r\n", 4)); }),
            Pair(std::string("$4\r\na\0\r\n\r\n", 10), std::string("$4\r\na\0\r\n\r\n", 10)));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.BulkInt(-1234); }), Pair("$5\r\n-1234\r\n", "$5\r\n-1234\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.BulkInt(0); }), Pair("$1\r\n0\r\n", "$1\r\n0\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.ArrayHeader(3); }), Pair("*3\r\n", "*3\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.ArrayHeader(0); }), Pair("*0\r\n", "*0\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Raw("+RAW\r\n"); }), Pair("+RAW\r\n", "+RAW\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.StringArray({"a", "", "bc"}); }),
            Pair("*3\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nbc\r\n", "*3\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nbc\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.StringArray({}); }), Pair("*0\r\n", "*0\r\n"));
}

TEST(ReplyBuilder, ErrorKeepsOneLine) {
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Error("ERR bad\r\nthing\n"); }),
            Pair("-ERR bad  thing \r\n", "-ERR bad  thing \r\n"));
  // Text appended before the error is left alone.
  std::string out = "+A\r\n";
  ReplyBuilder r(&out);
  r.Error("ERR x\ny");
  EXPECT_EQ(out, "+A\r\n-ERR x y\r\n");
}

TEST(ReplyBuilder, ProtocolSpecificTypes) {
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Null(); }), Pair("$-1\r\n", "_\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.NullArray(); }), Pair("*-1\r\n", "_\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.MapHeader(3); }), Pair("*6\r\n", "%3\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.SetHeader(3); }), Pair("*3\r\n", "~3\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.PushHeader(2); }), Pair("*2\r\n", ">2\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Bool(true); }), Pair(":1\r\n", "#t\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Bool(false); }), Pair(":0\r\n", "#f\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Verbatim("This is a verbatim\nstring", "txt"); }),
            Pair("$25\r\nThis is a verbatim\nstring\r\n", "=29\r\ntxt:This is a verbatim\nstring\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.Verbatim("", "mkd"); }), Pair("$0\r\n\r\n", "=4\r\nmkd:\r\n"));
  EXPECT_EQ(Both([](ReplyBuilder& r) { r.BigNumber("1234567999999999999999999999999999999"); }),
            Pair("$37\r\n1234567999999999999999999999999999999\r\n", "(1234567999999999999999999999999999999\r\n"));
}

TEST(ReplyBuilder, DoubleMatchesRedis) {
  // Bytes from redis-server 7.0.15 (ZSCORE, HELLO 2 and HELLO 3).
  struct Case {
    double d;
    const char* text;
  };
  const Case cases[] = {
      {1.1, "1.1000000000000001"},
      {std::numeric_limits<double>::infinity(), "inf"},
      {-std::numeric_limits<double>::infinity(), "-inf"},
      {0.0, "0"},
      {1e300, "1.0000000000000001e+300"},
      {3.0, "3"},
      {1.5e-7, "1.4999999999999999e-07"},
      {123456789012345678.0, "1.2345678901234568e+17"},
      {3.141, "3.141"},
      {-2.5, "-2.5"},
  };
  for (const Case& c : cases) {
    std::string text = c.text;
    Pair got = Both([&](ReplyBuilder& r) { r.Double(c.d); });
    EXPECT_EQ(got.first, "$" + std::to_string(text.size()) + "\r\n" + text + "\r\n");
    EXPECT_EQ(got.second, "," + text + "\r\n");
  }
}

TEST(ReplyBuilder, DoubleIsPrintfPercent17g) {
  std::mt19937_64 rng(1234);
  std::vector<double> values = {0.0, -0.0, std::nan(""), 5e-324, 2.2250738585072014e-308,
                                1.7976931348623157e308, 0.1, 1e21, 1e-5, 123456.0};
  for (int i = 0; i < 100000; i++) {
    uint64_t bits = rng();
    double d;
    memcpy(&d, &bits, sizeof(d));
    values.push_back(d);
    values.push_back(static_cast<double>(static_cast<int64_t>(rng() % 2000000) - 1000000) / 1000.0);
  }
  for (double d : values) {
    char expected[64];
    snprintf(expected, sizeof(expected), "%.17g", d);
    std::string out;
    ReplyBuilder r(&out);
    r.SetProtocol(3);
    r.Double(d);
    ASSERT_EQ(out, "," + std::string(expected) + "\r\n");
  }
}

TEST(ReplyBuilder, FormatHeaderHelpers) {
  char buf[kMaxHeaderLen];
  EXPECT_EQ(std::string(buf, FormatHeader(buf, '$', 5)), "$5\r\n");
  EXPECT_EQ(std::string(buf, FormatHeader(buf, '*', UINT64_MAX)), "*18446744073709551615\r\n");
  EXPECT_EQ(FormatHeader(buf, '*', UINT64_MAX), kMaxHeaderLen);
  EXPECT_EQ(std::string(buf, FormatSignedHeader(buf, ':', -7)), ":-7\r\n");
}

TEST(ReplyBuilder, AppendsAfterExistingBytes) {
  std::string out = "prefix";
  ReplyBuilder r(&out);
  r.Integer(1);
  r.Bulk("x");
  EXPECT_EQ(out, "prefix:1\r\n$1\r\nx\r\n");
}

// ---- deferred lengths ----

TEST(ReplyBuilder, DeferredArray) {
  std::string out = "+before\r\n";
  ReplyBuilder r(&out);
  size_t h = r.DeferLen();
  r.Bulk("a");
  r.Bulk("b");
  EXPECT_EQ(r.pending_deferred(), 1u);
  r.SetDeferredArrayLen(h, 2);
  EXPECT_EQ(r.pending_deferred(), 0u);
  EXPECT_EQ(out, "+before\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
}

TEST(ReplyBuilder, DeferredEmptyAndLast) {
  std::string out;
  ReplyBuilder r(&out);
  size_t h = r.DeferLen();
  r.SetDeferredArrayLen(h, 0);
  EXPECT_EQ(out, "*0\r\n");
}

TEST(ReplyBuilder, DeferredMapAndSetInBothProtocols) {
  Pair got = Both([](ReplyBuilder& r) {
    size_t m = r.DeferLen();
    r.Bulk("k");
    size_t s = r.DeferLen();
    r.Integer(1);
    r.Integer(2);
    r.SetDeferredSetLen(s, 2);
    r.SetDeferredMapLen(m, 1);
  });
  EXPECT_EQ(got.first, "*2\r\n$1\r\nk\r\n*2\r\n:1\r\n:2\r\n");
  EXPECT_EQ(got.second, "%1\r\n$1\r\nk\r\n~2\r\n:1\r\n:2\r\n");
}

TEST(ReplyBuilder, NestedDeferredSetInAnyOrder) {
  // Outer array of 3 inner arrays, the inner ones set before, after and in
  // between, plus content appended directly to the string by the caller.
  std::string out;
  ReplyBuilder r(&out);
  size_t outer = r.DeferLen();
  size_t in1 = r.DeferLen();
  r.Bulk("x");
  size_t in2 = r.DeferLen();
  out += ":7\r\n";
  r.Integer(8);
  r.SetDeferredArrayLen(in1, 1);
  size_t in3 = r.DeferLen();
  r.SetDeferredArrayLen(in3, 0);
  r.SetDeferredArrayLen(outer, 3);
  EXPECT_EQ(r.pending_deferred(), 1u);
  r.SetDeferredArrayLen(in2, 2);
  EXPECT_EQ(out, "*3\r\n*1\r\n$1\r\nx\r\n*2\r\n:7\r\n:8\r\n*0\r\n");
  // Handles keep working after the gaps were closed.
  size_t again = r.DeferLen();
  r.Bool(true);
  r.SetDeferredArrayLen(again, 1);
  EXPECT_EQ(out, "*3\r\n*1\r\n$1\r\nx\r\n*2\r\n:7\r\n:8\r\n*0\r\n*1\r\n:1\r\n");
}

TEST(ReplyBuilder, RandomDeferredTreesMatchDirectBuild) {
  // Builds random nested replies twice: once with every length deferred
  // (set in random order at the end of each subtree or of the whole reply),
  // once with the lengths known up front. The bytes must match.
  std::mt19937_64 rng(42);
  for (int round = 0; round < 300; round++) {
    std::string deferred_out, direct_out;
    ReplyBuilder d(&deferred_out), w(&direct_out);
    int proto = rng() % 2 ? 3 : 2;
    d.SetProtocol(proto);
    w.SetProtocol(proto);
    struct Pending {
      size_t handle;
      size_t n;
      int kind;
    };
    std::vector<Pending> late;  // set at the very end, shuffled
    // Emits one random element of depth <= depth.
    auto emit = [&](auto& self, int depth) -> void {
      uint64_t k = rng() % 6;
      if (depth == 0 || k < 3) {
        std::string s(rng() % 5, static_cast<char>('a' + rng() % 26));
        d.Bulk(s);
        w.Bulk(s);
        return;
      }
      int kind = static_cast<int>(rng() % 3);  // array, map, set
      size_t n = rng() % 4;
      size_t h = d.DeferLen();
      if (kind == 0) w.ArrayHeader(n);
      if (kind == 1) w.MapHeader(n);
      if (kind == 2) w.SetHeader(n);
      size_t elements = kind == 1 ? 2 * n : n;
      for (size_t i = 0; i < elements; i++) self(self, depth - 1);
      if (rng() % 2) {
        late.push_back({h, n, kind});
      } else {
        if (kind == 0) d.SetDeferredArrayLen(h, n);
        if (kind == 1) d.SetDeferredMapLen(h, n);
        if (kind == 2) d.SetDeferredSetLen(h, n);
      }
    };
    size_t top = 1 + rng() % 3;
    for (size_t i = 0; i < top; i++) emit(emit, 4);
    std::shuffle(late.begin(), late.end(), rng);
    for (const Pending& p : late) {
      if (p.kind == 0) d.SetDeferredArrayLen(p.handle, p.n);
      if (p.kind == 1) d.SetDeferredMapLen(p.handle, p.n);
      if (p.kind == 2) d.SetDeferredSetLen(p.handle, p.n);
    }
    EXPECT_EQ(d.pending_deferred(), 0u);
    ASSERT_EQ(deferred_out, direct_out) << "round " << round;
  }
}

TEST(ReplyBuilder, DeferredKeysOfAMillionIsLinear) {
  const size_t kKeys = 1000000;
  std::string out, expected;
  ReplyBuilder r(&out), e(&expected);
  e.ArrayHeader(kKeys);
  auto start = std::chrono::steady_clock::now();
  size_t h = r.DeferLen();
  for (size_t i = 0; i < kKeys; i++) {
    std::string key = "key:" + std::to_string(i);
    r.Bulk(key);
    e.Bulk(key);
  }
  r.SetDeferredArrayLen(h, kKeys);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(out, expected);
  EXPECT_LT(secs, 10.0);  // linear takes milliseconds; quadratic would take hours
}

TEST(ReplyBuilder, ManySequentialDeferredAreLinear) {
  // 100k small deferred arrays one after another (e.g. a reply of many
  // small nested entries): each close moves only its own tail.
  std::string out, expected;
  ReplyBuilder r(&out), e(&expected);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100000; i++) {
    size_t h = r.DeferLen();
    r.Integer(i);
    r.SetDeferredArrayLen(h, 1);
    e.ArrayHeader(1);
    e.Integer(i);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(out, expected);
  EXPECT_LT(secs, 10.0);
}

// TD_ASSERT logs (to the server log, stdout here) and aborts.
TEST(ReplyBuilderDeathTest, HandleUsedTwiceAborts) {
  std::string out;
  ReplyBuilder r(&out);
  size_t h = r.DeferLen();
  r.SetDeferredArrayLen(h, 0);
  EXPECT_EXIT(r.SetDeferredArrayLen(h, 0), testing::KilledBySignal(SIGABRT), "");
  size_t h1 = r.DeferLen();
  r.DeferLen();
  r.SetDeferredArrayLen(h1, 0);
  EXPECT_EXIT(r.SetDeferredArrayLen(h1, 0), testing::KilledBySignal(SIGABRT), "");
}

TEST(ReplyBuilderDeathTest, TruncatedPlaceholderAborts) {
  std::string out;
  ReplyBuilder r(&out);
  size_t h = r.DeferLen();
  out.clear();
  EXPECT_EXIT(r.SetDeferredArrayLen(h, 1), testing::KilledBySignal(SIGABRT), "");
}

}  // namespace
}  // namespace resp
