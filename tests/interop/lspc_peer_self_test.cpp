// Self-test of hush::lspc_peer: two libsignal-protocol-c parties talk to each other through the
// wrapper, so that interop failures later point at hush and not at the peer. Also pins down the
// lspc behaviours (error codes, wire bytes) that hush must reproduce.
#include "lspc_peer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hush::test {
namespace {

namespace err = lspc_error;

Bytes text(const std::string& s) {
  return to_bytes(s);
}

// Encrypts `plaintext` from `from` to `to` and returns the ciphertext.
LspcCiphertext seal(LspcParty& from, const LspcParty& to, const Bytes& plaintext) {
  auto sealed = from.encrypt(to.name(), to.device_id(), plaintext);
  EXPECT_TRUE(sealed.ok()) << "encrypt code " << sealed.code;
  return sealed.value;
}

LspcResult<Bytes> open(LspcParty& at, const LspcParty& from, const LspcCiphertext& message) {
  return at.decrypt(from.name(), from.device_id(), message.type, message.serialized);
}

// Sends one message and checks that it arrives intact; returns the wire type.
int deliver(LspcParty& from, LspcParty& to, const Bytes& plaintext) {
  const LspcCiphertext message = seal(from, to, plaintext);
  auto opened = open(to, from, message);
  EXPECT_TRUE(opened.ok()) << "decrypt code " << opened.code;
  EXPECT_EQ(opened.value, plaintext);
  return message.type;
}

// Alice starts a session from Bob's bundle and Bob answers, so both sides have acknowledged.
void establish(LspcParty& alice, LspcParty& bob, bool with_one_time_prekey = true) {
  ASSERT_EQ(alice.process_bundle(bob.name(), bob.device_id(), bob.make_bundle(with_one_time_prekey)), 0);
  EXPECT_EQ(deliver(alice, bob, text("hello bob")), kLspcPreKeySignalMessage);
  EXPECT_EQ(deliver(bob, alice, text("hello alice")), kLspcSignalMessage);
}

// Where the embedded SignalMessage (field 4) of a serialized PreKeySignalMessage ends: walks
// the protobuf after the version byte. nullopt if the field is missing or the bytes malformed.
std::optional<std::size_t> end_of_embedded_message(const Bytes& pre_key_message) {
  std::size_t at = 1;
  auto varint = [&]() -> std::optional<std::uint64_t> {
    std::uint64_t value = 0;
    for (int shift = 0; at < pre_key_message.size() && shift < 64; shift += 7) {
      const std::uint8_t byte = pre_key_message[at++];
      value |= std::uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return std::nullopt;
  };
  while (at < pre_key_message.size()) {
    const auto tag = varint();
    if (!tag) return std::nullopt;
    if ((*tag & 7) == 0) {
      if (!varint()) return std::nullopt;
    } else if ((*tag & 7) == 2) {
      const auto length = varint();
      if (!length || *length > pre_key_message.size() - at) return std::nullopt;
      at += *length;
      if ((*tag >> 3) == 4) return at;
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

TEST(LspcPeer, PartiesHaveDistinctIdentitiesAndValidBundles) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 2);
  EXPECT_EQ(alice.identity_public().size(), 33u);
  EXPECT_EQ(alice.identity_public()[0], 0x05);
  EXPECT_EQ(alice.identity_private().size(), 32u);
  EXPECT_NE(alice.identity_public(), bob.identity_public());
  EXPECT_GE(alice.registration_id(), 1u);
  EXPECT_LE(alice.registration_id(), 16380u);

  const LspcBundle first = bob.make_bundle();
  const LspcBundle second = bob.make_bundle();
  EXPECT_EQ(first.device_id, 2u);
  EXPECT_EQ(first.registration_id, bob.registration_id());
  EXPECT_EQ(first.identity_key, bob.identity_public());
  ASSERT_TRUE(first.one_time_prekey_id && second.one_time_prekey_id);
  EXPECT_EQ(*first.one_time_prekey_id, 1u);
  EXPECT_EQ(*second.one_time_prekey_id, 2u);
  EXPECT_NE(first.one_time_prekey, second.one_time_prekey);
  EXPECT_EQ(first.signed_prekey, second.signed_prekey);
  EXPECT_EQ(first.signed_prekey.size(), 33u);
  EXPECT_EQ(first.signed_prekey_signature.size(), 64u);
  // The signature covers the 33-byte serialized signed prekey, not the bare 32 bytes.
  EXPECT_TRUE(LspcParty::curve_verify(first.identity_key, first.signed_prekey, first.signed_prekey_signature));
  EXPECT_FALSE(LspcParty::curve_verify(first.identity_key, ByteView(first.signed_prekey).subspan(1),
                                       first.signed_prekey_signature));
  const LspcBundle without = bob.make_bundle(false);
  EXPECT_FALSE(without.one_time_prekey_id);
  EXPECT_TRUE(without.one_time_prekey.empty());
}

TEST(LspcPeer, SessionFromBundleWithOneTimePreKey) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 7);
  const LspcBundle bundle = bob.make_bundle();
  const std::uint32_t one_time_id = *bundle.one_time_prekey_id;
  ASSERT_EQ(alice.process_bundle("bob", 7, bundle), 0);
  EXPECT_TRUE(alice.has_session("bob", 7));
  EXPECT_FALSE(bob.has_session("alice", 1));

  // Until Alice hears from Bob, every message she sends is a PreKeySignalMessage.
  const LspcCiphertext first = seal(alice, bob, text("first"));
  const LspcCiphertext second = seal(alice, bob, text("second"));
  EXPECT_EQ(first.type, kLspcPreKeySignalMessage);
  EXPECT_EQ(second.type, kLspcPreKeySignalMessage);
  EXPECT_EQ(first.serialized[0], 0x33);  // (version 3 << 4) | current version 3

  EXPECT_TRUE(bob.has_one_time_prekey(one_time_id));
  auto opened = open(bob, alice, first);
  ASSERT_TRUE(opened.ok()) << opened.code;
  EXPECT_EQ(opened.value, text("first"));
  EXPECT_FALSE(bob.has_one_time_prekey(one_time_id));  // used once, then removed
  EXPECT_TRUE(bob.has_session("alice", 1));
  // The second PreKey message names the same base key: lspc reuses the session it just built.
  opened = open(bob, alice, second);
  ASSERT_TRUE(opened.ok()) << opened.code;
  EXPECT_EQ(opened.value, text("second"));

  EXPECT_EQ(deliver(bob, alice, text("reply")), kLspcSignalMessage);
  EXPECT_EQ(deliver(alice, bob, text("acknowledged")), kLspcSignalMessage);

  EXPECT_EQ(alice.remote_registration_id("bob", 7).value, bob.registration_id());
  EXPECT_EQ(bob.remote_registration_id("alice", 1).value, alice.registration_id());
  EXPECT_EQ(alice.session_version("bob", 7).value, 3u);
  EXPECT_EQ(bob.session_version("alice", 1).value, 3u);
  EXPECT_EQ(alice.known_identity("bob", 7), bob.identity_public());
  EXPECT_EQ(bob.known_identity("alice", 1), alice.identity_public());
}

TEST(LspcPeer, SessionFromBundleWithoutOneTimePreKey) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 1);
  const LspcBundle spare = bob.make_bundle();  // stored but never handed out
  establish(alice, bob, /*with_one_time_prekey=*/false);
  EXPECT_TRUE(bob.has_one_time_prekey(*spare.one_time_prekey_id));
  EXPECT_EQ(deliver(alice, bob, text("still fine")), kLspcSignalMessage);
}

