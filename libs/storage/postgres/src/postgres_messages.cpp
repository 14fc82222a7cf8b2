// The PostgreSQL backend's message queues, shared by several nodes.
//
// Order: every transaction that writes queues first locks the device rows of every queue it
// touches, in one statement, in (account, device) order; only then does it draw sequences. Two
// transactions for one device therefore run one after the other, and the second draws larger
// sequences after the first committed: a reader fetching by cursor never skips an envelope that
// commits later with a smaller sequence. Sorted locking keeps two such transactions from
// deadlocking (a deadlock with expiry or device removal is rare, and retried).
//
// Throughput: a batch costs a fixed number of statements whatever its size (arrays and unnest()),
// about nine round trips for a commit of acknowledgements and envelopes, and one durable COMMIT.
// Duplicate detection is looked up for the whole batch in one statement; the per-envelope decisions
// (duplicate, too large, queue full) are then made here, in batch order, exactly as SQLite makes them.
//
// Fan-outs: a body is one message_bodies row with a reference count. A commit with fan-outs also
// locks each fan-out's sender device (so two transactions never store one (sender, id) body at
// once), looks up and locks the held bodies in one statement (id order), and stores new bodies and
// counts new references in at most two more; the envelopes referring to them go in the same
// insert as the batch's. Every deletion of such an envelope releases its reference in the same
// transaction (release_bodies(): locks the bodies in id order, then counts down and deletes those
// left with none). Body locks are always taken after the device locks.
#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include "database.hpp"
#include "hush/crypto/hash.hpp"

namespace hush::storage::postgres {

Result<void, StorageError> release_bodies(Connection& connection,
                                          const std::map<std::int64_t, std::int64_t>& released) {
  if (released.empty()) return {};
  std::vector<std::int64_t> ids, counts;
  for (const auto& [id, count] : released) {
    ids.push_back(id);
    counts.push_back(count);
  }
  // Locked in id order first (as a fan-out locks them), so two releases never wait on each other
  // in a cycle; then counted down, and those left without a reference deleted.
  HUSH_TRY(connection.run("SELECT id FROM message_bodies WHERE id = ANY($1::int8[]) ORDER BY id FOR NO KEY UPDATE",
                          Params().integers(ids)));
  auto left = connection.run(
      "UPDATE message_bodies b SET reference_count = b.reference_count - c.released "
      "FROM unnest($1::int8[], $2::int8[]) AS c (id, released) WHERE b.id = c.id RETURNING b.id, b.reference_count",
      Params().integers(ids).integers(counts));
  if (!left.ok()) return fail(left.error());
  if (static_cast<std::size_t>(left->size()) != ids.size()) return fail(StorageError::kCorrupt);  // no such body
  std::vector<std::int64_t> unreferenced;
  for (int row = 0; row < left->size(); ++row) {
    if (left->integer_or_zero(row, 1) <= 0) unreferenced.push_back(left->integer_or_zero(row, 0));
  }
  if (unreferenced.empty()) return {};
  HUSH_TRY(connection.run("DELETE FROM message_bodies WHERE id = ANY($1::int8[])", Params().integers(unreferenced)));
  return {};
}

namespace {

constexpr auto kMaxColumnValue = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// Duplicate detection stores a sealed sender as (0, 0), as SQLite does: primary keys hold no NULL.
DeviceAddress dedup_sender(const Envelope& envelope) {
  return envelope.sender.value_or(DeviceAddress{});
}

std::optional<DeviceAddress> sender_from_row(const Rows& rows, int row, int column) {
  if (rows.is_null(row, column)) return std::nullopt;
  return DeviceAddress{static_cast<AccountId>(rows.integer_or_zero(row, column)),
                       static_cast<DeviceId>(rows.integer_or_zero(row, column + 1))};
}

DeviceAddress address_from_row(const Rows& rows, int row, int column) {
  return DeviceAddress{static_cast<AccountId>(rows.integer_or_zero(row, column)),
                       static_cast<DeviceId>(rows.integer_or_zero(row, column + 1))};
}

// `count` numbers drawn from a sequence by `sql` (taking the count as $1), in increasing order.
Result<std::vector<std::int64_t>, StorageError> draw(Connection& connection, const char* sql, std::size_t count) {
  std::vector<std::int64_t> drawn;
  if (count == 0) return drawn;
  auto rows = connection.run(sql, Params().integer(static_cast<std::uint64_t>(count)));
  if (!rows.ok()) return fail(rows.error());
  if (static_cast<std::size_t>(rows->size()) != count) return fail(StorageError::kIo);
  for (int row = 0; row < rows->size(); ++row) drawn.push_back(rows->integer_or_zero(row, 0));
  std::sort(drawn.begin(), drawn.end());
  return drawn;
}

constexpr const char* kDrawSequences = "SELECT nextval('message_sequence') FROM generate_series(1, $1)";
constexpr const char* kDrawNoticeIds = "SELECT nextval('delivery_failure_id') FROM generate_series(1, $1)";
constexpr const char* kDrawBodyIds = "SELECT nextval('message_body_id') FROM generate_series(1, $1)";

// Adds each change (possibly negative) to its device's queue depth, in one statement.
Result<void, StorageError> adjust_depths(Connection& connection, const std::map<DeviceAddress, std::int64_t>& changes) {
  std::vector<std::int64_t> accounts;
  std::vector<std::int64_t> devices;
  std::vector<std::int64_t> deltas;
  for (const auto& [device, change] : changes) {
    if (change == 0) continue;
    accounts.push_back(to_column(device.account));
    devices.push_back(std::int64_t{device.device});
    deltas.push_back(change);
  }
  if (accounts.empty()) return {};
  HUSH_TRY(
      connection.run("UPDATE devices d SET queue_depth = d.queue_depth + c.change "
                     "FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS c (account_id, device_id, change) "
                     "WHERE d.account_id = c.account_id AND d.device_id = c.device_id",
                     Params().integers(accounts).integers(devices).integers(deltas)));
  return {};
}

// The steps of enqueue(), acknowledge() and commit() inside one transaction: lock() first, with
// every device the others will touch, then any of them, then finish() (the depths) before commit.
class QueueWrite {
 public:
  QueueWrite(Transaction& transaction, const Options& limits)
      : transaction_(transaction), connection_(transaction.connection()), limits_(limits) {}

