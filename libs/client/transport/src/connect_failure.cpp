// The step names and the errno half of the failure vocabulary (connect_failure.hpp).
#include "hush/client/transport/connect_failure.hpp"

#include <cerrno>

namespace hush::client {

const char* to_string(ConnectStep step) {
  switch (step) {
    case ConnectStep::kNone: return "none";
    case ConnectStep::kResolve: return "resolve";
    case ConnectStep::kTcpConnect: return "tcp_connect";
    case ConnectStep::kProxyHandshake: return "proxy_handshake";
    case ConnectStep::kTlsHandshake: return "tls_handshake";
    case ConnectStep::kWebSocketUpgrade: return "websocket_upgrade";
    case ConnectStep::kChallenge: return "challenge";
  }
  return "none";
}

std::string_view failure_from_errno(int error) {
  switch (error) {
    case 0: return "";
    case ECONNREFUSED: return failure::kConnectionRefused;
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE: return failure::kConnectionReset;
    case ETIMEDOUT: return failure::kGenericTimeout;
    case EHOSTUNREACH:
    case EHOSTDOWN: return failure::kHostUnreachable;
    case ENETUNREACH:
    case ENETDOWN:
    case EADDRNOTAVAIL: return failure::kNetworkUnreachable;
    default: return failure::kUnknown;
  }
}

}  // namespace hush::client
