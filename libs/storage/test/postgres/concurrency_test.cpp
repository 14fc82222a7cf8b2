// PostgreSQL only: several nodes on one database. Claims never share a key; writers on two nodes
// never make a reader following the queue by cursor skip an envelope; one envelope sent through two
// nodes at once is stored once, and so is one fan-out's body; fan-outs and acknowledgements of
// their envelopes on two nodes at once keep every body's count; sweeps on two nodes report each
// expired envelope once; a lost connection fails one call, and the next reconnects.
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

TEST_F(PostgresConcurrency, OneFanoutSentThroughTwoNodesAtOnceStoresOneBody) {
  constexpr std::uint32_t kRounds = 10;
  std::unique_ptr<Storage> nodes[2] = {open_node(), open_node()};
  DeviceAddress sender = make_device(*nodes[0], "sender");
  std::vector<DeviceAddress> members;
  for (int i = 0; i < 4; ++i) members.push_back(make_device(*nodes[0], "member" + std::to_string(i)));
  for (std::uint32_t round = 0; round < kRounds; ++round) {
    // Both nodes store the same message at once, to overlapping halves of the group.
    std::latch start(2);
    std::vector<FanoutOutcome> outcomes(2, fail(StorageError::kIo));
    std::vector<std::thread> threads;
    for (int n = 0; n < 2; ++n) {
      threads.emplace_back([&, n] {
        Fanout fanout;
        fanout.sender = sender;
        fanout.id = message_id(round);
        fanout.expires_at = at(1000);
        fanout.body = pattern(100, static_cast<std::uint8_t>(round));
        fanout.recipients = n == 0 ? std::vector<DeviceAddress>{members[0], members[1], members[2]}
                                   : std::vector<DeviceAddress>{members[1], members[2], members[3]};
        start.arrive_and_wait();
        outcomes[n] = nodes[n]->messages().fan_out(fanout);
      });
    }
    for (std::thread& thread : threads) thread.join();
    ASSERT_TRUE(outcomes[0].ok() && outcomes[1].ok()) << "round " << round;
    std::size_t stored = 0;
    for (const FanoutOutcome& outcome : outcomes) {
      for (const EnqueueOutcome& one : *outcome) {
        ASSERT_TRUE(one.ok());
        if (one->status == EnqueueStatus::kStored) ++stored;
      }
    }
    EXPECT_EQ(stored, members.size()) << "round " << round;
  }
  EXPECT_EQ(*nodes[1]->messages().shared_bodies(), kRounds);
  for (DeviceAddress member : members) EXPECT_EQ(*nodes[1]->messages().depth(member), kRounds);
}

TEST_F(PostgresConcurrency, FanoutsAndAcknowledgementsOnTwoNodesKeepEveryBodysCount) {
  constexpr std::uint32_t kMessages = 20;
  constexpr int kMembers = 6;
  std::unique_ptr<Storage> nodes[2] = {open_node(), open_node()};
  DeviceAddress sender = make_device(*nodes[0], "sender");
  std::vector<DeviceAddress> members;
  for (int i = 0; i < kMembers; ++i) members.push_back(make_device(*nodes[0], "member" + std::to_string(i)));
  // Node 0 fans each message out in two batches (the second without the body) while every member
  // acknowledges through node 1 whatever it finds, until it has acknowledged every message.
  std::atomic<bool> failed{false};
  std::thread sender_thread([&] {
    for (std::uint32_t id = 0; id < kMessages; ++id) {
      Fanout fanout;
      fanout.sender = sender;
      fanout.id = message_id(id);
      fanout.expires_at = at(1000);
      fanout.body = pattern(200, static_cast<std::uint8_t>(id));
      fanout.recipients.assign(members.begin(), members.begin() + kMembers / 2);
      auto first = nodes[0]->messages().fan_out(fanout);
      fanout.body.clear();
      fanout.recipients.assign(members.begin() + kMembers / 2, members.end());
      auto second = nodes[0]->messages().fan_out(fanout);
      // The second batch may find the body gone if the first batch's recipients were all quick:
      // then it is sent again with the body, as a client would.
      if (second.ok() || second.error() != StorageError::kNotFound) {
        if (!first.ok() || !second.ok()) failed = true;
        continue;
      }
      fanout.body = pattern(200, static_cast<std::uint8_t>(id));
      if (!first.ok() || !nodes[0]->messages().fan_out(fanout).ok()) failed = true;
    }
  });
  std::vector<std::thread> readers;
  for (DeviceAddress member : members) {
    readers.emplace_back([&, member] {
      std::size_t acknowledged = 0;
      for (int spins = 0; acknowledged < kMessages && spins < 20000 && !failed; ++spins) {
        auto queued = nodes[1]->messages().fetch(member, 0, 100);
        if (!queued.ok()) {
          failed = true;
          return;
        }
        std::vector<QueueSequence> sequences;
        for (const QueuedEnvelope& item : *queued) {
          if (item.envelope.ciphertext.size() != 200) failed = true;
          sequences.push_back(item.sequence);
        }
        if (sequences.empty()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          continue;
        }
        auto removed = nodes[1]->messages().commit({}, std::vector<Acknowledgement>{{member, sequences, {}}});
        if (!removed.ok()) {
          failed = true;
          return;
        }
        acknowledged += removed->acknowledged.at(0).envelopes;
      }
      if (acknowledged != kMessages) failed = true;
    });
  }
  sender_thread.join();
  for (std::thread& reader : readers) reader.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(*nodes[0]->messages().shared_bodies(), 0u);
  EXPECT_EQ(schema().query("SELECT count(*) FROM messages").at(0).at(0), "0");
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
