// Account: registration, login by challenge signature, and prekey stock. Every key is generated
// and committed to the store before its public half is uploaded.
#include "hush/client/account/account.hpp"

#include <algorithm>
#include <system_error>

#include "account_record.hpp"
#include "hush/protocol/keys.hpp"
#include "hush/protocol/limits.hpp"
#include "prekey_upload.hpp"
#include "server_calls.hpp"

namespace hush::client {

namespace api = wire::api;

namespace {

// The server's reason when RegisterAccount names a taken username.
constexpr std::string_view kUsernameTaken = "username_taken";

std::uint64_t system_now_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

using detail::challenge_signature;
using detail::checked_call;

ClientError endpoints_error(const EndpointsFailure& failure) {
  return ClientError{ClientErrorKind::kStore, std::string("endpoints_") + to_string(failure.error)};
}

void remove_store_files(const std::filesystem::path& database) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(database.string() + suffix, ignored);
}

}  // namespace

Account::Account(std::unique_ptr<ClientStore> store, crypto::Rng& rng, AccountOptions options)
    : store_(std::move(store)), rng_(rng), options_(std::move(options)) {
  if (!options_.clock) options_.clock = system_now_ms;
}

Account::~Account() {
  disconnect();
}

Result<std::unique_ptr<Account>, ClientError> Account::register_new(const std::filesystem::path& home,
                                                                    const Unlock& unlock, const ServerSettings& server,
                                                                    const std::string& username,
                                                                    const std::string& invite, crypto::Rng& rng,
                                                                    AccountOptions options) {
  if (username.empty()) return fail(ClientError{ClientErrorKind::kInvalidArgument, "username"});
  HUSH_TRY(prepare_home(home, server, options));
  detail::AccountRecord record;
  record.username = username;
  record.server = server;
  record.auth_key = crypto::Ed25519KeyPair::generate(rng);
  auto created = create(home, unlock, protocol::IdentityKeyPair::generate(rng), protocol::generate_registration_id(rng),
                        record, rng, std::move(options));
  if (!created.ok()) return fail(created.error());
  std::unique_ptr<Account> account = std::move(*created);
  const std::filesystem::path database = account->store_->path();

  auto connection = account->connect(0, account->last_report_, account->options_.connection);
  if (!connection.ok()) return fail(connection.error());
  if (auto registered = account->register_on(**connection, invite); !registered.ok()) {
    if (registered.error().kind == ClientErrorKind::kServer) {
      account.reset();  // closes the store before its files go
      remove_store_files(database);
    }
    return fail(registered.error());
  }
  account->connection_ = std::move(*connection);
  HUSH_TRY(account->upload_all_keys());
  return account;
}

Result<void, ClientError> Account::prepare_home(const std::filesystem::path& home, const ServerSettings& server,
                                                const AccountOptions& options) {
  if (options.prekey_batch == 0 || options.prekey_batch > kMaxPreKeyBatch) {
    return fail(ClientError{ClientErrorKind::kInvalidArgument, "prekey_batch"});
  }
  // The way this registration goes becomes endpoint 1, before anything else is written.
  const Endpoint registration = endpoint_from(server.address, options.connection);
  if (!check_endpoint(registration).ok()) return fail(ClientError{ClientErrorKind::kInvalidArgument, "endpoint"});
  if (auto saved = put_endpoint_first(home, registration); !saved.ok()) return fail(endpoints_error(saved.error()));
  return {};
}

Result<std::unique_ptr<Account>, ClientError> Account::create(const std::filesystem::path& home, const Unlock& unlock,
                                                              const protocol::IdentityKeyPair& identity,
                                                              std::uint32_t registration_id,
                                                              detail::AccountRecord record, crypto::Rng& rng,
                                                              AccountOptions options) {
  auto created = ClientStore::create(home, unlock, identity, registration_id, options.store);
  if (!created.ok()) return fail(ClientError::store(created.error()));
  std::unique_ptr<Account> account(new Account(std::move(*created), rng, std::move(options)));
  record.last_resort_id = protocol::kMediumMaxValue;
  {
    auto transaction = account->store_->transaction();
    (void)detail::insert_account(transaction, record);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  }
  HUSH_TRY(account->load());
  return account;
}

Result<std::unique_ptr<Account>, ClientError> Account::open(const std::filesystem::path& home, const Unlock& unlock,
                                                            crypto::Rng& rng, AccountOptions options) {
  auto opened = ClientStore::open(home, unlock, options.store);
  if (!opened.ok()) {
    if (opened.error() == StoreError::kNotFound) return fail(ClientError{ClientErrorKind::kNotRegistered, "no_store"});
    return fail(ClientError::store(opened.error()));
  }
  std::unique_ptr<Account> account(new Account(std::move(*opened), rng, std::move(options)));
  HUSH_TRY(account->load());
  // A home registered before endpoint lists existed: its one way to the server becomes the list,
  // so that adding an endpoint later does not drop it. Best effort: without the file, connect()
  // uses the same endpoint.
  std::error_code ignored;
  if (!std::filesystem::exists(endpoints_file(home), ignored) && !ignored) {
    (void)save_endpoints(home, {endpoint_from(account->server_.address, account->options_.connection)});
  }
  return account;
}

