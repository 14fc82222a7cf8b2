// The SQLite backend's message queues. A batch is one write transaction, so one commit and one
// fsync however many envelopes and acknowledgements it holds (group commit); duplicate detection
// is a separate table that outlives acknowledgement, and expiry deletes with RETURNING so nothing
// expires unreported, recording each sender's delivery failure notice in the same transaction.
// A fan-out's body is one row of message_bodies with a reference count; its queued envelopes carry
// its id (messages.body_id) and no ciphertext of their own, and every step that deletes an envelope
// releases its reference in the same transaction (release_body()).
#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "database.hpp"

namespace hush::storage::sqlite {

Result<void, StorageError> release_body(Connection& connection, std::int64_t body_id, std::int64_t count) {
  Statement update = connection.prepare(
      "UPDATE message_bodies SET reference_count = reference_count - ?2 WHERE id = ?1 RETURNING reference_count");
  auto row = update.bind(1, body_id).bind(2, count).step();
  if (!row.ok()) return fail(row.error());
  if (!*row) return fail(StorageError::kCorrupt);  // an envelope referred to no body
  const std::int64_t left = update.column_int(0);
  HUSH_TRY(update.step());  // finish the statement
  if (left > 0) return {};
  return connection.prepare("DELETE FROM message_bodies WHERE id = ?1").bind(1, body_id).run();
}

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

// Records the envelope for duplicate detection: true if it is new, false if it is a duplicate
// (nothing written). Checking and recording in one statement saves a lookup per stored envelope.
Result<bool, StorageError> remember(Connection& connection, const Envelope& envelope) {
  HUSH_TRY(connection
               .prepare("INSERT INTO message_dedup (recipient_account, recipient_device, sender_account, "
                        "sender_device, message_id, retain_until) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                        "ON CONFLICT (recipient_account, recipient_device, sender_account, sender_device, message_id) "
                        "DO NOTHING")
               .bind(1, to_column(envelope.recipient.account))
               .bind(2, to_column(envelope.recipient.device))
               .bind(3, to_column(dedup_sender(envelope).account))
               .bind(4, to_column(dedup_sender(envelope).device))
               .bind(5, ByteView(envelope.id))
               .bind(6, envelope.expires_at)
               .run());
  return connection.changes() > 0;
}

// Inserts the envelope into its recipient's queue; its new sequence. With `body_id` it is a
// fan-out's: no ciphertext of its own (the caller counts the body's reference).
Result<QueueSequence, StorageError> insert_envelope(Connection& connection, const Envelope& envelope,
                                                    std::optional<std::int64_t> body_id) {
  Statement insert = connection.prepare(
      "INSERT INTO messages (recipient_account, recipient_device, sender_account, sender_device, message_id, "
      "server_time, expires_at, ciphertext, type, body_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
      "RETURNING sequence");
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
  if (body_id) {
    insert.bind(10, *body_id);
  } else {
    insert.bind_null(10);
  }
  auto row = insert.step();
  if (!row.ok()) return fail(row.error());
  if (!*row) return fail(StorageError::kIo);
  return static_cast<QueueSequence>(insert.column_int(0));
}

// The body held for a fan-out's (sender, id), if any: its id, and whether it equals `body` (when
// `body` is empty, whatever it holds).
struct HeldBody {
  std::int64_t id = 0;
  bool same = false;
};
Result<std::optional<HeldBody>, StorageError> held_body(Connection& connection, const Fanout& fanout) {
  Statement statement = connection.prepare(
      "SELECT id, body = ?4 FROM message_bodies WHERE sender_account = ?1 AND sender_device = ?2 "
      "AND message_id = ?3");
  auto row = statement.bind(1, to_column(fanout.sender.account))
                 .bind(2, to_column(fanout.sender.device))
                 .bind(3, ByteView(fanout.id))
                 .bind(4, ByteView(fanout.body))
                 .step();
  if (!row.ok()) return fail(row.error());
  if (!*row) return std::optional<HeldBody>();
  return std::optional<HeldBody>(HeldBody{statement.column_int(0), statement.column_int(1) != 0});
}

// Stores a fan-out's body with no reference yet; its id.
Result<std::int64_t, StorageError> insert_body(Connection& connection, const Fanout& fanout) {
  Statement insert = connection.prepare(
      "INSERT INTO message_bodies (sender_account, sender_device, message_id, body, reference_count) "
      "VALUES (?1, ?2, ?3, ?4, 0) RETURNING id");
  auto row = insert.bind(1, to_column(fanout.sender.account))
                 .bind(2, to_column(fanout.sender.device))
                 .bind(3, ByteView(fanout.id))
                 .bind(4, ByteView(fanout.body))
                 .step();
  if (!row.ok()) return fail(row.error());
  if (!*row) return fail(StorageError::kIo);
  const std::int64_t id = insert.column_int(0);
  HUSH_TRY(insert.step());  // finish the statement
  return id;
}

// The steps of enqueue(), acknowledge() and remove_notices(), run inside one write transaction in
// any number and order, so that commit() is those same steps in a single transaction. Queue
// depths are read once per device and written once per device, by finish(), which must run before
// the transaction commits (write_queues() does both).
class QueueWrite {
 public:
  QueueWrite(Connection& connection, const Options& limits) : connection_(connection), limits_(limits) {}

