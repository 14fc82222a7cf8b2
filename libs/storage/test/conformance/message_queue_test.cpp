// Conformance: store-and-forward queues, duplicate detection, acknowledgement and expiry
// (message_queue.hpp).
#include <algorithm>
#include <latch>
#include <limits>
#include <map>
#include <thread>

#include "conformance/conformance.hpp"

namespace hush::storage::test {
namespace {

// Each outcome's status or error as text, for compact expectations; the sequences of the stored.
std::vector<std::string> describe(const std::vector<EnqueueOutcome>& outcomes,
                                  std::vector<QueueSequence>* sequences = nullptr) {
  std::vector<std::string> out;
  for (const EnqueueOutcome& outcome : outcomes) {
    if (!outcome.ok()) {
      out.emplace_back(to_string(outcome.error()));
    } else if (outcome->status == EnqueueStatus::kDuplicate) {
      out.emplace_back("duplicate");
      EXPECT_EQ(outcome->sequence, 0u);
    } else {
      out.emplace_back("stored");
      if (sequences != nullptr) sequences->push_back(outcome->sequence);
    }
  }
  return out;
}

// Enqueues and describes each outcome.
std::vector<std::string> enqueue_all(MessageQueues& queues, const std::vector<Envelope>& batch,
                                     std::vector<QueueSequence>* sequences = nullptr) {
  auto outcomes = queues.enqueue(batch);
  if (!outcomes.ok()) return {std::string("batch failed: ") + to_string(outcomes.error())};
  return describe(*outcomes, sequences);
}

using Texts = std::vector<std::string>;

// Leaves a delivery failure notice for `sender`: an envelope of its to `recipient` expires at `when`.
NoticeId leave_notice(MessageQueues& queues, DeviceAddress recipient, DeviceAddress sender, std::uint32_t id,
                      std::int64_t when) {
  EXPECT_TRUE(queues.enqueue(std::vector<Envelope>{envelope(recipient, sender, id, at(when))}).ok());
  auto expired = queues.expire(at(when), 100);
  EXPECT_TRUE(expired.ok() && expired->size() == 1);
  return expired.ok() && expired->size() == 1 ? (*expired)[0].notice : 0;
}

// What commit() removed per acknowledgement, as (envelopes, notices) pairs.
using Removals = std::vector<std::pair<std::size_t, std::size_t>>;
Removals removals(const Committed& committed) {
  Removals out;
  for (const Committed::Removed& removed : committed.acknowledged) out.emplace_back(removed.envelopes, removed.notices);
  return out;
}

std::vector<MessageId> queued_ids(MessageQueues& queues, DeviceAddress recipient) {
  auto fetched = queues.fetch(recipient, 0, 100);  // kept: a range-for over *fetch(...) would dangle
  std::vector<MessageId> ids;
  if (!fetched.ok()) return ids;
  for (const QueuedEnvelope& queued : *fetched) ids.push_back(queued.envelope.id);
  return ids;
}

TEST_P(MessageQueueConformance, FetchReturnsEnvelopesInOrderWithAllFields) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  std::vector<Envelope> first{envelope(alice, bob, 1), envelope(alice, std::nullopt, 2), envelope(alice, bob, 3)};
  first[1].server_time = at(77);
  first[1].expires_at = at(88);
  std::vector<Envelope> second{envelope(alice, bob, 4)};
  std::vector<QueueSequence> sequences;
  EXPECT_EQ(enqueue_all(messages(), first, &sequences), (Texts{"stored", "stored", "stored"}));
  EXPECT_EQ(enqueue_all(messages(), second, &sequences), (Texts{"stored"}));
  ASSERT_EQ(sequences.size(), 4u);
  EXPECT_GT(sequences[0], 0u);
  for (std::size_t i = 1; i < sequences.size(); ++i) EXPECT_GT(sequences[i], sequences[i - 1]);

  auto fetched = messages().fetch(alice, 0, 100);
  ASSERT_TRUE(fetched.ok());
  ASSERT_EQ(fetched->size(), 4u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*fetched)[i].sequence, sequences[i]);
    EXPECT_EQ((*fetched)[i].envelope, first[i]);
  }
  EXPECT_EQ((*fetched)[3].envelope, second[0]);
  EXPECT_FALSE((*fetched)[1].envelope.sender.has_value());
  EXPECT_EQ(*messages().depth(alice), 4u);
  EXPECT_EQ(*messages().depth(bob), 0u);
  EXPECT_TRUE(messages().fetch(bob, 0, 100)->empty());
}

