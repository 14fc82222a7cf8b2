// Committer: one thread takes every waiting group (up to a bound), enqueues their envelopes in one
// storage call, and hands each group its slice of the outcomes.
#include "committer.hpp"

namespace hush::server {

Committer::Committer(storage::MessageQueues& queues, std::size_t max_batch_envelopes)
    : queues_(queues), max_batch_envelopes_(max_batch_envelopes), thread_([this] { run(); }) {}

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

}  // namespace hush::server
