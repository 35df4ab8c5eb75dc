// RequestParser: see parser.h for the protocol, the Redis quirks kept and
// the invariants. This file also holds the two small helpers the parser
// needs (Redis's string2ll rules and sdssplitargs quoting rules), private
// here so that resp depends on nothing but the standard library.
#include "resp/parser.h"

#include <algorithm>
#include <cstring>

namespace resp {

namespace {

// string2ll refuses strings of LONG_STR_SIZE (21) characters or more: the
// longest int64 ("-9223372036854775808") has 20.
constexpr size_t kMaxNumberLen = 20;

// Reserve at most this many argument slots up front, whatever count the
// client announces (Redis caps its first argv allocation at 1024 the same
// way), so a huge "*<n>" costs nothing until the arguments arrive.
constexpr int64_t kMaxInitialArgs = 1024;

// Line searches look at up to this many bytes one by one before switching
// to memchr: enough for any "$<len>" or "*<count>" line (at most 21 bytes
// plus '\r'), short enough that a long inline line soon gets the fast scan.
constexpr size_t kShortLine = 32;

// Parses s[0, n) as Redis's string2ll does: an optional '-', then digits
// with no leading zero (except "0" itself), no '+', no spaces, no overflow.
bool ParseInt64(const char* s, size_t n, int64_t* out) {
  if (n == 0 || n > kMaxNumberLen) return false;
  if (n == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == n) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = static_cast<uint64_t>(s[i++] - '0');
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > uint64_t{1} << 63) return false;
    *out = static_cast<int64_t>(0 - v);  // wraps to INT64_MIN for 2^63
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// Most digits the header fast path reads: 18 decimal digits always fit an
// int64 (and any bulk or count limit), so it needs no overflow check.
constexpr size_t kFastDigits = 18;

// Fast path for a header line whose number starts at buf[from]: a "0" or
// 1..18 digits without a leading zero, then '\r' and one more byte, all in
// the buffer. Sets *value and *cr (the '\r') and returns true; otherwise
// returns false and the caller takes the general path (FindTerminator, then
// ParseInt64). Only digits precede the '\r', so no earlier '\r' or NUL can
// hide it: every line accepted here gets the same result from the general
// path, in one pass instead of two loops and a call.
inline bool FastHeaderNumber(const char* buf, size_t len, size_t from, int64_t* value, size_t* cr) {
  size_t digits_end = std::min(len, from + kFastDigits);
  size_t i = from;
  if (i >= digits_end || buf[i] < '0' || buf[i] > '9') return false;
  int64_t v = buf[i] - '0';
  i++;
  if (v != 0) {
    while (i < digits_end && buf[i] >= '0' && buf[i] <= '9') v = v * 10 + (buf[i++] - '0');
  }
  // A 19th digit stops the loop and fails here: no overflow is possible.
  if (i + 2 > len || buf[i] != '\r') return false;
  *value = v;
  *cr = i;
  return true;
}

// isspace() in the C locale, which Redis's ctype calls run in.
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

int HexValue(char c) {
  if (c <= '9') return c - '0';
  if (c <= 'F') return c - 'A' + 10;
  return c - 'a' + 10;
}

// Splits line[0, n) into words with the rules of Redis's sdssplitargs (what
// redis-cli and inline requests use). The line holds no NUL byte; its end
// acts as the C string's terminator.
//  - Words are separated by blanks (isspace) before a word; inside an
//    unquoted word only ' ', '\n', '\r', '\t' end it.
//  - "double quotes" take \n \r \t \b \a \\ \" and \xHH escapes (any other
//    \c is c); 'single quotes' take only \'. A quote may open in the middle
//    of a word: a"b c" is the one word "ab c".
//  - A closing quote must be followed by a blank or the end of the line
//    ("a"b is refused), and a quote must close: otherwise the whole line is
//    refused.
// Writes the words into (*words)[0, *count), reusing the strings' storage.
// Returns false on unbalanced quotes.
bool SplitInlineArgs(const char* line, size_t n, std::vector<std::string>* words, size_t* count) {
  // The byte at i, or '\0' past the end, as the C original sees it.
  auto at = [line, n](size_t i) -> char { return i < n ? line[i] : '\0'; };
  size_t p = 0;
  *count = 0;
  for (;;) {
    while (p < n && IsSpace(line[p])) p++;
    if (p == n) return true;
    if (*count == words->size()) words->emplace_back();
    std::string& word = (*words)[(*count)++];
    word.clear();
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      char c = at(p);
      if (in_double) {
        if (c == '\\' && at(p + 1) == 'x' && IsHexDigit(at(p + 2)) && IsHexDigit(at(p + 3))) {
          word.push_back(static_cast<char>(HexValue(at(p + 2)) * 16 + HexValue(at(p + 3))));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          p++;
          switch (line[p]) {
            case 'n': word.push_back('\n'); break;
            case 'r': word.push_back('\r'); break;
            case 't': word.push_back('\t'); break;
            case 'b': word.push_back('\b'); break;
            case 'a': word.push_back('\a'); break;
            default: word.push_back(line[p]); break;
          }
        } else if (c == '"') {
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;  // unterminated "
        } else {
          word.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(p + 1) == '\'') {
          p++;
          word.push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;  // unterminated '
        } else {
          word.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0': done = true; break;
          case '"': in_double = true; break;
          case '\'': in_single = true; break;
          default: word.push_back(c); break;
        }
      }
      if (p < n) p++;
    }
  }
}

}  // namespace

