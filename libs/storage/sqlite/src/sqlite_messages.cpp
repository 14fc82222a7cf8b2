// The SQLite backend's message queues. A batch is one write transaction, so one commit and one
// fsync however many envelopes it holds (group commit); duplicate detection is a separate table
// that outlives acknowledgement, and expiry deletes with RETURNING so nothing expires unreported,
// recording each sender's delivery failure notice in the same transaction.
#include <algorithm>
#include <map>
#include <optional>

#include "database.hpp"

namespace hush::storage::sqlite {
namespace {

// Duplicate detection stores a sealed sender as (0, 0): SQLite primary keys cannot hold NULL.
DeviceAddress dedup_sender(const Envelope& envelope) {
  return envelope.sender.value_or(DeviceAddress{});
}

std::optional<DeviceAddress> sender_from_row(const Statement& statement, int column) {
  if (statement.column_is_null(column)) return std::nullopt;
  return DeviceAddress{static_cast<AccountId>(statement.column_int(column)),
                       static_cast<DeviceId>(statement.column_int(column + 1))};
}

// The recipient's queue depth (devices.queue_depth), or nullopt when the device does not exist.
Result<std::optional<std::size_t>, StorageError> queue_depth(Connection& connection, DeviceAddress recipient) {
  Statement statement = connection.prepare("SELECT queue_depth FROM devices WHERE account_id = ?1 AND device_id = ?2");
  auto row = statement.bind(1, to_column(recipient.account)).bind(2, to_column(recipient.device)).step();
  if (!row.ok()) return fail(row.error());
  if (!*row) return std::optional<std::size_t>();
  std::int64_t depth = statement.column_int(0);
  if (depth < 0) return fail(StorageError::kCorrupt);
  return std::optional<std::size_t>(static_cast<std::size_t>(depth));
}

// Adds `change` (possibly negative) to the recipient's queue depth.
Result<void, StorageError> adjust_depth(Connection& connection, DeviceAddress recipient, std::int64_t change) {
  return connection
      .prepare("UPDATE devices SET queue_depth = queue_depth + ?3 WHERE account_id = ?1 AND device_id = ?2")
      .bind(1, to_column(recipient.account))
      .bind(2, to_column(recipient.device))
      .bind(3, change)
      .run();
}

Result<bool, StorageError> seen_before(Connection& connection, const Envelope& envelope) {
  Statement statement = connection.prepare(
      "SELECT 1 FROM message_dedup WHERE recipient_account = ?1 AND recipient_device = ?2 "
      "AND sender_account = ?3 AND sender_device = ?4 AND message_id = ?5");
  return statement.bind(1, to_column(envelope.recipient.account))
      .bind(2, to_column(envelope.recipient.device))
      .bind(3, to_column(dedup_sender(envelope).account))
      .bind(4, to_column(dedup_sender(envelope).device))
      .bind(5, ByteView(envelope.id))
      .step();
}

Result<QueueSequence, StorageError> store(Connection& connection, const Envelope& envelope) {
  HUSH_TRY(
      connection
          .prepare("INSERT INTO message_dedup (recipient_account, recipient_device, sender_account, sender_device, "
                   "message_id, retain_until) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
          .bind(1, to_column(envelope.recipient.account))
          .bind(2, to_column(envelope.recipient.device))
          .bind(3, to_column(dedup_sender(envelope).account))
          .bind(4, to_column(dedup_sender(envelope).device))
          .bind(5, ByteView(envelope.id))
          .bind(6, envelope.expires_at)
          .run());
  Statement insert = connection.prepare(
      "INSERT INTO messages (recipient_account, recipient_device, sender_account, sender_device, message_id, "
      "server_time, expires_at, ciphertext, type) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING sequence");
  insert.bind(1, to_column(envelope.recipient.account)).bind(2, to_column(envelope.recipient.device));
  if (envelope.sender) {
    insert.bind(3, to_column(envelope.sender->account)).bind(4, to_column(envelope.sender->device));
  } else {
    insert.bind_null(3).bind_null(4);
  }
  insert.bind(5, ByteView(envelope.id))
      .bind(6, envelope.server_time)
      .bind(7, envelope.expires_at)
      .bind(8, ByteView(envelope.ciphertext))
      .bind(9, std::int64_t{static_cast<std::uint8_t>(envelope.type)});
  auto row = insert.step();
  if (!row.ok()) return fail(row.error());
  if (!*row) return fail(StorageError::kIo);
  return static_cast<QueueSequence>(insert.column_int(0));
}

// Records an expired envelope's notice for its sender device, if that device still exists, and
// drops the device's oldest notices beyond `bound`. Part of expire()'s transaction.
Result<void, StorageError> record_notice(Connection& connection, ExpiredEnvelope& envelope, std::size_t bound) {
  if (!envelope.sender) return {};
  Statement insert = connection.prepare(
      "INSERT INTO delivery_failures (sender_account, sender_device, recipient_account, recipient_device, "
      "message_id, reason) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS "
      "(SELECT 1 FROM devices WHERE account_id = ?1 AND device_id = ?2) RETURNING id");
  insert.bind(1, to_column(envelope.sender->account))
      .bind(2, to_column(envelope.sender->device))
      .bind(3, to_column(envelope.recipient.account))
      .bind(4, to_column(envelope.recipient.device))
      .bind(5, ByteView(envelope.id))
      .bind(6, std::int64_t{static_cast<std::uint8_t>(DeliveryFailureReason::kExpired)});
  auto row = insert.step();
  if (!row.ok()) return fail(row.error());
  if (!*row) return {};  // the sender device was removed: nobody to tell
  envelope.notice = static_cast<NoticeId>(insert.column_int(0));
  HUSH_TRY(insert.step());  // finish the statement
  Statement count =
      connection.prepare("SELECT count(*) FROM delivery_failures WHERE sender_account = ?1 AND sender_device = ?2");
  auto counted = count.bind(1, to_column(envelope.sender->account)).bind(2, to_column(envelope.sender->device)).step();
  if (!counted.ok()) return fail(counted.error());
  const std::int64_t excess = count.column_int(0) - static_cast<std::int64_t>(bound);
  if (excess <= 0) return {};
  HUSH_TRY(connection
               .prepare("DELETE FROM delivery_failures WHERE id IN (SELECT id FROM delivery_failures "
                        "WHERE sender_account = ?1 AND sender_device = ?2 ORDER BY id LIMIT ?3)")
               .bind(1, to_column(envelope.sender->account))
               .bind(2, to_column(envelope.sender->device))
               .bind(3, excess)
               .run());
  envelope.notices_dropped = static_cast<std::size_t>(connection.changes());
  return {};
}

}  // namespace

Result<std::vector<EnqueueOutcome>, StorageError> Messages::enqueue(std::span<const Envelope> batch) {
  if (batch.empty()) return std::vector<EnqueueOutcome>();
  const Options& limits = database_.limits();
  return database_.write([&](Connection& connection) -> Result<std::vector<EnqueueOutcome>, StorageError> {
    std::map<DeviceAddress, std::optional<std::size_t>> depths;  // per recipient, within this batch
    std::map<DeviceAddress, std::int64_t> added;
    std::vector<EnqueueOutcome> outcomes;
    outcomes.reserve(batch.size());
    for (const Envelope& envelope : batch) {
      auto depth = depths.find(envelope.recipient);
      if (depth == depths.end()) {
        auto counted = queue_depth(connection, envelope.recipient);
        if (!counted.ok()) return fail(counted.error());
        depth = depths.emplace(envelope.recipient, *counted).first;
      }
      if (!depth->second) {
        outcomes.push_back(fail(StorageError::kNotFound));
        continue;
      }
      auto duplicate = seen_before(connection, envelope);
      if (!duplicate.ok()) return fail(duplicate.error());
      if (*duplicate) {
        outcomes.push_back(Enqueued{EnqueueStatus::kDuplicate, 0});
      } else if (envelope.ciphertext.size() > limits.max_envelope_size) {
        outcomes.push_back(fail(StorageError::kTooLarge));
      } else if (*depth->second >= limits.max_queue_depth) {
        outcomes.push_back(fail(StorageError::kQueueFull));
      } else {
        auto sequence = store(connection, envelope);
        if (!sequence.ok()) return fail(sequence.error());
        ++*depth->second;
        ++added[envelope.recipient];
        outcomes.push_back(Enqueued{EnqueueStatus::kStored, *sequence});
      }
    }
    for (const auto& [recipient, count] : added) HUSH_TRY(adjust_depth(connection, recipient, count));
    return outcomes;
  });
}

Result<std::vector<QueuedEnvelope>, StorageError> Messages::fetch(DeviceAddress recipient, QueueSequence after,
                                                                  std::size_t limit) {
  limit = std::min(limit, database_.limits().max_fetch_count);
  return database_.read([&](Connection& connection) -> Result<std::vector<QueuedEnvelope>, StorageError> {
    Statement statement = connection.prepare(
        "SELECT sequence, sender_account, sender_device, message_id, server_time, expires_at, ciphertext, type "
        "FROM messages WHERE recipient_account = ?1 AND recipient_device = ?2 AND sequence > ?3 "
        "ORDER BY sequence LIMIT ?4");
    statement.bind(1, to_column(recipient.account))
        .bind(2, to_column(recipient.device))
        .bind(3, to_column(after))
        .bind(4, static_cast<std::int64_t>(limit));
    std::vector<QueuedEnvelope> fetched;
    for (;;) {
      auto row = statement.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) return fetched;
      QueuedEnvelope queued;
      queued.sequence = static_cast<QueueSequence>(statement.column_int(0));
      queued.envelope.recipient = recipient;
      queued.envelope.sender = sender_from_row(statement, 1);
      if (!statement.column_into(3, queued.envelope.id)) return fail(StorageError::kCorrupt);
      queued.envelope.server_time = to_timestamp(statement.column_int(4));
      queued.envelope.expires_at = to_timestamp(statement.column_int(5));
      queued.envelope.ciphertext = statement.column_blob(6);
      const std::int64_t type = statement.column_int(7);
      if (type < 0 || type > 255) return fail(StorageError::kCorrupt);
      queued.envelope.type = static_cast<EnvelopeType>(type);
      fetched.push_back(std::move(queued));
    }
  });
}

Result<std::size_t, StorageError> Messages::acknowledge(DeviceAddress recipient,
                                                        std::span<const QueueSequence> sequences) {
  if (sequences.empty()) return std::size_t{0};
  return database_.write([&](Connection& connection) -> Result<std::size_t, StorageError> {
    std::size_t deleted = 0;
    for (QueueSequence sequence : sequences) {
      HUSH_TRY(connection
                   .prepare("DELETE FROM messages WHERE sequence = ?1 AND recipient_account = ?2 "
                            "AND recipient_device = ?3")
                   .bind(1, to_column(sequence))
                   .bind(2, to_column(recipient.account))
                   .bind(3, to_column(recipient.device))
                   .run());
      deleted += static_cast<std::size_t>(connection.changes());
    }
    if (deleted > 0) HUSH_TRY(adjust_depth(connection, recipient, -static_cast<std::int64_t>(deleted)));
    return deleted;
  });
}

Result<std::vector<ExpiredEnvelope>, StorageError> Messages::expire(Timestamp now, std::size_t limit) {
  return database_.write([&](Connection& connection) -> Result<std::vector<ExpiredEnvelope>, StorageError> {
    Statement statement = connection.prepare(
        "DELETE FROM messages WHERE sequence IN "
        "(SELECT sequence FROM messages WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2) "
        "RETURNING recipient_account, recipient_device, sender_account, sender_device, message_id");
    statement.bind(1, now).bind(2, static_cast<std::int64_t>(limit));
    std::vector<ExpiredEnvelope> expired;
    for (;;) {
      auto row = statement.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) break;
      ExpiredEnvelope envelope;
      envelope.recipient = DeviceAddress{static_cast<AccountId>(statement.column_int(0)),
                                         static_cast<DeviceId>(statement.column_int(1))};
      envelope.sender = sender_from_row(statement, 2);
      if (!statement.column_into(4, envelope.id)) return fail(StorageError::kCorrupt);
      expired.push_back(envelope);
    }
    std::map<DeviceAddress, std::int64_t> removed;
    for (const ExpiredEnvelope& envelope : expired) --removed[envelope.recipient];
    for (const auto& [recipient, change] : removed) HUSH_TRY(adjust_depth(connection, recipient, change));
    // Notices in the same transaction: the envelopes are never gone without them.
    const std::size_t bound = std::max<std::size_t>(1, database_.limits().max_notices_per_device);
    for (ExpiredEnvelope& envelope : expired) HUSH_TRY(record_notice(connection, envelope, bound));
    if (expired.size() < limit) {
      HUSH_TRY(connection.prepare("DELETE FROM message_dedup WHERE retain_until <= ?1").bind(1, now).run());
    }
    return expired;
  });
}

