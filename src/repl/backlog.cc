#include "repl/backlog.h"

#include <algorithm>
#include <cstring>

namespace repl {

Backlog::Backlog(size_t size, int64_t next_offset) : buf_(size, '\0'), next_offset_(next_offset) {}

void Backlog::Append(std::string_view data) {
  next_offset_ += static_cast<int64_t>(data.size());
  const size_t cap = buf_.size();
  // Only the last `cap` bytes can stay.
  if (data.size() > cap) data.remove_prefix(data.size() - cap);
  while (!data.empty()) {
    size_t n = std::min(cap - idx_, data.size());
    memcpy(buf_.data() + idx_, data.data(), n);
    idx_ = (idx_ + n) % cap;
    data.remove_prefix(n);
    histlen_ = std::min(cap, histlen_ + n);
  }
}

bool Backlog::Covers(int64_t offset) const { return offset >= first_offset() && offset <= next_offset_; }

std::string Backlog::CopyFrom(int64_t offset) const {
  const size_t n = static_cast<size_t>(next_offset_ - offset);
  const size_t cap = buf_.size();
  // The last byte fed is at idx_-1; the first wanted is n bytes before idx_.
  size_t start = (idx_ + cap - n % cap) % cap;
  std::string out;
  out.reserve(n);
  if (n == 0) return out;
  size_t first = std::min(n, cap - start);
  out.append(buf_.data() + start, first);
  out.append(buf_.data(), n - first);
  return out;
}

void Backlog::Resize(size_t size) {
  if (size == buf_.size() || size == 0) return;
  std::string keep = CopyFrom(next_offset_ - static_cast<int64_t>(std::min(histlen_, size)));
  buf_.assign(size, '\0');
  memcpy(buf_.data(), keep.data(), keep.size());
  histlen_ = keep.size();
  idx_ = keep.size() % size;
}

}  // namespace repl