void RequestParser::Reset() {
  phase_ = Phase::kIdle;
  nul_blocked_ = false;
  line_start_ = 0;
  scan_from_ = 0;
  args_left_ = 0;
  bulk_len_ = 0;
  spans_.clear();
  // Do not keep a huge command's span table around: keep what we would
  // reserve up front anyway.
  if (spans_.capacity() > static_cast<size_t>(kMaxInitialArgs)) std::vector<Span>().swap(spans_);
}

void RequestParser::StartLine(Phase phase, size_t offset) {
  phase_ = phase;
  line_start_ = offset;
  scan_from_ = offset;
  nul_blocked_ = false;
}

ParseStatus RequestParser::Fail(std::string* error, std::string_view msg) {
  error->assign(msg);
  Reset();
  return ParseStatus::kError;
}

bool RequestParser::FindTerminator(const char* buf, size_t len, char term, size_t* at) {
  if (nul_blocked_) return false;
  size_t from = scan_from_;
  // Header lines are short ("$3"): a byte loop finds their end faster than
  // two library calls. Longer lines (inline requests) take the memchr path.
  size_t short_end = std::min(len, from + kShortLine);
  for (size_t i = from; i < short_end; i++) {
    if (buf[i] == term) {
      bytes_scanned_ += i - from;
      scan_from_ = i;
      *at = i;
      return true;
    }
    if (buf[i] == '\0') {
      bytes_scanned_ += i - from;
      nul_blocked_ = true;
      return false;
    }
  }
  bytes_scanned_ += short_end - from;
  from = scan_from_ = short_end;
  const void* hit = memchr(buf + from, term, len - from);
  size_t end = hit ? static_cast<size_t>(static_cast<const char*>(hit) - buf) : len;
  bytes_scanned_ += end - from;
  // strchr would have stopped at a NUL before the terminator. The prefix
  // [line_start_, from) was checked already (above, or by earlier calls).
  if (memchr(buf + from, '\0', end - from) != nullptr) {
    nul_blocked_ = true;
    return false;
  }
  scan_from_ = end;  // on a hit, the next call finds it again at once
  if (hit == nullptr) return false;
  *at = end;
  return true;
}

ParseStatus RequestParser::Parse(const char* buf, size_t len, size_t* consumed, std::vector<std::string_view>* args,
                                 std::string* error, size_t* hint) {
  *consumed = 0;
  *hint = 0;
  args->clear();
  // A buffer shorter than what we already looked at breaks the REQUIRES;
  // start over rather than read past its end.
  if (phase_ != Phase::kIdle && len < scan_from_) Reset();
  if (len == 0) return ParseStatus::kNeedMore;
  if (phase_ == Phase::kIdle) StartLine(buf[0] == '*' ? Phase::kCountLine : Phase::kInlineLine, 0);
  if (phase_ == Phase::kInlineLine) return ParseInline(buf, len, consumed, args, error);
  return ParseMultibulk(buf, len, consumed, args, error, hint);
}

