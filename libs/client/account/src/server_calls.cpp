// The account's shared request helpers (server_calls.hpp).
#include "server_calls.hpp"

#include <string_view>

namespace hush::client::detail {

namespace api = wire::api;

namespace {

// What the auth key signs: this prefix, then the connection's challenge nonce (docs/protocol.md).
constexpr std::string_view kAuthContext = "hush-auth-v1";

}  // namespace

Result<api::Response, ClientError> checked_call(ServerConnection& connection, api::Request request) {
  auto response = connection.call(std::move(request));
  if (!response.ok()) return fail(ClientError::transport(response.error()));
  if (response->status().code() != api::Status::OK) {
    std::string reason = response->status().reason();
    if (reason.empty()) reason = api::Status::Code_Name(response->status().code());
    return fail(ClientError::server(std::move(reason)));
  }
  return std::move(*response);
}

std::string challenge_signature(const crypto::Ed25519KeyPair& key, const Bytes& nonce) {
  const auto signature = crypto::ed25519_sign(key, concat(as_bytes(kAuthContext), nonce));
  return std::string(signature.begin(), signature.end());
}

}  // namespace hush::client::detail