  // Deletes `recipient`'s envelopes with these sequences (others' and unknown ones are ignored);
  // how many were deleted.
  Result<std::size_t, StorageError> delete_envelopes(DeviceAddress recipient,
                                                     std::span<const QueueSequence> sequences) {
    std::size_t deleted = 0;
    for (QueueSequence sequence : sequences) {
      Statement statement = connection_.prepare(
          "DELETE FROM messages WHERE sequence = ?1 AND recipient_account = ?2 AND recipient_device = ?3 "
          "RETURNING body_id");
      auto row = statement.bind(1, to_column(sequence))
                     .bind(2, to_column(recipient.account))
                     .bind(3, to_column(recipient.device))
                     .step();
      if (!row.ok()) return fail(row.error());
      if (!*row) continue;
      ++deleted;
      const std::optional<std::int64_t> body_id =
          statement.column_is_null(0) ? std::nullopt : std::optional(statement.column_int(0));
      HUSH_TRY(statement.step());  // finish the statement
      if (body_id) HUSH_TRY(release_body(connection_, *body_id, 1));
    }
    if (deleted > 0) {
      auto depth = depth_of(recipient);
      if (!depth.ok()) return fail(depth.error());
      (*depth)->change -= static_cast<std::int64_t>(deleted);
    }
    return deleted;
  }

  // Deletes `sender`'s notices with these ids (others' and unknown ones are ignored); how many.
  Result<std::size_t, StorageError> delete_notices(DeviceAddress sender, std::span<const NoticeId> ids) {
    std::size_t removed = 0;
    for (NoticeId id : ids) {
      HUSH_TRY(connection_
                   .prepare("DELETE FROM delivery_failures WHERE id = ?1 AND sender_account = ?2 "
                            "AND sender_device = ?3")
                   .bind(1, to_column(id))
                   .bind(2, to_column(sender.account))
                   .bind(3, to_column(sender.device))
                   .run());
      removed += static_cast<std::size_t>(connection_.changes());
    }
    return removed;
  }

  // Stores the batch as enqueue() promises: one outcome per envelope, in order.
  Result<std::vector<EnqueueOutcome>, StorageError> store(std::span<const Envelope> batch) {
    std::vector<EnqueueOutcome> outcomes;
    outcomes.reserve(batch.size());
    for (const Envelope& envelope : batch) {
      auto outcome = store_one(envelope, nullptr);
      if (!outcome.ok()) return fail(outcome.error());
      outcomes.push_back(std::move(*outcome));
    }
    return outcomes;
  }

  // Stores one fan-out as Fanout promises: its body once (or a reference to the one held), an
  // envelope per recipient referring to it.
  Result<FanoutOutcome, StorageError> fan_out(const Fanout& fanout) {
    if (fanout.body.size() > limits_.max_envelope_size) return FanoutOutcome(fail(StorageError::kTooLarge));
    auto held = held_body(connection_, fanout);
    if (!held.ok()) return fail(held.error());
    if (!*held && fanout.body.empty()) return FanoutOutcome(fail(StorageError::kNotFound));
    if (*held && !fanout.body.empty() && !(*held)->same) return FanoutOutcome(fail(StorageError::kConflict));
    Body body{&fanout, *held ? std::optional((*held)->id) : std::nullopt, 0};
    std::vector<EnqueueOutcome> outcomes;
    outcomes.reserve(fanout.recipients.size());
    for (DeviceAddress recipient : fanout.recipients) {
      auto outcome = store_one(envelope_for(fanout, recipient), &body);
      if (!outcome.ok()) return fail(outcome.error());
      outcomes.push_back(std::move(*outcome));
    }
    if (body.stored > 0) {
      HUSH_TRY(connection_.prepare("UPDATE message_bodies SET reference_count = reference_count + ?2 WHERE id = ?1")
                   .bind(1, *body.id)
                   .bind(2, body.stored)
                   .run());
    }
    return FanoutOutcome(std::move(outcomes));
  }

  // Writes the queue depths the steps above changed.
  Result<void, StorageError> finish() {
    for (const auto& [device, depth] : depths_) {
      if (depth.stored && depth.change != 0) HUSH_TRY(adjust_depth(connection_, device, depth.change));
    }
    return {};
  }

