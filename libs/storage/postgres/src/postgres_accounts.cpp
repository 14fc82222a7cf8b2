// The PostgreSQL backend's accounts, devices, invites and pending device links. Registration is one transaction; device
// ids come from the account row, locked while a device is added, so two nodes adding devices to one
// account at once take turns (and the device limit holds).
#include "database.hpp"

namespace hush::storage::postgres {
namespace {

constexpr const char* kDeviceColumns = "device_id, registration_id, identity_key, auth_key, created_at, name";

// From a row of kDeviceColumns.
Result<Device, StorageError> device_from_row(const Rows& rows, int row) {
  Device device;
  device.id = static_cast<DeviceId>(rows.integer_or_zero(row, 0));
  device.registration_id = static_cast<std::uint32_t>(rows.integer_or_zero(row, 1));
  if (!rows.bytes_into(row, 2, device.identity_key) || !rows.bytes_into(row, 3, device.auth_key)) {
    return fail(StorageError::kCorrupt);
  }
  device.created_at = to_timestamp(rows.integer_or_zero(row, 4));
  device.name = ::hush::to_string(rows.bytes(row, 5));
  return device;
}

Result<Account, StorageError> account_from(const Result<Rows, StorageError>& rows) {
  if (!rows.ok()) return fail(rows.error());
  if (rows->empty()) return fail(StorageError::kNotFound);
  return Account{static_cast<AccountId>(rows->integer_or_zero(0, 0)), ::hush::to_string(rows->bytes(0, 1)),
                 to_timestamp(rows->integer_or_zero(0, 2))};
}

constexpr const char* kLinkColumns = "account_id, token_hash, sealed, expires_at";

// The first row of kLinkColumns as the link `id`; kNotFound without one.
Result<PendingLink, StorageError> link_from(const Result<Rows, StorageError>& rows, const LinkId& id) {
  if (!rows.ok()) return fail(rows.error());
  if (rows->empty()) return fail(StorageError::kNotFound);
  PendingLink link;
  link.id = id;
  link.account = static_cast<AccountId>(rows->integer_or_zero(0, 0));
  if (!rows->bytes_into(0, 1, link.token_hash)) return fail(StorageError::kCorrupt);
  ByteView sealed = rows->bytes(0, 2);
  link.sealed.assign(sealed.begin(), sealed.end());
  link.expires_at = to_timestamp(rows->integer_or_zero(0, 3));
  return link;
}

// Checks a username before any transaction: kInvalidArgument (empty), kTooLarge.
Result<void, StorageError> check_username(std::string_view username, const Options& limits) {
  if (username.empty()) return fail(StorageError::kInvalidArgument);
  if (username.size() > limits.max_username_length) return fail(StorageError::kTooLarge);
  return {};
}

// The steps of create_account() and add_device(), inside the caller's transaction, so that
// create_account_with_device() runs both in one. A failure leaves the transaction to roll back.
Result<Account, StorageError> insert_account(Connection& connection, std::string_view username,
                                             const std::optional<InviteHash>& invite, Timestamp now) {
  // Taken first, so a taken name does not cost the invite.
  auto taken = connection.run("SELECT 1 FROM accounts WHERE username = $1", Params().bytes(as_bytes(username)));
  if (!taken.ok()) return fail(taken.error());
  if (!taken->empty()) return fail(StorageError::kConflict);
  if (invite) {
    auto used = connection.run("DELETE FROM invites WHERE hash = $1 AND expires_at > $2 RETURNING 1",
                               Params().bytes(*invite).time(now));
    if (!used.ok()) return fail(used.error());
    if (used->empty()) return fail(StorageError::kNotFound);
  }
  // A registration of the same name by another node since the check: nothing inserted, kConflict.
  auto inserted = connection.run(
      "INSERT INTO accounts (username, created_at, next_device_id) VALUES ($1, $2, 1) "
      "ON CONFLICT (username) DO NOTHING RETURNING id, username, created_at",
      Params().bytes(as_bytes(username)).time(now));
  if (inserted.ok() && inserted->empty()) return fail(StorageError::kConflict);
  return account_from(inserted);
}

Result<Device, StorageError> insert_device(Connection& connection, const Options& limits, AccountId account,
                                           const NewDevice& device, Timestamp now) {
  if (device.name.size() > limits.max_device_name_length) return fail(StorageError::kTooLarge);
  // The lock first, the count in a later statement: under READ COMMITTED that statement sees every
  // device added by whoever held the lock before.
  auto owner =
      connection.run("SELECT next_device_id FROM accounts WHERE id = $1 FOR NO KEY UPDATE", Params().integer(account));
  if (!owner.ok()) return fail(owner.error());
  if (owner->empty()) return fail(StorageError::kNotFound);
  const std::int64_t next_id = owner->integer_or_zero(0, 0);
  auto count = connection.run("SELECT count(*) FROM devices WHERE account_id = $1", Params().integer(account));
  if (!count.ok()) return fail(count.error());
  if (static_cast<std::size_t>(count->integer_or_zero(0, 0)) >= limits.max_devices_per_account) {
    return fail(StorageError::kLimitExceeded);
  }
  if (next_id < 1 || next_id > std::int64_t{UINT32_MAX}) return fail(StorageError::kCorrupt);
  Device added{
      static_cast<DeviceId>(next_id), device.registration_id, device.identity_key, device.auth_key, device.name, now};
  HUSH_TRY(connection.run(
      "WITH advanced AS (UPDATE accounts SET next_device_id = $2 + 1 WHERE id = $1) "
      "INSERT INTO devices (account_id, device_id, registration_id, identity_key, auth_key, created_at, name) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      Params()
          .integer(account)
          .integer(added.id)
          .integer(added.registration_id)
          .bytes(added.identity_key)
          .bytes(added.auth_key)
          .time(now)
          .bytes(as_bytes(added.name))));
  return added;
}

}  // namespace

Result<Account, StorageError> Accounts::create_account(std::string_view username,
                                                       const std::optional<InviteHash>& invite, Timestamp now) {
  HUSH_TRY(check_username(username, database_.limits()));
  return database_.transact(
      [&](Transaction& transaction) { return insert_account(transaction.connection(), username, invite, now); });
}

Result<AccountWithDevice, StorageError> Accounts::create_account_with_device(std::string_view username,
                                                                             const std::optional<InviteHash>& invite,
                                                                             const NewDevice& device, Timestamp now) {
  HUSH_TRY(check_username(username, database_.limits()));
  // One transaction: if adding the device fails, the account and the invite's use roll back.
  return database_.transact([&](Transaction& transaction) -> Result<AccountWithDevice, StorageError> {
    auto account = insert_account(transaction.connection(), username, invite, now);
    if (!account.ok()) return fail(account.error());
    auto added = insert_device(transaction.connection(), database_.limits(), account->id, device, now);
    if (!added.ok()) return fail(added.error());
    return AccountWithDevice{std::move(*account), std::move(*added)};
  });
}

Result<Account, StorageError> Accounts::find_account(std::string_view username) {
  return database_.read([&](Connection& connection) {
    return account_from(connection.run("SELECT id, username, created_at FROM accounts WHERE username = $1",
                                       Params().bytes(as_bytes(username))));
  });
}

Result<Account, StorageError> Accounts::account(AccountId id) {
  return database_.read([&](Connection& connection) {
    return account_from(
        connection.run("SELECT id, username, created_at FROM accounts WHERE id = $1", Params().integer(id)));
  });
}

Result<Device, StorageError> Accounts::add_device(AccountId account, const NewDevice& device, Timestamp now) {
  return database_.transact([&](Transaction& transaction) {
    return insert_device(transaction.connection(), database_.limits(), account, device, now);
  });
}

Result<Device, StorageError> Accounts::device(DeviceAddress address) {
  return database_.read([&](Connection& connection) -> Result<Device, StorageError> {
    auto rows = connection.run(
        std::string("SELECT ") + kDeviceColumns + " FROM devices WHERE account_id = $1 AND device_id = $2",
        Params().integer(address.account).integer(address.device));
    if (!rows.ok()) return fail(rows.error());
    if (rows->empty()) return fail(StorageError::kNotFound);
    return device_from_row(*rows, 0);
  });
}

Result<std::vector<Device>, StorageError> Accounts::list_devices(AccountId account) {
  return database_.read([&](Connection& connection) -> Result<std::vector<Device>, StorageError> {
    // One statement, one snapshot: the account's row (to tell "no account" from "no devices") and
    // its devices.
    auto rows = connection.run(
        "SELECT d.device_id, d.registration_id, d.identity_key, d.auth_key, d.created_at, d.name "
        "FROM accounts a LEFT JOIN devices d ON d.account_id = a.id WHERE a.id = $1 ORDER BY d.device_id",
        Params().integer(account));
    if (!rows.ok()) return fail(rows.error());
    if (rows->empty()) return fail(StorageError::kNotFound);
    std::vector<Device> devices;
    for (int row = 0; row < rows->size(); ++row) {
      if (rows->is_null(row, 0)) continue;  // the account has no device
      auto device = device_from_row(*rows, row);
      if (!device.ok()) return fail(device.error());
      devices.push_back(std::move(*device));
    }
    return devices;
  });
}

Result<void, StorageError> Accounts::remove_device(DeviceAddress address) {
  return database_.transact([&](Transaction& transaction) -> Result<void, StorageError> {
    Connection& connection = transaction.connection();
    const Params device = Params().integer(address.account).integer(address.device);
    // Deleting the row waits for any queue writer holding its lock; writers after it find no device.
    auto removed = connection.run("DELETE FROM devices WHERE account_id = $1 AND device_id = $2 RETURNING 1", device);
    if (!removed.ok()) return fail(removed.error());
    if (removed->empty()) return fail(StorageError::kNotFound);
    // Its queued envelopes go, releasing the fan-out bodies they refer to.
    auto queued = connection.run(
        "DELETE FROM messages WHERE recipient_account = $1 AND recipient_device = $2 RETURNING body_id", device);
    if (!queued.ok()) return fail(queued.error());
    std::map<std::int64_t, std::int64_t> released;
    for (int row = 0; row < queued->size(); ++row) {
      if (!queued->is_null(row, 0)) ++released[queued->integer_or_zero(row, 0)];
    }
    HUSH_TRY(release_bodies(connection, released));
    // Everything else stored for the device goes with it, in the same transaction.
    for (const char* sql : {
             "DELETE FROM signed_prekeys WHERE account_id = $1 AND device_id = $2",
             "DELETE FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2",
             "DELETE FROM last_resort_keys WHERE account_id = $1 AND device_id = $2",
             "DELETE FROM message_dedup WHERE recipient_account = $1 AND recipient_device = $2",
             "DELETE FROM delivery_failures WHERE sender_account = $1 AND sender_device = $2",
         }) {
      HUSH_TRY(connection.run(sql, device));
    }
    transaction.wake(WakeKind::kDeviceRemoved, address);
    return {};
  });
}

Result<void, StorageError> Accounts::add_invite(const InviteHash& invite, Timestamp expires_at) {
  return database_.transact([&](Transaction& transaction) -> Result<void, StorageError> {
    auto added = transaction.connection().run(
        "INSERT INTO invites (hash, expires_at) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING RETURNING 1",
        Params().bytes(invite).time(expires_at));
    if (!added.ok()) return fail(added.error());
    if (added->empty()) return fail(StorageError::kConflict);
    return {};
  });
}

Result<std::size_t, StorageError> Accounts::expire_invites(Timestamp now) {
  return database_.transact([&](Transaction& transaction) -> Result<std::size_t, StorageError> {
    auto deleted = transaction.connection().run("DELETE FROM invites WHERE expires_at <= $1", Params().time(now));
    if (!deleted.ok()) return fail(deleted.error());
    return deleted->affected();
  });
}

Result<void, StorageError> Accounts::add_link(const PendingLink& link, Timestamp now) {
  if (link.sealed.empty()) return fail(StorageError::kInvalidArgument);
  if (link.sealed.size() > database_.limits().max_link_payload) return fail(StorageError::kTooLarge);
  return database_.transact([&](Transaction& transaction) -> Result<void, StorageError> {
    Connection& connection = transaction.connection();
    // The account's lock first, the count in a later statement (as insert_device): two nodes adding
    // links to one account take turns, so the limit holds.
    auto owner =
        connection.run("SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE", Params().integer(link.account));
    if (!owner.ok()) return fail(owner.error());
    if (owner->empty()) return fail(StorageError::kNotFound);
    // An expired link no longer holds its id.
    HUSH_TRY(connection.run("DELETE FROM links WHERE id = $1 AND expires_at <= $2", Params().bytes(link.id).time(now)));
    auto pending = connection.run("SELECT count(*) FROM links WHERE account_id = $1 AND expires_at > $2",
                                  Params().integer(link.account).time(now));
    if (!pending.ok()) return fail(pending.error());
    if (static_cast<std::size_t>(pending->integer_or_zero(0, 0)) >= database_.limits().max_pending_links_per_account) {
      return fail(StorageError::kLimitExceeded);
    }
    auto added = connection.run(
        "INSERT INTO links (id, account_id, token_hash, sealed, expires_at) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (id) DO NOTHING RETURNING 1",
        Params().bytes(link.id).integer(link.account).bytes(link.token_hash).bytes(link.sealed).time(link.expires_at));
    if (!added.ok()) return fail(added.error());
    if (added->empty()) return fail(StorageError::kConflict);
    return {};
  });
}

Result<PendingLink, StorageError> Accounts::find_link(const LinkId& id, Timestamp now) {
  return database_.read([&](Connection& connection) {
    return link_from(
        connection.run(std::string("SELECT ") + kLinkColumns + " FROM links WHERE id = $1 AND expires_at > $2",
                       Params().bytes(id).time(now)),
        id);
  });
}

Result<PendingLink, StorageError> Accounts::take_link(AccountId account, const LinkId& id, Timestamp now) {
  return database_.transact([&](Transaction& transaction) {
    return link_from(
        transaction.connection().run(
            std::string("DELETE FROM links WHERE id = $1 AND account_id = $2 AND expires_at > $3 RETURNING ") +
                kLinkColumns,
            Params().bytes(id).integer(account).time(now)),
        id);
  });
}

Result<std::size_t, StorageError> Accounts::expire_links(Timestamp now) {
  return database_.transact([&](Transaction& transaction) -> Result<std::size_t, StorageError> {
    auto deleted = transaction.connection().run("DELETE FROM links WHERE expires_at <= $1", Params().time(now));
    if (!deleted.ok()) return fail(deleted.error());
    return deleted->affected();
  });
}

}  // namespace hush::storage::postgres
