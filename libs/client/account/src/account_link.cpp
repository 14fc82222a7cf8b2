// Account::link_new and Account::approve_link: both ends of linking a device (device_link.hpp).
#include <thread>

#include "account_record.hpp"
#include "hush/client/account/account.hpp"
#include "hush/client/account/device_link.hpp"
#include "hush/client/endpoints/endpoint_list.hpp"
#include "hush/client/endpoints/pluggable_transports.hpp"
#include "hush/crypto/hash.hpp"
#include "hush/protocol/keys.hpp"
#include "hush/wire/content.pb.h"
#include "hush/wire/username.hpp"
#include "server_calls.hpp"

namespace hush::client {

namespace api = wire::api;

namespace {

// How often a new device asks whether it was approved.
constexpr std::chrono::seconds kLinkPollInterval{1};

ClientError link_payload_error() {
  return ClientError{ClientErrorKind::kProtocol, "link_payload"};
}

}  // namespace

Result<void, ClientError> Account::approve_link(std::string_view code_text, const std::vector<std::string>& contacts) {
  if (!connection_) return fail(ClientError::not_connected());
  const auto code = parse_link_code(code_text);
  if (!code) return fail(ClientError{ClientErrorKind::kInvalidArgument, "link_code"});
  if (contacts.size() > kMaxLinkedContacts) return fail(ClientError{ClientErrorKind::kInvalidArgument, "contacts"});
  crypto::SecretArray<kLinkTokenSize> token;
  rng_.fill(token.mutable_view());
  wire::content::DeviceLink link;
  link.set_username(username_);
  const auto& identity = store_->identities().identity_key_pair();
  link.set_identity_private(
      std::string(identity.private_key.secret().view().begin(), identity.private_key.secret().view().end()));
  link.set_token(std::string(token.view().begin(), token.view().end()));
  for (const auto& contact : contacts) link.add_contacts(contact);
  crypto::SecretBytes payload(link.ByteSizeLong());
  const bool serialized = link.SerializeToArray(payload.mutable_view().data(), static_cast<int>(payload.size()));
  // The copies inside the message are wiped before it goes.
  std::fill(link.mutable_identity_private()->begin(), link.mutable_identity_private()->end(), '\0');
  std::fill(link.mutable_token()->begin(), link.mutable_token()->end(), '\0');
  if (!serialized) return fail(ClientError{ClientErrorKind::kInvalidArgument, "contacts"});
  const Bytes sealed = seal_link_payload(*code, payload.view(), rng_);
  if (sealed.empty()) return fail(ClientError{ClientErrorKind::kInvalidArgument, "link_code"});
  const auto token_hash = crypto::sha256(token.view());
  api::Request request;
  auto* body = request.mutable_approve_link();
  body->set_link_id(std::string(code->link_id.begin(), code->link_id.end()));
  body->set_token_hash(std::string(token_hash.begin(), token_hash.end()));
  body->set_sealed(std::string(sealed.begin(), sealed.end()));
  auto response = detail::checked_call(*connection_, std::move(request));
  if (!response.ok()) return fail(response.error());
  return {};
}

Result<std::unique_ptr<Account>, ClientError> Account::link_new(
    const std::filesystem::path& home, const Unlock& unlock, const ServerSettings& server, crypto::Rng& rng,
    const std::function<void(const std::string& code)>& show_code, std::chrono::milliseconds wait,
    std::vector<std::string>& contacts, AccountOptions options) {
  HUSH_TRY(prepare_home(home, server, options));
  const crypto::KeyPair one_time = crypto::KeyPair::generate(rng);
  LinkCode code{Bytes(kLinkIdSize), one_time.public_key};
  rng.fill(code.link_id);

  // A connection before there is a store: through the endpoint list prepare_home() wrote.
  ConnectReport report;
  auto endpoints = load_endpoints(home);
  if (!endpoints.ok() || endpoints->empty()) return fail(ClientError{ClientErrorKind::kStore, "endpoints"});
  auto transports = std::make_unique<PluggableTransports>(home / kPluggableTransportsFolder);
  auto connection =
      connect_through(*endpoints, server.address, server.trust, options.connection, report, {}, transports.get());
  if (!connection.ok()) return fail(ClientError::transport(connection.error()));
  show_code(format_link_code(code));

  // Wait for the approval.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::optional<api::LinkOffer> offer;
  while (!offer) {
    api::Request request;
    request.mutable_fetch_link()->set_link_id(std::string(code.link_id.begin(), code.link_id.end()));
    auto response = detail::checked_call(**connection, std::move(request));
    if (response.ok()) {
      offer = response->link_offer();
      break;
    }
    if (response.error().detail != "no_link") return fail(response.error());
    if (std::chrono::steady_clock::now() + kLinkPollInterval > deadline) {
      return fail(ClientError{ClientErrorKind::kTransport, "link_timeout"});
    }
    std::this_thread::sleep_for(kLinkPollInterval);
  }
  auto opened = open_link_payload(code, one_time.private_key, as_bytes(offer->sealed()));
  if (!opened) return fail(link_payload_error());
  wire::content::DeviceLink link;
  if (!link.ParseFromArray(opened->view().data(), static_cast<int>(opened->size())) ||
      link.username() != offer->username() || !wire::valid_username(link.username()) ||
      link.token().size() != kLinkTokenSize || link.contacts_size() > static_cast<int>(kMaxLinkedContacts)) {
    return fail(link_payload_error());
  }
  auto private_key = crypto::PrivateKey::from_bytes(as_bytes(link.identity_private()));
  std::fill(link.mutable_identity_private()->begin(), link.mutable_identity_private()->end(), '\0');
  if (!private_key.ok()) return fail(link_payload_error());
  const protocol::IdentityKeyPair identity{private_key->public_key(), *private_key};

  // This device's own keys, then the registration the token proves.
  const std::uint32_t registration_id = protocol::generate_registration_id(rng);
  detail::AccountRecord record;
  record.username = link.username();
  record.server = server;
  record.auth_key = crypto::Ed25519KeyPair::generate(rng);
  api::Request request;
  auto* body = request.mutable_link_device();
  body->set_username(link.username());
  body->set_link_id(std::string(code.link_id.begin(), code.link_id.end()));
  body->set_token(link.token());
  std::fill(link.mutable_token()->begin(), link.mutable_token()->end(), '\0');
  const auto identity_public = identity.public_key.serialize();
  auto* keys = body->mutable_device();
  keys->set_registration_id(registration_id);
  keys->set_identity_key(std::string(identity_public.begin(), identity_public.end()));
  keys->set_auth_key(std::string(record.auth_key.public_key.begin(), record.auth_key.public_key.end()));
  keys->set_name(options.device_name);
  body->set_challenge_signature(detail::challenge_signature(record.auth_key, (*connection)->challenge_nonce()));
  auto linked = detail::checked_call(**connection, std::move(request));
  if (!linked.ok()) return fail(linked.error());
  record.device_id = linked->linked().device_id();
  if (record.device_id == 0) return fail(ClientError::server("no_device_id"));

  auto created = create(home, unlock, identity, registration_id, std::move(record), rng, std::move(options));
  if (!created.ok()) return fail(created.error());
  std::unique_ptr<Account> account = std::move(*created);
  account->last_report_ = std::move(report);
  account->connection_ = std::move(*connection);
  account->transports_ = std::move(transports);
  HUSH_TRY(account->upload_all_keys());
  contacts.assign(link.contacts().begin(), link.contacts().end());
  return account;
}

}  // namespace hush::client
