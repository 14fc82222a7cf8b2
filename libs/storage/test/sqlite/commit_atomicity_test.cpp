// SQLite only: MessageQueues::commit() is one transaction. A fault injected into its last step
// (the insert of the batch's last envelope, made to fail by a trigger) must leave nothing of the
// commit applied: not its acknowledgements, notice removals, queue depths, nor the envelopes and
// duplicate-detection records written before the fault. No failure reachable through the API can
// show this.
#include <gtest/gtest.h>

#include "hush/storage/sqlite_storage.hpp"
#include "sqlite/raw_sqlite.hpp"
#include "storage_test_support.hpp"

namespace hush::storage::test {
namespace {

DeviceAddress make_device(AccountStore& accounts, const std::string& username) {
  auto account = accounts.create_account(username, std::nullopt, at(0));
  EXPECT_TRUE(account.ok());
  auto device = accounts.add_device(account->id, new_device(1), at(0));
  EXPECT_TRUE(device.ok());
  return DeviceAddress{account->id, device->id};
}

TEST(SqliteCommit, AFailedCommitAppliesNothing) {
  ScratchFolder folder;
  auto opened = open_sqlite_storage(folder.path());
  ASSERT_TRUE(opened.ok()) << to_string(opened.error());
  MessageQueues& messages = (*opened)->messages();
  const DeviceAddress alice = make_device((*opened)->accounts(), "alice");
  const DeviceAddress bob = make_device((*opened)->accounts(), "bob");

  // Bob has a notice pending (his envelope 9 to alice expired); alice has envelopes 1 and 2 queued.
  ASSERT_TRUE(messages.enqueue(std::vector<Envelope>{envelope(alice, bob, 9, at(5))}).ok());
  auto expired = messages.expire(at(5), 100);
  ASSERT_TRUE(expired.ok());
  ASSERT_EQ(expired->size(), 1u);
  const NoticeId notice = (*expired)[0].notice;
  auto queued = messages.enqueue(std::vector<Envelope>{envelope(alice, bob, 1), envelope(alice, bob, 2)});
  ASSERT_TRUE(queued.ok());
  const QueueSequence first = (*queued)[0]->sequence;

  constexpr std::size_t kFaultySize = 77;  // the trigger fails the insert of a ciphertext this long
  const std::vector<Envelope> batch{envelope(alice, bob, 3), envelope(bob, alice, 4),
                                    envelope(alice, bob, 5, at(1000000), kFaultySize)};
  const std::vector<Acknowledgement> acknowledgements{{alice, {first}, {}}, {bob, {}, {notice}}};

  RawSqlite raw(folder.path() / "hush.sqlite3");
  raw.exec("CREATE TRIGGER inject_fault BEFORE INSERT ON messages WHEN length(NEW.ciphertext) = " +
           std::to_string(kFaultySize) + " BEGIN SELECT RAISE(ABORT, 'injected'); END");
  auto failed = messages.commit(batch, acknowledgements);
  ASSERT_FALSE(failed.ok());

  auto left = messages.fetch(alice, 0, 10);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].sequence, first);
  EXPECT_EQ((*left)[1].envelope.id, message_id(2));
  EXPECT_EQ(*messages.depth(alice), 2u);
  EXPECT_EQ(*messages.depth(bob), 0u);
  EXPECT_TRUE(messages.fetch(bob, 0, 10)->empty());
  EXPECT_EQ(messages.pending_notices(bob, 0, 10)->size(), 1u);
  EXPECT_EQ(raw.query("SELECT count(*) FROM message_dedup"), "2");  // envelopes 1 and 2 only

  // Without the fault the same commit succeeds whole: nothing of the failed one was remembered.
  raw.exec("DROP TRIGGER inject_fault");
  auto committed = messages.commit(batch, acknowledgements);
  ASSERT_TRUE(committed.ok()) << to_string(committed.error());
  ASSERT_EQ(committed->acknowledged.size(), 2u);
  EXPECT_EQ(committed->acknowledged[0].envelopes, 1u);
  EXPECT_EQ(committed->acknowledged[1].notices, 1u);
  ASSERT_EQ(committed->enqueued.size(), 3u);
  for (const EnqueueOutcome& outcome : committed->enqueued) {
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->status, EnqueueStatus::kStored);
  }
  EXPECT_EQ(*messages.depth(alice), 3u);
  EXPECT_EQ(*messages.depth(bob), 1u);
  EXPECT_TRUE(messages.pending_notices(bob, 0, 10)->empty());
  EXPECT_EQ(raw.query("SELECT queue_depth FROM devices WHERE account_id = " + std::to_string(alice.account)), "3");
}

// The same with fan-outs: an acknowledgement that releases a body's last reference, and a fan-out
// whose second envelope fails. Nothing applies: the released body is still held, the new body is
// not, no envelope or depth changed.
TEST(SqliteCommit, AFailedCommitWithFanoutsAppliesNothing) {
  ScratchFolder folder;
  auto opened = open_sqlite_storage(folder.path());
  ASSERT_TRUE(opened.ok()) << to_string(opened.error());
  MessageQueues& messages = (*opened)->messages();
  const DeviceAddress alice = make_device((*opened)->accounts(), "alice");
  const DeviceAddress bob = make_device((*opened)->accounts(), "bob");
  const DeviceAddress carol = make_device((*opened)->accounts(), "carol");

  Fanout first;
  first.sender = carol;
  first.id = message_id(1);
  first.body = pattern(50, 1);
  first.recipients = {alice};
  auto stored = messages.fan_out(first);
  ASSERT_TRUE(stored.ok() && (*stored)[0].ok());
  const QueueSequence to_alice = (*stored)[0]->sequence;

  Fanout second = first;
  second.id = message_id(2);
  second.body = pattern(60, 2);
  second.recipients = {alice, bob};
  const std::vector<Acknowledgement> acknowledgements{{alice, {to_alice}, {}}};

  RawSqlite raw(folder.path() / "hush.sqlite3");
  raw.exec(
      "CREATE TRIGGER inject_fault BEFORE INSERT ON messages WHEN NEW.body_id IS NOT NULL AND "
      "NEW.recipient_account = " +
      std::to_string(bob.account) + " BEGIN SELECT RAISE(ABORT, 'injected'); END");
  auto failed = messages.commit({}, std::vector<Fanout>{second}, acknowledgements);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(*messages.shared_bodies(), 1u);
  EXPECT_EQ(raw.query("SELECT reference_count FROM message_bodies"), "1");
  auto left = messages.fetch(alice, 0, 10);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].envelope.ciphertext, first.body);
  EXPECT_EQ(*messages.depth(alice), 1u);
  EXPECT_EQ(*messages.depth(bob), 0u);

  raw.exec("DROP TRIGGER inject_fault");
  auto committed = messages.commit({}, std::vector<Fanout>{second}, acknowledgements);
  ASSERT_TRUE(committed.ok()) << to_string(committed.error());
  EXPECT_EQ(committed->acknowledged.at(0).envelopes, 1u);
  EXPECT_EQ(*messages.shared_bodies(), 1u);  // the first body went, the second came
  EXPECT_EQ(raw.query("SELECT reference_count FROM message_bodies"), "2");
  EXPECT_EQ(messages.fetch(bob, 0, 10)->at(0).envelope.ciphertext, second.body);
}

}  // namespace
}  // namespace hush::storage::test
