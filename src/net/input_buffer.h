// InputBuffer: a client's query buffer, the bytes read from its socket and
// not yet consumed by the parser.
//
// Why not std::string: the read path must hand read(2) room for 16 KiB and
// std::string can only grow by resize(), which zero-fills that room before
// every read. Measured with callgrind under `redis-benchmark -t get -P 16`:
// the memset was 30% of the server's instructions (~1,000 per command) and
// touched 16 KiB of cache per read, evicting the working set. Here PrepareAppend
// hands out uninitialised room and Commit takes only the bytes that arrived,
// the way Redis's sdsMakeRoomFor + sdsIncrLen do.
//
// Owns: one alloc::Meta block (client buffers are metadata: DRAM), or none
// while capacity() is 0.
//
// Invariants: size() <= capacity(); data() is nullptr iff capacity() == 0.
//
// Thread safety: none; one buffer per client.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

#include "alloc/zmalloc.h"

namespace net {

class InputBuffer {
 public:
  InputBuffer() = default;
  ~InputBuffer() { alloc::Free(data_); }
  InputBuffer(const InputBuffer&) = delete;
  InputBuffer& operator=(const InputBuffer&) = delete;

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  char* data() { return data_; }
  const char* data() const { return data_; }
  std::string_view view() const { return std::string_view(data_, size_); }

  // Makes capacity() at least n, keeping the bytes. Grows to exactly n: the
  // callers size their requests (a 16 KiB read, one big argument), and
  // doubling on top of that would let a query buffer ratchet up to several
  // times what any read needs.
  void Reserve(size_t n) {
    if (n <= capacity_) return;
    data_ = static_cast<char*>(alloc::Realloc(data_, n));
    capacity_ = n;
  }
  // Room for at least n more bytes after size(), uninitialised. The caller
  // writes k <= n bytes there and calls Commit(k).
  char* PrepareAppend(size_t n) {
    Reserve(size_ + n);
    return data_ + size_;
  }
  // REQUIRES: k <= capacity() - size(), the bytes written by the caller.
  void Commit(size_t k) { size_ += k; }
  void Append(const char* p, size_t n) {
    memcpy(PrepareAppend(n), p, n);
    Commit(n);
  }
  // Drops the first n bytes (n <= size()), moving the rest to the front.
  void Consume(size_t n) {
    if (n >= size_) {
      size_ = 0;
      return;
    }
    memmove(data_, data_ + n, size_ - n);
    size_ -= n;
  }
  // size() becomes 0; the memory is kept for the next read.
  void Clear() { size_ = 0; }
  // Gives back the memory beyond size() (all of it when empty).
  void ShrinkToFit() {
    if (capacity_ == size_) return;
    if (size_ == 0) {
      alloc::Free(data_);
      data_ = nullptr;
    } else {
      data_ = static_cast<char*>(alloc::Realloc(data_, size_));
    }
    capacity_ = size_;
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace net
