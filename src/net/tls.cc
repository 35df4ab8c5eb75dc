#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/log.h"
#include "common/util.h"

namespace net {
namespace {

SSL_CTX* g_ctx = nullptr;
SSL_CTX* g_client_ctx = nullptr;  // the link to our master (tls-replication)

std::string SslErrors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown error" : out;
}

// tls-protocols: a space-separated list; the range from the lowest to the
// highest listed is enabled (OpenSSL sets a min and a max).
bool ProtocolRange(const std::string& spec, int* min, int* max, std::string* err) {
  if (spec.empty()) {
    *min = TLS1_2_VERSION;
    *max = TLS1_3_VERSION;
    return true;
  }
  static const std::pair<const char*, int> kVersions[] = {
      {"tlsv1", TLS1_VERSION}, {"tlsv1.1", TLS1_1_VERSION}, {"tlsv1.2", TLS1_2_VERSION}, {"tlsv1.3", TLS1_3_VERSION}};
  *min = 0;
  *max = 0;
  for (std::string_view p : common::SplitSpaces(spec)) {
    int v = 0;
    for (const auto& [name, ver] : kVersions)
      if (common::EqualsNoCase(p, name)) v = ver;
    if (v == 0) {
      *err = "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.";
      return false;
    }
    if (*min == 0 || v < *min) *min = v;
    if (v > *max) *max = v;
  }
  return true;
}

int PasswordCallback(char* buf, int size, int, void* u) {
  const auto* pass = static_cast<const std::string*>(u);
  int n = static_cast<int>(std::min<size_t>(pass->size(), static_cast<size_t>(size)));
  memcpy(buf, pass->data(), static_cast<size_t>(n));
  return n;
}

// One context: the server's, or the client one (tls-client-* certificate,
// falling back to the server's; the peer always verified). nullptr with
// *err set on failure.
SSL_CTX* BuildContext(const TlsSettings& s, bool client, std::string* err) {
  auto fail = [err](SSL_CTX* ctx, const std::string& msg) -> SSL_CTX* {
    if (ctx != nullptr) SSL_CTX_free(ctx);
    *err = msg;
    return nullptr;
  };
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(client ? TLS_client_method() : TLS_server_method());
  if (ctx == nullptr) return fail(nullptr, "Failed to create the TLS context: " + SslErrors());
  int min = 0, max = 0;
  if (!ProtocolRange(s.protocols, &min, &max, err)) return fail(ctx, *err);
  SSL_CTX_set_min_proto_version(ctx, min);
  SSL_CTX_set_max_proto_version(ctx, max);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_SINGLE_DH_USE | SSL_OP_NO_RENEGOTIATION);
  if (s.prefer_server_ciphers) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Partial writes: a reply goes out in as many pieces as the socket takes,
  // and the output buffer may move (grow) between retries.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!client && s.session_caching) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, s.session_cache_size);
    SSL_CTX_set_timeout(ctx, s.session_cache_timeout);
    static const unsigned char kSessionContext[] = "redis";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  const bool own = client && !s.client_cert_file.empty() && !s.client_key_file.empty();
  const std::string& cert_file = own ? s.client_cert_file : s.cert_file;
  const std::string& key_file = own ? s.client_key_file : s.key_file;
  static std::string key_pass;  // read by the callback while the key loads
  key_pass = own ? s.client_key_file_pass : s.key_file_pass;
  SSL_CTX_set_default_passwd_cb(ctx, PasswordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, &key_pass);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) <= 0)
    return fail(ctx, "Failed to load certificate: " + cert_file + ": " + SslErrors());
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) <= 0)
    return fail(ctx, "Failed to load private key: " + key_file + ": " + SslErrors());
  if (SSL_CTX_check_private_key(ctx) != 1)
    return fail(ctx, "The private key does not match the certificate: " + SslErrors());
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (!s.ca_cert_file.empty() || !s.ca_cert_dir.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, s.ca_cert_file.empty() ? nullptr : s.ca_cert_file.c_str(),
                                      s.ca_cert_dir.empty() ? nullptr : s.ca_cert_dir.c_str()) <= 0)
      return fail(ctx, "Failed to configure CA certificate(s) file/directory: " + SslErrors());
  }
  if (!client && !s.dh_params_file.empty()) {
    BIO* bio = BIO_new_file(s.dh_params_file.c_str(), "r");
    EVP_PKEY* dh = bio != nullptr ? PEM_read_bio_Parameters(bio, nullptr) : nullptr;
    if (bio != nullptr) BIO_free(bio);
    if (dh == nullptr) return fail(ctx, "Failed to load " + s.dh_params_file + ": " + SslErrors());
    if (SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
      EVP_PKEY_free(dh);
      return fail(ctx, "Failed to load DH params file: " + s.dh_params_file + ": " + SslErrors());
    }
  } else if (!client) {
    SSL_CTX_set_dh_auto(ctx, 1);
  }
  if (!s.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, s.ciphers.c_str()) == 0)
    return fail(ctx, "Failed to configure ciphers: " + s.ciphers);
  if (!s.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, s.ciphersuites.c_str()) == 0)
    return fail(ctx, "Failed to configure ciphersuites: " + s.ciphersuites);
  int verify = SSL_VERIFY_NONE;
  if (client || s.auth_clients == TlsClientAuth::kYes) verify = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  if (!client && s.auth_clients == TlsClientAuth::kOptional) verify = SSL_VERIFY_PEER;
  SSL_CTX_set_verify(ctx, verify, nullptr);
  return ctx;
}

}  // namespace

