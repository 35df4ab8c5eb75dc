// ReplyBuilder: see reply.h for the formats and the deferred-length scheme.
// Numbers are formatted with std::to_chars: locale-free, and as fast as a
// table of preformatted small numbers would be for the GET/SET hot path.
#include "resp/reply.h"

#include <charconv>
#include <cstring>

#include "common/macros.h"

namespace resp {

namespace {

// Room for "%.17g" of any double: sign, 17 digits, '.', "e-308" = 24 bytes.
constexpr size_t kDoubleChars = 32;
// A deferred header's placeholder: room for the largest header.
constexpr size_t kPlaceholderLen = kMaxHeaderLen;

// Formats d as printf("%.17g") does (C++ defines to_chars with a precision
// as printf with the same conversion), e.g. "1.1000000000000001", "3",
// "1e+300", "inf", "-inf", "nan". Returns the length.
size_t FormatDouble(char* buf, double d) {
  std::to_chars_result r = std::to_chars(buf, buf + kDoubleChars, d, std::chars_format::general, 17);
  return static_cast<size_t>(r.ptr - buf);
}

}  // namespace

size_t FormatHeader(char* buf, char type, uint64_t n) {
  buf[0] = type;
  char* p = std::to_chars(buf + 1, buf + kMaxHeaderLen, n).ptr;
  p[0] = '\r';
  p[1] = '\n';
  return static_cast<size_t>(p + 2 - buf);
}

size_t FormatSignedHeader(char* buf, char type, int64_t v) {
  buf[0] = type;
  char* p = std::to_chars(buf + 1, buf + kMaxHeaderLen, v).ptr;
  p[0] = '\r';
  p[1] = '\n';
  return static_cast<size_t>(p + 2 - buf);
}

void ReplyBuilder::SetProtocol(int proto) {
  TD_ASSERT(proto == 2 || proto == 3);
  proto_ = proto;
}

void ReplyBuilder::Header(char type, uint64_t n) {
  char buf[kMaxHeaderLen];
  out_->append(buf, FormatHeader(buf, type, n));
  Check();
}

void ReplyBuilder::SimpleString(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append(kCrlf);
  Check();
}

void ReplyBuilder::Error(std::string_view msg) {
  out_->push_back('-');
  size_t start = out_->size();
  out_->append(msg);
  for (size_t i = start; i < out_->size(); i++) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->append(kCrlf);
  Check();
}

void ReplyBuilder::Integer(int64_t v) {
  char buf[kMaxHeaderLen];
  out_->append(buf, FormatSignedHeader(buf, ':', v));
  Check();
}

void ReplyBuilder::Bulk(std::string_view s) {
  char buf[kMaxHeaderLen];
  size_t hlen = FormatHeader(buf, '$', s.size());
  out_->reserve(out_->size() + hlen + s.size() + 2);
  out_->append(buf, hlen);
  out_->append(s);
  out_->append(kCrlf);
  Check();
}

void ReplyBuilder::BulkInt(int64_t v) {
  char digits[kMaxHeaderLen];
  size_t n = static_cast<size_t>(std::to_chars(digits, digits + sizeof(digits), v).ptr - digits);
  Bulk(std::string_view(digits, n));
}

void ReplyBuilder::Null() {
  out_->append(proto_ == 2 ? kNullBulkResp2 : kNullResp3);
  Check();
}

void ReplyBuilder::NullArray() {
  out_->append(proto_ == 2 ? kNullArrayResp2 : kNullResp3);
  Check();
}

void ReplyBuilder::ArrayHeader(size_t n) { Header('*', n); }

void ReplyBuilder::MapHeader(size_t n) {
  if (proto_ == 2) {
    Header('*', uint64_t{n} * 2);
  } else {
    Header('%', n);
  }
}

void ReplyBuilder::SetHeader(size_t n) { Header(proto_ == 2 ? '*' : '~', n); }

void ReplyBuilder::PushHeader(size_t n) { Header(proto_ == 2 ? '*' : '>', n); }

void ReplyBuilder::Double(double d) {
  char buf[kDoubleChars];
  size_t n = FormatDouble(buf, d);
  if (proto_ == 2) {
    Bulk(std::string_view(buf, n));
    return;
  }
  out_->push_back(',');
  out_->append(buf, n);
  out_->append(kCrlf);
  Check();
}

void ReplyBuilder::Bool(bool b) {
  if (proto_ == 2) {
    out_->append(b ? ":1\r\n" : ":0\r\n");
  } else {
    out_->append(b ? "#t\r\n" : "#f\r\n");
  }
  Check();
}

void ReplyBuilder::Verbatim(std::string_view s, std::string_view ext) {
  if (proto_ == 2) {
    Bulk(s);
    return;
  }
  TD_ASSERT(ext.size() == 3);
  Header('=', s.size() + ext.size() + 1);
  out_->append(ext);
  out_->push_back(':');
  out_->append(s);
  out_->append(kCrlf);
  Check();
}

void ReplyBuilder::BigNumber(std::string_view digits) {
  if (proto_ == 2) {
    Bulk(digits);
    return;
  }
  out_->push_back('(');
  out_->append(digits);
  out_->append(kCrlf);
  Check();
}

void ReplyBuilder::StringArray(const std::vector<std::string_view>& v) {
  ArrayHeader(v.size());
  for (std::string_view s : v) Bulk(s);
}

// ---- deferred lengths ----

size_t ReplyBuilder::DeferLen() {
  if (overflowed_) return first_handle_;  // ignored by SetDeferred
  size_t offset = out_->size();
  // Placeholders follow each other in *out_ in the order they were made,
  // which CloseGaps relies on.
  TD_ASSERT(deferred_.empty() || offset >= deferred_.back().offset + kPlaceholderLen);
  deferred_.push_back(Deferred{offset, 0});
  unset_++;
  out_->append(kPlaceholderLen, '\0');
  size_t handle = first_handle_ + deferred_.size() - 1;
  Check();
  return handle;
}

void ReplyBuilder::SetDeferredArrayLen(size_t handle, size_t n) { SetDeferred(handle, '*', n); }

void ReplyBuilder::SetDeferredMapLen(size_t handle, size_t n) {
  if (proto_ == 2) {
    SetDeferred(handle, '*', uint64_t{n} * 2);
  } else {
    SetDeferred(handle, '%', n);
  }
}

void ReplyBuilder::SetDeferredSetLen(size_t handle, size_t n) { SetDeferred(handle, proto_ == 2 ? '*' : '~', n); }

void ReplyBuilder::SetDeferred(size_t handle, char type, uint64_t n) {
  if (overflowed_) return;
  // Unsigned: a handle from before the last CloseGaps wraps to a huge index.
  size_t index = handle - first_handle_;
  TD_ASSERT(index < deferred_.size());
  Deferred& d = deferred_[index];
  TD_ASSERT(d.len == 0);
  TD_ASSERT(d.offset + kPlaceholderLen <= out_->size());
  d.len = static_cast<uint8_t>(FormatHeader(out_->data() + d.offset, type, n));
  if (--unset_ == 0) CloseGaps();
}

// Slides every stretch of bytes between placeholders left over the unused
// tail of the placeholder before it. Each byte after the first placeholder
// moves once.
void ReplyBuilder::CloseGaps() {
  char* base = out_->data();
  size_t write = deferred_[0].offset + deferred_[0].len;
  for (size_t i = 0; i < deferred_.size(); i++) {
    size_t from = deferred_[i].offset + kPlaceholderLen;
    // The stretch runs to the end of the next header (which sits at the
    // start of its placeholder), or to the end of the output.
    size_t to = i + 1 < deferred_.size() ? deferred_[i + 1].offset + deferred_[i + 1].len : out_->size();
    memmove(base + write, base + from, to - from);
    write += to - from;
  }
  out_->resize(write);
  first_handle_ += deferred_.size();
  deferred_.clear();
}

// The first time: drop the reply and everything before it, give the memory
// back, and forget the placeholders. Afterwards: empty the discard buffer
// each time it fills.
void ReplyBuilder::Overflow() {
  // Discarded appends accumulate up to this much between clears.
  constexpr size_t kDiscardChunk = 64 * 1024;
  out_->clear();
  if (!overflowed_) {
    overflowed_ = true;
    out_->shrink_to_fit();
    first_handle_ += deferred_.size();
    deferred_.clear();
    unset_ = 0;
    limit_ = kDiscardChunk;
  }
}

}  // namespace resp
