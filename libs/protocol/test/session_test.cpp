// Two hush parties: X3DH both with and without a one-time prekey, the ratchet in every pattern,
// out-of-order delivery, duplicates, simultaneous start, and trust decisions.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "test_party.hpp"

namespace hush::protocol::testing {
namespace {

TEST(Session, FirstMessageIsPreKeyUntilReplyArrives) {
  TestParty alice("alice", 1, 1), bob("bob", 1, 2);
  alice.start_session_with(bob);
  const std::uint32_t prekey_id = bob.last_prekey_id();
  ASSERT_TRUE(bob.store().prekeys.load_prekey(prekey_id).has_value());

  auto first = alice.encrypt_to(bob, "hello bob");
  EXPECT_EQ(first.type, MessageType::kPreKey);
  EXPECT_EQ(first.serialized[0], 0x33);
  auto second = alice.encrypt_to(bob, "still there?");
  EXPECT_EQ(second.type, MessageType::kPreKey);

  EXPECT_EQ(*bob.decrypt_from(alice, first), "hello bob");
  EXPECT_FALSE(bob.store().prekeys.load_prekey(prekey_id).has_value()) << "one-time prekey consumed";
  EXPECT_EQ(*bob.decrypt_from(alice, second), "still there?") << "same session, prekey already gone";

  auto reply = bob.encrypt_to(alice, "hi alice");
  EXPECT_EQ(reply.type, MessageType::kSignal);
  EXPECT_EQ(*alice.decrypt_from(bob, reply), "hi alice");
  EXPECT_EQ(alice.encrypt_to(bob, "now plain").type, MessageType::kSignal);
}

TEST(Session, WorksWithoutOneTimePreKey) {
  TestParty alice("alice", 1, 3), bob("bob", 2, 4);
  alice.start_session_with(bob, /*with_one_time_prekey=*/false);
  EXPECT_EQ(*bob.decrypt_from(alice, alice.encrypt_to(bob, "no opk")), "no opk");
  EXPECT_EQ(*alice.decrypt_from(bob, bob.encrypt_to(alice, "fine")), "fine");
}

TEST(Session, ThousandMessagesInMixedRuns) {
  TestParty alice("alice", 1, 5), bob("bob", 1, 6);
  alice.start_session_with(bob);
  std::mt19937 pattern(42);
  for (int i = 0; i < 1000; ++i) {
    bool alice_sends = (i < 500) ? (i % 2 == 0) : (pattern() % 3 != 0);
    TestParty& from = alice_sends ? alice : bob;
    TestParty& to = alice_sends ? bob : alice;
    std::string text = "message " + std::to_string(i);
    auto plaintext = to.decrypt_from(from, from.encrypt_to(to, text));
    ASSERT_TRUE(plaintext.ok()) << i << ": " << to_string(plaintext.error());
    EXPECT_EQ(*plaintext, text);
  }
}

TEST(Session, OutOfOrderWithinAndAcrossChains) {
  TestParty alice("alice", 1, 7), bob("bob", 1, 8);
  alice.start_session_with(bob);
  ASSERT_TRUE(bob.decrypt_from(alice, alice.encrypt_to(bob, "setup")).ok());

  std::vector<CiphertextMessage> first_chain;
  for (int i = 0; i < 10; ++i) first_chain.push_back(alice.encrypt_to(bob, "a" + std::to_string(i)));
  ASSERT_TRUE(alice.decrypt_from(bob, bob.encrypt_to(alice, "ratchet")).ok());
  std::vector<CiphertextMessage> second_chain;
  for (int i = 0; i < 10; ++i) second_chain.push_back(alice.encrypt_to(bob, "b" + std::to_string(i)));

  // The newer chain first, reversed; then the older chain, shuffled.
  for (int i = 9; i >= 0; --i) EXPECT_EQ(*bob.decrypt_from(alice, second_chain[i]), "b" + std::to_string(i));
  std::vector<int> order(10);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  for (int i : order) EXPECT_EQ(*bob.decrypt_from(alice, first_chain[i]), "a" + std::to_string(i));
}

TEST(Session, DuplicateIsRejectedAndStateUnchanged) {
  TestParty alice("alice", 1, 9), bob("bob", 1, 10);
  alice.start_session_with(bob);
  ASSERT_TRUE(bob.decrypt_from(alice, alice.encrypt_to(bob, "one")).ok());
  auto reply = bob.encrypt_to(alice, "reply");
  ASSERT_TRUE(alice.decrypt_from(bob, reply).ok());
  auto before = alice.store().sessions.load_session(bob.address())->serialize();
  auto again = alice.decrypt_from(bob, reply);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(), ProtocolError::kDuplicateMessage);
  EXPECT_EQ(alice.store().sessions.load_session(bob.address())->serialize(), before);
}

TEST(Session, SimultaneousStartHeals) {
  TestParty alice("alice", 1, 11), bob("bob", 1, 12);
  alice.start_session_with(bob);
  bob.start_session_with(alice);
  auto from_alice = alice.encrypt_to(bob, "from alice");
  auto from_bob = bob.encrypt_to(alice, "from bob");
  EXPECT_EQ(*bob.decrypt_from(alice, from_alice), "from alice");
  EXPECT_EQ(*alice.decrypt_from(bob, from_bob), "from bob");
  // Both now hold each other's session as current; traffic converges on one session.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(*bob.decrypt_from(alice, alice.encrypt_to(bob, "a")), "a");
    EXPECT_EQ(*alice.decrypt_from(bob, bob.encrypt_to(alice, "b")), "b");
  }
}