common::Status TlsConfigure(const TlsSettings& s) {
  if (s.cert_file.empty()) return common::Status::InvalidArgument("No tls-cert-file configured!");
  if (s.key_file.empty()) return common::Status::InvalidArgument("No tls-key-file configured!");
  if (s.auth_clients != TlsClientAuth::kNo && s.ca_cert_file.empty() && s.ca_cert_dir.empty())
    return common::Status::InvalidArgument(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-auth-clients is enabled!");
  std::string err;
  SSL_CTX* ctx = BuildContext(s, false, &err);
  if (ctx == nullptr) return common::Status::InvalidArgument(err);
  SSL_CTX* client_ctx = BuildContext(s, true, &err);
  if (client_ctx == nullptr) {
    SSL_CTX_free(ctx);
    return common::Status::InvalidArgument(err);
  }
  if (g_ctx != nullptr) SSL_CTX_free(g_ctx);
  g_ctx = ctx;
  if (g_client_ctx != nullptr) SSL_CTX_free(g_client_ctx);
  g_client_ctx = client_ctx;
  return common::Status::Ok();
}

bool TlsConfigured() { return g_ctx != nullptr; }

TlsConn* TlsConn::Accept(int fd) { return Create(g_ctx, fd, false); }

TlsConn* TlsConn::Connect(int fd) { return Create(g_client_ctx, fd, true); }

TlsConn* TlsConn::Create(SSL_CTX* ctx, int fd, bool connect) {
  if (ctx == nullptr) return nullptr;
  SSL* ssl = SSL_new(ctx);
  if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
    LOG_WARNING("Error creating a TLS connection: %s", SslErrors().c_str());
    if (ssl != nullptr) SSL_free(ssl);
    return nullptr;
  }
  if (connect) {
    SSL_set_connect_state(ssl);
  } else {
    SSL_set_accept_state(ssl);
  }
  return new TlsConn(ssl);
}

TlsConn::~TlsConn() {
  // A close_notify when the connection is healthy; never blocks (the
  // socket is non-blocking) and its failure does not matter.
  if (HandshakeDone()) SSL_shutdown(ssl_);
  SSL_free(ssl_);
}

ssize_t TlsConn::Result(int ret) {
  want_write_ = false;
  if (ret > 0) return ret;
  const int e = SSL_get_error(ssl_, ret);
  switch (e) {
    case SSL_ERROR_WANT_WRITE:
      want_write_ = true;
      [[fallthrough]];
    case SSL_ERROR_WANT_READ:
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    case SSL_ERROR_SYSCALL:
      if (errno == 0) return 0;  // EOF without close_notify
      error_ = strerror(errno);
      return -1;
    default:
      error_ = SslErrors();
      errno = EPROTO;
      return -1;
  }
}

ssize_t TlsConn::Read(void* buf, size_t n) {
  ERR_clear_error();
  errno = 0;
  return Result(SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(n, INT32_MAX))));
}

ssize_t TlsConn::Write(const void* buf, size_t n) {
  ERR_clear_error();
  errno = 0;
  return Result(SSL_write(ssl_, buf, static_cast<int>(std::min<size_t>(n, INT32_MAX))));
}

bool TlsConn::Handshake() {
  if (HandshakeDone()) return true;
  ERR_clear_error();
  errno = 0;
  int ret = SSL_do_handshake(ssl_);
  if (ret == 1) {
    want_write_ = false;
    return true;
  }
  return Result(ret) < 0 && errno == EAGAIN;
}

bool TlsConn::HandshakeDone() const { return SSL_is_init_finished(ssl_) == 1; }

size_t TlsConn::Pending() const { return static_cast<size_t>(SSL_pending(ssl_)); }

}  // namespace net
