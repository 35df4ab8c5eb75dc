// Tests for resp::RequestParser. The expected error texts and the accepted
// quirks below were checked against Debian's redis-server 7.0.15 by sending
// the same bytes over a socket (the reply is "-ERR " + the text here).
#include "resp/parser.h"

#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace resp {
namespace {

using Args = std::vector<std::string>;

// What a client's byte stream turns into: the commands parsed, then how the
// parse stopped (kNeedMore once the bytes ran out, or kError).
struct Outcome {
  std::vector<Args> commands;
  ParseStatus last = ParseStatus::kNeedMore;
  std::string error;
  size_t leftover = 0;  // bytes not consumed at the end
};

bool operator==(const Outcome& a, const Outcome& b) {
  return a.commands == b.commands && a.last == b.last && a.error == b.error && a.leftover == b.leftover;
}

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << o.commands.size() << " commands, last=" << static_cast<int>(o.last) << " error='" << o.error
     << "' leftover=" << o.leftover;
  return os;
}

Args ToArgs(const std::vector<std::string_view>& v) { return Args(v.begin(), v.end()); }

// Parses all of data in one buffer, the way a server loops over its query
// buffer. Also checks that multibulk arguments point into the buffer.
Outcome ParseOneShot(RequestParser& p, const std::string& data) {
  Outcome o;
  size_t pos = 0;
  std::vector<std::string_view> args;
  for (;;) {
    size_t consumed = 0, hint = 0;
    std::string error;
    o.last = p.Parse(data.data() + pos, data.size() - pos, &consumed, &args, &error, &hint);
    if (o.last == ParseStatus::kError) {
      o.error = error;
      break;
    }
    if (o.last == ParseStatus::kNeedMore) break;
    EXPECT_GT(consumed, 0u);
    if (data[pos] == '*') {
      for (std::string_view a : args) {
        EXPECT_GE(a.data(), data.data() + pos);
        EXPECT_LE(a.data() + a.size(), data.data() + pos + consumed);
      }
    }
    o.commands.push_back(ToArgs(args));
    pos += consumed;
  }
  o.leftover = data.size() - pos;
  return o;
}

// Delivers data in random pieces of 1..max_chunk bytes to a query buffer
// that now and then drops its consumed prefix and reallocates (so the bytes
// of a command in progress move between calls).
Outcome ParseChunked(RequestParser& p, const std::string& data, std::mt19937_64& rng, size_t max_chunk) {
  Outcome o;
  std::string qbuf;
  size_t pos = 0, fed = 0;
  std::vector<std::string_view> args;
  std::uniform_int_distribution<size_t> chunk(1, max_chunk);
  while (fed < data.size()) {
    size_t n = std::min(chunk(rng), data.size() - fed);
    qbuf.append(data, fed, n);
    fed += n;
    for (;;) {
      size_t consumed = 0, hint = 0;
      std::string error;
      o.last = p.Parse(qbuf.data() + pos, qbuf.size() - pos, &consumed, &args, &error, &hint);
      if (o.last == ParseStatus::kError) {
        o.error = error;
        o.leftover = data.size() - (fed - (qbuf.size() - pos));
        return o;
      }
      if (o.last == ParseStatus::kNeedMore) {
        EXPECT_EQ(consumed, 0u);
        if (hint != 0) {
          EXPECT_GT(hint, qbuf.size() - pos);
        }
        break;
      }
      o.commands.push_back(ToArgs(args));
      pos += consumed;
    }
    if (rng() % 4 == 0) {
      qbuf.erase(0, pos);
      pos = 0;
      qbuf.shrink_to_fit();
    }
  }
  o.leftover = qbuf.size() - pos;
  return o;
}

