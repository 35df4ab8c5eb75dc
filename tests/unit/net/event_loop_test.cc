// Tests of net::EventLoop: timers (order, periods, deletion from procs,
// finalizers), file events on pipes and socketpairs (dispatch, deletion
// during dispatch, barrier ordering), Resize, hooks, Run/Stop and Wait.
//
// Timing checks use lower bounds that the monotonic clock guarantees and
// upper bounds seconds wide, so a loaded machine cannot make them flaky.
#include "net/event_loop.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace net {
namespace {

int64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Upper bound on any wait in these tests: far above every expected delay.
constexpr int64_t kGenerousMs = 5000;

std::unique_ptr<EventLoop> MakeLoop(int setsize = 1024) {
  auto r = EventLoop::Create(setsize);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(r.value());
}

// Runs passes until done() or kGenerousMs passes; returns whether done.
template <typename F>
bool RunUntil(EventLoop* loop, F done) {
  int64_t start = NowMs();
  while (!done()) {
    if (NowMs() - start > kGenerousMs) return false;
    loop->ProcessEvents(EventLoop::kAllEvents);
  }
  return true;
}

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    EXPECT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    if (r >= 0) close(r);
    if (w >= 0) close(w);
  }
};

struct SocketPair {
  int a = -1, b = -1;
  SocketPair() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    a = fds[0];
    b = fds[1];
  }
  ~SocketPair() {
    if (a >= 0) close(a);
    if (b >= 0) close(b);
  }
};

TEST(EventLoopTest, CreateValidatesSetsize) {
  EXPECT_FALSE(EventLoop::Create(0).ok());
  EXPECT_FALSE(EventLoop::Create(-5).ok());
  auto loop = MakeLoop(64);
  EXPECT_EQ(loop->setsize(), 64);
}

// ---- Timers ----------------------------------------------------------------

struct FireLog {
  std::vector<std::string> names;
  std::vector<int64_t> at_ms;
};

struct NamedTimer {
  FireLog* log;
  std::string name;
  int64_t period;  // returned by the proc; kNoMore for one-shot
  int remaining;   // fires left before returning kNoMore
};

int64_t LogTimer(EventLoop*, int64_t, void* data) {
  auto* t = static_cast<NamedTimer*>(data);
  t->log->names.push_back(t->name);
  t->log->at_ms.push_back(NowMs());
  if (--t->remaining <= 0) return kNoMore;
  return t->period;
}

TEST(EventLoopTest, OneShotTimersFireInDeadlineOrder) {
  auto loop = MakeLoop();
  FireLog log;
  // Created out of order on purpose: the list is unsorted.
  NamedTimer c{&log, "c", kNoMore, 1}, a{&log, "a", kNoMore, 1}, b{&log, "b", kNoMore, 1};
  int64_t start = NowMs();
  loop->CreateTimeEvent(90, LogTimer, &c);
  loop->CreateTimeEvent(10, LogTimer, &a);
  loop->CreateTimeEvent(50, LogTimer, &b);
  ASSERT_TRUE(RunUntil(loop.get(), [&] { return log.names.size() == 3; }));
  EXPECT_EQ(log.names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_GE(log.at_ms[0] - start, 10);
  EXPECT_GE(log.at_ms[1] - start, 50);
  EXPECT_GE(log.at_ms[2] - start, 90);
  // Nothing left: a non-blocking pass processes nothing.
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kAllEvents | EventLoop::kDontWait), 0);
}

TEST(EventLoopTest, PeriodicTimerKeepsItsPeriod) {
  auto loop = MakeLoop();
  FireLog log;
  NamedTimer t{&log, "p", 20, 5};
  int64_t start = NowMs();
  loop->CreateTimeEvent(20, LogTimer, &t);
  ASSERT_TRUE(RunUntil(loop.get(), [&] { return log.names.size() == 5; }));
  EXPECT_GE(log.at_ms[0] - start, 20);
  for (size_t i = 1; i < log.at_ms.size(); i++) {
    EXPECT_GE(log.at_ms[i] - log.at_ms[i - 1], 20) << "fire " << i;
  }
  EXPECT_LT(log.at_ms.back() - start, kGenerousMs);
  // It returned kNoMore after the 5th fire: more passes do not fire it.
  loop->ProcessEvents(EventLoop::kAllEvents | EventLoop::kDontWait);
  EXPECT_EQ(log.names.size(), 5u);
}

