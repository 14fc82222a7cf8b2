// Why a connection to hushd failed, in the words a probe reports: the step connect() was in
// (resolving, TCP, the proxy's handshake, TLS, the WebSocket upgrade, the Challenge) and the
// failure string OONI uses for what the network did (ooni/spec df-007-errors), so that a report
// reads like OONI's WhatsApp and Signal tests. It owns the vocabulary and the errno mapping; the
// mapping of Boost and OpenSSL errors is in src/ (connect_failure_internal.hpp).
#pragma once

#include <cstddef>
#include <string_view>

namespace hush::client {

// The steps of ServerConnection::connect, in order.
enum class ConnectStep {
  kNone,              // connect() did not fail, or failed before sending anything (its arguments)
  kResolve,           // resolving the TCP host (the proxy's when there is one) on this machine
  kTcpConnect,        // the TCP connection (to the proxy when there is one)
  kProxyHandshake,    // SOCKS5 or HTTP CONNECT on that connection
  kTlsHandshake,      // TLS with the server, the certificate check included
  kWebSocketUpgrade,  // the HTTP upgrade to a WebSocket
  kChallenge,         // waiting for the server's first frame, its Challenge
};
inline constexpr std::size_t kConnectStepCount = 7;

// "none", "resolve", "tcp_connect", "proxy_handshake", "tls_handshake", "websocket_upgrade",
// "challenge" (stable).
const char* to_string(ConnectStep step);

// OONI's failure strings (df-007) and the few of our own for what OONI has no name for.
namespace failure {
inline constexpr std::string_view kDnsNxdomain = "dns_nxdomain_error";                   // the name does not exist
inline constexpr std::string_view kDnsLookup = "dns_lookup_error";                       // any other resolver failure
inline constexpr std::string_view kConnectionRefused = "connection_refused";             // RST to the SYN
inline constexpr std::string_view kConnectionReset = "connection_reset";                 // RST later on
inline constexpr std::string_view kGenericTimeout = "generic_timeout_error";             // a step's deadline passed
inline constexpr std::string_view kHostUnreachable = "host_unreachable";                 // ICMP host unreachable
inline constexpr std::string_view kNetworkUnreachable = "network_unreachable";           // no route
inline constexpr std::string_view kEof = "eof_error";                                    // the peer closed
inline constexpr std::string_view kSslInvalidCertificate = "ssl_invalid_certificate";    // not the pin / CA
inline constexpr std::string_view kSslFailedHandshake = "ssl_failed_handshake";          // any other TLS failure
inline constexpr std::string_view kWebSocketUpgradeFailed = "websocket_upgrade_failed";  // HTTP, not a hushd
inline constexpr std::string_view kProxyRefused = "proxy_refused";                  // TransportError::kProxyRefused
inline constexpr std::string_view kProxyAuthFailed = "proxy_auth_failed";           // kProxyAuthFailed
inline constexpr std::string_view kProxyProtocol = "proxy_protocol_error";          // kProxyProtocol
inline constexpr std::string_view kTransportUnavailable = "transport_unavailable";  // obfs4proxy did not start
inline constexpr std::string_view kAuthenticationFailed = "authentication_failed";  // the server refused the login
inline constexpr std::string_view kReadWriteStall = "read_write_stall";             // connected, then no answer in time
inline constexpr std::string_view kUnknown = "unknown_failure";                     // anything else
}  // namespace failure

// The failure string of an errno value from connect(), read() or write(): ECONNREFUSED
// connection_refused, ECONNRESET / ECONNABORTED / EPIPE connection_reset, ETIMEDOUT
// generic_timeout_error, EHOSTUNREACH host_unreachable, ENETUNREACH / EADDRNOTAVAIL
// network_unreachable; "" for 0; unknown_failure for anything else.
std::string_view failure_from_errno(int error);

}  // namespace hush::client
