// Store-and-forward: one queue of ciphertext envelopes per recipient device, with duplicate
// detection by sender-chosen id and expiry that reports what expired (ARCHITECTURE.md decision 5),
// and fan-outs whose one body many queued envelopes share (group messages).
// Owns durability and order; not routing, pushing or decryption (envelopes are opaque bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/storage/error.hpp"
#include "hush/storage/types.hpp"

namespace hush::storage {

// The kind of Signal message an envelope's ciphertext is, as its sender declared it (api.proto
// OutgoingEnvelope.type), so the recipient knows how to parse it. Storage keeps the byte and never
// interprets it: any value 0..255 round-trips, so a future type (sender keys, sealed sender) needs
// no schema change. The named values are libsignal's CiphertextMessageType numbers.
enum class EnvelopeType : std::uint8_t {
  kUnknown = 0,              // not recorded: envelopes stored before SQLite schema version 3
  kSignalMessage = 2,        // a message of an established session
  kPreKeySignalMessage = 3,  // a session's first messages, carrying the X3DH prekey data
};

struct Envelope {
  DeviceAddress recipient;
  std::optional<DeviceAddress> sender;         // none for sealed sender
  MessageId id{};                              // chosen by the sender; the key of duplicate detection
  Timestamp server_time{};                     // when the server accepted it
  Timestamp expires_at{};                      // when it is dropped (and the sender told) if undelivered
  EnvelopeType type = EnvelopeType::kUnknown;  // the ciphertext's message type
  Bytes ciphertext;                            // opaque; storage never looks inside

  friend bool operator==(const Envelope&, const Envelope&) = default;
};

// Position of an envelope in its recipient's queue, assigned when it is stored: strictly
// increasing per device and never reused, so it is both the fetch cursor and the handle the
// recipient acknowledges with. 0 is before every envelope.
using QueueSequence = std::uint64_t;

struct QueuedEnvelope {
  QueueSequence sequence = 0;
  Envelope envelope;
};

enum class EnqueueStatus {
  kStored,     // newly stored and durable; `sequence` names it
  kDuplicate,  // this sender already sent this id to this device: acknowledge again, do not push
};

struct Enqueued {
  EnqueueStatus status = EnqueueStatus::kStored;
  QueueSequence sequence = 0;  // 0 for a duplicate
};

// One envelope's outcome within a batch. Errors: kNotFound (recipient device unknown), kTooLarge
// (ciphertext over Options::max_envelope_size), kQueueFull (Options::max_queue_depth).
using EnqueueOutcome = Result<Enqueued, StorageError>;

// Handle of one delivery failure notice: strictly increasing across the store and never reused.
// 0 names no notice.
using NoticeId = std::uint64_t;

// Why an envelope was not delivered. Stored as a byte; only expiry exists today.
enum class DeliveryFailureReason : std::uint8_t {
  kExpired = 1,  // its expires_at passed before the recipient acknowledged it
};

// A durable "your envelope was not delivered" for its sender device, recorded by expire() in the
// same atomic step that deletes the envelope, so a sender offline at expiry learns it at its next
// login. Kept until remove_notices() or an Acknowledgement in commit() (the sender device confirms
// it, like an envelope) or until the sender device is removed; at most
// Options::max_notices_per_device per device (the oldest are dropped beyond it).
struct DeliveryFailureNotice {
  NoticeId id = 0;
  DeviceAddress recipient;  // where the envelope was going
  MessageId message_id{};   // the sender's id of the envelope
  DeliveryFailureReason reason = DeliveryFailureReason::kExpired;

