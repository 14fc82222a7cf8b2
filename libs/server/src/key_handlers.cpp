// The key directory's handlers: UploadKeys (signed prekey checked against the device's identity
// key), FetchBundles (rate-limited per account; one atomic one-time prekey claim per device,
// last-resort fallback, keys_low to the owner), KeyStatus.
#include <chrono>
#include <mutex>
#include <vector>

#include "handler_support.hpp"
#include "hush/crypto/curve25519.hpp"
#include "router.hpp"

namespace hush::server {
namespace {

std::optional<storage::PreKey> to_prekey(const api::PreKey& key) {
  const auto public_key = fixed<33>(key.public_key());
  if (!public_key || !crypto::PublicKey::deserialize(*public_key).ok()) return std::nullopt;
  return storage::PreKey{key.id(), *public_key};
}

}  // namespace

api::Response Router::upload_keys(SessionState& state, const api::UploadKeys& request) {
  Response response;
  const storage::DeviceAddress device = *state.device;
  // Everything is checked before anything is stored.
  std::optional<storage::SignedPreKey> signed_prekey;
  if (request.has_signed_prekey()) {
    const auto public_key = fixed<33>(request.signed_prekey().public_key());
    const auto signature = fixed<64>(request.signed_prekey().signature());
    if (!public_key || !signature || !crypto::PublicKey::deserialize(*public_key).ok()) {
      set_status(response, api::Status::BAD_REQUEST, "invalid_key");
      return response;
    }
    auto registered = storage_.accounts().device(device);
    if (!registered.ok()) {
      set_storage_error(response, registered.error(), storage_.options());
      return response;
    }
    auto identity = crypto::PublicKey::deserialize(registered->identity_key);
    if (!identity.ok() || !crypto::verify(*identity, *public_key, *signature)) {
      set_status(response, api::Status::BAD_REQUEST, "bad_signature");
      return response;
    }
    signed_prekey = storage::SignedPreKey{request.signed_prekey().id(), *public_key, *signature};
  }
  if (static_cast<std::size_t>(request.one_time_prekeys_size()) > storage_.options().max_one_time_prekeys_per_device) {
    set_limit(response, "max_one_time_prekeys_per_device", storage_.options().max_one_time_prekeys_per_device);
    return response;
  }
  std::vector<storage::PreKey> one_time;
  for (const api::PreKey& key : request.one_time_prekeys()) {
    auto converted = to_prekey(key);
    if (!converted) {
      set_status(response, api::Status::BAD_REQUEST, "invalid_key");
      return response;
    }
    one_time.push_back(*converted);
  }
  std::optional<storage::PreKey> last_resort;
  if (request.has_last_resort()) {
    last_resort = to_prekey(request.last_resort());
    if (!last_resort) {
      set_status(response, api::Status::BAD_REQUEST, "invalid_key");
      return response;
    }
  }

  if (signed_prekey) {
    if (auto stored = storage_.keys().set_signed_prekey(device, *signed_prekey); !stored.ok()) {
      set_storage_error(response, stored.error(), storage_.options());
      return response;
    }
  }
  if (!one_time.empty()) {
    auto stored = storage_.keys().add_one_time_prekeys(device, one_time);
    if (!stored.ok()) {
      if (stored.error() == storage::StorageError::kLimitExceeded) {
        set_limit(response, "max_one_time_prekeys_per_device", storage_.options().max_one_time_prekeys_per_device);
      } else if (stored.error() == storage::StorageError::kConflict) {
        set_status(response, api::Status::CONFLICT, "prekey_id_conflict");
      } else {
        set_storage_error(response, stored.error(), storage_.options());
      }
      return response;
    }
  }
  if (last_resort) {
    if (auto stored = storage_.keys().set_last_resort_key(device, *last_resort); !stored.ok()) {
      set_storage_error(response, stored.error(), storage_.options());
      return response;
    }
  }
  auto count = storage_.keys().one_time_prekey_count(device);
  if (count.ok()) response.mutable_key_count()->set_one_time_prekeys(static_cast<std::uint32_t>(*count));
  return response;
}

api::Response Router::fetch_bundles(SessionState& state, const api::FetchBundles& request) {
  Response response;
  // Checked before any storage call: a refused fetch claims no prekey.
  std::chrono::milliseconds retry_after{0};
  if (!bundle_fetches_.take(state.device->account, retry_after)) {
    set_limit(response, "bundle_fetches_per_account", options_.limits.bundle_fetches_per_account_per_minute);
    response.mutable_status()->set_retry_after_ms(static_cast<std::uint32_t>(retry_after.count()));
    return response;
  }
  auto account = storage_.accounts().find_account(request.username());
  if (!account.ok()) {
    set_status(response, api::Status::NOT_FOUND, "unknown_account");
    return response;
  }
  std::vector<storage::Device> devices;
  if (request.device_id() == 0) {
    auto listed = storage_.accounts().list_devices(account->id);
    if (!listed.ok()) {
      set_storage_error(response, listed.error(), storage_.options());
      return response;
    }
    devices = std::move(*listed);
  } else {
    auto found = storage_.accounts().device({account->id, request.device_id()});
    if (!found.ok()) {
      set_status(response, api::Status::NOT_FOUND, "unknown_device");
      return response;
    }
    devices.push_back(*found);
  }
  for (const storage::Device& device : devices) {
    const storage::DeviceAddress address{account->id, device.id};
    auto signed_prekey = storage_.keys().signed_prekey(address);
    if (!signed_prekey.ok()) continue;  // a device that never uploaded keys cannot be reached yet
    api::PreKeyBundle* bundle = response.mutable_bundles()->add_bundles();
    bundle->set_device_id(device.id);
    bundle->set_registration_id(device.registration_id);
    bundle->set_identity_key(to_field(device.identity_key));
    bundle->mutable_signed_prekey()->set_id(signed_prekey->id);
    bundle->mutable_signed_prekey()->set_public_key(to_field(signed_prekey->public_key));
    bundle->mutable_signed_prekey()->set_signature(to_field(signed_prekey->signature));
    auto claimed = storage_.keys().claim_prekey(address);
    if (claimed.ok()) {
      bundle->mutable_one_time_prekey()->set_id(claimed->key.id);
      bundle->mutable_one_time_prekey()->set_public_key(to_field(claimed->key.public_key));
      bundle->set_last_resort(claimed->last_resort);
    }
    // With shared storage, the claim's wake reaches the node holding the device (on_wakes).
    if (!shared_) notify_keys_low(address);
  }
  if (response.bundles().bundles_size() == 0) {
    set_status(response, api::Status::NOT_FOUND, "no_keys");
  }
  return response;
}

void Router::notify_keys_low(storage::DeviceAddress device) {
  const auto sessions = registry_.sessions(device);
  if (sessions.empty()) return;  // told at its next KeyStatus, or by the server it connects to
  auto count = storage_.keys().one_time_prekey_count(device);
  if (!count.ok() || *count >= options_.limits.key_low_threshold) return;
  for (const auto& session : sessions) {
    api::Push push;
    push.mutable_keys_low()->set_one_time_prekeys(static_cast<std::uint32_t>(*count));
    session->send_push(std::move(push));
  }
}

api::Response Router::key_status(SessionState& state) {
  Response response;
  auto count = storage_.keys().one_time_prekey_count(*state.device);
  if (!count.ok()) {
    set_storage_error(response, count.error(), storage_.options());
    return response;
  }
  response.mutable_key_count()->set_one_time_prekeys(static_cast<std::uint32_t>(*count));
  return response;
}

}  // namespace hush::server
