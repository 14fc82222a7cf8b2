// The `account` row: one per store, the auth key sealed and bound to the row (RowName "account", 1).
#include "account_record.hpp"

#include "hush/client/store/row_name.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::client::detail {

namespace {

// Bounds on what a stored row may hold: the server's username rule is [a-z0-9_.]{3,32}; a DNS
// name is at most 253 bytes; a path at most PATH_MAX.
constexpr std::size_t kMaxStoredUsername = 32;
constexpr std::size_t kMaxStoredHost = 253;
constexpr std::size_t kMaxStoredPath = 4096;
constexpr std::size_t kAuthKeySize = 64;  // libsodium's Ed25519 secret key: seed ‖ public key

RowName auth_key_row() {
  return std::move(RowName("account").add(std::uint32_t{1}));
}

}  // namespace

Result<void, StoreError> insert_account(StoreTransaction& transaction, const AccountRecord& record) {
  const Bytes sealed = transaction.seal(auth_key_row(), record.auth_key.secret_key.view());
  return transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto insert = db.prepare(
        "INSERT INTO account (id, username, server_host, server_port, server_pin, server_ca_file, device_id, "
        "next_prekey_id, signed_prekey_id, last_resort_id, record) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
        "?10)");
    insert.bind(1, std::string_view(record.username))
        .bind(2, std::string_view(record.server.address.host))
        .bind(3, std::int64_t{record.server.address.port});
    std::string ca_path;
    if (const auto* pin = std::get_if<PinnedCertificate>(&record.server.trust)) {
      insert.bind(4, ByteView(pin->fingerprint)).bind_null(5);
    } else {
      ca_path = std::get<CaFile>(record.server.trust).path.string();
      insert.bind_null(4).bind(5, std::string_view(ca_path));
    }
    insert.bind(6, std::int64_t{record.device_id})
        .bind(7, std::int64_t{record.next_prekey_id})
        .bind(8, std::int64_t{record.signed_prekey_id})
        .bind(9, std::int64_t{record.last_resort_id})
        .bind(10, ByteView(sealed));
    return insert.run();
  });
}

Result<std::optional<AccountRecord>, StoreError> load_account(StoreTransaction& transaction) {
  std::optional<AccountRecord> found;
  auto loaded = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare(
        "SELECT username, server_host, server_port, server_pin, server_ca_file, device_id, next_prekey_id, "
        "signed_prekey_id, last_resort_id, record FROM account WHERE id = 1");
    auto row = select.step();
    if (!row.ok()) return fail(row.error());
    if (!*row) return {};
    if (select.column_size(0) > kMaxStoredUsername || select.column_size(1) > kMaxStoredHost ||
        select.column_size(4) > kMaxStoredPath) {
      return fail(StoreError::kCorrupt);
    }
    AccountRecord record;
    record.username = select.column_text(0);
    record.server.address.host = select.column_text(1);
    const std::int64_t port = select.column_int(2);
    if (port <= 0 || port > 65535) return fail(StoreError::kCorrupt);
    record.server.address.port = static_cast<std::uint16_t>(port);
    if (!select.column_is_null(3)) {
      PinnedCertificate pin;
      if (!select.column_into(3, pin.fingerprint)) return fail(StoreError::kCorrupt);
      record.server.trust = pin;
    } else {
      record.server.trust = CaFile{select.column_text(4)};
    }
    auto id_column = [&](int index) -> std::optional<std::uint32_t> {
      const std::int64_t value = select.column_int(index);
      if (value < 0 || value > 0xFFFFFFFF) return std::nullopt;
      return static_cast<std::uint32_t>(value);
    };
    const auto device = id_column(5), next = id_column(6), signed_id = id_column(7), last_resort = id_column(8);
    if (!device || !next || !signed_id || !last_resort) return fail(StoreError::kCorrupt);
    record.device_id = *device;
    record.next_prekey_id = *next;
    record.signed_prekey_id = *signed_id;
    record.last_resort_id = *last_resort;
    auto secret = transaction.open(auth_key_row(), select.column_view(9), kAuthKeySize);
    if (!secret.ok()) return fail(secret.error());
    if (secret->size() != kAuthKeySize || !record.auth_key.secret_key.assign(secret->view())) {
      return fail(StoreError::kCorrupt);
    }
    std::copy(secret->view().begin() + 32, secret->view().end(), record.auth_key.public_key.begin());
    found = std::move(record);
    return {};
  });
  if (!loaded.ok()) return fail(loaded.error());
  return found;
}

Result<void, StoreError> save_device_id(StoreTransaction& transaction, std::uint32_t device_id) {
  return transaction.run([&](StoreConnection& db) {
    return db.prepare("UPDATE account SET device_id = ?1 WHERE id = 1").bind(1, std::int64_t{device_id}).run();
  });
}

Result<void, StoreError> save_next_prekey_id(StoreTransaction& transaction, std::uint32_t next_prekey_id) {
  return transaction.run([&](StoreConnection& db) {
    return db.prepare("UPDATE account SET next_prekey_id = ?1 WHERE id = 1")
        .bind(1, std::int64_t{next_prekey_id})
        .run();
  });
}

}  // namespace hush::client::detail
