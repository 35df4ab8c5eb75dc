// The replication backlog: the last `size` bytes of the replication stream,
// so a replica that lost its link (or restarted) can continue from its
// offset with PSYNC instead of loading a whole new RDB (Redis's
// repl_backlog). Offsets number the stream's bytes from 1, as Redis: after
// N bytes were fed, master_repl_offset is N and the backlog holds bytes
// [first_offset(), N].
//
// Invariants: histlen() <= size(); first_offset() + histlen() - 1 is the
// offset of the last byte fed. One contiguous ring, allocated in DRAM (it is
// metadata of the stream, not payload) at creation, so feeding never
// allocates.
//
// Thread safety: main thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace repl {

class Backlog {
 public:
  // REQUIRES: size > 0. `next_offset` is the offset the next byte fed gets
  // (master_repl_offset + 1).
  Backlog(size_t size, int64_t next_offset);
  Backlog(const Backlog&) = delete;
  Backlog& operator=(const Backlog&) = delete;

  void Append(std::string_view data);
  // Whether the bytes from `offset` on (up to the last one fed) are held:
  // first_offset() <= offset <= last fed + 1.
  bool Covers(int64_t offset) const;
  // The bytes from `offset` to the end. REQUIRES: Covers(offset).
  std::string CopyFrom(int64_t offset) const;
  // CONFIG SET repl-backlog-size: keeps the newest bytes that fit.
  void Resize(size_t size);

  size_t size() const { return buf_.size(); }
  size_t histlen() const { return histlen_; }
  // Offset of the oldest byte held (next_offset when empty).
  int64_t first_offset() const { return next_offset_ - static_cast<int64_t>(histlen_); }

 private:
  std::string buf_;
  size_t idx_ = 0;      // where the next byte goes
  size_t histlen_ = 0;  // bytes held
  int64_t next_offset_;
};

}  // namespace repl
