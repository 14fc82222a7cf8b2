// SQLite only: versioned schema migrations. Databases written by version 1 (before media),
// version 2 (before device names and message types), version 3 (before delivery failure notices)
// and version 4 (before fan-out bodies) are built here from frozen copies of those schemas, then
// opened and migrated by the current code.
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

// What version 2 added to version 1, exactly as released: never edit.
constexpr const char* kFrozenVersion2Additions = R"sql(
UPDATE schema_version SET version = 2;
CREATE TABLE media_uploads (id BLOB PRIMARY KEY, owner INTEGER NOT NULL, declared_size INTEGER NOT NULL,
  committed_offset INTEGER NOT NULL, last_chunk_offset INTEGER NOT NULL, complete INTEGER NOT NULL, digest BLOB,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX media_uploads_by_owner ON media_uploads (owner);
CREATE INDEX media_uploads_by_expiry ON media_uploads (expires_at);
CREATE TABLE media_chunks (upload_id BLOB NOT NULL, chunk_offset INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (upload_id, chunk_offset));
)sql";

// What version 3 added to version 2, exactly as released: never edit.
constexpr const char* kFrozenVersion3Additions = R"sql(
UPDATE schema_version SET version = 3;
ALTER TABLE devices ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN type INTEGER NOT NULL DEFAULT 0;
)sql";

// What version 4 added to version 3, exactly as released: never edit.
constexpr const char* kFrozenVersion4Additions = R"sql(
UPDATE schema_version SET version = 4;
CREATE TABLE delivery_failures (id INTEGER PRIMARY KEY AUTOINCREMENT, sender_account INTEGER NOT NULL,
  sender_device INTEGER NOT NULL, recipient_account INTEGER NOT NULL, recipient_device INTEGER NOT NULL,
  message_id BLOB NOT NULL, reason INTEGER NOT NULL);
CREATE INDEX delivery_failures_by_sender ON delivery_failures (sender_account, sender_device, id);
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

std::string column(Timestamp time) {
  return std::to_string(time.time_since_epoch().count());
}

TEST(SqliteMigration, MigratesAVersion2DatabaseKeepingItsData) {
  ScratchFolder folder;
  const auto path = folder.path() / "hush.sqlite3";
  // As a version 2 hushd queued it: alice (1, 1) to bob (2, 1), the message type in the first
  // ciphertext byte. The migration must keep those bytes exactly.
  Envelope queued = envelope({2, 1}, DeviceAddress{1, 1}, 7, at(1000), 40);
  queued.ciphertext[0] = 3;
  const Bytes media_content = pattern(10, 1);
  const MediaId media_id = filled<16>(1);
  const InviteHash invite = filled<32>(9);
  {
    RawSqlite raw(path);
    raw.exec(std::string(kFrozenVersion1) + kFrozenVersion2Additions);
    raw.exec("INSERT INTO accounts (username, created_at, next_device_id) VALUES ('alice', 0, 2), ('bob', 0, 2)");
    raw.exec("INSERT INTO devices VALUES (1, 1, 1234, " + hex_blob(new_device(1).identity_key) + ", " +
             hex_blob(new_device(1).auth_key) + ", 0, 0), (2, 1, 5678, " + hex_blob(new_device(2).identity_key) + ", " +
             hex_blob(new_device(2).auth_key) + ", 0, 1)");
    raw.exec(
        "INSERT INTO messages (recipient_account, recipient_device, sender_account, sender_device, message_id, "
        "server_time, expires_at, ciphertext) VALUES (2, 1, 1, 1, " +
        hex_blob(queued.id) + ", " + column(queued.server_time) + ", " + column(queued.expires_at) + ", " +
        hex_blob(queued.ciphertext) + ")");
    raw.exec("INSERT INTO message_dedup VALUES (2, 1, 1, 1, " + hex_blob(queued.id) + ", " + column(queued.expires_at) +
             ")");
    raw.exec("INSERT INTO invites VALUES (" + hex_blob(invite) + ", " + column(at(500)) + ")");
    raw.exec("INSERT INTO media_uploads VALUES (" + hex_blob(media_id) + ", 1, 10, 10, 0, 1, " +
             hex_blob(crypto::sha256(media_content)) + ", 0, " + column(at(500)) + ")");
    raw.exec("INSERT INTO media_chunks VALUES (" + hex_blob(media_id) + ", 0, " + hex_blob(media_content) + ")");
  }
  auto opened = open_sqlite_storage(folder.path());
  ASSERT_TRUE(opened.ok()) << to_string(opened.error());
  Storage& storage = **opened;

  // Existing rows are intact; what version 3 added reads as its documented default.
  auto alice = storage.accounts().device({1, 1});
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->registration_id, 1234u);
  EXPECT_EQ(alice->identity_key, new_device(1).identity_key);
  EXPECT_EQ(alice->auth_key, new_device(1).auth_key);
  EXPECT_EQ(alice->name, "");
  auto fetched = storage.messages().fetch({2, 1}, 0, 10);
  ASSERT_TRUE(fetched.ok());
  ASSERT_EQ(fetched->size(), 1u);
  EXPECT_EQ((*fetched)[0].envelope.type, EnvelopeType::kUnknown);
  EXPECT_EQ((*fetched)[0].envelope.ciphertext, queued.ciphertext);
  EXPECT_EQ((*fetched)[0].envelope, queued);
  EXPECT_EQ(*storage.messages().depth({2, 1}), 1u);
  auto again = storage.messages().enqueue(std::vector<Envelope>{queued});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0]->status, EnqueueStatus::kDuplicate);
  EXPECT_EQ(storage.media().upload(media_id)->state, UploadState::kComplete);
  EXPECT_EQ(*storage.media().read(media_id, 0, 10), media_content);

  // What version 3 added works on the migrated database.
  auto carol = storage.accounts().create_account_with_device("carol", invite, new_device(3), at(1));
  ASSERT_TRUE(carol.ok()) << to_string(carol.error());
  EXPECT_EQ(storage.accounts().device({carol->account.id, 1})->name, new_device(3).name);
  auto second = storage.accounts().add_device(1, new_device(4), at(1));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->id, 2u);
  EXPECT_EQ(storage.accounts().list_devices(1)->back().name, new_device(4).name);
  Envelope typed = envelope({1, 1}, DeviceAddress{2, 1}, 8);
  typed.type = EnvelopeType::kPreKeySignalMessage;
  ASSERT_TRUE(storage.messages().enqueue(std::vector<Envelope>{typed}).ok());
  EXPECT_EQ(storage.messages().fetch({1, 1}, 0, 10)->at(0).envelope.type, EnvelopeType::kPreKeySignalMessage);
  opened->reset();
  EXPECT_EQ(RawSqlite(path).query("SELECT version FROM schema_version"), std::to_string(kSqliteSchemaVersion));
}