std::string Multibulk(const Args& args) {
  std::string s = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

// Parses data (one command or an error) with a fresh parser.
struct Single {
  ParseStatus status;
  Args args;
  std::string error;
  size_t consumed;
  size_t hint;
};
Single ParseOnce(const std::string& data, RequestParser* parser = nullptr) {
  RequestParser local;
  RequestParser& p = parser ? *parser : local;
  Single r;
  std::vector<std::string_view> args;
  r.status = p.Parse(data.data(), data.size(), &r.consumed, &args, &r.error, &r.hint);
  r.args = ToArgs(args);
  return r;
}

// ---- multibulk ----

TEST(RequestParser, MultibulkCommand) {
  std::string data = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n";
  Single r = ParseOnce(data);
  ASSERT_EQ(r.status, ParseStatus::kCommand);
  EXPECT_EQ(r.consumed, data.size());
  EXPECT_EQ(r.args, (Args{"SET", "key", "va\r\nl"}));
}

TEST(RequestParser, MultibulkArgumentsAreViewsIntoTheBuffer) {
  std::string data = Multibulk({"GET", "somekey"});
  RequestParser p;
  std::vector<std::string_view> args;
  size_t consumed, hint;
  std::string error;
  ASSERT_EQ(p.Parse(data.data(), data.size(), &consumed, &args, &error, &hint), ParseStatus::kCommand);
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[0].data(), data.data() + 8);       // after "*2\r\n$3\r\n"
  EXPECT_EQ(args[1].data(), data.data() + 17);      // after "GET\r\n$7\r\n"
}

TEST(RequestParser, BinarySafeBulks) {
  std::string payload("a\0b\r\n\0", 6);
  Single r = ParseOnce(Multibulk({"SET", "k", payload}));
  ASSERT_EQ(r.status, ParseStatus::kCommand);
  EXPECT_EQ(r.args[2], payload);
  // Redis 7.0.15: "*1\r\n$4\r\nPI\0G\r\n" runs the command "PI\0G".
  r = ParseOnce(std::string("*1\r\n$4\r\nPI\0G\r\n", 14));
  ASSERT_EQ(r.status, ParseStatus::kCommand);
  EXPECT_EQ(r.args[0], std::string("PI\0G", 4));
}

TEST(RequestParser, EmptyAndNegativeCountsAreEmptyCommands) {
  for (const char* head : {"*0\r\n", "*-1\r\n", "*-5\r\n"}) {
    std::string data = std::string(head) + "PING\r\n";
    RequestParser p;
    Outcome o = ParseOneShot(p, data);
    ASSERT_EQ(o.commands.size(), 2u) << head;
    EXPECT_TRUE(o.commands[0].empty());
    EXPECT_EQ(o.commands[1], Args{"PING"});
    EXPECT_EQ(o.last, ParseStatus::kNeedMore);
    EXPECT_EQ(o.leftover, 0u);
  }
}

TEST(RequestParser, BytesAfterCarriageReturnAndPayloadAreNotChecked) {
  // Redis skips the byte after each '\r' and the two after a payload.
  Single r = ParseOnce("*1\r\n$4\r\nPINGxx");
  ASSERT_EQ(r.status, ParseStatus::kCommand);
  EXPECT_EQ(r.args, Args{"PING"});
  EXPECT_EQ(r.consumed, 14u);
  r = ParseOnce("*1\rX$4\rXPINGxx");
  ASSERT_EQ(r.status, ParseStatus::kCommand);
  EXPECT_EQ(r.args, Args{"PING"});
}

TEST(RequestParser, LineNeedsTheByteAfterCarriageReturn) {
  EXPECT_EQ(ParseOnce("*1\r").status, ParseStatus::kNeedMore);
  EXPECT_EQ(ParseOnce("*1\r\n$4\r").status, ParseStatus::kNeedMore);
  // An incomplete header line is "more to come", not an error, whatever
  // comes first in it, until it is complete.
  EXPECT_EQ(ParseOnce("*1\r\nX").status, ParseStatus::kNeedMore);
  EXPECT_EQ(ParseOnce("*1\r\nX\r").status, ParseStatus::kNeedMore);
  EXPECT_EQ(ParseOnce("*1\r\n$4\r\nPING\r").status, ParseStatus::kNeedMore);
  EXPECT_EQ(ParseOnce("*1\r\n$4\r\nPING\r\n").status, ParseStatus::kCommand);
}

TEST(RequestParser, HintIsTheSizeTheCommandNeeds) {
  std::string data = Multibulk({"SET", "k", std::string(1000, 'v')});
  const size_t header = 27;  // "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000\r\n"
  for (size_t cut : {header, header + 1, size_t{500}, data.size() - 1}) {
    Single r = ParseOnce(data.substr(0, cut));
    EXPECT_EQ(r.status, ParseStatus::kNeedMore);
    EXPECT_EQ(r.hint, data.size()) << cut;
    EXPECT_EQ(r.consumed, 0u);
  }
  // Before the bulk's length is known there is no hint.
  EXPECT_EQ(ParseOnce(data.substr(0, header - 1)).hint, 0u);
  // The biggest bulk allowed by default is accepted and announced.
  Single r = ParseOnce("*1\r\n$536870912\r\n");
  EXPECT_EQ(r.status, ParseStatus::kNeedMore);
  EXPECT_EQ(r.hint, 16u + 536870912u + 2u);
}

