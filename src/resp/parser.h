// RequestParser: turns the bytes a client sent (its query buffer) into
// commands, one at a time, the way Redis 7.0's processInlineBuffer and
// processMultibulkBuffer (networking.c) do, with the same error texts, the
// same limits and the same quirks, so that a client sees no difference.
//
// Owns: the parse state of at most one command in progress (offsets into the
// caller's buffer, never pointers, since the caller may move or grow the
// buffer between calls), the unescaped arguments of the last inline command,
// and the limits. The query buffer itself belongs to the caller.
//
// Two request forms, chosen by the first byte of a command:
//  - Multibulk ('*'): "*<n>\r\n" then n times "$<len>\r\n<len bytes>\r\n".
//    Arguments are views into the caller's buffer (zero copy).
//  - Inline (anything else): one line ended by "\n" or "\r\n", split into
//    words with redis-cli's quoting rules (see SplitInlineArgs in parser.cc).
//    Its arguments are unescaped copies held by the parser.
//
// Quirks kept from Redis 7.0 on purpose (verified against redis-server
// 7.0.15; each changes what a client observes):
//  - Header lines end at the first '\r'; the byte after it is skipped without
//    being checked, and so are the two bytes after a bulk's payload. A line
//    counts as complete only once the byte after its '\r' has arrived.
//  - Line searches behave like strchr on a NUL-terminated buffer: a NUL byte
//    before the terminator hides it, so the line is "not complete yet" until
//    the buffered bytes exceed the inline limit and the request is rejected.
//    (Bulk payloads are binary-safe; only the line searches stop at NUL.)
//  - "*0\r\n" and any negative count ("*-1\r\n", "*-5\r\n") are a command of
//    zero arguments that the caller skips; "*-0" is not a number.
//  - Numbers follow Redis's string2ll: optional '-', no '+', no leading zeros,
//    no spaces, at most 20 characters.
//  - The count limit is INT_MAX (Redis 7.0 raised it from 6.2's 1024*1024).
//  - "too big ..." errors fire only while a line is still incomplete and the
//    bytes buffered from the start of that line exceed the inline limit; a
//    complete line is accepted whatever its length. Redis reads 16 KiB at a
//    time, so in practice a line longer than the limit never completes.
//
// Invariants (between calls):
//  - phase_ == kIdle iff no command is in progress; then every other field
//    is reset and the next byte at buf[0] starts a command.
//  - line_start_ <= scan_from_, and both lie inside the bytes the caller has
//    shown so far; spans_ holds the bulks of the command in progress, each
//    inside [0, line_start_).
//
// Cost: each call does work proportional to the bytes it has not looked at
// yet, plus the arguments it returns; a 100 MB bulk arriving in pieces is
// never rescanned (its payload is not scanned at all), and a header line
// arriving byte by byte resumes its search where it stopped.
//
// Thread safety: none; one parser per client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace resp {

struct ParserLimits {
  // proto-max-bulk-len (Redis's default is 512 MiB): longer bulks are refused
  // with "invalid bulk length".
  size_t proto_max_bulk_len = size_t{512} << 20;
  // PROTO_INLINE_MAX_SIZE (64 KiB): an inline request, or a multibulk header
  // line, with no terminator yet and more than this many bytes buffered from
  // its start is refused ("too big inline request" / "too big mbulk count
  // string" / "too big bulk count string").
  size_t inline_max = 64 * 1024;
};

enum class ParseStatus { kCommand, kNeedMore, kError };

// Error texts, exactly as Redis 7.0 writes them after its "-ERR " prefix.
// (Redis's addReplyError adds "ERR "; the caller sending the reply must too.)
inline constexpr char kErrTooBigInline[] = "Protocol error: too big inline request";
inline constexpr char kErrUnbalancedQuotes[] = "Protocol error: unbalanced quotes in request";
inline constexpr char kErrTooBigMbulkCount[] = "Protocol error: too big mbulk count string";
inline constexpr char kErrInvalidMbulkLen[] = "Protocol error: invalid multibulk length";
inline constexpr char kErrUnauthMbulkLen[] = "Protocol error: unauthenticated multibulk length";
inline constexpr char kErrTooBigBulkCount[] = "Protocol error: too big bulk count string";
inline constexpr char kErrInvalidBulkLen[] = "Protocol error: invalid bulk length";
inline constexpr char kErrUnauthBulkLen[] = "Protocol error: unauthenticated bulk length";
// The "expected '$', got '%c'" error is formatted; see Parse().

// Limits Redis 7.0 puts on clients that have not authenticated yet
// (networking.c): at most 10 arguments of at most 16 KiB each, so an
// anonymous client cannot make the server buffer much.
inline constexpr int64_t kUnauthMaxArgs = 10;
inline constexpr int64_t kUnauthMaxBulk = 16384;
// Largest multibulk count Redis 7.0 accepts (INT_MAX: argc is an int).
inline constexpr int64_t kMaxMultibulkLen = 2147483647;

