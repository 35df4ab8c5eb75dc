// What a fork child (BGSAVE, BGREWRITEAOF) tells its parent, and how the
// copy-on-write it caused is measured.
//
// Copy-on-write: after fork both processes share every page; a page either
// one writes is copied, and in the child that copy shows as Private_Dirty in
// /proc/self/smaps (Redis's zmalloc_get_private_dirty reads the same
// field). The child sums Private_Dirty over its mappings and splits the sum
// by tier: mappings inside the NVM arena's reserved range [nvm_lo, nvm_hi)
// versus all the others (DRAM: metadata, the DRAM arenas, stacks, ...).
// The NVM arena is private anonymous memory, so it is copied on write like
// everything else: the split shows how much of the copying the slow tier
// absorbed.
//
// The child reports through a pipe: fixed-size messages, each smaller than
// PIPE_BUF so every write(2) is atomic; the parent drains the pipe without
// blocking (in cron and when the child exits) and keeps the latest values.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace persist {

struct CowBytes {
  size_t total = 0;
  size_t nvm = 0;   // Private_Dirty of mappings inside the NVM range
  size_t dram = 0;  // everything else
};

// Sums the Private_Dirty fields of smaps text (the /proc/<pid>/smaps
// format: a mapping header line "start-end perms ..." followed by
// "Key: value kB" lines), attributing each mapping by its start address.
CowBytes ParseSmapsPrivateDirty(std::string_view smaps, uintptr_t nvm_lo, uintptr_t nvm_hi);
// The calling process's Private_Dirty bytes, from /proc/self/smaps
// (all zero if it cannot be read). The file is parsed as it is read,
// through a fixed 16 KiB stack buffer: no heap copy of the text, so a fork
// child measuring its COW adds almost nothing to it.
CowBytes ReadPrivateDirty(uintptr_t nvm_lo, uintptr_t nvm_hi);
// The same for smaps text in the file at path (tests).
CowBytes ReadPrivateDirtyFrom(const char* path, uintptr_t nvm_lo, uintptr_t nvm_hi);

enum class ChildInfoType : int {
  kCurrent = 0,  // progress while working: keys processed, COW so far
  kRdbCow = 1,   // final COW of a successful RDB save
  kAofCow = 2,   // final COW of a successful AOF rewrite
};

struct ChildInfo {
  ChildInfoType type = ChildInfoType::kCurrent;
  size_t keys = 0;
  CowBytes cow;
  int64_t cow_updated_ms = 0;  // unix ms of the measurement
};

// The parent-child pipe. Open() before fork; the child calls Send, the
// parent Receive. Close() in the parent after the child is reaped.
class ChildInfoPipe {
 public:
  ChildInfoPipe() = default;
  ~ChildInfoPipe() { Close(); }
  ChildInfoPipe(const ChildInfoPipe&) = delete;
  ChildInfoPipe& operator=(const ChildInfoPipe&) = delete;

  bool Open();
  void Close();
  bool IsOpen() const { return fds_[0] >= 0; }
  // Child side: writes one message (never blocks; a full pipe drops it).
  void Send(const ChildInfo& info) const;
  // Parent side: reads every pending message; returns false when there was
  // none. *current gets the latest kCurrent, *final the latest kRdbCow /
  // kAofCow (each only overwritten when such a message arrived; *got_final
  // set then).
  bool Receive(ChildInfo* current, ChildInfo* final_info, bool* got_final) const;

 private:
  int fds_[2] = {-1, -1};
};

}  // namespace persist
