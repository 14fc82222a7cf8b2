// Request dispatch, rate-free parts of login (RegisterAccount, Authenticate) and device
// management (ListDevices, RemoveDevice, Ping). Keys, messages and media live in their own files.
#include "router.hpp"

#include <algorithm>

#include "handler_support.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/ed25519.hpp"
#include "hush/crypto/hash.hpp"
#include "rules.hpp"

namespace hush::server {

Router::Router(const Options& options, storage::Storage& storage, DeliveryRegistry& registry, Committer& committer,
               Logger& logger, crypto::Rng& rng, BlockingPool* blocking)
    : options_(options),
      storage_(storage),
      registry_(registry),
      committer_(committer),
      logger_(logger),
      rng_(rng),
      blocking_(blocking),
      shared_(storage.wakes() != nullptr),
      registrations_(options.limits.registrations_per_ip_per_hour / 3600.0, options.limits.registrations_per_ip_burst),
      bundle_fetches_(options.limits.bundle_fetches_per_account_per_minute / 60.0,
                      options.limits.bundle_fetches_per_account_burst),
      link_requests_(options.limits.link_fetches_per_ip_per_minute / 60.0, options.limits.link_fetches_per_ip_burst) {}

void Router::on_wakes(std::span<const storage::Wake> wakes) {
  for (const storage::Wake& wake : wakes) {
    if (wake.kind == storage::WakeKind::kResync) {
      for (const auto& [device, session] : registry_.all()) session->wake(storage::WakeKind::kResync);
      continue;
    }
    if (wake.kind == storage::WakeKind::kKeysClaimed) {
      notify_keys_low(wake.device);  // reads the stock once, pushes to this node's sessions of it
      continue;
    }
    for (const auto& session : registry_.sessions(wake.device)) {
      if (wake.kind == storage::WakeKind::kDeviceRemoved) {
        session->close("device_removed");
      } else {
        session->wake(wake.kind);
      }
    }
  }
}

storage::Timestamp Router::now() const {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

bool Router::blocks(const api::Request& request) {
  switch (request.body_case()) {
    case api::Request::kRegisterAccount:
    case api::Request::kApproveLink:
    case api::Request::kLinkDevice:
    case api::Request::kUploadKeys:
    case api::Request::kFetchBundles:
    case api::Request::kRemoveDevice:
    case api::Request::kCreateUpload:
    case api::Request::kAppendChunk:
    case api::Request::kFinishUpload:
    case api::Request::kSendToMany: return true;
    default: return false;
  }
}

bool Router::media_request(const api::Request& request) {
  switch (request.body_case()) {
    case api::Request::kCreateUpload:
    case api::Request::kAppendChunk:
    case api::Request::kUploadStatus:
    case api::Request::kFinishUpload:
    case api::Request::kReadMedia:
    case api::Request::kPing: return true;
    default: return false;
  }
}

void Router::handle(SessionState& state, const std::shared_ptr<Session>& self, const api::Request& request,
                    Reply reply) {
  Response response;
  response.set_id(request.id());
  const bool needs_login =
      request.body_case() != api::Request::kRegisterAccount && request.body_case() != api::Request::kAuthenticate &&
      request.body_case() != api::Request::kFetchLink && request.body_case() != api::Request::kLinkDevice &&
      request.body_case() != api::Request::kPing && request.body_case() != api::Request::kReadMedia;
  if (needs_login && !state.device) {
    set_status(response, api::Status::UNAUTHENTICATED, "not_authenticated");
    return reply(std::move(response));
  }
  if (state.transfers_only && !media_request(request)) {
    set_status(response, api::Status::FORBIDDEN, "transfers_only");
    return reply(std::move(response));
  }
  // Send and Acknowledge are answered by the commit thread; writes that wait on the disk run on
  // the blocking pool (the connection reads nothing more meanwhile, so `state` is not shared).
  if (request.body_case() == api::Request::kSend)
    return send(state, request.send(), std::move(response), std::move(reply));
  if (request.body_case() == api::Request::kAcknowledge) {
    return acknowledge(state, request.acknowledge(), std::move(response), std::move(reply));
  }
  // Checked on the blocking pool (a device-list read per recipient account), answered by the
  // commit thread.
  if (request.body_case() == api::Request::kSendToMany) {
    if (blocking_ == nullptr) return send_to_many(state, request.send_to_many(), std::move(response), std::move(reply));
    blocking_->post([this, &state, request, response = std::move(response), reply = std::move(reply)]() mutable {
      send_to_many(state, request.send_to_many(), std::move(response), std::move(reply));
    });
    return;
  }
  if (blocking_ != nullptr && blocks(request)) {
    blocking_->post([this, &state, self, request, reply = std::move(reply)] { reply(answer(state, self, request)); });
    return;
  }
  reply(answer(state, self, request));
}

api::Response Router::answer(SessionState& state, const std::shared_ptr<Session>& self, const api::Request& request) {
  Response answer;
  switch (request.body_case()) {
    case api::Request::kRegisterAccount: answer = register_account(state, self, request.register_account()); break;
    case api::Request::kAuthenticate: answer = authenticate(state, self, request.authenticate()); break;
    case api::Request::kUploadKeys: answer = upload_keys(state, request.upload_keys()); break;
    case api::Request::kFetchBundles: answer = fetch_bundles(state, request.fetch_bundles()); break;
    case api::Request::kListDevices: answer = list_devices(state); break;
    case api::Request::kRemoveDevice: answer = remove_device(state, request.remove_device()); break;
    case api::Request::kCreateUpload: answer = create_upload(state, request.create_upload()); break;
    case api::Request::kAppendChunk: answer = append_chunk(state, request.append_chunk()); break;
    case api::Request::kUploadStatus: answer = upload_status(state, request.upload_status()); break;
    case api::Request::kFinishUpload: answer = finish_upload(state, request.finish_upload()); break;
    case api::Request::kReadMedia: answer = read_media(state, request.read_media()); break;
    case api::Request::kKeyStatus: answer = key_status(state); break;
    case api::Request::kApproveLink: answer = approve_link(state, request.approve_link()); break;
    case api::Request::kFetchLink: answer = fetch_link(state, request.fetch_link()); break;
    case api::Request::kLinkDevice: answer = link_device(state, self, request.link_device()); break;
    case api::Request::kPing: break;
    case api::Request::kSend:
    case api::Request::kSendToMany:
    case api::Request::kAcknowledge:
    case api::Request::BODY_NOT_SET: set_status(answer, api::Status::BAD_REQUEST, "unknown_request"); break;
  }
  answer.set_id(request.id());
  if (!answer.has_status()) answer.mutable_status()->set_code(api::Status::OK);
  return answer;
}

namespace {

// Checks the auth key's signature over this connection's challenge.
bool challenge_signed(const SessionState& state, const storage::DeviceAuthKey& auth_key, const std::string& signature) {
  if (state.challenge_nonce.empty()) return false;
  return crypto::ed25519_verify(auth_key, auth_message(state.challenge_nonce), field_bytes(signature));
}

}  // namespace

std::optional<storage::NewDevice> Router::new_device(const SessionState& state, const api::DeviceKeys& keys,
                                                     const std::string& challenge_signature, Response& response) {
  const auto identity = fixed<33>(keys.identity_key());
  const auto auth_key = fixed<32>(keys.auth_key());
  if (!identity || !crypto::PublicKey::deserialize(*identity).ok() || !auth_key) {
    set_status(response, api::Status::BAD_REQUEST, "invalid_key");
    return std::nullopt;
  }
  if (!challenge_signed(state, *auth_key, challenge_signature)) {
    set_status(response, api::Status::UNAUTHENTICATED, "bad_signature");
    return std::nullopt;
  }
  storage::NewDevice device;
  device.registration_id = keys.registration_id();
  device.identity_key = *identity;
  device.auth_key = *auth_key;
  device.name = keys.name();  // proto3 string: parsing refused invalid UTF-8
  if (device.name.size() > storage_.options().max_device_name_length) {
    set_limit(response, "max_device_name_length", storage_.options().max_device_name_length);
    return std::nullopt;
  }
  return device;
}

api::Response Router::register_account(SessionState& state, const std::shared_ptr<Session>& self,
                                       const api::RegisterAccount& request) {
  Response response;
  if (state.device) {
    set_status(response, api::Status::CONFLICT, "already_authenticated");
    return response;
  }
  if (!valid_username(request.username())) {
    set_status(response, api::Status::BAD_REQUEST, "invalid_username");
    return response;
  }
  std::chrono::milliseconds retry_after{0};
  if (!registrations_.take(state.remote_ip, retry_after)) {
    set_limit(response, "registrations_per_ip", options_.limits.registrations_per_ip_per_hour);
    response.mutable_status()->set_retry_after_ms(static_cast<std::uint32_t>(retry_after.count()));
    return response;
  }
  auto device = new_device(state, request.device(), request.challenge_signature(), response);
  if (!device) return response;
  std::optional<storage::InviteHash> invite;
  if (options_.invite_only) {
    if (request.invite().empty()) {
      set_status(response, api::Status::FORBIDDEN, "invite_required");
      return response;
    }
    invite = crypto::sha256(field_bytes(request.invite()));
  }
  // One atomic storage call: an account never exists without its first device.
  auto registered = storage_.accounts().create_account_with_device(request.username(), invite, *device, now());
  if (!registered.ok()) {
    if (registered.error() == storage::StorageError::kConflict) {
      set_status(response, api::Status::CONFLICT, "username_taken");
    } else if (registered.error() == storage::StorageError::kNotFound) {
      set_status(response, api::Status::FORBIDDEN, "invalid_invite");
    } else {
      set_storage_error(response, registered.error(), storage_.options());
    }
    return response;
  }
  const storage::Account& account = registered->account;
  const storage::Device& added = registered->device;
  log_in(state, self, {account.id, added.id}, request.username());
  response.mutable_registered()->set_device_id(added.id);
  logger_.event("account_registered", {{"account", std::to_string(account.id)}, {"device", std::to_string(added.id)}});
  return response;
}

api::Response Router::authenticate(SessionState& state, const std::shared_ptr<Session>& self,
                                   const api::Authenticate& request) {
  Response response;
  if (state.device) {
    set_status(response, api::Status::CONFLICT, "already_authenticated");
    return response;
  }
  // One answer for "no such account", "no such device" and "bad signature": a login attempt
  // learns nothing about which accounts exist.
  auto account = storage_.accounts().find_account(request.username());
  std::optional<storage::Device> device;
  if (account.ok()) {
    auto found = storage_.accounts().device({account->id, request.device_id()});
    if (found.ok()) device = *found;
  }
  if (!device || !challenge_signed(state, device->auth_key, request.challenge_signature())) {
    set_status(response, api::Status::UNAUTHENTICATED, "authentication_failed");
    return response;
  }
  state.device = storage::DeviceAddress{account->id, device->id};
  state.username = request.username();
  state.transfers_only = request.transfers_only();
  auto depth = storage_.messages().depth(*state.device);
  response.mutable_authenticated()->set_device_id(device->id);
  response.mutable_authenticated()->set_queued(
      depth.ok() ? static_cast<std::uint32_t>(std::min<std::size_t>(*depth, UINT32_MAX)) : 0);
  // Registered after the answer is built; the connection starts pushing the queue once it has
  // written the answer (it starts its delivery pump).
  registry_.add(*state.device, self);
  logger_.event("authenticated", {{"account", std::to_string(account->id)}, {"device", std::to_string(device->id)}});
  return response;
}

api::Response Router::list_devices(SessionState& state) {
  Response response;
  auto devices = storage_.accounts().list_devices(state.device->account);
  if (!devices.ok()) {
    set_storage_error(response, devices.error(), storage_.options());
    return response;
  }
  for (const storage::Device& device : *devices) {
    api::Device* out = response.mutable_devices()->add_devices();
    out->set_device_id(device.id);
    out->set_name(device.name);
    out->set_created_ms(static_cast<std::uint64_t>(device.created_at.time_since_epoch().count()));
  }
  return response;
}

api::Response Router::remove_device(SessionState& state, const api::RemoveDevice& request) {
  Response response;
  if (request.device_id() == state.device->device) {
    set_status(response, api::Status::BAD_REQUEST, "cannot_remove_current_device");
    return response;
  }
  const storage::DeviceAddress target{state.device->account, request.device_id()};
  auto removed = storage_.accounts().remove_device(target);
  if (!removed.ok()) {
    set_storage_error(response, removed.error(), storage_.options());
    return response;
  }
  for (const auto& session : registry_.sessions(target)) session->close("device_removed");
  logger_.event("device_removed",
                {{"account", std::to_string(target.account)}, {"device", std::to_string(target.device)}});
  return response;
}

void Router::log_in(SessionState& state, const std::shared_ptr<Session>& self, storage::DeviceAddress device,
                    const std::string& username) {
  state.device = device;
  state.username = username;
  registry_.add(device, self);
}

void Router::on_session_closed(const SessionState& state, const Session* self) {
  if (state.device) registry_.remove(*state.device, self);
}

}  // namespace hush::server
