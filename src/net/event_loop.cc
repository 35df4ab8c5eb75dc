// EventLoop implementation: epoll for file events, an unsorted list for
// timers. See event_loop.h for the contract and the invariants.
#include "net/event_loop.h"

#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "alloc/zmalloc.h"
#include "common/macros.h"

namespace net {

struct EventLoop::TimeEvent {
  int64_t id;
  int64_t when_us;  // monotonic time of the next run
  TimeProc proc;
  TimeFinalizer finalizer;
  void* data;
  TimeEvent* prev;
  TimeEvent* next;
  // Calls of proc on the stack: a deleted timer is freed only when it is 0,
  // so a proc that deletes its own timer (or recurses into ProcessEvents)
  // never has its node freed under it.
  int refcount;
  bool deleted;
};

namespace {

int64_t NowUs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// Microseconds to a poll/epoll timeout in ms, rounded up so we never wake
// before the timer is due and spin; -1 (forever) stays -1.
int UsToTimeoutMs(int64_t us) {
  if (us < 0) return -1;
  int64_t ms = (us + 999) / 1000;
  return static_cast<int>(std::min<int64_t>(ms, INT_MAX));
}

uint32_t EpollBits(int mask) {
  uint32_t ev = 0;
  if (mask & kReadable) ev |= EPOLLIN;
  if (mask & kWritable) ev |= EPOLLOUT;
  return ev;
}

std::string ErrnoMessage(const char* what, int err) {
  return std::string(what) + ": " + strerror(err);
}

}  // namespace

EventLoop::EventLoop(int epfd, int setsize, FileEvent* events)
    : epfd_(epfd), setsize_(setsize), events_(events) {}

common::Result<std::unique_ptr<EventLoop>> EventLoop::Create(int setsize) {
  if (setsize <= 0) return common::Status::InvalidArgument("event loop setsize must be positive");
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd == -1) return common::Status::IoError(ErrnoMessage("epoll_create1", errno));
  auto* events = static_cast<FileEvent*>(alloc::Meta(sizeof(FileEvent) * setsize));
  for (int i = 0; i < setsize; i++) events[i] = FileEvent{kNone, nullptr, nullptr, nullptr};
  return std::unique_ptr<EventLoop>(new EventLoop(epfd, setsize, events));
}

EventLoop::~EventLoop() {
  close(epfd_);
  alloc::Free(events_);
  alloc::Free(ready_);
  while (timers_ != nullptr) {
    TimeEvent* te = timers_;
    timers_ = te->next;
    if (te->finalizer != nullptr) te->finalizer(this, te->data);
    alloc::Free(te);
  }
}

common::Status EventLoop::Resize(int setsize) {
  if (setsize == setsize_) return common::Status::Ok();
  if (setsize <= 0) return common::Status::InvalidArgument("event loop setsize must be positive");
  if (max_fd_ >= setsize) {
    return common::Status::InvalidArgument("fd " + std::to_string(max_fd_) +
                                           " is registered, setsize " + std::to_string(setsize) +
                                           " is too small");
  }
  events_ = static_cast<FileEvent*>(alloc::Realloc(events_, sizeof(FileEvent) * setsize));
  for (int i = setsize_; i < setsize; i++) events_[i] = FileEvent{kNone, nullptr, nullptr, nullptr};
  setsize_ = setsize;
  return common::Status::Ok();
}

common::Status EventLoop::AddFileEvent(int fd, int mask, FileProc proc, void* data) {
  if (fd < 0 || fd >= setsize_) {
    return common::Status::InvalidArgument("fd " + std::to_string(fd) +
                                           " is out of the event loop's range (setsize " +
                                           std::to_string(setsize_) + ")");
  }
  if ((mask & (kReadable | kWritable)) == 0 || proc == nullptr) {
    return common::Status::InvalidArgument("AddFileEvent needs kReadable or kWritable and a proc");
  }
  FileEvent& fe = events_[fd];
  int merged = fe.mask | mask;
  struct epoll_event ee;
  memset(&ee, 0, sizeof(ee));
  ee.events = EpollBits(merged);
  ee.data.fd = fd;
  int op = fe.mask == kNone ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
  if (epoll_ctl(epfd_, op, fd, &ee) == -1) {
    // The fd was closed (which drops it from the epoll set) without
    // DelFileEvent, and its number reused: register it afresh.
    if (op == EPOLL_CTL_MOD && errno == ENOENT && epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ee) == 0) {
      // recovered
    } else {
      return common::Status::IoError(ErrnoMessage("epoll_ctl", errno));
    }
  }
  fe.mask = merged;
  if (mask & kReadable) fe.rproc = proc;
  if (mask & kWritable) fe.wproc = proc;
  fe.data = data;
  if (fd > max_fd_) max_fd_ = fd;
  return common::Status::Ok();
}