TEST(EventLoopTest, ProcessEventsSleepsUntilTheNearestTimer) {
  auto loop = MakeLoop();
  FireLog log;
  NamedTimer t{&log, "t", kNoMore, 1};
  int64_t start = NowMs();
  loop->CreateTimeEvent(40, LogTimer, &t);
  // One blocking pass: no fds, so it sleeps until the timer and runs it.
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kAllEvents), 1);
  EXPECT_EQ(log.names.size(), 1u);
  EXPECT_GE(NowMs() - start, 40);
}

struct Finalized {
  std::vector<void*> data;
};
Finalized* g_finalized = nullptr;
void RecordFinalizer(EventLoop*, void* data) { g_finalized->data.push_back(data); }

struct DeleterState {
  int64_t self_id = -1;
  int64_t other_id = -1;
  int self_fires = 0;
  int other_fires = 0;
  bool delete_self_ok = false;
  bool delete_other_ok = false;
};

int64_t DeleterProc(EventLoop* loop, int64_t id, void* data) {
  auto* s = static_cast<DeleterState*>(data);
  s->self_fires++;
  EXPECT_EQ(id, s->self_id);
  s->delete_self_ok = loop->DeleteTimeEvent(id);
  s->delete_other_ok = loop->DeleteTimeEvent(s->other_id);
  return 10;  // ignored: the timer deleted itself
}

int64_t OtherProc(EventLoop*, int64_t, void* data) {
  static_cast<DeleterState*>(data)->other_fires++;
  return 10;
}

TEST(EventLoopTest, TimerDeletesItselfAndAnotherFromItsProc) {
  auto loop = MakeLoop();
  Finalized fin;
  g_finalized = &fin;
  DeleterState s;
  s.other_id = loop->CreateTimeEvent(60, OtherProc, &s, RecordFinalizer);
  s.self_id = loop->CreateTimeEvent(10, DeleterProc, &s, RecordFinalizer);
  EXPECT_NE(s.self_id, s.other_id);
  ASSERT_TRUE(RunUntil(loop.get(), [&] { return s.self_fires > 0; }));
  EXPECT_TRUE(s.delete_self_ok);
  EXPECT_TRUE(s.delete_other_ok);
  // Deleting again reports that no live timer has the id.
  EXPECT_FALSE(loop->DeleteTimeEvent(s.self_id));
  EXPECT_FALSE(loop->DeleteTimeEvent(s.other_id));
  // Let well past the other timer's deadline go by.
  int64_t until = NowMs() + 120;
  while (NowMs() < until) loop->ProcessEvents(EventLoop::kTimeEvents | EventLoop::kDontWait);
  EXPECT_EQ(s.self_fires, 1);
  EXPECT_EQ(s.other_fires, 0);
  // Both finalizers ran exactly once (freed at a pass after the deletion).
  ASSERT_EQ(fin.data.size(), 2u);
  EXPECT_EQ(fin.data[0], &s);
  EXPECT_EQ(fin.data[1], &s);
  g_finalized = nullptr;
}

TEST(EventLoopTest, NoMoreRunsFinalizerAndDestructorFinalizesLiveTimers) {
  Finalized fin;
  g_finalized = &fin;
  int a = 0, b = 0;
  {
    auto loop = MakeLoop();
    FireLog log;
    NamedTimer once{&log, "once", kNoMore, 1};
    loop->CreateTimeEvent(0, LogTimer, &once, RecordFinalizer);
    loop->CreateTimeEvent(100000, LogTimer, &a, RecordFinalizer);  // never due
    loop->ProcessEvents(EventLoop::kTimeEvents | EventLoop::kDontWait);
    EXPECT_EQ(log.names.size(), 1u);
    EXPECT_TRUE(fin.data.empty());  // unlinked at the next pass, not during
    loop->ProcessEvents(EventLoop::kTimeEvents | EventLoop::kDontWait);
    ASSERT_EQ(fin.data.size(), 1u);
    EXPECT_EQ(fin.data[0], &once);
    loop->CreateTimeEvent(100000, LogTimer, &b, RecordFinalizer);
  }
  ASSERT_EQ(fin.data.size(), 3u);
  EXPECT_TRUE(std::count(fin.data.begin(), fin.data.end(), &a) == 1);
  EXPECT_TRUE(std::count(fin.data.begin(), fin.data.end(), &b) == 1);
  g_finalized = nullptr;
}

