// The epoll driver: see driver.h for the design and what latency means.
#include "tierload/driver.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include <hiredis/read.h>

namespace tierload {

namespace {

using common::Status;

// Replies that stop arriving for this long after the last request was sent
// mean a stuck server: give up rather than hang the harness.
constexpr uint64_t kDrainTimeoutNs = 30'000'000'000ull;
// Bytes per read(): a 16-deep pipeline of 1 KiB GET replies fits, and
// level-triggered epoll brings us back for whatever does not.
constexpr size_t kReadChunk = 64 * 1024;
// epoll events handled per wakeup.
constexpr int kMaxEvents = 256;

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// ---- Reply objects: tags, not trees ----------------------------------------------
//
// hiredis calls these for every reply and element; we return the address of
// a static tag for the reply type, so nothing is allocated, except for a
// top-level error, whose text we keep (a heap ErrorReply, freed by us).

char g_type_tags[8];  // indexed by REDIS_REPLY_* (1..6)

struct ErrorReply {
  std::string text;
};

void* Tag(int type) { return &g_type_tags[type]; }
bool IsTag(void* p) {
  return static_cast<char*>(p) >= g_type_tags && static_cast<char*>(p) < g_type_tags + sizeof(g_type_tags);
}

void* CreateString(const redisReadTask* task, char* str, size_t len) {
  if (task->type == REDIS_REPLY_ERROR && task->parent == nullptr) {
    return new ErrorReply{std::string(str, len)};
  }
  return Tag(task->type);
}
void* CreateArray(const redisReadTask*, int) { return Tag(REDIS_REPLY_ARRAY); }
void* CreateInteger(const redisReadTask*, long long) { return Tag(REDIS_REPLY_INTEGER); }
void* CreateNil(const redisReadTask*) { return Tag(REDIS_REPLY_NIL); }
void FreeObject(void* p) {
  if (!IsTag(p)) delete static_cast<ErrorReply*>(p);
}

redisReplyObjectFunctions g_reply_functions = {CreateString, CreateArray, CreateInteger, CreateNil, FreeObject};

// ---- Connections -------------------------------------------------------------------

struct InFlight {
  uint64_t start_ns;
  bool read;
};

// A fixed ring of the requests in flight on one connection, oldest first;
// replies arrive in request order, so the head is always the one answered.
class InFlightRing {
 public:
  explicit InFlightRing(size_t capacity) : slots_(capacity) {}
  size_t size() const { return size_; }
  bool full() const { return size_ == slots_.size(); }
  void Push(InFlight f) {
    slots_[(head_ + size_) % slots_.size()] = f;
    size_++;
  }
  InFlight Pop() {
    InFlight f = slots_[head_];
    head_ = (head_ + 1) % slots_.size();
    size_--;
    return f;
  }

 private:
  std::vector<InFlight> slots_;
  size_t head_ = 0, size_ = 0;
};

struct Conn {
  explicit Conn(size_t pipeline) : inflight(pipeline) {}
  ~Conn() {
    if (reader) redisReaderFree(reader);
    if (fd >= 0) close(fd);
  }
  int fd = -1;
  redisReader* reader = nullptr;
  std::string out;
  size_t out_sent = 0;
  bool dirty = false;      // in the dirty list
  bool want_out = false;   // EPOLLOUT registered
  InFlightRing inflight;
};

Status ErrnoStatus(const std::string& what) { return Status::IoError(what + ": " + std::strerror(errno)); }

// A connected, non-blocking TCP socket with Nagle off (requests must leave
// at once, as redis-benchmark's do).
common::Result<int> Connect(const addrinfo* ai) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return ErrnoStatus("socket");
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    Status s = ErrnoStatus("connect");
    close(fd);
    return s;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
    Status s = ErrnoStatus("fcntl");
    close(fd);
    return s;
  }
  return fd;
}

class Driver {
 public:
  Driver(const Options& o, RequestGenerator* gen) : o_(o), gen_(gen) {}
  ~Driver() {
    if (ep_ >= 0) close(ep_);
  }
  common::Result<RunStats> Run();

