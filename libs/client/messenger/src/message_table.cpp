// The `messages` and `attachments` tables and the session queries. Bodies, details and attachment
// records are sealed, bound to (direction, peer, id), so a value copied to another row does not open.
#include "message_table.hpp"

#include "hush/client/store/limits.hpp"
#include "hush/client/store/row_name.hpp"
#include "hush/wire/content_codec.hpp"

namespace hush::client::detail {

namespace {

// Longest stored kind name ("identity_changed").
constexpr std::size_t kMaxStoredKind = 32;
// Longest stored failure reason (a server's reason or an error name).
constexpr std::size_t kMaxStoredFailure = 128;

std::int64_t direction(bool outgoing) {
  return outgoing ? 1 : 0;
}

RowName message_row(bool outgoing, std::string_view peer, ByteView id) {
  RowName row("messages");
  row.add(std::uint32_t{outgoing ? 1u : 0u}).add(peer).add(id);
  return row;
}

RowName detail_row(bool outgoing, std::string_view peer, ByteView id) {
  RowName row("messages.detail");
  row.add(std::uint32_t{outgoing ? 1u : 0u}).add(peer).add(id);
  return row;
}

RowName attachment_row(bool outgoing, std::string_view peer, ByteView id) {
  RowName row("attachments");
  row.add(std::uint32_t{outgoing ? 1u : 0u}).add(peer).add(id);
  return row;
}

// The order states move in; kFailed sits beside kSent (it only replaces kPending).
int rank(MessageState state) {
  switch (state) {
    case MessageState::kPending: return 0;
    case MessageState::kSent: return 1;
    case MessageState::kFailed: return 1;
    case MessageState::kReceived: return 1;
    case MessageState::kDelivered: return 2;
    case MessageState::kRead: return 3;
  }
  return 0;
}

std::optional<MessageState> state_from(std::int64_t value) {
  if (value < 0 || value > static_cast<std::int64_t>(MessageState::kReceived)) return std::nullopt;
  return static_cast<MessageState>(value);
}

// Runs `select` to the end, calling `each()` per row (which may fail).
template <class Each>
Result<void, StoreError> each_row(StoreStatement& select, Each&& each) {
  while (true) {
    auto row = select.step();
    if (!row.ok()) return fail(row.error());
    if (!*row) return {};
    HUSH_TRY(each());
  }
}

constexpr const char* kSelectMessage =
    "SELECT m.direction, m.peer_device, m.message_id, m.timestamp_ms, m.kind, m.record, m.state, m.failure, "
    "m.detail, a.transfer, a.failure, a.record, m.expire_timer, m.expires_ms FROM messages m LEFT JOIN attachments a "
    "ON a.direction = "
    "m.direction AND a.peer = m.peer AND a.message_id = m.message_id ";

// One row of kSelectMessage as a Message.
Result<Message, StoreError> read_message(StoreTransaction& transaction, StoreStatement& select,
                                         const std::string& peer) {
  if (select.column_size(2) != wire::kMessageIdSize || select.column_size(4) > kMaxStoredKind ||
      select.column_size(7) > kMaxStoredFailure || select.column_size(10) > kMaxStoredFailure) {
    return fail(StoreError::kCorrupt);
  }
  Message message;
  message.outgoing = select.column_int(0) == 1;
  message.peer = peer;
  message.peer_device = static_cast<std::uint32_t>(select.column_int(1));
  message.id = select.column_blob(2);
  message.timestamp_ms = static_cast<std::uint64_t>(select.column_int(3));
  message.kind = select.column_text(4);
  auto body = transaction.open(message_row(message.outgoing, peer, message.id), select.column_view(5), kMaxStoredBody);
  if (!body.ok()) return fail(body.error());
  message.body = hush::to_string(body->view());
  const auto state = state_from(select.column_int(6));
  if (!state) return fail(StoreError::kCorrupt);
  message.state = *state;
  message.failure = select.column_text(7);
  if (!select.column_is_null(8)) {
    auto sealed =
        transaction.open(detail_row(message.outgoing, peer, message.id), select.column_view(8), kMaxStoredDetail);
    if (!sealed.ok()) return fail(sealed.error());
    wire::client_store::MessageDetail detail;
    if (!detail.ParseFromArray(sealed->view().data(), static_cast<int>(sealed->view().size()))) {
      return fail(StoreError::kCorrupt);
    }
    if (detail.has_location()) {
      message.location =
          Location{detail.location().latitude(), detail.location().longitude(), detail.location().name()};
    }
    message.target_id.assign(detail.target_id().begin(), detail.target_id().end());
    message.author = detail.author();
    message.reply_to.assign(detail.reply_to().begin(), detail.reply_to().end());
    message.reply_author = detail.reply_author();
  }
  if (!select.column_is_null(11)) {
    const std::int64_t transfer = select.column_int(9);
    if (transfer < 0 || transfer > static_cast<std::int64_t>(TransferState::kFailed)) return fail(StoreError::kCorrupt);
    auto sealed =
        transaction.open(attachment_row(message.outgoing, peer, message.id), select.column_view(11), kMaxStoredDetail);
    if (!sealed.ok()) return fail(sealed.error());
    wire::client_store::AttachmentRecord record;
    if (!record.ParseFromArray(sealed->view().data(), static_cast<int>(sealed->view().size()))) {
      return fail(StoreError::kCorrupt);
    }
    message.attachment = attachment_from_record(record, static_cast<TransferState>(transfer), select.column_text(10));
  }
  const std::int64_t timer = select.column_int(12), expires = select.column_int(13);
  if (timer < 0 || timer > std::int64_t{wire::kMaxExpireTimerSeconds} || expires < 0) return fail(StoreError::kCorrupt);
  message.expire_timer_seconds = static_cast<std::uint32_t>(timer);
  message.expires_ms = static_cast<std::uint64_t>(expires);
  return message;
}

}  // namespace

Result<void, StoreError> insert_message(StoreTransaction& transaction, const Message& message, std::uint64_t now_ms) {
  const Bytes sealed =
      transaction.seal(message_row(message.outgoing, message.peer, message.id), as_bytes(message.body));
  std::optional<Bytes> sealed_detail;
  if (message.location || !message.target_id.empty() || !message.author.empty() || !message.reply_to.empty()) {
    wire::client_store::MessageDetail detail;
    if (message.location) {
      detail.mutable_location()->set_latitude(message.location->latitude);
      detail.mutable_location()->set_longitude(message.location->longitude);
      detail.mutable_location()->set_name(message.location->name);
    }
    detail.set_target_id(std::string(message.target_id.begin(), message.target_id.end()));
    detail.set_author(message.author);
    detail.set_reply_to(std::string(message.reply_to.begin(), message.reply_to.end()));
    detail.set_reply_author(message.reply_author);
    sealed_detail =
        transaction.seal(detail_row(message.outgoing, message.peer, message.id), as_bytes(detail.SerializeAsString()));
  }
  return transaction.run([&](StoreConnection& db) {
    auto insert = db.prepare(
        "INSERT OR IGNORE INTO messages (direction, peer, peer_device, message_id, timestamp_ms, stored_ms, kind, "
        "record, state, failure, detail, expire_timer, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
        "?11, ?12, ?13)");
    insert.bind(1, direction(message.outgoing))
        .bind(2, as_bytes(message.peer))
        .bind(3, std::int64_t{message.peer_device})
        .bind(4, ByteView(message.id))
        .bind(5, static_cast<std::int64_t>(message.timestamp_ms))
        .bind(6, static_cast<std::int64_t>(now_ms))
        .bind(7, std::string_view(message.kind))
        .bind(8, ByteView(sealed))
        .bind(9, static_cast<std::int64_t>(message.state))
        .bind(10, std::string_view(message.failure).substr(0, kMaxStoredFailure));
    if (sealed_detail) {
      insert.bind(11, ByteView(*sealed_detail));
    } else {
      insert.bind_null(11);
    }
    insert.bind(12, std::int64_t{message.expire_timer_seconds}).bind(13, static_cast<std::int64_t>(message.expires_ms));
    return insert.run();
  });
}

Result<bool, StoreError> has_message(StoreTransaction& transaction, bool outgoing, const std::string& peer,
                                     ByteView id) {
  bool found = false;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT 1 FROM messages WHERE direction = ?1 AND peer = ?2 AND message_id = ?3");
    select.bind(1, direction(outgoing)).bind(2, as_bytes(peer)).bind(3, id);
    auto row = select.step();
    if (!row.ok()) return fail(row.error());
    found = *row;
    return {};
  });
  if (!ran.ok()) return fail(ran.error());
  return found;
}

