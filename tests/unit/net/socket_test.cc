// Tests of the socket helpers: TCP and unix listeners (free port, errors in
// Redis's wording, optional "-" addresses, stale socket files), accept and
// peer/sock names, socket options, address formatting, protected-mode's
// loopback test, and an echo round-trip through the EventLoop with a client
// thread.
#include "net/socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "net/event_loop.h"

namespace net {
namespace {

// A fresh directory under $TMPDIR (or /tmp), removed with its files.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/net_test.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    EXPECT_NE(mkdtemp(buf.data()), nullptr);
    path_ = buf.data();
  }
  ~TempDir() {
    for (const std::string& f : files_) unlink(f.c_str());
    rmdir(path_.c_str());
  }
  std::string File(const std::string& name) {
    files_.push_back(path_ + "/" + name);
    return files_.back();
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

int LocalPort(int fd) {
  std::string ip;
  int port = -1;
  EXPECT_TRUE(SockName(fd, &ip, &port));
  return port;
}

bool Ipv6Loopback() {
  common::Result<int> r = ListenTcp("::1", 0, 16);
  if (!r.ok()) return false;
  close(*r);
  return true;
}

int GetIntOpt(int fd, int level, int name) {
  int v = -1;
  socklen_t len = sizeof(v);
  EXPECT_EQ(getsockopt(fd, level, name, &v, &len), 0);
  return v;
}

TEST(SocketTest, ListenOnFreePortAcceptAndNames) {
  common::Result<int> l = ListenTcp("127.0.0.1", 0, 128);
  ASSERT_TRUE(l.ok()) << l.status().message();
  int port = LocalPort(*l);
  ASSERT_GT(port, 0);
  EXPECT_TRUE(fcntl(*l, F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(*l, F_GETFD) & FD_CLOEXEC);
  EXPECT_EQ(GetIntOpt(*l, SOL_SOCKET, SO_REUSEADDR), 1);

  // Nothing pending yet.
  std::string ip = "unchanged";
  int peer_port = -1;
  errno = 0;
  EXPECT_EQ(AcceptTcp(*l, &ip, &peer_port), -1);
  EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);

  common::Result<int> c = ConnectTcp("127.0.0.1", port);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(fcntl(*c, F_GETFL) & O_NONBLOCK);  // blocking, for tools
  EXPECT_TRUE(fcntl(*c, F_GETFD) & FD_CLOEXEC);
  ASSERT_EQ(EventLoop::Wait(*l, kReadable, 5000), kReadable);
  int s = AcceptTcp(*l, &ip, &peer_port);
  ASSERT_GE(s, 0) << strerror(errno);
  EXPECT_TRUE(fcntl(s, F_GETFL) & O_NONBLOCK);
  EXPECT_TRUE(fcntl(s, F_GETFD) & FD_CLOEXEC);
  EXPECT_EQ(ip, "127.0.0.1");
  EXPECT_EQ(peer_port, LocalPort(*c));

  std::string pip, sip;
  int pport = 0, sport = 0;
  ASSERT_TRUE(PeerName(s, &pip, &pport));
  ASSERT_TRUE(SockName(s, &sip, &sport));
  EXPECT_EQ(pip, "127.0.0.1");
  EXPECT_EQ(pport, peer_port);
  EXPECT_EQ(sip, "127.0.0.1");
  EXPECT_EQ(sport, port);
  EXPECT_EQ(FormatAddr(pip, pport), "127.0.0.1:" + std::to_string(pport));
  EXPECT_TRUE(IsLocalPeer(pip));
  // Null outputs are allowed.
  EXPECT_TRUE(PeerName(s, nullptr, nullptr));
  close(s);
  close(*c);
  close(*l);
}

TEST(SocketTest, BindErrorsUseRedisWording) {
  common::Result<int> l = ListenTcp("127.0.0.1", 0, 16);
  ASSERT_TRUE(l.ok());
  int port = LocalPort(*l);
  common::Result<int> again = ListenTcp("127.0.0.1", port, 16);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), "Could not create server TCP listening socket 127.0.0.1:" +
                                          std::to_string(port) +
                                          ": bind: Address already in use");
  // Optional does not excuse a port in use: only "not available here".
  common::Result<int> opt = ListenTcp("-127.0.0.1", port, 16);
  ASSERT_FALSE(opt.ok());
  EXPECT_NE(opt.status().message().find("socket 127.0.0.1:"), std::string::npos);
  EXPECT_FALSE(ListenTcp("127.0.0.1", 70000, 16).ok());
  close(*l);
}