 private:
  struct QueueDepth {
    std::optional<std::size_t> stored;  // devices.queue_depth when first needed; nullopt: no such device
    std::int64_t change = 0;            // by this transaction so far

    std::size_t current() const {
      return static_cast<std::size_t>(
          std::max<std::int64_t>(0, static_cast<std::int64_t>(stored.value_or(0)) + change));
    }
  };

  // The body a fan-out's envelopes refer to: stored when its first envelope is (none is stored
  // for a fan-out whose every envelope is refused or a duplicate), counted once at the end.
  struct Body {
    const Fanout* fanout = nullptr;
    std::optional<std::int64_t> id;  // once held or stored
    std::int64_t stored = 0;         // envelopes stored referring to it
  };

  // One envelope as enqueue() decides it (duplicate first, then size, then room); with `body`, a
  // fan-out's referring to that body. Fails only when the backend does.
  Result<EnqueueOutcome, StorageError> store_one(const Envelope& envelope, Body* body) {
    auto depth = depth_of(envelope.recipient);
    if (!depth.ok()) return fail(depth.error());
    QueueDepth& queue = **depth;
    if (!queue.stored) return EnqueueOutcome(fail(StorageError::kNotFound));
    const bool too_large = envelope.ciphertext.size() > limits_.max_envelope_size;
    if (too_large || queue.current() >= limits_.max_queue_depth) {
      // Refused, unless it is a duplicate: that is reported first, also when the queue is full.
      auto duplicate = seen_before(connection_, envelope);
      if (!duplicate.ok()) return fail(duplicate.error());
      if (*duplicate) return EnqueueOutcome(Enqueued{EnqueueStatus::kDuplicate, 0});
      return EnqueueOutcome(fail(too_large ? StorageError::kTooLarge : StorageError::kQueueFull));
    }
    auto is_new = remember(connection_, envelope);
    if (!is_new.ok()) return fail(is_new.error());
    if (!*is_new) return EnqueueOutcome(Enqueued{EnqueueStatus::kDuplicate, 0});
    std::optional<std::int64_t> body_id;
    if (body != nullptr) {
      if (!body->id) {
        auto inserted = insert_body(connection_, *body->fanout);
        if (!inserted.ok()) return fail(inserted.error());
        body->id = *inserted;
      }
      body_id = body->id;
      ++body->stored;
    }
    auto sequence = insert_envelope(connection_, envelope, body_id);
    if (!sequence.ok()) return fail(sequence.error());
    ++queue.change;
    return EnqueueOutcome(Enqueued{EnqueueStatus::kStored, *sequence});
  }

  Result<QueueDepth*, StorageError> depth_of(DeviceAddress device) {
    auto found = depths_.find(device);
    if (found == depths_.end()) {
      auto stored = queue_depth(connection_, device);
      if (!stored.ok()) return fail(stored.error());
      found = depths_.emplace(device, QueueDepth{*stored, 0}).first;
    }
    return &found->second;
  }

  Connection& connection_;
  const Options& limits_;
  std::map<DeviceAddress, QueueDepth> depths_;
};

// Runs body(QueueWrite&) -> Result<T, StorageError> in one write transaction of `database`, with
// the queue depths written before it commits: committed and synced if the body succeeds, rolled
// back (nothing of it applied) otherwise.
template <class Body>
auto write_queues(Database& database, Body&& body) -> decltype(body(std::declval<QueueWrite&>())) {
  using Outcome = decltype(body(std::declval<QueueWrite&>()));
  return database.write([&](Connection& connection) -> Outcome {
    QueueWrite queues(connection, database.limits());
    Outcome outcome = body(queues);
    if (!outcome.ok()) return outcome;
    HUSH_TRY(queues.finish());
    return outcome;
  });
}

}  // namespace

Result<std::vector<EnqueueOutcome>, StorageError> Messages::enqueue(std::span<const Envelope> batch) {
  if (batch.empty()) return std::vector<EnqueueOutcome>();
  return write_queues(database_, [&](QueueWrite& queues) { return queues.store(batch); });
}

Result<Committed, StorageError> Messages::commit(std::span<const Envelope> batch, std::span<const Fanout> fanouts,
                                                 std::span<const Acknowledgement> acknowledgements) {
  if (batch.empty() && fanouts.empty() && acknowledgements.empty()) return Committed{};
  return write_queues(database_, [&](QueueWrite& queues) -> Result<Committed, StorageError> {
    Committed committed;
    committed.acknowledged.reserve(acknowledgements.size());
    // Acknowledgements first, so the room they free counts for this batch.
    for (const Acknowledgement& acknowledgement : acknowledgements) {
      auto envelopes = queues.delete_envelopes(acknowledgement.device, acknowledgement.envelopes);
      if (!envelopes.ok()) return fail(envelopes.error());
      auto notices = queues.delete_notices(acknowledgement.device, acknowledgement.notices);
      if (!notices.ok()) return fail(notices.error());
      committed.acknowledged.push_back(Committed::Removed{*envelopes, *notices});
    }
    auto enqueued = queues.store(batch);
    if (!enqueued.ok()) return fail(enqueued.error());
    committed.enqueued = std::move(*enqueued);
    committed.fanned_out.reserve(fanouts.size());
    for (const Fanout& fanout : fanouts) {
      auto fanned_out = queues.fan_out(fanout);
      if (!fanned_out.ok()) return fail(fanned_out.error());
      committed.fanned_out.push_back(std::move(*fanned_out));
    }
    return committed;
  });
}

