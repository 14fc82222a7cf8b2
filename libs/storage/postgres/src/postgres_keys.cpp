// The PostgreSQL backend's key directory. A claim deletes the lowest one-time key it can lock,
// skipping keys that concurrent claims (on any node) hold: no two claims share a key and none waits
// for another. Uploads to one device take turns on its device row, so its stock limit holds.
#include <map>

#include "database.hpp"

namespace hush::storage::postgres {
namespace {

Result<void, StorageError> require_device(Connection& connection, DeviceAddress device) {
  auto exists = device_exists(connection, device);
  if (!exists.ok()) return fail(exists.error());
  if (!*exists) return fail(StorageError::kNotFound);
  return {};
}

// From a row of (key_id, public_key).
Result<PreKey, StorageError> prekey_from_row(const Rows& rows, int row) {
  PreKey key;
  key.id = static_cast<std::uint32_t>(rows.integer_or_zero(row, 0));
  if (!rows.bytes_into(row, 1, key.public_key)) return fail(StorageError::kCorrupt);
  return key;
}

Result<std::size_t, StorageError> one_time_prekey_count_in(Connection& connection, DeviceAddress device) {
  auto rows = connection.run("SELECT count(*) FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2",
                             Params().integer(device.account).integer(device.device));
  if (!rows.ok()) return fail(rows.error());
  return static_cast<std::size_t>(rows->integer_or_zero(0, 0));
}

}  // namespace

Result<void, StorageError> Keys::set_signed_prekey(DeviceAddress device, const SignedPreKey& key) {
  return database_.transact([&](Transaction& transaction) -> Result<void, StorageError> {
    HUSH_TRY(require_device(transaction.connection(), device));
    HUSH_TRY(transaction.connection().run(
        "INSERT INTO signed_prekeys (account_id, device_id, key_id, public_key, signature) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, device_id) DO UPDATE "
        "SET key_id = excluded.key_id, public_key = excluded.public_key, signature = excluded.signature",
        Params()
            .integer(device.account)
            .integer(device.device)
            .integer(key.id)
            .bytes(key.public_key)
            .bytes(key.signature)));
    return {};
  });
}

Result<SignedPreKey, StorageError> Keys::signed_prekey(DeviceAddress device) {
  return database_.read([&](Connection& connection) -> Result<SignedPreKey, StorageError> {
    auto rows = connection.run(
        "SELECT key_id, public_key, signature FROM signed_prekeys WHERE account_id = $1 AND device_id = $2",
        Params().integer(device.account).integer(device.device));
    if (!rows.ok()) return fail(rows.error());
    if (rows->empty()) return fail(StorageError::kNotFound);
    SignedPreKey key;
    key.id = static_cast<std::uint32_t>(rows->integer_or_zero(0, 0));
    if (!rows->bytes_into(0, 1, key.public_key) || !rows->bytes_into(0, 2, key.signature)) {
      return fail(StorageError::kCorrupt);
    }
    return key;
  });
}

Result<void, StorageError> Keys::add_one_time_prekeys(DeviceAddress device, std::span<const PreKey> keys) {
  std::map<std::uint32_t, const PreKey*> added;
  for (const PreKey& key : keys) {
    auto [earlier, inserted] = added.emplace(key.id, &key);
    if (!inserted && *earlier->second != key) return fail(StorageError::kConflict);
  }
  return database_.transact([&](Transaction& transaction) -> Result<void, StorageError> {
    Connection& connection = transaction.connection();
    // The device's row lock (as a queue writer takes it): concurrent uploads count one at a time.
    auto locked = lock_devices(connection, {device});
    if (!locked.ok()) return fail(locked.error());
    if (locked->empty()) return fail(StorageError::kNotFound);
    std::map<std::uint32_t, const PreKey*> fresh = added;
    std::vector<std::int64_t> ids;
    for (const auto& [id, key] : fresh) ids.push_back(std::int64_t{id});
    auto stored = connection.run(
        "SELECT key_id, public_key FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2 "
        "AND key_id = ANY($3::int8[])",
        Params().integer(device.account).integer(device.device).integers(ids));
    if (!stored.ok()) return fail(stored.error());
    for (int row = 0; row < stored->size(); ++row) {
      auto existing = prekey_from_row(*stored, row);
      if (!existing.ok()) return fail(existing.error());
      auto same_id = fresh.find(existing->id);
      if (same_id == fresh.end()) return fail(StorageError::kCorrupt);
      if (*existing != *same_id->second) return fail(StorageError::kConflict);
      fresh.erase(same_id);  // an identical key from a retried upload
    }
    auto count = one_time_prekey_count_in(connection, device);
    if (!count.ok()) return fail(count.error());
    if (*count + fresh.size() > database_.limits().max_one_time_prekeys_per_device) {
      return fail(StorageError::kLimitExceeded);
    }
    if (fresh.empty()) return {};
    std::vector<std::int64_t> fresh_ids;
    std::vector<ByteView> public_keys;
    for (const auto& [id, key] : fresh) {
      fresh_ids.push_back(std::int64_t{id});
      public_keys.push_back(key->public_key);
    }
    HUSH_TRY(connection.run(
        "INSERT INTO one_time_prekeys (account_id, device_id, key_id, public_key) "
        "SELECT $1, $2, key_id, public_key FROM unnest($3::int8[], $4::bytea[]) AS added (key_id, public_key)",
        Params().integer(device.account).integer(device.device).integers(fresh_ids).byte_arrays(public_keys)));
    return {};
  });
}

Result<void, StorageError> Keys::set_last_resort_key(DeviceAddress device, const PreKey& key) {
  return database_.transact([&](Transaction& transaction) -> Result<void, StorageError> {
    HUSH_TRY(require_device(transaction.connection(), device));
    HUSH_TRY(transaction.connection().run(
        "INSERT INTO last_resort_keys (account_id, device_id, key_id, public_key) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (account_id, device_id) DO UPDATE SET key_id = excluded.key_id, public_key = excluded.public_key",
        Params().integer(device.account).integer(device.device).integer(key.id).bytes(key.public_key)));
    return {};
  });
}

Result<ClaimedPreKey, StorageError> Keys::claim_prekey(DeviceAddress device) {
  return database_.transact([&](Transaction& transaction) -> Result<ClaimedPreKey, StorageError> {
    Connection& connection = transaction.connection();
    HUSH_TRY(require_device(connection, device));
    const Params address = Params().integer(device.account).integer(device.device);
    // SKIP LOCKED: a key another claim is taking is passed over, so claims on any number of nodes
    // each take a different key without waiting; the lowest free id goes first.
    auto claimed = connection.run(
        "DELETE FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2 AND key_id = "
        "(SELECT key_id FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2 "
        "ORDER BY key_id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING key_id, public_key",
        address);
    if (!claimed.ok()) return fail(claimed.error());
    if (!claimed->empty()) {
      auto key = prekey_from_row(*claimed, 0);
      if (!key.ok()) return fail(key.error());
      // The node holding the device's connection tells it when its stock runs low (keys_low).
      transaction.wake(WakeKind::kKeysClaimed, device);
      return ClaimedPreKey{*key, false};
    }
    auto last_resort = connection.run(
        "SELECT key_id, public_key FROM last_resort_keys WHERE account_id = $1 AND device_id = $2", address);
    if (!last_resort.ok()) return fail(last_resort.error());
    if (last_resort->empty()) return fail(StorageError::kNotFound);
    auto key = prekey_from_row(*last_resort, 0);
    if (!key.ok()) return fail(key.error());
    return ClaimedPreKey{*key, true};
  });
}

Result<std::size_t, StorageError> Keys::one_time_prekey_count(DeviceAddress device) {
  return database_.read([&](Connection& connection) -> Result<std::size_t, StorageError> {
    auto rows = connection.run(
        "SELECT (SELECT count(*) FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2), "
        "EXISTS (SELECT 1 FROM devices WHERE account_id = $1 AND device_id = $2)",
        Params().integer(device.account).integer(device.device));
    if (!rows.ok()) return fail(rows.error());
    if (rows->integer_or_zero(0, 1) == 0) return fail(StorageError::kNotFound);
    return static_cast<std::size_t>(rows->integer_or_zero(0, 0));
  });
}

}  // namespace hush::storage::postgres