TEST(SocketTest, OptionalAddressThatIsNotLocalIsSkipped) {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a local interface.
  common::Result<int> strict = ListenTcp("192.0.2.1", 0, 16);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.status().message().find("bind: Cannot assign requested address"),
            std::string::npos)
      << strict.status().message();
  std::string skipped;
  common::Result<int> opt = ListenTcp("-192.0.2.1", 0, 16, &skipped);
  ASSERT_TRUE(opt.ok()) << opt.status().message();
  EXPECT_EQ(*opt, -1);
  EXPECT_EQ(skipped,
            "Could not create server TCP listening socket 192.0.2.1:0: bind: Cannot assign "
            "requested address");
  // 2001:db8::1 is the IPv6 documentation prefix (RFC 3849): same story,
  // whether or not this host has IPv6 at all.
  skipped.clear();
  common::Result<int> opt6 = ListenTcp("-2001:db8::1", 0, 16, &skipped);
  ASSERT_TRUE(opt6.ok()) << opt6.status().message();
  EXPECT_EQ(*opt6, -1);
  EXPECT_FALSE(skipped.empty());
  // Without the output, still not an error.
  common::Result<int> quiet = ListenTcp("-192.0.2.1", 0, 16);
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(*quiet, -1);
}

TEST(SocketTest, WildcardV4AndV6ShareAPort) {
  if (!Ipv6Loopback()) GTEST_SKIP() << "no IPv6 on this host";
  common::Result<int> v4 = ListenTcp("*", 0, 16);
  ASSERT_TRUE(v4.ok()) << v4.status().message();
  int port = LocalPort(*v4);
  std::string ip;
  int p = 0;
  ASSERT_TRUE(SockName(*v4, &ip, &p));
  EXPECT_EQ(ip, "0.0.0.0");
  // IPV6_V6ONLY lets "::*" take the same port.
  common::Result<int> v6 = ListenTcp("::*", port, 16);
  ASSERT_TRUE(v6.ok()) << v6.status().message();
  EXPECT_EQ(GetIntOpt(*v6, IPPROTO_IPV6, IPV6_V6ONLY), 1);
  ASSERT_TRUE(SockName(*v6, &ip, &p));
  EXPECT_EQ(ip, "::");
  EXPECT_EQ(p, port);
  close(*v4);
  close(*v6);
}

TEST(SocketTest, Ipv6LoopbackConnection) {
  if (!Ipv6Loopback()) GTEST_SKIP() << "no IPv6 on this host";
  common::Result<int> l = ListenTcp("::1", 0, 16);
  ASSERT_TRUE(l.ok());
  int port = LocalPort(*l);
  common::Result<int> c = ConnectTcp("::1", port);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(EventLoop::Wait(*l, kReadable, 5000), kReadable);
  std::string ip;
  int peer_port = 0;
  int s = AcceptTcp(*l, &ip, &peer_port);
  ASSERT_GE(s, 0);
  EXPECT_EQ(ip, "::1");
  EXPECT_TRUE(IsLocalPeer(ip));
  // As Redis 7.0's CLIENT LIST: "addr=[::1]:52816".
  EXPECT_EQ(FormatAddr(ip, peer_port), "[::1]:" + std::to_string(peer_port));
  close(s);
  close(*c);
  close(*l);
}

