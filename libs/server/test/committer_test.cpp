// The group committer: concurrent submissions are all answered with their own outcomes, in
// their own order, and end up in storage; stop() commits what was submitted.
#include "committer.hpp"

#include <gtest/gtest.h>

#include <atomic>
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
