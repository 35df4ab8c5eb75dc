// Socket helpers: see socket.h for the contracts.
#include "net/socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "net/event_loop.h"

namespace net {

namespace {

// Longest textual IPv6 address plus NUL (INET6_ADDRSTRLEN is 46).
constexpr size_t kIpStrLen = INET6_ADDRSTRLEN;

// "<what>: <strerror(err)>", the shape of anet's error texts.
std::string SysError(const char* what, int err) { return std::string(what) + ": " + strerror(err); }

// Errnos that mean "this address or family does not exist here": an
// optional bind address failing with one of them is skipped (the list Redis
// 7.0's listenToPort skips).
bool IsUnavailableErrno(int err) {
  return err == ENOPROTOOPT || err == EPROTONOSUPPORT || err == ESOCKTNOSUPPORT ||
         err == EPFNOSUPPORT || err == EAFNOSUPPORT || err == EADDRNOTAVAIL;
}

// The path of a unix socket address ("" if unnamed; abstract names as
// "@name").
std::string UnixPath(const struct sockaddr_un* sun, socklen_t len) {
  const size_t off = offsetof(struct sockaddr_un, sun_path);
  if (len <= off) return "";
  size_t n = len - off;
  if (sun->sun_path[0] == '\0') return n > 1 ? "@" + std::string(sun->sun_path + 1, n - 1) : "";
  return std::string(sun->sun_path, strnlen(sun->sun_path, n));
}

// Writes the address in ss into ip/port (either may be null). Returns false
// for families we do not know.
bool AddrToString(const struct sockaddr_storage& ss, socklen_t len, std::string* ip, int* port) {
  char buf[kIpStrLen];
  if (ss.ss_family == AF_INET) {
    const auto* s = reinterpret_cast<const struct sockaddr_in*>(&ss);
    if (inet_ntop(AF_INET, &s->sin_addr, buf, sizeof(buf)) == nullptr) return false;
    if (ip) *ip = buf;
    if (port) *port = ntohs(s->sin_port);
    return true;
  }
  if (ss.ss_family == AF_INET6) {
    const auto* s = reinterpret_cast<const struct sockaddr_in6*>(&ss);
    if (inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof(buf)) == nullptr) return false;
    if (ip) *ip = buf;
    if (port) *port = ntohs(s->sin6_port);
    return true;
  }
  if (ss.ss_family == AF_UNIX) {
    if (ip) *ip = UnixPath(reinterpret_cast<const struct sockaddr_un*>(&ss), len);
    if (port) *port = 0;
    return true;
  }
  return false;
}

using NameFn = int (*)(int, struct sockaddr*, socklen_t*);

// getpeername/getsockname into ip/port; for a unix socket whose side named
// by `first` is unnamed (a client's end), the path of the other side.
bool NameOf(int fd, NameFn first, NameFn second, std::string* ip, int* port) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (first(fd, reinterpret_cast<struct sockaddr*>(&ss), &len) == -1) return false;
  if (ss.ss_family == AF_UNIX &&
      UnixPath(reinterpret_cast<const struct sockaddr_un*>(&ss), len).empty()) {
    struct sockaddr_storage other;
    socklen_t olen = sizeof(other);
    if (second(fd, reinterpret_cast<struct sockaddr*>(&other), &olen) == 0 &&
        other.ss_family == AF_UNIX) {
      return AddrToString(other, olen, ip, port);
    }
  }
  return AddrToString(ss, len, ip, port);
}

int AcceptGeneric(int listen_fd, struct sockaddr_storage* ss, socklen_t* len) {
  for (;;) {
    int fd = accept4(listen_fd, reinterpret_cast<struct sockaddr*>(ss), len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd == -1 && errno == EINTR) continue;
    return fd;
  }
}

// Makes fd blocking. Returns 0 or an errno.
int ClearNonBlock(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) return errno;
  return 0;
}

// Finishes a non-blocking connect started on fd: waits up to timeout_ms,
// then makes the fd blocking. Returns 0 or an errno.
int FinishConnect(int fd, int64_t timeout_ms) {
  int ready = EventLoop::Wait(fd, kWritable, timeout_ms);
  if (ready == 0) return ETIMEDOUT;
  if (ready < 0) return errno;
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) return errno;
  if (err != 0) return err;
  return ClearNonBlock(fd);
}

int ConnectAddr(int family, const struct sockaddr* sa, socklen_t len, int64_t timeout_ms,
                int* out_fd) {
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd == -1) return errno;
  int err = 0;
  if (connect(fd, sa, len) == -1) {
    // EINPROGRESS: a TCP handshake under way. (A unix socket either connects
    // at once or fails, EAGAIN meaning the listener's backlog is full.)
    err = errno == EINPROGRESS ? FinishConnect(fd, timeout_ms) : errno;
  } else {
    err = ClearNonBlock(fd);
  }
  if (err != 0) {
    close(fd);
    return err;
  }
  *out_fd = fd;
  return 0;
}

}  // namespace