TEST_P(MessageQueueConformance, EnvelopeTypeIsStoredAsGiven) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  const std::vector<EnvelopeType> types{EnvelopeType::kSignalMessage, EnvelopeType::kPreKeySignalMessage,
                                        EnvelopeType::kUnknown, static_cast<EnvelopeType>(255)};
  std::vector<Envelope> batch;
  for (std::size_t i = 0; i < types.size(); ++i) {
    batch.push_back(envelope(alice, bob, static_cast<std::uint32_t>(i + 1)));
    batch.back().type = types[i];
  }
  EXPECT_EQ(enqueue_all(messages(), batch), (Texts{"stored", "stored", "stored", "stored"}));
  auto fetched = messages().fetch(alice, 0, 100);
  ASSERT_TRUE(fetched.ok());
  ASSERT_EQ(fetched->size(), types.size());
  for (std::size_t i = 0; i < types.size(); ++i) {
    EXPECT_EQ((*fetched)[i].envelope.type, types[i]);
    EXPECT_EQ((*fetched)[i].envelope, batch[i]);  // the ciphertext is not changed by the type
  }
}
TEST_P(MessageQueueConformance, FetchPagesFromACursor) {
  reopen_empty(Options{.max_fetch_count = 3});
  DeviceAddress alice = make_device("alice");
  std::vector<Envelope> batch;
  for (std::uint32_t i = 1; i <= 5; ++i) batch.push_back(envelope(alice, std::nullopt, i));
  ASSERT_TRUE(messages().enqueue(batch).ok());

  auto page = messages().fetch(alice, 0, 2);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[1].envelope.id, message_id(2));
  page = messages().fetch(alice, (*page)[1].sequence, 100);  // capped at max_fetch_count
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].envelope.id, message_id(3));
  EXPECT_EQ((*page)[2].envelope.id, message_id(5));
  EXPECT_TRUE(messages().fetch(alice, (*page)[2].sequence, 100)->empty());
  EXPECT_TRUE(messages().fetch(alice, 0, 0)->empty());
}

TEST_P(MessageQueueConformance, DuplicateIdsFromTheSameSenderAreDetected) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress alice2{alice.account, accounts().add_device(alice.account, new_device(2), at(0))->id};
  DeviceAddress bob = make_device("bob");
  DeviceAddress carol = make_device("carol");

  EXPECT_EQ(enqueue_all(messages(), {envelope(alice, bob, 1), envelope(alice, bob, 1)}),
            (Texts{"stored", "duplicate"}));
  EXPECT_EQ(enqueue_all(messages(), {envelope(alice, bob, 1)}), (Texts{"duplicate"}));
  // The same id from another sender, to another device, or sealed: all distinct messages.
  EXPECT_EQ(
      enqueue_all(messages(), {envelope(alice, carol, 1), envelope(alice2, bob, 1), envelope(alice, std::nullopt, 1)}),
      (Texts{"stored", "stored", "stored"}));
  EXPECT_EQ(enqueue_all(messages(), {envelope(alice, std::nullopt, 1)}), (Texts{"duplicate"}));
  EXPECT_EQ(*messages().depth(alice), 3u);
}

TEST_P(MessageQueueConformance, DuplicatesAreDetectedAfterAcknowledgement) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  std::vector<QueueSequence> sequences;
  ASSERT_EQ(enqueue_all(messages(), {envelope(alice, bob, 1, at(1000))}, &sequences), (Texts{"stored"}));
  ASSERT_EQ(*messages().acknowledge(alice, sequences), 1u);
  EXPECT_EQ(*messages().depth(alice), 0u);

  EXPECT_EQ(enqueue_all(messages(), {envelope(alice, bob, 1, at(1000))}), (Texts{"duplicate"}));
  EXPECT_EQ(*messages().depth(alice), 0u);
  // Still remembered after an expiry pass that removes nothing of it...
  ASSERT_TRUE(messages().expire(at(999), 100).ok());
  EXPECT_EQ(enqueue_all(messages(), {envelope(alice, bob, 1, at(2000))}), (Texts{"duplicate"}));
  // ...and forgotten once its envelope would have expired: a resend then is a new message.
  ASSERT_TRUE(messages().expire(at(1000), 100).ok());
  EXPECT_EQ(enqueue_all(messages(), {envelope(alice, bob, 1, at(2000))}), (Texts{"stored"}));
}