Result<void, ClientError> Account::load() {
  auto transaction = store_->transaction();
  auto record = detail::load_account(transaction);
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  if (!record.ok()) return fail(ClientError::store(record.error()));
  if (!*record) return fail(ClientError{ClientErrorKind::kNotRegistered, "no_account"});
  username_ = (*record)->username;
  server_ = (*record)->server;
  device_id_ = (*record)->device_id;
  auth_key_ = (*record)->auth_key;
  return {};
}

std::uint32_t Account::last_resort_id() const {
  return protocol::kMediumMaxValue;
}

Result<std::unique_ptr<ServerConnection>, ClientError> Account::connect(std::size_t only, ConnectReport& report,
                                                                        const ConnectionOptions& options) {
  auto endpoints = load_endpoints(home());
  if (!endpoints.ok()) return fail(endpoints_error(endpoints.error()));
  if (endpoints->empty()) endpoints->push_back(endpoint_from(server_.address, options_.connection));
  if (only > endpoints->size()) return fail(ClientError{ClientErrorKind::kInvalidArgument, "no_such_endpoint"});
  if (only != 0) {
    // Just that one, keeping its number in the report.
    Endpoint chosen = (*endpoints)[only - 1];
    endpoints->assign(1, std::move(chosen));
  }
  if (!transports_) transports_ = std::make_unique<PluggableTransports>(home() / kPluggableTransportsFolder);
  auto connection = connect_through(*endpoints, server_.address, server_.trust, options, report, {}, transports_.get());
  if (only != 0) {
    for (EndpointAttempt& attempt : report.attempts) attempt.number = only;
    if (report.connected != 0) report.connected = only;
  }
  if (!connection.ok()) return fail(ClientError::transport(connection.error()));
  return std::move(*connection);
}

Result<void, ClientError> Account::register_on(ServerConnection& connection, const std::string& invite) {
  const auto identity = store_->identities().identity_key_pair().public_key.serialize();
  api::Request request;
  auto* body = request.mutable_register_account();
  body->set_username(username_);
  body->set_invite(invite);
  auto* keys = body->mutable_device();
  keys->set_registration_id(store_->identities().local_registration_id());
  keys->set_identity_key(std::string(identity.begin(), identity.end()));
  keys->set_auth_key(std::string(auth_key_.public_key.begin(), auth_key_.public_key.end()));
  keys->set_name(options_.device_name);
  body->set_challenge_signature(challenge_signature(auth_key_, connection.challenge_nonce()));
  auto response = checked_call(connection, std::move(request));
  if (!response.ok()) return fail(response.error());
  const std::uint32_t device_id = response->registered().device_id();
  if (device_id == 0) return fail(ClientError::server("no_device_id"));
  auto transaction = store_->transaction();
  (void)detail::save_device_id(transaction, device_id);
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  device_id_ = device_id;
  return {};
}

Result<void, ClientError> Account::authenticate_on(ServerConnection& connection, bool transfers_only) {
  api::Request request;
  auto* body = request.mutable_authenticate();
  body->set_username(username_);
  body->set_device_id(device_id_);
  body->set_transfers_only(transfers_only);
  body->set_challenge_signature(challenge_signature(auth_key_, connection.challenge_nonce()));
  auto response = checked_call(connection, std::move(request));
  if (!response.ok()) return fail(response.error());
  return {};
}

Result<void, ClientError> Account::log_in() {
  return log_in_through(0);
}

Result<void, ClientError> Account::log_in_through(std::size_t endpoint) {
  disconnect();
  auto connection = connect(endpoint, last_report_, options_.connection);
  if (!connection.ok()) return fail(connection.error());
  if (device_id_ == 0) {
    // An interrupted registration: either the server never saw it, or it did and the answer was
    // lost. In the second case the username is ours, as device 1, and our auth key proves it.
    auto registered = register_on(**connection, "");
    if (!registered.ok()) {
      if (registered.error().kind != ClientErrorKind::kServer || registered.error().detail != kUsernameTaken) {
        return fail(registered.error());
      }
      device_id_ = 1;
      connection = connect(endpoint, last_report_, options_.connection);
      if (!connection.ok()) return fail(connection.error());
      if (auto authenticated = authenticate_on(**connection); !authenticated.ok()) {
        device_id_ = 0;
        return fail(authenticated.error());
      }
      auto transaction = store_->transaction();
      (void)detail::save_device_id(transaction, device_id_);
      if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    }
  } else {
    HUSH_TRY(authenticate_on(**connection));
  }
  connection_ = std::move(*connection);
  // Restock a server that has no one-time prekeys of ours (first login after an interrupted
  // registration or upload); keys_low pushes handle the rest.
  api::Request status;
  status.mutable_key_status();
  auto count = checked_call(*connection_, std::move(status));
  if (!count.ok()) return fail(count.error());
  if (count->key_count().one_time_prekeys() == 0) HUSH_TRY(upload_all_keys());
  return {};
}