TEST(RequestParser, PendingBulkTellsWhatIsMissing) {
  std::string data = Multibulk({"SET", "k", std::string(100000, 'v')});
  const size_t header = 29;  // "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n"
  RequestParser p;
  std::vector<std::string_view> args;
  std::string error;
  size_t consumed = 0, hint = 0;
  // While a header line is pending no payload is awaited.
  ASSERT_EQ(p.Parse(data.data(), header - 1, &consumed, &args, &error, &hint), ParseStatus::kNeedMore);
  EXPECT_EQ(p.PendingBulkLen(), 0u);
  EXPECT_EQ(p.PendingBulkBytesMissing(header - 1), 0u);
  for (size_t have : {header, size_t{5000}, data.size() - 1}) {
    ASSERT_EQ(p.Parse(data.data(), have, &consumed, &args, &error, &hint), ParseStatus::kNeedMore) << have;
    EXPECT_EQ(p.PendingBulkLen(), 100000u);
    EXPECT_EQ(p.PendingBulkBytesMissing(have), data.size() - have) << have;
    EXPECT_EQ(p.PendingBulkBytesMissing(data.size()), 0u);
  }
  ASSERT_EQ(p.Parse(data.data(), data.size(), &consumed, &args, &error, &hint), ParseStatus::kCommand);
  EXPECT_EQ(p.PendingBulkLen(), 0u);
  EXPECT_EQ(p.PendingBulkBytesMissing(0), 0u);
}

TEST(RequestParser, LargestCountIsIntMax) {
  EXPECT_EQ(ParseOnce("*2147483647\r\n").status, ParseStatus::kNeedMore);
  EXPECT_EQ(ParseOnce("*1048577\r\n").status, ParseStatus::kNeedMore);
  Single r = ParseOnce("*2147483648\r\n");
  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, "Protocol error: invalid multibulk length");
}

struct ErrorCase {
  std::string data;
  std::string error;
};

TEST(RequestParser, MultibulkErrors) {
  const std::string kMbulk = "Protocol error: invalid multibulk length";
  const std::string kBulk = "Protocol error: invalid bulk length";
  const std::vector<ErrorCase> cases = {
      {"*-0\r\n", kMbulk},
      {"*+1\r\n", kMbulk},
      {"*01\r\n", kMbulk},
      {"*\r\n", kMbulk},
      {"*1x\r\n", kMbulk},
      {"* 1\r\n", kMbulk},
      {"*" + std::string(21, '1') + "\r\n", kMbulk},
      {"*99999999999999999999\r\n", kMbulk},  // 20 digits, overflows int64
      {"*1\n$4\r\nPING\r\n", kMbulk},          // a lone \n does not end the line
      {"*1\r\n\r\n", "Protocol error: expected '$', got ' '"},
      {"*1\r\n\n\r\n", "Protocol error: expected '$', got ' '"},
      {"*1\r\nX\r\n", "Protocol error: expected '$', got 'X'"},
      {"*1\r\n\x80\r\n", "Protocol error: expected '$', got '\x80'"},
      {"*2\r\n$4\r\nECHO\r\n:1\r\n", "Protocol error: expected '$', got ':'"},
      {"*1\r\n$-1\r\n", kBulk},
      {"*1\r\n$-0\r\n", kBulk},
      {"*1\r\n$01\r\n", kBulk},
      {"*1\r\n$\r\n", kBulk},
      {"*1\r\n$9999999999x\r\n", kBulk},
      {"*1\r\n$" + std::string(25, '1') + "\r\n", kBulk},
      {"*1\r\n$536870913\r\n", kBulk},
  };
  for (const ErrorCase& c : cases) {
    Single r = ParseOnce(c.data);
    EXPECT_EQ(r.status, ParseStatus::kError) << c.data;
    EXPECT_EQ(r.error, c.error) << c.data;
    EXPECT_EQ(r.consumed, 0u);
  }
}