Result<std::size_t, StorageError> Messages::depth(DeviceAddress recipient) {
  return database_.read([&](Connection& connection) -> Result<std::size_t, StorageError> {
    auto depth = queue_depth(connection, recipient);
    if (!depth.ok()) return fail(depth.error());
    return depth->value_or(0);
  });
}

Result<std::vector<DeliveryFailureNotice>, StorageError> Messages::pending_notices(DeviceAddress sender,
                                                                                   std::size_t limit) {
  limit = std::min(limit, database_.limits().max_fetch_count);
  return database_.read([&](Connection& connection) -> Result<std::vector<DeliveryFailureNotice>, StorageError> {
    Statement statement = connection.prepare(
        "SELECT id, recipient_account, recipient_device, message_id, reason FROM delivery_failures "
        "WHERE sender_account = ?1 AND sender_device = ?2 ORDER BY id LIMIT ?3");
    statement.bind(1, to_column(sender.account))
        .bind(2, to_column(sender.device))
        .bind(3, static_cast<std::int64_t>(limit));
    std::vector<DeliveryFailureNotice> pending;
    for (;;) {
      auto row = statement.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) return pending;
      DeliveryFailureNotice notice;
      notice.id = static_cast<NoticeId>(statement.column_int(0));
      notice.recipient = DeviceAddress{static_cast<AccountId>(statement.column_int(1)),
                                       static_cast<DeviceId>(statement.column_int(2))};
      if (!statement.column_into(3, notice.message_id)) return fail(StorageError::kCorrupt);
      if (statement.column_int(4) != static_cast<std::uint8_t>(DeliveryFailureReason::kExpired)) {
        return fail(StorageError::kCorrupt);
      }
      notice.reason = DeliveryFailureReason::kExpired;
      pending.push_back(notice);
    }
  });
}

Result<std::size_t, StorageError> Messages::remove_notices(DeviceAddress sender, std::span<const NoticeId> ids) {
  if (ids.empty()) return std::size_t{0};
  return database_.write([&](Connection& connection) -> Result<std::size_t, StorageError> {
    std::size_t removed = 0;
    for (NoticeId id : ids) {
      HUSH_TRY(connection
                   .prepare("DELETE FROM delivery_failures WHERE id = ?1 AND sender_account = ?2 "
                            "AND sender_device = ?3")
                   .bind(1, to_column(id))
                   .bind(2, to_column(sender.account))
                   .bind(3, to_column(sender.device))
                   .run());
      removed += static_cast<std::size_t>(connection.changes());
    }
    return removed;
  });
}

}  // namespace hush::storage::sqlite
