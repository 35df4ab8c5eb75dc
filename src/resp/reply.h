// ReplyBuilder: writes replies in RESP2 or RESP3 by appending to a client's
// output buffer, byte for byte as Redis 7.0's addReply* functions do.
//
// Owns: nothing but the protocol version and the bookkeeping of deferred
// lengths. The output string belongs to the caller (the client), which may
// also append to it, write it out and erase what it wrote.
//
// RESP3 types fall back to RESP2 the way Redis does: maps become flat arrays
// of 2n elements, sets and pushes become arrays, doubles, verbatim strings
// and big numbers become bulk strings, booleans become integers 1/0, and the
// null of each type is "$-1" (bulk) or "*-1" (array).
//
// Replies are copies. Every payload byte a reply carries is copied into the
// output buffer when the reply is built; nothing here keeps a pointer into
// a stored value for a later write. The tiering engine (db/tiering.h) moves
// values between events, so a zero-copy reply (writev from a value's
// memory) would read freed memory: keep it that way.
//
// Deferred lengths. DeferLen() appends a fixed-size placeholder (room for
// the largest header) and returns a handle; the Set*Len call later writes
// the header into it. The gaps left by placeholders are closed in one pass
// when the last pending one is set, so a reply of any size with any number
// of deferred headers, nested or not, costs O(bytes after the first
// placeholder) extra, never quadratic. Until then *out holds placeholder
// bytes, so:
//  - REQUIRES: between DeferLen and the last pending Set*Len, *out is only
//    appended to (no erase, no truncation, no write to the socket): in
//    practice, set every deferred length before the command returns.
//  - A handle is valid once: setting it twice, or after every pending one
//    was set and the gaps closed, aborts.
//
// Output limit. SetLimit(n) caps *out at n bytes (the server sets it from
// the client's output-buffer hard limit before each command). The first
// append that takes *out past it puts the builder in the overflowed state
// at once, mid-reply: *out is emptied and its memory returned, and from
// then on appends are thrown away in small pieces, deferred lengths are
// ignored, and overflowed() is true for the command's loops to stop early
// and for the server to close the client. A huge reply therefore never
// costs more than the limit, however long the command runs. The state
// lasts for the builder's life (the client is being closed).
//
// Thread safety: none; one builder per client.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace resp {

// Replies that never change, for callers that append protocol directly.
inline constexpr std::string_view kCrlf = "\r\n";
inline constexpr std::string_view kOkReply = "+OK\r\n";
inline constexpr std::string_view kNullBulkResp2 = "$-1\r\n";
inline constexpr std::string_view kNullArrayResp2 = "*-1\r\n";
inline constexpr std::string_view kNullResp3 = "_\r\n";
inline constexpr std::string_view kEmptyArray = "*0\r\n";

// Longest aggregate or bulk header: a type byte, 20 digits (UINT64_MAX) and
// CRLF.
inline constexpr size_t kMaxHeaderLen = 1 + 20 + 2;

// Writes "<type><n>\r\n" to buf, which has room for kMaxHeaderLen bytes, and
// returns its length. E.g. FormatHeader(buf, '$', 5) writes "$5\r\n".
size_t FormatHeader(char* buf, char type, uint64_t n);
// Same for a signed number (":<v>\r\n").
size_t FormatSignedHeader(char* buf, char type, int64_t v);

class ReplyBuilder {
 public:
  // Appends to *out, which must outlive the builder. Starts in RESP2.
  explicit ReplyBuilder(std::string* out) : out_(out) {}
  ReplyBuilder(const ReplyBuilder&) = delete;
  ReplyBuilder& operator=(const ReplyBuilder&) = delete;

  // REQUIRES: proto is 2 or 3.
  void SetProtocol(int proto);
  int protocol() const { return proto_; }