TEST(RequestParser, ProtoMaxBulkLenIsConfigurable) {
  RequestParser p;
  ParserLimits limits;
  limits.proto_max_bulk_len = 10;
  p.SetLimits(limits);
  EXPECT_EQ(ParseOnce("*1\r\n$10\r\n0123456789\r\n", &p).status, ParseStatus::kCommand);
  Single r = ParseOnce("*1\r\n$11\r\n", &p);
  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, kErrInvalidBulkLen);
}

// ---- limits on incomplete lines ----

TEST(RequestParser, TooBigMbulkCountString) {
  // Refused once more than 64 KiB are buffered with no '\r'.
  EXPECT_EQ(ParseOnce("*" + std::string(65535, '1')).status, ParseStatus::kNeedMore);
  Single r = ParseOnce("*" + std::string(65536, '1'));
  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, "Protocol error: too big mbulk count string");
}

TEST(RequestParser, TooBigBulkCountString) {
  // Counted from the start of the bulk's header line.
  EXPECT_EQ(ParseOnce("*1\r\n" + std::string(65536, '$')).status, ParseStatus::kNeedMore);
  Single r = ParseOnce("*1\r\n" + std::string(65537, '$'));
  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, "Protocol error: too big bulk count string");
  r = ParseOnce("*2\r\n$1\r\na\r\n" + std::string(65537, '$'));
  EXPECT_EQ(r.error, "Protocol error: too big bulk count string");
}

TEST(RequestParser, TooBigInlineRequest) {
  EXPECT_EQ(ParseOnce(std::string(65536, 'A')).status, ParseStatus::kNeedMore);
  Single r = ParseOnce(std::string(65537, 'A'));
  EXPECT_EQ(r.status, ParseStatus::kError);
  EXPECT_EQ(r.error, "Protocol error: too big inline request");
}

TEST(RequestParser, InlineMaxIsConfigurable) {
  RequestParser p;
  ParserLimits limits;
  limits.inline_max = 8;
  p.SetLimits(limits);
  EXPECT_EQ(ParseOnce("PINGPING", &p).status, ParseStatus::kNeedMore);
  EXPECT_EQ(ParseOnce("PINGPINGX", &p).error, kErrTooBigInline);
  EXPECT_EQ(ParseOnce("*1\r\n$2\r\n", &p).status, ParseStatus::kNeedMore);
  p.Reset();
  EXPECT_EQ(ParseOnce("*12345678", &p).error, kErrTooBigMbulkCount);
  EXPECT_EQ(ParseOnce("*1\r\n$12345678", &p).error, kErrTooBigBulkCount);
  // A complete line is accepted whatever its length, as in Redis.
  EXPECT_EQ(ParseOnce("ECHO 0123456789\r\n", &p).status, ParseStatus::kCommand);
}

TEST(RequestParser, NulByteHidesTheLineEnd) {
  // Redis searches lines with strchr, which stops at a NUL: the line never
  // ends, until the buffered bytes pass the limit.
  std::string inline_nul("PI\0NG\r\n", 7);
  EXPECT_EQ(ParseOnce(inline_nul).status, ParseStatus::kNeedMore);
  std::string big = std::string("A\0", 2);
  for (int i = 0; i < 40000; i++) big += "B\n";
  EXPECT_EQ(ParseOnce(big).error, kErrTooBigInline);

  std::string count_nul("*1\0\r\n", 5);
  EXPECT_EQ(ParseOnce(count_nul).status, ParseStatus::kNeedMore);
  for (int i = 0; i < 40000; i++) count_nul += "\r\n";
  EXPECT_EQ(ParseOnce(count_nul).error, kErrTooBigMbulkCount);

  std::string bulk_nul("*1\r\n$1\0\r\n", 9);
  EXPECT_EQ(ParseOnce(bulk_nul).status, ParseStatus::kNeedMore);
  for (int i = 0; i < 40000; i++) bulk_nul += "\r\n";
  EXPECT_EQ(ParseOnce(bulk_nul).error, kErrTooBigBulkCount);

  // A NUL after the terminator does not matter.
  EXPECT_EQ(ParseOnce(std::string("PING\r\n\0", 7)).status, ParseStatus::kCommand);
}

