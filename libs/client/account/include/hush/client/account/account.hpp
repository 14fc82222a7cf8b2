// Account: this device's membership of an account on one hushd — its identity and registration id
// (in the store), its Ed25519 auth key (sealed in the store), the username, server and device id
// the server gave; registering, logging in, and keeping the server stocked with prekeys (signed
// prekey, one-time prekeys, last-resort key). Owns the store and the connection it logs in on.
// Does not own: what travels over the connection once logged in (messenger/), the ways to reach the
// server (endpoints/: it connects through the home's endpoint list), reconnecting by itself.
//
// Not thread-safe; synchronous (see ServerConnection).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/client/account/client_error.hpp"
#include "hush/client/endpoints/failover.hpp"
#include "hush/client/store/client_store.hpp"
#include "hush/client/transport/server_connection.hpp"
#include "hush/crypto/ed25519.hpp"
#include "hush/crypto/random.hpp"

namespace hush::client {

namespace detail {
struct AccountRecord;  // account_record.hpp (internal)
}  // namespace detail

// The server an account lives on and how its certificate is trusted.
struct ServerSettings {
  ServerAddress address;
  ServerTrust trust;
};

struct AccountOptions {
  // The device name the server shows in device lists. Default "hush".
  std::string device_name = "hush";
  // One-time prekeys generated and uploaded at registration and at each refill (keys_low), in
  // [1, kMaxPreKeyBatch]. Default 100, as Signal: enough for 100 first contacts while offline,
  // small enough to generate in milliseconds and to fit one 64 KiB frame.
  std::uint32_t prekey_batch = 100;
  // Milliseconds since the Unix epoch (signed prekey and message timestamps). Default: system clock.
  std::function<std::uint64_t()> clock;
  // Timeouts and limits of every connection. Its proxy and fronting describe one endpoint: the one
  // register_new() puts first in the home's endpoint list, and the one used while the list is
  // empty (a home made before lists existed: open() then saves it as the list). Endpoints in the
  // list bring their own proxy and fronting.
  ConnectionOptions connection;
  StoreOptions store;
};

// One device of this account, as the server lists it.
struct DeviceInfo {
  std::uint32_t device_id = 0;
  std::string name;
  std::uint64_t created_ms = 0;
  bool current = false;  // this device
};

// The largest prekey_batch: 1,000 one-time prekeys of 33 bytes and their ids fit a 64 KiB frame.
inline constexpr std::uint32_t kMaxPreKeyBatch = 1000;

class Account {
 public:
  // Creates a new identity and store in `home`, saves the account (username, server, sealed auth
  // key) and the first keys before anything is sent, then connects, registers `username` and
  // uploads the keys. The endpoint `server` and options.connection describe (endpoint_from())
  // becomes number 1 of the home's endpoint list first (the list may hold others, added before
  // registration: they are tried after it). The account stays connected and logged in. When the server refuses (e.g.
  // "username_taken", "invite_required") the new store is deleted again; when the connection fails
  // midway the store stays and log_in() completes the registration.
  static Result<std::unique_ptr<Account>, ClientError> register_new(const std::filesystem::path& home,
                                                                    const Unlock& unlock, const ServerSettings& server,
                                                                    const std::string& username,
                                                                    const std::string& invite, crypto::Rng& rng,
                                                                    AccountOptions options = {});

  // Links this new device (a new `home`) to an existing account (device_link.hpp): shows a code
  // through `show_code` (format_link_code), then waits up to `wait` for another device of the
  // account to approve it (Account::approve_link), polling the server about once a second. Then
  // creates the store with the account's identity, registers this device with the server
  // (LinkDevice) and uploads its keys; the account stays connected. `contacts` receives the
  // contacts the approving device sent. Errors: kTimeout-like kTransport "link_timeout" (nobody
  // approved in time), kProtocol "link_payload" (the sealed payload did not open or parse), the
  // server's refusals ("bad_token", "max_devices_per_account", ...), kStore.
  static Result<std::unique_ptr<Account>, ClientError> link_new(
      const std::filesystem::path& home, const Unlock& unlock, const ServerSettings& server, crypto::Rng& rng,
      const std::function<void(const std::string& code)>& show_code, std::chrono::milliseconds wait,
      std::vector<std::string>& contacts, AccountOptions options = {});

  // Approves the new device whose code (format_link_code) the user typed or scanned: seals this
  // account's identity key pair, a one-time token and `contacts` (at most kMaxLinkedContacts) to
  // it and hands them to the server (ApproveLink). kInvalidArgument "link_code" for a malformed
  // code, "contacts" for too many; the server's refusals ("max_devices_per_account",
  // "link_exists", ...). Needs connected().
  Result<void, ClientError> approve_link(std::string_view code, const std::vector<std::string>& contacts);