struct Spawner {
  int fires = 0;
  int child_fires = 0;
};

int64_t ChildProc(EventLoop*, int64_t, void* data) {
  static_cast<Spawner*>(data)->child_fires++;
  return kNoMore;
}

int64_t SpawnProc(EventLoop* loop, int64_t, void* data) {
  auto* s = static_cast<Spawner*>(data);
  s->fires++;
  loop->CreateTimeEvent(0, ChildProc, s);  // due at once, but created mid-pass
  return kNoMore;
}

TEST(EventLoopTest, TimerCreatedDuringAPassRunsAtTheNextPass) {
  auto loop = MakeLoop();
  Spawner s;
  loop->CreateTimeEvent(0, SpawnProc, &s);
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kTimeEvents | EventLoop::kDontWait), 1);
  EXPECT_EQ(s.fires, 1);
  EXPECT_EQ(s.child_fires, 0);
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kTimeEvents | EventLoop::kDontWait), 1);
  EXPECT_EQ(s.child_fires, 1);
}

// ---- File events -----------------------------------------------------------

struct Calls {
  std::vector<std::string> order;
  std::vector<int> masks;
  std::vector<int> fds;
};

void ReadProc(EventLoop*, int fd, void* data, int mask) {
  auto* c = static_cast<Calls*>(data);
  c->order.push_back("r");
  c->masks.push_back(mask);
  c->fds.push_back(fd);
}

void WriteProc(EventLoop*, int fd, void* data, int mask) {
  auto* c = static_cast<Calls*>(data);
  c->order.push_back("w");
  c->masks.push_back(mask);
  c->fds.push_back(fd);
}

void DrainProc(EventLoop*, int fd, void* data, int mask) {
  ReadProc(nullptr, fd, data, mask);
  char buf[256];
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
}

TEST(EventLoopTest, ReadableFiresOnlyWithData) {
  auto loop = MakeLoop();
  Pipe p;
  Calls calls;
  ASSERT_TRUE(loop->AddFileEvent(p.r, kReadable, DrainProc, &calls).ok());
  EXPECT_EQ(loop->GetFileEvents(p.r), kReadable);
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kAllEvents | EventLoop::kDontWait), 0);
  EXPECT_TRUE(calls.order.empty());
  ASSERT_EQ(write(p.w, "x", 1), 1);
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kAllEvents | EventLoop::kDontWait), 1);
  ASSERT_EQ(calls.order, std::vector<std::string>{"r"});
  EXPECT_EQ(calls.masks[0], kReadable);
  EXPECT_EQ(calls.fds[0], p.r);
  // Drained: nothing more.
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kAllEvents | EventLoop::kDontWait), 0);
  // A hang-up of the writer is reported to the read proc.
  close(p.w);
  p.w = -1;
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kAllEvents | EventLoop::kDontWait), 1);
  EXPECT_EQ(calls.order.size(), 2u);
  EXPECT_EQ(calls.masks[1], kReadable);
  loop->DelFileEvent(p.r, kReadable);
}

TEST(EventLoopTest, BlockingPassWakesOnFileEvent) {
  auto loop = MakeLoop();
  Pipe p;
  Calls calls;
  ASSERT_TRUE(loop->AddFileEvent(p.r, kReadable, DrainProc, &calls).ok());
  ASSERT_EQ(write(p.w, "x", 1), 1);
  // No timers and no kDontWait: returns as soon as the fd is ready.
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kAllEvents), 1);
  EXPECT_EQ(calls.order.size(), 1u);
}