TEST(RequestParser, NulBlockedLineStaysBlockedAcrossCalls) {
  RequestParser p;
  std::string data("ECHO a\0b", 8);
  EXPECT_EQ(ParseOnce(data, &p).status, ParseStatus::kNeedMore);
  data += "\r\n";
  EXPECT_EQ(ParseOnce(data, &p).status, ParseStatus::kNeedMore);
  data += std::string(65536, 'x');
  EXPECT_EQ(ParseOnce(data, &p).error, kErrTooBigInline);
}

// ---- unauthenticated clients ----

TEST(RequestParser, UnauthenticatedLimits) {
  RequestParser p;
  p.SetAuthenticated(false);
  EXPECT_EQ(ParseOnce("*10\r\n", &p).status, ParseStatus::kNeedMore);
  p.Reset();
  EXPECT_EQ(ParseOnce("*11\r\n", &p).error, "Protocol error: unauthenticated multibulk length");
  EXPECT_EQ(ParseOnce("*1\r\n$16384\r\n", &p).status, ParseStatus::kNeedMore);
  p.Reset();
  EXPECT_EQ(ParseOnce("*1\r\n$16385\r\n", &p).error, "Protocol error: unauthenticated bulk length");
  // A malformed number is reported as such first.
  EXPECT_EQ(ParseOnce("*11x\r\n", &p).error, kErrInvalidMbulkLen);
  EXPECT_EQ(ParseOnce("*1\r\n$536870913\r\n", &p).error, kErrInvalidBulkLen);
  // Negative counts and inline requests are not limited.
  EXPECT_EQ(ParseOnce("*-1\r\n", &p).status, ParseStatus::kCommand);
  EXPECT_EQ(ParseOnce(std::string(60000, 'a') + "\r\n", &p).status, ParseStatus::kCommand);
  // Authenticated: no such limits.
  p.SetAuthenticated(true);
  Args many(11, std::string(16385, 'z'));
  Single r = ParseOnce(Multibulk(many), &p);
  EXPECT_EQ(r.status, ParseStatus::kCommand);
  EXPECT_EQ(r.args, many);
}

// ---- inline ----

TEST(RequestParser, InlineLineEndings) {
  Single r = ParseOnce("PING\n");
  ASSERT_EQ(r.status, ParseStatus::kCommand);
  EXPECT_EQ(r.args, Args{"PING"});
  EXPECT_EQ(r.consumed, 5u);
  r = ParseOnce("SET a b\r\nGET a\r\n");
  EXPECT_EQ(r.args, (Args{"SET", "a", "b"}));
  EXPECT_EQ(r.consumed, 9u);
  // Only the '\r' right before '\n' is part of the line end; another one is
  // a separator.
  r = ParseOnce("PING\r\r\n");
  EXPECT_EQ(r.args, Args{"PING"});
  EXPECT_EQ(r.consumed, 7u);
  EXPECT_EQ(ParseOnce("PING").status, ParseStatus::kNeedMore);
  EXPECT_EQ(ParseOnce("PING\r").status, ParseStatus::kNeedMore);
}

TEST(RequestParser, EmptyInlineLinesAreEmptyCommands) {
  RequestParser p;
  Outcome o = ParseOneShot(p, "\r\n\n   \r\nPING\r\n");
  ASSERT_EQ(o.commands.size(), 4u);
  EXPECT_TRUE(o.commands[0].empty());
  EXPECT_TRUE(o.commands[1].empty());
  EXPECT_TRUE(o.commands[2].empty());
  EXPECT_EQ(o.commands[3], Args{"PING"});
}