  friend bool operator==(const DeliveryFailureNotice&, const DeliveryFailureNotice&) = default;
};

// Reported by expire() so each sender learns its envelope was not delivered.
struct ExpiredEnvelope {
  DeviceAddress recipient;
  std::optional<DeviceAddress> sender;
  MessageId id{};
  // The notice recorded for `sender`, or 0: sealed sender, or the sender device no longer exists.
  NoticeId notice = 0;
  // Older notices of the same sender dropped to make room for this one (the per-device bound).
  std::size_t notices_dropped = 0;
};

// What one device confirmed it has durably: envelopes of its queue (by sequence) and delivery
// failure notices addressed to it (by id). Unknown or already removed handles are ignored, and so
// are another device's, so a repeated acknowledgement is harmless.
struct Acknowledgement {
  DeviceAddress device;
  std::vector<QueueSequence> envelopes;
  std::vector<NoticeId> notices;
};

// One message to many devices with the same ciphertext (a group message: api SendToMany). Its body
// is stored ONCE per (sender device, message id) and each recipient's queue gets a small envelope
// that refers to it, so a message to a thousand devices costs one body plus a thousand queue rows.
// Such an envelope is in every other respect an ordinary one: fetch() returns it with the body as
// its ciphertext, in queue order among the others; it has a sequence, duplicate detection, depth,
// acknowledgement, expiry and delivery failure notice exactly as an enqueued Envelope would. A
// body is deleted with the last envelope that refers to it (acknowledged, expired, or its
// recipient device removed): no body outlives its references, none is deleted while one remains.
// One message may be fanned out in several calls (a recipient list too large for one request):
// the first gives the body, later ones may leave it empty to refer to the one stored.
struct Fanout {
  DeviceAddress sender;                        // no sealed sender: the body is found by (sender, id)
  MessageId id{};                              // the sender's; the key of duplicate detection
  Timestamp server_time{};                     // as Envelope
  Timestamp expires_at{};                      // of every envelope queued by this fan-out
  EnvelopeType type = EnvelopeType::kUnknown;  // every recipient's envelope type
  // The ciphertext every recipient gets, at most Options::max_envelope_size. Empty: the body an
  // earlier fan-out of (sender, id) stored, which must still be held (some envelope refers to it).
  // Given while one is held: it must be byte-identical to it.
  Bytes body;
  std::vector<DeviceAddress> recipients;  // one envelope each, queued in this order

  friend bool operator==(const Fanout&, const Fanout&) = default;
};

// The envelope a fan-out queues for `recipient`: everything but the ciphertext, which is the body
// held once for (sender, id) and referred to.
inline Envelope envelope_for(const Fanout& fanout, DeviceAddress recipient) {
  Envelope envelope;
  envelope.recipient = recipient;
  envelope.sender = fanout.sender;
  envelope.id = fanout.id;
  envelope.server_time = fanout.server_time;
  envelope.expires_at = fanout.expires_at;
  envelope.type = fanout.type;
  return envelope;
}

// The outcome of one Fanout: per recipient, in order, what enqueue() would report for its envelope
// (kStored with its sequence, kDuplicate, or kNotFound / kQueueFull for that recipient alone). Or
// an error for the whole fan-out, which then stored nothing: kTooLarge (body over
// Options::max_envelope_size), kNotFound (no body given and none held for (sender, id)),
// kConflict (the body given differs from the one held for (sender, id)).
using FanoutOutcome = Result<std::vector<EnqueueOutcome>, StorageError>;

// The outcome of commit(): one EnqueueOutcome per envelope, in order; one FanoutOutcome per
// fan-out, in order; and per acknowledgement, in order, how many envelopes and notices it removed.
struct Committed {
  std::vector<EnqueueOutcome> enqueued;
  std::vector<FanoutOutcome> fanned_out;
  struct Removed {
    std::size_t envelopes = 0;
    std::size_t notices = 0;
  };
  std::vector<Removed> acknowledged;
};

// Thread safety: every method may be called from any thread at any time; each call is atomic.
class MessageQueues {
 public:
  virtual ~MessageQueues() = default;

  // Stores a batch of envelopes (typically gathered from concurrent sends: group commit) in one
  // durable commit: when the call returns, every kStored envelope is synced to stable storage.
  // Returns one outcome per envelope, in order; an envelope refused does not affect the others.
  // Duplicate detection: an envelope whose (sender, id) this recipient device has already accepted
  // is kDuplicate, also after it was acknowledged and deleted, until its expires_at has passed.
  // A duplicate is reported even when the queue is full. Fails as a whole (storing nothing) only
  // when the backend does: kIo, kCorrupt.
  virtual Result<std::vector<EnqueueOutcome>, StorageError> enqueue(std::span<const Envelope> batch) = 0;

