// Internal: what the account's requests share — a call that fails unless the server said OK, and
// the signature over a connection's challenge that proves a device's auth key.
#pragma once

#include <string>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/client/account/client_error.hpp"
#include "hush/client/transport/server_connection.hpp"
#include "hush/crypto/ed25519.hpp"
#include "hush/wire/api.pb.h"

namespace hush::client::detail {

// The response when the call went through and the server said OK; otherwise the failure (kServer
// with the server's reason, kTransport).
Result<wire::api::Response, ClientError> checked_call(ServerConnection& connection, wire::api::Request request);

// Ed25519 by `key` over "hush-auth-v1" ‖ the connection's challenge nonce (docs/protocol.md).
std::string challenge_signature(const crypto::Ed25519KeyPair& key, const Bytes& nonce);

}  // namespace hush::client::detail
