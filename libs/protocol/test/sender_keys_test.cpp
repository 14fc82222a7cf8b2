// Sender keys: distribution, group encrypt/decrypt, out of order, duplicates, forged signatures,
// and rotation that locks a removed member out.
#include <gtest/gtest.h>

#include "hush/protocol/limits.hpp"
#include "hush/protocol/memory_stores.hpp"
#include "hush/protocol/sender_keys.hpp"

namespace hush::protocol {
namespace {

const Bytes kGroup = to_bytes("group-1");

struct Member {
  explicit Member(std::string member, std::uint64_t seed) : rng(seed), name{kGroup, {std::move(member), 1}} {}
  crypto::SeededRng rng;
  SenderKeyName name;
  InMemorySenderKeyStore store;
};

std::string as_text(const crypto::SecretBytes& bytes) {
  return hush::to_string(bytes.view());
}

TEST(SenderKeys, DistributeEncryptDecrypt) {
  Member alice("alice", 1), bob("bob", 2), carol("carol", 3);
  auto distribution = create_sender_key_distribution(alice.store, alice.name, alice.rng);
  ASSERT_TRUE(distribution.ok());
  ASSERT_TRUE(process_sender_key_distribution(bob.store, alice.name, distribution->view()).ok());
  ASSERT_TRUE(process_sender_key_distribution(carol.store, alice.name, distribution->view()).ok());

  for (int i = 0; i < 50; ++i) {
    std::string text = "group message " + std::to_string(i);
    auto ciphertext = group_encrypt(alice.store, alice.name, as_bytes(text), alice.rng);
    ASSERT_TRUE(ciphertext.ok());
    EXPECT_EQ((*ciphertext)[0], 0x33);
    EXPECT_EQ(as_text(*group_decrypt(bob.store, alice.name, *ciphertext)), text);
    EXPECT_EQ(as_text(*group_decrypt(carol.store, alice.name, *ciphertext)), text);
  }
}

TEST(SenderKeys, OutOfOrderDuplicateAndForgery) {
  Member alice("alice", 4), bob("bob", 5);
  auto distribution = create_sender_key_distribution(alice.store, alice.name, alice.rng);
  ASSERT_TRUE(process_sender_key_distribution(bob.store, alice.name, distribution->view()).ok());
  std::vector<Bytes> messages;
  for (int i = 0; i < 5; ++i) {
    messages.push_back(*group_encrypt(alice.store, alice.name, as_bytes(std::to_string(i)), alice.rng));
  }
  EXPECT_EQ(as_text(*group_decrypt(bob.store, alice.name, messages[4])), "4");
  EXPECT_EQ(as_text(*group_decrypt(bob.store, alice.name, messages[1])), "1");
  EXPECT_EQ(group_decrypt(bob.store, alice.name, messages[1]).error(), ProtocolError::kDuplicateMessage);

  Bytes forged = messages[2];
  forged[forged.size() - 70] ^= 1;  // inside the signed part
  EXPECT_EQ(group_decrypt(bob.store, alice.name, forged).error(), ProtocolError::kInvalidSignature);
  EXPECT_EQ(as_text(*group_decrypt(bob.store, alice.name, messages[2])), "2") << "forgery changed nothing";

  // A replayed distribution message must not rewind the chain (which would allow replays).
  ASSERT_TRUE(process_sender_key_distribution(bob.store, alice.name, distribution->view()).ok());
  EXPECT_EQ(group_decrypt(bob.store, alice.name, messages[4]).error(), ProtocolError::kDuplicateMessage);
}

TEST(SenderKeys, UnknownSenderOrKeyId) {
  Member alice("alice", 6), bob("bob", 7);
  ASSERT_TRUE(create_sender_key_distribution(alice.store, alice.name, alice.rng).ok());
  auto message = group_encrypt(alice.store, alice.name, as_bytes("x"), alice.rng);
  EXPECT_EQ(group_decrypt(bob.store, alice.name, *message).error(), ProtocolError::kNoSenderKey);
  EXPECT_EQ(group_encrypt(bob.store, bob.name, as_bytes("x"), bob.rng).error(), ProtocolError::kNoSenderKey);
}

TEST(SenderKeys, RotationLocksOutRemovedMember) {
  Member alice("alice", 8), bob("bob", 9), mallory("mallory", 10);
  auto first = create_sender_key_distribution(alice.store, alice.name, alice.rng);
  ASSERT_TRUE(process_sender_key_distribution(bob.store, alice.name, first->view()).ok());
  ASSERT_TRUE(process_sender_key_distribution(mallory.store, alice.name, first->view()).ok());

  // Mallory is removed: alice rotates and sends the new key to bob only.
  auto rotated = rotate_sender_key(alice.store, alice.name, alice.rng);
  ASSERT_TRUE(process_sender_key_distribution(bob.store, alice.name, rotated->view()).ok());
  auto secret = group_encrypt(alice.store, alice.name, as_bytes("after removal"), alice.rng);
  EXPECT_EQ(as_text(*group_decrypt(bob.store, alice.name, *secret)), "after removal");
  EXPECT_EQ(group_decrypt(mallory.store, alice.name, *secret).error(), ProtocolError::kNoSenderKey);
}

TEST(SenderKeys, JumpPastLimitRejected) {
  Member alice("alice", 11), bob("bob", 12);
  auto distribution = create_sender_key_distribution(alice.store, alice.name, alice.rng);
  ASSERT_TRUE(process_sender_key_distribution(bob.store, alice.name, distribution->view()).ok());
  // Advance alice's chain far beyond bob's limit by re-distributing a far iteration to a new
  // member is not possible, so craft it: move alice's own state forward.
  auto record = alice.store.load_sender_key(alice.name);
  SenderKeyState* state = record->current();
  for (std::uint32_t i = 0; i <= kMaxSenderKeyForwardJump; ++i) state->chain_key = state->chain_key.step().second;
  alice.store.store_sender_key(alice.name, *record);
  auto far = group_encrypt(alice.store, alice.name, as_bytes("far"), alice.rng);
  EXPECT_EQ(group_decrypt(bob.store, alice.name, *far).error(), ProtocolError::kTooFarInFuture);
}

TEST(SenderKeys, StatesPerSenderAreBounded) {
  Member alice("alice", 14), bob("bob", 15);
  auto first = create_sender_key_distribution(alice.store, alice.name, alice.rng);
  ASSERT_TRUE(process_sender_key_distribution(bob.store, alice.name, first->view()).ok());
  auto old_message = group_encrypt(alice.store, alice.name, as_bytes("old key"), alice.rng);
  for (std::size_t i = 0; i < kMaxSenderKeyStates; ++i) {
    auto rotated = rotate_sender_key(alice.store, alice.name, alice.rng);
    ASSERT_TRUE(process_sender_key_distribution(bob.store, alice.name, rotated->view()).ok());
  }
  EXPECT_EQ(group_decrypt(bob.store, alice.name, *old_message).error(), ProtocolError::kNoSenderKey);
  auto current = group_encrypt(alice.store, alice.name, as_bytes("new key"), alice.rng);
  EXPECT_EQ(as_text(*group_decrypt(bob.store, alice.name, *current)), "new key");
}

TEST(SenderKeys, SkippedKeysAreBounded) {
  Member alice("alice", 16), bob("bob", 17);
  auto distribution = create_sender_key_distribution(alice.store, alice.name, alice.rng);
  ASSERT_TRUE(process_sender_key_distribution(bob.store, alice.name, distribution->view()).ok());
  std::vector<Bytes> messages;
  for (std::size_t i = 0; i < kMaxSenderMessageKeys + 2; ++i) {
    messages.push_back(*group_encrypt(alice.store, alice.name, as_bytes(std::to_string(i)), alice.rng));
  }
  ASSERT_TRUE(group_decrypt(bob.store, alice.name, messages.back()).ok());
  EXPECT_EQ(group_decrypt(bob.store, alice.name, messages[0]).error(), ProtocolError::kDuplicateMessage)
      << "the oldest skipped key was dropped";
  EXPECT_EQ(as_text(*group_decrypt(bob.store, alice.name, messages[2])), "2");
}

TEST(SenderKeyRecord, SerializationRoundTrip) {
  Member alice("alice", 13);
  ASSERT_TRUE(create_sender_key_distribution(alice.store, alice.name, alice.rng).ok());
  auto record = alice.store.load_sender_key(alice.name);
  auto bytes = record->serialize();
  auto parsed = SenderKeyRecord::deserialize(bytes.view());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->serialize(), bytes);
  Bytes garbage{1, 2, 3};
  EXPECT_EQ(SenderKeyRecord::deserialize(garbage).error(), ProtocolError::kCorruptRecord);
}

}  // namespace
}  // namespace hush::protocol