TEST_P(MessageQueueConformance, AcknowledgementDeletesOnlyTheNamedEnvelopes) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  std::vector<QueueSequence> to_alice;
  std::vector<QueueSequence> to_bob;
  ASSERT_TRUE(messages().enqueue(std::vector<Envelope>{envelope(bob, alice, 9)}).ok());
  enqueue_all(messages(), {envelope(alice, bob, 1), envelope(alice, bob, 2), envelope(alice, bob, 3)}, &to_alice);
  to_bob.push_back(messages().fetch(bob, 0, 1)->at(0).sequence);

  std::vector<QueueSequence> acknowledged{to_alice[0], to_alice[2], to_bob[0]};  // bob's is not alice's to ack
  EXPECT_EQ(*messages().acknowledge(alice, acknowledged), 2u);
  auto left = messages().fetch(alice, 0, 10);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].envelope.id, message_id(2));
  EXPECT_EQ(*messages().depth(bob), 1u);
  // Repeating an acknowledgement is harmless.
  EXPECT_EQ(*messages().acknowledge(alice, acknowledged), 0u);
  EXPECT_EQ(*messages().depth(alice), 1u);
}

TEST_P(MessageQueueConformance, SequencesAreNeverReused) {
  DeviceAddress alice = make_device("alice");
  std::vector<QueueSequence> sequences;
  enqueue_all(messages(), {envelope(alice, std::nullopt, 1)}, &sequences);
  ASSERT_EQ(*messages().acknowledge(alice, sequences), 1u);
  enqueue_all(messages(), {envelope(alice, std::nullopt, 2)}, &sequences);
  ASSERT_EQ(sequences.size(), 2u);
  EXPECT_GT(sequences[1], sequences[0]);
  // A client that kept its cursor sees the new envelope.
  EXPECT_EQ(messages().fetch(alice, sequences[0], 10)->size(), 1u);
}

TEST_P(MessageQueueConformance, ExpiryRemovesAndReportsExpiredEnvelopes) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  ASSERT_TRUE(
      messages()
          .enqueue(std::vector<Envelope>{envelope(alice, bob, 1, at(100)), envelope(bob, std::nullopt, 2, at(200)),
                                         envelope(alice, bob, 3, at(300))})
          .ok());
  auto expired = messages().expire(at(99), 100);
  ASSERT_TRUE(expired.ok());
  EXPECT_TRUE(expired->empty());

  expired = messages().expire(at(200), 100);
  ASSERT_TRUE(expired.ok());
  ASSERT_EQ(expired->size(), 2u);
  std::sort(expired->begin(), expired->end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  EXPECT_EQ((*expired)[0].recipient, alice);
  EXPECT_EQ((*expired)[0].sender, std::optional<DeviceAddress>(bob));
  EXPECT_EQ((*expired)[0].id, message_id(1));
  EXPECT_EQ((*expired)[1].recipient, bob);
  EXPECT_FALSE((*expired)[1].sender.has_value());
  EXPECT_EQ((*expired)[1].id, message_id(2));
  EXPECT_EQ(*messages().depth(alice), 1u);
  EXPECT_EQ(*messages().depth(bob), 0u);
  EXPECT_EQ(messages().fetch(alice, 0, 10)->at(0).envelope.id, message_id(3));
}

TEST_P(MessageQueueConformance, ExpiryIsBoundedByItsLimit) {
  DeviceAddress alice = make_device("alice");
  std::vector<Envelope> batch;
  for (std::uint32_t i = 1; i <= 5; ++i) batch.push_back(envelope(alice, std::nullopt, i, at(10)));
  ASSERT_TRUE(messages().enqueue(batch).ok());
  EXPECT_EQ(messages().expire(at(10), 2)->size(), 2u);
  EXPECT_EQ(messages().expire(at(10), 2)->size(), 2u);
  EXPECT_EQ(messages().expire(at(10), 2)->size(), 1u);
  EXPECT_EQ(*messages().depth(alice), 0u);
}