class RequestParser {
 public:
  RequestParser() = default;
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses at most one command from buf[0, len), where buf[0] is the first
  // byte of a command (or of the command in progress, after kNeedMore).
  //
  // Returns:
  //  - kCommand: buf[0, *consumed) is one command, its arguments in *args.
  //    Multibulk arguments point into buf (valid while buf is unchanged);
  //    inline ones point into the parser (valid until the next Parse or
  //    Reset). Zero arguments means an empty line or "*0"/"*-1": skip it.
  //  - kNeedMore: the command is incomplete. *consumed is 0. Call again once
  //    more bytes were appended, with buf starting at the same command byte
  //    (the buffer may have moved). *hint is the total number of bytes
  //    (from buf[0]) the command needs when that is known (a bulk payload is
  //    pending), else 0: the caller may reserve that much.
  //  - kError: *error holds Redis's text without "-ERR " and CRLF (e.g.
  //    "Protocol error: invalid bulk length"). The parser is reset; Redis
  //    replies and closes the connection.
  // *args is cleared on every call; *hint is 0 unless set as above.
  // REQUIRES: between a kNeedMore and the next call, buf's first len bytes
  // are unchanged (the caller only appends).
  ParseStatus Parse(const char* buf, size_t len, size_t* consumed, std::vector<std::string_view>* args,
                    std::string* error, size_t* hint);

  // The length of the bulk whose payload the command in progress waits for,
  // or 0 when it waits for no payload (idle, or a header line is pending).
  // Lets the caller size its next read to a big argument, as Redis does.
  size_t PendingBulkLen() const { return phase_ == Phase::kBulkData ? bulk_len_ : 0; }
  // Bytes still missing of that payload and its CRLF, given `buffered`
  // bytes from the command's first byte (the len of the next Parse call);
  // 0 when none is pending or it is all there.
  size_t PendingBulkBytesMissing(size_t buffered) const {
    if (phase_ != Phase::kBulkData) return 0;
    size_t need = line_start_ + bulk_len_ + 2;
    return need > buffered ? need - buffered : 0;
  }

  // Forgets any command in progress (the caller dropped its buffer).
  void Reset();

  // Takes effect for the header lines parsed from now on.
  void SetLimits(const ParserLimits& limits) { limits_ = limits; }
  const ParserLimits& limits() const { return limits_; }

  // Whether the client may skip the unauthenticated limits (authenticated,
  // or no password is required). Parsers start authenticated.
  void SetAuthenticated(bool authenticated) { authenticated_ = authenticated; }

  // Bytes of line-terminator search done since construction: lets tests check
  // that a line arriving in pieces is not rescanned.
  uint64_t bytes_scanned() const { return bytes_scanned_; }

 private:
  enum class Phase : uint8_t {
    kIdle,        // no command in progress
    kInlineLine,  // waiting for the '\n' of an inline request
    kCountLine,   // waiting for the "*<n>\r" line
    kBulkLine,    // waiting for a "$<len>\r" line
    kBulkData,    // waiting for bulk_len_ + 2 bytes at line_start_
  };
  struct Span {
    size_t offset;
    size_t len;
  };

  // Looks for `term` in the current line the way strchr would from
  // line_start_, resuming at scan_from_. Returns true and its offset in *at
  // when found; false when it has not arrived (or a NUL hides it).
  bool FindTerminator(const char* buf, size_t len, char term, size_t* at);
  ParseStatus ParseInline(const char* buf, size_t len, size_t* consumed, std::vector<std::string_view>* args,
                          std::string* error);
  ParseStatus ParseMultibulk(const char* buf, size_t len, size_t* consumed, std::vector<std::string_view>* args,
                             std::string* error, size_t* hint);
  // Starts searching for a new line at `offset`.
  void StartLine(Phase phase, size_t offset);
  ParseStatus Fail(std::string* error, std::string_view msg);

  ParserLimits limits_;
  bool authenticated_ = true;

  Phase phase_ = Phase::kIdle;
  bool nul_blocked_ = false;  // a NUL precedes the terminator of this line
  size_t line_start_ = 0;     // where the current line or payload starts
  size_t scan_from_ = 0;      // bytes of this line already searched
  int64_t args_left_ = 0;     // bulks still expected
  size_t bulk_len_ = 0;       // payload length in kBulkData
  std::vector<Span> spans_;   // bulks of the command in progress

  // The last inline command's arguments; only the first inline_argc_ count.
  // Kept (not cleared) so their capacity is reused.
  std::vector<std::string> inline_args_;
  size_t inline_argc_ = 0;

  uint64_t bytes_scanned_ = 0;
};

}  // namespace resp