Result<std::vector<Message>, StoreError> list_messages(StoreTransaction& transaction, const std::string& peer) {
  std::vector<Message> messages;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare(std::string(kSelectMessage) + "WHERE m.peer = ?1 ORDER BY m.timestamp_ms, m.rowid");
    select.bind(1, as_bytes(peer));
    return each_row(select, [&]() -> Result<void, StoreError> {
      auto message = read_message(transaction, select, peer);
      if (!message.ok()) return fail(message.error());
      messages.push_back(std::move(*message));
      return {};
    });
  });
  if (!ran.ok()) return fail(ran.error());
  return messages;
}

Result<std::optional<Message>, StoreError> find_message(StoreTransaction& transaction, bool outgoing,
                                                        const std::string& peer, ByteView id) {
  std::optional<Message> found;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select =
        db.prepare(std::string(kSelectMessage) + "WHERE m.direction = ?1 AND m.peer = ?2 AND m.message_id = ?3");
    select.bind(1, direction(outgoing)).bind(2, as_bytes(peer)).bind(3, id);
    return each_row(select, [&]() -> Result<void, StoreError> {
      auto message = read_message(transaction, select, peer);
      if (!message.ok()) return fail(message.error());
      found = std::move(*message);
      return {};
    });
  });
  if (!ran.ok()) return fail(ran.error());
  return found;
}

