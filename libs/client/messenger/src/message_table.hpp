// Internal: the store's `messages` and `attachments` tables (schema versions 2 and 3), bodies,
// details and attachment records sealed to their row, and the two queries on the protocol's
// `sessions` table the messenger needs beyond the SessionStore interface. All inside a transaction.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "hush/client/store/transaction.hpp"
#include "hush/wire/client_store.pb.h"

namespace hush::client::detail {

// Largest stored body read back: a text is at most kMaxTextSize, a caption or label less.
inline constexpr std::size_t kMaxStoredBody = kMaxTextSize;
// Largest stored detail or attachment record: a pointer with its thumbnail, paths and names.
inline constexpr std::size_t kMaxStoredDetail = 64 * 1024;

// Inserts `message` (body, state, failure; location and target_id as its sealed detail) unless one
// with the same direction, peer and id is stored (then kept as it was). Attachments separately.
Result<void, StoreError> insert_message(StoreTransaction& transaction, const Message& message, std::uint64_t now_ms);
// True when an incoming (or outgoing) message with this peer and id is stored.
Result<bool, StoreError> has_message(StoreTransaction& transaction, bool outgoing, const std::string& peer,
                                     ByteView id);
// Every message with `peer`, with their attachments, in the order they were written: by the
// sender's timestamp, then the order they were stored. (A file's message is stored after texts
// written after it while its upload ran; it still shows where it was written, as Signal does.)
Result<std::vector<Message>, StoreError> list_messages(StoreTransaction& transaction, const std::string& peer);
Result<std::optional<Message>, StoreError> find_message(StoreTransaction& transaction, bool outgoing,
                                                        const std::string& peer, ByteView id);

// Moves a message forward to `state` (never back: a state is only replaced by a later one, and
// kFailed only replaces kPending). Returns whether it changed.
Result<bool, StoreError> advance_state(StoreTransaction& transaction, bool outgoing, const std::string& peer,
                                       ByteView id, MessageState state, std::string_view failure = {});
// Incoming messages from `peer` in state kReceived (ids), oldest first.
Result<std::vector<Bytes>, StoreError> unread_ids(StoreTransaction& transaction, const std::string& peer);
// Replaces a message by a "deleted" marker: body, detail and attachment record gone.
Result<void, StoreError> erase_message(StoreTransaction& transaction, bool outgoing, const std::string& peer,
                                       ByteView id);

// Disappearing messages: an outgoing message the server accepted starts counting down now (when
// it was written under a timer and is not counting yet).
Result<void, StoreError> start_expiry(StoreTransaction& transaction, const std::string& peer, ByteView id,
                                      std::uint64_t now_ms);
// Deletes every message whose time is up, with its attachment row; returns how many, and the
// files the caller removes after the commit (received files' decrypted copies, staging blobs).
struct ExpiredMessages {
  std::size_t count = 0;
  std::vector<std::filesystem::path> files;
};
Result<ExpiredMessages, StoreError> erase_expired(StoreTransaction& transaction, std::uint64_t now_ms);

// The attachment of a message, stored or replaced.
Result<void, StoreError> put_attachment(StoreTransaction& transaction, bool outgoing, const std::string& peer,
                                        ByteView id, TransferState transfer, std::string_view failure,
                                        const wire::client_store::AttachmentRecord& record);
Result<std::optional<wire::client_store::AttachmentRecord>, StoreError> get_attachment(StoreTransaction& transaction,
                                                                                       bool outgoing,
                                                                                       const std::string& peer,
                                                                                       ByteView id);
// (peer, message id) of incoming attachments still kPending, oldest first.
Result<std::vector<std::pair<std::string, Bytes>>, StoreError> pending_downloads(StoreTransaction& transaction);

// The Attachment a record describes (for Message::attachment).
Attachment attachment_from_record(const wire::client_store::AttachmentRecord& record, TransferState transfer,
                                  std::string failure);

// A device id column as stored: 1 to 2^32-1, else kCorrupt.
Result<std::uint32_t, StoreError> device_id_column(const StoreStatement& select, int index);
// The device ids of `name` with a row in `table` ("sessions" or "identities": the protocol stores'
// tables, keyed by name and device id), in order.
Result<std::vector<std::uint32_t>, StoreError> stored_devices(StoreTransaction& transaction, std::string_view table,
                                                              const std::string& name);
// The device ids of `name` that have a stored session.
Result<std::vector<std::uint32_t>, StoreError> session_devices(StoreTransaction& transaction, const std::string& name);
// Removes the session with (name, device_id), if any.
Result<void, StoreError> delete_session(StoreTransaction& transaction, const std::string& name,
                                        std::uint32_t device_id);

}  // namespace hush::client::detail