  // Group commit of everything the server gathered from concurrent requests: applies every
  // acknowledgement (as acknowledge() and remove_notices() would; first, so the room they free
  // counts for max_queue_depth), then enqueues `batch` (as enqueue() would), then each fan-out in
  // order (Fanout), all in ONE durable transaction: when the call returns, all of it is synced; if
  // it fails (kIo, kCorrupt), none of it happened. Any span may be empty. Sequences follow that
  // order: the envelopes of `batch` get smaller ones than those of the fan-outs, and each fan-out
  // smaller ones than the next (the server pushes what it committed in sequence order).
  virtual Result<Committed, StorageError> commit(std::span<const Envelope> batch, std::span<const Fanout> fanouts,
                                                 std::span<const Acknowledgement> acknowledgements) = 0;

  // commit() without fan-outs.
  Result<Committed, StorageError> commit(std::span<const Envelope> batch,
                                         std::span<const Acknowledgement> acknowledgements) {
    return commit(batch, {}, acknowledgements);
  }

  // One fan-out alone in its own durable transaction (commit() with nothing else).
  FanoutOutcome fan_out(const Fanout& fanout) {
    auto committed = commit({}, std::span<const Fanout>(&fanout, 1), {});
    if (!committed.ok()) return fail(committed.error());
    return std::move(committed->fanned_out.front());
  }

  // Up to `limit` envelopes (at most Options::max_fetch_count) queued for `recipient` with a
  // sequence greater than `after`, in sequence order. An envelope past its expires_at stays
  // deliverable until expire() removes it. An unknown device has an empty queue.
  virtual Result<std::vector<QueuedEnvelope>, StorageError> fetch(DeviceAddress recipient, QueueSequence after,
                                                                  std::size_t limit) = 0;

  // Deletes the recipient's envelopes with these sequences (after its own durable write). Unknown
  // or already deleted sequences are ignored, so a repeated acknowledgement is harmless. Returns
  // how many were deleted. Duplicate detection of the deleted ids continues.
  virtual Result<std::size_t, StorageError> acknowledge(DeviceAddress recipient,
                                                        std::span<const QueueSequence> sequences) = 0;

  // Deletes up to `limit` envelopes whose expires_at is at or before `now` and returns them, so
  // the server can tell each sender (expiry is never silent). In the same atomic step it records
  // a DeliveryFailureNotice (kExpired) for the sender device of each envelope that has one and
  // still exists, dropping that device's oldest notices beyond Options::max_notices_per_device:
  // there is no moment at which an envelope is gone and its notice does not exist. Call again
  // while it returns `limit` envelopes; the call that returns fewer also forgets the
  // duplicate-detection records whose envelope expired at or before `now` (a resend after that is
  // a new message).
  virtual Result<std::vector<ExpiredEnvelope>, StorageError> expire(Timestamp now, std::size_t limit) = 0;

  // Up to `limit` (at most Options::max_fetch_count) notices pending for `sender` with an id
  // greater than `after`, oldest first. Reading does not remove them. An unknown device has none.
  virtual Result<std::vector<DeliveryFailureNotice>, StorageError> pending_notices(DeviceAddress sender, NoticeId after,
                                                                                   std::size_t limit) = 0;

  // Removes these notices of `sender` (durably). Unknown or already removed ids, and ids of
  // another device's notices, are ignored. Returns how many were removed.
  virtual Result<std::size_t, StorageError> remove_notices(DeviceAddress sender, std::span<const NoticeId> ids) = 0;

  // Envelopes queued for `recipient`.
  virtual Result<std::size_t, StorageError> depth(DeviceAddress recipient) = 0;

  // Fan-out bodies held (each stored once, referred to by at least one queued envelope). For
  // tests and operators: it shows that a body is stored once and deleted with its last reference.
  virtual Result<std::size_t, StorageError> shared_bodies() = 0;
};

}  // namespace hush::storage
