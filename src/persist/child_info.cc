// COW measurement from smaps and the child info pipe (see child_info.h).
#include "persist/child_info.h"

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace persist {
namespace {

constexpr std::string_view kPrivateDirty = "Private_Dirty:";

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

CowBytes ParseSmapsPrivateDirty(std::string_view smaps, uintptr_t nvm_lo, uintptr_t nvm_hi) {
  CowBytes out;
  bool in_nvm = false;
  size_t pos = 0;
  while (pos < smaps.size()) {
    size_t eol = smaps.find('\n', pos);
    if (eol == std::string_view::npos) eol = smaps.size();
    std::string_view line = smaps.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) continue;
    if (IsHex(line[0]) && line.find('-') != std::string_view::npos &&
        line.find(':') > line.find(' ')) {  // a mapping header: "start-end perms ..."
      std::string start(line.substr(0, line.find('-')));
      uintptr_t addr = static_cast<uintptr_t>(strtoull(start.c_str(), nullptr, 16));
      in_nvm = nvm_hi > nvm_lo && addr >= nvm_lo && addr < nvm_hi;
      continue;
    }
    if (line.substr(0, kPrivateDirty.size()) != kPrivateDirty) continue;
    std::string num(line.substr(kPrivateDirty.size()));
    size_t bytes = static_cast<size_t>(strtoull(num.c_str(), nullptr, 10)) * 1024;  // the field is in kB
    out.total += bytes;
    (in_nvm ? out.nvm : out.dram) += bytes;
  }
  return out;
}

CowBytes ReadPrivateDirty(uintptr_t nvm_lo, uintptr_t nvm_hi) {
  int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string text;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return ParseSmapsPrivateDirty(text, nvm_lo, nvm_hi);
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