TEST_P(MessageQueueConformance, ExpiryRecordsANoticeForTheSenderDevice) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  ASSERT_TRUE(
      messages()
          .enqueue(std::vector<Envelope>{envelope(alice, bob, 1, at(100)), envelope(alice, std::nullopt, 2, at(100))})
          .ok());
  EXPECT_TRUE(messages().pending_notices(bob, 0, 10)->empty());
  auto expired = messages().expire(at(100), 100);
  ASSERT_TRUE(expired.ok());
  ASSERT_EQ(expired->size(), 2u);
  std::sort(expired->begin(), expired->end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  EXPECT_NE((*expired)[0].notice, 0u);
  EXPECT_EQ((*expired)[0].notices_dropped, 0u);
  EXPECT_EQ((*expired)[1].notice, 0u);  // sealed sender: nobody to tell

  // Recorded with the expiry; reading does not remove it.
  const std::vector<DeliveryFailureNotice> expected{
      {(*expired)[0].notice, alice, message_id(1), DeliveryFailureReason::kExpired}};
  EXPECT_EQ(*messages().pending_notices(bob, 0, 10), expected);
  EXPECT_EQ(*messages().pending_notices(bob, 0, 10), expected);
  EXPECT_TRUE(messages().pending_notices(alice, 0, 10)->empty());

  // Only the sender device's own notices are removed; a repeated removal is harmless.
  const std::vector<NoticeId> ids{(*expired)[0].notice, (*expired)[0].notice + 1000};
  EXPECT_EQ(*messages().remove_notices(alice, ids), 0u);
  EXPECT_EQ(*messages().pending_notices(bob, 0, 10), expected);
  EXPECT_EQ(*messages().remove_notices(bob, ids), 1u);
  EXPECT_TRUE(messages().pending_notices(bob, 0, 10)->empty());
  EXPECT_EQ(*messages().remove_notices(bob, ids), 0u);
}

TEST_P(MessageQueueConformance, PendingNoticesComeOldestFirstWithinTheLimit) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  for (std::uint32_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(messages().enqueue(std::vector<Envelope>{envelope(alice, bob, i, at(i))}).ok());
    ASSERT_EQ(messages().expire(at(i), 100)->size(), 1u);
  }
  auto first = messages().pending_notices(bob, 0, 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].message_id, message_id(1));
  EXPECT_EQ((*first)[1].message_id, message_id(2));
  EXPECT_LT((*first)[0].id, (*first)[1].id);
  EXPECT_EQ(messages().pending_notices(bob, 0, 100)->size(), 3u);
}

TEST_P(MessageQueueConformance, PendingNoticesPageFromACursor) {
  reopen_empty(Options{.max_fetch_count = 3});
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  std::vector<NoticeId> notices;
  for (std::uint32_t i = 1; i <= 5; ++i) notices.push_back(leave_notice(messages(), alice, bob, i, i));

  auto ids = [&](NoticeId after, std::size_t limit) {
    auto pending = messages().pending_notices(bob, after, limit);
    std::vector<NoticeId> out;
    if (!pending.ok()) return out;
    for (const DeliveryFailureNotice& notice : *pending) out.push_back(notice.id);
    return out;
  };
  EXPECT_EQ(ids(0, 2), (std::vector<NoticeId>{notices[0], notices[1]}));
  EXPECT_EQ(ids(notices[1], 100), (std::vector<NoticeId>{notices[2], notices[3], notices[4]}));  // max_fetch_count
  EXPECT_TRUE(ids(notices[4], 100).empty());
  EXPECT_TRUE(ids(std::numeric_limits<NoticeId>::max(), 100).empty());
  EXPECT_TRUE(ids(notices[0], 0).empty());
  // A removed notice is skipped; a cursor between ids works like one on an id.
  ASSERT_EQ(*messages().remove_notices(bob, std::vector<NoticeId>{notices[2]}), 1u);
  EXPECT_EQ(ids(notices[1], 100), (std::vector<NoticeId>{notices[3], notices[4]}));
  EXPECT_EQ(ids(notices[2], 1), (std::vector<NoticeId>{notices[3]}));
  EXPECT_TRUE(messages().pending_notices(alice, 0, 100)->empty());
}

