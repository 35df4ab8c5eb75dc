// TLS connections over OpenSSL (Debian's libssl): the server's context and
// the client one (for the link to our master, tls-replication), both built
// from the tls-* settings and rebuilt by CONFIG SET (connections already
// open keep the context they were made with: OpenSSL counts its
// references), and one TlsConn per TLS socket, accepted or connected.
//
// A TlsConn reads and writes like read(2)/write(2) on a non-blocking
// socket: the handshake runs inside the first reads and writes (or
// Handshake()), and "would block" is reported as -1 with errno EAGAIN,
// whichever direction OpenSSL waits for; WantsWrite() then says whether it
// is the socket's writability (a handshake record that did not fit).
//
// Invariant: a TlsConn never owns the descriptor; the caller closes it
// after deleting the TlsConn.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "common/status.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace net {

enum class TlsClientAuth { kNo, kYes, kOptional };

struct TlsSettings {
  std::string cert_file, key_file, key_file_pass;
  // The client context's certificate (tls-client-*); empty: cert_file's.
  std::string client_cert_file, client_key_file, client_key_file_pass;
  std::string ca_cert_file, ca_cert_dir;
  std::string dh_params_file;
  std::string protocols;     // "TLSv1.2 TLSv1.3"; empty: those two
  std::string ciphers;       // TLSv1.2 and below (OpenSSL cipher list)
  std::string ciphersuites;  // TLSv1.3
  TlsClientAuth auth_clients = TlsClientAuth::kYes;
  bool prefer_server_ciphers = false;
  bool session_caching = true;
  long session_cache_size = 20480;  // Redis's defaults
  long session_cache_timeout = 300; // seconds
};

// Builds the server and client contexts from `s` and makes them the
// current ones. On error the previous ones stay and the message says why
// (OpenSSL's reason).
common::Status TlsConfigure(const TlsSettings& s);
bool TlsConfigured();

class TlsConn {
 public:
  // A connection in accept state on fd, or nullptr (no context, or
  // OpenSSL refused: the reason is logged).
  static TlsConn* Accept(int fd);
  // A connection in connect state on fd (connected or connecting), from
  // the client context: it presents tls-client-cert-file (else
  // tls-cert-file) and verifies the peer against tls-ca-cert-file/-dir, as
  // Redis does (no host name check). nullptr as Accept.
  static TlsConn* Connect(int fd);
  ~TlsConn();
  TlsConn(const TlsConn&) = delete;
  TlsConn& operator=(const TlsConn&) = delete;

  // As read(2) / write(2). 0 from Read: the peer closed.
  ssize_t Read(void* buf, size_t n);
  ssize_t Write(const void* buf, size_t n);
  // Advances the handshake (from a writable event). False on failure.
  bool Handshake();
  bool HandshakeDone() const;
  // Decrypted bytes OpenSSL holds that Read has not returned yet.
  size_t Pending() const;
  bool WantsWrite() const { return want_write_; }
  // Why the last call failed (for the log).
  const std::string& error() const { return error_; }

 private:
  explicit TlsConn(SSL* ssl) : ssl_(ssl) {}
  static TlsConn* Create(SSL_CTX* ctx, int fd, bool connect);
  ssize_t Result(int ret);
  SSL* ssl_;
  bool want_write_ = false;
  std::string error_;
};

}  // namespace net