TEST(LspcPeer, HundredMessagesInAlternatingAndSameDirectionRuns) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 1);
  establish(alice, bob);
  // Runs of 1, 2, 3, … messages in alternating directions: single replies exercise a DH
  // ratchet step per message, longer runs the symmetric chain.
  int sent = 0;
  bool alice_speaks = true;
  for (int run = 1; sent < 100; ++run, alice_speaks = !alice_speaks) {
    for (int i = 0; i < (run % 7) + 1 && sent < 100; ++i, ++sent) {
      Bytes plaintext = text("message " + std::to_string(sent));
      if (sent == 10) plaintext.clear();              // empty plaintext
      if (sent == 20) plaintext.assign(10000, 0xab);  // several AES blocks
      if (alice_speaks) {
        EXPECT_EQ(deliver(alice, bob, plaintext), kLspcSignalMessage);
      } else {
        EXPECT_EQ(deliver(bob, alice, plaintext), kLspcSignalMessage);
      }
    }
  }
  EXPECT_EQ(sent, 100);
}

TEST(LspcPeer, OutOfOrderDeliveryWithinAndAcrossChains) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 1);
  establish(alice, bob);

  std::vector<LspcCiphertext> old_chain;
  for (int i = 0; i < 5; ++i) old_chain.push_back(seal(alice, bob, text("old " + std::to_string(i))));
  // Bob hears the last one first, then answers, so Alice's next messages use a new chain.
  auto opened = open(bob, alice, old_chain[4]);
  ASSERT_TRUE(opened.ok()) << opened.code;
  EXPECT_EQ(deliver(bob, alice, text("ratchet")), kLspcSignalMessage);
  std::vector<LspcCiphertext> new_chain;
  for (int i = 0; i < 5; ++i) new_chain.push_back(seal(alice, bob, text("new " + std::to_string(i))));

  for (int i : {3, 1, 4, 0, 2}) {
    opened = open(bob, alice, new_chain[i]);
    ASSERT_TRUE(opened.ok()) << "new " << i << " code " << opened.code;
    EXPECT_EQ(opened.value, text("new " + std::to_string(i)));
  }
  for (int i : {2, 0, 3, 1}) {  // skipped keys of the previous chain are still there
    opened = open(bob, alice, old_chain[i]);
    ASSERT_TRUE(opened.ok()) << "old " << i << " code " << opened.code;
    EXPECT_EQ(opened.value, text("old " + std::to_string(i)));
  }
}