TEST(SocketTest, UnixListenerPermissionsStaleFileAndNames) {
  TempDir dir;
  std::string path = dir.File("redis.sock");
  common::Result<int> l = ListenUnix(path, 0700, 16);
  ASSERT_TRUE(l.ok()) << l.status().message();
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(fcntl(*l, F_GETFL) & O_NONBLOCK);

  common::Result<int> c = ConnectUnix(path);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(EventLoop::Wait(*l, kReadable, 5000), kReadable);
  std::string ip;
  int port = -1;
  int s = AcceptTcp(*l, &ip, &port);
  ASSERT_GE(s, 0);
  // As Redis's CLIENT LIST: "addr=/tmp/redis.sock:0".
  EXPECT_EQ(ip, path);
  EXPECT_EQ(port, 0);
  EXPECT_EQ(FormatAddr(ip, port), path + ":0");
  EXPECT_TRUE(IsLocalPeer(ip));
  std::string name;
  int p = -1;
  ASSERT_TRUE(PeerName(s, &name, &p));
  EXPECT_EQ(name, path);
  EXPECT_EQ(p, 0);
  ASSERT_TRUE(SockName(*c, &name, &p));  // the client's own end is unnamed
  EXPECT_EQ(name, path);
  close(s);
  close(*c);

  // A second connection through AcceptUnix.
  common::Result<int> c2 = ConnectUnix(path);
  ASSERT_TRUE(c2.ok());
  ASSERT_EQ(EventLoop::Wait(*l, kReadable, 5000), kReadable);
  int s2 = AcceptUnix(*l);
  ASSERT_GE(s2, 0);
  EXPECT_TRUE(fcntl(s2, F_GETFL) & O_NONBLOCK);
  close(s2);
  close(*c2);
  close(*l);

  // The socket file left behind is stale: listening again replaces it.
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  common::Result<int> l2 = ListenUnix(path, 0, 16);
  ASSERT_TRUE(l2.ok()) << l2.status().message();
  close(*l2);
}

TEST(SocketTest, UnixListenerErrors) {
  TempDir dir;
  // A regular file at the path is not ours to delete.
  std::string file = dir.File("not-a-socket");
  int fd = open(file.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  common::Result<int> l = ListenUnix(file, 0, 16);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().message(), "Failed opening Unix socket: bind: Address already in use");
  struct stat st;
  EXPECT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  // A missing directory.
  common::Result<int> missing = ListenUnix(dir.File("nodir") + "/r.sock", 0, 16);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "Failed opening Unix socket: bind: No such file or directory");
  // Longer than sun_path (108 bytes on Linux).
  EXPECT_FALSE(ListenUnix("/tmp/" + std::string(200, 'x'), 0, 16).ok());
  EXPECT_FALSE(ConnectUnix("/tmp/" + std::string(200, 'x')).ok());
  EXPECT_FALSE(ConnectUnix(file).ok());
}

TEST(SocketTest, ConnectToClosedPortFails) {
  // Take a free port, then close it: nobody listens there.
  common::Result<int> l = ListenTcp("127.0.0.1", 0, 16);
  ASSERT_TRUE(l.ok());
  int port = LocalPort(*l);
  close(*l);
  common::Result<int> c = ConnectTcp("127.0.0.1", port);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "Could not connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
  EXPECT_FALSE(ConnectTcp("127.0.0.1", 0).ok());
}

