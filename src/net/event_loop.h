// EventLoop: the server's single-threaded reactor, in the shape of Redis's
// ae.c: file events on an epoll set, plus timers, dispatched from one thread.
//
// Owns: one epoll descriptor, a table of per-fd registrations indexed by fd
// (setsize slots: the largest fd the loop can watch, plus one), the array of
// events fired by the last epoll_wait, and the list of timers.
//
// File events. Each fd has one mask (kReadable | kWritable | kBarrier), one
// read proc, one write proc and one `data` pointer shared by both. When an fd
// is both readable and writable in the same pass the read proc runs first,
// then the write proc, unless kBarrier is set, which inverts the order (Redis
// uses it to fsync the AOF before replying). If the read and write procs are
// the same function and both fire, it is called once with both bits in
// `mask`. epoll's EPOLLERR/EPOLLHUP are reported as readable and writable, so
// whichever proc is registered sees the error on its next read or write.
//
// Timers. A short unsorted list (a server has a handful: serverCron and a few
// others), scanned in full at each pass, as in Redis. A timer's proc returns
// the delay in ms to its next run, or kNoMore to end it. Deleting a timer
// only marks it; it is unlinked and its finalizer run at a later pass when no
// call to its proc is on the stack. Timers created during a pass first run at
// the next pass. Times come from CLOCK_MONOTONIC, so changes to the wall clock
// neither fire nor delay timers.
//
// Invariants:
//  - max_fd_ is the highest fd with a non-empty mask, or -1.
//  - every fd < setsize_ with a non-empty mask is in the epoll set with
//    exactly the read/write interest its mask says.
//
// Re-entrancy: procs may add or delete any fd's events (their own included,
// and close the fd), create or delete timers (their own included), call
// Resize, Stop, and even ProcessEvents recursively (Redis does this while
// loading). Dispatch re-reads the registration before each call, so a proc
// never runs for an fd whose interest was removed earlier in the same pass.
//
// Thread safety: none. Everything runs on the loop's thread, except Wait(),
// which is a free-standing helper.
#pragma once

#include <cstdint>
#include <memory>

#include "common/status.h"

struct epoll_event;

namespace net {

enum : int {
  kNone = 0,
  kReadable = 1,
  kWritable = 2,
  // With kWritable: when both fire in one pass, call the write proc before
  // the read proc (Redis's AE_BARRIER).
  kBarrier = 4,
};

class EventLoop;

// `mask` is the subset of fd's registered {kReadable, kWritable} that fired
// (both bits when one proc serves both and both fired).
using FileProc = void (*)(EventLoop* loop, int fd, void* data, int mask);
// Returns the delay in ms until the next call, or kNoMore to delete the timer.
using TimeProc = int64_t (*)(EventLoop* loop, int64_t id, void* data);
using TimeFinalizer = void (*)(EventLoop* loop, void* data);

inline constexpr int64_t kNoMore = -1;

class EventLoop {
 public:
  // Flags of ProcessEvents.
  enum : int {
    kFileEvents = 1,
    kTimeEvents = 2,
    kAllEvents = kFileEvents | kTimeEvents,
    kDontWait = 4,          // poll without blocking
    kCallBeforeSleep = 8,   // run the before-sleep hook before waiting
    kCallAfterSleep = 16,   // run the after-sleep hook after waiting
  };

  using Hook = void (*)(EventLoop* loop);

  // Makes a loop able to watch fds 0..setsize-1 (Redis sizes it maxclients +
  // 128: room for the listeners, persistence files and other fds the server
  // holds besides clients). Fails when setsize <= 0 or epoll cannot be made.
  static common::Result<std::unique_ptr<EventLoop>> Create(int setsize);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Grows or shrinks the fd table. Fails, changing nothing, if setsize <= 0
  // or some registered fd is >= setsize. Safe to call from a proc.
  common::Status Resize(int setsize);
  int setsize() const { return setsize_; }

  // Adds `mask` to fd's interest (ORed into what is registered). The read
  // proc is set when mask has kReadable, the write proc when it has
  // kWritable; `data` replaces the fd's data pointer. Fails with no change if
  // fd is outside [0, setsize), mask has neither kReadable nor kWritable, or
  // epoll_ctl fails (the message carries strerror).
  common::Status AddFileEvent(int fd, int mask, FileProc proc, void* data);
  // Removes `mask` from fd's interest; removing kWritable also removes
  // kBarrier. The fd leaves the epoll set when nothing is left. Out-of-range
  // fds and unregistered bits are ignored. Call it before close(fd).
  void DelFileEvent(int fd, int mask);
  // The registered mask of fd (kNone when none or out of range).
  int GetFileEvents(int fd) const;

