// Socket helpers (Linux): the listeners, accept, socket options and address
// formatting the server needs, with Redis 7.0's semantics (anet.c's job).
//
// Every fd these functions create is close-on-exec, so forked children
// (BGSAVE, BGREWRITEAOF) and exec'd helpers do not inherit client or
// listening sockets. Listening and accepted sockets are non-blocking; the
// sockets ConnectTcp/ConnectUnix return are blocking (for tests and tools).
//
// Addresses are text: an IPv4 or IPv6 literal (no brackets), or for a unix
// socket connection the socket's path with port 0, which is what Redis shows
// in CLIENT LIST ("addr=/tmp/redis.sock:0").
//
// Thread safety: all functions are reentrant (no shared state).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace net {

// Opens a listening TCP socket on addr:port. addr is "*" (any IPv4
// address), "::*" (any IPv6 address), or a literal or name: with a ':' it is
// resolved as IPv6, else as IPv4, as Redis's `bind` does. The socket has
// SO_REUSEADDR, IPV6_V6ONLY when IPv6 (so "*" and "::*" can share a port),
// and is non-blocking. A leading '-' makes the address optional, as in
// Redis's `bind 127.0.0.1 -::1`: if the address or its family is not
// available on this host (EADDRNOTAVAIL, EAFNOSUPPORT and the other
// "unsupported" errnos Redis skips), the result is -1, not an error, and
// *skipped (if given) receives the message so the caller can log it as the
// warning Redis prints. Errors carry Redis's log text, e.g.
// "Could not create server TCP listening socket 127.0.0.1:6379: bind: Address already in use".
// REQUIRES: 0 <= port <= 65535 (0 picks a free port; see SockName).
common::Result<int> ListenTcp(const std::string& addr, int port, int backlog,
                              std::string* skipped = nullptr);

// Opens a listening unix socket at path, non-blocking. A socket file left
// at path by an earlier run is unlinked first; any other kind of file is
// left alone (bind then fails with "Address already in use"). perm != 0 is
// applied with chmod (Redis's unixsocketperm); 0 leaves the umask's mode.
// Errors read like Redis's log: "Failed opening Unix socket: bind: ...".
common::Result<int> ListenUnix(const std::string& path, unsigned perm, int backlog);

// Accepts one connection from a TCP or unix listening socket. Returns the
// new fd, non-blocking and close-on-exec, or -1 with errno set (EAGAIN or
// EWOULDBLOCK when no connection is pending; EINTR is retried). When ip or
// port are given they receive the peer's address; for a unix socket, the
// socket's path and 0.
int AcceptTcp(int listen_fd, std::string* ip, int* port);
// Same for a unix listening socket, without the address.
int AcceptUnix(int listen_fd);

// Turns O_NONBLOCK on or off. Fails with strerror if fcntl does.
common::Status SetNonBlock(int fd, bool on);
// TCP_NODELAY on/off; errors (e.g. a unix socket) are ignored.
void SetTcpNoDelay(int fd, bool on);
// Redis's tcp-keepalive: SO_KEEPALIVE, first probe after interval_sec idle
// seconds (TCP_KEEPIDLE), then probes every interval_sec/3 seconds (at least
// 1) (TCP_KEEPINTVL), and the peer is dead after 3 unanswered probes
// (TCP_KEEPCNT): so a dead peer is detected about 2 * interval_sec after the
// last traffic. interval_sec <= 0 does nothing; errors are ignored.
void SetKeepAlive(int fd, int interval_sec);

// "ip:port", with IPv6 addresses in brackets ("[::1]:6379") as Redis 7.0's
// CLIENT LIST shows them; a unix socket path ("/tmp/r.sock", starts with
// '/') is never bracketed.
std::string FormatAddr(const std::string& ip, int port);

// The peer's (PeerName) or our own (SockName) address of a connected or
// bound socket. For a unix socket both give the socket's path and port 0.
// Returns false (outputs untouched) if the socket has no address. ip and
// port may be null.
bool PeerName(int fd, std::string* ip, int* port);
bool SockName(int fd, std::string* ip, int* port);

// Redis's test of a local peer (protected mode, and "local" for
// enable-debug-command / enable-protected-configs): exactly 127.0.0.1 or
// ::1 (also as ::ffff:127.0.0.1), or a unix socket path (any text that is
// not an IP literal, as AcceptTcp reports them). The rest of 127.0.0.0/8
// does not count: a local proxy, container bridge or port forwarder may
// relay remote clients from such addresses.
bool IsLocalPeer(const std::string& ip);

// How long ConnectTcp/ConnectUnix wait for the connection by default. A
// local connect completes in microseconds; 5 s covers a loaded test box
// without letting a tool hang on a black-holed address.
inline constexpr int64_t kDefaultConnectTimeoutMs = 5000;

// Connects to ip:port (an IPv4/IPv6 literal or a host name), waiting at most
// timeout_ms. Returns a blocking, close-on-exec fd. Errors read
// "Could not connect to <ip>:<port>: <strerror>" ("Connection timed out"
// on timeout).
common::Result<int> ConnectTcp(const std::string& ip, int port,
                               int64_t timeout_ms = kDefaultConnectTimeoutMs);
// Starts connecting to ip:port without waiting (a replica's link to its
// master: the event loop must not stall on a master that does not answer).
// Returns a non-blocking, close-on-exec fd whose connect is done or in
// progress: it becomes writable when done, and SO_ERROR then says how it
// went. Only the name lookup may block (as Redis's anetTcpNonBlockConnect).
common::Result<int> ConnectTcpNonBlock(const std::string& ip, int port);
// Same for a unix socket path.
common::Result<int> ConnectUnix(const std::string& path,
                                int64_t timeout_ms = kDefaultConnectTimeoutMs);

}  // namespace net