common::Result<int> ListenTcp(const std::string& addr, int port, int backlog,
                              std::string* skipped) {
  const bool optional = !addr.empty() && addr[0] == '-';
  const std::string a = optional ? addr.substr(1) : addr;
  const std::string prefix =
      "Could not create server TCP listening socket " + a + ":" + std::to_string(port) + ": ";
  if (port < 0 || port > 65535) {
    return common::Status::InvalidArgument(prefix + "port out of range");
  }

  const char* host = a.c_str();
  int family = a.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  if (a == "*") {
    host = nullptr;
    family = AF_INET;
  } else if (a == "::*") {
    host = nullptr;
    family = AF_INET6;
  }

  auto fail = [&](int err, const std::string& detail) -> common::Result<int> {
    if (optional && IsUnavailableErrno(err)) {
      if (skipped) *skipped = prefix + detail;
      return -1;
    }
    return common::Status::IoError(prefix + detail);
  };

  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  struct addrinfo* res = nullptr;
  const std::string port_str = std::to_string(port);
  int rv = getaddrinfo(host, port_str.c_str(), &hints, &res);
  if (rv != 0) {
    // A literal of a family this host lacks resolves to EAI_ADDRFAMILY or
    // EAI_FAMILY: the same "not available here" as EAFNOSUPPORT.
    int err = rv == EAI_SYSTEM ? errno
              : (rv == EAI_ADDRFAMILY || rv == EAI_FAMILY) ? EAFNOSUPPORT
                                                            : 0;
    return fail(err, gai_strerror(rv));
  }

  int err = EADDRNOTAVAIL;
  std::string detail = "unable to bind socket";
  for (struct addrinfo* p = res; p != nullptr; p = p->ai_next) {
    int fd = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
    if (fd == -1) {
      err = errno;
      detail = SysError("creating socket", err);
      continue;  // try the next address of the name
    }
    const int yes = 1;
    const char* step = nullptr;
    if (p->ai_family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof(yes)) == -1) {
      step = "setsockopt IPV6_V6ONLY";
    } else if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes)) == -1) {
      step = "setsockopt SO_REUSEADDR";
    } else if (bind(fd, p->ai_addr, p->ai_addrlen) == -1) {
      step = "bind";
    } else if (listen(fd, backlog) == -1) {
      step = "listen";
    }
    if (step == nullptr) {
      freeaddrinfo(res);
      return fd;
    }
    err = errno;
    detail = SysError(step, err);
    close(fd);
    break;  // as Redis: a resolved address that fails to bind is the answer
  }
  freeaddrinfo(res);
  return fail(err, detail);
}

common::Result<int> ListenUnix(const std::string& path, unsigned perm, int backlog) {
  const std::string prefix = "Failed opening Unix socket: ";
  struct sockaddr_un sun;
  memset(&sun, 0, sizeof(sun));
  sun.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(sun.sun_path)) {
    return common::Status::InvalidArgument(prefix + SysError("bind", ENAMETOOLONG));
  }
  memcpy(sun.sun_path, path.data(), path.size());

  struct stat st;
  if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd == -1) return common::Status::IoError(prefix + SysError("creating socket", errno));
  const char* step = nullptr;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&sun), sizeof(sun)) == -1) {
    step = "bind";
  } else if (listen(fd, backlog) == -1) {
    step = "listen";
  } else if (perm != 0 && chmod(path.c_str(), perm) == -1) {
    step = "chmod";
  }
  if (step != nullptr) {
    std::string msg = prefix + SysError(step, errno);
    close(fd);
    return common::Status::IoError(msg);
  }
  return fd;
}

int AcceptTcp(int listen_fd, std::string* ip, int* port) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  int fd = AcceptGeneric(listen_fd, &ss, &len);
  if (fd == -1) return -1;
  if (ip != nullptr || port != nullptr) {
    // A unix client is unnamed: report the listening socket's path.
    if (!NameOf(fd, getpeername, getsockname, ip, port)) {
      if (ip) ip->clear();
      if (port) *port = 0;
    }
  }
  return fd;
}

int AcceptUnix(int listen_fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  return AcceptGeneric(listen_fd, &ss, &len);
}

common::Status SetNonBlock(int fd, bool on) {
  int flags = fcntl(fd, F_GETFL);
  if (flags == -1) return common::Status::IoError(SysError("fcntl(F_GETFL)", errno));
  int want = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (want != flags && fcntl(fd, F_SETFL, want) == -1) {
    return common::Status::IoError(SysError("fcntl(F_SETFL,O_NONBLOCK)", errno));
  }
  return common::Status::Ok();
}

