// A device's own bundle from its stores: every field comes from the store it names, a key that is
// not stored is an error, building reads only, and the bundle starts a session the device can
// answer.
#include "hush/protocol/prekey_bundle.hpp"

#include <gtest/gtest.h>

#include "hush/protocol/memory_stores.hpp"
#include "hush/protocol/session_builder.hpp"
#include "hush/protocol/session_cipher.hpp"

namespace hush::protocol {
namespace {

// A device with signed prekey 7 and one-time prekeys 1..3 in its stores.
struct Device {
  explicit Device(std::uint64_t seed)
      : rng(seed), store(IdentityKeyPair::generate(rng), generate_registration_id(rng)) {
    signed_prekey = generate_signed_prekey(store.identities.identity_key_pair(), 7, 1700000000000, rng);
    store.signed_prekeys.store_signed_prekey(signed_prekey);
    prekeys = generate_prekeys(1, 3, rng);
    for (const PreKeyRecord& prekey : prekeys) store.prekeys.store_prekey(prekey);
  }
  crypto::SeededRng rng;
  InMemoryProtocolStore store;
  SignedPreKeyRecord signed_prekey;
  std::vector<PreKeyRecord> prekeys;
};

TEST(PreKeyBundle, EveryFieldComesFromTheStores) {
  Device bob(1);
  auto bundle = build_prekey_bundle(bob.store.stores(), 4, 7, 2);
  ASSERT_TRUE(bundle.ok()) << to_string(bundle.error());
  EXPECT_EQ(bundle->device_id, 4u);
  EXPECT_EQ(bundle->registration_id, bob.store.identities.local_registration_id());
  EXPECT_EQ(bundle->identity_key, bob.store.identities.identity_key_pair().public_key);
  EXPECT_EQ(bundle->signed_prekey_id, 7u);
  EXPECT_EQ(bundle->signed_prekey, bob.signed_prekey.key_pair.public_key);
  EXPECT_EQ(bundle->signed_prekey_signature, bob.signed_prekey.signature);
  EXPECT_TRUE(verify_signed_prekey(bundle->identity_key, bundle->signed_prekey, bundle->signed_prekey_signature));
  EXPECT_EQ(bundle->one_time_prekey_id, 2u);
  ASSERT_TRUE(bundle->one_time_prekey.has_value());
  EXPECT_EQ(*bundle->one_time_prekey, bob.prekeys[1].key_pair.public_key);
  // Reads only: the one-time prekey is still there for the session that will use it.
  EXPECT_TRUE(bob.store.prekeys.load_prekey(2).has_value());
}

TEST(PreKeyBundle, WithoutOneTimePreKeyHasNeitherItsIdNorItsKey) {
  Device bob(2);
  auto bundle = build_prekey_bundle(bob.store.stores(), 1, 7, std::nullopt);
  ASSERT_TRUE(bundle.ok()) << to_string(bundle.error());
  EXPECT_FALSE(bundle->one_time_prekey_id.has_value());
  EXPECT_FALSE(bundle->one_time_prekey.has_value());
  EXPECT_EQ(bundle->signed_prekey, bob.signed_prekey.key_pair.public_key);
}

TEST(PreKeyBundle, KeysThatAreNotStoredAreErrors) {
  Device bob(3);
  auto no_signed_prekey = build_prekey_bundle(bob.store.stores(), 1, 8, 1);
  ASSERT_FALSE(no_signed_prekey.ok());
  EXPECT_EQ(no_signed_prekey.error(), ProtocolError::kInvalidSignedPreKeyId);
  auto no_one_time_prekey = build_prekey_bundle(bob.store.stores(), 1, 7, 4);
  ASSERT_FALSE(no_one_time_prekey.ok());
  EXPECT_EQ(no_one_time_prekey.error(), ProtocolError::kInvalidPreKeyId);
}

TEST(PreKeyBundle, StartsASessionTheDeviceCanAnswer) {
  Device alice(4), bob(5);
  const ProtocolAddress alice_address{"alice", 1}, bob_address{"bob", 1};
  auto bundle = build_prekey_bundle(bob.store.stores(), bob_address.device_id, 7, 3);
  ASSERT_TRUE(bundle.ok()) << to_string(bundle.error());
  auto alice_stores = alice.store.stores();
  ASSERT_TRUE(process_prekey_bundle(alice_stores, bob_address, *bundle, alice.rng).ok());
  auto message = encrypt(alice_stores, bob_address, as_bytes(std::string_view("hello")), alice.rng);
  ASSERT_TRUE(message.ok()) << to_string(message.error());
  EXPECT_EQ(message->type, MessageType::kPreKey);
  auto bob_stores = bob.store.stores();
  auto plaintext = decrypt(bob_stores, alice_address, message->type, message->serialized);
  ASSERT_TRUE(plaintext.ok()) << to_string(plaintext.error());
  EXPECT_EQ(hush::to_string(plaintext->view()), "hello");
  EXPECT_FALSE(bob.store.prekeys.load_prekey(3).has_value()) << "the session used the bundle's one-time prekey";
}

}  // namespace
}  // namespace hush::protocol
