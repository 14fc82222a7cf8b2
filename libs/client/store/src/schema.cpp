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

// Version 2: the account this device belongs to, and the messages it sent and received
// (libs/client/account and libs/client/messenger write them).
//   account: one row. The server's address and how it is trusted (pinned certificate fingerprint
//   or CA file), the username, the device id the server gave (0 until registration succeeded),
//   the next one-time prekey id, the signed prekey and last-resort key ids; `record` is the
//   device's Ed25519 auth key (libsodium's 64-byte secret key), sealed.
//   messages: one row per message, incoming (direction 0) or outgoing (1), unique per peer and
//   sender-chosen message id (the duplicate check); `record` is the body, sealed.
constexpr const char* kVersion2 = R"sql(
CREATE TABLE account (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  username TEXT NOT NULL,
  server_host TEXT NOT NULL,
  server_port INTEGER NOT NULL,
  server_pin BLOB,
  server_ca_file TEXT,
  device_id INTEGER NOT NULL,
  next_prekey_id INTEGER NOT NULL,
  signed_prekey_id INTEGER NOT NULL,
  last_resort_id INTEGER NOT NULL,
  record BLOB NOT NULL
);
CREATE TABLE messages (
  direction INTEGER NOT NULL,
  peer BLOB NOT NULL,
  peer_device INTEGER NOT NULL,
  message_id BLOB NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  stored_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  record BLOB NOT NULL,
  UNIQUE (direction, peer, message_id)
);
)sql";

// Version 3: what the full messenger keeps (libs/client/messenger writes every table).
//   messages gains `state` (MessageState: 0 pending, 1 sent, 2 delivered, 3 read, 4 failed,
//   5 received; rows of version 2 become sent or received), `failure` (the reason of a failed
//   send) and `detail` (sealed MessageDetail of client_store.proto: location, reaction or
//   deletion target; NULL when none).
//   outbox: messages committed but not yet accepted by the server, oldest first, with the time
//   they were queued (the give-up clock); `record` is the encoded Content to send, sealed. A row
//   leaves when the server accepted it, refused it for good, or it waited past the give-up time.
//   attachments: one per file message (direction, peer, message id as in messages); `transfer`
//   (TransferState: 0 pending, 1 done, 2 failed), `failure`; `record` is the sealed
//   AttachmentRecord (the pointer with its key, the local paths).
//   contacts: everyone added or written with; `verified` is the sealed list of identity keys the
//   user verified (NULL: not verified); `link_fingerprint` the sealed SHA-256 of the identity a
//   contact link named, until a session confirmed it.
//   identity_changes: a new identity key seen for a contact's device and not yet accepted by the
//   user (the key sealed). held_envelopes: envelopes from such a device, kept sealed until the user
//   accepts the key (then decrypted) — acknowledged to the server, never lost.
constexpr const char* kVersion3 = R"sql(
ALTER TABLE messages ADD COLUMN state INTEGER NOT NULL DEFAULT 5;
ALTER TABLE messages ADD COLUMN failure TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN detail BLOB;
UPDATE messages SET state = 1 WHERE direction = 1;
CREATE TABLE outbox (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient BLOB NOT NULL,
  message_id BLOB NOT NULL,
  queued_ms INTEGER NOT NULL,
  record BLOB NOT NULL,
  UNIQUE (recipient, message_id)
);
CREATE TABLE attachments (
  direction INTEGER NOT NULL,
  peer BLOB NOT NULL,
  message_id BLOB NOT NULL,
  transfer INTEGER NOT NULL,
  failure TEXT NOT NULL DEFAULT '',
  record BLOB NOT NULL,
  PRIMARY KEY (direction, peer, message_id)
);
CREATE TABLE contacts (
  name BLOB PRIMARY KEY,
  added_ms INTEGER NOT NULL,
  verified BLOB,
  link_fingerprint BLOB
);
CREATE TABLE identity_changes (
  name BLOB NOT NULL,
  device_id INTEGER NOT NULL,
  seen_ms INTEGER NOT NULL,
  record BLOB NOT NULL,
  PRIMARY KEY (name, device_id)
);
CREATE TABLE held_envelopes (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  sender BLOB NOT NULL,
  sender_device INTEGER NOT NULL,
  message_id BLOB NOT NULL,
  type INTEGER NOT NULL,
  server_time_ms INTEGER NOT NULL,
  record BLOB NOT NULL
);
)sql";

// Version 4: disappearing messages.
//   messages gains `expire_timer` (the timer in seconds the message was written under; 0 = none)
//   and `expires_ms` (when it is deleted, milliseconds since the epoch; 0 = not counting down:
//   no timer, or an outgoing message the server has not accepted yet).
//   contacts gains `expire_timer`: the conversation's timer, set by either side (0 = off).
constexpr const char* kVersion4 = R"sql(
ALTER TABLE messages ADD COLUMN expire_timer INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN expires_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN expire_timer INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_by_expiry ON messages (expires_ms) WHERE expires_ms > 0;
)sql";

// Version 5: groups. One row per group this account is or was in: `record` is the sealed
//   serialized GroupState (content.proto) last accepted, `updated_ms` when it was taken. A group's
//   conversation is stored in messages under the peer "#" + the id in hex (no account name starts
//   with "#"), with each incoming row's author in its sealed detail.
//   group_key_shares: the members this device sent its current Sender Key (key_id) for a group
//   to, over their pairwise sessions; a member without a row, or with an older key id, gets it
//   before the next group message. Emptied for a group when the key rotates.
//   group_receipts: per member, how far one of our group messages came (MessageState 2
//   delivered, 3 read).
constexpr const char* kVersion5 = R"sql(
CREATE TABLE groups (
  id BLOB PRIMARY KEY,
  record BLOB NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE TABLE group_key_shares (
  group_id BLOB NOT NULL,
  member BLOB NOT NULL,
  key_id INTEGER NOT NULL,
  PRIMARY KEY (group_id, member)
);
CREATE TABLE group_receipts (
  group_id BLOB NOT NULL,
  message_id BLOB NOT NULL,
  member BLOB NOT NULL,
  state INTEGER NOT NULL,
  PRIMARY KEY (group_id, message_id, member)
);
)sql";

constexpr std::array<sqlite::Migration, 5> kMigrations{
    {{1, kVersion1}, {2, kVersion2}, {3, kVersion3}, {4, kVersion4}, {5, kVersion5}}};
static_assert(kMigrations.back().version == kClientStoreSchemaVersion);

}  // namespace

std::span<const sqlite::Migration> client_migrations() {
  return kMigrations;
}

}  // namespace hush::client::detail