Result<bool, StoreError> advance_state(StoreTransaction& transaction, bool outgoing, const std::string& peer,
                                       ByteView id, MessageState state, std::string_view failure) {
  bool changed = false;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT state FROM messages WHERE direction = ?1 AND peer = ?2 AND message_id = ?3");
    select.bind(1, direction(outgoing)).bind(2, as_bytes(peer)).bind(3, id);
    auto row = select.step();
    if (!row.ok()) return fail(row.error());
    if (!*row) return {};
    const auto current = state_from(select.column_int(0));
    if (!current) return fail(StoreError::kCorrupt);
    const bool allowed = state == MessageState::kFailed
                             ? *current == MessageState::kPending
                             : rank(state) > rank(*current) && *current != MessageState::kFailed;
    if (!allowed) return {};
    changed = true;
    return db
        .prepare("UPDATE messages SET state = ?4, failure = ?5 WHERE direction = ?1 AND peer = ?2 AND message_id = ?3")
        .bind(1, direction(outgoing))
        .bind(2, as_bytes(peer))
        .bind(3, id)
        .bind(4, static_cast<std::int64_t>(state))
        .bind(5, failure.substr(0, kMaxStoredFailure))
        .run();
  });
  if (!ran.ok()) return fail(ran.error());
  return changed;
}

Result<std::vector<Bytes>, StoreError> unread_ids(StoreTransaction& transaction, const std::string& peer) {
  std::vector<Bytes> ids;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare(
        "SELECT message_id FROM messages WHERE direction = 0 AND peer = ?1 AND state = ?2 AND kind IN ('text', "
        "'file', 'location') ORDER BY rowid");
    select.bind(1, as_bytes(peer)).bind(2, static_cast<std::int64_t>(MessageState::kReceived));
    return each_row(select, [&]() -> Result<void, StoreError> {
      if (select.column_size(0) != wire::kMessageIdSize) return fail(StoreError::kCorrupt);
      ids.push_back(select.column_blob(0));
      return {};
    });
  });
  if (!ran.ok()) return fail(ran.error());
  return ids;
}

Result<void, StoreError> erase_message(StoreTransaction& transaction, bool outgoing, const std::string& peer,
                                       ByteView id) {
  const Bytes sealed = transaction.seal(message_row(outgoing, peer, id), ByteView());
  return transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    HUSH_TRY(
        db.prepare("UPDATE messages SET kind = 'deleted', record = ?4, detail = NULL WHERE direction = ?1 AND peer = "
                   "?2 AND message_id = ?3")
            .bind(1, direction(outgoing))
            .bind(2, as_bytes(peer))
            .bind(3, id)
            .bind(4, ByteView(sealed))
            .run());
    return db.prepare("DELETE FROM attachments WHERE direction = ?1 AND peer = ?2 AND message_id = ?3")
        .bind(1, direction(outgoing))
        .bind(2, as_bytes(peer))
        .bind(3, id)
        .run();
  });
}

