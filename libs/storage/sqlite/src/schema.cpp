// The SQLite schema, version by version; libs/sqlite runs the migration step on open.
//
// Choices, for whoever adds a backend or a migration:
// - Times are INTEGER milliseconds since the Unix epoch; ids and keys are BLOBs of fixed size.
// - messages.sequence is AUTOINCREMENT so a sequence is never reused, even after the queue empties:
//   it is the recipient's fetch cursor and acknowledgement handle.
// - devices.queue_depth counts the device's queued envelopes, kept by enqueue, acknowledge and
//   expire in their own transactions, so the depth limit costs one row read rather than a count.
// - message_dedup outlives the envelope (until its expires_at); a sealed sender is (0, 0).
// - A fan-out's body is one message_bodies row with a reference count, kept by every step that
//   queues or deletes an envelope referring to it (messages.body_id), in the same transaction.
// - Media bytes are rows of media_chunks, one per append, not files: one fsync covers a chunk and
//   its offset, there is one folder to back up, and no file name leaks an id. SQLite's overflow
//   pages store large blobs efficiently; chunks are at most Options::max_media_chunk_size.
// - Columns added by a later version come last in their table (ALTER TABLE ADD COLUMN), with the
//   default that rows written before it get.
#include "schema.hpp"

#include <array>

#include "hush/storage/sqlite_storage.hpp"

namespace hush::storage::sqlite {
namespace {

// Version 1: accounts, devices, invites, key directory, message queues.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  next_device_id INTEGER NOT NULL
);
CREATE TABLE devices (
  account_id INTEGER NOT NULL,
  device_id INTEGER NOT NULL,
  registration_id INTEGER NOT NULL,
  identity_key BLOB NOT NULL,
  auth_key BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  queue_depth INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, device_id)
) WITHOUT ROWID;
CREATE TABLE invites (
  hash BLOB PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE signed_prekeys (
  account_id INTEGER NOT NULL,
  device_id INTEGER NOT NULL,
  key_id INTEGER NOT NULL,
  public_key BLOB NOT NULL,
  signature BLOB NOT NULL,
  PRIMARY KEY (account_id, device_id)
) WITHOUT ROWID;
CREATE TABLE one_time_prekeys (
  account_id INTEGER NOT NULL,
  device_id INTEGER NOT NULL,
  key_id INTEGER NOT NULL,
  public_key BLOB NOT NULL,
  PRIMARY KEY (account_id, device_id, key_id)
) WITHOUT ROWID;
CREATE TABLE last_resort_keys (
  account_id INTEGER NOT NULL,
  device_id INTEGER NOT NULL,
  key_id INTEGER NOT NULL,
  public_key BLOB NOT NULL,
  PRIMARY KEY (account_id, device_id)
) WITHOUT ROWID;
CREATE TABLE messages (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient_account INTEGER NOT NULL,
  recipient_device INTEGER NOT NULL,
  sender_account INTEGER,
  sender_device INTEGER,
  message_id BLOB NOT NULL,
  server_time INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ciphertext BLOB NOT NULL
);
CREATE INDEX messages_by_recipient ON messages (recipient_account, recipient_device);
CREATE INDEX messages_by_expiry ON messages (expires_at);
CREATE TABLE message_dedup (
  recipient_account INTEGER NOT NULL,
  recipient_device INTEGER NOT NULL,
  sender_account INTEGER NOT NULL,
  sender_device INTEGER NOT NULL,
  message_id BLOB NOT NULL,
  retain_until INTEGER NOT NULL,
  PRIMARY KEY (recipient_account, recipient_device, sender_account, sender_device, message_id)
) WITHOUT ROWID;
CREATE INDEX message_dedup_by_expiry ON message_dedup (retain_until);
)sql";

// Version 2: media uploads and their bytes.
constexpr const char* kVersion2 = R"sql(
CREATE TABLE media_uploads (
  id BLOB PRIMARY KEY,
  owner INTEGER NOT NULL,
  declared_size INTEGER NOT NULL,
  committed_offset INTEGER NOT NULL,
  last_chunk_offset INTEGER NOT NULL,
  complete INTEGER NOT NULL,
  digest BLOB,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX media_uploads_by_owner ON media_uploads (owner);
CREATE INDEX media_uploads_by_expiry ON media_uploads (expires_at);
CREATE TABLE media_chunks (
  upload_id BLOB NOT NULL,
  chunk_offset INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (upload_id, chunk_offset)
);
)sql";

// Version 3: device names, and the message type beside the ciphertext. Rows of earlier versions
// get an empty name and type 0 (EnvelopeType::kUnknown); their ciphertext is left as it was (a
// version 2 hushd put the type in its first byte: the server knows to read such rows that way).
constexpr const char* kVersion3 = R"sql(
ALTER TABLE devices ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN type INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 4: delivery failure notices, recorded by expire() for the sender device of each expired
// envelope and kept until the server removes them (or the device is removed). id is AUTOINCREMENT
// so a notice id is never reused; reason is a DeliveryFailureReason byte.
constexpr const char* kVersion4 = R"sql(
CREATE TABLE delivery_failures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sender_account INTEGER NOT NULL,
  sender_device INTEGER NOT NULL,
  recipient_account INTEGER NOT NULL,
  recipient_device INTEGER NOT NULL,
  message_id BLOB NOT NULL,
  reason INTEGER NOT NULL
);
CREATE INDEX delivery_failures_by_sender ON delivery_failures (sender_account, sender_device, id);
)sql";

// Version 5: fan-out bodies (api SendToMany), each stored once per (sender device, message id) with
// the number of queued envelopes that refer to it; such an envelope has messages.body_id set and an
// empty ciphertext of its own. id is AUTOINCREMENT so a body id is never reused: an envelope can
// never come to name another message's body. Rows of earlier versions get body_id NULL (their
// ciphertext is their own).
constexpr const char* kVersion5 = R"sql(
CREATE TABLE message_bodies (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sender_account INTEGER NOT NULL,
  sender_device INTEGER NOT NULL,
  message_id BLOB NOT NULL,
  body BLOB NOT NULL,
  reference_count INTEGER NOT NULL,
  UNIQUE (sender_account, sender_device, message_id)
);
ALTER TABLE messages ADD COLUMN body_id INTEGER;
)sql";

// Version 6: pending device links (api ApproveLink, LinkDevice): an existing device's approval of
// a new one, the payload sealed to the new device and the SHA-256 of its token, until expires_at.
// A migrated database starts with none.
constexpr const char* kVersion6 = R"sql(
CREATE TABLE links (
  id BLOB PRIMARY KEY,
  account_id INTEGER NOT NULL,
  token_hash BLOB NOT NULL,
  sealed BLOB NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX links_by_account ON links (account_id, expires_at);
CREATE INDEX links_by_expiry ON links (expires_at);
)sql";

constexpr std::array<::hush::sqlite::Migration, 6> kMigrations{
    {{1, kVersion1}, {2, kVersion2}, {3, kVersion3}, {4, kVersion4}, {5, kVersion5}, {6, kVersion6}}};
static_assert(kMigrations.back().version == kSqliteSchemaVersion);

}  // namespace

std::span<const ::hush::sqlite::Migration> migrations() {
  return kMigrations;
}

Result<int, StorageError> schema_version(Connection& connection) {
  return ::hush::sqlite::schema_version(connection);
}

Result<void, StorageError> migrate(Connection& connection) {
  return ::hush::sqlite::migrate(connection, std::span<const ::hush::sqlite::Migration>(kMigrations));
}

}  // namespace hush::storage::sqlite