  // "+<s>\r\n". REQUIRES: s holds no CR or LF (status replies are the
  // caller's constants, as in Redis).
  void SimpleString(std::string_view s);
  void Ok() {
    out_->append(kOkReply);
    Check();
  }
  // "-<msg>\r\n", msg given without its '-' and with its error code (e.g.
  // "ERR syntax error", "WRONGTYPE ..."); any CR or LF in msg becomes a
  // space so the reply stays one line.
  void Error(std::string_view msg);
  // ":<v>\r\n"
  void Integer(int64_t v);
  // "$<len>\r\n<s>\r\n"
  void Bulk(std::string_view s);
  // v in decimal, as a bulk string.
  void BulkInt(int64_t v);
  // The null bulk string: RESP2 "$-1\r\n", RESP3 "_\r\n".
  void Null();
  // The null array: RESP2 "*-1\r\n", RESP3 "_\r\n".
  void NullArray();
  // Aggregate headers; n elements (pairs for a map) follow.
  void ArrayHeader(size_t n);  // "*n"
  void MapHeader(size_t n);    // RESP3 "%n", RESP2 "*<2n>"
  void SetHeader(size_t n);    // RESP3 "~n", RESP2 "*n"
  void PushHeader(size_t n);   // RESP3 ">n", RESP2 "*n"
  // "%.17g" (as Redis 7.0's addReplyDouble): RESP3 ",<d>\r\n", RESP2 a bulk
  // string. Infinities are "inf" and "-inf".
  void Double(double d);
  // RESP3 "#t"/"#f", RESP2 ":1"/":0".
  void Bool(bool b);
  // RESP3 "=<len+4>\r\n<ext>:<s>\r\n", RESP2 a bulk string of s.
  // REQUIRES: ext is 3 characters (e.g. "txt", "mkd").
  void Verbatim(std::string_view s, std::string_view ext);
  // RESP3 "(<digits>\r\n", RESP2 a bulk string. REQUIRES: digits is an
  // integer in decimal.
  void BigNumber(std::string_view digits);
  // An array of bulk strings.
  void StringArray(const std::vector<std::string_view>& v);
  // Appends bytes that already are protocol (e.g. a preformatted reply).
  void Raw(std::string_view proto) {
    out_->append(proto);
    Check();
  }

  // Reserves room for an aggregate header whose count is not known yet.
  // Returns a handle for exactly one of the Set*Len calls below.
  size_t DeferLen();
  // Write the header reserved by DeferLen: "*n"; a map of n pairs (RESP3
  // "%n", RESP2 "*<2n>"); a set (RESP3 "~n", RESP2 "*n").
  void SetDeferredArrayLen(size_t handle, size_t n);
  void SetDeferredMapLen(size_t handle, size_t n);
  void SetDeferredSetLen(size_t handle, size_t n);
  // Deferred lengths not set yet.
  size_t pending_deferred() const { return unset_; }

  // See "Output limit" above. SIZE_MAX (the default) means none.
  void SetLimit(size_t max_size) { limit_ = max_size; }
  bool overflowed() const { return overflowed_; }

  std::string* out() { return out_; }

 private:
  struct Deferred {
    size_t offset;      // where the placeholder starts in *out_
    uint8_t len;        // header bytes written; 0 while unset
  };
  void Header(char type, uint64_t n);
  // After every append: the fast path is one compare.
  void Check() {
    if (__builtin_expect(out_->size() > limit_, 0)) Overflow();
  }
  void Overflow();
  void SetDeferred(size_t handle, char type, uint64_t n);
  // Closes the placeholders' gaps once all are set.
  void CloseGaps();

  std::string* out_;
  int proto_ = 2;
  std::vector<Deferred> deferred_;  // in order of offset (= of handle)
  size_t first_handle_ = 0;         // handle of deferred_[0]
  size_t unset_ = 0;
  size_t limit_ = std::numeric_limits<size_t>::max();
  bool overflowed_ = false;
};

}  // namespace resp