void EventLoop::DelFileEvent(int fd, int mask) {
  if (fd < 0 || fd >= setsize_) return;
  FileEvent& fe = events_[fd];
  if (fe.mask == kNone) return;
  // The barrier only means something together with the write interest.
  if (mask & kWritable) mask |= kBarrier;
  int left = fe.mask & ~mask;
  if (left == fe.mask) return;
  struct epoll_event ee;
  memset(&ee, 0, sizeof(ee));
  ee.data.fd = fd;
  if ((left & (kReadable | kWritable)) == 0) {
    left = kNone;  // a lone kBarrier is no registration
    // Errors are ignored: the fd may already be closed, which removed it.
    epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ee);
  } else {
    ee.events = EpollBits(left);
    epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ee);
  }
  fe.mask = left;
  if (left == kNone) {
    fe.rproc = fe.wproc = nullptr;
    fe.data = nullptr;
    if (fd == max_fd_) {
      int j = max_fd_ - 1;
      while (j >= 0 && events_[j].mask == kNone) j--;
      max_fd_ = j;
    }
  }
}

int EventLoop::GetFileEvents(int fd) const {
  if (fd < 0 || fd >= setsize_) return kNone;
  return events_[fd].mask;
}

int64_t EventLoop::CreateTimeEvent(int64_t ms, TimeProc proc, void* data,
                                   TimeFinalizer finalizer) {
  auto* te = static_cast<TimeEvent*>(alloc::Meta(sizeof(TimeEvent)));
  new (te) TimeEvent{next_timer_id_++, NowUs() + std::max<int64_t>(ms, 0) * 1000, proc, finalizer,
                     data, nullptr, timers_, 0, false};
  if (timers_ != nullptr) timers_->prev = te;
  timers_ = te;
  return te->id;
}

bool EventLoop::DeleteTimeEvent(int64_t id) {
  for (TimeEvent* te = timers_; te != nullptr; te = te->next) {
    if (te->id == id && !te->deleted) {
      te->deleted = true;
      return true;
    }
  }
  return false;
}

int64_t EventLoop::UsUntilEarliestTimer() const {
  int64_t earliest = -1;
  bool found = false;
  for (const TimeEvent* te = timers_; te != nullptr; te = te->next) {
    if (te->deleted) continue;
    if (!found || te->when_us < earliest) earliest = te->when_us;
    found = true;
  }
  if (!found) return -1;
  return std::max<int64_t>(earliest - NowUs(), 0);
}

int EventLoop::ProcessTimeEvents() {
  int processed = 0;
  // Timers created by the procs below get ids above this one; they wait
  // for the next pass, so a proc that keeps adding timers cannot make this
  // loop endless.
  const int64_t max_id = next_timer_id_ - 1;
  int64_t now = NowUs();
  TimeEvent* te = timers_;
  while (te != nullptr) {
    if (te->deleted) {
      TimeEvent* next = te->next;
      if (te->refcount == 0) {
        if (te->prev != nullptr) te->prev->next = te->next; else timers_ = te->next;
        if (te->next != nullptr) te->next->prev = te->prev;
        if (te->finalizer != nullptr) te->finalizer(this, te->data);
        alloc::Free(te);
      }
      te = next;
      continue;
    }
    if (te->id <= max_id && te->when_us <= now) {
      te->refcount++;
      int64_t ret = te->proc(this, te->id, te->data);
      te->refcount--;
      processed++;
      now = NowUs();
      if (ret == kNoMore) {
        te->deleted = true;
      } else {
        te->when_us = now + std::max<int64_t>(ret, 0) * 1000;
      }
    }
    te = te->next;
  }
  return processed;
}

void EventLoop::Dispatch(int fd, int fired_mask) {
  FileEvent* fe = Slot(fd);
  if (fe == nullptr) return;
  int fired = 0;
  // The procs may delete events, close fds or resize the table: re-read the
  // slot before each call and call only for interest that is still there.
  const bool invert = (fe->mask & kBarrier) != 0;
  if (!invert && (fe->mask & fired_mask & kReadable)) {
    fe->rproc(this, fd, fe->data, fired_mask & fe->mask & (kReadable | kWritable));
    fired++;
  }
  fe = Slot(fd);
  if (fe != nullptr && (fe->mask & fired_mask & kWritable)) {
    if (fired == 0 || fe->wproc != fe->rproc) {
      fe->wproc(this, fd, fe->data, fired_mask & fe->mask & (kReadable | kWritable));
      fired++;
    }
  }
  if (invert) {
    fe = Slot(fd);
    if (fe != nullptr && (fe->mask & fired_mask & kReadable) &&
        (fired == 0 || fe->wproc != fe->rproc)) {
      fe->rproc(this, fd, fe->data, fired_mask & fe->mask & (kReadable | kWritable));
    }
  }
}