TEST_P(MessageQueueConformance, CommitAppliesAcknowledgementsAndEnqueuesInOneCall) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  DeviceAddress carol = make_device("carol");
  DeviceAddress ghost{carol.account, carol.device + 1};
  const NoticeId notice = leave_notice(messages(), carol, bob, 20, 5);
  std::vector<QueueSequence> to_alice;
  ASSERT_EQ(
      enqueue_all(messages(), {envelope(alice, bob, 1), envelope(alice, bob, 2), envelope(alice, bob, 3)}, &to_alice),
      (Texts{"stored", "stored", "stored"}));

  const std::vector<Envelope> batch{envelope(alice, bob, 4), envelope(alice, bob, 1), envelope(ghost, bob, 5),
                                    envelope(carol, alice, 6), envelope(alice, bob, 4)};
  const std::vector<Acknowledgement> acknowledgements{
      {alice, {to_alice[0], to_alice[0] + 1000}, {}},  // an unknown sequence is ignored
      {bob, {}, {notice, notice + 1000}},
      {alice, {to_alice[2]}, {}},  // a second acknowledgement of one device in the same commit
      {carol, {}, {}},
  };
  auto committed = messages().commit(batch, acknowledgements);
  ASSERT_TRUE(committed.ok()) << to_string(committed.error());
  EXPECT_EQ(removals(*committed), (Removals{{1, 0}, {0, 1}, {1, 0}, {0, 0}}));
  std::vector<QueueSequence> stored;
  EXPECT_EQ(describe(committed->enqueued, &stored), (Texts{"stored", "duplicate", "not_found", "stored", "duplicate"}));
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_GT(stored[0], to_alice[2]);
  EXPECT_GT(stored[1], stored[0]);

  EXPECT_EQ(queued_ids(messages(), alice), (std::vector<MessageId>{message_id(2), message_id(4)}));
  EXPECT_EQ(messages().fetch(alice, 0, 100)->back().sequence, stored[0]);
  EXPECT_EQ(*messages().depth(alice), 2u);
  EXPECT_EQ(*messages().depth(carol), 1u);
  EXPECT_TRUE(messages().pending_notices(bob, 0, 10)->empty());
  // Acknowledged envelopes stay remembered for duplicate detection, as after acknowledge().
  EXPECT_EQ(enqueue_all(messages(), {envelope(alice, bob, 3)}), (Texts{"duplicate"}));
}

TEST_P(MessageQueueConformance, CommitAcknowledgementsFreeRoomForItsOwnBatch) {
  reopen_empty(Options{.max_queue_depth = 2});
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  std::vector<QueueSequence> sequences;
  ASSERT_EQ(enqueue_all(messages(), {envelope(alice, bob, 1), envelope(alice, bob, 2)}, &sequences),
            (Texts{"stored", "stored"}));
  auto full = messages().commit(std::vector<Envelope>{envelope(alice, bob, 3)}, {});
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(describe(full->enqueued), (Texts{"queue_full"}));

  // One acknowledged, so one more fits in the same commit, and not two.
  auto committed = messages().commit(std::vector<Envelope>{envelope(alice, bob, 3), envelope(alice, bob, 4)},
                                     std::vector<Acknowledgement>{{alice, {sequences[0]}, {}}});
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(removals(*committed), (Removals{{1, 0}}));
  EXPECT_EQ(describe(committed->enqueued), (Texts{"stored", "queue_full"}));
  EXPECT_EQ(*messages().depth(alice), 2u);
  EXPECT_EQ(queued_ids(messages(), alice), (std::vector<MessageId>{message_id(2), message_id(3)}));

  // The depth a commit leaves is the one the next call enforces.
  committed = messages().commit(std::vector<Envelope>{envelope(alice, bob, 4)},
                                std::vector<Acknowledgement>{{alice, {sequences[1]}, {}}});
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(describe(committed->enqueued), (Texts{"stored"}));
  EXPECT_EQ(enqueue_all(messages(), {envelope(alice, bob, 5)}), (Texts{"queue_full"}));
  EXPECT_EQ(*messages().depth(alice), 2u);
}

