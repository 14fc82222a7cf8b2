// The failure vocabulary (connect_failure.hpp): errno values, resolver, TLS and WebSocket errors
// mapped to OONI's failure strings, and the step names a probe reports.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>
#include <cerrno>

#include "connect_failure_internal.hpp"
#include "hush/client/transport/connect_failure.hpp"

namespace hush::client {
namespace {

TEST(ConnectFailureTest, ErrnoValuesMapToOoniStrings) {
  EXPECT_EQ(failure_from_errno(0), "");
  EXPECT_EQ(failure_from_errno(ECONNREFUSED), "connection_refused");
  EXPECT_EQ(failure_from_errno(ECONNRESET), "connection_reset");
  EXPECT_EQ(failure_from_errno(ECONNABORTED), "connection_reset");
  EXPECT_EQ(failure_from_errno(EPIPE), "connection_reset");
  EXPECT_EQ(failure_from_errno(ETIMEDOUT), "generic_timeout_error");
  EXPECT_EQ(failure_from_errno(EHOSTUNREACH), "host_unreachable");
  EXPECT_EQ(failure_from_errno(ENETUNREACH), "network_unreachable");
  EXPECT_EQ(failure_from_errno(EADDRNOTAVAIL), "network_unreachable");
  EXPECT_EQ(failure_from_errno(EACCES), "unknown_failure");
}

TEST(ConnectFailureTest, AsioErrorsMapToOoniStrings) {
  namespace asio = boost::asio;
  using detail::failure_from_error;
  EXPECT_EQ(failure_from_error({}), "");
  EXPECT_EQ(failure_from_error(asio::error::connection_refused), "connection_refused");
  EXPECT_EQ(failure_from_error(asio::error::connection_reset), "connection_reset");
  EXPECT_EQ(failure_from_error(asio::error::host_unreachable), "host_unreachable");
  EXPECT_EQ(failure_from_error(asio::error::network_unreachable), "network_unreachable");
  // Our own deadline and the kernel's both read as a timeout.
  EXPECT_EQ(failure_from_error(asio::error::timed_out), "generic_timeout_error");
  EXPECT_EQ(failure_from_error(asio::error::eof), "eof_error");
  EXPECT_EQ(failure_from_error(asio::ssl::error::stream_truncated), "eof_error");
  EXPECT_EQ(failure_from_error(asio::error::host_not_found), "dns_nxdomain_error");
  EXPECT_EQ(failure_from_error(asio::error::host_not_found_try_again), "dns_lookup_error");
  EXPECT_EQ(failure_from_error(asio::error::no_data), "dns_lookup_error");
  EXPECT_EQ(failure_from_error(asio::error::service_not_found), "dns_lookup_error");
  // An OpenSSL failure (here: a record that is not TLS) is a failed handshake.
  const boost::system::error_code tls(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_WRONG_VERSION_NUMBER),
                                      asio::error::get_ssl_category());
  EXPECT_EQ(failure_from_error(tls), "ssl_failed_handshake");
  // HTTP-level failures end the upgrade; elsewhere they are unknown.
  const boost::system::error_code rejected = boost::beast::websocket::error::upgrade_declined;
  EXPECT_EQ(failure_from_error(rejected, true), "websocket_upgrade_failed");
  EXPECT_EQ(failure_from_error(boost::beast::http::error::bad_version, true), "websocket_upgrade_failed");
  EXPECT_EQ(failure_from_error(rejected, false), "unknown_failure");
  // A reset during the upgrade is still the network's reset.
  EXPECT_EQ(failure_from_error(asio::error::connection_reset, true), "connection_reset");
}

TEST(ConnectFailureTest, StepNamesAreStable) {
  EXPECT_STREQ(to_string(ConnectStep::kNone), "none");
  EXPECT_STREQ(to_string(ConnectStep::kResolve), "resolve");
  EXPECT_STREQ(to_string(ConnectStep::kTcpConnect), "tcp_connect");
  EXPECT_STREQ(to_string(ConnectStep::kProxyHandshake), "proxy_handshake");
  EXPECT_STREQ(to_string(ConnectStep::kTlsHandshake), "tls_handshake");
  EXPECT_STREQ(to_string(ConnectStep::kWebSocketUpgrade), "websocket_upgrade");
  EXPECT_STREQ(to_string(ConnectStep::kChallenge), "challenge");
}

}  // namespace
}  // namespace hush::client