TEST(RequestParser, InlineQuoting) {
  struct Case {
    std::string line;
    Args args;
  };
  const std::vector<Case> cases = {
      {"ECHO \"a\\x41\\n\"", {"ECHO", "aA\n"}},
      {"ECHO \"\\r\\t\\b\\a\\\\\\\"\\q\"", {"ECHO", "\r\t\b\a\\\"q"}},
      {"ECHO \"\\x4\"", {"ECHO", "x4"}},     // \x needs two hex digits
      {"ECHO \"\\xzz\"", {"ECHO", "xzz"}},
      {"ECHO \"\\xfF\\x00\"", {"ECHO", std::string("\xff\0", 2)}},
      {"ECHO 'a\\'b'", {"ECHO", "a'b"}},
      {"ECHO 'a\\n'", {"ECHO", "a\\n"}},     // no escapes but \' in '...'
      {"ECHO a\x0b" "b", {"ECHO", "a\x0b" "b"}},  // \v is no separator inside a word
      {"  \t ECHO    x  ", {"ECHO", "x"}},
      {"ECHO \"a\"\x0b", {"ECHO", "a"}},         // but a blank after a quote
      {"ECHO \"a\"\x0c", {"ECHO", "a"}},
      {"ECHO a\"b c\"", {"ECHO", "ab c"}},       // a quote may open mid-word
      {"ECHO \"\" ''", {"ECHO", "", ""}},
      {"SET k \"hello world\"", {"SET", "k", "hello world"}},
      {"x\ty", {"x", "y"}},
  };
  for (const Case& c : cases) {
    Single r = ParseOnce(c.line + "\r\n");
    ASSERT_EQ(r.status, ParseStatus::kCommand) << c.line;
    EXPECT_EQ(r.args, c.args) << c.line;
  }
}

TEST(RequestParser, InlineUnbalancedQuotes) {
  for (const char* line : {"ECHO \"a\"b", "ECHO 'a'b", "ECHO \"abc", "ECHO 'abc", "ECHO a\"b c\"d",
                           "ECHO 'it''s'", "ECHO \"a\\\"", "ECHO 'a\\'", "\""}) {
    Single r = ParseOnce(std::string(line) + "\r\n");
    EXPECT_EQ(r.status, ParseStatus::kError) << line;
    EXPECT_EQ(r.error, "Protocol error: unbalanced quotes in request") << line;
  }
  // The '\r' of "\r\n" is not inside the quotes.
  EXPECT_EQ(ParseOnce("ECHO \"abc\r\n").status, ParseStatus::kError);
}

TEST(RequestParser, InlineArgumentsOutliveTheirBuffer) {
  RequestParser p;
  std::string data = "SET key \"v\\x41\"\r\n";
  std::vector<std::string_view> args;
  size_t consumed, hint;
  std::string error;
  ASSERT_EQ(p.Parse(data.data(), data.size(), &consumed, &args, &error, &hint), ParseStatus::kCommand);
  std::fill(data.begin(), data.end(), '#');
  EXPECT_EQ(ToArgs(args), (Args{"SET", "key", "vA"}));
}

// ---- state across calls ----

TEST(RequestParser, ErrorResetsTheParser) {
  RequestParser p;
  EXPECT_EQ(ParseOnce("*1\r\n$x\r\n", &p).status, ParseStatus::kError);
  Single r = ParseOnce("PING\r\n", &p);
  EXPECT_EQ(r.status, ParseStatus::kCommand);
  EXPECT_EQ(r.args, Args{"PING"});
}

TEST(RequestParser, ResetDropsACommandInProgress) {
  RequestParser p;
  EXPECT_EQ(ParseOnce("*2\r\n$3\r\nGET\r\n", &p).status, ParseStatus::kNeedMore);
  p.Reset();
  Single r = ParseOnce("PING\r\n", &p);
  EXPECT_EQ(r.status, ParseStatus::kCommand);
  EXPECT_EQ(r.args, Args{"PING"});
}

TEST(RequestParser, ShorterBufferRestartsTheCommand) {
  // Breaking the REQUIRES (the buffer lost bytes) must not read out of bounds.
  RequestParser p;
  EXPECT_EQ(ParseOnce("*2\r\n$3\r\nGET\r\n$1", &p).status, ParseStatus::kNeedMore);
  Single r = ParseOnce("ECHO x\r\n", &p);
  EXPECT_EQ(r.status, ParseStatus::kCommand);
  EXPECT_EQ(r.args, (Args{"ECHO", "x"}));
}

// ---- random streams ----

// Builds a random stream of commands (multibulk with binary arguments,
// inline with every quoting form, empty ones) and the arguments each must
// parse to.
struct Stream {
  std::string data;
  std::vector<Args> expected;
};

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  static const char kAlphabet[] = "abcXYZ019 \r\n\t\"'\\$*:";
  std::string s;
  for (size_t i = 0; i < n; i++) {
    uint64_t r = rng();
    s.push_back(r % 4 == 0 ? static_cast<char>(r >> 8) : kAlphabet[(r >> 8) % (sizeof(kAlphabet) - 1)]);
  }
  return s;
}