TEST_P(MessageQueueConformance, CommitIgnoresHandlesOfAnotherDevice) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  DeviceAddress ghost{bob.account, bob.device + 1};
  const NoticeId notice = leave_notice(messages(), alice, bob, 1, 5);
  std::vector<QueueSequence> to_alice;
  ASSERT_EQ(enqueue_all(messages(), {envelope(alice, bob, 2)}, &to_alice), (Texts{"stored"}));

  // Alice's envelope acknowledged by bob (and by a device that does not exist), bob's notice by alice.
  auto committed = messages().commit(
      {}, std::vector<Acknowledgement>{{bob, to_alice, {}}, {alice, {}, {notice}}, {ghost, to_alice, {notice}}});
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(removals(*committed), (Removals{{0, 0}, {0, 0}, {0, 0}}));
  EXPECT_TRUE(committed->enqueued.empty());
  EXPECT_EQ(*messages().depth(alice), 1u);
  EXPECT_EQ(*messages().depth(bob), 0u);
  EXPECT_EQ(messages().pending_notices(bob, 0, 10)->size(), 1u);

  // Their own device removes them; a repeated acknowledgement is harmless.
  const std::vector<Acknowledgement> own{{alice, to_alice, {}}, {bob, {}, {notice}}};
  committed = messages().commit({}, own);
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(removals(*committed), (Removals{{1, 0}, {0, 1}}));
  committed = messages().commit({}, own);
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(removals(*committed), (Removals{{0, 0}, {0, 0}}));
  EXPECT_EQ(*messages().depth(alice), 0u);
}

TEST_P(MessageQueueConformance, CommitTakesEmptySpans) {
  DeviceAddress alice = make_device("alice");
  auto nothing = messages().commit({}, {});
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->enqueued.empty());
  EXPECT_TRUE(nothing->acknowledged.empty());

  auto empty_acknowledgement = messages().commit({}, std::vector<Acknowledgement>{{alice, {}, {}}});
  ASSERT_TRUE(empty_acknowledgement.ok());
  EXPECT_TRUE(empty_acknowledgement->enqueued.empty());
  EXPECT_EQ(removals(*empty_acknowledgement), (Removals{{0, 0}}));

  auto envelopes_only = messages().commit(std::vector<Envelope>{envelope(alice, std::nullopt, 1)}, {});
  ASSERT_TRUE(envelopes_only.ok());
  EXPECT_EQ(describe(envelopes_only->enqueued), (Texts{"stored"}));
  EXPECT_TRUE(envelopes_only->acknowledged.empty());
  EXPECT_EQ(*messages().depth(alice), 1u);
}

TEST_P(MessageQueueConformance, NoticesPerDeviceAreBoundedDroppingTheOldest) {
  reopen_empty(Options{.max_notices_per_device = 2});
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  std::size_t dropped = 0;
  for (std::uint32_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(messages().enqueue(std::vector<Envelope>{envelope(alice, bob, i, at(i))}).ok());
    auto expired = messages().expire(at(i), 100);
    ASSERT_TRUE(expired.ok());
    ASSERT_EQ(expired->size(), 1u);
    EXPECT_NE((*expired)[0].notice, 0u);
    dropped += (*expired)[0].notices_dropped;
  }
  EXPECT_EQ(dropped, 1u);
  auto pending = messages().pending_notices(bob, 0, 100);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].message_id, message_id(2));
  EXPECT_EQ((*pending)[1].message_id, message_id(3));
}

TEST_P(MessageQueueConformance, NoticesGoWithTheirSenderDevice) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  auto second = storage().accounts().add_device(bob.account, new_device(9), at(0));
  ASSERT_TRUE(second.ok());
  const DeviceAddress bob_two{bob.account, second->id};
  ASSERT_TRUE(messages()
                  .enqueue(std::vector<Envelope>{envelope(alice, bob_two, 1, at(10)), envelope(alice, bob, 2, at(20))})
                  .ok());
  ASSERT_EQ(messages().expire(at(10), 100)->size(), 1u);
  EXPECT_EQ(messages().pending_notices(bob_two, 0, 10)->size(), 1u);
  ASSERT_TRUE(storage().accounts().remove_device(bob_two).ok());
  EXPECT_TRUE(messages().pending_notices(bob_two, 0, 10)->empty());
  EXPECT_EQ(*messages().remove_notices(bob_two, std::vector<NoticeId>{1, 2, 3}), 0u);

  // A sender device removed before its envelope expires gets no notice.
  ASSERT_TRUE(
      messages().enqueue(std::vector<Envelope>{envelope(alice, DeviceAddress{bob.account, 99}, 3, at(20))}).ok());
  auto expired = messages().expire(at(20), 100);
  ASSERT_TRUE(expired.ok());
  ASSERT_EQ(expired->size(), 2u);
  for (const ExpiredEnvelope& item : *expired) EXPECT_EQ(item.notice != 0, item.id == message_id(2));
  EXPECT_EQ(messages().pending_notices(bob, 0, 10)->size(), 1u);
}