TEST(LspcPeer, DuplicatesAreRejected) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 1);
  ASSERT_EQ(alice.process_bundle("bob", 1, bob.make_bundle()), 0);
  const LspcCiphertext pre_key_message = seal(alice, bob, text("once"));
  ASSERT_TRUE(open(bob, alice, pre_key_message).ok());
  // A replayed PreKey message: the session for its base key exists, the counter is spent.
  EXPECT_EQ(open(bob, alice, pre_key_message).code, err::kDuplicateMessage);

  EXPECT_EQ(deliver(bob, alice, text("reply")), kLspcSignalMessage);
  const LspcCiphertext message = seal(alice, bob, text("twice?"));
  ASSERT_EQ(message.type, kLspcSignalMessage);
  ASSERT_TRUE(open(bob, alice, message).ok());
  EXPECT_EQ(open(bob, alice, message).code, err::kDuplicateMessage);

  // A skipped key is used once, then a replay is a duplicate too.
  const LspcCiphertext skipped = seal(alice, bob, text("skipped"));
  ASSERT_TRUE(open(bob, alice, seal(alice, bob, text("later"))).ok());
  ASSERT_TRUE(open(bob, alice, skipped).ok());
  EXPECT_EQ(open(bob, alice, skipped).code, err::kDuplicateMessage);
}

TEST(LspcPeer, TamperedAndMalformedMessagesAreRejected) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 1);
  establish(alice, bob);
  LspcCiphertext message = seal(alice, bob, text("intact"));
  ASSERT_EQ(message.type, kLspcSignalMessage);
  LspcCiphertext tampered = message;
  tampered.serialized[tampered.serialized.size() - 12] ^= 0x01;  // inside the AES ciphertext
  // A bad MAC is reported as an invalid message, not SG_ERR_INVALID_MAC.
  EXPECT_EQ(open(bob, alice, tampered).code, err::kInvalidMessage);
  tampered = message;
  tampered.serialized.back() ^= 0x80;  // the MAC itself
  EXPECT_EQ(open(bob, alice, tampered).code, err::kInvalidMessage);
  // The failures consumed nothing: the real message still decrypts.
  EXPECT_TRUE(open(bob, alice, message).ok());

  EXPECT_EQ(bob.decrypt("alice", 1, 5, message.serialized).code, err::kInvalidArgument);
  EXPECT_LT(bob.decrypt("alice", 1, kLspcSignalMessage, Bytes{}).code, 0);
  EXPECT_LT(bob.decrypt("alice", 1, kLspcPreKeySignalMessage, Bytes{0x33}).code, 0);
  EXPECT_LT(bob.decrypt("alice", 1, kLspcSignalMessage, Bytes(40, 0x33)).code, 0);
  Bytes legacy = message.serialized;
  legacy[0] = 0x11;
  EXPECT_EQ(bob.decrypt("alice", 1, kLspcSignalMessage, legacy).code, err::kLegacyMessage);
  Bytes future = message.serialized;
  future[0] = 0x43;
  EXPECT_EQ(bob.decrypt("alice", 1, kLspcSignalMessage, future).code, err::kInvalidMessage);
  // Only the high nibble of the version byte is read.
  Bytes low_nibble = seal(alice, bob, text("nibble")).serialized;
  low_nibble[0] = 0x34;
  EXPECT_EQ(bob.decrypt("alice", 1, kLspcSignalMessage, low_nibble).code, err::kInvalidMessage)
      << "the MAC covers the version byte";

  // No session at all.
  EXPECT_EQ(bob.decrypt("carol", 1, kLspcSignalMessage, message.serialized).code, err::kNoSession);
  // lspc reports encrypting without a session as SG_ERR_UNKNOWN, not SG_ERR_NO_SESSION.
  EXPECT_EQ(bob.encrypt("carol", 1, text("to nobody")).code, err::kUnknown);
}

