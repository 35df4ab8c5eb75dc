// COW measurement from smaps and the child info pipe (see child_info.h).
#include "persist/child_info.h"

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace persist {
namespace {

constexpr std::string_view kPrivateDirty = "Private_Dirty:";

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Accumulates Private_Dirty line by line, remembering which tier the
// current mapping belongs to.
class SmapsDirtySum {
 public:
  SmapsDirtySum(uintptr_t nvm_lo, uintptr_t nvm_hi) : nvm_lo_(nvm_lo), nvm_hi_(nvm_hi) {}

  void Line(std::string_view line) {
    if (line.empty()) return;
    if (IsHex(line[0]) && line.find('-') != std::string_view::npos &&
        line.find(':') > line.find(' ')) {  // a mapping header: "start-end perms ..."
      std::string start(line.substr(0, line.find('-')));
      uintptr_t addr = static_cast<uintptr_t>(strtoull(start.c_str(), nullptr, 16));
      in_nvm_ = nvm_hi_ > nvm_lo_ && addr >= nvm_lo_ && addr < nvm_hi_;
      return;
    }
    if (line.substr(0, kPrivateDirty.size()) != kPrivateDirty) return;
    std::string num(line.substr(kPrivateDirty.size()));
    size_t bytes = static_cast<size_t>(strtoull(num.c_str(), nullptr, 10)) * 1024;  // the field is in kB
    sum_.total += bytes;
    (in_nvm_ ? sum_.nvm : sum_.dram) += bytes;
  }
  // Feeds every complete line of text; returns the bytes consumed (the
  // start of an unterminated last line, unless `last`).
  size_t Lines(std::string_view text, bool last) {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t eol = text.find('\n', pos);
      if (eol == std::string_view::npos) {
        if (!last) return pos;
        eol = text.size();
      }
      Line(text.substr(pos, eol - pos));
      pos = eol + 1;
    }
    return text.size();
  }
  const CowBytes& sum() const { return sum_; }

 private:
  uintptr_t nvm_lo_, nvm_hi_;
  bool in_nvm_ = false;
  CowBytes sum_;
};

// Read size of ReadPrivateDirty: smaps is read through this fixed buffer
// and parsed as it comes, so a fork child measuring its COW does not grow a
// heap copy of the whole text (about 1 KB per mapping) and thereby add to
// the COW it measures. Longer than any smaps line.
constexpr size_t kSmapsReadBuffer = 16 * 1024;

}  // namespace

CowBytes ParseSmapsPrivateDirty(std::string_view smaps, uintptr_t nvm_lo, uintptr_t nvm_hi) {
  SmapsDirtySum sum(nvm_lo, nvm_hi);
  sum.Lines(smaps, /*last=*/true);
  return sum.sum();
}

CowBytes ReadPrivateDirty(uintptr_t nvm_lo, uintptr_t nvm_hi) {
  return ReadPrivateDirtyFrom("/proc/self/smaps", nvm_lo, nvm_hi);
}

CowBytes ReadPrivateDirtyFrom(const char* path, uintptr_t nvm_lo, uintptr_t nvm_hi) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  SmapsDirtySum sum(nvm_lo, nvm_hi);
  char buf[kSmapsReadBuffer];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(fd, buf + have, sizeof(buf) - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += static_cast<size_t>(n);
    size_t used = sum.Lines(std::string_view(buf, have), false);
    if (used == 0 && have == sizeof(buf)) used = have;  // a line longer than the buffer: skip it
    memmove(buf, buf + used, have - used);
    have -= used;
  }
  sum.Lines(std::string_view(buf, have), true);
  close(fd);
  return sum.sum();
}

bool ChildInfoPipe::Open() {
  Close();
  if (pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
    fds_[0] = fds_[1] = -1;
    return false;
  }
  return true;
}

void ChildInfoPipe::Close() {
  for (int& fd : fds_) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

void ChildInfoPipe::Send(const ChildInfo& info) const {
  static_assert(sizeof(ChildInfo) <= PIPE_BUF, "child info writes must be atomic");
  if (fds_[1] < 0) return;
  ssize_t n = write(fds_[1], &info, sizeof(info));
  (void)n;  // a full pipe drops a progress message; the parent keeps the last one it got
}

bool ChildInfoPipe::Receive(ChildInfo* current, ChildInfo* final_info, bool* got_final) const {
  if (fds_[0] < 0) return false;
  bool any = false;
  ChildInfo msg;
  while (read(fds_[0], &msg, sizeof(msg)) == static_cast<ssize_t>(sizeof(msg))) {
    any = true;
    if (msg.type == ChildInfoType::kCurrent) {
      *current = msg;
    } else {
      *final_info = msg;
      *got_final = true;
    }
  }
  return any;
}

}  // namespace persist