  Result<void, StorageError> lock(std::vector<DeviceAddress> devices) {
    auto locked = lock_devices(connection_, std::move(devices));
    if (!locked.ok()) return fail(locked.error());
    for (const LockedDevice& device : *locked) depths_[device.address] = Depth{device.queue_depth, 0};
    return {};
  }

  // Applies acknowledgements in order (a handle named twice counts for the first that names it).
  Result<std::vector<Committed::Removed>, StorageError> acknowledge(std::span<const Acknowledgement> acknowledgements) {
    std::vector<Committed::Removed> removed(acknowledgements.size());
    Handles envelopes;
    Handles notices;
    for (std::size_t item = 0; item < acknowledgements.size(); ++item) {
      const Acknowledgement& acknowledgement = acknowledgements[item];
      for (QueueSequence sequence : acknowledgement.envelopes) envelopes.add(acknowledgement.device, sequence, item);
      for (NoticeId id : acknowledgement.notices) notices.add(acknowledgement.device, id, item);
    }
    if (!envelopes.empty()) {
      auto deleted = connection_.run(
          "DELETE FROM messages m USING unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[]) "
          "AS a (account_id, device_id, sequence, item) WHERE m.sequence = a.sequence "
          "AND m.recipient_account = a.account_id AND m.recipient_device = a.device_id RETURNING a.item, m.body_id",
          envelopes.params());
      if (!deleted.ok()) return fail(deleted.error());
      std::map<std::int64_t, std::int64_t> released;  // fan-out body id -> references deleted
      for (int row = 0; row < deleted->size(); ++row) {
        const auto item = static_cast<std::size_t>(deleted->integer_or_zero(row, 0));
        if (item >= removed.size()) return fail(StorageError::kIo);
        ++removed[item].envelopes;
        auto depth = depths_.find(acknowledgements[item].device);
        if (depth != depths_.end()) --depth->second.change;
        if (!deleted->is_null(row, 1)) ++released[deleted->integer_or_zero(row, 1)];
      }
      // Now, not at the end: a fan-out later in this commit finds a body as these left it.
      HUSH_TRY(release_bodies(connection_, released));
    }
    if (!notices.empty()) {
      auto deleted = connection_.run(
          "DELETE FROM delivery_failures f USING unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[]) "
          "AS a (account_id, device_id, id, item) WHERE f.id = a.id "
          "AND f.sender_account = a.account_id AND f.sender_device = a.device_id RETURNING a.item",
          notices.params());
      if (!deleted.ok()) return fail(deleted.error());
      for (int row = 0; row < deleted->size(); ++row) {
        const auto item = static_cast<std::size_t>(deleted->integer_or_zero(row, 0));
        if (item >= removed.size()) return fail(StorageError::kIo);
        ++removed[item].notices;
      }
    }
    return removed;
  }

  // What a commit stores after its acknowledgements: the batch's envelopes (as enqueue() promises),
  // then each fan-out's (as Fanout promises), their outcomes in order. Sequences are drawn in that
  // order, so the batch's are smaller than the fan-outs'.
  struct Stored {
    std::vector<EnqueueOutcome> enqueued;
    std::vector<FanoutOutcome> fanned_out;
  };
  Result<Stored, StorageError> store(std::span<const Envelope> batch, std::span<const Fanout> fanouts) {
    // Every envelope to decide, in order: the batch's, then each fan-out's (no ciphertext of its
    // own: it will refer to its fan-out's body).
    std::vector<Envelope> references;
    for (const Fanout& fanout : fanouts) {
      for (DeviceAddress recipient : fanout.recipients) references.push_back(envelope_for(fanout, recipient));
    }
    std::vector<const Envelope*> all;
    all.reserve(batch.size() + references.size());
    for (const Envelope& envelope : batch) all.push_back(&envelope);
    for (const Envelope& envelope : references) all.push_back(&envelope);
    auto seen = seen_before(all);
    if (!seen.ok()) return fail(seen.error());
    auto held = held_bodies(fanouts);
    if (!held.ok()) return fail(held.error());

    Stored out;
    std::vector<std::size_t> stored;            // indexes into `all`
    std::vector<const BodyKey*> stored_bodies;  // per stored: the fan-out body it refers to, or none
    std::set<DedupKey> accepted;                // by this transaction
    const auto decide = [&](std::size_t i, const BodyKey* body) {
      EnqueueOutcome outcome = decide_one(*all[i], seen->count(i) != 0, accepted);
      if (outcome.ok() && outcome->status == EnqueueStatus::kStored) {
        stored.push_back(i);
        stored_bodies.push_back(body);
      }
      return outcome;
    };
    out.enqueued.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) out.enqueued.push_back(decide(i, nullptr));

