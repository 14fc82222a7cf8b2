// Sender keys (groups) on the SQLite store: a member's chain from a distribution message, group
// messages both ways, out of order, and across reopening both stores.
#include <gtest/gtest.h>

#include "hush/protocol/sender_keys.hpp"
#include "store_test_support.hpp"

namespace hush::client::test {
namespace {

// Runs `body` in a transaction of `party`'s store and commits it.
template <class Body>
auto in_transaction(StoreParty& party, Body&& body) {
  auto transaction = party.store().transaction();
  auto result = body(party.store().sender_keys());
  auto committed = transaction.commit();
  EXPECT_TRUE(committed.ok()) << to_string(committed.error());
  return result;
}

TEST(StoreSenderKeys, GroupMessagesAcrossReopen) {
  ScratchFolder folder;
  StoreParty alice("alice", 1, folder.path() / "alice", passphrase("a"), 61);
  StoreParty bob("bob", 1, folder.path() / "bob", passphrase("b"), 62);
  const Bytes group_id = to_bytes("family group id");
  const protocol::SenderKeyName alice_in_group{group_id, alice.address()};
  const protocol::SenderKeyName bob_in_group{group_id, bob.address()};

  // Distribution messages would travel over the pairwise sessions; here they are handed over.
  auto alice_distribution = in_transaction(alice, [&](protocol::SenderKeyStore& store) {
    return protocol::create_sender_key_distribution(store, alice_in_group, alice.rng());
  });
  ASSERT_TRUE(alice_distribution.ok());
  auto bob_distribution = in_transaction(bob, [&](protocol::SenderKeyStore& store) {
    return protocol::create_sender_key_distribution(store, bob_in_group, bob.rng());
  });
  ASSERT_TRUE(bob_distribution.ok());
  ASSERT_TRUE(in_transaction(bob, [&](protocol::SenderKeyStore& store) {
                return protocol::process_sender_key_distribution(store, alice_in_group, alice_distribution->view());
              }).ok());
  ASSERT_TRUE(in_transaction(alice, [&](protocol::SenderKeyStore& store) {
                return protocol::process_sender_key_distribution(store, bob_in_group, bob_distribution->view());
              }).ok());

  auto group_encrypt = [&](StoreParty& sender, const protocol::SenderKeyName& name, std::string_view text) {
    auto message = in_transaction(sender, [&](protocol::SenderKeyStore& store) {
      return protocol::group_encrypt(store, name, as_bytes(text), sender.rng());
    });
    EXPECT_TRUE(message.ok());
    return message.ok() ? *message : Bytes();
  };
  auto group_decrypt = [&](StoreParty& receiver, const protocol::SenderKeyName& name, const Bytes& message) {
    auto plaintext = in_transaction(
        receiver, [&](protocol::SenderKeyStore& store) { return protocol::group_decrypt(store, name, message); });
    return plaintext.ok() ? hush::to_string(plaintext->view())
                          : std::string("<") + protocol::to_string(plaintext.error()) + ">";
  };

  const Bytes one = group_encrypt(alice, alice_in_group, "one");
  const Bytes two = group_encrypt(alice, alice_in_group, "two");
  alice.reopen();
  const Bytes three = group_encrypt(alice, alice_in_group, "three");
  EXPECT_EQ(group_decrypt(bob, alice_in_group, three), "three");
  bob.reopen();
  EXPECT_EQ(group_decrypt(bob, alice_in_group, one), "one");
  EXPECT_EQ(group_decrypt(bob, alice_in_group, two), "two");
  EXPECT_EQ(group_decrypt(bob, alice_in_group, two), "<duplicate_message>");

  const Bytes from_bob = group_encrypt(bob, bob_in_group, "bob here");
  bob.reopen();
  alice.reopen();
  EXPECT_EQ(group_decrypt(alice, bob_in_group, from_bob), "bob here");
}

}  // namespace
}  // namespace hush::client::test