// Encodes word for an inline line in one of the quoting styles that can
// carry it.
std::string InlineWord(std::mt19937_64& rng, const std::string& word) {
  bool plain_ok = !word.empty() && word[0] != '*';
  bool single_ok = true;
  for (char c : word) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || u >= 0x7f || c == '"' || c == '\'') plain_ok = false;
    if (u < ' ' || u >= 0x7f || c == '\\') single_ok = false;
  }
  int style = static_cast<int>(rng() % 3);
  if (style == 0 && plain_ok) return word;
  if (style == 1 && single_ok) {
    std::string s = "'";
    for (char c : word) s += c == '\'' ? std::string("\\'") : std::string(1, c);
    return s + "'";
  }
  std::string s = "\"";
  static const char kHex[] = "0123456789abcdef";
  for (char c : word) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '\n': s += "\\n"; break;
      case '\r': s += "\\r"; break;
      case '\t': s += "\\t"; break;
      case '"': s += "\\\""; break;
      case '\\': s += "\\\\"; break;
      default:
        if (u < ' ' || u >= 0x7f) {
          s += "\\x";
          s += kHex[u >> 4];
          s += kHex[u & 15];
        } else {
          s += c;
        }
    }
  }
  return s + "\"";
}

Stream RandomStream(std::mt19937_64& rng, size_t commands) {
  Stream st;
  for (size_t i = 0; i < commands; i++) {
    uint64_t kind = rng() % 20;
    Args args;
    if (kind == 0) {
      st.data += rng() % 2 ? "*0\r\n" : "*-1\r\n";
    } else if (kind == 1) {
      st.data += rng() % 2 ? "\r\n" : " \t\n";
    } else if (kind < 8) {  // inline
      size_t n = 1 + rng() % 5;
      std::string line(rng() % 3 == 0 ? " " : "");
      for (size_t a = 0; a < n; a++) {
        args.push_back(RandomBytes(rng, rng() % 12));
        if (a == 0 && args[0].empty()) args[0] = "cmd";
        line += InlineWord(rng, args[a]);
        line += rng() % 4 == 0 ? " \t " : " ";
      }
      st.data += line + (rng() % 2 ? "\r\n" : "\n");
    } else {  // multibulk
      size_t n = 1 + rng() % 8;
      for (size_t a = 0; a < n; a++) args.push_back(RandomBytes(rng, rng() % 50 == 0 ? 2000 : rng() % 40));
      st.data += Multibulk(args);
    }
    st.expected.push_back(args);
  }
  return st;
}

TEST(RequestParser, PipelineOfTenThousandCommands) {
  std::mt19937_64 rng(20240601);
  Stream st = RandomStream(rng, 10000);
  RequestParser p;
  Outcome o = ParseOneShot(p, st.data);
  EXPECT_EQ(o.last, ParseStatus::kNeedMore);
  EXPECT_EQ(o.leftover, 0u);
  ASSERT_EQ(o.commands.size(), st.expected.size());
  for (size_t i = 0; i < st.expected.size(); i++) ASSERT_EQ(o.commands[i], st.expected[i]) << i;
  // Each line is searched once, payloads never.
  EXPECT_LE(p.bytes_scanned(), st.data.size());
}

TEST(RequestParser, PartialDeliveryEqualsOneShot) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 20; round++) {
    Stream st = RandomStream(rng, 300);
    RequestParser one;
    Outcome expected = ParseOneShot(one, st.data);
    ASSERT_EQ(expected.commands, st.expected);
    for (size_t max_chunk : {size_t{1}, size_t{3}, size_t{64}, size_t{4096}}) {
      RequestParser p;
      Outcome got = ParseChunked(p, st.data, rng, max_chunk);
      ASSERT_EQ(got, expected) << "round " << round << " chunk " << max_chunk;
      // Resumed searches: no byte is searched twice, even byte by byte.
      EXPECT_LE(p.bytes_scanned(), st.data.size());
    }
  }
}