int EventLoop::ProcessEvents(int flags) {
  if ((flags & kAllEvents) == 0) return 0;
  int processed = 0;
  // Sleep only if there is something to wake for: a registered fd, or a
  // timer pass we were asked to wait for.
  const bool has_fds = max_fd_ != -1 && (flags & kFileEvents);
  if (has_fds || ((flags & kTimeEvents) && !(flags & kDontWait))) {
    if (before_sleep_ != nullptr && (flags & kCallBeforeSleep)) before_sleep_(this);
    int64_t wait_us = -1;  // forever
    if ((flags & kDontWait) || dont_wait_) {
      wait_us = 0;
    } else if (flags & kTimeEvents) {
      wait_us = UsUntilEarliestTimer();
    }
    const int timeout_ms = UsToTimeoutMs(wait_us);

    int n = 0;
    struct epoll_event* ready = nullptr;
    std::vector<struct epoll_event> nested;
    if (flags & kFileEvents) {
      int cap;
      if (depth_ == 0) {
        if (ready_cap_ != setsize_) {
          ready_ = static_cast<struct epoll_event*>(
              alloc::Realloc(ready_, sizeof(struct epoll_event) * setsize_));
          ready_cap_ = setsize_;
        }
        ready = ready_;
        cap = ready_cap_;
      } else {
        nested.resize(setsize_);
        ready = nested.data();
        cap = setsize_;
      }
      n = epoll_wait(epfd_, ready, cap, timeout_ms);
      if (n < 0) {
        // EINTR (a signal) is an empty pass; anything else is a broken
        // invariant of ours (bad epfd, bad buffer).
        if (errno != EINTR) common::Panic("epoll_wait: %s", strerror(errno));
        n = 0;
      }
    } else if (timeout_ms != 0) {
      poll(nullptr, 0, timeout_ms);  // timers only: just sleep until due
    }

    if (after_sleep_ != nullptr && (flags & kCallAfterSleep)) after_sleep_(this);

    depth_++;
    for (int j = 0; j < n; j++) {
      const uint32_t ev = ready[j].events;
      int mask = kNone;
      if (ev & EPOLLIN) mask |= kReadable;
      if (ev & EPOLLOUT) mask |= kWritable;
      // An error or hang-up goes to whichever proc is registered; its next
      // read or write returns the error.
      if (ev & (EPOLLERR | EPOLLHUP)) mask |= kReadable | kWritable;
      Dispatch(ready[j].data.fd, mask);
      processed++;
    }
    depth_--;
  }
  if (flags & kTimeEvents) processed += ProcessTimeEvents();
  return processed;
}

void EventLoop::Run() {
  stop_ = false;
  while (!stop_) ProcessEvents(kAllEvents | kCallBeforeSleep | kCallAfterSleep);
}

int EventLoop::Wait(int fd, int mask, int64_t ms) {
  struct pollfd pfd;
  memset(&pfd, 0, sizeof(pfd));
  pfd.fd = fd;
  if (mask & kReadable) pfd.events |= POLLIN;
  if (mask & kWritable) pfd.events |= POLLOUT;
  const int64_t deadline = ms < 0 ? -1 : NowUs() + ms * 1000;
  for (;;) {
    int timeout_ms = deadline < 0 ? -1 : UsToTimeoutMs(std::max<int64_t>(deadline - NowUs(), 0));
    int r = poll(&pfd, 1, timeout_ms);
    if (r == 1) {
      int ready = kNone;
      if (pfd.revents & POLLNVAL) {
        errno = EBADF;
        return -1;
      }
      if (pfd.revents & POLLIN) ready |= kReadable;
      if (pfd.revents & POLLOUT) ready |= kWritable;
      // An error or hang-up ends the wait: the caller's next read or write
      // reports it.
      if (pfd.revents & (POLLERR | POLLHUP)) ready |= kReadable | kWritable;
      return ready & mask;
    }
    if (r == 0) return 0;
    if (errno != EINTR) return -1;
  }
}

}  // namespace net
