// Committer: one thread takes every waiting group (up to a bound), enqueues their envelopes in one
// storage call, and hands each group its slice of the outcomes.
#include "committer.hpp"

#include "metrics.hpp"

namespace hush::server {

Committer::Committer(storage::MessageQueues& queues, std::size_t max_batch_envelopes, Metrics* metrics)
    : queues_(queues), max_batch_envelopes_(max_batch_envelopes), metrics_(metrics), thread_([this] { run(); }) {}

Committer::~Committer() {
  stop();
}

void Committer::submit(std::vector<storage::Envelope> envelopes, Callback done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      pending_.push_back(Group{std::move(envelopes), std::move(done)});
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
      std::size_t count = 0;
      while (!pending_.empty() &&
             (groups.empty() || count + pending_.front().envelopes.size() <= max_batch_envelopes_)) {
        count += pending_.front().envelopes.size();
        groups.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
    }
    std::vector<storage::Envelope> batch;
    for (Group& group : groups) {
      for (storage::Envelope& envelope : group.envelopes) batch.push_back(std::move(envelope));
    }
    auto outcomes = queues_.enqueue(batch);
    if (metrics_ != nullptr) count(outcomes);
    std::size_t next = 0;
    for (Group& group : groups) {
      const std::size_t size = group.envelopes.size();
      if (!outcomes.ok()) {
        group.done(fail(outcomes.error()));
      } else {
        std::vector<storage::EnqueueOutcome> slice(outcomes->begin() + static_cast<std::ptrdiff_t>(next),
                                                   outcomes->begin() + static_cast<std::ptrdiff_t>(next + size));
        group.done(std::move(slice));
      }
      next += size;
    }
  }
}

void Committer::count(const Result<std::vector<storage::EnqueueOutcome>, storage::StorageError>& outcomes) {
  if (!outcomes.ok()) return metrics_->count_storage_error(Metrics::StorageOperation::kCommit);
  metrics_->count_commit_batch(outcomes->size());
  for (const storage::EnqueueOutcome& outcome : *outcomes) {
    if (!outcome.ok()) continue;
    if (outcome->status == storage::EnqueueStatus::kStored) {
      metrics_->envelopes_stored.fetch_add(1, std::memory_order_relaxed);
    } else {
      metrics_->envelopes_duplicate.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

}  // namespace hush::server