TEST(EventLoopTest, MasksMergeAndDeleteByBit) {
  auto loop = MakeLoop(64);
  SocketPair sp;
  Calls calls;
  ASSERT_TRUE(loop->AddFileEvent(sp.a, kReadable, ReadProc, &calls).ok());
  ASSERT_TRUE(loop->AddFileEvent(sp.a, kWritable | kBarrier, WriteProc, &calls).ok());
  EXPECT_EQ(loop->GetFileEvents(sp.a), kReadable | kWritable | kBarrier);
  // Removing the write interest takes the barrier with it.
  loop->DelFileEvent(sp.a, kWritable);
  EXPECT_EQ(loop->GetFileEvents(sp.a), kReadable);
  loop->DelFileEvent(sp.a, kReadable);
  EXPECT_EQ(loop->GetFileEvents(sp.a), kNone);
  loop->DelFileEvent(sp.a, kReadable);  // nothing registered: no-op
  // Bad arguments.
  EXPECT_FALSE(loop->AddFileEvent(64, kReadable, ReadProc, &calls).ok());
  EXPECT_FALSE(loop->AddFileEvent(-1, kReadable, ReadProc, &calls).ok());
  EXPECT_FALSE(loop->AddFileEvent(sp.a, kBarrier, ReadProc, &calls).ok());
  EXPECT_EQ(loop->GetFileEvents(64), kNone);
  EXPECT_EQ(loop->GetFileEvents(-1), kNone);
  loop->DelFileEvent(1000, kReadable);  // out of range: ignored
  // epoll_ctl failure (not a pollable fd: a regular file) is an error.
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  if (fd < 64) {
    common::Status st = loop->AddFileEvent(fd, kReadable, ReadProc, &calls);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("epoll_ctl"), std::string::npos) << st.message();
    EXPECT_EQ(loop->GetFileEvents(fd), kNone);
  }
  close(fd);
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kAllEvents | EventLoop::kDontWait), 0);
}

TEST(EventLoopTest, ReadBeforeWriteUnlessBarrier) {
  for (bool barrier : {false, true}) {
    SCOPED_TRACE(barrier ? "barrier" : "no barrier");
    auto loop = MakeLoop();
    SocketPair sp;
    Calls calls;
    ASSERT_EQ(write(sp.b, "hi", 2), 2);  // a is readable; a is always writable
    ASSERT_TRUE(loop->AddFileEvent(sp.a, kReadable, ReadProc, &calls).ok());
    int wmask = kWritable | (barrier ? kBarrier : 0);
    ASSERT_TRUE(loop->AddFileEvent(sp.a, wmask, WriteProc, &calls).ok());
    EXPECT_EQ(loop->ProcessEvents(EventLoop::kFileEvents | EventLoop::kDontWait), 1);
    std::vector<std::string> want = barrier ? std::vector<std::string>{"w", "r"}
                                            : std::vector<std::string>{"r", "w"};
    EXPECT_EQ(calls.order, want);
    for (int m : calls.masks) EXPECT_EQ(m, kReadable | kWritable);
  }
}

TEST(EventLoopTest, SameProcForBothIsCalledOnce) {
  auto loop = MakeLoop();
  SocketPair sp;
  Calls calls;
  ASSERT_EQ(write(sp.b, "hi", 2), 2);
  ASSERT_TRUE(loop->AddFileEvent(sp.a, kReadable | kWritable, ReadProc, &calls).ok());
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kFileEvents | EventLoop::kDontWait), 1);
  ASSERT_EQ(calls.order.size(), 1u);
  EXPECT_EQ(calls.masks[0], kReadable | kWritable);
}

// The read proc removes the write interest: the write proc must not run.
void ReadDropsWrite(EventLoop* loop, int fd, void* data, int mask) {
  ReadProc(loop, fd, data, mask);
  loop->DelFileEvent(fd, kWritable);
}

TEST(EventLoopTest, ProcDeletingItsOwnSecondEventPreventsTheCall) {
  auto loop = MakeLoop();
  SocketPair sp;
  Calls calls;
  ASSERT_EQ(write(sp.b, "hi", 2), 2);
  ASSERT_TRUE(loop->AddFileEvent(sp.a, kReadable, ReadDropsWrite, &calls).ok());
  ASSERT_TRUE(loop->AddFileEvent(sp.a, kWritable, WriteProc, &calls).ok());
  loop->ProcessEvents(EventLoop::kFileEvents | EventLoop::kDontWait);
  EXPECT_EQ(calls.order, std::vector<std::string>{"r"});
  EXPECT_EQ(loop->GetFileEvents(sp.a), kReadable);
}

// Each of two ready fds' procs deletes and closes the other one: whichever
// runs first, the other must not be called (its registration is gone).
struct Pairwise {
  SocketPair* x;
  SocketPair* y;
  int calls_x = 0, calls_y = 0;
};

