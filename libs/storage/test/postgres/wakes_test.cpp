// PostgreSQL only: wakes (wakes.hpp) reach another node — enqueue, commit, fan-out, expire and device
// removal each wake the right device, only once the write committed; a commit to 300 recipients
// wakes all 300; a lost listening connection is re-established and followed by kResync.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

#include "postgres/postgres_nodes.hpp"

namespace hush::storage::test {
namespace {

// How long a test waits for a wake before failing: generous, for a loaded machine (a wake normally
// takes a millisecond).
constexpr std::chrono::seconds kWakeTimeout{20};

class PostgresWakesTest : public PostgresNodes {
 protected:
  void SetUp() override {
    PostgresNodes::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    writer_ = open_node();
    listener_ = open_node();
    ASSERT_NE(listener_->wakes(), nullptr);
    ASSERT_TRUE(listener_->wakes()->start([this](std::span<const Wake> wakes) { record(wakes); }).ok());
  }
  void TearDown() override {
    listener_.reset();
    writer_.reset();
  }

  void record(std::span<const Wake> wakes) {
    std::lock_guard<std::mutex> lock(mutex_);
    received_.insert(received_.end(), wakes.begin(), wakes.end());
    arrived_.notify_all();
  }

  // Waits until every one of `wakes` arrived; false after kWakeTimeout.
  bool wait_for(const std::vector<Wake>& wakes) {
    std::unique_lock<std::mutex> lock(mutex_);
    return arrived_.wait_for(lock, kWakeTimeout, [&] {
      return std::all_of(wakes.begin(), wakes.end(), [&](const Wake& wake) {
        return std::find(received_.begin(), received_.end(), wake) != received_.end();
      });
    });
  }
  bool received(const Wake& wake) {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::find(received_.begin(), received_.end(), wake) != received_.end();
  }
  void forget() {
    std::lock_guard<std::mutex> lock(mutex_);
    received_.clear();
  }