TEST(LspcPeer, ForwardJumpIsLimitedToTwoThousand) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 1);
  establish(alice, bob);
  deliver(alice, bob, text("counter 0 of the new chain"));
  std::vector<LspcCiphertext> messages;
  for (int i = 0; i < 2002; ++i) messages.push_back(seal(alice, bob, Bytes{}));
  // Bob's receiving chain is at index 1; counters 1..2002 are in `messages`.
  EXPECT_EQ(open(bob, alice, messages[2001]).code, err::kInvalidMessage);  // 2002 - 1 > 2000
  EXPECT_TRUE(open(bob, alice, messages[2000]).ok());                      // 2001 - 1 == 2000
  EXPECT_TRUE(open(bob, alice, messages[2001]).ok());
  EXPECT_TRUE(open(bob, alice, messages[0]).ok());
}

TEST(LspcPeer, ChangedIdentityIsUntrustedUnlessAccepted) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 1);
  establish(alice, bob);

  LspcParty new_bob("bob", 1);  // same address, new identity key
  const LspcBundle new_bundle = new_bob.make_bundle();
  EXPECT_EQ(alice.process_bundle("bob", 1, new_bundle), err::kUntrustedIdentity);

  // The same check applies to an incoming PreKey message from the new key.
  ASSERT_EQ(new_bob.process_bundle("alice", 1, alice.make_bundle()), 0);
  const LspcCiphertext from_new_bob = seal(new_bob, alice, text("it's me, really"));
  EXPECT_EQ(alice.decrypt("bob", 1, from_new_bob.type, from_new_bob.serialized).code, err::kUntrustedIdentity);
  EXPECT_EQ(alice.known_identity("bob", 1), bob.identity_public());

  // The user verifies the new safety number and accepts the key.
  alice.trust_identity("bob", 1, new_bob.identity_public());
  auto opened = alice.decrypt("bob", 1, from_new_bob.type, from_new_bob.serialized);
  ASSERT_TRUE(opened.ok()) << opened.code;
  EXPECT_EQ(opened.value, text("it's me, really"));

  // trust_all accepts anything.
  LspcParty newest_bob("bob", 1);
  EXPECT_EQ(alice.process_bundle("bob", 1, newest_bob.make_bundle()), err::kUntrustedIdentity);
  alice.set_trust_all(true);
  EXPECT_EQ(alice.process_bundle("bob", 1, newest_bob.make_bundle()), 0);
}

// lspc quirk (session_builder.c): the sender's identity from a PreKey message is saved before
// the inner message's MAC is checked, so a forged PreKey message that fails to decrypt still
// pins its identity key, and the genuine peer is then untrusted. Nothing else is kept.
TEST(LspcPeer, ForgedPreKeyMessageStillPinsItsIdentity) {
  LspcParty alice("alice", 1);
  LspcParty mallory("bob", 1);
  const LspcBundle bundle = alice.make_bundle();
  ASSERT_EQ(mallory.process_bundle("alice", 1, bundle), 0);
  LspcCiphertext forged = seal(mallory, alice, text("forged"));
  ASSERT_EQ(forged.type, kLspcPreKeySignalMessage);
  // Flip the last byte of the embedded SignalMessage, which is its MAC.
  const std::optional<std::size_t> inner_end = end_of_embedded_message(forged.serialized);
  ASSERT_TRUE(inner_end.has_value());
  forged.serialized[*inner_end - 1] ^= 0x01;
  EXPECT_EQ(open(alice, mallory, forged).code, err::kInvalidMessage);
  EXPECT_FALSE(alice.has_session("bob", 1));
  EXPECT_TRUE(alice.has_one_time_prekey(*bundle.one_time_prekey_id));
  EXPECT_EQ(alice.known_identity("bob", 1), mallory.identity_public());

  LspcParty bob("bob", 1);
  EXPECT_EQ(alice.process_bundle("bob", 1, bob.make_bundle()), err::kUntrustedIdentity);
}

