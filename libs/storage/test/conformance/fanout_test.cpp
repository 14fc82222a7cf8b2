// Conformance: fan-outs (message_queue.hpp Fanout), one body stored once for many recipient
// devices: queue order among ordinary envelopes, duplicate detection, acknowledgement, expiry with
// its notices, removal of a recipient device, later batches that refer to the stored body, and
// the errors of a whole fan-out.
#include <algorithm>

#include "conformance/conformance.hpp"

namespace hush::storage::test {
namespace {

using Texts = std::vector<std::string>;

// A fan-out of `sender`'s message `id` to `recipients`, with `body` (empty: refer to the held one).
Fanout fanout(DeviceAddress sender, std::uint32_t id, std::vector<DeviceAddress> recipients, Bytes body,
              Timestamp expires_at = at(1000000)) {
  Fanout out;
  out.sender = sender;
  out.id = message_id(id);
  out.server_time = at(2);
  out.expires_at = expires_at;
  out.type = static_cast<EnvelopeType>(7);  // a sender key message, say: any byte round-trips
  out.body = std::move(body);
  out.recipients = std::move(recipients);
  return out;
}

// Each outcome's status or error as text; the sequences of the stored.
Texts describe(const FanoutOutcome& outcome, std::vector<QueueSequence>* sequences = nullptr) {
  if (!outcome.ok()) return {std::string("fan-out failed: ") + to_string(outcome.error())};
  Texts out;
  for (const EnqueueOutcome& one : *outcome) {
    if (!one.ok()) {
      out.emplace_back(to_string(one.error()));
    } else if (one->status == EnqueueStatus::kDuplicate) {
      out.emplace_back("duplicate");
    } else {
      out.emplace_back("stored");
      if (sequences != nullptr) sequences->push_back(one->sequence);
    }
  }
  return out;
}

Texts fan_out(MessageQueues& queues, const Fanout& fanout, std::vector<QueueSequence>* sequences = nullptr) {
  return describe(queues.fan_out(fanout), sequences);
}

std::size_t bodies(MessageQueues& queues) {
  auto count = queues.shared_bodies();
  EXPECT_TRUE(count.ok());
  return count.ok() ? *count : 0;
}

std::vector<QueuedEnvelope> queue_of(MessageQueues& queues, DeviceAddress recipient) {
  auto fetched = queues.fetch(recipient, 0, 100);
  EXPECT_TRUE(fetched.ok());
  return fetched.ok() ? *fetched : std::vector<QueuedEnvelope>();
}

// A second device of `device`'s account.
DeviceAddress second_device(AccountStore& accounts, DeviceAddress device, std::uint8_t seed) {
  auto added = accounts.add_device(device.account, new_device(seed), at(0));
  EXPECT_TRUE(added.ok());
  return {device.account, added.ok() ? added->id : 0};
}

TEST_P(FanoutConformance, BodyIsStoredOnceAndFetchedByEveryRecipient) {
  DeviceAddress sender = make_device("sender");
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  std::vector<DeviceAddress> recipients{alice, second_device(accounts(), alice, 2), bob,
                                        second_device(accounts(), bob, 3), second_device(accounts(), sender, 4)};
  const Fanout message = fanout(sender, 1, recipients, pattern(3000, 9));
  std::vector<QueueSequence> sequences;
  EXPECT_EQ(fan_out(messages(), message, &sequences), (Texts(5, "stored")));
  ASSERT_EQ(sequences.size(), 5u);
  for (std::size_t i = 1; i < sequences.size(); ++i) EXPECT_GT(sequences[i], sequences[i - 1]);
  EXPECT_EQ(bodies(messages()), 1u);

  for (std::size_t i = 0; i < recipients.size(); ++i) {
    auto queue = queue_of(messages(), recipients[i]);
    ASSERT_EQ(queue.size(), 1u);
    EXPECT_EQ(queue[0].sequence, sequences[i]);
    const Envelope& got = queue[0].envelope;
    EXPECT_EQ(got.recipient, recipients[i]);
    EXPECT_EQ(got.sender, std::optional<DeviceAddress>(sender));
    EXPECT_EQ(got.id, message.id);
    EXPECT_EQ(got.server_time, message.server_time);
    EXPECT_EQ(got.expires_at, message.expires_at);
    EXPECT_EQ(got.type, message.type);
    EXPECT_EQ(got.ciphertext, message.body);
    EXPECT_EQ(*messages().depth(recipients[i]), 1u);
  }
  EXPECT_EQ(*messages().depth(sender), 0u);
}

TEST_P(FanoutConformance, FannedOutEnvelopesTakeTheirPlaceInQueueOrder) {
  DeviceAddress sender = make_device("sender");
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  ASSERT_TRUE(messages().enqueue(std::vector<Envelope>{envelope(alice, bob, 1)}).ok());
  EXPECT_EQ(fan_out(messages(), fanout(sender, 2, {alice, bob}, pattern(100, 2))), (Texts{"stored", "stored"}));
  ASSERT_TRUE(messages().enqueue(std::vector<Envelope>{envelope(alice, bob, 3)}).ok());

  // One commit: the batch's envelopes first, then each fan-out's, in order.
  const std::vector<Envelope> batch{envelope(alice, bob, 4), envelope(bob, alice, 5)};
  const std::vector<Fanout> fanouts{fanout(sender, 6, {bob, alice}, pattern(60, 6)),
                                    fanout(sender, 7, {alice}, pattern(70, 7))};
  auto committed = messages().commit(batch, fanouts, {});
  ASSERT_TRUE(committed.ok()) << to_string(committed.error());
  ASSERT_EQ(committed->enqueued.size(), 2u);
  ASSERT_EQ(committed->fanned_out.size(), 2u);
  std::vector<QueueSequence> sequences;
  for (const EnqueueOutcome& outcome : committed->enqueued) sequences.push_back(outcome->sequence);
  EXPECT_EQ(describe(committed->fanned_out[0], &sequences), (Texts{"stored", "stored"}));
  EXPECT_EQ(describe(committed->fanned_out[1], &sequences), (Texts{"stored"}));
  ASSERT_EQ(sequences.size(), 5u);
  for (std::size_t i = 1; i < sequences.size(); ++i) EXPECT_GT(sequences[i], sequences[i - 1]);

  auto queue = queue_of(messages(), alice);
  std::vector<MessageId> ids;
  for (const QueuedEnvelope& queued : queue) ids.push_back(queued.envelope.id);
  EXPECT_EQ(ids, (std::vector<MessageId>{message_id(1), message_id(2), message_id(3), message_id(4), message_id(6),
                                         message_id(7)}));
  for (std::size_t i = 1; i < queue.size(); ++i) EXPECT_GT(queue[i].sequence, queue[i - 1].sequence);
  EXPECT_EQ(queue[0].envelope, envelope(alice, bob, 1));
  EXPECT_EQ(queue[1].envelope.ciphertext, pattern(100, 2));
  EXPECT_EQ(queue[3].envelope, batch[0]);
  EXPECT_EQ(queue[4].envelope.ciphertext, pattern(60, 6));
  EXPECT_EQ(queue[5].envelope.ciphertext, pattern(70, 7));
  EXPECT_EQ(*messages().depth(alice), 6u);
  EXPECT_EQ(bodies(messages()), 3u);

  // Paging by cursor crosses fan-outs and ordinary envelopes alike.
  auto page = messages().fetch(alice, queue[1].sequence, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].envelope.id, message_id(3));
  EXPECT_EQ((*page)[1].envelope.id, message_id(4));
}

TEST_P(FanoutConformance, AcknowledgingTheLastReferenceDeletesTheBody) {
  DeviceAddress sender = make_device("sender");
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  DeviceAddress carol = make_device("carol");
  std::vector<QueueSequence> sequences;
  ASSERT_EQ(fan_out(messages(), fanout(sender, 1, {alice, bob, carol}, pattern(500, 1)), &sequences),
            (Texts(3, "stored")));
  EXPECT_EQ(*messages().acknowledge(alice, std::vector<QueueSequence>{sequences[0]}), 1u);
  EXPECT_EQ(bodies(messages()), 1u);
  // Another device's handle acknowledges nothing.
  EXPECT_EQ(*messages().acknowledge(alice, std::vector<QueueSequence>{sequences[1]}), 0u);
  EXPECT_EQ(bodies(messages()), 1u);
  EXPECT_EQ(queue_of(messages(), bob).at(0).envelope.ciphertext, pattern(500, 1));

  // Through commit() as the server acknowledges: both remaining references at once.
  auto committed = messages().commit(
      {}, {}, std::vector<Acknowledgement>{{bob, {sequences[1]}, {}}, {carol, {sequences[2], sequences[2]}, {}}});
  ASSERT_TRUE(committed.ok());
  ASSERT_EQ(committed->acknowledged.size(), 2u);
  EXPECT_EQ(committed->acknowledged[0].envelopes, 1u);
  EXPECT_EQ(committed->acknowledged[1].envelopes, 1u);
  EXPECT_EQ(bodies(messages()), 0u);
  EXPECT_EQ(*messages().depth(bob), 0u);
  EXPECT_EQ(*messages().depth(carol), 0u);
  // Repeating the acknowledgement is harmless.
  EXPECT_EQ(*messages().acknowledge(carol, std::vector<QueueSequence>{sequences[2]}), 0u);
}

TEST_P(FanoutConformance, ExpiryDeletesTheBodyAndLeavesANoticePerDevice) {
  DeviceAddress sender = make_device("sender");
  DeviceAddress alice = make_device("alice");
  DeviceAddress alice2 = second_device(accounts(), alice, 2);
  DeviceAddress bob = make_device("bob");
  ASSERT_EQ(fan_out(messages(), fanout(sender, 1, {alice, alice2, bob}, pattern(80, 1), at(100))),
            (Texts(3, "stored")));
  ASSERT_EQ(fan_out(messages(), fanout(sender, 2, {alice}, pattern(80, 2), at(200))), (Texts{"stored"}));
  EXPECT_EQ(bodies(messages()), 2u);

  auto expired = messages().expire(at(100), 100);
  ASSERT_TRUE(expired.ok());
  ASSERT_EQ(expired->size(), 3u);
  std::vector<DeviceAddress> reported;
  for (const ExpiredEnvelope& item : *expired) {
    EXPECT_EQ(item.sender, std::optional<DeviceAddress>(sender));
    EXPECT_EQ(item.id, message_id(1));
    EXPECT_NE(item.notice, 0u);
    reported.push_back(item.recipient);
  }
  std::sort(reported.begin(), reported.end());
  EXPECT_EQ(reported, (std::vector<DeviceAddress>{alice, alice2, bob}));
  EXPECT_EQ(bodies(messages()), 1u);  // message 2 is still queued

  // The sender learns it once per recipient device, as for envelopes it sent one by one.
  auto notices = messages().pending_notices(sender, 0, 10);
  ASSERT_TRUE(notices.ok());
  ASSERT_EQ(notices->size(), 3u);
  std::vector<DeviceAddress> noticed;
  for (const DeliveryFailureNotice& notice : *notices) {
    EXPECT_EQ(notice.message_id, message_id(1));
    EXPECT_EQ(notice.reason, DeliveryFailureReason::kExpired);
    noticed.push_back(notice.recipient);
  }
  std::sort(noticed.begin(), noticed.end());
  EXPECT_EQ(noticed, reported);
  EXPECT_EQ(*messages().depth(alice), 1u);
  EXPECT_EQ(*messages().depth(bob), 0u);

  ASSERT_EQ(messages().expire(at(200), 100)->size(), 1u);
  EXPECT_EQ(bodies(messages()), 0u);
  EXPECT_TRUE(queue_of(messages(), alice).empty());
}

TEST_P(FanoutConformance, ResendIsADuplicateAndStoresNothing) {
  DeviceAddress sender = make_device("sender");
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  const Fanout message = fanout(sender, 1, {alice, bob}, pattern(90, 1), at(1000));
  std::vector<QueueSequence> sequences;
  ASSERT_EQ(fan_out(messages(), message, &sequences), (Texts{"stored", "stored"}));
  EXPECT_EQ(fan_out(messages(), message), (Texts{"duplicate", "duplicate"}));
  EXPECT_EQ(bodies(messages()), 1u);
  EXPECT_EQ(*messages().depth(alice), 1u);
  // A resend without the body is the same duplicate while the body is held.
  Fanout without_body = message;
  without_body.body.clear();
  EXPECT_EQ(fan_out(messages(), without_body), (Texts{"duplicate", "duplicate"}));

  // Also after every recipient acknowledged it (the body is gone, and is not stored again).
  ASSERT_EQ(*messages().acknowledge(alice, std::vector<QueueSequence>{sequences[0]}), 1u);
  ASSERT_EQ(*messages().acknowledge(bob, std::vector<QueueSequence>{sequences[1]}), 1u);
  EXPECT_EQ(bodies(messages()), 0u);
  EXPECT_EQ(fan_out(messages(), message), (Texts{"duplicate", "duplicate"}));
  EXPECT_EQ(bodies(messages()), 0u);
  EXPECT_EQ(*messages().depth(alice), 0u);

  // The same id sent as an ordinary envelope counts as the same message, either way round.
  ASSERT_TRUE(messages().enqueue(std::vector<Envelope>{envelope(alice, sender, 2)}).ok());
  DeviceAddress carol = make_device("carol");
  EXPECT_EQ(fan_out(messages(), fanout(sender, 2, {alice, carol}, pattern(90, 2))), (Texts{"duplicate", "stored"}));
  auto outcomes = messages().enqueue(std::vector<Envelope>{envelope(carol, sender, 2)});
  ASSERT_TRUE(outcomes.ok());
  EXPECT_EQ((*outcomes)[0]->status, EnqueueStatus::kDuplicate);
}

TEST_P(FanoutConformance, ALaterBatchWithoutBodyRefersToTheStoredOne) {
  DeviceAddress sender = make_device("sender");
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  DeviceAddress carol = make_device("carol");
  const Bytes body = pattern(2000, 5);
  std::vector<QueueSequence> first;
  ASSERT_EQ(fan_out(messages(), fanout(sender, 1, {alice, bob}, body), &first), (Texts{"stored", "stored"}));
  std::vector<QueueSequence> second;
  ASSERT_EQ(fan_out(messages(), fanout(sender, 1, {carol}, {}), &second), (Texts{"stored"}));
  // Giving the same body again is as good as leaving it out.
  DeviceAddress dave = make_device("dave");
  ASSERT_EQ(fan_out(messages(), fanout(sender, 1, {dave}, body)), (Texts{"stored"}));
  EXPECT_EQ(bodies(messages()), 1u);
  EXPECT_EQ(queue_of(messages(), carol).at(0).envelope.ciphertext, body);
  EXPECT_EQ(queue_of(messages(), dave).at(0).envelope.ciphertext, body);

  // The body lives as long as any reference, whichever batch made it.
  ASSERT_EQ(*messages().acknowledge(alice, std::vector<QueueSequence>{first[0]}), 1u);
  ASSERT_EQ(*messages().acknowledge(bob, std::vector<QueueSequence>{first[1]}), 1u);
  EXPECT_EQ(bodies(messages()), 1u);
  ASSERT_EQ(*messages().acknowledge(carol, std::vector<QueueSequence>{second[0]}), 1u);
  EXPECT_EQ(bodies(messages()), 1u);
  const std::vector<QueueSequence> to_dave{queue_of(messages(), dave).at(0).sequence};
  ASSERT_EQ(*messages().acknowledge(dave, to_dave), 1u);
  EXPECT_EQ(bodies(messages()), 0u);

  // Gone with its last reference: a further batch without the body has nothing to refer to.
  DeviceAddress erin = make_device("erin");
  EXPECT_EQ(fan_out(messages(), fanout(sender, 1, {erin}, {})), (Texts{"fan-out failed: not_found"}));
}

TEST_P(FanoutConformance, AWholeFanoutIsRefusedForItsBody) {
  reopen_empty(Options{.max_envelope_size = 100});
  DeviceAddress sender = make_device("sender");
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  // No body given, none held (unknown_body).
  EXPECT_EQ(fan_out(messages(), fanout(sender, 1, {alice, bob}, {})), (Texts{"fan-out failed: not_found"}));
  // Over max_envelope_size.
  EXPECT_EQ(fan_out(messages(), fanout(sender, 1, {alice, bob}, pattern(101, 1))),
            (Texts{"fan-out failed: too_large"}));
  EXPECT_EQ(*messages().depth(alice), 0u);
  EXPECT_EQ(bodies(messages()), 0u);

  ASSERT_EQ(fan_out(messages(), fanout(sender, 1, {alice}, pattern(100, 1))), (Texts{"stored"}));
  // Another body for the same (sender, id) (body_mismatch), also with a byte changed at the end.
  Bytes changed = pattern(100, 1);
  changed.back() ^= 1;
  EXPECT_EQ(fan_out(messages(), fanout(sender, 1, {bob}, changed)), (Texts{"fan-out failed: conflict"}));
  EXPECT_EQ(fan_out(messages(), fanout(sender, 1, {bob}, pattern(50, 1))), (Texts{"fan-out failed: conflict"}));
  EXPECT_EQ(*messages().depth(bob), 0u);
  EXPECT_EQ(bodies(messages()), 1u);
  EXPECT_EQ(queue_of(messages(), alice).at(0).envelope.ciphertext, pattern(100, 1));

  // The same id from another sender device is another message, with a body of its own.
  DeviceAddress sender2 = second_device(accounts(), sender, 2);
  EXPECT_EQ(fan_out(messages(), fanout(sender2, 1, {bob}, changed)), (Texts{"stored"}));
  EXPECT_EQ(bodies(messages()), 2u);
  EXPECT_EQ(queue_of(messages(), bob).at(0).envelope.ciphertext, changed);

  // A refused fan-out in a commit leaves the rest of the commit alone.
  auto committed =
      messages().commit(std::vector<Envelope>{envelope(bob, alice, 9, at(1000), 10)},
                        std::vector<Fanout>{fanout(sender, 3, {bob}, {}), fanout(sender, 4, {bob}, {9})}, {});
  ASSERT_TRUE(committed.ok());
  ASSERT_EQ(committed->fanned_out.size(), 2u);
  EXPECT_EQ(describe(committed->fanned_out[0]), (Texts{"fan-out failed: not_found"}));
  EXPECT_EQ(describe(committed->fanned_out[1]), (Texts{"stored"}));
  EXPECT_EQ(*messages().depth(bob), 3u);
}

TEST_P(FanoutConformance, ARecipientIsRefusedAloneAndNothingIsHeldForNobody) {
  reopen_empty(Options{.max_queue_depth = 1});
  DeviceAddress sender = make_device("sender");
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  DeviceAddress ghost{bob.account, bob.device + 5};
  ASSERT_TRUE(messages().enqueue(std::vector<Envelope>{envelope(bob, alice, 1)}).ok());  // bob's queue is full
  EXPECT_EQ(fan_out(messages(), fanout(sender, 2, {alice, bob, ghost}, pattern(40, 2))),
            (Texts{"stored", "queue_full", "not_found"}));
  EXPECT_EQ(bodies(messages()), 1u);
  EXPECT_EQ(*messages().depth(bob), 1u);

  // A fan-out none of whose envelopes is stored keeps no body.
  EXPECT_EQ(fan_out(messages(), fanout(sender, 3, {bob, ghost}, pattern(40, 3))), (Texts{"queue_full", "not_found"}));
  EXPECT_EQ(bodies(messages()), 1u);
  DeviceAddress carol = make_device("carol");
  EXPECT_EQ(fan_out(messages(), fanout(sender, 3, {carol}, {})), (Texts{"fan-out failed: not_found"}));
}

TEST_P(FanoutConformance, RemovingARecipientDeviceReleasesItsReferences) {
  DeviceAddress sender = make_device("sender");
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  DeviceAddress bob2 = second_device(accounts(), bob, 2);
  std::vector<QueueSequence> sequences;
  ASSERT_EQ(fan_out(messages(), fanout(sender, 1, {alice, bob2}, pattern(40, 1)), &sequences),
            (Texts{"stored", "stored"}));
  ASSERT_EQ(fan_out(messages(), fanout(sender, 2, {bob2}, pattern(40, 2))), (Texts{"stored"}));
  EXPECT_EQ(bodies(messages()), 2u);
  ASSERT_TRUE(accounts().remove_device(bob2).ok());
  EXPECT_EQ(bodies(messages()), 1u);  // message 2 had no other recipient
  ASSERT_EQ(*messages().acknowledge(alice, std::vector<QueueSequence>{sequences[0]}), 1u);
  EXPECT_EQ(bodies(messages()), 0u);
  // The sender's own device removed: its bodies stay for their recipients.
  ASSERT_EQ(fan_out(messages(), fanout(sender, 3, {alice}, pattern(40, 3))), (Texts{"stored"}));
  ASSERT_TRUE(accounts().remove_device(sender).ok());
  EXPECT_EQ(queue_of(messages(), alice).at(0).envelope.ciphertext, pattern(40, 3));
}

TEST_P(FanoutConformance, ACommitAppliesItsAcknowledgementsBeforeItsFanouts) {
  DeviceAddress sender = make_device("sender");
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  std::vector<QueueSequence> sequences;
  ASSERT_EQ(fan_out(messages(), fanout(sender, 1, {alice}, pattern(40, 1)), &sequences), (Texts{"stored"}));
  // Alice's acknowledgement releases the last reference before the later batch looks for the body.
  auto committed = messages().commit({}, std::vector<Fanout>{fanout(sender, 1, {bob}, {})},
                                     std::vector<Acknowledgement>{{alice, sequences, {}}});
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(describe(committed->fanned_out.at(0)), (Texts{"fan-out failed: not_found"}));
  EXPECT_EQ(bodies(messages()), 0u);

  // Two batches of one message in one commit: the second refers to the body the first stored...
  committed = messages().commit(
      {}, std::vector<Fanout>{fanout(sender, 2, {alice}, pattern(40, 2)), fanout(sender, 2, {bob}, {})}, {});
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(describe(committed->fanned_out.at(0)), (Texts{"stored"}));
  EXPECT_EQ(describe(committed->fanned_out.at(1)), (Texts{"stored"}));
  EXPECT_EQ(bodies(messages()), 1u);
  EXPECT_EQ(queue_of(messages(), bob).back().envelope.ciphertext, pattern(40, 2));
  // ...and is checked against it.
  committed = messages().commit(
      {}, std::vector<Fanout>{fanout(sender, 3, {alice}, pattern(40, 3)), fanout(sender, 3, {bob}, pattern(40, 4))},
      {});
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(describe(committed->fanned_out.at(0)), (Texts{"stored"}));
  EXPECT_EQ(describe(committed->fanned_out.at(1)), (Texts{"fan-out failed: conflict"}));
  EXPECT_EQ(bodies(messages()), 2u);
}

}  // namespace
}  // namespace hush::storage::test
