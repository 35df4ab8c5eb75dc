// net::TlsConfigure's refusals: each names what is wrong, and a refused
// configuration leaves TLS as it was. (Handshakes are tested end to end in
// tests/integration/test_tls.py, with certificates made by openssl.)
#include "net/tls.h"

#include <gtest/gtest.h>

namespace net {
namespace {

TEST(Tls, RefusesIncompleteSettings) {
  TlsSettings s;
  common::Status st = TlsConfigure(s);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "No tls-cert-file configured!");
  s.cert_file = "/nonexistent/cert.pem";
  st = TlsConfigure(s);
  EXPECT_EQ(st.message(), "No tls-key-file configured!");
  s.key_file = "/nonexistent/key.pem";
  st = TlsConfigure(s);
  EXPECT_EQ(st.message(),
            "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-auth-clients is enabled!");
  s.auth_clients = TlsClientAuth::kNo;
  s.protocols = "TLSv1.2 SSLv3";
  st = TlsConfigure(s);
  EXPECT_NE(st.message().find("Invalid tls-protocols"), std::string::npos);
  s.protocols = "TLSv1.3";
  st = TlsConfigure(s);
  EXPECT_NE(st.message().find("Failed to load certificate: /nonexistent/cert.pem"), std::string::npos);
  EXPECT_FALSE(TlsConfigured());
  EXPECT_EQ(TlsConn::Accept(0), nullptr);  // no context: no TLS connection
  EXPECT_EQ(TlsConn::Connect(0), nullptr);
}

}  // namespace
}  // namespace net