TEST(SocketTest, SocketOptions) {
  common::Result<int> l = ListenTcp("127.0.0.1", 0, 16);
  ASSERT_TRUE(l.ok());
  common::Result<int> c = ConnectTcp("127.0.0.1", LocalPort(*l));
  ASSERT_TRUE(c.ok());
  int fd = *c;

  ASSERT_TRUE(SetNonBlock(fd, true).ok());
  EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
  ASSERT_TRUE(SetNonBlock(fd, false).ok());
  EXPECT_FALSE(fcntl(fd, F_GETFL) & O_NONBLOCK);
  EXPECT_FALSE(SetNonBlock(-1, true).ok());

  SetTcpNoDelay(fd, true);
  EXPECT_NE(GetIntOpt(fd, IPPROTO_TCP, TCP_NODELAY), 0);
  SetTcpNoDelay(fd, false);
  EXPECT_EQ(GetIntOpt(fd, IPPROTO_TCP, TCP_NODELAY), 0);

  EXPECT_EQ(GetIntOpt(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
  SetKeepAlive(fd, 0);  // disabled: no change
  EXPECT_EQ(GetIntOpt(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
  SetKeepAlive(fd, 300);  // Redis's default tcp-keepalive
  EXPECT_NE(GetIntOpt(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
  EXPECT_EQ(GetIntOpt(fd, IPPROTO_TCP, TCP_KEEPIDLE), 300);
  EXPECT_EQ(GetIntOpt(fd, IPPROTO_TCP, TCP_KEEPINTVL), 100);
  EXPECT_EQ(GetIntOpt(fd, IPPROTO_TCP, TCP_KEEPCNT), 3);
  SetKeepAlive(fd, 2);  // interval/3 rounds to 0: at least 1 s
  EXPECT_EQ(GetIntOpt(fd, IPPROTO_TCP, TCP_KEEPIDLE), 2);
  EXPECT_EQ(GetIntOpt(fd, IPPROTO_TCP, TCP_KEEPINTVL), 1);
  close(fd);
  close(*l);
}

TEST(SocketTest, FormatAddr) {
  EXPECT_EQ(FormatAddr("127.0.0.1", 6379), "127.0.0.1:6379");
  EXPECT_EQ(FormatAddr("::1", 6379), "[::1]:6379");
  EXPECT_EQ(FormatAddr("fe80::1:2", 1), "[fe80::1:2]:1");
  EXPECT_EQ(FormatAddr("/tmp/redis.sock", 0), "/tmp/redis.sock:0");
  EXPECT_EQ(FormatAddr("/tmp/odd:name.sock", 0), "/tmp/odd:name.sock:0");
}

TEST(SocketTest, IsLocalPeer) {
  EXPECT_TRUE(IsLocalPeer("127.0.0.1"));
  EXPECT_TRUE(IsLocalPeer("::1"));
  EXPECT_TRUE(IsLocalPeer("::ffff:127.0.0.1"));
  EXPECT_TRUE(IsLocalPeer("/tmp/redis.sock"));
  EXPECT_TRUE(IsLocalPeer("redis.sock"));  // a relative unixsocket path
  // Redis accepts only 127.0.0.1 and ::1, not the rest of 127.0.0.0/8.
  EXPECT_FALSE(IsLocalPeer("127.0.0.2"));
  EXPECT_FALSE(IsLocalPeer("127.255.3.4"));
  EXPECT_FALSE(IsLocalPeer("::ffff:127.0.0.2"));
  EXPECT_FALSE(IsLocalPeer("128.0.0.1"));
  EXPECT_FALSE(IsLocalPeer("10.0.0.1"));
  EXPECT_FALSE(IsLocalPeer("0.0.0.0"));
  EXPECT_FALSE(IsLocalPeer("::2"));
  EXPECT_FALSE(IsLocalPeer("::"));
  EXPECT_FALSE(IsLocalPeer("::ffff:10.0.0.1"));
  EXPECT_FALSE(IsLocalPeer("2001:db8::1"));
  EXPECT_FALSE(IsLocalPeer(""));
}

// ---- Echo server on the event loop, with a client thread ---------------------

struct EchoServer {
  int listen_fd = -1;
  int accepted = 0;
  int closed = 0;
  size_t echoed = 0;
  std::string last_peer;
  bool timed_out = false;
};

void EchoRead(EventLoop* loop, int fd, void* data, int) {
  auto* srv = static_cast<EchoServer*>(data);
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0) {
      // Small messages on loopback: the socket buffer takes them whole; a
      // short write would be a test failure, not something to queue.
      ssize_t off = 0;
      while (off < n) {
        ssize_t w = write(fd, buf + off, n - off);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
          EventLoop::Wait(fd, kWritable, 1000);
          continue;
        }
        ASSERT_GT(w, 0) << strerror(errno);
        off += w;
      }
      srv->echoed += n;
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      loop->DelFileEvent(fd, kReadable);
      close(fd);
      if (++srv->closed == 2) loop->Stop();  // both clients are done
    }
    return;
  }
}

void EchoAccept(EventLoop* loop, int fd, void* data, int) {
  auto* srv = static_cast<EchoServer*>(data);
  std::string ip;
  int port = 0;
  int c;
  while ((c = AcceptTcp(fd, &ip, &port)) != -1) {
    srv->accepted++;
    srv->last_peer = FormatAddr(ip, port);
    SetTcpNoDelay(c, true);
    common::Status st = loop->AddFileEvent(c, kReadable, EchoRead, srv);
    ASSERT_TRUE(st.ok()) << st.message();
  }
}

int64_t Watchdog(EventLoop* loop, int64_t, void* data) {
  static_cast<EchoServer*>(data)->timed_out = true;
  loop->Stop();
  return kNoMore;
}

// Sends `rounds` messages and checks each echo; reports into *ok.
void EchoClient(const std::string& where, bool is_unix, int port, int rounds, bool* ok) {
  *ok = false;
  common::Result<int> c = is_unix ? ConnectUnix(where) : ConnectTcp(where, port);
  if (!c.ok()) {
    ADD_FAILURE() << c.status().message();
    return;
  }
  for (int i = 0; i < rounds; i++) {
    std::string msg = "message " + std::to_string(i) + " " + std::string(i % 50, 'z');
    if (write(*c, msg.data(), msg.size()) != static_cast<ssize_t>(msg.size())) break;
    std::string got;
    while (got.size() < msg.size()) {
      char buf[256];
      ssize_t n = read(*c, buf, sizeof(buf));
      if (n <= 0) break;
      got.append(buf, n);
    }
    if (got != msg) {
      ADD_FAILURE() << "round " << i << ": got '" << got << "'";
      close(*c);
      return;
    }
  }
  close(*c);
  *ok = true;
}

TEST(SocketTest, EchoRoundTripThroughTheLoop) {
  auto lr = EventLoop::Create(1024);
  ASSERT_TRUE(lr.ok());
  EventLoop* loop = lr->get();
  TempDir dir;
  std::string sock_path = dir.File("echo.sock");
  common::Result<int> tcp = ListenTcp("127.0.0.1", 0, 128);
  ASSERT_TRUE(tcp.ok());
  common::Result<int> unx = ListenUnix(sock_path, 0, 128);
  ASSERT_TRUE(unx.ok());
  int port = LocalPort(*tcp);

  EchoServer srv;
  ASSERT_TRUE(loop->AddFileEvent(*tcp, kReadable, EchoAccept, &srv).ok());
  ASSERT_TRUE(loop->AddFileEvent(*unx, kReadable, EchoAccept, &srv).ok());
  // The loop's safety net: 10 s is orders of magnitude above the test's need.
  constexpr int64_t kWatchdogMs = 10000;
  int64_t dog = loop->CreateTimeEvent(kWatchdogMs, Watchdog, &srv);

  constexpr int kRounds = 200;
  bool tcp_ok = false, unix_ok = false;
  std::thread t1(EchoClient, "127.0.0.1", false, port, kRounds, &tcp_ok);
  std::thread t2(EchoClient, sock_path, true, 0, kRounds, &unix_ok);
  loop->Run();
  t1.join();
  t2.join();

  EXPECT_FALSE(srv.timed_out);
  EXPECT_TRUE(tcp_ok);
  EXPECT_TRUE(unix_ok);
  EXPECT_EQ(srv.accepted, 2);
  EXPECT_EQ(srv.closed, 2);
  size_t expected = 0;
  for (int i = 0; i < kRounds; i++) {
    expected += ("message " + std::to_string(i) + " ").size() + i % 50;
  }
  EXPECT_EQ(srv.echoed, 2 * expected);
  EXPECT_TRUE(loop->DeleteTimeEvent(dog));
  loop->DelFileEvent(*tcp, kReadable);
  loop->DelFileEvent(*unx, kReadable);
  close(*tcp);
  close(*unx);
}

}  // namespace
}  // namespace net
