// The memory backend's message queues: an ordered map per device, a duplicate-detection map per
// device that outlives acknowledgement, expiry that reports what it removes, the delivery failure
// notices expiry leaves for senders, and fan-out bodies held once with a reference count.
// commit() runs the steps of acknowledge(), remove_notices(), enqueue() and the fan-outs under one
// lock.
#include <algorithm>
#include <span>
#include <vector>

#include "memory_state.hpp"

namespace hush::storage::memory {
namespace {

using Lock = std::lock_guard<std::mutex>;

DedupKey dedup_key(const Envelope& envelope) {
  return {envelope.sender.value_or(DeviceAddress{}), envelope.id};
}

// The steps of enqueue(), acknowledge() and remove_notices(), so that commit() runs the same steps
// under one lock. Each is called with state.mutex held.

// Queues one envelope (its ciphertext, or for a fan-out its body's reference) as enqueue()
// decides: duplicate first, then size, then room.
EnqueueOutcome store_one(State& state, const Envelope& envelope, bool shared_body) {
  DeviceState* recipient = state.find_device(envelope.recipient);
  if (recipient == nullptr) return fail(StorageError::kNotFound);
  if (recipient->dedup.contains(dedup_key(envelope))) return Enqueued{EnqueueStatus::kDuplicate, 0};
  if (envelope.ciphertext.size() > state.options.max_envelope_size) return fail(StorageError::kTooLarge);
  if (recipient->queue.size() >= state.options.max_queue_depth) return fail(StorageError::kQueueFull);
  QueueSequence sequence = state.next_sequence++;
  recipient->dedup.emplace(dedup_key(envelope), envelope.expires_at);
  recipient->queue.emplace(sequence, QueuedItem{envelope, shared_body});
  return Enqueued{EnqueueStatus::kStored, sequence};
}

std::vector<EnqueueOutcome> store(State& state, std::span<const Envelope> batch) {
  std::vector<EnqueueOutcome> outcomes;
  outcomes.reserve(batch.size());
  for (const Envelope& envelope : batch) outcomes.push_back(store_one(state, envelope, false));
  return outcomes;
}

// One fan-out: the body checked (or found), then an envelope per recipient referring to it.
FanoutOutcome store_fanout(State& state, const Fanout& fanout) {
  if (fanout.body.size() > state.options.max_envelope_size) return fail(StorageError::kTooLarge);
  const BodyKey key{fanout.sender, fanout.id};
  auto held = state.bodies.find(key);
  if (held == state.bodies.end() && fanout.body.empty()) return fail(StorageError::kNotFound);
  if (held != state.bodies.end() && !fanout.body.empty() && held->second.bytes != fanout.body) {
    return fail(StorageError::kConflict);
  }
  std::vector<EnqueueOutcome> outcomes;
  outcomes.reserve(fanout.recipients.size());
  std::size_t stored = 0;
  for (DeviceAddress recipient : fanout.recipients) {
    outcomes.push_back(store_one(state, envelope_for(fanout, recipient), true));
    if (outcomes.back().ok() && outcomes.back()->status == EnqueueStatus::kStored) ++stored;
  }
  if (stored > 0) {
    if (held == state.bodies.end()) held = state.bodies.emplace(key, SharedBody{fanout.body, 0}).first;
    held->second.references += stored;
  }
  return outcomes;
}

std::size_t delete_envelopes(State& state, DeviceAddress recipient, std::span<const QueueSequence> sequences) {
  DeviceState* device = state.find_device(recipient);
  if (device == nullptr) return 0;
  std::size_t deleted = 0;
  for (QueueSequence sequence : sequences) {
    auto found = device->queue.find(sequence);
    if (found == device->queue.end()) continue;
    state.release(found->second);
    device->queue.erase(found);
    ++deleted;
  }
  return deleted;
}

std::size_t delete_notices(State& state, DeviceAddress sender, std::span<const NoticeId> ids) {
  DeviceState* device = state.find_device(sender);
  if (device == nullptr) return 0;
  std::size_t removed = 0;
  for (NoticeId id : ids) removed += device->notices.erase(id);
  return removed;
}

}  // namespace

Result<std::vector<EnqueueOutcome>, StorageError> Messages::enqueue(std::span<const Envelope> batch) {
  Lock lock(state_.mutex);
  return store(state_, batch);
}

Result<Committed, StorageError> Messages::commit(std::span<const Envelope> batch, std::span<const Fanout> fanouts,
                                                 std::span<const Acknowledgement> acknowledgements) {
  Lock lock(state_.mutex);
  Committed committed;
  committed.acknowledged.reserve(acknowledgements.size());
  // Acknowledgements first, so the room they free counts for this batch.
  for (const Acknowledgement& acknowledgement : acknowledgements) {
    committed.acknowledged.push_back(
        Committed::Removed{delete_envelopes(state_, acknowledgement.device, acknowledgement.envelopes),
                           delete_notices(state_, acknowledgement.device, acknowledgement.notices)});
  }
  committed.enqueued = store(state_, batch);
  committed.fanned_out.reserve(fanouts.size());
  for (const Fanout& fanout : fanouts) committed.fanned_out.push_back(store_fanout(state_, fanout));
  return committed;
}

Result<std::vector<QueuedEnvelope>, StorageError> Messages::fetch(DeviceAddress recipient, QueueSequence after,
                                                                  std::size_t limit) {
  Lock lock(state_.mutex);
  std::vector<QueuedEnvelope> fetched;
  DeviceState* device = state_.find_device(recipient);
  if (device == nullptr) return fetched;
  limit = std::min(limit, state_.options.max_fetch_count);
  for (auto it = device->queue.upper_bound(after); it != device->queue.end() && fetched.size() < limit; ++it) {
    fetched.push_back(QueuedEnvelope{it->first, it->second.envelope});
    if (it->second.shared_body) {
      const Envelope& envelope = it->second.envelope;
      fetched.back().envelope.ciphertext = state_.bodies.at(BodyKey{*envelope.sender, envelope.id}).bytes;
    }
  }
  return fetched;
}

Result<std::size_t, StorageError> Messages::acknowledge(DeviceAddress recipient,
                                                        std::span<const QueueSequence> sequences) {
  Lock lock(state_.mutex);
  return delete_envelopes(state_, recipient, sequences);
}

Result<std::vector<ExpiredEnvelope>, StorageError> Messages::expire(Timestamp now, std::size_t limit) {
  Lock lock(state_.mutex);
  std::vector<ExpiredEnvelope> expired;
  for (auto& [account_id, account] : state_.accounts) {
    for (auto& [device_id, device] : account.devices) {
      for (auto it = device.queue.begin(); it != device.queue.end() && expired.size() < limit;) {
        const Envelope& envelope = it->second.envelope;
        if (envelope.expires_at > now) {
          ++it;
          continue;
        }
        expired.push_back(ExpiredEnvelope{envelope.recipient, envelope.sender, envelope.id});
        state_.release(it->second);
        it = device.queue.erase(it);
      }
    }
  }
  // Notices in the same locked step: no caller sees an expired envelope without its notice.
  const std::size_t bound = std::max<std::size_t>(1, state_.options.max_notices_per_device);
  for (ExpiredEnvelope& envelope : expired) {
    DeviceState* sender = envelope.sender ? state_.find_device(*envelope.sender) : nullptr;
    if (sender == nullptr) continue;
    envelope.notice = state_.next_notice++;
    sender->notices.emplace(envelope.notice, DeliveryFailureNotice{envelope.notice, envelope.recipient, envelope.id,
                                                                   DeliveryFailureReason::kExpired});
    while (sender->notices.size() > bound) {
      sender->notices.erase(sender->notices.begin());
      ++envelope.notices_dropped;
    }
  }
  if (expired.size() < limit) {
    for (auto& [account_id, account] : state_.accounts) {
      for (auto& [device_id, device] : account.devices) {
        std::erase_if(device.dedup, [now](const auto& entry) { return entry.second <= now; });
      }
    }
  }
  return expired;
}

Result<std::size_t, StorageError> Messages::depth(DeviceAddress recipient) {
  Lock lock(state_.mutex);
  DeviceState* device = state_.find_device(recipient);
  return device == nullptr ? std::size_t{0} : device->queue.size();
}

Result<std::vector<DeliveryFailureNotice>, StorageError> Messages::pending_notices(DeviceAddress sender, NoticeId after,
                                                                                   std::size_t limit) {
  Lock lock(state_.mutex);
  std::vector<DeliveryFailureNotice> pending;
  DeviceState* device = state_.find_device(sender);
  if (device == nullptr) return pending;
  limit = std::min(limit, state_.options.max_fetch_count);
  for (auto it = device->notices.upper_bound(after); it != device->notices.end() && pending.size() < limit; ++it) {
    pending.push_back(it->second);
  }
  return pending;
}

Result<std::size_t, StorageError> Messages::remove_notices(DeviceAddress sender, std::span<const NoticeId> ids) {
  Lock lock(state_.mutex);
  return delete_notices(state_, sender, ids);
}

Result<std::size_t, StorageError> Messages::shared_bodies() {
  Lock lock(state_.mutex);
  return state_.bodies.size();
}

}  // namespace hush::storage::memory
