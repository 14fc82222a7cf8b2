// The database file: set up from an empty file, WAL mode, its schema version recorded; a newer
// version, another program's SQLite database and a file that is not SQLite are refused by name.
#include <gtest/gtest.h>

#include <fstream>

#include "store_test_support.hpp"

namespace hush::client::test {
namespace {

Result<std::unique_ptr<ClientStore>, StoreError> create_store(const std::filesystem::path& home) {
  crypto::SeededRng rng(41);
  return ClientStore::create(home, passphrase("pass"), protocol::IdentityKeyPair::generate(rng), 7, cheap_options());
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(StoreSchema, EmptyFileIsMigratedFromScratch) {
  ScratchFolder home;
  const auto path = home.path() / "store.sqlite3";
  write_text(path, "");
  // open() leaves an empty file alone: it was never set up.
  EXPECT_EQ(ClientStore::open(home.path(), passphrase("pass"), cheap_options()).error(), StoreError::kNotFound);
  EXPECT_EQ(std::filesystem::file_size(path), 0u);

  ASSERT_TRUE(create_store(home.path()).ok());
  RawDatabase raw(path);
  EXPECT_EQ(raw.query("SELECT version FROM schema_version"), std::to_string(kClientStoreSchemaVersion));
  EXPECT_EQ(raw.query("PRAGMA journal_mode"), "wal");
  for (const char* table :
       {"store_key", "local_identity", "identities", "prekeys", "signed_prekeys", "sessions", "sender_keys"}) {
    EXPECT_EQ(raw.query(std::string("SELECT count(*) FROM sqlite_schema WHERE name = '") + table + "'"), "1") << table;
  }
  EXPECT_TRUE(ClientStore::open(home.path(), passphrase("pass"), cheap_options()).ok());
  EXPECT_EQ(raw.query("SELECT version FROM schema_version"), std::to_string(kClientStoreSchemaVersion));
}

TEST(StoreSchema, NewerVersionIsRefused) {
  ScratchFolder home;
  ASSERT_TRUE(create_store(home.path()).ok());
  RawDatabase(home.path() / "store.sqlite3").exec("UPDATE schema_version SET version = 99");
  EXPECT_EQ(ClientStore::open(home.path(), passphrase("pass"), cheap_options()).error(),
            StoreError::kIncompatibleSchema);
}

TEST(StoreSchema, AnotherProgramsDatabaseIsRefused) {
  ScratchFolder home;
  {
    auto foreign = StoreConnection::open(home.path() / "store.sqlite3", sqlite::OpenMode::kCreatePrivate,
                                         std::chrono::milliseconds(100));
    ASSERT_TRUE(foreign.ok());
    ASSERT_TRUE((*foreign)->exec("CREATE TABLE bookmarks (url TEXT)").ok());
  }
  EXPECT_EQ(create_store(home.path()).error(), StoreError::kCorrupt);
  EXPECT_EQ(ClientStore::open(home.path(), passphrase("pass"), cheap_options()).error(), StoreError::kCorrupt);
  RawDatabase raw(home.path() / "store.sqlite3");
  EXPECT_EQ(raw.query("PRAGMA journal_mode"), "delete") << "refused as it was found";
  EXPECT_EQ(raw.query("SELECT count(*) FROM sqlite_schema"), "1");
}

TEST(StoreSchema, FileThatIsNotSqliteIsRefused) {
  ScratchFolder home;
  write_text(home.path() / "store.sqlite3", std::string(8192, 'x'));
  EXPECT_EQ(create_store(home.path()).error(), StoreError::kCorrupt);
  EXPECT_EQ(ClientStore::open(home.path(), passphrase("pass"), cheap_options()).error(), StoreError::kCorrupt);
}

TEST(StoreSchema, HalfCreatedStoreCanBeCreatedAgain) {
  ScratchFolder home;
  // What a create() leaves when it stops after the schema (a crash before its transaction
  // committed, a failed key derivation): the tables, without the key row and the identity.
  ASSERT_TRUE(create_store(home.path()).ok());
  RawDatabase(home.path() / "store.sqlite3").exec("DELETE FROM store_key; DELETE FROM local_identity");
  EXPECT_EQ(ClientStore::open(home.path(), passphrase("pass"), cheap_options()).error(), StoreError::kNotFound);
  EXPECT_TRUE(create_store(home.path()).ok());
}

TEST(StoreSchema, VersionTwoStoreIsMigratedToThreeKeepingItsMessages) {
  ScratchFolder home;
  const auto path = home.path() / "store.sqlite3";
  ASSERT_TRUE(create_store(home.path()).ok());
  {
    // Turn the new store back into what version 2 left: its messages table without the columns
    // version 3 added, none of the new tables, and two messages (one each way).
    RawDatabase raw(path);
    raw.exec(
        "DROP TABLE outbox; DROP TABLE attachments; DROP TABLE contacts; DROP TABLE identity_changes; "
        "DROP TABLE held_envelopes; DROP TABLE groups; DROP TABLE group_key_shares; DROP TABLE group_receipts; "
        "DROP INDEX messages_by_expiry; ALTER TABLE messages DROP COLUMN expire_timer; "
        "ALTER TABLE messages DROP COLUMN expires_ms; ALTER TABLE messages DROP COLUMN state; ALTER TABLE "
        "messages DROP COLUMN failure; ALTER TABLE messages DROP COLUMN detail; UPDATE schema_version SET "
        "version = 2; "
        "INSERT INTO messages VALUES (1, 'bob', 0, x'00', 1, 1, 'text', x'00'); "
        "INSERT INTO messages VALUES (0, 'bob', 1, x'01', 2, 2, 'text', x'00');");
  }
  ASSERT_TRUE(ClientStore::open(home.path(), passphrase("pass"), cheap_options()).ok());
  RawDatabase raw(path);
  EXPECT_EQ(raw.query("SELECT version FROM schema_version"), std::to_string(kClientStoreSchemaVersion));
  // Sent messages were accepted by the server under version 2; received ones were stored.
  EXPECT_EQ(raw.query("SELECT group_concat(state || failure, ',') FROM (SELECT * FROM messages ORDER BY rowid)"),
            "1,5");
  for (const char* table : {"outbox", "attachments", "contacts", "identity_changes", "held_envelopes"}) {
    EXPECT_EQ(raw.query(std::string("SELECT count(*) FROM ") + table), "0") << table;
  }
}

TEST(StoreSchema, VersionThreeStoreIsMigratedWithNoTimersAndNoGroups) {
  ScratchFolder home;
  const auto path = home.path() / "store.sqlite3";
  ASSERT_TRUE(create_store(home.path()).ok());
  {
    // What version 3 left: no timer columns, a message and a contact.
    RawDatabase raw(path);
    raw.exec(
        "DROP INDEX messages_by_expiry; ALTER TABLE messages DROP COLUMN expire_timer; ALTER TABLE messages DROP "
        "COLUMN expires_ms; ALTER TABLE contacts DROP COLUMN expire_timer; DROP TABLE groups; "
        "DROP TABLE group_key_shares; DROP TABLE group_receipts; "
        "UPDATE schema_version SET version = 3; "
        "INSERT INTO messages (direction, peer, peer_device, message_id, timestamp_ms, stored_ms, kind, record) "
        "VALUES (0, 'bob', 1, x'01', 2, 2, 'text', x'00'); "
        "INSERT INTO contacts (name, added_ms) VALUES ('bob', 1);");
  }
  ASSERT_TRUE(ClientStore::open(home.path(), passphrase("pass"), cheap_options()).ok());
  RawDatabase raw(path);
  EXPECT_EQ(raw.query("SELECT version FROM schema_version"), std::to_string(kClientStoreSchemaVersion));
  // Nothing written before timers existed disappears.
  EXPECT_EQ(raw.query("SELECT expire_timer || ',' || expires_ms FROM messages"), "0,0");
  EXPECT_EQ(raw.query("SELECT expire_timer FROM contacts"), "0");
  // Then version 5: no group yet.
  EXPECT_EQ(raw.query("SELECT count(*) FROM groups"), "0");
}

}  // namespace
}  // namespace hush::client::test