Result<std::vector<QueuedEnvelope>, StorageError> Messages::fetch(DeviceAddress recipient, QueueSequence after,
                                                                  std::size_t limit) {
  limit = std::min(limit, database_.limits().max_fetch_count);
  return database_.read([&](Connection& connection) -> Result<std::vector<QueuedEnvelope>, StorageError> {
    // A fan-out's envelope gets its body's bytes as its ciphertext.
    Statement statement = connection.prepare(
        "SELECT m.sequence, m.sender_account, m.sender_device, m.message_id, m.server_time, m.expires_at, "
        "CASE WHEN m.body_id IS NULL THEN m.ciphertext ELSE b.body END, m.type "
        "FROM messages m LEFT JOIN message_bodies b ON b.id = m.body_id "
        "WHERE m.recipient_account = ?1 AND m.recipient_device = ?2 AND m.sequence > ?3 "
        "ORDER BY m.sequence LIMIT ?4");
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
      if (statement.column_is_null(6)) return fail(StorageError::kCorrupt);  // a reference to no body
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
  return write_queues(database_, [&](QueueWrite& queues) { return queues.delete_envelopes(recipient, sequences); });
}

Result<std::vector<ExpiredEnvelope>, StorageError> Messages::expire(Timestamp now, std::size_t limit) {
  return database_.write([&](Connection& connection) -> Result<std::vector<ExpiredEnvelope>, StorageError> {
    Statement statement = connection.prepare(
        "DELETE FROM messages WHERE sequence IN "
        "(SELECT sequence FROM messages WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2) "
        "RETURNING recipient_account, recipient_device, sender_account, sender_device, message_id, body_id");
    statement.bind(1, now).bind(2, static_cast<std::int64_t>(limit));
    std::vector<ExpiredEnvelope> expired;
    std::map<std::int64_t, std::int64_t> released;  // fan-out body id -> references expired
    for (;;) {
      auto row = statement.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) break;
      ExpiredEnvelope envelope;
      envelope.recipient = DeviceAddress{static_cast<AccountId>(statement.column_int(0)),
                                         static_cast<DeviceId>(statement.column_int(1))};
      envelope.sender = sender_from_row(statement, 2);
      if (!statement.column_into(4, envelope.id)) return fail(StorageError::kCorrupt);
      if (!statement.column_is_null(5)) ++released[statement.column_int(5)];
      expired.push_back(envelope);
    }
    for (const auto& [body_id, count] : released) HUSH_TRY(release_body(connection, body_id, count));
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

Result<std::size_t, StorageError> Messages::shared_bodies() {
  return database_.read([&](Connection& connection) -> Result<std::size_t, StorageError> {
    Statement statement = connection.prepare("SELECT count(*) FROM message_bodies");
    auto row = statement.step();
    if (!row.ok()) return fail(row.error());
    if (!*row || statement.column_int(0) < 0) return fail(StorageError::kCorrupt);
    return static_cast<std::size_t>(statement.column_int(0));
  });
}

Result<std::vector<DeliveryFailureNotice>, StorageError> Messages::pending_notices(DeviceAddress sender, NoticeId after,
                                                                                   std::size_t limit) {
  limit = std::min(limit, database_.limits().max_fetch_count);
  // No notice id exceeds SQLite's signed 64 bits; as a column such a cursor would turn negative.
  if (after > static_cast<NoticeId>(std::numeric_limits<std::int64_t>::max())) {
    return std::vector<DeliveryFailureNotice>();
  }
  return database_.read([&](Connection& connection) -> Result<std::vector<DeliveryFailureNotice>, StorageError> {
    Statement statement = connection.prepare(
        "SELECT id, recipient_account, recipient_device, message_id, reason FROM delivery_failures "
        "WHERE sender_account = ?1 AND sender_device = ?2 AND id > ?3 ORDER BY id LIMIT ?4");
    statement.bind(1, to_column(sender.account))
        .bind(2, to_column(sender.device))
        .bind(3, to_column(after))
        .bind(4, static_cast<std::int64_t>(limit));
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
  return write_queues(database_, [&](QueueWrite& queues) { return queues.delete_notices(sender, ids); });
}

}  // namespace hush::storage::sqlite
