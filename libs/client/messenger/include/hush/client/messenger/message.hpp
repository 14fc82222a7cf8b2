// What the messenger stores and reports: messages (text, files, locations, reactions, deletions),
// the events that are not messages (receipts, identity changes), attachments and contacts. Plain
// values; the store holds them sealed (messenger/src/message_table.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hush/base/bytes.hpp"

namespace hush::client {

// Where an outgoing message is. Incoming messages are kReceived, then kRead once mark_read() sent
// the read receipt. A later state never goes back to an earlier one (a late delivery receipt after
// the read receipt changes nothing).
enum class MessageState {
  kPending,    // stored in the outbox; not yet accepted by the server (sent at the next flush)
  kSent,       // the server holds an envelope for every device of the recipient
  kDelivered,  // a device of the recipient stored it (delivery receipt)
  kRead,       // the recipient read it (read receipt); for incoming: we sent the read receipt
  kFailed,     // will not be sent; `failure` says why ("unknown_account", "expired", ...)
  kReceived,   // incoming, stored
};
// Stable lower-case names: "pending", "sent", "delivered", "read", "failed", "received".
const char* to_string(MessageState state);

// How far an attachment's bytes have come.
enum class TransferState {
  kPending,  // outgoing: not yet uploaded; incoming: not yet downloaded (retried by receive())
  kDone,     // outgoing: uploaded; incoming: downloaded, digest and MAC checked, decrypted to `path`
  kFailed,   // will not complete; `failure` says why ("digest_mismatch", "unknown_media", ...)
};
const char* to_string(TransferState state);

struct Attachment {
  std::string file_name;     // as the sender named it (no folders), "" when it gave none
  std::string content_type;  // "image/jpeg", ... ("application/octet-stream" when unknown)
  std::uint64_t size = 0;    // plaintext bytes
  Bytes sha256;              // SHA-256 of the plaintext (32 bytes) once known (outgoing: at once;
                             // incoming: once downloaded)
  std::uint32_t width = 0, height = 0, duration_ms = 0;  // 0 when unknown
  bool voice_note = false;
  bool has_thumbnail = false;
  // Outgoing: the file that was sent (as given). Incoming: the decrypted file in the home's
  // attachments folder, once `transfer` is kDone; empty before.
  std::filesystem::path path;
  TransferState transfer = TransferState::kPending;
  std::string failure;
};

struct Location {
  double latitude = 0;
  double longitude = 0;
  std::string name;  // optional label ("Cafe Central")
};

// One entry of a conversation's history, or an event reported by receive().
//
// kind    | body                      | other fields
// --------|---------------------------|------------------------------------------------------
// text    | the text                  |
// file    | the caption (may be "")   | attachment
// location| the label                 | location
// reaction| the emoji ("" = removed)  | target_id
// delete  | ""                        | target_id (that message's body and file are gone)
// deleted | ""                        | a message its sender deleted for everyone
// receipt | "delivered" or "read"     | target_ids; reported by receive(), not stored as a row
// identity_changed | ""               | the peer's identity key changed: its messages are held
//         |                           | and sending to it stops until trust_identity()
// undecryptable | the protocol error  | a message that could not be read (recorded, not lost)
// unsupported | ""                    | content this version does not show
// timer   | ""                        | expire_timer_seconds: the conversation's new timer (0 = off)
// typing  | "started" or "stopped"    | reported by receive(), not stored (in a group: author)
// group   | what changed ("created",  | a group's state changed (in its conversation; author: who
//         | "added carol", ...)       | changed it; "" for our own change)
// group_rejected | why ("not_admin",  | a group update that failed its checks, from `peer`: nothing
//         | "bad_group_signature"...) | changed
struct Message {
  Bytes id;  // the sender-chosen message id (16 bytes); for receipts, the receipt's own id
  bool outgoing = false;
  std::string peer;               // the other account, or a group's conversation ("#" + its id in hex)
  std::uint32_t peer_device = 0;  // the sender's device for incoming messages, 0 for outgoing
  std::string author;             // in a group's conversation: who wrote an incoming message
  // A reply (text only): the id of the message it answers and who wrote that one.
  Bytes reply_to;
  std::string reply_author;
  std::uint64_t timestamp_ms = 0;  // the sender's clock
  std::string kind;
  std::string body;
  MessageState state = MessageState::kReceived;
  std::string failure;  // with kFailed
  std::optional<Attachment> attachment;
  std::optional<Location> location;
  Bytes target_id;                // reaction, delete
  std::vector<Bytes> target_ids;  // receipt
  // Set by receive() on a message it reported before, now again because its attachment's
  // download ended (`attachment->transfer` kDone or kFailed).
  bool update = false;
  // Disappearing messages: the timer the message was written under (kind "timer": the timer it
  // set; 0 = off), and when it is deleted from this store (ms since the epoch; 0 = not counting
  // down: no timer, or an outgoing message the server has not accepted yet).
  std::uint32_t expire_timer_seconds = 0;
  std::uint64_t expires_ms = 0;
};

struct Contact {
  std::string name;
  // The safety number the user marked verified still matches every device's current identity.
  bool verified = false;
  // An identity key changed and the user has not accepted it yet (trust_identity()): messages from
  // it are held, messages to it wait in the outbox.
  bool identity_changed = false;
  // Added from a contact link whose fingerprint no session has confirmed yet.
  bool awaiting_link_check = false;
  // The conversation's disappearing-message timer in seconds; 0 = off.
  std::uint32_t expire_timer_seconds = 0;
  std::uint64_t added_ms = 0;
};

}  // namespace hush::client
