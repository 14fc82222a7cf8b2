// Committer: one thread takes every waiting group (up to a bound), commits their envelopes and
// acknowledgements in one storage call, and hands each group its slice of the outcome.
#include "committer.hpp"

#include "metrics.hpp"

namespace hush::server {

namespace {

// What one group weighs against the batch bound: its envelopes (a fan-out's one per recipient) and
// acknowledged handles.
std::size_t weight(const Committer::Work& work) {
  std::size_t size = work.envelopes.size();
  if (work.fanout) size += work.fanout->recipients.size();
  if (work.acknowledgement) size += work.acknowledgement->envelopes.size() + work.acknowledgement->notices.size();
  return std::max<std::size_t>(size, 1);
}

}  // namespace

Committer::Committer(storage::MessageQueues& queues, std::size_t max_batch_envelopes, Metrics* metrics)
    : queues_(queues), max_batch_envelopes_(max_batch_envelopes), metrics_(metrics), thread_([this] { run(); }) {}

Committer::~Committer() {
  stop();
}

void Committer::submit(Work work, Callback done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      pending_.push_back(Group{std::move(work), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(fail(storage::StorageError::kIo));
}

void Committer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void Committer::run() {
  for (;;) {
    std::vector<Group> groups;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, and everything is committed
      std::size_t total = 0;
      while (!pending_.empty() && (groups.empty() || total + weight(pending_.front().work) <= max_batch_envelopes_)) {
        total += weight(pending_.front().work);
        groups.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
    }
    std::vector<storage::Envelope> batch;
    std::vector<storage::Fanout> fanouts;
    std::vector<storage::Acknowledgement> acknowledgements;
    for (Group& group : groups) {
      for (storage::Envelope& envelope : group.work.envelopes) batch.push_back(std::move(envelope));
      if (group.work.fanout) fanouts.push_back(std::move(*group.work.fanout));
      if (group.work.acknowledgement) acknowledgements.push_back(std::move(*group.work.acknowledgement));
    }
    auto committed = queues_.commit(batch, fanouts, acknowledgements);
    if (metrics_ != nullptr) count(committed);
    // Each group's slice of the outcome, in submission order.
    std::vector<Result<storage::Committed, storage::StorageError>> slices;
    slices.reserve(groups.size());
    std::size_t next_envelope = 0;
    std::size_t next_fanout = 0;
    std::size_t next_acknowledgement = 0;
    for (Group& group : groups) {
      if (!committed.ok()) {
        slices.emplace_back(fail(committed.error()));
        continue;
      }
      const std::size_t size = group.work.envelopes.size();
      storage::Committed slice;
      const auto first = committed->enqueued.begin() + static_cast<std::ptrdiff_t>(next_envelope);
      slice.enqueued.assign(std::make_move_iterator(first),
                            std::make_move_iterator(first + static_cast<std::ptrdiff_t>(size)));
      next_envelope += size;
      if (group.work.fanout) slice.fanned_out.push_back(std::move(committed->fanned_out[next_fanout++]));
      if (group.work.acknowledgement) slice.acknowledged.push_back(committed->acknowledged[next_acknowledgement++]);
      slices.emplace_back(std::move(slice));
    }
    // In sequence order: the batch's envelopes were stored before the fan-outs.
    for (const bool fanouts_pass : {false, true}) {
      for (std::size_t i = 0; i < groups.size(); ++i) {
        if (groups[i].work.fanout.has_value() == fanouts_pass) groups[i].done(std::move(slices[i]));
      }
    }
  }
}

void Committer::count(const Result<storage::Committed, storage::StorageError>& outcome) {
  if (!outcome.ok()) return metrics_->count_storage_error(Metrics::StorageOperation::kCommit);
  std::size_t envelopes = outcome->enqueued.size();
  const auto count_one = [this](const storage::EnqueueOutcome& enqueued) {
    if (!enqueued.ok()) return;
    if (enqueued->status == storage::EnqueueStatus::kStored) {
      metrics_->envelopes_stored.fetch_add(1, std::memory_order_relaxed);
    } else {
      metrics_->envelopes_duplicate.fetch_add(1, std::memory_order_relaxed);
    }
  };
  for (const storage::EnqueueOutcome& enqueued : outcome->enqueued) count_one(enqueued);
  for (const storage::FanoutOutcome& fanned_out : outcome->fanned_out) {
    if (!fanned_out.ok()) continue;
    envelopes += fanned_out->size();
    for (const storage::EnqueueOutcome& enqueued : *fanned_out) count_one(enqueued);
  }
  metrics_->count_commit_batch(envelopes);
}

}  // namespace hush::server