  // Opens the account in `home` without connecting. kNotRegistered when the home has a store but
  // no account row.
  static Result<std::unique_ptr<Account>, ClientError> open(const std::filesystem::path& home, const Unlock& unlock,
                                                            crypto::Rng& rng, AccountOptions options = {});

  ~Account();
  Account(const Account&) = delete;
  Account& operator=(const Account&) = delete;

  // Connects and authenticates this device (finishing an interrupted registration first), then
  // restocks the server's prekeys if it has none. Queued envelopes follow as pushes. It connects
  // through the home's endpoint list, first to last (failover.hpp), with the account's trust for
  // every endpoint; when all fail, the last endpoint's error. A list file that cannot be read is
  // kStore "endpoints_<error>" (e.g. endpoints_corrupt), nothing sent.
  Result<void, ClientError> log_in();
  // log_in() through endpoint number `endpoint` of the home's list only (from 1; 0: the whole
  // list, as log_in()). kInvalidArgument "no_such_endpoint" past the end. For a probe of each way in.
  Result<void, ClientError> log_in_through(std::size_t endpoint);
  // A second connection of this device, logged in for media transfers only (no pushes; the server
  // refuses anything but media requests and Ping on it), through the endpoint the account is
  // connected through (the list when that one fails), answering each request within
  // `request_timeout` at most (a stalled transfer is found sooner than a quiet message
  // connection). The caller owns it; it may use it on another thread. Precondition for success:
  // connected().
  Result<std::unique_ptr<ServerConnection>, ClientError> open_transfer_connection(
      std::chrono::milliseconds request_timeout);
  // What the last connection attempt did, endpoint by endpoint (empty before the first).
  const ConnectReport& last_connect_report() const { return last_report_; }
  // Closes the connection, if any.
  void disconnect();
  bool connected() const;
  // The logged-in connection. Precondition: connected().
  ServerConnection& connection();

  // Generates prekey_batch one-time prekeys, stores them in one transaction, then uploads them.
  Result<void, ClientError> refill_prekeys();
  // The account's devices (ListDevices). Errors: kTransport (not_connected, ...), kServer.
  Result<std::vector<DeviceInfo>, ClientError> list_devices();
  // Removes another device of the account (RemoveDevice): the server drops its keys and queue and
  // closes its connections. kServer "cannot_remove_current_device" for this one, "not_found" for none.
  Result<void, ClientError> remove_device(std::uint32_t device_id);

  // Handles the pushes that concern the account (keys_low: refill). True when `push` was one.
  Result<bool, ClientError> handle_push(const wire::api::Push& push);

  ClientStore& store() { return *store_; }
  crypto::Rng& rng() { return rng_; }
  std::uint64_t now_ms() const { return options_.clock(); }
  const std::string& username() const { return username_; }
  const ServerSettings& server() const { return server_; }
  // The folder holding this account's store (and the messenger's attachments).
  std::filesystem::path home() const { return store_->path().parent_path(); }
  std::uint32_t device_id() const { return device_id_; }
  // The id of the reusable last-resort prekey (kept when a session consumes it).
  std::uint32_t last_resort_id() const;

 private:
  Account(std::unique_ptr<ClientStore> store, crypto::Rng& rng, AccountOptions options);
  // What registering and linking check first; the server's endpoint becomes number 1 of the list.
  static Result<void, ClientError> prepare_home(const std::filesystem::path& home, const ServerSettings& server,
                                                const AccountOptions& options);
  // A new store in `home` with `identity` and the account row `record`, loaded.
  static Result<std::unique_ptr<Account>, ClientError> create(const std::filesystem::path& home, const Unlock& unlock,
                                                              const protocol::IdentityKeyPair& identity,
                                                              std::uint32_t registration_id,
                                                              detail::AccountRecord record, crypto::Rng& rng,
                                                              AccountOptions options);
  Result<void, ClientError> load();
  // Through endpoint number `only` of the list (0: each in order until one connects).
  Result<std::unique_ptr<ServerConnection>, ClientError> connect(std::size_t only, ConnectReport& report,
                                                                 const ConnectionOptions& options);
  Result<void, ClientError> register_on(ServerConnection& connection, const std::string& invite);
  Result<void, ClientError> authenticate_on(ServerConnection& connection, bool transfers_only = false);
  Result<void, ClientError> upload_all_keys();
  Result<void, ClientError> add_prekey_batch(StoreTransaction& transaction, const detail::AccountRecord& record,
                                             wire::api::UploadKeys& body);
  Result<void, ClientError> upload(wire::api::Request request);

  std::unique_ptr<ClientStore> store_;
  crypto::Rng& rng_;
  AccountOptions options_;
  std::unique_ptr<ServerConnection> connection_;
  ConnectReport last_report_;
  std::unique_ptr<PluggableTransports> transports_;  // obfs4proxy, once an obfs4 endpoint is tried
  std::string username_;
  ServerSettings server_;
  std::uint32_t device_id_ = 0;
  crypto::Ed25519KeyPair auth_key_;
};

}  // namespace hush::client
