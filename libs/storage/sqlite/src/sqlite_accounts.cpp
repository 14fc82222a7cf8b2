// The SQLite backend's accounts, devices, invites and pending device links.
#include "database.hpp"

namespace hush::storage::sqlite {
namespace {

Result<Account, StorageError> read_account(Statement& statement) {
  auto row = statement.step();
  if (!row.ok()) return fail(row.error());
  if (!*row) return fail(StorageError::kNotFound);
  return Account{static_cast<AccountId>(statement.column_int(0)), statement.column_text(1),
                 to_timestamp(statement.column_int(2))};
}

// From a row of columns: device_id, registration_id, identity_key, auth_key, created_at, name.
Result<Device, StorageError> device_from_row(const Statement& statement) {
  Device device;
  device.id = static_cast<DeviceId>(statement.column_int(0));
  device.registration_id = static_cast<std::uint32_t>(statement.column_int(1));
  if (!statement.column_into(2, device.identity_key) || !statement.column_into(3, device.auth_key)) {
    return fail(StorageError::kCorrupt);
  }
  device.created_at = to_timestamp(statement.column_int(4));
  device.name = statement.column_text(5);
  return device;
}

// A pending link from a row of columns: account_id, token_hash, sealed, expires_at.
Result<PendingLink, StorageError> read_link(Statement& statement, const LinkId& id) {
  auto row = statement.step();
  if (!row.ok()) return fail(row.error());
  if (!*row) return fail(StorageError::kNotFound);
  PendingLink link;
  link.id = id;
  link.account = static_cast<AccountId>(statement.column_int(0));
  if (!statement.column_into(1, link.token_hash)) return fail(StorageError::kCorrupt);
  link.sealed = statement.column_blob(2);
  link.expires_at = to_timestamp(statement.column_int(3));
  return link;
}

Result<bool, StorageError> account_exists(Connection& connection, AccountId account) {
  Statement statement = connection.prepare("SELECT 1 FROM accounts WHERE id = ?1");
  return statement.bind(1, to_column(account)).step();
}

// Checks a username before any transaction: kInvalidArgument (empty), kTooLarge.
Result<void, StorageError> check_username(std::string_view username, const Options& limits) {
  if (username.empty()) return fail(StorageError::kInvalidArgument);
  if (username.size() > limits.max_username_length) return fail(StorageError::kTooLarge);
  return {};
}

// The steps of create_account() and add_device(), inside the caller's write transaction, so that
// create_account_with_device() runs both in one. A failure leaves the transaction to roll back.
Result<Account, StorageError> insert_account(Connection& connection, std::string_view username,
                                             const std::optional<InviteHash>& invite, Timestamp now) {
  Statement taken = connection.prepare("SELECT 1 FROM accounts WHERE username = ?1");
  auto exists = taken.bind(1, username).step();
  if (!exists.ok()) return fail(exists.error());
  if (*exists) return fail(StorageError::kConflict);
  if (invite) {
    HUSH_TRY(connection.prepare("DELETE FROM invites WHERE hash = ?1 AND expires_at > ?2")
                 .bind(1, ByteView(*invite))
                 .bind(2, now)
                 .run());
    if (connection.changes() != 1) return fail(StorageError::kNotFound);
  }
  Statement insert = connection.prepare(
      "INSERT INTO accounts (username, created_at, next_device_id) VALUES (?1, ?2, 1) "
      "RETURNING id, username, created_at");
  return read_account(insert.bind(1, username).bind(2, now));
}

Result<Device, StorageError> insert_device(Connection& connection, const Options& limits, AccountId account,
                                           const NewDevice& device, Timestamp now) {
  if (device.name.size() > limits.max_device_name_length) return fail(StorageError::kTooLarge);
  Statement owner = connection.prepare(
      "SELECT next_device_id, (SELECT count(*) FROM devices WHERE account_id = ?1) FROM accounts WHERE id = ?1");
  auto found = owner.bind(1, to_column(account)).step();
  if (!found.ok()) return fail(found.error());
  if (!*found) return fail(StorageError::kNotFound);
  std::int64_t next_id = owner.column_int(0);
  if (static_cast<std::size_t>(owner.column_int(1)) >= limits.max_devices_per_account) {
    return fail(StorageError::kLimitExceeded);
  }
  if (next_id < 1 || next_id > std::int64_t{UINT32_MAX}) return fail(StorageError::kCorrupt);
  HUSH_TRY(connection.prepare("UPDATE accounts SET next_device_id = ?2 WHERE id = ?1")
               .bind(1, to_column(account))
               .bind(2, next_id + 1)
               .run());
  Device added{
      static_cast<DeviceId>(next_id), device.registration_id, device.identity_key, device.auth_key, device.name, now};
  HUSH_TRY(connection
               .prepare("INSERT INTO devices (account_id, device_id, registration_id, identity_key, auth_key, "
                        "created_at, name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
               .bind(1, to_column(account))
               .bind(2, to_column(added.id))
               .bind(3, std::int64_t{added.registration_id})
               .bind(4, ByteView(added.identity_key))
               .bind(5, ByteView(added.auth_key))
               .bind(6, now)
               .bind(7, std::string_view(added.name))
               .run());
  return added;
}

}  // namespace

Result<Account, StorageError> Accounts::create_account(std::string_view username,
                                                       const std::optional<InviteHash>& invite, Timestamp now) {
  HUSH_TRY(check_username(username, database_.limits()));
  return database_.write([&](Connection& connection) { return insert_account(connection, username, invite, now); });
}

Result<AccountWithDevice, StorageError> Accounts::create_account_with_device(std::string_view username,
                                                                             const std::optional<InviteHash>& invite,
                                                                             const NewDevice& device, Timestamp now) {
  HUSH_TRY(check_username(username, database_.limits()));
  // One transaction: if adding the device fails, the account and the invite's use roll back.
  return database_.write([&](Connection& connection) -> Result<AccountWithDevice, StorageError> {
    auto account = insert_account(connection, username, invite, now);
    if (!account.ok()) return fail(account.error());
    auto added = insert_device(connection, database_.limits(), account->id, device, now);
    if (!added.ok()) return fail(added.error());
    return AccountWithDevice{std::move(*account), std::move(*added)};
  });
}

Result<Account, StorageError> Accounts::find_account(std::string_view username) {
  return database_.read([&](Connection& connection) {
    Statement statement = connection.prepare("SELECT id, username, created_at FROM accounts WHERE username = ?1");
    return read_account(statement.bind(1, username));
  });
}

Result<Account, StorageError> Accounts::account(AccountId id) {
  return database_.read([&](Connection& connection) {
    Statement statement = connection.prepare("SELECT id, username, created_at FROM accounts WHERE id = ?1");
    return read_account(statement.bind(1, to_column(id)));
  });
}

Result<Device, StorageError> Accounts::add_device(AccountId account, const NewDevice& device, Timestamp now) {
  return database_.write(
      [&](Connection& connection) { return insert_device(connection, database_.limits(), account, device, now); });
}

Result<Device, StorageError> Accounts::device(DeviceAddress address) {
  return database_.read([&](Connection& connection) -> Result<Device, StorageError> {
    Statement statement = connection.prepare(
        "SELECT device_id, registration_id, identity_key, auth_key, created_at, name FROM devices "
        "WHERE account_id = ?1 AND device_id = ?2");
    auto row = statement.bind(1, to_column(address.account)).bind(2, to_column(address.device)).step();
    if (!row.ok()) return fail(row.error());
    if (!*row) return fail(StorageError::kNotFound);
    return device_from_row(statement);
  });
}

Result<std::vector<Device>, StorageError> Accounts::list_devices(AccountId account) {
  return database_.read([&](Connection& connection) -> Result<std::vector<Device>, StorageError> {
    auto exists = account_exists(connection, account);
    if (!exists.ok()) return fail(exists.error());
    if (!*exists) return fail(StorageError::kNotFound);
    Statement statement = connection.prepare(
        "SELECT device_id, registration_id, identity_key, auth_key, created_at, name FROM devices "
        "WHERE account_id = ?1 ORDER BY device_id");
    statement.bind(1, to_column(account));
    std::vector<Device> devices;
    for (;;) {
      auto row = statement.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) return devices;
      auto device = device_from_row(statement);
      if (!device.ok()) return fail(device.error());
      devices.push_back(*device);
    }
  });
}

Result<void, StorageError> Accounts::remove_device(DeviceAddress address) {
  return database_.write([&](Connection& connection) -> Result<void, StorageError> {
    HUSH_TRY(connection.prepare("DELETE FROM devices WHERE account_id = ?1 AND device_id = ?2")
                 .bind(1, to_column(address.account))
                 .bind(2, to_column(address.device))
                 .run());
    if (connection.changes() == 0) return fail(StorageError::kNotFound);
    // Its queued envelopes release the fan-out bodies they refer to.
    Statement references = connection.prepare(
        "SELECT body_id, count(*) FROM messages WHERE recipient_account = ?1 AND recipient_device = ?2 "
        "AND body_id IS NOT NULL GROUP BY body_id");
    references.bind(1, to_column(address.account)).bind(2, to_column(address.device));
    std::vector<std::pair<std::int64_t, std::int64_t>> released;
    for (;;) {
      auto row = references.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) break;
      released.emplace_back(references.column_int(0), references.column_int(1));
    }
    for (const auto& [body_id, count] : released) HUSH_TRY(release_body(connection, body_id, count));
    // Everything stored for the device goes with it, in the same transaction.
    for (const char* sql : {
             "DELETE FROM signed_prekeys WHERE account_id = ?1 AND device_id = ?2",
             "DELETE FROM one_time_prekeys WHERE account_id = ?1 AND device_id = ?2",
             "DELETE FROM last_resort_keys WHERE account_id = ?1 AND device_id = ?2",
             "DELETE FROM messages WHERE recipient_account = ?1 AND recipient_device = ?2",
             "DELETE FROM message_dedup WHERE recipient_account = ?1 AND recipient_device = ?2",
             "DELETE FROM delivery_failures WHERE sender_account = ?1 AND sender_device = ?2",
         }) {
      HUSH_TRY(connection.prepare(sql).bind(1, to_column(address.account)).bind(2, to_column(address.device)).run());
    }
    return {};
  });
}