 private:
  Status Setup();
  bool CanIssue() const {
    return !stopping_ && issued_ < limit_ && !gen_->Exhausted();
  }
  void Issue(size_t ci, uint64_t start_ns);
  void FillFlatOut(size_t ci, uint64_t now);
  // Rate mode: sends every request scheduled by `now`; returns true when
  // some are due but every connection's pipeline is full (a backlog).
  bool IssueDue(uint64_t now);
  Status Flush(size_t ci);
  Status FlushDirty();
  Status Read(size_t ci);
  Status SetWantOut(size_t ci, bool want);
  int Wait(epoll_event* events, uint64_t timeout_ns);

  const Options& o_;
  RequestGenerator* gen_;
  int ep_ = -1;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<size_t> dirty_;
  RunStats stats_;
  uint64_t start_ns_ = 0;
  uint64_t last_reply_ns_ = 0;
  // The last reply, or the last request sent while nothing was in flight:
  // the stuck-server check measures silence from here.
  uint64_t progress_ns_ = 0;
  uint64_t end_ns_ = std::numeric_limits<uint64_t>::max();
  uint64_t limit_ = std::numeric_limits<uint64_t>::max();
  uint64_t issued_ = 0;
  uint64_t in_flight_ = 0;
  double interval_ns_ = 0;  // rate mode: ns between scheduled requests
  size_t rr_ = 0;           // rate mode: next connection to try
  bool stopping_ = false;
  std::vector<char> read_buf_ = std::vector<char>(kReadChunk);
};

