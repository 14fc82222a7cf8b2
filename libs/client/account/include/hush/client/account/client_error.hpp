// ClientError: how the account and messenger layers report failure. One kind per outcome a caller
// handles differently, and a stable lower_snake_case detail naming the cause (the store's or the
// transport's error name, the server's Status.reason, the protocol's error name). Never a key,
// a passphrase or message content.
#pragma once

#include <string>

#include "hush/client/store/error.hpp"
#include "hush/client/transport/transport_error.hpp"

namespace hush::client {

enum class ClientErrorKind {
  kStore,              // the local store failed (detail: StoreError name); nothing was sent or acknowledged
  kTransport,          // the connection failed (detail: TransportError name); retry later
  kServer,             // the server refused (detail: its Status.reason, e.g. "username_taken")
  kProtocol,           // encrypting or setting up a session failed (detail: ProtocolError name)
  kUntrustedIdentity,  // a contact's identity key changed and has not been approved
  kNotRegistered,      // this home has no account, or its registration has not completed
  kInvalidArgument,    // the caller's input is unusable (detail says which)
};

struct ClientError {
  ClientErrorKind kind = ClientErrorKind::kInvalidArgument;
  std::string detail;

  static ClientError store(StoreError error) { return {ClientErrorKind::kStore, to_string(error)}; }
  static ClientError transport(TransportError error) { return {ClientErrorKind::kTransport, to_string(error)}; }
  static ClientError server(std::string reason) { return {ClientErrorKind::kServer, std::move(reason)}; }
  // A call that needs the server made while the account is not logged in (log_in()/connect()).
  static ClientError not_connected() { return {ClientErrorKind::kTransport, "not_connected"}; }
};

// "store", "transport", "server", ... (stable).
const char* to_string(ClientErrorKind kind);

// "<kind>: <detail>", for logs and error messages.
std::string describe(const ClientError& error);

}  // namespace hush::client