TEST(SqliteMigration, MigratesAVersion3DatabaseAndRecordsDeliveryFailureNotices) {
  ScratchFolder folder;
  const auto path = folder.path() / "hush.sqlite3";
  // As a version 3 hushd queued it: alice (1, 1) to bob (2, 1), with its type column.
  Envelope queued = envelope({2, 1}, DeviceAddress{1, 1}, 7, at(1000), 40);
  queued.type = EnvelopeType::kSignalMessage;
  {
    RawSqlite raw(path);
    raw.exec(std::string(kFrozenVersion1) + kFrozenVersion2Additions + kFrozenVersion3Additions);
    raw.exec("INSERT INTO accounts (username, created_at, next_device_id) VALUES ('alice', 0, 2), ('bob', 0, 2)");
    raw.exec("INSERT INTO devices VALUES (1, 1, 1234, " + hex_blob(new_device(1).identity_key) + ", " +
             hex_blob(new_device(1).auth_key) + ", 0, 0, 'laptop'), (2, 1, 5678, " +
             hex_blob(new_device(2).identity_key) + ", " + hex_blob(new_device(2).auth_key) + ", 0, 1, 'phone')");
    raw.exec(
        "INSERT INTO messages (recipient_account, recipient_device, sender_account, sender_device, message_id, "
        "server_time, expires_at, ciphertext, type) VALUES (2, 1, 1, 1, " +
        hex_blob(queued.id) + ", " + column(queued.server_time) + ", " + column(queued.expires_at) + ", " +
        hex_blob(queued.ciphertext) + ", 2)");
    raw.exec("INSERT INTO message_dedup VALUES (2, 1, 1, 1, " + hex_blob(queued.id) + ", " + column(queued.expires_at) +
             ")");
  }
  NoticeId notice = 0;
  {
    auto opened = open_sqlite_storage(folder.path());
    ASSERT_TRUE(opened.ok()) << to_string(opened.error());
    Storage& storage = **opened;
    EXPECT_EQ(storage.accounts().device({1, 1})->name, "laptop");
    auto fetched = storage.messages().fetch({2, 1}, 0, 10);
    ASSERT_TRUE(fetched.ok());
    ASSERT_EQ(fetched->size(), 1u);
    EXPECT_EQ((*fetched)[0].envelope, queued);
    // What version 4 added: a notice for the sender of the old envelope when it expires.
    EXPECT_TRUE(storage.messages().pending_notices({1, 1}, 0, 10)->empty());
    auto expired = storage.messages().expire(queued.expires_at, 10);
    ASSERT_TRUE(expired.ok());
    ASSERT_EQ(expired->size(), 1u);
    notice = (*expired)[0].notice;
    EXPECT_NE(notice, 0u);
  }
  EXPECT_EQ(RawSqlite(path).query("SELECT version FROM schema_version"), std::to_string(kSqliteSchemaVersion));
  // The notice is durable: it is there after reopening, until removed.
  auto reopened = open_sqlite_storage(folder.path());
  ASSERT_TRUE(reopened.ok()) << to_string(reopened.error());
  const std::vector<DeliveryFailureNotice> expected{
      {notice, DeviceAddress{2, 1}, queued.id, DeliveryFailureReason::kExpired}};
  EXPECT_EQ(*(*reopened)->messages().pending_notices({1, 1}, 0, 10), expected);
  EXPECT_EQ(*(*reopened)->messages().remove_notices({1, 1}, std::vector<NoticeId>{notice}), 1u);
  EXPECT_TRUE((*reopened)->messages().pending_notices({1, 1}, 0, 10)->empty());
}