Result<void, StoreError> put_attachment(StoreTransaction& transaction, bool outgoing, const std::string& peer,
                                        ByteView id, TransferState transfer, std::string_view failure,
                                        const wire::client_store::AttachmentRecord& record) {
  const Bytes sealed = transaction.seal(attachment_row(outgoing, peer, id), as_bytes(record.SerializeAsString()));
  return transaction.run([&](StoreConnection& db) {
    return db
        .prepare(
            "INSERT INTO attachments (direction, peer, message_id, transfer, failure, record) VALUES (?1, ?2, ?3, ?4, "
            "?5, ?6) ON CONFLICT (direction, peer, message_id) DO UPDATE SET transfer = excluded.transfer, failure = "
            "excluded.failure, record = excluded.record")
        .bind(1, direction(outgoing))
        .bind(2, as_bytes(peer))
        .bind(3, id)
        .bind(4, static_cast<std::int64_t>(transfer))
        .bind(5, failure.substr(0, kMaxStoredFailure))
        .bind(6, ByteView(sealed))
        .run();
  });
}

Result<std::optional<wire::client_store::AttachmentRecord>, StoreError> get_attachment(StoreTransaction& transaction,
                                                                                       bool outgoing,
                                                                                       const std::string& peer,
                                                                                       ByteView id) {
  std::optional<wire::client_store::AttachmentRecord> found;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT record FROM attachments WHERE direction = ?1 AND peer = ?2 AND message_id = ?3");
    select.bind(1, direction(outgoing)).bind(2, as_bytes(peer)).bind(3, id);
    return each_row(select, [&]() -> Result<void, StoreError> {
      auto sealed = transaction.open(attachment_row(outgoing, peer, id), select.column_view(0), kMaxStoredDetail);
      if (!sealed.ok()) return fail(sealed.error());
      wire::client_store::AttachmentRecord record;
      if (!record.ParseFromArray(sealed->view().data(), static_cast<int>(sealed->view().size()))) {
        return fail(StoreError::kCorrupt);
      }
      found = std::move(record);
      return {};
    });
  });
  if (!ran.ok()) return fail(ran.error());
  return found;
}

Result<std::vector<std::pair<std::string, Bytes>>, StoreError> pending_downloads(StoreTransaction& transaction) {
  std::vector<std::pair<std::string, Bytes>> pending;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare(
        "SELECT a.peer, a.message_id FROM attachments a JOIN messages m ON m.direction = a.direction AND m.peer = "
        "a.peer AND m.message_id = a.message_id WHERE a.direction = 0 AND a.transfer = ?1 ORDER BY m.rowid");
    select.bind(1, static_cast<std::int64_t>(TransferState::kPending));
    return each_row(select, [&]() -> Result<void, StoreError> {
      if (select.column_size(0) > kMaxAddressNameSize || select.column_size(1) != wire::kMessageIdSize) {
        return fail(StoreError::kCorrupt);
      }
      pending.emplace_back(select.column_text(0), select.column_blob(1));
      return {};
    });
  });
  if (!ran.ok()) return fail(ran.error());
  return pending;
}

Attachment attachment_from_record(const wire::client_store::AttachmentRecord& record, TransferState transfer,
                                  std::string failure) {
  const auto& pointer = record.pointer();
  Attachment attachment;
  attachment.file_name = pointer.file_name();
  attachment.content_type = pointer.content_type();
  attachment.size = pointer.size();
  attachment.sha256.assign(record.plaintext_sha256().begin(), record.plaintext_sha256().end());
  attachment.width = pointer.width();
  attachment.height = pointer.height();
  attachment.duration_ms = pointer.duration_ms();
  attachment.voice_note = (pointer.flags() & wire::content::AttachmentPointer::VOICE_NOTE) != 0;
  attachment.has_thumbnail = !pointer.thumbnail().empty();
  attachment.path = record.path();
  attachment.transfer = transfer;
  attachment.failure = std::move(failure);
  return attachment;
}

