// The `outbox` table. The content is sealed bound to (recipient, message id).
#include "outbox_table.hpp"

#include "hush/client/store/limits.hpp"
#include "hush/client/store/row_name.hpp"
#include "hush/wire/content_codec.hpp"

namespace hush::client::detail {

namespace {

RowName outbox_row(std::string_view recipient, ByteView message_id) {
  RowName row("outbox");
  row.add(recipient).add(message_id);
  return row;
}

}  // namespace

Result<void, StoreError> enqueue(StoreTransaction& transaction, const std::string& recipient, ByteView message_id,
                                 ByteView content, std::uint64_t now_ms) {
  if (content.size() > kMaxOutboxContent) return fail(StoreError::kTooLarge);
  const Bytes sealed = transaction.seal(outbox_row(recipient, message_id), content);
  return transaction.run([&](StoreConnection& db) {
    return db.prepare("INSERT OR IGNORE INTO outbox (recipient, message_id, queued_ms, record) VALUES (?1, ?2, ?3, ?4)")
        .bind(1, as_bytes(recipient))
        .bind(2, message_id)
        .bind(3, static_cast<std::int64_t>(now_ms))
        .bind(4, ByteView(sealed))
        .run();
  });
}

Result<std::vector<OutboxEntry>, StoreError> outbox_entries(StoreTransaction& transaction, std::int64_t after,
                                                            std::size_t limit) {
  std::vector<OutboxEntry> entries;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare(
        "SELECT sequence, recipient, message_id, queued_ms, record FROM outbox WHERE sequence > ?1 ORDER BY sequence "
        "LIMIT ?2");
    select.bind(1, after).bind(2, static_cast<std::int64_t>(limit));
    while (true) {
      auto row = select.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) return {};
      if (select.column_size(1) > kMaxAddressNameSize || select.column_size(2) != wire::kMessageIdSize) {
        return fail(StoreError::kCorrupt);
      }
      OutboxEntry entry;
      entry.sequence = select.column_int(0);
      entry.recipient = select.column_text(1);
      entry.message_id = select.column_blob(2);
      entry.queued_ms = static_cast<std::uint64_t>(select.column_int(3));
      auto content =
          transaction.open(outbox_row(entry.recipient, entry.message_id), select.column_view(4), kMaxOutboxContent);
      if (!content.ok()) return fail(content.error());
      entry.content.assign(content->view().begin(), content->view().end());
      entries.push_back(std::move(entry));
    }
  });
  if (!ran.ok()) return fail(ran.error());
  return entries;
}

Result<void, StoreError> dequeue(StoreTransaction& transaction, std::int64_t sequence) {
  return transaction.run([&](StoreConnection& db) {
    return db.prepare("DELETE FROM outbox WHERE sequence = ?1").bind(1, sequence).run();
  });
}

Result<std::size_t, StoreError> outbox_count(StoreTransaction& transaction) {
  std::size_t count = 0;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT count(*) FROM outbox");
    auto row = select.step();
    if (!row.ok()) return fail(row.error());
    count = static_cast<std::size_t>(select.column_int(0));
    return {};
  });
  if (!ran.ok()) return fail(ran.error());
  return count;
}

}  // namespace hush::client::detail