TEST(Session, ChangedIdentityIsReportedNotAccepted) {
  TestParty alice("alice", 1, 13), bob("bob", 1, 14);
  alice.start_session_with(bob);
  ASSERT_TRUE(bob.decrypt_from(alice, alice.encrypt_to(bob, "hi")).ok());

  TestParty bob_reinstalled("bob", 1, 15);  // same address, new identity key
  auto stores = alice.stores();
  auto result = process_prekey_bundle(stores, bob.address(), bob_reinstalled.bundle(), alice.rng());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), ProtocolError::kUntrustedIdentity);

  TestParty alice_reinstalled("alice", 1, 16);
  alice_reinstalled.start_session_with(bob);
  auto message = alice_reinstalled.encrypt_to(bob, "it's me, new phone");
  auto before = bob.store().sessions.load_session(alice.address())->serialize();
  auto decrypted = bob.decrypt_from(alice_reinstalled, message);
  ASSERT_FALSE(decrypted.ok());
  EXPECT_EQ(decrypted.error(), ProtocolError::kUntrustedIdentity);
  EXPECT_EQ(bob.store().sessions.load_session(alice.address())->serialize(), before);

  // Once the user approves the new key, the same message decrypts.
  bob.store().identities.save_identity(alice.address(),
                                       alice_reinstalled.store().identities.identity_key_pair().public_key);
  EXPECT_EQ(*bob.decrypt_from(alice_reinstalled, message), "it's me, new phone");
}

TEST(Session, EncryptWithoutSessionFails) {
  TestParty alice("alice", 1, 17), bob("bob", 1, 18);
  auto stores = alice.stores();
  auto result = encrypt(stores, bob.address(), as_bytes("x"), alice.rng());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), ProtocolError::kNoSession);
}

TEST(Session, EmptyAndLargePlaintexts) {
  TestParty alice("alice", 1, 19), bob("bob", 1, 20);
  alice.start_session_with(bob);
  EXPECT_EQ(*bob.decrypt_from(alice, alice.encrypt_to(bob, "")), "");
  std::string large(200 * 1024, 'L');
  EXPECT_EQ(*bob.decrypt_from(alice, alice.encrypt_to(bob, large)), large);
}

}  // namespace
}  // namespace hush::protocol::testing

namespace hush::protocol::testing {
namespace {

TEST(Session, SendingHalfOfRatchetWaitsForTheNextSend) {
  TestParty alice("alice", 1, 21), bob("bob", 1, 22);
  alice.start_session_with(bob);
  ASSERT_TRUE(bob.decrypt_from(alice, alice.encrypt_to(bob, "one")).ok());
  auto state = [&] { return *bob.store().sessions.load_session(alice.address())->current(); };
  EXPECT_TRUE(state().sending_ratchet_pending);
  const crypto::PublicKey old_ratchet = state().sender_chain->ratchet_key.public_key;

  // More messages on the same chain: still nothing generated.
  ASSERT_TRUE(bob.decrypt_from(alice, alice.encrypt_to(bob, "two")).ok());
  EXPECT_EQ(state().sender_chain->ratchet_key.public_key, old_ratchet);

  // The pending flag survives storage.
  auto record = bob.store().sessions.load_session(alice.address());
  auto restored = SessionRecord::deserialize(record->serialize().view());
  ASSERT_TRUE(restored.ok());
  EXPECT_TRUE(restored->current()->sending_ratchet_pending);

  // Sending completes the step with a fresh ratchet key, which alice follows.
  auto reply = bob.encrypt_to(alice, "reply");
  EXPECT_FALSE(state().sending_ratchet_pending);
  EXPECT_NE(state().sender_chain->ratchet_key.public_key, old_ratchet);
  EXPECT_EQ(*alice.decrypt_from(bob, reply), "reply");
  EXPECT_EQ(*bob.decrypt_from(alice, alice.encrypt_to(bob, "three")), "three");
}

}  // namespace
}  // namespace hush::protocol::testing
