// The protocol run against the SQLite store: sessions established from a bundle in either role,
// messages both ways, and the conversation continued after the store is closed and reopened, with
// a passphrase and with a key file, including out-of-order messages whose keys were saved on disk.
#include <gtest/gtest.h>

#include "store_test_support.hpp"

namespace hush::client::test {
namespace {

using protocol::CiphertextMessage;
using protocol::MessageType;
using protocol::testing::TestParty;

TEST(StoreConversation, StoreInitiatorTalksToMemoryPeerAcrossReopen) {
  ScratchFolder home;
  StoreParty alice("alice", 1, home.path(), passphrase("correct horse battery staple"), 1);
  TestParty bob("bob", 1, 2);

  alice.start_session_with(bob.address(), bob.bundle());
  CiphertextMessage first = alice.encrypt_to(bob.address(), "hello bob");
  EXPECT_EQ(first.type, MessageType::kPreKey);
  EXPECT_EQ(*decrypt_in_memory(bob, alice.address(), first), "hello bob");
  EXPECT_EQ(*alice.decrypt_from(bob.address(), encrypt_from_memory(bob, alice.address(), "hi alice")), "hi alice");

  alice.reopen();
  for (int round = 0; round < 3; ++round) {
    CiphertextMessage to_bob = alice.encrypt_to(bob.address(), "ping " + std::to_string(round));
    EXPECT_EQ(to_bob.type, MessageType::kSignal);
    EXPECT_EQ(*decrypt_in_memory(bob, alice.address(), to_bob), "ping " + std::to_string(round));
    auto reply = alice.decrypt_from(bob.address(), encrypt_from_memory(bob, alice.address(), "pong"));
    ASSERT_TRUE(reply.ok()) << protocol::to_string(reply.error());
    EXPECT_EQ(*reply, "pong");
    alice.reopen();
  }
}

TEST(StoreConversation, StoreResponderWithKeyFileConsumesPrekeyAndKeepsSkippedKeys) {
  ScratchFolder home;
  ASSERT_TRUE(create_key_file(home.path() / "store.key").ok());
  StoreParty bob("bob", 2, home.path() / "bob", key_file(home.path() / "store.key"), 3);
  TestParty alice("alice", 1, 4);

  auto stores = alice.stores();
  ASSERT_TRUE(protocol::process_prekey_bundle(stores, bob.address(), bob.bundle(), alice.rng()).ok());
  const std::uint32_t prekey_id = bob.last_prekey_id();
  CiphertextMessage first = encrypt_from_memory(alice, bob.address(), "one");
  CiphertextMessage second = encrypt_from_memory(alice, bob.address(), "two");
  CiphertextMessage third = encrypt_from_memory(alice, bob.address(), "three");

  EXPECT_EQ(*bob.decrypt_from(alice.address(), first), "one");
  {
    auto transaction = bob.store().transaction();
    EXPECT_FALSE(bob.store().prekeys().load_prekey(prekey_id).has_value()) << "one-time prekey consumed";
    EXPECT_TRUE(bob.store().identities().identity(alice.address()).has_value());
    ASSERT_TRUE(transaction.commit().ok());
  }

  // "three" arrives before "two"; the key for "two" is kept in the sealed session record on disk.
  EXPECT_EQ(*bob.decrypt_from(alice.address(), third), "three");
  bob.reopen();
  EXPECT_EQ(*bob.decrypt_from(alice.address(), second), "two");
  auto replay = bob.decrypt_from(alice.address(), second);
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error(), protocol::ProtocolError::kDuplicateMessage);

  CiphertextMessage reply = bob.encrypt_to(alice.address(), "got them");
  bob.reopen();
  EXPECT_EQ(*decrypt_in_memory(alice, bob.address(), reply), "got them");
  EXPECT_EQ(*bob.decrypt_from(alice.address(), encrypt_from_memory(alice, bob.address(), "after reopen")),
            "after reopen");
}

TEST(StoreConversation, TwoStoresTalkAndBothReopen) {
  ScratchFolder folder;
  ASSERT_TRUE(create_key_file(folder.path() / "bob.key").ok());
  StoreParty alice("alice", 1, folder.path() / "alice", passphrase("alice's passphrase"), 5);
  StoreParty bob("bob", 1, folder.path() / "bob", key_file(folder.path() / "bob.key"), 6);

  alice.start_session_with(bob.address(), bob.bundle(false));  // signed prekey only
  EXPECT_EQ(*bob.decrypt_from(alice.address(), alice.encrypt_to(bob.address(), "first")), "first");
  for (int round = 0; round < 4; ++round) {
    alice.reopen();
    bob.reopen();
    const std::string text = "round " + std::to_string(round);
    EXPECT_EQ(*alice.decrypt_from(bob.address(), bob.encrypt_to(alice.address(), text)), text);
    EXPECT_EQ(*bob.decrypt_from(alice.address(), alice.encrypt_to(bob.address(), text)), text);
  }
}

TEST(StoreConversation, IdentityIsTheSameAfterReopen) {
  ScratchFolder home;
  StoreParty alice("alice", 1, home.path(), passphrase("pass"), 7);
  const crypto::PublicKey public_key = alice.store().identities().identity_key_pair().public_key;
  const crypto::SecretArray<32> private_key = alice.store().identities().identity_key_pair().private_key.secret();
  const std::uint32_t registration_id = alice.store().identities().local_registration_id();
  alice.reopen();
  EXPECT_EQ(alice.store().identities().identity_key_pair().public_key, public_key);
  EXPECT_TRUE(alice.store().identities().identity_key_pair().private_key.secret() == private_key);
  EXPECT_EQ(alice.store().identities().local_registration_id(), registration_id);
}

TEST(StoreConversation, ChangedIdentityIsNotTrustedUntilSaved) {
  ScratchFolder home;
  StoreParty alice("alice", 1, home.path(), passphrase("pass"), 8);
  TestParty bob("bob", 1, 9);
  TestParty reinstalled_bob("bob", 1, 10);
  alice.start_session_with(bob.address(), bob.bundle());
  alice.reopen();

  auto transaction = alice.store().transaction();
  auto stores = alice.store().protocol_stores();
  auto refused = protocol::process_prekey_bundle(stores, bob.address(), reinstalled_bob.bundle(), alice.rng());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), protocol::ProtocolError::kUntrustedIdentity);
  const protocol::IdentityKey new_key = reinstalled_bob.bundle().identity_key;
  EXPECT_FALSE(alice.store().identities().is_trusted_identity(bob.address(), new_key, protocol::Direction::kSending));
  EXPECT_TRUE(alice.store().identities().save_identity(bob.address(), new_key));  // the user approved it
  EXPECT_TRUE(alice.store().identities().is_trusted_identity(bob.address(), new_key, protocol::Direction::kSending));
  EXPECT_FALSE(alice.store().identities().save_identity(bob.address(), new_key));  // unchanged
  ASSERT_TRUE(transaction.commit().ok());
}

}  // namespace
}  // namespace hush::client::test