void CloseOther(EventLoop* loop, int fd, void* data, int) {
  auto* p = static_cast<Pairwise*>(data);
  int* other = fd == p->x->a ? &p->y->a : &p->x->a;
  (fd == p->x->a ? p->calls_x : p->calls_y)++;
  loop->DelFileEvent(*other, kReadable | kWritable);
  close(*other);
  *other = -1;
}

TEST(EventLoopTest, ProcDeletingAndClosingAnotherFdDuringDispatch) {
  auto loop = MakeLoop();
  SocketPair x, y;
  Pairwise p{&x, &y};
  // Both writable at once, so both are in the same epoll_wait result.
  ASSERT_TRUE(loop->AddFileEvent(x.a, kWritable, CloseOther, &p).ok());
  ASSERT_TRUE(loop->AddFileEvent(y.a, kWritable, CloseOther, &p).ok());
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kFileEvents | EventLoop::kDontWait), 2);
  EXPECT_EQ(p.calls_x + p.calls_y, 1);
  int survivor = x.a >= 0 ? x.a : y.a;
  loop->DelFileEvent(survivor, kWritable);
}

// A read proc that closes its fd without DelFileEvent (a bug in the caller,
// which epoll survives: close drops the fd from the set); the number is then
// reused and registered again.
TEST(EventLoopTest, ReusedFdNumberAfterCloseWithoutDel) {
  auto loop = MakeLoop();
  Pipe p;
  Calls calls;
  ASSERT_TRUE(loop->AddFileEvent(p.r, kReadable, DrainProc, &calls).ok());
  int n = p.r;
  close(p.r);
  p.r = -1;
  Pipe q;  // likely reuses number n
  int fd = q.r == n ? q.r : (dup2(q.r, n) == n ? n : -1);
  ASSERT_EQ(fd, n);
  ASSERT_TRUE(loop->AddFileEvent(fd, kReadable, DrainProc, &calls).ok());
  ASSERT_EQ(write(q.w, "x", 1), 1);
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kFileEvents | EventLoop::kDontWait), 1);
  EXPECT_EQ(calls.order.size(), 1u);
  loop->DelFileEvent(fd, kReadable);
  if (fd != q.r) close(fd);
}

// Randomized: masks registered through Add/Del against a std::map oracle;
// every pass, exactly the fds with write interest get a write call (all
// socketpair ends are writable) and none of the others.
TEST(EventLoopTest, RandomMaskOperationsMatchOracle) {
  auto loop = MakeLoop();
  constexpr int kFds = 16;
  std::vector<std::unique_ptr<SocketPair>> pairs;
  for (int i = 0; i < kFds; i++) pairs.push_back(std::make_unique<SocketPair>());
  std::map<int, int> oracle;  // fd -> mask
  std::mt19937 rng(20240607);
  Calls calls;
  for (int step = 0; step < 2000; step++) {
    int fd = pairs[rng() % kFds]->a;
    int mask = static_cast<int>(rng() % 8);  // any combination of the 3 bits
    if (rng() % 2) {
      common::Status st = loop->AddFileEvent(fd, mask, WriteProc, &calls);
      EXPECT_EQ(st.ok(), (mask & (kReadable | kWritable)) != 0);
      if (st.ok()) oracle[fd] |= mask;
    } else {
      loop->DelFileEvent(fd, mask);
      int m = oracle[fd];
      if (m != kNone) {
        if (mask & kWritable) mask |= kBarrier;
        m &= ~mask;
        if ((m & (kReadable | kWritable)) == 0) m = kNone;
      }
      oracle[fd] = m;
    }
    for (auto& [f, m] : oracle) ASSERT_EQ(loop->GetFileEvents(f), m) << "step " << step;
    if (step % 50 == 0) {
      calls = Calls();
      loop->ProcessEvents(EventLoop::kFileEvents | EventLoop::kDontWait);
      std::vector<int> want;
      for (auto& [f, m] : oracle) {
        if (m & kWritable) want.push_back(f);
      }
      std::vector<int> got = calls.fds;
      std::sort(got.begin(), got.end());
      EXPECT_EQ(got, want) << "step " << step;
      for (int m : calls.masks) EXPECT_EQ(m, kWritable);
    }
  }
  for (auto& [f, m] : oracle) loop->DelFileEvent(f, kReadable | kWritable);
}