TEST(LspcPeer, BadBundlesAreRejected) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 1);
  LspcBundle bundle = bob.make_bundle();
  LspcBundle bad = bundle;
  bad.signed_prekey_signature[5] ^= 0x01;
  EXPECT_EQ(alice.process_bundle("bob", 1, bad), err::kInvalidKey);
  bad = bundle;
  bad.signed_prekey_signature.pop_back();
  EXPECT_EQ(alice.process_bundle("bob", 1, bad), err::kInvalidArgument);
  bad = bundle;
  bad.signed_prekey_signature.clear();
  EXPECT_EQ(alice.process_bundle("bob", 1, bad), err::kInvalidArgument);
  bad = bundle;
  bad.identity_key[0] = 0x06;
  EXPECT_EQ(alice.process_bundle("bob", 1, bad), err::kInvalidKey);
  bad = bundle;
  bad.signed_prekey.pop_back();
  EXPECT_EQ(alice.process_bundle("bob", 1, bad), err::kInvalidKey);
  EXPECT_FALSE(alice.has_session("bob", 1));
  EXPECT_EQ(alice.process_bundle("bob", 1, bundle), 0);
}

TEST(LspcPeer, SignedPreKeyRotation) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 1);
  LspcParty carol("carol", 1);
  const LspcBundle old_bundle = bob.make_bundle();
  EXPECT_EQ(bob.rotate_signed_prekey(), old_bundle.signed_prekey_id + 1);
  const LspcBundle new_bundle = bob.make_bundle();
  EXPECT_NE(new_bundle.signed_prekey, old_bundle.signed_prekey);
  EXPECT_EQ(new_bundle.signed_prekey_id, old_bundle.signed_prekey_id + 1);

  ASSERT_EQ(alice.process_bundle("bob", 1, old_bundle), 0);
  ASSERT_EQ(carol.process_bundle("bob", 1, new_bundle), 0);
  EXPECT_EQ(deliver(alice, bob, text("old signed prekey")), kLspcPreKeySignalMessage);
  EXPECT_EQ(deliver(carol, bob, text("new signed prekey")), kLspcPreKeySignalMessage);

  // A one-time prekey that was already used is gone: a second session built on it fails.
  LspcParty erin("erin", 1);
  ASSERT_EQ(erin.process_bundle("bob", 1, old_bundle), 0);
  EXPECT_EQ(open(bob, erin, seal(erin, bob, text("reused one-time prekey"))).code, err::kInvalidKeyId);

  // So does a signed prekey that was removed.
  LspcBundle without_one_time = old_bundle;
  without_one_time.one_time_prekey_id.reset();
  without_one_time.one_time_prekey.clear();
  LspcParty dave("dave", 1);
  ASSERT_EQ(dave.process_bundle("bob", 1, without_one_time), 0);
  bob.remove_signed_prekey(old_bundle.signed_prekey_id);
  EXPECT_EQ(open(bob, dave, seal(dave, bob, text("too late"))).code, err::kInvalidKeyId);
  EXPECT_FALSE(bob.has_session("dave", 1));
}

