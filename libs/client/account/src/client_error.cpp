// Names of ClientError kinds and the one-line description of a ClientError.
#include "hush/client/account/client_error.hpp"

namespace hush::client {

const char* to_string(ClientErrorKind kind) {
  switch (kind) {
    case ClientErrorKind::kStore: return "store";
    case ClientErrorKind::kTransport: return "transport";
    case ClientErrorKind::kServer: return "server";
    case ClientErrorKind::kProtocol: return "protocol";
    case ClientErrorKind::kUntrustedIdentity: return "untrusted_identity";
    case ClientErrorKind::kNotRegistered: return "not_registered";
    case ClientErrorKind::kInvalidArgument: return "invalid_argument";
  }
  return "unknown";
}

std::string describe(const ClientError& error) {
  return std::string(to_string(error.kind)) + ": " + error.detail;
}

}  // namespace hush::client