    // Fan-outs in order, each against the bodies as the ones before it left them (as SQLite sees
    // them, one statement after another): a body counts as held once an envelope refers to it.
    std::map<BodyKey, Body> bodies;
    std::size_t next = batch.size();
    out.fanned_out.reserve(fanouts.size());
    for (const Fanout& fanout : fanouts) {
      const std::size_t first = next;
      next += fanout.recipients.size();
      const BodyKey key{fanout.sender, fanout.id};
      auto body = bodies.find(key);
      if (body == bodies.end()) {
        auto found = held->find(key);
        body = bodies.emplace(key, found == held->end() ? Body{} : found->second).first;
      }
      const bool available = body->second.id.has_value() || body->second.added > 0;
      if (fanout.body.size() > limits_.max_envelope_size) {
        out.fanned_out.push_back(fail(StorageError::kTooLarge));
        continue;
      }
      if (!available && fanout.body.empty()) {
        out.fanned_out.push_back(fail(StorageError::kNotFound));
        continue;
      }
      if (available && !fanout.body.empty() && crypto::sha256(fanout.body) != body->second.digest) {
        out.fanned_out.push_back(fail(StorageError::kConflict));
        continue;
      }
      if (!available) {  // stored with this fan-out's first envelope
        body->second.bytes = &fanout.body;
        body->second.digest = crypto::sha256(fanout.body);
      }
      std::vector<EnqueueOutcome> outcomes;
      outcomes.reserve(fanout.recipients.size());
      for (std::size_t i = first; i < next; ++i) {
        outcomes.push_back(decide(i, &body->first));
        if (outcomes.back().ok() && outcomes.back()->status == EnqueueStatus::kStored) ++body->second.added;
      }
      out.fanned_out.push_back(std::move(outcomes));
    }
    if (stored.empty()) return out;

    // Drawn under the recipients' locks, so later transactions for them draw larger ones.
    auto sequences = draw(connection_, kDrawSequences, stored.size());
    if (!sequences.ok()) return fail(sequences.error());
    // The outcomes of the stored envelopes come in the order they were decided, as `stored`.
    std::size_t n = 0;
    const auto assign = [&](EnqueueOutcome& outcome) {
      if (!outcome.ok() || outcome->status != EnqueueStatus::kStored || n == sequences->size()) return;
      outcome = Enqueued{EnqueueStatus::kStored, static_cast<QueueSequence>((*sequences)[n++])};
    };
    for (EnqueueOutcome& outcome : out.enqueued) assign(outcome);
    for (FanoutOutcome& fanned_out : out.fanned_out) {
      if (!fanned_out.ok()) continue;
      for (EnqueueOutcome& outcome : *fanned_out) assign(outcome);
    }
    if (n != stored.size()) return fail(StorageError::kIo);
    HUSH_TRY(write_bodies(bodies));
    std::vector<std::optional<std::int64_t>> body_ids;
    for (const BodyKey* key : stored_bodies) body_ids.push_back(key == nullptr ? std::nullopt : bodies.at(*key).id);
    HUSH_TRY(insert(all, stored, *sequences, body_ids));
    for (std::size_t i : stored) transaction_.wake(WakeKind::kEnvelopes, all[i]->recipient);
    return out;
  }

  // Writes the queue depths the steps above changed.
  Result<void, StorageError> finish() {
    std::map<DeviceAddress, std::int64_t> changes;
    for (const auto& [device, depth] : depths_) changes[device] = depth.change;
    return adjust_depths(connection_, changes);
  }

 private:
  struct Depth {
    std::int64_t stored = 0;  // devices.queue_depth, as locked
    std::int64_t change = 0;  // by this transaction so far

    std::size_t current() const { return static_cast<std::size_t>(std::max<std::int64_t>(0, stored + change)); }
  };

  using DedupKey = std::tuple<DeviceAddress, DeviceAddress, MessageId>;
  static DedupKey dedup_key(const Envelope& envelope) {
    return {envelope.recipient, dedup_sender(envelope), envelope.id};
  }

  // A fan-out body, by (sender device, message id), as this transaction sees it: held (locked, with
  // its id and digest) or to be stored from `bytes` once `added` envelopes refer to it.
  using BodyKey = std::pair<DeviceAddress, MessageId>;
  struct Body {
    std::optional<std::int64_t> id;  // held, or once stored
    crypto::Sha256Digest digest{};   // of the bytes held or to be stored
    const Bytes* bytes = nullptr;    // to be stored (not held)
    std::int64_t added = 0;          // envelopes this transaction made refer to it
  };

  // One envelope as enqueue() decides it: unknown recipient, then duplicate (reported first, also
  // when the queue is full), then too large, then queue full; a stored one counts in its depth and
  // gets its sequence later (0 here).
  EnqueueOutcome decide_one(const Envelope& envelope, bool seen, std::set<DedupKey>& accepted) {
    auto depth = depths_.find(envelope.recipient);
    if (depth == depths_.end()) return fail(StorageError::kNotFound);
    const DedupKey key = dedup_key(envelope);
    if (seen || accepted.count(key) != 0) return Enqueued{EnqueueStatus::kDuplicate, 0};
    if (envelope.ciphertext.size() > limits_.max_envelope_size) return fail(StorageError::kTooLarge);
    if (depth->second.current() >= limits_.max_queue_depth) return fail(StorageError::kQueueFull);
    accepted.insert(key);
    ++depth->second.change;
    return Enqueued{EnqueueStatus::kStored, 0};
  }

