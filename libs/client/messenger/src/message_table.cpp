// The `messages` table and the session queries. Bodies are sealed, bound to (direction, peer, id),
// so a body copied to another row does not open.
#include "message_table.hpp"

#include "hush/client/store/limits.hpp"
#include "hush/client/store/row_name.hpp"
#include "hush/wire/content_codec.hpp"

namespace hush::client::detail {

namespace {

// Longest stored kind name ("undecryptable").
constexpr std::size_t kMaxStoredKind = 32;

RowName message_row(bool outgoing, std::string_view peer, ByteView id) {
  RowName row("messages");
  row.add(std::uint32_t{outgoing ? 1u : 0u}).add(peer).add(id);
  return row;
}

}  // namespace

Result<void, StoreError> insert_message(StoreTransaction& transaction, const Message& message, std::uint64_t now_ms) {
  const Bytes sealed =
      transaction.seal(message_row(message.outgoing, message.peer, message.id), as_bytes(message.body));
  return transaction.run([&](StoreConnection& db) {
    return db
        .prepare(
            "INSERT OR IGNORE INTO messages (direction, peer, peer_device, message_id, timestamp_ms, stored_ms, kind, "
            "record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
        .bind(1, std::int64_t{message.outgoing ? 1 : 0})
        .bind(2, as_bytes(message.peer))
        .bind(3, std::int64_t{message.peer_device})
        .bind(4, ByteView(message.id))
        .bind(5, static_cast<std::int64_t>(message.timestamp_ms))
        .bind(6, static_cast<std::int64_t>(now_ms))
        .bind(7, std::string_view(message.kind))
        .bind(8, ByteView(sealed))
        .run();
  });
}

Result<bool, StoreError> has_message(StoreTransaction& transaction, bool outgoing, const std::string& peer,
                                     ByteView id) {
  bool found = false;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT 1 FROM messages WHERE direction = ?1 AND peer = ?2 AND message_id = ?3");
    select.bind(1, std::int64_t{outgoing ? 1 : 0}).bind(2, as_bytes(peer)).bind(3, id);
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
    auto select = db.prepare(
        "SELECT direction, peer_device, message_id, timestamp_ms, kind, record FROM messages WHERE peer = ?1 "
        "ORDER BY rowid");
    select.bind(1, as_bytes(peer));
    while (true) {
      auto row = select.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) return {};
      if (select.column_size(2) != wire::kMessageIdSize || select.column_size(4) > kMaxStoredKind) {
        return fail(StoreError::kCorrupt);
      }
      Message message;
      message.outgoing = select.column_int(0) == 1;
      message.peer = peer;
      message.peer_device = static_cast<std::uint32_t>(select.column_int(1));
      message.id = select.column_blob(2);
      message.timestamp_ms = static_cast<std::uint64_t>(select.column_int(3));
      message.kind = select.column_text(4);
      auto body =
          transaction.open(message_row(message.outgoing, peer, message.id), select.column_view(5), kMaxStoredBody);
      if (!body.ok()) return fail(body.error());
      message.body = hush::to_string(body->view());
      messages.push_back(std::move(message));
    }
  });
  if (!ran.ok()) return fail(ran.error());
  return messages;
}

Result<std::vector<std::uint32_t>, StoreError> session_devices(StoreTransaction& transaction, const std::string& name) {
  std::vector<std::uint32_t> devices;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT device_id FROM sessions WHERE name = ?1 ORDER BY device_id");
    select.bind(1, as_bytes(name));
    while (true) {
      auto row = select.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) return {};
      const std::int64_t device = select.column_int(0);
      if (device <= 0 || device > 0xFFFFFFFF) return fail(StoreError::kCorrupt);
      devices.push_back(static_cast<std::uint32_t>(device));
    }
  });
  if (!ran.ok()) return fail(ran.error());
  return devices;
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

}  // namespace hush::client::detail
