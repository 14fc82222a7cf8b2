// PostgreSQL only: several nodes on one database. Claims never share a key; writers on two nodes
// never make a reader following the queue by cursor skip an envelope; one envelope sent through two
// nodes at once is stored once; sweeps on two nodes report each expired envelope once; a lost
// connection fails one call, and the next reconnects.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <set>
#include <thread>

#include "postgres/postgres_nodes.hpp"

namespace hush::storage::test {
namespace {

using PostgresConcurrency = PostgresNodes;

TEST_F(PostgresConcurrency, ClaimsFromTwoNodesNeverShareAKey) {
  constexpr std::uint32_t kKeys = 50;
  std::unique_ptr<Storage> nodes[2] = {open_node(), open_node()};
  DeviceAddress alice = make_device(*nodes[0], "alice");
  std::vector<PreKey> stock;
  for (std::uint32_t id = 1; id <= kKeys; ++id) stock.push_back(prekey(id));
  ASSERT_TRUE(nodes[0]->keys().add_one_time_prekeys(alice, stock).ok());
  ASSERT_TRUE(nodes[0]->keys().set_last_resort_key(alice, prekey(9999)).ok());

  std::latch start(kKeys);
  std::mutex mutex;
  std::vector<ClaimedPreKey> claimed;
  std::vector<std::thread> threads;
  for (std::uint32_t i = 0; i < kKeys; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto claim = nodes[i % 2]->keys().claim_prekey(alice);
      ASSERT_TRUE(claim.ok());
      std::lock_guard<std::mutex> lock(mutex);
      claimed.push_back(*claim);
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::uint32_t> ids;
  for (const ClaimedPreKey& claim : claimed) {
    EXPECT_FALSE(claim.last_resort);
    ids.insert(claim.key.id);
  }
  EXPECT_EQ(ids.size(), kKeys);
  EXPECT_EQ(*nodes[1]->keys().one_time_prekey_count(alice), 0u);
  EXPECT_TRUE(nodes[1]->keys().claim_prekey(alice)->last_resort);
}

TEST_F(PostgresConcurrency, AReaderFollowingByCursorNeverMissesAnEnvelopeFromTwoNodes) {
  constexpr int kWritersPerNode = 2;
  constexpr std::uint32_t kBatches = 30;
  constexpr std::uint32_t kBatchSize = 4;
  constexpr std::size_t kTotal = 2 * kWritersPerNode * kBatches * kBatchSize;
  std::unique_ptr<Storage> nodes[2] = {open_node(), open_node()};
  DeviceAddress alice = make_device(*nodes[0], "alice");
  std::vector<DeviceAddress> senders;
  for (int i = 0; i < 2 * kWritersPerNode; ++i) senders.push_back(make_device(*nodes[0], "sender" + std::to_string(i)));

  std::atomic<int> writing{2 * kWritersPerNode};
  std::vector<QueuedEnvelope> seen;
  std::thread reader([&] {
    QueueSequence cursor = 0;
    for (;;) {
      const bool last_pass = writing.load() == 0;  // read after every writer finished: drains the rest
      for (;;) {
        auto page = nodes[1]->messages().fetch(alice, cursor, 100);
        ASSERT_TRUE(page.ok());
        if (page->empty()) break;
        cursor = page->back().sequence;
        seen.insert(seen.end(), page->begin(), page->end());
      }
      if (last_pass) return;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < 2 * kWritersPerNode; ++w) {
    writers.emplace_back([&, w] {
      Storage& node = *nodes[w % 2];
      for (std::uint32_t batch = 0; batch < kBatches; ++batch) {
        std::vector<Envelope> envelopes;
        for (std::uint32_t i = 0; i < kBatchSize; ++i)
          envelopes.push_back(envelope(alice, senders[w], batch * kBatchSize + i));
        // enqueue and commit alternately: both take the device lock.
        if (batch % 2 == 0) {
          EXPECT_TRUE(node.messages().enqueue(envelopes).ok());
        } else {
          EXPECT_TRUE(node.messages().commit(envelopes, {}).ok());
        }
      }
      --writing;
    });
  }
  for (std::thread& writer : writers) writer.join();
  reader.join();

  ASSERT_EQ(seen.size(), kTotal);  // a skipped envelope would be missing here
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_GT(seen[i].sequence, seen[i - 1].sequence);
  EXPECT_EQ(*nodes[0]->messages().depth(alice), kTotal);
}

TEST_F(PostgresConcurrency, OneEnvelopeSentThroughTwoNodesAtOnceIsStoredOnce) {
  constexpr std::uint32_t kRounds = 20;
  std::unique_ptr<Storage> nodes[2] = {open_node(), open_node()};
  DeviceAddress alice = make_device(*nodes[0], "alice");
  DeviceAddress bob = make_device(*nodes[0], "bob");
  for (std::uint32_t round = 0; round < kRounds; ++round) {
    std::latch start(2);
    std::vector<EnqueueOutcome> outcomes(2, fail(StorageError::kIo));
    std::vector<std::thread> threads;
    for (int n = 0; n < 2; ++n) {
      threads.emplace_back([&, n] {
        start.arrive_and_wait();
        auto result = nodes[n]->messages().enqueue(std::vector<Envelope>{envelope(alice, bob, round)});
        if (result.ok()) outcomes[n] = result->front();
      });
    }
    for (std::thread& thread : threads) thread.join();
    ASSERT_TRUE(outcomes[0].ok() && outcomes[1].ok());
    EXPECT_NE(outcomes[0]->status, outcomes[1]->status) << "round " << round;
  }
  EXPECT_EQ(*nodes[0]->messages().depth(alice), kRounds);
}

TEST_F(PostgresConcurrency, SweepsOnTwoNodesReportEachExpiredEnvelopeOnce) {
  constexpr std::uint32_t kEnvelopes = 200;
  constexpr std::size_t kLimit = 10;
  std::unique_ptr<Storage> nodes[2] = {open_node(), open_node()};
  DeviceAddress alice = make_device(*nodes[0], "alice");
  DeviceAddress bob = make_device(*nodes[0], "bob");
  std::vector<Envelope> batch;
  for (std::uint32_t i = 0; i < kEnvelopes; ++i)
    batch.push_back(envelope(i % 2 ? alice : bob, i % 2 ? bob : alice, i, at(5)));
  ASSERT_TRUE(nodes[0]->messages().enqueue(batch).ok());

  std::mutex mutex;
  std::vector<ExpiredEnvelope> reported;
  std::vector<std::thread> sweepers;
  for (int n = 0; n < 2; ++n) {
    sweepers.emplace_back([&, n] {
      for (;;) {
        auto expired = nodes[n]->messages().expire(at(5), kLimit);
        ASSERT_TRUE(expired.ok());
        std::lock_guard<std::mutex> lock(mutex);
        reported.insert(reported.end(), expired->begin(), expired->end());
        if (expired->size() < kLimit) return;
      }
    });
  }
  for (std::thread& sweeper : sweepers) sweeper.join();
  // One node may stop early (the other holds the rest): a last sweep finds whatever is left.
  auto rest = nodes[0]->messages().expire(at(5), kEnvelopes);
  ASSERT_TRUE(rest.ok());
  reported.insert(reported.end(), rest->begin(), rest->end());

  std::set<MessageId> ids;
  for (const ExpiredEnvelope& item : reported) {
    EXPECT_TRUE(ids.insert(item.id).second) << "reported twice";
    EXPECT_NE(item.notice, 0u);
  }
  EXPECT_EQ(ids.size(), kEnvelopes);
  EXPECT_EQ(*nodes[0]->messages().depth(alice), 0u);
  EXPECT_EQ(*nodes[0]->messages().depth(bob), 0u);
  EXPECT_EQ(nodes[0]->messages().pending_notices(alice, 0, 1000)->size(), kEnvelopes / 2);
}

TEST_F(PostgresConcurrency, ALostConnectionFailsOneCallAndTheNextReconnects) {
  PostgresOptions options = node_options();
  options.connections = 1;
  std::unique_ptr<Storage> node = open_node(options);
  DeviceAddress alice = make_device(*node, "alice");
  auto terminated = schema().query(
      "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE "
      "application_name = '" +
      schema().name() + "' AND pid <> pg_backend_pid()");
  ASSERT_EQ(terminated.size(), 1u);
  EXPECT_EQ(node->messages().enqueue(std::vector<Envelope>{envelope(alice, std::nullopt, 1)}).error(),
            StorageError::kIo);
  auto retried = node->messages().enqueue(std::vector<Envelope>{envelope(alice, std::nullopt, 1)});
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->front()->status, EnqueueStatus::kStored);
}

TEST_F(PostgresConcurrency, AnUnreachableServerIsAnIoError) {
  PostgresOptions options;
  options.conninfo = "host=127.0.0.1 port=1 dbname=postgres";  // nothing listens on port 1
  options.connect_timeout = std::chrono::milliseconds{2000};
  EXPECT_EQ(open_postgres_storage(options).error(), StorageError::kIo);
}

}  // namespace
}  // namespace hush::storage::test