  // (device, handle, acknowledgement index) rows for a DELETE ... USING unnest(...). Handles no
  // column can hold are left out (they name nothing), and so is a repeat of a (device, handle).
  class Handles {
   public:
    void add(DeviceAddress device, std::uint64_t handle, std::size_t item) {
      if (handle > kMaxColumnValue || !named_.emplace(device, handle).second) return;
      accounts_.push_back(to_column(device.account));
      devices_.push_back(std::int64_t{device.device});
      handles_.push_back(to_column(handle));
      items_.push_back(static_cast<std::int64_t>(item));
    }
    bool empty() const { return handles_.empty(); }
    Params params() const {
      return Params().integers(accounts_).integers(devices_).integers(handles_).integers(items_);
    }

   private:
    std::set<std::pair<DeviceAddress, std::uint64_t>> named_;
    std::vector<std::int64_t> accounts_, devices_, handles_, items_;
  };

  // Indexes of the envelopes whose (recipient, sender, id) is already remembered. The recipients
  // are locked, so no other transaction can remember one of them before this commits.
  Result<std::set<std::size_t>, StorageError> seen_before(const std::vector<const Envelope*>& envelopes) {
    std::vector<std::int64_t> recipient_accounts, recipient_devices, sender_accounts, sender_devices, items;
    std::vector<ByteView> ids;
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
      const Envelope& envelope = *envelopes[i];
      if (depths_.count(envelope.recipient) == 0) continue;
      recipient_accounts.push_back(to_column(envelope.recipient.account));
      recipient_devices.push_back(std::int64_t{envelope.recipient.device});
      sender_accounts.push_back(to_column(dedup_sender(envelope).account));
      sender_devices.push_back(std::int64_t{dedup_sender(envelope).device});
      ids.push_back(envelope.id);
      items.push_back(static_cast<std::int64_t>(i));
    }
    std::set<std::size_t> seen;
    if (items.empty()) return seen;
    auto rows = connection_.run(
        "SELECT u.item FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::bytea[], $6::int8[]) "
        "AS u (recipient_account, recipient_device, sender_account, sender_device, message_id, item) "
        "JOIN message_dedup d ON d.recipient_account = u.recipient_account "
        "AND d.recipient_device = u.recipient_device AND d.sender_account = u.sender_account "
        "AND d.sender_device = u.sender_device AND d.message_id = u.message_id",
        Params()
            .integers(recipient_accounts)
            .integers(recipient_devices)
            .integers(sender_accounts)
            .integers(sender_devices)
            .byte_arrays(ids)
            .integers(items));
    if (!rows.ok()) return fail(rows.error());
    for (int row = 0; row < rows->size(); ++row) seen.insert(static_cast<std::size_t>(rows->integer_or_zero(row, 0)));
    return seen;
  }

  // The bodies held for the fan-outs' (sender, id), with their digests, locked (FOR NO KEY UPDATE,
  // in id order, as release_bodies() locks them) until the transaction ends: no other transaction
  // can release or extend one meanwhile. One statement for every fan-out of the commit.
  Result<std::map<BodyKey, Body>, StorageError> held_bodies(std::span<const Fanout> fanouts) {
    std::map<BodyKey, Body> held;
    if (fanouts.empty()) return held;
    std::vector<std::int64_t> accounts, devices;
    std::vector<ByteView> ids;
    for (const Fanout& fanout : fanouts) {
      accounts.push_back(to_column(fanout.sender.account));
      devices.push_back(std::int64_t{fanout.sender.device});
      ids.push_back(fanout.id);
    }
    auto rows = connection_.run(
        "SELECT b.sender_account, b.sender_device, b.message_id, b.id, sha256(b.body) FROM message_bodies b "
        "JOIN unnest($1::int8[], $2::int8[], $3::bytea[]) AS f (sender_account, sender_device, message_id) "
        "ON b.sender_account = f.sender_account AND b.sender_device = f.sender_device "
        "AND b.message_id = f.message_id ORDER BY b.id FOR NO KEY UPDATE OF b",
        Params().integers(accounts).integers(devices).byte_arrays(ids));
    if (!rows.ok()) return fail(rows.error());
    for (int row = 0; row < rows->size(); ++row) {
      BodyKey key{address_from_row(*rows, row, 0), MessageId{}};
      Body body;
      body.id = rows->integer_or_zero(row, 3);
      if (!rows->bytes_into(row, 2, key.second) || !rows->bytes_into(row, 4, body.digest)) {
        return fail(StorageError::kCorrupt);
      }
      held[key] = body;
    }
    return held;
  }

  // Stores the bodies this transaction first made envelopes refer to and adds the new references
  // to the held ones: two statements at most, whatever the number of fan-outs.
  Result<void, StorageError> write_bodies(std::map<BodyKey, Body>& bodies) {
    std::vector<std::int64_t> held_ids, held_added;
    std::size_t created = 0;
    for (const auto& [key, body] : bodies) {
      if (body.added == 0) continue;
      if (body.id) {
        held_ids.push_back(*body.id);
        held_added.push_back(body.added);
      } else {
        ++created;
      }
    }
    if (!held_ids.empty()) {
      HUSH_TRY(
          connection_.run("UPDATE message_bodies b SET reference_count = b.reference_count + c.added "
                          "FROM unnest($1::int8[], $2::int8[]) AS c (id, added) WHERE b.id = c.id",
                          Params().integers(held_ids).integers(held_added)));
    }
    if (created == 0) return {};
    auto ids = draw(connection_, kDrawBodyIds, created);
    if (!ids.ok()) return fail(ids.error());
    std::vector<std::int64_t> accounts, devices, counts;
    std::vector<ByteView> message_ids, contents;
    for (auto& [key, body] : bodies) {
      if (body.added == 0 || body.id) continue;
      body.id = (*ids)[accounts.size()];
      accounts.push_back(to_column(key.first.account));
      devices.push_back(std::int64_t{key.first.device});
      message_ids.push_back(key.second);
      contents.push_back(*body.bytes);
      counts.push_back(body.added);
    }
    HUSH_TRY(connection_.run(
        "INSERT INTO message_bodies (id, sender_account, sender_device, message_id, body, reference_count) "
        "SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::bytea[], $5::bytea[], $6::int8[])",
        Params()
            .integers(*ids)
            .integers(accounts)
            .integers(devices)
            .byte_arrays(message_ids)
            .byte_arrays(contents)
            .integers(counts)));
    return {};
  }