Result<std::unique_ptr<ServerConnection>, ClientError> Account::open_transfer_connection(
    std::chrono::milliseconds request_timeout) {
  if (!connected()) return fail(ClientError::not_connected());
  ConnectionOptions options = options_.connection;
  options.request_timeout = std::min(options.request_timeout, request_timeout);
  // The endpoint that works for messages now; the rest of the list only when it fails.
  ConnectReport report;
  auto connection = connect(last_report_.connected, report, options);
  if (!connection.ok() && last_report_.connected != 0) connection = connect(0, report, options);
  if (!connection.ok()) return fail(connection.error());
  HUSH_TRY(authenticate_on(**connection, true));
  return std::move(*connection);
}

void Account::disconnect() {
  if (connection_) connection_->close();
  connection_.reset();
}

bool Account::connected() const {
  return connection_ != nullptr && !connection_->closed();
}

ServerConnection& Account::connection() {
  return *connection_;
}

Result<std::vector<DeviceInfo>, ClientError> Account::list_devices() {
  if (!connected()) return fail(ClientError::not_connected());
  api::Request request;
  request.mutable_list_devices();
  auto response = checked_call(*connection_, std::move(request));
  if (!response.ok()) return fail(response.error());
  std::vector<DeviceInfo> devices;
  for (const api::Device& device : response->devices().devices()) {
    devices.push_back({device.device_id(), device.name(), device.created_ms(), device.device_id() == device_id_});
  }
  return devices;
}

Result<void, ClientError> Account::remove_device(std::uint32_t device_id) {
  if (!connected()) return fail(ClientError::not_connected());
  api::Request request;
  request.mutable_remove_device()->set_device_id(device_id);
  auto response = checked_call(*connection_, std::move(request));
  if (!response.ok()) return fail(response.error());
  return {};
}

Result<void, ClientError> Account::upload(api::Request request) {
  if (!connected()) return fail(ClientError::not_connected());
  auto response = checked_call(*connection_, std::move(request));
  if (!response.ok()) return fail(response.error());
  return {};
}

// A new batch of one-time prekeys after the last one issued: stored in `transaction` with the
// account's next id, and added to `body` for upload once the transaction commits.
Result<void, ClientError> Account::add_prekey_batch(StoreTransaction& transaction, const detail::AccountRecord& record,
                                                    api::UploadKeys& body) {
  const std::uint32_t first = record.next_prekey_id;
  for (const protocol::PreKeyRecord& prekey : protocol::generate_prekeys(first, options_.prekey_batch, rng_)) {
    store_->prekeys().store_prekey(prekey);
    *body.add_one_time_prekeys() = detail::to_wire(prekey);
  }
  auto saved = detail::save_next_prekey_id(transaction, detail::next_prekey_id(first, options_.prekey_batch));
  if (!saved.ok()) return fail(ClientError::store(saved.error()));
  return {};
}

// The signed prekey and last-resort key are reused when stored already (a peer may be about to
// use them); a batch of one-time prekeys is always new.
Result<void, ClientError> Account::upload_all_keys() {
  constexpr std::uint32_t kSignedPreKeyId = 1;
  api::Request request;
  auto* body = request.mutable_upload_keys();
  {
    auto transaction = store_->transaction();
    auto record = detail::load_account(transaction);
    if (!record.ok() || !*record) return fail(ClientError::store(record.ok() ? StoreError::kCorrupt : record.error()));
    auto signed_prekey = store_->signed_prekeys().load_signed_prekey(kSignedPreKeyId);
    if (!signed_prekey) {
      signed_prekey = protocol::generate_signed_prekey(store_->identities().identity_key_pair(), kSignedPreKeyId,
                                                       options_.clock(), rng_);
      store_->signed_prekeys().store_signed_prekey(*signed_prekey);
    }
    auto last_resort = store_->prekeys().load_prekey(last_resort_id());
    if (!last_resort) {
      last_resort = protocol::PreKeyRecord{last_resort_id(), crypto::KeyPair::generate(rng_)};
      store_->prekeys().store_prekey(*last_resort);
    }
    if (auto added = add_prekey_batch(transaction, **record, *body); !added.ok()) return fail(added.error());
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    *body->mutable_signed_prekey() = detail::to_wire(*signed_prekey);
    *body->mutable_last_resort() = detail::to_wire(*last_resort);
  }
  return upload(std::move(request));
}

Result<void, ClientError> Account::refill_prekeys() {
  api::Request request;
  auto* body = request.mutable_upload_keys();
  {
    auto transaction = store_->transaction();
    auto record = detail::load_account(transaction);
    if (!record.ok() || !*record) return fail(ClientError::store(record.ok() ? StoreError::kCorrupt : record.error()));
    if (auto added = add_prekey_batch(transaction, **record, *body); !added.ok()) return fail(added.error());
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  }
  return upload(std::move(request));
}

Result<bool, ClientError> Account::handle_push(const api::Push& push) {
  if (!push.has_keys_low()) return false;
  HUSH_TRY(refill_prekeys());
  return true;
}

}  // namespace hush::client
