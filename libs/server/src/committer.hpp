// Group commit: Sends, SendToManys and Acknowledges arriving at the same time are gathered into one
// storage commit (one transaction, one fsync) by a dedicated thread. This is where throughput comes
// from: one synced write per message, or per acknowledgement, would cap the server near the disk's
// sync rate (issue 3, "Proof"). Owns the commit thread and its queue; not validation (the handlers)
// nor pushing (the callback).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "hush/storage/message_queue.hpp"

namespace hush::server {

class Metrics;

class Committer {
 public:
  // One request's share of a commit: envelopes to store, a fan-out (one body for many devices),
  // and/or one device's acknowledgement.
  struct Work {
    std::vector<storage::Envelope> envelopes;
    std::optional<storage::Fanout> fanout;
    std::optional<storage::Acknowledgement> acknowledgement;
  };
  // The outcome of one submitted Work: `enqueued` holds its envelopes' outcomes in order,
  // `fanned_out` one entry when it had a fan-out and `acknowledged` one when it had an
  // acknowledgement; or the error that failed the batch.
  using Callback = std::function<void(Result<storage::Committed, storage::StorageError>)>;

  // `max_batch_envelopes` bounds one storage call; more waiting work goes in the next one.
  // `metrics`, when given, must outlive the Committer; it counts batches, stored envelopes,
  // duplicates and failed commits.
  explicit Committer(storage::MessageQueues& queues, std::size_t max_batch_envelopes = 4096,
                     Metrics* metrics = nullptr);
  ~Committer();  // calls stop()
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Queues `work` for the next commit; `done` runs on the commit thread once it is durable (or
  // refused). Thread-safe. After stop(), `done` gets kIo at once. The callbacks of one commit run
  // in the order of the queue sequences it drew (storage stores a commit's envelopes before its
  // fan-outs): first those of the works without a fan-out, then those with one, each in submission
  // order; so pushes made from them reach a device in sequence order (Session::deliver).
  void submit(Work work, Callback done);

  // Commits everything already submitted, then joins the thread. Idempotent.
  void stop();

 private:
  struct Group {
    Work work;
    Callback done;
  };
  void run();
  void count(const Result<storage::Committed, storage::StorageError>& outcome);

  storage::MessageQueues& queues_;
  const std::size_t max_batch_envelopes_;
  Metrics* const metrics_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Group> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hush::server