  // Inserts the stored envelopes (`stored`: indexes into `envelopes`; `body_ids`: for each, the
  // fan-out body it refers to, or none) and their duplicate-detection records in one statement.
  Result<void, StorageError> insert(const std::vector<const Envelope*>& envelopes,
                                    const std::vector<std::size_t>& stored, const std::vector<std::int64_t>& sequences,
                                    const std::vector<std::optional<std::int64_t>>& body_ids) {
    std::vector<std::int64_t> recipient_accounts, recipient_devices, types, server_times, expiries;
    std::vector<std::optional<std::int64_t>> sender_accounts, sender_devices;
    std::vector<ByteView> ids, ciphertexts;
    for (std::size_t i : stored) {
      const Envelope& envelope = *envelopes[i];
      recipient_accounts.push_back(to_column(envelope.recipient.account));
      recipient_devices.push_back(std::int64_t{envelope.recipient.device});
      sender_accounts.push_back(envelope.sender ? std::optional(to_column(envelope.sender->account)) : std::nullopt);
      sender_devices.push_back(envelope.sender ? std::optional(std::int64_t{envelope.sender->device}) : std::nullopt);
      ids.push_back(envelope.id);
      types.push_back(std::int64_t{static_cast<std::uint8_t>(envelope.type)});
      server_times.push_back(envelope.server_time.time_since_epoch().count());
      expiries.push_back(envelope.expires_at.time_since_epoch().count());
      ciphertexts.push_back(envelope.ciphertext);
    }
    auto rows = connection_.run(
        "WITH stored AS (SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], "
        "$6::bytea[], $7::int8[], $8::int8[], $9::int8[], $10::bytea[], $11::int8[]) AS s (sequence, "
        "recipient_account, recipient_device, sender_account, sender_device, message_id, type, server_time, "
        "expires_at, ciphertext, body_id)), "
        "remembered AS (INSERT INTO message_dedup (recipient_account, recipient_device, sender_account, "
        "sender_device, message_id, retain_until) SELECT recipient_account, recipient_device, "
        "coalesce(sender_account, 0), coalesce(sender_device, 0), message_id, expires_at FROM stored "
        "ON CONFLICT DO NOTHING RETURNING 1), "
        "queued AS (INSERT INTO messages (sequence, recipient_account, recipient_device, sender_account, "
        "sender_device, message_id, type, server_time, expires_at, ciphertext, body_id) SELECT * FROM stored "
        "RETURNING 1) "
        "SELECT (SELECT count(*) FROM remembered), (SELECT count(*) FROM queued)",
        Params()
            .integers(sequences)
            .integers(recipient_accounts)
            .integers(recipient_devices)
            .nullable_integers(sender_accounts)
            .nullable_integers(sender_devices)
            .byte_arrays(ids)
            .integers(types)
            .integers(server_times)
            .integers(expiries)
            .byte_arrays(ciphertexts)
            .nullable_integers(body_ids));
    if (!rows.ok()) return fail(rows.error());
    // Every record is new: only a queue writer holding the recipient's lock remembers one.
    const auto expected = static_cast<std::int64_t>(stored.size());
    if (rows->integer_or_zero(0, 0) != expected || rows->integer_or_zero(0, 1) != expected) {
      return fail(StorageError::kIo);
    }
    return {};
  }

  Transaction& transaction_;
  Connection& connection_;
  const Options& limits_;
  std::map<DeviceAddress, Depth> depths_;  // the locked devices
};

// Every device a commit touches: the acknowledging devices, the recipients, and each fan-out's
// sender (its lock keeps two transactions from storing one (sender, id) body at once).
std::vector<DeviceAddress> devices_of(std::span<const Envelope> batch, std::span<const Fanout> fanouts,
                                      std::span<const Acknowledgement> acknowledgements) {
  std::vector<DeviceAddress> devices;
  for (const Acknowledgement& acknowledgement : acknowledgements) devices.push_back(acknowledgement.device);
  for (const Envelope& envelope : batch) devices.push_back(envelope.recipient);
  for (const Fanout& fanout : fanouts) {
    devices.push_back(fanout.sender);
    devices.insert(devices.end(), fanout.recipients.begin(), fanout.recipients.end());
  }
  return devices;
}

// Runs body(QueueWrite&) in one transaction after locking `devices`, with the depths written
// before it commits.
template <class Body>
auto write_queues(Database& database, std::vector<DeviceAddress> devices, Body&& body)
    -> decltype(body(std::declval<QueueWrite&>())) {
  using Outcome = decltype(body(std::declval<QueueWrite&>()));
  return database.transact([&](Transaction& transaction) -> Outcome {
    QueueWrite queues(transaction, database.limits());
    HUSH_TRY(queues.lock(devices));
    Outcome outcome = body(queues);
    if (!outcome.ok()) return outcome;
    HUSH_TRY(queues.finish());
    return outcome;
  });
}

