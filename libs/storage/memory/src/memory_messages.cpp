// The memory backend's message queues: an ordered map per device, a duplicate-detection map per
// device that outlives acknowledgement, expiry that reports what it removes, and the delivery
// failure notices expiry leaves for senders. commit() runs the steps of acknowledge(),
// remove_notices() and enqueue() under one lock.
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

std::vector<EnqueueOutcome> store(State& state, std::span<const Envelope> batch) {
  std::vector<EnqueueOutcome> outcomes;
  outcomes.reserve(batch.size());
  for (const Envelope& envelope : batch) {
    DeviceState* recipient = state.find_device(envelope.recipient);
    if (recipient == nullptr) {
      outcomes.push_back(fail(StorageError::kNotFound));
    } else if (recipient->dedup.contains(dedup_key(envelope))) {
      outcomes.push_back(Enqueued{EnqueueStatus::kDuplicate, 0});
    } else if (envelope.ciphertext.size() > state.options.max_envelope_size) {
      outcomes.push_back(fail(StorageError::kTooLarge));
    } else if (recipient->queue.size() >= state.options.max_queue_depth) {
      outcomes.push_back(fail(StorageError::kQueueFull));
    } else {
      QueueSequence sequence = state.next_sequence++;
      recipient->dedup.emplace(dedup_key(envelope), envelope.expires_at);
      recipient->queue.emplace(sequence, envelope);
      outcomes.push_back(Enqueued{EnqueueStatus::kStored, sequence});
    }
  }
  return outcomes;
}

std::size_t delete_envelopes(State& state, DeviceAddress recipient, std::span<const QueueSequence> sequences) {
  DeviceState* device = state.find_device(recipient);
  if (device == nullptr) return 0;
  std::size_t deleted = 0;
  for (QueueSequence sequence : sequences) deleted += device->queue.erase(sequence);
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

Result<Committed, StorageError> Messages::commit(std::span<const Envelope> batch,
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
    fetched.push_back(QueuedEnvelope{it->first, it->second});
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
        if (it->second.expires_at > now) {
          ++it;
          continue;
        }
        expired.push_back(ExpiredEnvelope{it->second.recipient, it->second.sender, it->second.id});
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

}  // namespace hush::storage::memory
