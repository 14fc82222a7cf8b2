// The client database's schema, version by version.
//
// Choices, for whoever adds a migration:
// - Every secret (and every value whose integrity the user relies on, such as a trusted identity
//   key) is one sealed BLOB column named `record` (record_cipher.hpp), bound to the row's key
//   columns; the key columns are in clear, since rows are looked up by them.
// - Names and group ids are BLOBs compared byte for byte: a name is whatever bytes the protocol
//   address holds, with no text collation or encoding step.
// - Tables hold large rows (session records), so they keep SQLite's rowid and index their key,
//   rather than WITHOUT ROWID (meant for small rows).
// - Columns added by a later version come last in their table, with the default old rows get.
#include "schema.hpp"

#include <array>

#include "hush/client/store/client_store.hpp"

namespace hush::client::detail {
namespace {

// Version 1: the unlock row, the device's own identity, and the five protocol stores.
//   store_key: one row. method 1 = passphrase (salt and Argon2id cost set), 2 = key file (NULLs);
//   wrapped_key is the data key sealed under the unlock key (the check value a wrong passphrase fails).
constexpr const char* kVersion1 = R"sql(
CREATE TABLE store_key (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  method INTEGER NOT NULL,
  salt BLOB,
  kdf_operations INTEGER,
  kdf_memory INTEGER,
  wrapped_key BLOB NOT NULL
);
CREATE TABLE local_identity (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  record BLOB NOT NULL
);
CREATE TABLE identities (
  name BLOB NOT NULL,
  device_id INTEGER NOT NULL,
  record BLOB NOT NULL,
  PRIMARY KEY (name, device_id)
);
CREATE TABLE prekeys (
  id INTEGER PRIMARY KEY,
  record BLOB NOT NULL
);
CREATE TABLE signed_prekeys (
  id INTEGER PRIMARY KEY,
  record BLOB NOT NULL
);
CREATE TABLE sessions (
  name BLOB NOT NULL,
  device_id INTEGER NOT NULL,
  record BLOB NOT NULL,
  PRIMARY KEY (name, device_id)
);
CREATE TABLE sender_keys (
  group_id BLOB NOT NULL,
  sender_name BLOB NOT NULL,
  sender_device INTEGER NOT NULL,
  record BLOB NOT NULL,
  PRIMARY KEY (group_id, sender_name, sender_device)
);
)sql";

constexpr std::array<sqlite::Migration, 1> kMigrations{{{1, kVersion1}}};
static_assert(kMigrations.back().version == kClientStoreSchemaVersion);

}  // namespace

std::span<const sqlite::Migration> client_migrations() {
  return kMigrations;
}

}  // namespace hush::client::detail