// An envelope taken by expire(): its sequence and what is reported about it.
struct Expiring {
  std::int64_t sequence = 0;
  ExpiredEnvelope report;
};

// Records a notice (kExpired) for the sender device of each expiring envelope that has one and
// still exists (`existing`: locked by the caller), sets each report's notice and notices_dropped
// as SQLite does (a notice, then that sender's oldest beyond `bound` dropped), and wakes each
// sender device that got one.
Result<void, StorageError> record_notices(Transaction& transaction, std::vector<Expiring>& expiring,
                                          const std::set<DeviceAddress>& existing, std::size_t bound) {
  Connection& connection = transaction.connection();
  std::vector<Expiring*> noticed;
  std::map<DeviceAddress, std::int64_t> added;  // per sender device
  for (Expiring& item : expiring) {
    if (!item.report.sender || existing.count(*item.report.sender) == 0) continue;  // nobody to tell
    noticed.push_back(&item);
    ++added[*item.report.sender];
  }
  if (noticed.empty()) return {};
  std::vector<std::int64_t> sender_accounts, sender_devices;
  for (const auto& [sender, count] : added) {
    sender_accounts.push_back(to_column(sender.account));
    sender_devices.push_back(std::int64_t{sender.device});
  }
  const Params senders = Params().integers(sender_accounts).integers(sender_devices);
  auto counted = connection.run(
      "SELECT f.sender_account, f.sender_device, count(*) FROM delivery_failures f "
      "JOIN unnest($1::int8[], $2::int8[]) AS s (account_id, device_id) "
      "ON f.sender_account = s.account_id AND f.sender_device = s.device_id "
      "GROUP BY f.sender_account, f.sender_device",
      senders);
  if (!counted.ok()) return fail(counted.error());
  std::map<DeviceAddress, std::int64_t> held;  // notices of each sender, as the sequential steps see them
  for (int row = 0; row < counted->size(); ++row)
    held[address_from_row(*counted, row, 0)] = counted->integer_or_zero(row, 2);

  auto ids = draw(connection, kDrawNoticeIds, noticed.size());
  if (!ids.ok()) return fail(ids.error());
  std::vector<std::int64_t> notice_senders_account, notice_senders_device, recipient_accounts, recipient_devices,
      reasons;
  std::vector<ByteView> message_ids;
  for (std::size_t n = 0; n < noticed.size(); ++n) {
    ExpiredEnvelope& report = noticed[n]->report;
    report.notice = static_cast<NoticeId>((*ids)[n]);
    notice_senders_account.push_back(to_column(report.sender->account));
    notice_senders_device.push_back(std::int64_t{report.sender->device});
    recipient_accounts.push_back(to_column(report.recipient.account));
    recipient_devices.push_back(std::int64_t{report.recipient.device});
    message_ids.push_back(report.id);
    reasons.push_back(std::int64_t{static_cast<std::uint8_t>(DeliveryFailureReason::kExpired)});
  }
  HUSH_TRY(connection.run(
      "INSERT INTO delivery_failures (id, sender_account, sender_device, recipient_account, recipient_device, "
      "message_id, reason) SELECT * FROM unnest($1::int8[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], "
      "$6::bytea[], $7::int8[])",
      Params()
          .integers(*ids)
          .integers(notice_senders_account)
          .integers(notice_senders_device)
          .integers(recipient_accounts)
          .integers(recipient_devices)
          .byte_arrays(message_ids)
          .integers(reasons)));

  const auto limit = static_cast<std::int64_t>(bound);
  std::map<DeviceAddress, std::int64_t> dropped;  // per sender device, as deleted
  const bool over = std::any_of(added.begin(), added.end(),
                                [&](const auto& entry) { return held[entry.first] + entry.second > limit; });
  if (over) {
    auto deleted = connection.run(
        "DELETE FROM delivery_failures WHERE id IN (SELECT id FROM (SELECT f.id, row_number() OVER "
        "(PARTITION BY f.sender_account, f.sender_device ORDER BY f.id DESC) AS newer FROM delivery_failures f "
        "JOIN unnest($1::int8[], $2::int8[]) AS s (account_id, device_id) "
        "ON f.sender_account = s.account_id AND f.sender_device = s.device_id) AS ranked WHERE newer > $3) "
        "RETURNING sender_account, sender_device",
        Params().integers(sender_accounts).integers(sender_devices).integer(static_cast<std::uint64_t>(bound)));
    if (!deleted.ok()) return fail(deleted.error());
    for (int row = 0; row < deleted->size(); ++row) ++dropped[address_from_row(*deleted, row, 0)];
  }
  // Each drop is reported on the envelope whose notice caused it, as one notice at a time would.
  for (Expiring* item : noticed) {
    const DeviceAddress sender = *item->report.sender;
    std::int64_t& count = held[sender];
    ++count;
    const std::int64_t excess = std::min(count - limit, dropped[sender]);
    if (excess <= 0) continue;
    item->report.notices_dropped = static_cast<std::size_t>(excess);
    count -= excess;
    dropped[sender] -= excess;
  }
  for (const auto& [sender, count] : added) transaction.wake(WakeKind::kNotices, sender);
  return {};
}

}  // namespace

