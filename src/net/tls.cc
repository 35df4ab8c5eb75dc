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

}  // namespace

common::Status TlsConfigure(const TlsSettings& s) {
  auto fail = [](SSL_CTX* ctx, const std::string& msg) {
    if (ctx != nullptr) SSL_CTX_free(ctx);
    return common::Status::InvalidArgument(msg);
  };
  if (s.cert_file.empty()) return fail(nullptr, "No tls-cert-file configured!");
  if (s.key_file.empty()) return fail(nullptr, "No tls-key-file configured!");
  if (s.auth_clients != TlsClientAuth::kNo && s.ca_cert_file.empty() && s.ca_cert_dir.empty())
    return fail(nullptr, "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-auth-clients is "
                         "enabled!");
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return fail(nullptr, "Failed to create the TLS context: " + SslErrors());
  int min = 0, max = 0;
  std::string err;
  if (!ProtocolRange(s.protocols, &min, &max, &err)) return fail(ctx, err);
  SSL_CTX_set_min_proto_version(ctx, min);
  SSL_CTX_set_max_proto_version(ctx, max);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_SINGLE_DH_USE | SSL_OP_NO_RENEGOTIATION);
  if (s.prefer_server_ciphers) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Partial writes: a reply goes out in as many pieces as the socket takes,
  // and the output buffer may move (grow) between retries.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (s.session_caching) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, s.session_cache_size);
    SSL_CTX_set_timeout(ctx, s.session_cache_timeout);
    static const unsigned char kSessionContext[] = "redis";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  static std::string key_pass;  // read by the callback while the key loads
  key_pass = s.key_file_pass;
  SSL_CTX_set_default_passwd_cb(ctx, PasswordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, &key_pass);
  if (SSL_CTX_use_certificate_chain_file(ctx, s.cert_file.c_str()) <= 0)
    return fail(ctx, "Failed to load certificate: " + s.cert_file + ": " + SslErrors());
  if (SSL_CTX_use_PrivateKey_file(ctx, s.key_file.c_str(), SSL_FILETYPE_PEM) <= 0)
    return fail(ctx, "Failed to load private key: " + s.key_file + ": " + SslErrors());
  if (SSL_CTX_check_private_key(ctx) != 1)
    return fail(ctx, "The private key does not match the certificate: " + SslErrors());
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (!s.ca_cert_file.empty() || !s.ca_cert_dir.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, s.ca_cert_file.empty() ? nullptr : s.ca_cert_file.c_str(),
                                      s.ca_cert_dir.empty() ? nullptr : s.ca_cert_dir.c_str()) <= 0)
      return fail(ctx, "Failed to configure CA certificate(s) file/directory: " + SslErrors());
  }
  if (!s.dh_params_file.empty()) {
    BIO* bio = BIO_new_file(s.dh_params_file.c_str(), "r");
    EVP_PKEY* dh = bio != nullptr ? PEM_read_bio_Parameters(bio, nullptr) : nullptr;
    if (bio != nullptr) BIO_free(bio);
    if (dh == nullptr) return fail(ctx, "Failed to load " + s.dh_params_file + ": " + SslErrors());
    if (SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
      EVP_PKEY_free(dh);
      return fail(ctx, "Failed to load DH params file: " + s.dh_params_file + ": " + SslErrors());
    }
  } else {
    SSL_CTX_set_dh_auto(ctx, 1);
  }
  if (!s.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, s.ciphers.c_str()) == 0)
    return fail(ctx, "Failed to configure ciphers: " + s.ciphers);
  if (!s.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, s.ciphersuites.c_str()) == 0)
    return fail(ctx, "Failed to configure ciphersuites: " + s.ciphersuites);
  int verify = SSL_VERIFY_NONE;
  if (s.auth_clients == TlsClientAuth::kYes) verify = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  if (s.auth_clients == TlsClientAuth::kOptional) verify = SSL_VERIFY_PEER;
  SSL_CTX_set_verify(ctx, verify, nullptr);
  if (g_ctx != nullptr) SSL_CTX_free(g_ctx);
  g_ctx = ctx;
  return common::Status::Ok();
}

bool TlsConfigured() { return g_ctx != nullptr; }

TlsConn* TlsConn::Accept(int fd) {
  if (g_ctx == nullptr) return nullptr;
  SSL* ssl = SSL_new(g_ctx);
  if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
    LOG_WARNING("Error creating a TLS connection: %s", SslErrors().c_str());
    if (ssl != nullptr) SSL_free(ssl);
    return nullptr;
  }
  SSL_set_accept_state(ssl);
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
