// SQLite only: versioned schema migrations. A database written by version 1 (before media) is
// built here from a frozen copy of that schema, then opened and migrated by the current code.
#include <gtest/gtest.h>

#include "hush/crypto/hash.hpp"
#include "hush/storage/sqlite_storage.hpp"
#include "sqlite/raw_sqlite.hpp"
#include "storage_test_support.hpp"

namespace hush::storage::test {
namespace {

// Schema version 1 exactly as it was released: never edit (it is what old databases contain).
constexpr const char* kFrozenVersion1 = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1);
CREATE TABLE accounts (id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL, next_device_id INTEGER NOT NULL);
CREATE TABLE devices (account_id INTEGER NOT NULL, device_id INTEGER NOT NULL, registration_id INTEGER NOT NULL,
  identity_key BLOB NOT NULL, auth_key BLOB NOT NULL, created_at INTEGER NOT NULL,
  queue_depth INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (account_id, device_id)) WITHOUT ROWID;
CREATE TABLE invites (hash BLOB PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE signed_prekeys (account_id INTEGER NOT NULL, device_id INTEGER NOT NULL, key_id INTEGER NOT NULL,
  public_key BLOB NOT NULL, signature BLOB NOT NULL, PRIMARY KEY (account_id, device_id)) WITHOUT ROWID;
CREATE TABLE one_time_prekeys (account_id INTEGER NOT NULL, device_id INTEGER NOT NULL, key_id INTEGER NOT NULL,
  public_key BLOB NOT NULL, PRIMARY KEY (account_id, device_id, key_id)) WITHOUT ROWID;
CREATE TABLE last_resort_keys (account_id INTEGER NOT NULL, device_id INTEGER NOT NULL, key_id INTEGER NOT NULL,
  public_key BLOB NOT NULL, PRIMARY KEY (account_id, device_id)) WITHOUT ROWID;
CREATE TABLE messages (sequence INTEGER PRIMARY KEY AUTOINCREMENT, recipient_account INTEGER NOT NULL,
  recipient_device INTEGER NOT NULL, sender_account INTEGER, sender_device INTEGER, message_id BLOB NOT NULL,
  server_time INTEGER NOT NULL, expires_at INTEGER NOT NULL, ciphertext BLOB NOT NULL);
CREATE INDEX messages_by_recipient ON messages (recipient_account, recipient_device);
CREATE INDEX messages_by_expiry ON messages (expires_at);
CREATE TABLE message_dedup (recipient_account INTEGER NOT NULL, recipient_device INTEGER NOT NULL,
  sender_account INTEGER NOT NULL, sender_device INTEGER NOT NULL, message_id BLOB NOT NULL,
  retain_until INTEGER NOT NULL,
  PRIMARY KEY (recipient_account, recipient_device, sender_account, sender_device, message_id)) WITHOUT ROWID;
CREATE INDEX message_dedup_by_expiry ON message_dedup (retain_until);
)sql";

std::string hex_blob(ByteView bytes) {
  return "X'" + to_hex(bytes) + "'";
}

TEST(SqliteMigration, MigratesAVersion1DatabaseKeepingItsData) {
  ScratchFolder folder;
  const auto path = folder.path() / "hush.sqlite3";
  const Envelope queued = envelope({1, 1}, std::nullopt, 7, at(1000), 40);
  {
    RawSqlite raw(path);
    raw.exec(kFrozenVersion1);
    raw.exec("INSERT INTO accounts (username, created_at, next_device_id) VALUES ('alice', 0, 2)");
    raw.exec("INSERT INTO devices VALUES (1, 1, 1234, " + hex_blob(new_device(1).identity_key) + ", " +
             hex_blob(new_device(1).auth_key) + ", 0, 1)");
    raw.exec(
        "INSERT INTO messages (recipient_account, recipient_device, message_id, server_time, expires_at, "
        "ciphertext) VALUES (1, 1, " +
        hex_blob(queued.id) + ", " + std::to_string(queued.server_time.time_since_epoch().count()) + ", " +
        std::to_string(queued.expires_at.time_since_epoch().count()) + ", " + hex_blob(queued.ciphertext) + ")");
  }
  auto opened = open_sqlite_storage(folder.path());
  ASSERT_TRUE(opened.ok()) << to_string(opened.error());
  Storage& storage = **opened;

  auto account = storage.accounts().find_account("alice");
  ASSERT_TRUE(account.ok());
  EXPECT_EQ(storage.accounts().device({account->id, 1})->registration_id, 1234u);
  auto fetched = storage.messages().fetch({account->id, 1}, 0, 10);
  ASSERT_EQ(fetched->size(), 1u);
  EXPECT_EQ((*fetched)[0].envelope, queued);
  // What version 2 added works.
  const Bytes content = pattern(10, 1);
  ASSERT_TRUE(storage.media().create_upload(filled<16>(1), account->id, 10, at(0), at(100)).ok());
  ASSERT_TRUE(storage.media().append(filled<16>(1), 0, content).ok());
  ASSERT_TRUE(storage.media().finish(filled<16>(1), crypto::sha256(content)).ok());
  opened->reset();
  EXPECT_EQ(RawSqlite(path).query("SELECT version FROM schema_version"), std::to_string(kSqliteSchemaVersion));
}

TEST(SqliteMigration, RefusesADatabaseFromANewerVersion) {
  ScratchFolder folder;
  {
    RawSqlite raw(folder.path() / "hush.sqlite3");
    raw.exec("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (99)");
  }
  auto opened = open_sqlite_storage(folder.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error(), StorageError::kIncompatibleSchema);
  EXPECT_EQ(RawSqlite(folder.path() / "hush.sqlite3").query("SELECT version FROM schema_version"), "99");
}

TEST(SqliteMigration, RefusesTheDatabaseOfAnotherProgram) {
  ScratchFolder folder;
  { RawSqlite(folder.path() / "hush.sqlite3").exec("CREATE TABLE contacts (name TEXT)"); }
  auto opened = open_sqlite_storage(folder.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error(), StorageError::kCorrupt);
}

}  // namespace
}  // namespace hush::storage::test