TEST_P(MessageQueueConformance, FullQueueIsANamedErrorPerEnvelope) {
  reopen_empty(Options{.max_queue_depth = 3});
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  std::vector<Envelope> batch;
  for (std::uint32_t i = 1; i <= 5; ++i) batch.push_back(envelope(alice, bob, i));
  batch.push_back(envelope(bob, alice, 1));
  EXPECT_EQ(enqueue_all(messages(), batch),
            (Texts{"stored", "stored", "stored", "queue_full", "queue_full", "stored"}));
  EXPECT_EQ(*messages().depth(alice), 3u);
  // A resend of a stored envelope is still acknowledged as a duplicate when the queue is full.
  EXPECT_EQ(enqueue_all(messages(), {envelope(alice, bob, 1)}), (Texts{"duplicate"}));

  // Rejected envelopes were not remembered: once there is room, their resend is stored.
  std::vector<QueueSequence> first{messages().fetch(alice, 0, 1)->at(0).sequence};
  ASSERT_EQ(*messages().acknowledge(alice, first), 1u);
  EXPECT_EQ(enqueue_all(messages(), {envelope(alice, bob, 4), envelope(alice, bob, 5)}),
            (Texts{"stored", "queue_full"}));
}

TEST_P(MessageQueueConformance, UnknownRecipientAndOversizedEnvelopeAreRejectedAlone) {
  reopen_empty(Options{.max_envelope_size = 64});
  DeviceAddress alice = make_device("alice");
  DeviceAddress ghost{alice.account, alice.device + 1};
  std::vector<Envelope> batch{envelope(ghost, std::nullopt, 1), envelope(alice, std::nullopt, 2, at(100), 65),
                              envelope(alice, std::nullopt, 3, at(100), 64)};
  EXPECT_EQ(enqueue_all(messages(), batch), (Texts{"not_found", "too_large", "stored"}));
  EXPECT_EQ(*messages().depth(alice), 1u);
  EXPECT_EQ(*messages().depth(ghost), 0u);
  EXPECT_TRUE(messages().enqueue(std::vector<Envelope>{})->empty());
}

TEST_P(MessageQueueConformance, ConcurrentBatchesAreAllStoredInOneOrder) {
  constexpr int kThreads = 8;
  constexpr std::uint32_t kPerThread = 25;
  DeviceAddress alice = make_device("alice");
  std::vector<DeviceAddress> senders;
  for (int i = 0; i < kThreads; ++i) senders.push_back(make_device("sender" + std::to_string(i)));

  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (std::uint32_t i = 0; i < kPerThread; i += 5) {
        std::vector<Envelope> batch;
        for (std::uint32_t j = i; j < i + 5; ++j) batch.push_back(envelope(alice, senders[t], j));
        auto outcomes = messages().enqueue(batch);
        EXPECT_TRUE(outcomes.ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(*messages().depth(alice), kThreads * kPerThread);
  std::vector<QueuedEnvelope> all;
  for (QueueSequence after = 0;;) {
    auto page = messages().fetch(alice, after, 100);
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    after = page->back().sequence;
    all.insert(all.end(), page->begin(), page->end());
  }
  ASSERT_EQ(all.size(), kThreads * kPerThread);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].sequence, all[i - 1].sequence);
  // Each sender's envelopes keep the order it sent them in.
  std::map<DeviceAddress, std::uint32_t> next;
  for (const QueuedEnvelope& queued : all) {
    std::uint32_t& expected = next[*queued.envelope.sender];
    EXPECT_EQ(queued.envelope.id, message_id(expected));
    ++expected;
  }
}

}  // namespace
}  // namespace hush::storage::test