// Sends the --setup commands on a new connection and waits for their
// replies, blocking (the fd is non-blocking: poll for each step).
Status RunSetupCommands(Conn& c, const std::vector<std::string>& commands) {
  std::string out, scratch;
  for (const std::string& text : commands) {
    auto t = CommandTemplate::Parse(text);
    if (!t.ok()) return Status::InvalidArgument("--setup: " + t.status().message());
    t->Append(CommandTemplate::Fill{}, &out, &scratch);
  }
  size_t sent = 0;
  pollfd p{c.fd, POLLOUT, 0};
  while (sent < out.size()) {
    if (poll(&p, 1, 10000) <= 0) return Status::IoError("--setup: the server does not take the commands");
    ssize_t n = write(c.fd, out.data() + sent, out.size() - sent);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return ErrnoStatus("write");
    if (n > 0) sent += static_cast<size_t>(n);
  }
  size_t replies = 0;
  p.events = POLLIN;
  char buf[4096];
  while (replies < commands.size()) {
    void* reply = nullptr;
    if (redisReaderGetReply(c.reader, &reply) != REDIS_OK) return Status::IoError("--setup: protocol error");
    if (reply != nullptr) {
      replies++;
      if (!IsTag(reply)) {
        Status s = Status::InvalidArgument("--setup: " + static_cast<ErrorReply*>(reply)->text);
        FreeObject(reply);
        return s;
      }
      FreeObject(reply);
      continue;
    }
    if (poll(&p, 1, 10000) <= 0) return Status::IoError("--setup: no reply in 10 s");
    ssize_t n = read(c.fd, buf, sizeof(buf));
    if (n == 0) return Status::IoError("--setup: the server closed the connection");
    if (n > 0) redisReaderFeed(c.reader, buf, static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status Driver::Setup() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(o_.port);
  int rc = getaddrinfo(o_.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) return Status::IoError("resolving " + o_.host + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  ep_ = epoll_create1(EPOLL_CLOEXEC);
  if (ep_ < 0) return ErrnoStatus("epoll_create1");
  for (int i = 0; i < o_.connections; i++) {
    auto c = std::make_unique<Conn>(static_cast<size_t>(o_.pipeline));
    auto fd = Connect(res);
    if (!fd.ok()) {
      return Status::IoError("connecting to " + o_.host + ":" + port + ": " + fd.status().message());
    }
    c->fd = *fd;
    c->reader = redisReaderCreateWithFunctions(&g_reply_functions);
    if (c->reader == nullptr) return Status::OutOfMemory("redisReaderCreate");
    if (!o_.setup.empty()) {
      Status s = RunSetupCommands(*c, o_.setup);
      if (!s.ok()) return s;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = conns_.size();
    if (epoll_ctl(ep_, EPOLL_CTL_ADD, c->fd, &ev) != 0) return ErrnoStatus("epoll_ctl");
    conns_.push_back(std::move(c));
  }
  return Status::Ok();
}

void Driver::Issue(size_t ci, uint64_t start_ns) {
  Conn& c = *conns_[ci];
  bool read = gen_->Next(&c.out);
  if (in_flight_ == 0) progress_ns_ = NowNs();
  c.inflight.Push({start_ns, read});
  issued_++;
  in_flight_++;
  if (!c.dirty) {
    c.dirty = true;
    dirty_.push_back(ci);
  }
}

void Driver::FillFlatOut(size_t ci, uint64_t now) {
  Conn& c = *conns_[ci];
  while (!c.inflight.full() && CanIssue()) Issue(ci, now);
}

bool Driver::IssueDue(uint64_t now) {
  // Request k is scheduled at start + k * interval; all those due by now go
  // out on connections with room, round-robin.
  auto due = static_cast<uint64_t>(static_cast<double>(now - start_ns_) / interval_ns_) + 1;
  size_t tried = 0;
  while (CanIssue() && issued_ < due) {
    if (tried == conns_.size()) return true;
    size_t ci = rr_;
    rr_ = (rr_ + 1) % conns_.size();
    if (conns_[ci]->inflight.full()) {
      tried++;
      continue;
    }
    tried = 0;
    Issue(ci, start_ns_ + static_cast<uint64_t>(static_cast<double>(issued_) * interval_ns_));
  }
  return false;
}

Status Driver::SetWantOut(size_t ci, bool want) {
  Conn& c = *conns_[ci];
  if (c.want_out == want) return Status::Ok();
  epoll_event ev{};
  ev.events = want ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
  ev.data.u64 = ci;
  if (epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev) != 0) return ErrnoStatus("epoll_ctl");
  c.want_out = want;
  return Status::Ok();
}

Status Driver::Flush(size_t ci) {
  Conn& c = *conns_[ci];
  while (c.out_sent < c.out.size()) {
    ssize_t n = write(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return SetWantOut(ci, true);
      return ErrnoStatus("write");
    }
    c.out_sent += static_cast<size_t>(n);
  }
  c.out.clear();
  c.out_sent = 0;
  return SetWantOut(ci, false);
}

Status Driver::FlushDirty() {
  for (size_t ci : dirty_) {
    conns_[ci]->dirty = false;
    Status s = Flush(ci);
    if (!s.ok()) return s;
  }
  dirty_.clear();
  return Status::Ok();
}

Status Driver::Read(size_t ci) {
  Conn& c = *conns_[ci];
  ssize_t n;
  do {
    n = read(c.fd, read_buf_.data(), read_buf_.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN ? Status::Ok() : ErrnoStatus("read");
  if (n == 0) return Status::IoError("the server closed the connection");
  uint64_t now = NowNs();
  if (redisReaderFeed(c.reader, read_buf_.data(), static_cast<size_t>(n)) != REDIS_OK) {
    return Status::IoError(std::string("reply parser: ") + c.reader->errstr);
  }
  for (;;) {
    void* reply = nullptr;
    if (redisReaderGetReply(c.reader, &reply) != REDIS_OK) {
      return Status::IoError(std::string("protocol error in reply: ") + c.reader->errstr);
    }
    if (reply == nullptr) break;
    if (c.inflight.size() == 0) {
      FreeObject(reply);
      return Status::IoError("a reply arrived for no request");
    }
    InFlight f = c.inflight.Pop();
    in_flight_--;
    stats_.completed++;
    stats_.latency.Record(now - f.start_ns);
    (f.read ? stats_.reads : stats_.writes)++;
    if (!IsTag(reply)) {
      stats_.errors++;
      if (stats_.first_error.empty()) stats_.first_error = static_cast<ErrorReply*>(reply)->text;
      if (o_.load > 0) {
        stats_.aborted = true;
        stopping_ = true;
      }
    } else if (f.read && reply == Tag(REDIS_REPLY_NIL)) {
      stats_.misses++;
    }
    FreeObject(reply);
  }
  last_reply_ns_ = progress_ns_ = now;
  if (interval_ns_ == 0) FillFlatOut(ci, now);
  return Status::Ok();
}

int Driver::Wait(epoll_event* events, uint64_t timeout_ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(timeout_ns / 1'000'000'000ull);
  ts.tv_nsec = static_cast<long>(timeout_ns % 1'000'000'000ull);
  int n = epoll_pwait2(ep_, events, kMaxEvents, &ts, nullptr);
  if (n < 0 && errno == ENOSYS) {
    // Kernels before 5.11: millisecond timeouts, rounded up so we never spin.
    n = epoll_wait(ep_, events, kMaxEvents, static_cast<int>((timeout_ns + 999'999) / 1'000'000));
  }
  return n;
}

common::Result<RunStats> Driver::Run() {
  Status s = Setup();
  if (!s.ok()) return s;
  if (o_.requests > 0) limit_ = o_.requests;
  start_ns_ = NowNs();
  last_reply_ns_ = start_ns_;
  double duration = o_.EffectiveDuration();
  if (duration > 0) end_ns_ = start_ns_ + static_cast<uint64_t>(duration * 1e9);
  if (o_.rate > 0) {
    interval_ns_ = 1e9 / o_.rate;
    if (duration > 0) {
      // With a rate, the schedule ends the run, not the clock: every
      // request scheduled before the end (k * interval < duration) is sent,
      // late ones included, so a server that stalls pays for its backlog in
      // latency instead of shedding requests from the count.
      auto scheduled = static_cast<uint64_t>(std::ceil(duration * 1e9 / interval_ns_));
      limit_ = std::min(limit_, scheduled);
      end_ns_ = std::numeric_limits<uint64_t>::max();
    }
  } else {
    for (size_t ci = 0; ci < conns_.size(); ci++) FillFlatOut(ci, start_ns_);
  }
  epoll_event events[kMaxEvents];
  for (;;) {
    uint64_t now = NowNs();
    if (!stopping_ && now >= end_ns_) stopping_ = true;
    bool backlog = interval_ns_ > 0 && IssueDue(now);
    s = FlushDirty();
    if (!s.ok()) return s;
    bool more = CanIssue();
    if (!more && in_flight_ == 0) break;
    // Requests in flight with no reply for kDrainTimeoutNs: a stuck server.
    uint64_t timeout = kDrainTimeoutNs;
    if (in_flight_ > 0) {
      uint64_t stuck_at = progress_ns_ + kDrainTimeoutNs;
      if (now >= stuck_at) {
        return Status::IoError("no reply for " + std::to_string(in_flight_) + " requests in 30 s");
      }
      timeout = stuck_at - now;
    }
    if (more && !backlog) {
      if (end_ns_ != std::numeric_limits<uint64_t>::max()) {
        timeout = std::min(timeout, end_ns_ > now ? end_ns_ - now : 0);
      }
      if (interval_ns_ > 0) {
        auto next = start_ns_ + static_cast<uint64_t>(static_cast<double>(issued_) * interval_ns_);
        timeout = std::min(timeout, next > now ? next - now : 0);
      }
    }
    int n = Wait(events, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
      auto ci = static_cast<size_t>(events[i].data.u64);
      if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        s = Read(ci);
        if (!s.ok()) return s;
      }
      if (events[i].events & EPOLLOUT) {
        s = Flush(ci);
        if (!s.ok()) return s;
      }
    }
  }
  stats_.seconds = static_cast<double>(last_reply_ns_ - start_ns_) / 1e9;
  return std::move(stats_);
}

}  // namespace

common::Result<RunStats> Drive(const Options& options, RequestGenerator* gen) {
  Driver d(options, gen);
  return d.Run();
}

}  // namespace tierload