Result<void, StorageError> Accounts::add_invite(const InviteHash& invite, Timestamp expires_at) {
  return database_.write([&](Connection& connection) -> Result<void, StorageError> {
    HUSH_TRY(connection.prepare("INSERT OR IGNORE INTO invites (hash, expires_at) VALUES (?1, ?2)")
                 .bind(1, ByteView(invite))
                 .bind(2, expires_at)
                 .run());
    if (connection.changes() == 0) return fail(StorageError::kConflict);
    return {};
  });
}

Result<std::size_t, StorageError> Accounts::expire_invites(Timestamp now) {
  return database_.write([&](Connection& connection) -> Result<std::size_t, StorageError> {
    HUSH_TRY(connection.prepare("DELETE FROM invites WHERE expires_at <= ?1").bind(1, now).run());
    return static_cast<std::size_t>(connection.changes());
  });
}

Result<void, StorageError> Accounts::add_link(const PendingLink& link, Timestamp now) {
  if (link.sealed.empty()) return fail(StorageError::kInvalidArgument);
  if (link.sealed.size() > database_.limits().max_link_payload) return fail(StorageError::kTooLarge);
  return database_.write([&](Connection& connection) -> Result<void, StorageError> {
    auto exists = account_exists(connection, link.account);
    if (!exists.ok()) return fail(exists.error());
    if (!*exists) return fail(StorageError::kNotFound);
    // An expired link no longer holds its id.
    HUSH_TRY(connection.prepare("DELETE FROM links WHERE id = ?1 AND expires_at <= ?2")
                 .bind(1, ByteView(link.id))
                 .bind(2, now)
                 .run());
    Statement pending = connection.prepare(
        "SELECT (SELECT count(*) FROM links WHERE id = ?1), "
        "(SELECT count(*) FROM links WHERE account_id = ?2 AND expires_at > ?3)");
    auto row = pending.bind(1, ByteView(link.id)).bind(2, to_column(link.account)).bind(3, now).step();
    if (!row.ok()) return fail(row.error());
    if (pending.column_int(0) != 0) return fail(StorageError::kConflict);
    if (static_cast<std::size_t>(pending.column_int(1)) >= database_.limits().max_pending_links_per_account) {
      return fail(StorageError::kLimitExceeded);
    }
    return connection
        .prepare("INSERT INTO links (id, account_id, token_hash, sealed, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(1, ByteView(link.id))
        .bind(2, to_column(link.account))
        .bind(3, ByteView(link.token_hash))
        .bind(4, ByteView(link.sealed))
        .bind(5, link.expires_at)
        .run();
  });
}

Result<PendingLink, StorageError> Accounts::find_link(const LinkId& id, Timestamp now) {
  return database_.read([&](Connection& connection) {
    Statement statement = connection.prepare(
        "SELECT account_id, token_hash, sealed, expires_at FROM links WHERE id = ?1 AND expires_at > ?2");
    return read_link(statement.bind(1, ByteView(id)).bind(2, now), id);
  });
}

Result<PendingLink, StorageError> Accounts::take_link(AccountId account, const LinkId& id, Timestamp now) {
  return database_.write([&](Connection& connection) {
    Statement statement = connection.prepare(
        "DELETE FROM links WHERE id = ?1 AND account_id = ?2 AND expires_at > ?3 "
        "RETURNING account_id, token_hash, sealed, expires_at");
    return read_link(statement.bind(1, ByteView(id)).bind(2, to_column(account)).bind(3, now), id);
  });
}

Result<std::size_t, StorageError> Accounts::expire_links(Timestamp now) {
  return database_.write([&](Connection& connection) -> Result<std::size_t, StorageError> {
    HUSH_TRY(connection.prepare("DELETE FROM links WHERE expires_at <= ?1").bind(1, now).run());
    return static_cast<std::size_t>(connection.changes());
  });
}

}  // namespace hush::storage::sqlite
