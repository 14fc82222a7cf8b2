// Linking a new device to an existing account (docs/protocol.md, "Linking a device"): ApproveLink
// from a logged-in device, FetchLink and LinkDevice before login. Owns the checks and error names
// of these three requests; not what the sealed payload holds (the server never opens it).
#include "handler_support.hpp"
#include "hush/crypto/hash.hpp"
#include "hush/crypto/secret.hpp"
#include "router.hpp"

namespace hush::server {
namespace {

constexpr std::size_t kLinkIdSize = std::tuple_size_v<storage::LinkId>;
constexpr std::size_t kLinkTokenSize = 32;

// The per-address bucket of the requests made before login; false (and the answer set) when empty.
bool allowed(KeyedRateLimiter<std::string>& limiter, const SessionState& state, std::uint32_t per_minute,
             api::Response& response) {
  std::chrono::milliseconds retry_after{0};
  if (limiter.take(state.remote_ip, retry_after)) return true;
  set_limit(response, "link_fetches_per_ip", per_minute);
  response.mutable_status()->set_retry_after_ms(static_cast<std::uint32_t>(retry_after.count()));
  return false;
}

// The answer when a link cannot be used: "no_link" for kNotFound (unknown, expired, used, another
// account's), as storage errors are otherwise.
api::Response link_error(api::Response& response, storage::StorageError error, const storage::Options& limits) {
  if (error == storage::StorageError::kNotFound) {
    set_status(response, api::Status::NOT_FOUND, "no_link");
  } else {
    set_storage_error(response, error, limits);
  }
  return response;
}

}  // namespace

api::Response Router::approve_link(SessionState& state, const api::ApproveLink& request) {
  Response response;
  const storage::Options& limits = storage_.options();
  const auto link_id = fixed<kLinkIdSize>(request.link_id());
  const auto token_hash = fixed<32>(request.token_hash());
  if (!link_id) {
    set_status(response, api::Status::BAD_REQUEST, "invalid_link_id");
    return response;
  }
  if (!token_hash) {
    set_status(response, api::Status::BAD_REQUEST, "invalid_token_hash");
    return response;
  }
  if (request.sealed().empty() || request.sealed().size() > limits.max_link_payload) {
    set_limit(response, "max_link_payload", limits.max_link_payload);
    return response;
  }
  // Checked again when the device is added; refused here so that no link is held in vain.
  auto devices = storage_.accounts().list_devices(state.device->account);
  if (!devices.ok()) {
    set_storage_error(response, devices.error(), limits);
    return response;
  }
  if (devices->size() >= limits.max_devices_per_account) {
    set_limit(response, "max_devices_per_account", limits.max_devices_per_account);
    return response;
  }
  const storage::Timestamp at = now();
  const storage::PendingLink link{*link_id, state.device->account, *token_hash,
                                  Bytes(request.sealed().begin(), request.sealed().end()),
                                  at + options_.limits.link_ttl};
  auto added = storage_.accounts().add_link(link, at);
  if (!added.ok()) {
    if (added.error() == storage::StorageError::kConflict) {
      set_status(response, api::Status::CONFLICT, "link_exists");
    } else if (added.error() == storage::StorageError::kLimitExceeded) {
      set_limit(response, "max_pending_links_per_account", limits.max_pending_links_per_account);
    } else {
      set_storage_error(response, added.error(), limits);
    }
    return response;
  }
  logger_.event("link_approved", {{"account", std::to_string(state.device->account)}});
  return response;
}

api::Response Router::fetch_link(SessionState& state, const api::FetchLink& request) {
  Response response;
  if (!allowed(link_requests_, state, options_.limits.link_fetches_per_ip_per_minute, response)) return response;
  const auto link_id = fixed<kLinkIdSize>(request.link_id());
  if (!link_id) {
    set_status(response, api::Status::BAD_REQUEST, "invalid_link_id");
    return response;
  }
  auto no_link = [&](storage::StorageError error) { return link_error(response, error, storage_.options()); };
  auto link = storage_.accounts().find_link(*link_id, now());
  if (!link.ok()) return no_link(link.error());
  auto account = storage_.accounts().account(link->account);
  if (!account.ok()) return no_link(account.error());
  response.mutable_link_offer()->set_username(account->username);
  response.mutable_link_offer()->set_sealed(std::string(link->sealed.begin(), link->sealed.end()));
  return response;
}

api::Response Router::link_device(SessionState& state, const std::shared_ptr<Session>& self,
                                  const api::LinkDevice& request) {
  Response response;
  if (state.device) {
    set_status(response, api::Status::CONFLICT, "already_authenticated");
    return response;
  }
  if (!allowed(link_requests_, state, options_.limits.link_fetches_per_ip_per_minute, response)) return response;
  const auto link_id = fixed<kLinkIdSize>(request.link_id());
  if (!link_id) {
    set_status(response, api::Status::BAD_REQUEST, "invalid_link_id");
    return response;
  }
  if (request.token().size() != kLinkTokenSize) {
    set_status(response, api::Status::BAD_REQUEST, "invalid_token");
    return response;
  }
  auto device = new_device(state, request.device(), request.challenge_signature(), response);
  if (!device) return response;
  const storage::Options& limits = storage_.options();
  auto no_link = [&](storage::StorageError error) { return link_error(response, error, limits); };
  const storage::Timestamp at = now();
  auto account = storage_.accounts().find_account(request.username());
  if (!account.ok()) return no_link(account.error());
  auto link = storage_.accounts().find_link(*link_id, at);
  if (!link.ok()) return no_link(link.error());
  if (link->account != account->id) return no_link(storage::StorageError::kNotFound);
  if (!crypto::constant_time_equal(crypto::sha256(field_bytes(request.token())), link->token_hash)) {
    // Destroyed at the first wrong token, so guessing gets one try per approval.
    (void)storage_.accounts().take_link(account->id, *link_id, at);
    set_status(response, api::Status::UNAUTHENTICATED, "bad_token");
    logger_.event("link_refused", {{"account", std::to_string(account->id)}});
    return response;
  }
  auto devices = storage_.accounts().list_devices(account->id);
  if (!devices.ok()) return no_link(devices.error());
  // Every device of an account holds its one identity key (the approving device sealed it).
  if (devices->empty() || devices->front().identity_key != device->identity_key) {
    set_status(response, api::Status::FORBIDDEN, "identity_mismatch");
    return response;
  }
  // Only one of concurrent LinkDevice requests with the token takes the link.
  auto taken = storage_.accounts().take_link(account->id, *link_id, at);
  if (!taken.ok()) return no_link(taken.error());
  auto added = storage_.accounts().add_device(account->id, *device, at);
  if (!added.ok()) {
    if (added.error() == storage::StorageError::kLimitExceeded) {
      set_limit(response, "max_devices_per_account", limits.max_devices_per_account);
    } else if (added.error() == storage::StorageError::kTooLarge) {
      set_limit(response, "max_device_name_length", limits.max_device_name_length);
    } else {
      set_storage_error(response, added.error(), limits);
    }
    return response;
  }
  log_in(state, self, {account->id, added->id}, request.username());
  response.mutable_linked()->set_device_id(added->id);
  logger_.event("device_linked", {{"account", std::to_string(account->id)}, {"device", std::to_string(added->id)}});
  return response;
}

}  // namespace hush::server