TEST(RequestParser, CorruptStreamsFailTheSameWayInPieces) {
  // Random byte flips in valid streams: whatever the outcome (commands,
  // then an error or a wait for more), delivery in pieces must not change it.
  std::mt19937_64 rng(99);
  int errors = 0;
  for (int round = 0; round < 1500; round++) {
    Stream st = RandomStream(rng, 6);
    for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; flips--) {
      static const char kInteresting[] = "*$\r\n0-9\"'\\ \0x";
      st.data[rng() % st.data.size()] = kInteresting[rng() % (sizeof(kInteresting) - 1)];
    }
    RequestParser one, chunked;
    Outcome expected = ParseOneShot(one, st.data);
    Outcome got = ParseChunked(chunked, st.data, rng, 1 + rng() % 16);
    ASSERT_EQ(got, expected) << "round " << round;
    errors += expected.last == ParseStatus::kError;
  }
  EXPECT_GT(errors, 100);  // the flips did reach the error paths
}

TEST(RequestParser, WholeHeaderLinesParseAsInPieces) {
  // Complete header lines take a one-pass path; lines arriving in pieces the
  // general one. Both must agree at the edges of the fast path: "0", a
  // leading zero, 18 and 19 digits, signs, a number longer than any int64.
  const std::vector<std::string> streams = {
      "*0\r\n", "*1\r\n$0\r\n\r\n", "*1\r\n$01\r\nx\r\n", "*01\r\n", "*-1\r\n",
      "*1\r\n$-1\r\n", "*1\r\n$+1\r\nx\r\n", "*1\r\n$999999999999999999\r\n",
      "*1\r\n$9999999999999999999\r\n", "*1\r\n$99999999999999999999\r\n",
      "*999999999999999999\r\n", "*2147483648\r\n", "*1\r\n$3\rxabc\r\n", "*1\r\n$3 \r\nabc\r\n",
      "*1\r\n$\r\n", "*\r\n", "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"};
  std::mt19937_64 rng(5);
  for (const std::string& data : streams) {
    RequestParser one, chunked;
    Outcome expected = ParseOneShot(one, data);
    Outcome got = ParseChunked(chunked, data, rng, 1);
    EXPECT_EQ(got, expected) << data;
    EXPECT_EQ(one.bytes_scanned(), chunked.bytes_scanned()) << data;
  }
}

TEST(RequestParser, BigBulkInChunksIsNotRescanned) {
  const size_t kSize = 50u << 20;  // 50 MiB
  const size_t kChunk = 64u << 10;
  std::string head = "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + std::to_string(kSize) + "\r\n";
  std::string payload(kSize, '\0');
  for (size_t i = 0; i < kSize; i++) payload[i] = static_cast<char>('a' + i % 26);
  payload[kSize / 2] = '\r';  // no effect inside a payload
  const size_t total = head.size() + kSize + 2;

  RequestParser p;
  std::string qbuf;
  std::vector<std::string_view> args;
  std::string error;
  size_t consumed = 0, hint = 0, calls = 0;
  auto start = std::chrono::steady_clock::now();
  std::string stream = head + payload + "\r\n";
  ParseStatus st = ParseStatus::kNeedMore;
  for (size_t fed = 0; fed < stream.size();) {
    size_t n = std::min(kChunk, stream.size() - fed);
    qbuf.append(stream, fed, n);
    fed += n;
    st = p.Parse(qbuf.data(), qbuf.size(), &consumed, &args, &error, &hint);
    calls++;
    if (st != ParseStatus::kNeedMore) break;
    EXPECT_EQ(hint, total);
    if (hint > qbuf.capacity()) qbuf.reserve(hint);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(st, ParseStatus::kCommand);
  EXPECT_EQ(consumed, total);
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[1], "big");
  EXPECT_EQ(args[2].size(), kSize);
  EXPECT_EQ(args[2].data(), qbuf.data() + head.size());
  EXPECT_TRUE(args[2] == payload);
  EXPECT_EQ(calls, (total + kChunk - 1) / kChunk);
  // Only the header lines were searched, once.
  EXPECT_LE(p.bytes_scanned(), head.size());
  // Generous bound: copying 100 MB takes well under this even under ASan;
  // rescanning 50 MB 800 times would not.
  EXPECT_LT(secs, 20.0);
}

TEST(RequestParser, ManyArgumentsInPieces) {
  // A command with a million small arguments arriving in pieces: linear.
  Args args(1000000, "x");
  std::string data = Multibulk(args);
  std::mt19937_64 rng(5);
  RequestParser p;
  Outcome o = ParseChunked(p, data, rng, 16 * 1024);
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0].size(), args.size());
  EXPECT_LE(p.bytes_scanned(), data.size());
}

}  // namespace
}  // namespace resp