void SetTcpNoDelay(int fd, bool on) {
  int v = on ? 1 : 0;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v));
}

void SetKeepAlive(int fd, int interval_sec) {
  if (interval_sec <= 0) return;
  int yes = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof(yes)) == -1) return;
  int idle = interval_sec;
  // Probes every interval/3 s (at least 1) and 3 probes: death is noticed
  // within about twice the configured interval, as Redis documents.
  int intvl = interval_sec / 3;
  if (intvl == 0) intvl = 1;
  constexpr int kProbes = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &kProbes, sizeof(kProbes));
}

std::string FormatAddr(const std::string& ip, int port) {
  const bool v6 = !ip.empty() && ip[0] != '/' && ip.find(':') != std::string::npos;
  std::string out;
  out.reserve(ip.size() + 8);  // brackets, ':' and up to 5 port digits
  if (v6) out += '[';
  out += ip;
  if (v6) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

bool PeerName(int fd, std::string* ip, int* port) {
  return NameOf(fd, getpeername, getsockname, ip, port);
}

bool SockName(int fd, std::string* ip, int* port) {
  return NameOf(fd, getsockname, getpeername, ip, port);
}

bool IsLocalPeer(const std::string& ip) {
  struct in_addr a4;
  if (inet_pton(AF_INET, ip.c_str(), &a4) == 1) return ntohl(a4.s_addr) == INADDR_LOOPBACK;
  struct in6_addr a6;
  if (inet_pton(AF_INET6, ip.c_str(), &a6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&a6)) return true;
    static const unsigned char kMapped127001[4] = {127, 0, 0, 1};
    return IN6_IS_ADDR_V4MAPPED(&a6) && memcmp(&a6.s6_addr[12], kMapped127001, 4) == 0;
  }
  // Not an IP literal: a unix socket path as AcceptTcp reports it.
  return !ip.empty();
}

namespace {

// Resolves ip:port and calls attempt(address, &fd) for each address until
// one returns 0 (connected, or under way); else the error names the last
// errno, after "Could not connect to <ip>:<port>: ".
template <typename F>
common::Result<int> ConnectResolved(const std::string& ip, int port, F attempt) {
  const std::string prefix = "Could not connect to " + FormatAddr(ip, port) + ": ";
  if (port <= 0 || port > 65535) return common::Status::InvalidArgument(prefix + "bad port");
  struct addrinfo hints;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* res = nullptr;
  const std::string port_str = std::to_string(port);
  int rv = getaddrinfo(ip.c_str(), port_str.c_str(), &hints, &res);
  if (rv != 0) return common::Status::IoError(prefix + gai_strerror(rv));
  int err = EADDRNOTAVAIL;
  for (struct addrinfo* p = res; p != nullptr; p = p->ai_next) {
    int fd = -1;
    err = attempt(p, &fd);
    if (err == 0) {
      freeaddrinfo(res);
      return fd;
    }
  }
  freeaddrinfo(res);
  return common::Status::IoError(prefix + strerror(err));
}

}  // namespace

common::Result<int> ConnectTcp(const std::string& ip, int port, int64_t timeout_ms) {
  return ConnectResolved(ip, port, [timeout_ms](const struct addrinfo* p, int* fd) {
    return ConnectAddr(p->ai_family, p->ai_addr, p->ai_addrlen, timeout_ms, fd);
  });
}

common::Result<int> ConnectTcpNonBlock(const std::string& ip, int port) {
  return ConnectResolved(ip, port, [](const struct addrinfo* p, int* out_fd) {
    int fd = socket(p->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) return errno;
    if (connect(fd, p->ai_addr, p->ai_addrlen) == 0 || errno == EINPROGRESS) {
      *out_fd = fd;
      return 0;
    }
    int err = errno;
    close(fd);
    return err;
  });
}

common::Result<int> ConnectUnix(const std::string& path, int64_t timeout_ms) {
  const std::string prefix = "Could not connect to " + path + ": ";
  struct sockaddr_un sun;
  memset(&sun, 0, sizeof(sun));
  sun.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(sun.sun_path)) {
    return common::Status::InvalidArgument(prefix + strerror(ENAMETOOLONG));
  }
  memcpy(sun.sun_path, path.data(), path.size());
  int fd = -1;
  int err = ConnectAddr(AF_UNIX, reinterpret_cast<struct sockaddr*>(&sun), sizeof(sun),
                        timeout_ms, &fd);
  if (err != 0) return common::Status::IoError(prefix + strerror(err));
  return fd;
}

}  // namespace net