  std::unique_ptr<Storage> writer_;    // the node that writes
  std::unique_ptr<Storage> listener_;  // another node, listening

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Wake> received_;
};

Wake envelopes_for(DeviceAddress device) {
  return Wake{WakeKind::kEnvelopes, device};
}

TEST_F(PostgresWakesTest, EnqueueWakesTheRecipientOnAnotherNode) {
  DeviceAddress alice = make_device(*writer_, "alice");
  DeviceAddress bob = make_device(*writer_, "bob");
  ASSERT_TRUE(writer_->messages().enqueue(std::vector<Envelope>{envelope(alice, bob, 1)}).ok());
  EXPECT_TRUE(wait_for({envelopes_for(alice)}));
  EXPECT_FALSE(received(envelopes_for(bob)));
}

TEST_F(PostgresWakesTest, CommitWakesRecipientsOfStoredEnvelopesOnly) {
  DeviceAddress alice = make_device(*writer_, "alice");
  DeviceAddress bob = make_device(*writer_, "bob");
  DeviceAddress carol = make_device(*writer_, "carol");
  ASSERT_TRUE(writer_->messages().enqueue(std::vector<Envelope>{envelope(bob, alice, 1)}).ok());
  ASSERT_TRUE(wait_for({envelopes_for(bob)}));
  forget();
  // A duplicate for bob, a new envelope for carol, an acknowledgement of alice's.
  auto committed = writer_->messages().commit(std::vector<Envelope>{envelope(bob, alice, 1), envelope(carol, alice, 2)},
                                              std::vector<Acknowledgement>{{alice, {1}, {}}});
  ASSERT_TRUE(committed.ok());
  EXPECT_TRUE(wait_for({envelopes_for(carol)}));
  EXPECT_FALSE(received(envelopes_for(bob)));  // same notification as carol's: would have arrived
  EXPECT_FALSE(received(envelopes_for(alice)));
}

TEST_F(PostgresWakesTest, AFanoutWakesEveryRecipientOfAStoredReference) {
  DeviceAddress sender = make_device(*writer_, "sender");
  DeviceAddress alice = make_device(*writer_, "alice");
  DeviceAddress bob = make_device(*writer_, "bob");
  DeviceAddress carol = make_device(*writer_, "carol");
  ASSERT_TRUE(writer_->messages().enqueue(std::vector<Envelope>{envelope(bob, sender, 1)}).ok());
  ASSERT_TRUE(wait_for({envelopes_for(bob)}));
  forget();
  // Bob already has message 1 (a duplicate: no wake); the body-less second batch wakes carol.
  Fanout fanout;
  fanout.sender = sender;
  fanout.id = message_id(1);
  fanout.expires_at = at(1000);
  fanout.body = pattern(30, 1);
  fanout.recipients = {alice, bob};
  auto fanned_out = writer_->messages().fan_out(fanout);
  ASSERT_TRUE(fanned_out.ok());
  fanout.body.clear();
  fanout.recipients = {carol};
  ASSERT_TRUE(writer_->messages().fan_out(fanout).ok());
  EXPECT_TRUE(wait_for({envelopes_for(alice), envelopes_for(carol)}));
  EXPECT_FALSE(received(envelopes_for(bob)));
  EXPECT_FALSE(received(envelopes_for(sender)));
}

TEST_F(PostgresWakesTest, ExpiryWakesTheSenderDeviceOfANotice) {
  DeviceAddress alice = make_device(*writer_, "alice");
  DeviceAddress bob = make_device(*writer_, "bob");
  ASSERT_TRUE(
      writer_->messages()
          .enqueue(std::vector<Envelope>{envelope(alice, bob, 1, at(10)), envelope(alice, std::nullopt, 2, at(10))})
          .ok());
  ASSERT_TRUE(wait_for({envelopes_for(alice)}));
  ASSERT_EQ(writer_->messages().expire(at(10), 100)->size(), 2u);
  EXPECT_TRUE(wait_for({Wake{WakeKind::kNotices, bob}}));
  EXPECT_FALSE(received(Wake{WakeKind::kNotices, alice}));
}

TEST_F(PostgresWakesTest, RemovingADeviceWakesItsConnections) {
  DeviceAddress alice = make_device(*writer_, "alice");
  ASSERT_TRUE(writer_->accounts().remove_device(alice).ok());
  EXPECT_TRUE(wait_for({Wake{WakeKind::kDeviceRemoved, alice}}));
}

TEST_F(PostgresWakesTest, AFailedTransactionWakesNobody) {
  DeviceAddress alice = make_device(*writer_, "alice");
  DeviceAddress bob = make_device(*writer_, "bob");
  DeviceAddress carol = make_device(*writer_, "carol");
  // Every insert of an envelope for alice fails: a commit with one fails as a whole.
  schema().query(
      "CREATE FUNCTION refuse_alice() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "IF NEW.recipient_account = " +
      std::to_string(alice.account) +
      " THEN RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $$; "
      "CREATE TRIGGER refuse_alice BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_alice()");
  auto failed =
      writer_->messages().commit(std::vector<Envelope>{envelope(bob, carol, 1), envelope(alice, carol, 2)}, {});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(*writer_->messages().depth(bob), 0u);
  // Notifications arrive in commit order: once carol's arrived, bob's would have.
  ASSERT_TRUE(writer_->messages().enqueue(std::vector<Envelope>{envelope(carol, bob, 3)}).ok());
  EXPECT_TRUE(wait_for({envelopes_for(carol)}));
  EXPECT_FALSE(received(envelopes_for(bob)));
  EXPECT_FALSE(received(envelopes_for(alice)));
}

TEST_F(PostgresWakesTest, ACommitToThreeHundredRecipientsWakesEachOfThem) {
  constexpr int kRecipients = 300;
  DeviceAddress sender = make_device(*writer_, "sender");
  std::vector<Envelope> batch;
  std::vector<Wake> expected;
  for (int i = 0; i < kRecipients; ++i) {
    DeviceAddress recipient = make_device(*writer_, "recipient" + std::to_string(i));
    batch.push_back(envelope(recipient, sender, static_cast<std::uint32_t>(i)));
    expected.push_back(envelopes_for(recipient));
  }
  auto committed = writer_->messages().commit(batch, {});
  ASSERT_TRUE(committed.ok());
  EXPECT_TRUE(wait_for(expected));
}

TEST_F(PostgresWakesTest, StartingTwiceIsAConflictAndStopIsIdempotent) {
  EXPECT_EQ(listener_->wakes()->start([](std::span<const Wake>) {}).error(), StorageError::kConflict);
  listener_->wakes()->stop();
  listener_->wakes()->stop();
  EXPECT_TRUE(listener_->wakes()->start([this](std::span<const Wake> wakes) { record(wakes); }).ok());
  DeviceAddress alice = make_device(*writer_, "alice");
  ASSERT_TRUE(writer_->messages().enqueue(std::vector<Envelope>{envelope(alice, std::nullopt, 1)}).ok());
  EXPECT_TRUE(wait_for({envelopes_for(alice)}));
}

TEST_F(PostgresWakesTest, ALostListeningConnectionIsReopenedThenResyncIsDelivered) {
  // The server ends the listening connection (as a restart or a failover would).
  auto terminated = schema().query(
      "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE "
      "application_name = '" +
      schema().name() + "' AND query LIKE 'LISTEN%'");
  ASSERT_EQ(terminated.size(), 1u);
  EXPECT_TRUE(wait_for({Wake{WakeKind::kResync, DeviceAddress{}}}));
  // Listening again.
  DeviceAddress alice = make_device(*writer_, "alice");
  ASSERT_TRUE(writer_->messages().enqueue(std::vector<Envelope>{envelope(alice, std::nullopt, 1)}).ok());
  EXPECT_TRUE(wait_for({envelopes_for(alice)}));
}

}  // namespace
}  // namespace hush::storage::test