TEST(LspcPeer, SenderKeyGroupMessagesBothWays) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 2);
  const Bytes group = text("group-\x01\x02");

  auto alice_skdm = alice.create_sender_key_distribution(group);
  ASSERT_TRUE(alice_skdm.ok()) << alice_skdm.code;
  EXPECT_EQ(alice_skdm.value[0], 0x33);
  ASSERT_EQ(bob.process_sender_key_distribution(group, "alice", 1, alice_skdm.value), 0);
  auto bob_skdm = bob.create_sender_key_distribution(group);
  ASSERT_TRUE(bob_skdm.ok()) << bob_skdm.code;
  ASSERT_EQ(alice.process_sender_key_distribution(group, "bob", 2, bob_skdm.value), 0);

  std::vector<Bytes> from_alice;
  for (int i = 0; i < 4; ++i) {
    auto sealed = alice.group_encrypt(group, text("to the group " + std::to_string(i)));
    ASSERT_TRUE(sealed.ok()) << sealed.code;
    from_alice.push_back(sealed.value);
  }
  for (int i : {0, 3, 1, 2}) {
    auto opened = bob.group_decrypt(group, "alice", 1, from_alice[i]);
    ASSERT_TRUE(opened.ok()) << i << " code " << opened.code;
    EXPECT_EQ(opened.value, text("to the group " + std::to_string(i)));
  }
  EXPECT_EQ(bob.group_decrypt(group, "alice", 1, from_alice[3]).code, err::kDuplicateMessage);

  auto from_bob = bob.group_encrypt(group, text("bob to the group"));
  ASSERT_TRUE(from_bob.ok()) << from_bob.code;
  auto opened = alice.group_decrypt(group, "bob", 2, from_bob.value);
  ASSERT_TRUE(opened.ok()) << opened.code;
  EXPECT_EQ(opened.value, text("bob to the group"));

  // A forged signature, an unknown sender, and another group are all refused.
  Bytes forged = from_bob.value;
  forged.back() ^= 0x01;
  EXPECT_EQ(alice.group_decrypt(group, "bob", 2, forged).code, err::kInvalidMessage);
  EXPECT_EQ(alice.group_decrypt(group, "carol", 1, from_bob.value).code, err::kNoSession);
  EXPECT_EQ(alice.group_decrypt(text("other"), "bob", 2, from_bob.value).code, err::kNoSession);
}

bool all_digits(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

TEST(LspcPeer, SafetyNumbersAgreeOnBothSides) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 1);
  const Bytes alice_id = text("+14152222222");
  const Bytes bob_id = text("+14153333333");
  auto at_alice = alice.safety_number(alice_id, bob_id, bob.identity_public());
  auto at_bob = bob.safety_number(bob_id, alice_id, alice.identity_public());
  ASSERT_TRUE(at_alice.ok()) << at_alice.code;
  ASSERT_TRUE(at_bob.ok()) << at_bob.code;
  EXPECT_EQ(at_alice.value.size(), 60u);
  EXPECT_TRUE(all_digits(at_alice.value));
  EXPECT_EQ(at_alice.value, at_bob.value);

  LspcParty mallory("bob", 1);
  EXPECT_NE(alice.safety_number(alice_id, bob_id, mallory.identity_public()).value, at_alice.value);
  EXPECT_NE(alice.safety_number(alice_id, bob_id, bob.identity_public(), 1024).value, at_alice.value);

  auto scan_alice = alice.scannable_fingerprint(alice_id, bob_id, bob.identity_public());
  auto scan_bob = bob.scannable_fingerprint(bob_id, alice_id, alice.identity_public());
  auto scan_mallory = alice.scannable_fingerprint(alice_id, bob_id, mallory.identity_public());
  ASSERT_TRUE(scan_alice.ok() && scan_bob.ok() && scan_mallory.ok());
  EXPECT_EQ(LspcParty::compare_scannable(scan_alice.value, scan_bob.value), 1);
  EXPECT_EQ(LspcParty::compare_scannable(scan_bob.value, scan_alice.value), 1);
  EXPECT_EQ(LspcParty::compare_scannable(scan_mallory.value, scan_bob.value), 0);
  EXPECT_LT(LspcParty::compare_scannable(scan_alice.value, Bytes{0xff, 0xff}), 0);

  // Stable ids are C strings to lspc; the wrapper refuses ids it would silently truncate.
  EXPECT_EQ(alice.safety_number(Bytes{'a', 0, 'b'}, bob_id, bob.identity_public()).code, err::kInvalidArgument);
  EXPECT_EQ(alice.safety_number(alice_id, bob_id, Bytes(33, 0x06)).code, err::kInvalidKey);
}

// Two lspc parties agree even if the shared crypto provider is wrong; these vectors do not.
TEST(LspcPeer, CryptoProviderMatchesPublishedVectors) {
  EXPECT_TRUE(LspcParty::crypto_provider_self_check());
}

