// Session records: storage round trip, archive limits, and corrupt input.
#include <gtest/gtest.h>

#include "hush/protocol/limits.hpp"
#include "test_party.hpp"

namespace hush::protocol::testing {
namespace {

TEST(SessionRecord, SerializationRoundTripKeepsEverything) {
  TestParty alice("alice", 1, 31), bob("bob", 1, 32);
  alice.start_session_with(bob);
  ASSERT_TRUE(bob.decrypt_from(alice, alice.encrypt_to(bob, "x")).ok());
  std::vector<CiphertextMessage> pending;
  for (int i = 0; i < 4; ++i) pending.push_back(bob.encrypt_to(alice, "y" + std::to_string(i)));
  ASSERT_TRUE(alice.decrypt_from(bob, pending[3]).ok());  // leaves 3 skipped keys

  auto record = alice.store().sessions.load_session(bob.address());
  auto bytes = record->serialize();
  auto parsed = SessionRecord::deserialize(bytes.view());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->serialize(), bytes);
  EXPECT_EQ(parsed->current()->receiver_chains.front().skipped.size(), 3u);

  // The restored record still decrypts the skipped messages.
  alice.store().sessions.store_session(bob.address(), *parsed);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*alice.decrypt_from(bob, pending[i]), "y" + std::to_string(i));
}

TEST(SessionRecord, ArchiveIsBounded) {
  TestParty alice("alice", 1, 33), bob("bob", 1, 34);
  for (std::size_t i = 0; i < kMaxArchivedStates + 5; ++i) alice.start_session_with(bob, false);
  auto record = alice.store().sessions.load_session(bob.address());
  EXPECT_EQ(record->previous().size(), kMaxArchivedStates);
}

TEST(SessionRecord, CorruptInputRejected) {
  Bytes garbage{0x0a, 0xff, 0x01};
  EXPECT_EQ(SessionRecord::deserialize(garbage).error(), ProtocolError::kCorruptRecord);
  Bytes huge(kMaxRecordSize + 1, 0);
  EXPECT_EQ(SessionRecord::deserialize(huge).error(), ProtocolError::kCorruptRecord);
  Bytes empty;
  EXPECT_EQ(SessionRecord::deserialize(empty).error(), ProtocolError::kCorruptRecord) << "format version missing";
}

TEST(SessionRecord, SkippedKeysAreBounded) {
  TestParty alice("alice", 1, 35), bob("bob", 1, 36);
  alice.start_session_with(bob);
  ASSERT_TRUE(bob.decrypt_from(alice, alice.encrypt_to(bob, "x")).ok());
  CiphertextMessage last;
  for (std::size_t i = 0; i < kMaxMessageKeys + 10; ++i) last = bob.encrypt_to(alice, "skip");
  ASSERT_TRUE(alice.decrypt_from(bob, last).ok());
  auto record = alice.store().sessions.load_session(bob.address());
  EXPECT_EQ(record->current()->receiver_chains.front().skipped.size(), kMaxMessageKeys);
}

}  // namespace
}  // namespace hush::protocol::testing

namespace hush::protocol::testing {
namespace {

TEST(SessionState, ReceiverChainsAreBoundedAndOldChainsFailCleanly) {
  TestParty alice("alice", 1, 37), bob("bob", 1, 38);
  alice.start_session_with(bob);
  ASSERT_TRUE(bob.decrypt_from(alice, alice.encrypt_to(bob, "x")).ok());
  auto stale = bob.encrypt_to(alice, "from bob's first chain");
  auto deliver_later = bob.encrypt_to(alice, "kept for later");
  ASSERT_TRUE(alice.decrypt_from(bob, stale).ok());
  // Each round trip makes bob ratchet, adding one receiver chain at alice.
  for (std::size_t round = 0; round < kMaxReceiverChains + 2; ++round) {
    ASSERT_TRUE(bob.decrypt_from(alice, alice.encrypt_to(bob, "ping")).ok());
    ASSERT_TRUE(alice.decrypt_from(bob, bob.encrypt_to(alice, "pong")).ok());
  }
  auto record = alice.store().sessions.load_session(bob.address());
  EXPECT_EQ(record->current()->receiver_chains.size(), kMaxReceiverChains);

  // The chain of `deliver_later` was dropped: it fails without touching the session.
  auto before = record->serialize();
  auto late = alice.decrypt_from(bob, deliver_later);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error(), ProtocolError::kBadMac);
  EXPECT_EQ(alice.store().sessions.load_session(bob.address())->serialize(), before);
}

}  // namespace
}  // namespace hush::protocol::testing
