// The group committer: concurrent submissions are all answered with their own outcomes, in
// their own order, and end up in storage; stop() commits what was submitted; fan-outs share
// commits with envelopes, and the callbacks of one commit run in the order of its sequences.
#include "committer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "hush/storage/memory_storage.hpp"

namespace hush::server {
namespace {

storage::Envelope envelope(storage::DeviceAddress to, std::uint8_t id_byte) {
  storage::Envelope e;
  e.recipient = to;
  e.sender = storage::DeviceAddress{to.account, to.device};
  e.id.fill(id_byte);
  e.server_time = storage::Timestamp(std::chrono::milliseconds(1000));
  e.expires_at = storage::Timestamp(std::chrono::milliseconds(1'000'000));
  e.ciphertext = Bytes{1, 2, 3};
  return e;
}

TEST(Committer, ConcurrentSubmissionsAreEachAnsweredAndStored) {
  auto storage = storage::make_memory_storage();
  auto account = storage->accounts().create_account("alice", std::nullopt, storage::Timestamp{});
  ASSERT_TRUE(account.ok());
  auto device = storage->accounts().add_device(account->id, storage::NewDevice{}, storage::Timestamp{});
  ASSERT_TRUE(device.ok());
  const storage::DeviceAddress address{account->id, device->id};

  std::atomic<int> stored{0};
  std::atomic<int> duplicates{0};
  {
    Committer committer(storage->messages(), 8);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 25; ++i) {
          // Thread 3 resends thread 0's ids: each must come back as a duplicate or stored once.
          const int id = (t == 3 ? 0 : t) * 25 + i;
          Committer::Work work;
          work.envelopes.push_back(envelope(address, static_cast<std::uint8_t>(id)));
          committer.submit(std::move(work), [&](auto committed) {
            ASSERT_TRUE(committed.ok());
            ASSERT_EQ(committed->enqueued.size(), 1u);
            EXPECT_TRUE(committed->acknowledged.empty());
            ASSERT_TRUE(committed->enqueued[0].ok());
            (committed->enqueued[0]->status == storage::EnqueueStatus::kStored ? stored : duplicates)++;
          });
        }
      });
    }
    for (auto& thread : threads) thread.join();
    committer.stop();
  }
  EXPECT_EQ(stored.load(), 75);
  EXPECT_EQ(duplicates.load(), 25);
  auto depth = storage->messages().depth(address);
  ASSERT_TRUE(depth.ok());
  EXPECT_EQ(*depth, 75u);
}

TEST(Committer, AcknowledgementsAndSendsShareCommitsAndEachGetsItsOwnCount) {
  auto storage = storage::make_memory_storage();
  auto account = storage->accounts().create_account("bob", std::nullopt, storage::Timestamp{});
  ASSERT_TRUE(account.ok());
  auto device = storage->accounts().add_device(account->id, storage::NewDevice{}, storage::Timestamp{});
  ASSERT_TRUE(device.ok());
  const storage::DeviceAddress address{account->id, device->id};
  std::vector<storage::Envelope> first;
  for (std::uint8_t i = 0; i < 10; ++i) first.push_back(envelope(address, i));
  auto stored = storage->messages().enqueue(first);
  ASSERT_TRUE(stored.ok());

  std::atomic<std::size_t> removed{0};
  std::atomic<int> answered{0};
  {
    Committer committer(storage->messages(), 4);
    for (std::size_t i = 0; i < 10; ++i) {
      Committer::Work ack;
      // Each acknowledgement names its own envelope twice: removed once.
      ack.acknowledgement = storage::Acknowledgement{address, {(*stored)[i]->sequence, (*stored)[i]->sequence}, {}};
      committer.submit(std::move(ack), [&](auto committed) {
        ASSERT_TRUE(committed.ok());
        EXPECT_TRUE(committed->enqueued.empty());
        ASSERT_EQ(committed->acknowledged.size(), 1u);
        removed += committed->acknowledged[0].envelopes;
        ++answered;
      });
      Committer::Work send;
      send.envelopes.push_back(envelope(address, static_cast<std::uint8_t>(100 + i)));
      committer.submit(std::move(send), [&](auto committed) {
        ASSERT_TRUE(committed.ok());
        ASSERT_EQ(committed->enqueued.size(), 1u);
        EXPECT_TRUE(committed->acknowledged.empty());
        ++answered;
      });
    }
    committer.stop();
  }
  EXPECT_EQ(answered.load(), 20);
  EXPECT_EQ(removed.load(), 10u);
  EXPECT_EQ(*storage->messages().depth(address), 10u);  // the ten new ones
}