  // Runs proc about `ms` milliseconds from now (ms < 0 counts as 0), then
  // again after each delay it returns. `finalizer`, if given, runs with
  // `data` once the timer is gone: at the first pass after it was deleted or
  // returned kNoMore, or when the loop is destroyed. A finalizer must not
  // call ProcessEvents. Returns the timer id (ids start at 0 and are never
  // reused).
  int64_t CreateTimeEvent(int64_t ms, TimeProc proc, void* data,
                          TimeFinalizer finalizer = nullptr);
  // Marks the timer deleted: its proc will not run again. Safe from inside
  // any proc, that timer's own included. Returns false if no live timer has
  // this id.
  bool DeleteTimeEvent(int64_t id);

  void SetBeforeSleep(Hook h) { before_sleep_ = h; }
  void SetAfterSleep(Hook h) { after_sleep_ = h; }
  // While set, ProcessEvents polls without blocking as if kDontWait were
  // passed (Redis's aeSetDontWait: the before-sleep hook sets it when work
  // is left over that must not wait for I/O).
  void SetDontWait(bool on) { dont_wait_ = on; }

  // One pass: runs the before-sleep hook (kCallBeforeSleep), waits for file
  // events (no wait with kDontWait or SetDontWait(true); else until the
  // nearest timer is due when kTimeEvents is set; else forever), runs the
  // after-sleep hook (kCallAfterSleep), dispatches the file events
  // (kFileEvents), then runs the due timers (kTimeEvents). Returns the number of
  // fds dispatched plus timer procs run. Returns 0 at once when flags have
  // neither kFileEvents nor kTimeEvents, or when only file events are asked
  // for and no fd is registered.
  int ProcessEvents(int flags);
  // Runs passes with all events and both hooks until Stop() is called.
  void Run();
  // Makes Run() return after the current pass. Callable from any proc/hook.
  void Stop() { stop_ = true; }

  // Blocks up to ms milliseconds (ms < 0: forever) until fd is readable or
  // writable as `mask` asks. Returns the subset of mask that is ready (an
  // error or hang-up on the fd counts as all of mask), 0 on timeout, -1 on
  // error (errno set; EBADF for an fd that is not open). For blocking
  // SYNC-style exchanges outside the loop.
  static int Wait(int fd, int mask, int64_t ms);

 private:
  struct FileEvent {
    int mask;  // kNone: slot unused
    FileProc rproc;
    FileProc wproc;
    void* data;
  };
  struct TimeEvent;

  EventLoop(int epfd, int setsize, FileEvent* events);
  // The registration of fd, or nullptr when fd is outside the table (it may
  // have shrunk during dispatch).
  FileEvent* Slot(int fd) { return fd >= 0 && fd < setsize_ ? &events_[fd] : nullptr; }
  // Calls the procs of one fired fd, in the order the file comment gives.
  void Dispatch(int fd, int fired_mask);
  int ProcessTimeEvents();
  // Microseconds until the nearest live timer (0 if overdue), or -1 if none.
  int64_t UsUntilEarliestTimer() const;

  int epfd_;
  int setsize_;
  int max_fd_ = -1;
  FileEvent* events_;  // setsize_ slots, alloc::Meta
  // The buffer epoll_wait fills at the outermost pass. It is resized to
  // setsize_ only between passes, so a Resize() from a proc never moves the
  // array being dispatched; nested passes (a proc calling ProcessEvents) use
  // a buffer of their own, so they never overwrite the outer pass's events.
  struct epoll_event* ready_ = nullptr;  // alloc::Meta
  int ready_cap_ = 0;
  int depth_ = 0;  // ProcessEvents calls on the stack that are dispatching
  TimeEvent* timers_ = nullptr;  // head of a doubly linked list, newest first
  int64_t next_timer_id_ = 0;
  bool stop_ = false;
  bool dont_wait_ = false;
  Hook before_sleep_ = nullptr;
  Hook after_sleep_ = nullptr;
};

}  // namespace net