// ---- Resize ----------------------------------------------------------------

TEST(EventLoopTest, ResizeGrowsAndRefusesToDropRegisteredFds) {
  auto loop = MakeLoop(16);
  Pipe p;
  // An fd number above the initial setsize.
  int high = fcntl(p.r, F_DUPFD_CLOEXEC, 100);
  ASSERT_GE(high, 100);
  Calls calls;
  EXPECT_FALSE(loop->AddFileEvent(high, kReadable, DrainProc, &calls).ok());
  ASSERT_TRUE(loop->Resize(high + 1).ok());
  EXPECT_EQ(loop->setsize(), high + 1);
  ASSERT_TRUE(loop->AddFileEvent(high, kReadable, DrainProc, &calls).ok());
  // Shrinking below a registered fd fails and changes nothing.
  EXPECT_FALSE(loop->Resize(high).ok());
  EXPECT_FALSE(loop->Resize(0).ok());
  EXPECT_EQ(loop->setsize(), high + 1);
  EXPECT_EQ(loop->GetFileEvents(high), kReadable);
  ASSERT_EQ(write(p.w, "x", 1), 1);
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kFileEvents | EventLoop::kDontWait), 1);
  EXPECT_EQ(calls.order.size(), 1u);
  // Once it is gone, shrinking works; slots above the old size start empty.
  loop->DelFileEvent(high, kReadable);
  ASSERT_TRUE(loop->Resize(16).ok());
  EXPECT_EQ(loop->GetFileEvents(high), kNone);
  ASSERT_TRUE(loop->Resize(4096).ok());
  for (int fd = 16; fd < 4096; fd += 97) EXPECT_EQ(loop->GetFileEvents(fd), kNone);
  close(high);
}

// A proc that drops the other fd, then shrinks the table below it while the
// outer pass still has that fd's event to dispatch.
struct ShrinkState {
  int low = -1, high = -1;
  int low_calls = 0, high_calls = 0;
};

void ShrinkProc(EventLoop* loop, int fd, void* data, int) {
  auto* s = static_cast<ShrinkState*>(data);
  if (fd == s->low) {
    s->low_calls++;
    loop->DelFileEvent(s->high, kWritable);
    EXPECT_TRUE(loop->Resize(s->low + 1).ok());
  } else {
    s->high_calls++;
    loop->DelFileEvent(s->low, kWritable);
  }
}

TEST(EventLoopTest, ResizeDuringDispatch) {
  auto loop = MakeLoop(1024);
  SocketPair a, b;
  ShrinkState s;
  s.low = std::min(a.a, b.a);
  int other = std::max(a.a, b.a);
  s.high = fcntl(other, F_DUPFD_CLOEXEC, 500);
  ASSERT_GE(s.high, 500);
  ASSERT_TRUE(loop->AddFileEvent(s.low, kWritable, ShrinkProc, &s).ok());
  ASSERT_TRUE(loop->AddFileEvent(s.high, kWritable, ShrinkProc, &s).ok());
  loop->ProcessEvents(EventLoop::kFileEvents | EventLoop::kDontWait);
  EXPECT_EQ(s.low_calls + s.high_calls, 1);
  if (s.low_calls == 1) {
    EXPECT_EQ(loop->setsize(), s.low + 1);
  }
  // The next pass uses the new size without trouble.
  loop->DelFileEvent(s.low, kWritable);
  loop->DelFileEvent(s.high, kWritable);
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kFileEvents | EventLoop::kDontWait), 0);
  close(s.high);
}

// ---- Nested passes, hooks, Run/Stop ----------------------------------------

struct Nested {
  Pipe* p1;
  Pipe* p2;
  int bytes = 0;
  int nested_calls = 0;
};

void NestedDrain(EventLoop* loop, int fd, void* data, int) {
  auto* n = static_cast<Nested*>(data);
  char buf[64];
  ssize_t r;
  while ((r = read(fd, buf, sizeof(buf))) > 0) n->bytes += static_cast<int>(r);
  if (n->nested_calls++ == 0) {
    // As Redis does while loading: a proc runs a pass of its own.
    loop->ProcessEvents(EventLoop::kFileEvents | EventLoop::kDontWait);
  }
}