// Message queues whose first commit waits until released, so that what is submitted meanwhile
// goes into the next commit together.
class GatedQueues final : public storage::MessageQueues {
 public:
  explicit GatedQueues(storage::MessageQueues& inner) : inner_(inner) {}
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  void wait_until_first_commit_started() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return commits_ > 0; });
  }
  std::size_t commits() {
    std::lock_guard lock(mutex_);
    return commits_;
  }

  using storage::MessageQueues::commit;
  Result<storage::Committed, storage::StorageError> commit(
      std::span<const storage::Envelope> batch, std::span<const storage::Fanout> fanouts,
      std::span<const storage::Acknowledgement> acknowledgements) override {
    {
      std::unique_lock lock(mutex_);
      ++commits_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return released_; });
    }
    return inner_.commit(batch, fanouts, acknowledgements);
  }
  Result<std::vector<storage::EnqueueOutcome>, storage::StorageError> enqueue(
      std::span<const storage::Envelope> batch) override {
    return inner_.enqueue(batch);
  }
  Result<std::vector<storage::QueuedEnvelope>, storage::StorageError> fetch(storage::DeviceAddress recipient,
                                                                            storage::QueueSequence after,
                                                                            std::size_t limit) override {
    return inner_.fetch(recipient, after, limit);
  }
  Result<std::size_t, storage::StorageError> acknowledge(storage::DeviceAddress recipient,
                                                         std::span<const storage::QueueSequence> sequences) override {
    return inner_.acknowledge(recipient, sequences);
  }
  Result<std::vector<storage::ExpiredEnvelope>, storage::StorageError> expire(storage::Timestamp now,
                                                                              std::size_t limit) override {
    return inner_.expire(now, limit);
  }
  Result<std::vector<storage::DeliveryFailureNotice>, storage::StorageError> pending_notices(
      storage::DeviceAddress sender, storage::NoticeId after, std::size_t limit) override {
    return inner_.pending_notices(sender, after, limit);
  }
  Result<std::size_t, storage::StorageError> remove_notices(storage::DeviceAddress sender,
                                                            std::span<const storage::NoticeId> ids) override {
    return inner_.remove_notices(sender, ids);
  }
  Result<std::size_t, storage::StorageError> depth(storage::DeviceAddress recipient) override {
    return inner_.depth(recipient);
  }
  Result<std::size_t, storage::StorageError> shared_bodies() override { return inner_.shared_bodies(); }

 private:
  storage::MessageQueues& inner_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t commits_ = 0;
  bool released_ = false;
};

TEST(Committer, FanoutsShareACommitAndCallbacksRunInSequenceOrder) {
  auto storage = storage::make_memory_storage();
  auto account = storage->accounts().create_account("carol", std::nullopt, storage::Timestamp{});
  ASSERT_TRUE(account.ok());
  auto device = storage->accounts().add_device(account->id, storage::NewDevice{}, storage::Timestamp{});
  ASSERT_TRUE(device.ok());
  const storage::DeviceAddress address{account->id, device->id};
  GatedQueues queues(storage->messages());

  std::mutex mutex;
  std::vector<storage::QueueSequence> delivered;  // in callback order, as a push would reach the device
  std::vector<std::string> order;
  {
    Committer committer(queues);
    Committer::Work first;
    first.envelopes.push_back(envelope(address, 1));
    committer.submit(std::move(first), [](auto committed) { ASSERT_TRUE(committed.ok()); });
    queues.wait_until_first_commit_started();
    // Held up behind the first commit: a fan-out, then a send, then a second fan-out.
    for (const std::uint8_t id : std::vector<std::uint8_t>{2, 3, 4}) {
      Committer::Work work;
      if (id == 3) {
        work.envelopes.push_back(envelope(address, id));
      } else {
        storage::Fanout fanout;
        fanout.sender = address;
        fanout.id.fill(id);
        fanout.expires_at = storage::Timestamp(std::chrono::milliseconds(1'000'000));
        fanout.body = Bytes{9, 9};
        fanout.recipients = {address};
        work.fanout = std::move(fanout);
      }
      committer.submit(std::move(work), [&, id](auto committed) {
        ASSERT_TRUE(committed.ok());
        std::lock_guard lock(mutex);
        order.push_back(id == 3 ? "send" : "fanout" + std::to_string(id));
        if (id == 3) {
          ASSERT_EQ(committed->enqueued.size(), 1u);
          EXPECT_TRUE(committed->fanned_out.empty());
          delivered.push_back(committed->enqueued[0]->sequence);
        } else {
          EXPECT_TRUE(committed->enqueued.empty());
          ASSERT_EQ(committed->fanned_out.size(), 1u);
          ASSERT_TRUE(committed->fanned_out[0].ok());
          delivered.push_back((*committed->fanned_out[0])[0]->sequence);
        }
      });
    }
    queues.release();
    committer.stop();
  }
  EXPECT_EQ(queues.commits(), 2u);
  EXPECT_EQ(order, (std::vector<std::string>{"send", "fanout2", "fanout4"}));
  ASSERT_EQ(delivered.size(), 3u);
  EXPECT_LT(delivered[0], delivered[1]);
  EXPECT_LT(delivered[1], delivered[2]);
  EXPECT_EQ(*storage->messages().depth(address), 4u);
  EXPECT_EQ(*storage->messages().shared_bodies(), 2u);
}

TEST(Committer, SubmitAfterStopFailsAtOnce) {
  auto storage = storage::make_memory_storage();
  Committer committer(storage->messages());
  committer.stop();
  bool answered = false;
  committer.submit({}, [&](auto outcomes) {
    answered = true;
    EXPECT_FALSE(outcomes.ok());
  });
  EXPECT_TRUE(answered);
}

}  // namespace
}  // namespace hush::server