TEST(SqliteMigration, MigratesAVersion4DatabaseAndFansOut) {
  ScratchFolder folder;
  const auto path = folder.path() / "hush.sqlite3";
  // As a version 4 hushd queued it: alice (1, 1) to bob (2, 1), and a notice for alice.
  Envelope queued = envelope({2, 1}, DeviceAddress{1, 1}, 7, at(1000), 40);
  queued.type = EnvelopeType::kSignalMessage;
  {
    RawSqlite raw(path);
    raw.exec(std::string(kFrozenVersion1) + kFrozenVersion2Additions + kFrozenVersion3Additions +
             kFrozenVersion4Additions);
    raw.exec("INSERT INTO accounts (username, created_at, next_device_id) VALUES ('alice', 0, 2), ('bob', 0, 2)");
    raw.exec("INSERT INTO devices VALUES (1, 1, 1234, " + hex_blob(new_device(1).identity_key) + ", " +
             hex_blob(new_device(1).auth_key) + ", 0, 0, 'laptop'), (2, 1, 5678, " +
             hex_blob(new_device(2).identity_key) + ", " + hex_blob(new_device(2).auth_key) + ", 0, 1, 'phone')");
    raw.exec(
        "INSERT INTO messages (recipient_account, recipient_device, sender_account, sender_device, message_id, "
        "server_time, expires_at, ciphertext, type) VALUES (2, 1, 1, 1, " +
        hex_blob(queued.id) + ", " + column(queued.server_time) + ", " + column(queued.expires_at) + ", " +
        hex_blob(queued.ciphertext) + ", 2)");
    raw.exec("INSERT INTO message_dedup VALUES (2, 1, 1, 1, " + hex_blob(queued.id) + ", " + column(queued.expires_at) +
             ")");
    raw.exec(
        "INSERT INTO delivery_failures (sender_account, sender_device, recipient_account, recipient_device, "
        "message_id, reason) VALUES (1, 1, 2, 1, " +
        hex_blob(message_id(3)) + ", 1)");
  }
  auto opened = open_sqlite_storage(folder.path());
  ASSERT_TRUE(opened.ok()) << to_string(opened.error());
  Storage& storage = **opened;
  // The old envelope keeps its own ciphertext; the notice is still pending.
  auto fetched = storage.messages().fetch({2, 1}, 0, 10);
  ASSERT_TRUE(fetched.ok());
  ASSERT_EQ(fetched->size(), 1u);
  EXPECT_EQ((*fetched)[0].envelope, queued);
  EXPECT_EQ(storage.messages().pending_notices({1, 1}, 0, 10)->size(), 1u);
  EXPECT_EQ(*storage.messages().shared_bodies(), 0u);

  // What version 5 added: a fan-out from alice to bob, queued after the old envelope.
  Fanout fanout;
  fanout.sender = {1, 1};
  fanout.id = message_id(8);
  fanout.server_time = at(1);
  fanout.expires_at = at(1000);
  fanout.type = static_cast<EnvelopeType>(7);
  fanout.body = pattern(64, 8);
  fanout.recipients = {{2, 1}};
  auto fanned_out = storage.messages().fan_out(fanout);
  ASSERT_TRUE(fanned_out.ok()) << to_string(fanned_out.error());
  ASSERT_EQ(fanned_out->size(), 1u);
  ASSERT_TRUE((*fanned_out)[0].ok());
  EXPECT_EQ((*fanned_out)[0]->status, EnqueueStatus::kStored);
  fetched = storage.messages().fetch({2, 1}, 0, 10);
  ASSERT_EQ(fetched->size(), 2u);
  EXPECT_EQ((*fetched)[0].envelope, queued);
  EXPECT_EQ((*fetched)[1].envelope.ciphertext, fanout.body);
  EXPECT_EQ(*storage.messages().shared_bodies(), 1u);
  const std::vector<QueueSequence> both{(*fetched)[0].sequence, (*fetched)[1].sequence};
  EXPECT_EQ(*storage.messages().acknowledge({2, 1}, both), 2u);
  EXPECT_EQ(*storage.messages().shared_bodies(), 0u);
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