TEST(EventLoopTest, NestedProcessEventsFromAProc) {
  auto loop = MakeLoop();
  Pipe p1, p2;
  Nested n{&p1, &p2};
  ASSERT_TRUE(loop->AddFileEvent(p1.r, kReadable, NestedDrain, &n).ok());
  ASSERT_TRUE(loop->AddFileEvent(p2.r, kReadable, NestedDrain, &n).ok());
  ASSERT_EQ(write(p1.w, "abc", 3), 3);
  ASSERT_EQ(write(p2.w, "defg", 4), 4);
  loop->ProcessEvents(EventLoop::kFileEvents | EventLoop::kDontWait);
  EXPECT_EQ(n.bytes, 7);
  EXPECT_GE(n.nested_calls, 2);
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kFileEvents | EventLoop::kDontWait), 0);
}

struct HookLog {
  int before = 0;
  int after = 0;
  int ticks = 0;
};
HookLog* g_hooks = nullptr;
void BeforeHook(EventLoop*) { g_hooks->before++; }
void AfterHook(EventLoop*) {
  g_hooks->after++;
  EXPECT_EQ(g_hooks->after, g_hooks->before);  // strictly around each wait
}

int64_t TickThenStop(EventLoop* loop, int64_t, void* data) {
  auto* h = static_cast<HookLog*>(data);
  if (++h->ticks == 3) {
    loop->Stop();
    return kNoMore;
  }
  return 5;
}

TEST(EventLoopTest, RunCallsHooksAroundEachWaitUntilStop) {
  auto loop = MakeLoop();
  HookLog h;
  g_hooks = &h;
  loop->SetBeforeSleep(BeforeHook);
  loop->SetAfterSleep(AfterHook);
  loop->CreateTimeEvent(5, TickThenStop, &h);
  loop->Run();
  EXPECT_EQ(h.ticks, 3);
  EXPECT_GE(h.before, 3);
  EXPECT_EQ(h.before, h.after);
  // Without the flags, a pass does not call the hooks.
  int before = h.before;
  loop->ProcessEvents(EventLoop::kAllEvents | EventLoop::kDontWait);
  EXPECT_EQ(h.before, before);
  g_hooks = nullptr;
}

void SetDontWaitHook(EventLoop* loop) { loop->SetDontWait(true); }

TEST(EventLoopTest, DontWaitSetByHookMakesThePassNonBlocking) {
  auto loop = MakeLoop();
  FireLog log;
  NamedTimer far{&log, "far", kNoMore, 1};
  loop->CreateTimeEvent(60000, LogTimer, &far);
  loop->SetBeforeSleep(SetDontWaitHook);
  int64_t start = NowMs();
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kAllEvents | EventLoop::kCallBeforeSleep), 0);
  EXPECT_LT(NowMs() - start, kGenerousMs);
  EXPECT_TRUE(log.names.empty());
}

TEST(EventLoopTest, NoFlagsIsANoOp) {
  auto loop = MakeLoop();
  EXPECT_EQ(loop->ProcessEvents(0), 0);
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kDontWait), 0);
  // Only file events and nothing registered: returns at once.
  EXPECT_EQ(loop->ProcessEvents(EventLoop::kFileEvents), 0);
}

// ---- Wait ------------------------------------------------------------------

TEST(EventLoopTest, WaitReportsReadinessTimeoutAndErrors) {
  Pipe p;
  int64_t start = NowMs();
  EXPECT_EQ(EventLoop::Wait(p.r, kReadable, 30), 0);
  EXPECT_GE(NowMs() - start, 30);
  EXPECT_EQ(EventLoop::Wait(p.w, kReadable | kWritable, 1000), kWritable);
  ASSERT_EQ(write(p.w, "x", 1), 1);
  EXPECT_EQ(EventLoop::Wait(p.r, kReadable, 1000), kReadable);
  // Hang-up ends a wait for readability.
  char c;
  ASSERT_EQ(read(p.r, &c, 1), 1);
  close(p.w);
  p.w = -1;
  EXPECT_EQ(EventLoop::Wait(p.r, kReadable, 1000), kReadable);
  int fd = p.r;
  close(p.r);
  p.r = -1;
  errno = 0;
  EXPECT_EQ(EventLoop::Wait(fd, kReadable, 10), -1);
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
}  // namespace net