ParseStatus RequestParser::ParseInline(const char* buf, size_t len, size_t* consumed,
                                       std::vector<std::string_view>* args, std::string* error) {
  size_t newline;
  if (!FindTerminator(buf, len, '\n', &newline)) {
    if (len > limits_.inline_max) return Fail(error, kErrTooBigInline);
    return ParseStatus::kNeedMore;
  }
  size_t end = newline;
  if (end > 0 && buf[end - 1] == '\r') end--;  // "\r\n" ends the line too
  if (!SplitInlineArgs(buf, end, &inline_args_, &inline_argc_)) return Fail(error, kErrUnbalancedQuotes);
  args->reserve(inline_argc_);
  for (size_t i = 0; i < inline_argc_; i++) args->emplace_back(inline_args_[i]);
  *consumed = newline + 1;
  Reset();
  return ParseStatus::kCommand;
}

ParseStatus RequestParser::ParseMultibulk(const char* buf, size_t len, size_t* consumed,
                                          std::vector<std::string_view>* args, std::string* error,
                                          size_t* hint) {
  if (phase_ == Phase::kCountLine) {
    size_t cr;
    int64_t count;
    if (scan_from_ == 0 && FastHeaderNumber(buf, len, 1, &count, &cr)) {
      bytes_scanned_ += cr;  // as the general path would count it
    } else {
      if (!FindTerminator(buf, len, '\r', &cr)) {
        if (len - line_start_ > limits_.inline_max) return Fail(error, kErrTooBigMbulkCount);
        return ParseStatus::kNeedMore;
      }
      // The line is complete once the byte after '\r' is here (Redis skips
      // it without checking that it is '\n').
      if (cr + 2 > len) return ParseStatus::kNeedMore;
      if (!ParseInt64(buf + 1, cr - 1, &count)) return Fail(error, kErrInvalidMbulkLen);
    }
    if (count > kMaxMultibulkLen) return Fail(error, kErrInvalidMbulkLen);
    if (count > kUnauthMaxArgs && !authenticated_) return Fail(error, kErrUnauthMbulkLen);
    if (count <= 0) {
      *consumed = cr + 2;
      Reset();
      return ParseStatus::kCommand;
    }
    args_left_ = count;
    spans_.clear();
    spans_.reserve(static_cast<size_t>(std::min(count, kMaxInitialArgs)));
    StartLine(Phase::kBulkLine, cr + 2);
  }

  for (;;) {
    if (phase_ == Phase::kBulkLine) {
      size_t cr;
      int64_t blen;
      if (scan_from_ == line_start_ && line_start_ < len && buf[line_start_] == '$' &&
          FastHeaderNumber(buf, len, line_start_ + 1, &blen, &cr)) {
        bytes_scanned_ += cr - line_start_;  // as the general path would count it
      } else {
        if (!FindTerminator(buf, len, '\r', &cr)) {
          if (len - line_start_ > limits_.inline_max) return Fail(error, kErrTooBigBulkCount);
          return ParseStatus::kNeedMore;
        }
        if (cr + 2 > len) return ParseStatus::kNeedMore;
        char first = buf[line_start_];
        if (first != '$') {
          // Redis's addReplyErrorFormat turns CR and LF into spaces.
          if (first == '\r' || first == '\n') first = ' ';
          error->assign("Protocol error: expected '$', got '");
          error->push_back(first);
          error->push_back('\'');
          Reset();
          return ParseStatus::kError;
        }
        if (!ParseInt64(buf + line_start_ + 1, cr - line_start_ - 1, &blen)) return Fail(error, kErrInvalidBulkLen);
      }
      if (blen < 0 || static_cast<uint64_t>(blen) > limits_.proto_max_bulk_len) return Fail(error, kErrInvalidBulkLen);
      if (blen > kUnauthMaxBulk && !authenticated_) return Fail(error, kErrUnauthBulkLen);
      bulk_len_ = static_cast<size_t>(blen);
      StartLine(Phase::kBulkData, cr + 2);
    }

    // kBulkData: the payload and the two bytes after it (not checked).
    size_t need = line_start_ + bulk_len_ + 2;
    if (len < need) {
      *hint = need;
      return ParseStatus::kNeedMore;
    }
    spans_.push_back(Span{line_start_, bulk_len_});
    if (--args_left_ == 0) {
      args->reserve(spans_.size());
      for (const Span& s : spans_) args->emplace_back(buf + s.offset, s.len);
      *consumed = need;
      Reset();
      return ParseStatus::kCommand;
    }
    StartLine(Phase::kBulkLine, need);
  }
}

}  // namespace resp