Result<std::uint32_t, StoreError> device_id_column(const StoreStatement& select, int index) {
  const std::int64_t device = select.column_int(index);
  if (device <= 0 || device > 0xFFFFFFFF) return fail(StoreError::kCorrupt);
  return static_cast<std::uint32_t>(device);
}

Result<std::vector<std::uint32_t>, StoreError> stored_devices(StoreTransaction& transaction, std::string_view table,
                                                              const std::string& name) {
  std::vector<std::uint32_t> devices;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT device_id FROM " + std::string(table) + " WHERE name = ?1 ORDER BY device_id");
    select.bind(1, as_bytes(name));
    return each_row(select, [&]() -> Result<void, StoreError> {
      auto device = device_id_column(select, 0);
      if (!device.ok()) return fail(device.error());
      devices.push_back(*device);
      return {};
    });
  });
  if (!ran.ok()) return fail(ran.error());
  return devices;
}

Result<std::vector<std::uint32_t>, StoreError> session_devices(StoreTransaction& transaction, const std::string& name) {
  return stored_devices(transaction, "sessions", name);
}

Result<void, StoreError> delete_session(StoreTransaction& transaction, const std::string& name,
                                        std::uint32_t device_id) {
  return transaction.run([&](StoreConnection& db) {
    return db.prepare("DELETE FROM sessions WHERE name = ?1 AND device_id = ?2")
        .bind(1, as_bytes(name))
        .bind(2, std::int64_t{device_id})
        .run();
  });
}

Result<void, StoreError> start_expiry(StoreTransaction& transaction, const std::string& peer, ByteView id,
                                      std::uint64_t now_ms) {
  return transaction.run([&](StoreConnection& db) {
    return db
        .prepare(
            "UPDATE messages SET expires_ms = ?3 + expire_timer * 1000 WHERE direction = 1 AND peer = ?1 AND "
            "message_id = ?2 AND expire_timer > 0 AND expires_ms = 0 AND kind IN ('text', 'file', 'location')")
        .bind(1, as_bytes(peer))
        .bind(2, id)
        .bind(3, static_cast<std::int64_t>(now_ms))
        .run();
  });
}

Result<ExpiredMessages, StoreError> erase_expired(StoreTransaction& transaction, std::uint64_t now_ms) {
  ExpiredMessages expired;
  struct Row {
    bool outgoing;
    std::string peer;
    Bytes id;
  };
  std::vector<Row> rows;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select =
        db.prepare("SELECT direction, peer, message_id FROM messages WHERE expires_ms > 0 AND expires_ms <= ?1");
    select.bind(1, static_cast<std::int64_t>(now_ms));
    return each_row(select, [&]() -> Result<void, StoreError> {
      if (select.column_size(1) > kMaxAddressNameSize || select.column_size(2) != wire::kMessageIdSize) {
        return fail(StoreError::kCorrupt);
      }
      rows.push_back({select.column_int(0) == 1, select.column_text(1), select.column_blob(2)});
      return {};
    });
  });
  if (!ran.ok()) return fail(ran.error());
  for (const Row& row : rows) {
    auto attachment = get_attachment(transaction, row.outgoing, row.peer, row.id);
    if (!attachment.ok()) return fail(attachment.error());
    if (*attachment) {
      // The store's copies: a received file's decrypted copy, any staging blob. A sent file's
      // `path` is the person's own original, which is theirs to keep.
      if (!row.outgoing && !(*attachment)->path().empty()) expired.files.emplace_back((*attachment)->path());
      if (!(*attachment)->staging_path().empty()) expired.files.emplace_back((*attachment)->staging_path());
    }
    auto erased = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
      for (const char* table : {"attachments", "messages"}) {
        HUSH_TRY(
            db.prepare(std::string("DELETE FROM ") + table + " WHERE direction = ?1 AND peer = ?2 AND message_id = ?3")
                .bind(1, direction(row.outgoing))
                .bind(2, as_bytes(row.peer))
                .bind(3, ByteView(row.id))
                .run());
      }
      return {};
    });
    if (!erased.ok()) return fail(erased.error());
    ++expired.count;
  }
  return expired;
}

}  // namespace hush::client::detail
