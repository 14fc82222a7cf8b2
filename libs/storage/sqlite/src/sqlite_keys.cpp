// The SQLite backend's key directory. A claim is one write transaction (SELECT the lowest id, then
// DELETE it) under SQLite's write lock, so two claims, from any thread or process, never share a key.
#include <map>

#include "database.hpp"

namespace hush::storage::sqlite {
namespace {

Result<void, StorageError> require_device(Connection& connection, DeviceAddress device) {
  auto exists = device_exists(connection, device);
  if (!exists.ok()) return fail(exists.error());
  if (!*exists) return fail(StorageError::kNotFound);
  return {};
}

// Reads (key_id, public_key) from the current row.
Result<PreKey, StorageError> prekey_from_row(const Statement& statement) {
  PreKey key;
  key.id = static_cast<std::uint32_t>(statement.column_int(0));
  if (!statement.column_into(1, key.public_key)) return fail(StorageError::kCorrupt);
  return key;
}

Result<std::size_t, StorageError> one_time_prekey_count_in(Connection& connection, DeviceAddress device) {
  Statement statement =
      connection.prepare("SELECT count(*) FROM one_time_prekeys WHERE account_id = ?1 AND device_id = ?2");
  auto row = statement.bind(1, to_column(device.account)).bind(2, to_column(device.device)).step();
  if (!row.ok()) return fail(row.error());
  return static_cast<std::size_t>(statement.column_int(0));
}

}  // namespace

Result<void, StorageError> Keys::set_signed_prekey(DeviceAddress device, const SignedPreKey& key) {
  return database_.write([&](Connection& connection) -> Result<void, StorageError> {
    HUSH_TRY(require_device(connection, device));
    return connection
        .prepare(
            "INSERT OR REPLACE INTO signed_prekeys (account_id, device_id, key_id, public_key, signature) "
            "VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind(1, to_column(device.account))
        .bind(2, to_column(device.device))
        .bind(3, std::int64_t{key.id})
        .bind(4, ByteView(key.public_key))
        .bind(5, ByteView(key.signature))
        .run();
  });
}

Result<SignedPreKey, StorageError> Keys::signed_prekey(DeviceAddress device) {
  return database_.read([&](Connection& connection) -> Result<SignedPreKey, StorageError> {
    Statement statement = connection.prepare(
        "SELECT key_id, public_key, signature FROM signed_prekeys WHERE account_id = ?1 AND device_id = ?2");
    auto row = statement.bind(1, to_column(device.account)).bind(2, to_column(device.device)).step();
    if (!row.ok()) return fail(row.error());
    if (!*row) return fail(StorageError::kNotFound);
    SignedPreKey key;
    key.id = static_cast<std::uint32_t>(statement.column_int(0));
    if (!statement.column_into(1, key.public_key) || !statement.column_into(2, key.signature)) {
      return fail(StorageError::kCorrupt);
    }
    return key;
  });
}

Result<void, StorageError> Keys::add_one_time_prekeys(DeviceAddress device, std::span<const PreKey> keys) {
  return database_.write([&](Connection& connection) -> Result<void, StorageError> {
    HUSH_TRY(require_device(connection, device));
    std::map<std::uint32_t, const PreKey*> added;
    for (const PreKey& key : keys) {
      auto [earlier, inserted] = added.emplace(key.id, &key);
      if (!inserted && *earlier->second != key) return fail(StorageError::kConflict);
    }
    for (auto it = added.begin(); it != added.end();) {
      Statement stored = connection.prepare(
          "SELECT key_id, public_key FROM one_time_prekeys WHERE account_id = ?1 AND device_id = ?2 AND key_id = ?3");
      auto row = stored.bind(1, to_column(device.account))
                     .bind(2, to_column(device.device))
                     .bind(3, std::int64_t{it->first})
                     .step();
      if (!row.ok()) return fail(row.error());
      if (!*row) {
        ++it;
        continue;
      }
      auto existing = prekey_from_row(stored);
      if (!existing.ok()) return fail(existing.error());
      if (*existing != *it->second) return fail(StorageError::kConflict);
      it = added.erase(it);  // an identical key from a retried upload
    }
    auto count = one_time_prekey_count_in(connection, device);
    if (!count.ok()) return fail(count.error());
    if (*count + added.size() > database_.limits().max_one_time_prekeys_per_device) {
      return fail(StorageError::kLimitExceeded);
    }
    for (const auto& [id, key] : added) {
      HUSH_TRY(connection
                   .prepare("INSERT INTO one_time_prekeys (account_id, device_id, key_id, public_key) "
                            "VALUES (?1, ?2, ?3, ?4)")
                   .bind(1, to_column(device.account))
                   .bind(2, to_column(device.device))
                   .bind(3, std::int64_t{id})
                   .bind(4, ByteView(key->public_key))
                   .run());
    }
    return {};
  });
}

Result<void, StorageError> Keys::set_last_resort_key(DeviceAddress device, const PreKey& key) {
  return database_.write([&](Connection& connection) -> Result<void, StorageError> {
    HUSH_TRY(require_device(connection, device));
    return connection
        .prepare(
            "INSERT OR REPLACE INTO last_resort_keys (account_id, device_id, key_id, public_key) "
            "VALUES (?1, ?2, ?3, ?4)")
        .bind(1, to_column(device.account))
        .bind(2, to_column(device.device))
        .bind(3, std::int64_t{key.id})
        .bind(4, ByteView(key.public_key))
        .run();
  });
}

Result<ClaimedPreKey, StorageError> Keys::claim_prekey(DeviceAddress device) {
  return database_.write([&](Connection& connection) -> Result<ClaimedPreKey, StorageError> {
    HUSH_TRY(require_device(connection, device));
    {
      Statement lowest = connection.prepare(
          "DELETE FROM one_time_prekeys WHERE account_id = ?1 AND device_id = ?2 AND key_id = "
          "(SELECT min(key_id) FROM one_time_prekeys WHERE account_id = ?1 AND device_id = ?2) "
          "RETURNING key_id, public_key");
      auto row = lowest.bind(1, to_column(device.account)).bind(2, to_column(device.device)).step();
      if (!row.ok()) return fail(row.error());
      if (*row) {
        auto key = prekey_from_row(lowest);
        if (!key.ok()) return fail(key.error());
        return ClaimedPreKey{*key, false};
      }
    }
    Statement last_resort =
        connection.prepare("SELECT key_id, public_key FROM last_resort_keys WHERE account_id = ?1 AND device_id = ?2");
    auto row = last_resort.bind(1, to_column(device.account)).bind(2, to_column(device.device)).step();
    if (!row.ok()) return fail(row.error());
    if (!*row) return fail(StorageError::kNotFound);
    auto key = prekey_from_row(last_resort);
    if (!key.ok()) return fail(key.error());
    return ClaimedPreKey{*key, true};
  });
}

Result<std::size_t, StorageError> Keys::one_time_prekey_count(DeviceAddress device) {
  return database_.read([&](Connection& connection) -> Result<std::size_t, StorageError> {
    HUSH_TRY(require_device(connection, device));
    return one_time_prekey_count_in(connection, device);
  });
}

}  // namespace hush::storage::sqlite
