// Sending a text: sessions from fetched bundles where there are none, one envelope per recipient
// device encrypted in one store transaction (with the outgoing message row), committed before the
// Send; STALE_DEVICES fixes the sessions it names and the send is retried once with the same id.
#include <algorithm>

#include "hush/client/messenger/messenger.hpp"
#include "hush/client/store/limits.hpp"
#include "hush/protocol/session_builder.hpp"
#include "hush/protocol/session_cipher.hpp"
#include "hush/wire/content_codec.hpp"
#include "message_table.hpp"

namespace hush::client {

namespace api = wire::api;

namespace {

// Sends made for one message: the first, and one retry after fixing sessions (STALE_DEVICES).
constexpr int kSendAttempts = 2;

ClientError protocol_failure(protocol::ProtocolError error) {
  if (error == protocol::ProtocolError::kUntrustedIdentity) {
    return {ClientErrorKind::kUntrustedIdentity, protocol::to_string(error)};
  }
  return {ClientErrorKind::kProtocol, protocol::to_string(error)};
}

// A server's bundle in the protocol's form; nullopt when a key or signature is malformed.
std::optional<protocol::PreKeyBundle> from_wire(const api::PreKeyBundle& bundle) {
  auto identity = crypto::PublicKey::deserialize(as_bytes(bundle.identity_key()));
  auto signed_prekey = crypto::PublicKey::deserialize(as_bytes(bundle.signed_prekey().public_key()));
  const std::string& signature = bundle.signed_prekey().signature();
  if (!identity.ok() || !signed_prekey.ok() || signature.size() != crypto::kSignatureSize || bundle.device_id() == 0) {
    return std::nullopt;
  }
  protocol::PreKeyBundle out;
  out.registration_id = bundle.registration_id();
  out.device_id = bundle.device_id();
  out.identity_key = *identity;
  out.signed_prekey_id = bundle.signed_prekey().id();
  out.signed_prekey = *signed_prekey;
  std::copy(signature.begin(), signature.end(), out.signed_prekey_signature.begin());
  if (bundle.has_one_time_prekey()) {
    auto one_time = crypto::PublicKey::deserialize(as_bytes(bundle.one_time_prekey().public_key()));
    if (!one_time.ok()) return std::nullopt;
    out.one_time_prekey_id = bundle.one_time_prekey().id();
    out.one_time_prekey = *one_time;
  }
  return out;
}

}  // namespace

// Fetches the bundles of `recipient` (every device when `device_id` is 0) and builds a session
// with each, in one transaction.
Result<void, ClientError> Messenger::fetch_sessions(const std::string& recipient, std::uint32_t device_id) {
  api::Request request;
  request.mutable_fetch_bundles()->set_username(recipient);
  request.mutable_fetch_bundles()->set_device_id(device_id);
  auto response = account_.connection().call(std::move(request));
  if (!response.ok()) return fail(ClientError::transport(response.error()));
  if (response->status().code() != api::Status::OK) return fail(ClientError::server(response->status().reason()));
  ClientStore& store = account_.store();
  auto transaction = store.transaction();
  auto stores = store.protocol_stores();
  for (const api::PreKeyBundle& wire_bundle : response->bundles().bundles()) {
    const auto bundle = from_wire(wire_bundle);
    if (!bundle) return fail(ClientError{ClientErrorKind::kProtocol, "invalid_bundle"});
    const protocol::ProtocolAddress address{recipient, bundle->device_id};
    auto built = protocol::process_prekey_bundle(stores, address, *bundle, account_.rng());
    if (!built.ok()) return fail(protocol_failure(built.error()));
  }
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  return {};
}

Result<Bytes, ClientError> Messenger::send_text(const std::string& recipient, std::string_view text) {
  if (text.empty() || text.size() > kMaxTextSize) return fail(ClientError{ClientErrorKind::kInvalidArgument, "text"});
  if (recipient.empty() || recipient.size() > kMaxAddressNameSize) {
    return fail(ClientError{ClientErrorKind::kInvalidArgument, "recipient"});
  }
  if (!account_.connected()) return fail(ClientError::transport(TransportError::kClosed));

  Message message;
  message.id.resize(wire::kMessageIdSize);
  account_.rng().fill(message.id);
  message.outgoing = true;
  message.peer = recipient;
  message.timestamp_ms = account_.now_ms();
  message.kind = "text";
  message.body = std::string(text);
  wire::content::Content content;
  content.set_message_id(std::string(message.id.begin(), message.id.end()));
  content.set_timestamp_ms(message.timestamp_ms);
  content.mutable_data()->set_text(message.body);
  auto encoded = wire::encode_content(content);
  if (!encoded.ok()) return fail(ClientError{ClientErrorKind::kInvalidArgument, wire::to_string(encoded.error())});

  ClientStore& store = account_.store();
  for (int attempt = 0; attempt < kSendAttempts; ++attempt) {
    bool has_sessions = false;
    {
      auto transaction = store.transaction();
      auto devices = detail::session_devices(transaction, recipient);
      if (!devices.ok()) return fail(ClientError::store(devices.error()));
      has_sessions = !devices->empty();
    }
    if (!has_sessions) HUSH_TRY(fetch_sessions(recipient, 0));
    api::Request request;
    auto* send = request.mutable_send();
    send->set_recipient(recipient);
    send->set_message_id(std::string(message.id.begin(), message.id.end()));
    {
      auto transaction = store.transaction();
      auto stores = store.protocol_stores();
      auto devices = detail::session_devices(transaction, recipient);
      if (!devices.ok()) return fail(ClientError::store(devices.error()));
      for (const std::uint32_t device : *devices) {
        const protocol::ProtocolAddress address{recipient, device};
        const auto session = store.sessions().load_session(address);
        if (!session || !session->has_current()) continue;  // an archived-only record: no session to send with
        auto ciphertext = protocol::encrypt(stores, address, *encoded, account_.rng());
        if (!ciphertext.ok()) return fail(protocol_failure(ciphertext.error()));
        auto* envelope = send->add_envelopes();
        envelope->set_device_id(device);
        envelope->set_registration_id(session->current()->remote_registration_id);
        envelope->set_type(static_cast<std::uint32_t>(ciphertext->type));
        envelope->set_content(std::string(ciphertext->serialized.begin(), ciphertext->serialized.end()));
      }
      (void)detail::insert_message(transaction, message, account_.now_ms());
      // The ratchet steps and the outgoing row are on disk before any ciphertext leaves.
      if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    }
    auto response = account_.connection().call(std::move(request));
    if (!response.ok()) return fail(ClientError::transport(response.error()));
    const api::Status& status = response->status();
    if (status.code() == api::Status::OK) return message.id;
    if (status.code() != api::Status::STALE_DEVICES || attempt + 1 == kSendAttempts) {
      return fail(
          ClientError::server(status.reason().empty() ? api::Status::Code_Name(status.code()) : status.reason()));
    }
    // Fix what the server named: extra devices lose their session, stale ones are rebuilt from a
    // fresh bundle, missing ones get one.
    const api::SendResult& result = response->send_result();
    {
      auto transaction = store.transaction();
      for (const std::uint32_t device : result.extra_devices())
        (void)detail::delete_session(transaction, recipient, device);
      for (const std::uint32_t device : result.stale_devices())
        (void)detail::delete_session(transaction, recipient, device);
      if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    }
    for (const std::uint32_t device : result.stale_devices()) HUSH_TRY(fetch_sessions(recipient, device));
    for (const std::uint32_t device : result.missing_devices()) HUSH_TRY(fetch_sessions(recipient, device));
  }
  return fail(ClientError::server("stale_devices"));
}

}  // namespace hush::client