Result<std::vector<EnqueueOutcome>, StorageError> Messages::enqueue(std::span<const Envelope> batch) {
  if (batch.empty()) return std::vector<EnqueueOutcome>();
  return write_queues(database_, devices_of(batch, {}, {}),
                      [&](QueueWrite& queues) -> Result<std::vector<EnqueueOutcome>, StorageError> {
                        auto stored = queues.store(batch, {});
                        if (!stored.ok()) return fail(stored.error());
                        return std::move(stored->enqueued);
                      });
}

Result<Committed, StorageError> Messages::commit(std::span<const Envelope> batch, std::span<const Fanout> fanouts,
                                                 std::span<const Acknowledgement> acknowledgements) {
  if (batch.empty() && fanouts.empty() && acknowledgements.empty()) return Committed{};
  return write_queues(database_, devices_of(batch, fanouts, acknowledgements),
                      [&](QueueWrite& queues) -> Result<Committed, StorageError> {
                        Committed committed;
                        // Acknowledgements first, so the room they free counts for this batch.
                        auto removed = queues.acknowledge(acknowledgements);
                        if (!removed.ok()) return fail(removed.error());
                        committed.acknowledged = std::move(*removed);
                        auto stored = queues.store(batch, fanouts);
                        if (!stored.ok()) return fail(stored.error());
                        committed.enqueued = std::move(stored->enqueued);
                        committed.fanned_out = std::move(stored->fanned_out);
                        return committed;
                      });
}

Result<std::vector<QueuedEnvelope>, StorageError> Messages::fetch(DeviceAddress recipient, QueueSequence after,
                                                                  std::size_t limit) {
  limit = std::min(limit, database_.limits().max_fetch_count);
  if (limit == 0 || after >= kMaxColumnValue) return std::vector<QueuedEnvelope>();
  return database_.read([&](Connection& connection) -> Result<std::vector<QueuedEnvelope>, StorageError> {
    // A fan-out's envelope gets its body's bytes as its ciphertext.
    auto rows = connection.run(
        "SELECT m.sequence, m.sender_account, m.sender_device, m.message_id, m.server_time, m.expires_at, "
        "CASE WHEN m.body_id IS NULL THEN m.ciphertext ELSE b.body END, m.type "
        "FROM messages m LEFT JOIN message_bodies b ON b.id = m.body_id "
        "WHERE m.recipient_account = $1 AND m.recipient_device = $2 AND m.sequence > $3 "
        "ORDER BY m.sequence LIMIT $4",
        Params()
            .integer(recipient.account)
            .integer(recipient.device)
            .integer(after)
            .integer(static_cast<std::uint64_t>(limit)));
    if (!rows.ok()) return fail(rows.error());
    std::vector<QueuedEnvelope> fetched;
    fetched.reserve(static_cast<std::size_t>(rows->size()));
    for (int row = 0; row < rows->size(); ++row) {
      QueuedEnvelope queued;
      queued.sequence = static_cast<QueueSequence>(rows->integer_or_zero(row, 0));
      queued.envelope.recipient = recipient;
      queued.envelope.sender = sender_from_row(*rows, row, 1);
      if (!rows->bytes_into(row, 3, queued.envelope.id)) return fail(StorageError::kCorrupt);
      queued.envelope.server_time = to_timestamp(rows->integer_or_zero(row, 4));
      queued.envelope.expires_at = to_timestamp(rows->integer_or_zero(row, 5));
      if (rows->is_null(row, 6)) return fail(StorageError::kCorrupt);  // a reference to no body
      ByteView ciphertext = rows->bytes(row, 6);
      queued.envelope.ciphertext.assign(ciphertext.begin(), ciphertext.end());
      const std::int64_t type = rows->integer_or_zero(row, 7);
      if (type < 0 || type > 255) return fail(StorageError::kCorrupt);
      queued.envelope.type = static_cast<EnvelopeType>(type);
      fetched.push_back(std::move(queued));
    }
    return fetched;
  });
}

Result<std::size_t, StorageError> Messages::acknowledge(DeviceAddress recipient,
                                                        std::span<const QueueSequence> sequences) {
  if (sequences.empty()) return std::size_t{0};
  const std::vector<Acknowledgement> acknowledgement{{recipient, {sequences.begin(), sequences.end()}, {}}};
  return write_queues(database_, {recipient}, [&](QueueWrite& queues) -> Result<std::size_t, StorageError> {
    auto removed = queues.acknowledge(acknowledgement);
    if (!removed.ok()) return fail(removed.error());
    return removed->front().envelopes;
  });
}