// libsignal-protocol-c's tests/test_fingerprint.c (test_vectors_v1): 5200 iterations.
TEST(LspcPeer, SafetyNumberMatchesUpstreamVector) {
  const Bytes alice_key = *from_hex("0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868");
  const Bytes bob_key = *from_hex("05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b");
  const Bytes alice_id = text("+14152222222");
  const Bytes bob_id = text("+14153333333");
  const std::string expected = "300354477692869396892869876765458257569162576843440918079131";
  EXPECT_EQ(LspcParty::safety_number_of(alice_id, alice_key, bob_id, bob_key).value, expected);
  EXPECT_EQ(LspcParty::safety_number_of(bob_id, bob_key, alice_id, alice_key).value, expected);
  EXPECT_EQ(to_hex(LspcParty::scannable_fingerprint_of(alice_id, alice_key, bob_id, bob_key).value),
            "08011222"
            "0a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df"
            "1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d");
}

TEST(LspcPeer, CurveSignaturesRoundTripAndRejectTampering) {
  const LspcKeyPair pair = LspcParty::generate_key_pair();
  ASSERT_EQ(pair.public_key.size(), 33u);
  ASSERT_EQ(pair.private_key.size(), 32u);
  EXPECT_EQ(LspcParty::curve_public_from_private(pair.private_key), pair.public_key);

  const Bytes message = text("sign me");
  const Bytes signature = LspcParty::curve_sign(pair.private_key, message);
  ASSERT_EQ(signature.size(), 64u);
  EXPECT_TRUE(LspcParty::curve_verify(pair.public_key, message, signature));
  // Signing is randomised: a second signature differs but verifies too.
  const Bytes again = LspcParty::curve_sign(pair.private_key, message);
  EXPECT_NE(again, signature);
  EXPECT_TRUE(LspcParty::curve_verify(pair.public_key, message, again));

  Bytes bad_message = message;
  bad_message[0] ^= 0x01;
  EXPECT_FALSE(LspcParty::curve_verify(pair.public_key, bad_message, signature));
  for (std::size_t at : {0u, 31u, 32u, 63u}) {
    Bytes bad_signature = signature;
    bad_signature[at] ^= 0x01;
    EXPECT_FALSE(LspcParty::curve_verify(pair.public_key, message, bad_signature)) << at;
  }
  EXPECT_FALSE(LspcParty::curve_verify(pair.public_key, message, ByteView(signature).first(63)));
  EXPECT_FALSE(LspcParty::curve_verify(LspcParty::generate_key_pair().public_key, message, signature));
  EXPECT_TRUE(LspcParty::curve_sign(Bytes(31, 1), message).empty());

  LspcParty alice("alice", 1);
  const Bytes identity_signature = LspcParty::curve_sign(alice.identity_private(), message);
  EXPECT_TRUE(LspcParty::curve_verify(alice.identity_public(), message, identity_signature));
  EXPECT_EQ(LspcParty::curve_public_from_private(alice.identity_private()), alice.identity_public());
}

TEST(LspcPeer, CurveAgreementIsSymmetric) {
  const LspcKeyPair a = LspcParty::generate_key_pair();
  const LspcKeyPair b = LspcParty::generate_key_pair();
  const Bytes ab = LspcParty::curve_agree(b.public_key, a.private_key);
  const Bytes ba = LspcParty::curve_agree(a.public_key, b.private_key);
  ASSERT_EQ(ab.size(), 32u);
  EXPECT_EQ(ab, ba);
  EXPECT_NE(ab, LspcParty::curve_agree(LspcParty::generate_key_pair().public_key, a.private_key));
  EXPECT_TRUE(LspcParty::curve_agree(ByteView(b.public_key).subspan(1), a.private_key).empty());
  // lspc does not reject a low-order point: u = 0 gives an all-zero shared secret.
  Bytes zero_point(33, 0);
  zero_point[0] = 0x05;
  EXPECT_EQ(LspcParty::curve_agree(zero_point, a.private_key), Bytes(32, 0));
}

TEST(LspcPeer, PartiesCanBeMoved) {
  LspcParty alice("alice", 1);
  LspcParty bob("bob", 1);
  establish(alice, bob);
  LspcParty moved = std::move(alice);
  EXPECT_EQ(deliver(moved, bob, text("after move")), kLspcSignalMessage);
}

}  // namespace
}  // namespace hush::test