Result<std::vector<ExpiredEnvelope>, StorageError> Messages::expire(Timestamp now, std::size_t limit) {
  const std::size_t bound = std::max<std::size_t>(1, database_.limits().max_notices_per_device);
  return database_.transact([&](Transaction& transaction) -> Result<std::vector<ExpiredEnvelope>, StorageError> {
    Connection& connection = transaction.connection();
    // SKIP LOCKED: nodes sweeping at once take different envelopes, and none waits for another.
    auto taken = connection.run(
        "SELECT sequence, recipient_account, recipient_device, sender_account, sender_device, message_id "
        "FROM messages WHERE expires_at <= $1 ORDER BY expires_at, sequence LIMIT $2 FOR UPDATE SKIP LOCKED",
        Params().time(now).integer(to_count_column(limit)));
    if (!taken.ok()) return fail(taken.error());
    std::vector<Expiring> expiring;
    std::vector<DeviceAddress> involved;
    for (int row = 0; row < taken->size(); ++row) {
      Expiring item;
      item.sequence = taken->integer_or_zero(row, 0);
      item.report.recipient = address_from_row(*taken, row, 1);
      item.report.sender = sender_from_row(*taken, row, 3);
      if (!taken->bytes_into(row, 5, item.report.id)) return fail(StorageError::kCorrupt);
      involved.push_back(item.report.recipient);
      if (item.report.sender) involved.push_back(*item.report.sender);
      expiring.push_back(item);
    }

    std::vector<ExpiredEnvelope> expired;
    if (!expiring.empty()) {
      // The recipients' locks (their depths change) and the senders' (their notices are counted).
      auto locked = lock_devices(connection, involved);
      if (!locked.ok()) return fail(locked.error());
      std::set<DeviceAddress> existing;
      for (const LockedDevice& device : *locked) existing.insert(device.address);

      std::vector<std::int64_t> sequences;
      std::map<DeviceAddress, std::int64_t> depth_changes;
      for (const Expiring& item : expiring) {
        sequences.push_back(item.sequence);
        if (existing.count(item.report.recipient) != 0) --depth_changes[item.report.recipient];
      }
      auto deleted = connection.run("DELETE FROM messages WHERE sequence = ANY($1::int8[]) RETURNING body_id",
                                    Params().integers(sequences));
      if (!deleted.ok()) return fail(deleted.error());
      std::map<std::int64_t, std::int64_t> released;  // fan-out body id -> references expired
      for (int row = 0; row < deleted->size(); ++row) {
        if (!deleted->is_null(row, 0)) ++released[deleted->integer_or_zero(row, 0)];
      }
      HUSH_TRY(release_bodies(connection, released));
      HUSH_TRY(adjust_depths(connection, depth_changes));
      // Notices in the same transaction: the envelopes are never gone without them.
      HUSH_TRY(record_notices(transaction, expiring, existing, bound));
      for (const Expiring& item : expiring) expired.push_back(item.report);
    }
    if (expired.size() < limit) {
      HUSH_TRY(connection.run("DELETE FROM message_dedup WHERE retain_until <= $1", Params().time(now)));
    }
    return expired;
  });
}

Result<std::size_t, StorageError> Messages::depth(DeviceAddress recipient) {
  return database_.read([&](Connection& connection) -> Result<std::size_t, StorageError> {
    auto rows = connection.run("SELECT queue_depth FROM devices WHERE account_id = $1 AND device_id = $2",
                               Params().integer(recipient.account).integer(recipient.device));
    if (!rows.ok()) return fail(rows.error());
    if (rows->empty()) return std::size_t{0};
    const std::int64_t depth = rows->integer_or_zero(0, 0);
    if (depth < 0) return fail(StorageError::kCorrupt);
    return static_cast<std::size_t>(depth);
  });
}

Result<std::size_t, StorageError> Messages::shared_bodies() {
  return database_.read([&](Connection& connection) -> Result<std::size_t, StorageError> {
    auto rows = connection.run("SELECT count(*) FROM message_bodies");
    if (!rows.ok()) return fail(rows.error());
    const std::int64_t count = rows->integer_or_zero(0, 0);
    if (count < 0) return fail(StorageError::kCorrupt);
    return static_cast<std::size_t>(count);
  });
}

Result<std::vector<DeliveryFailureNotice>, StorageError> Messages::pending_notices(DeviceAddress sender, NoticeId after,
                                                                                   std::size_t limit) {
  limit = std::min(limit, database_.limits().max_fetch_count);
  if (limit == 0 || after >= kMaxColumnValue) return std::vector<DeliveryFailureNotice>();
  return database_.read([&](Connection& connection) -> Result<std::vector<DeliveryFailureNotice>, StorageError> {
    auto rows = connection.run(
        "SELECT id, recipient_account, recipient_device, message_id, reason FROM delivery_failures "
        "WHERE sender_account = $1 AND sender_device = $2 AND id > $3 ORDER BY id LIMIT $4",
        Params()
            .integer(sender.account)
            .integer(sender.device)
            .integer(after)
            .integer(static_cast<std::uint64_t>(limit)));
    if (!rows.ok()) return fail(rows.error());
    std::vector<DeliveryFailureNotice> pending;
    for (int row = 0; row < rows->size(); ++row) {
      DeliveryFailureNotice notice;
      notice.id = static_cast<NoticeId>(rows->integer_or_zero(row, 0));
      notice.recipient = address_from_row(*rows, row, 1);
      if (!rows->bytes_into(row, 3, notice.message_id)) return fail(StorageError::kCorrupt);
      if (rows->integer_or_zero(row, 4) != static_cast<std::uint8_t>(DeliveryFailureReason::kExpired)) {
        return fail(StorageError::kCorrupt);
      }
      notice.reason = DeliveryFailureReason::kExpired;
      pending.push_back(notice);
    }
    return pending;
  });
}

Result<std::size_t, StorageError> Messages::remove_notices(DeviceAddress sender, std::span<const NoticeId> ids) {
  std::vector<std::int64_t> columns;
  for (NoticeId id : ids) {
    if (id <= kMaxColumnValue) columns.push_back(to_column(id));
  }
  if (columns.empty()) return std::size_t{0};
  return database_.transact([&](Transaction& transaction) -> Result<std::size_t, StorageError> {
    auto deleted = transaction.connection().run(
        "DELETE FROM delivery_failures WHERE sender_account = $1 AND sender_device = $2 AND id = ANY($3::int8[])",
        Params().integer(sender.account).integer(sender.device).integers(columns));
    if (!deleted.ok()) return fail(deleted.error());
    return deleted->affected();
  });
}

}  // namespace hush::storage::postgres
