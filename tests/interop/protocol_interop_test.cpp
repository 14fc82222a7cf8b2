// hush against libsignal-protocol-c, in one process, both directions: sessions from each other's
// bundles, 1,000 messages in alternating and same-direction runs, out-of-order delivery, a
// duplicate, a simultaneous start, a changed identity, sender-key groups, safety numbers, and
// Curve25519 signatures. lspc is an implementation nobody here wrote: agreement with it is the
// proof of wire compatibility.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "hush/protocol/fingerprint.hpp"
#include "hush/protocol/sender_keys.hpp"
#include "hush_party.hpp"

namespace hush::test {
namespace {

using protocol::ProtocolAddress;

std::string text_of(const crypto::SecretBytes& bytes) {
  return hush::to_string(bytes.view());
}
std::string text_of(const Bytes& bytes) {
  return hush::to_string(bytes);
}

// A conversation between a hush device and an lspc device.
struct Conversation {
  HushParty hush{"hush-user", 1};
  LspcParty lspc{"lspc-user", 2};
  ProtocolAddress lspc_address{"lspc-user", 2};

  void hush_starts() {
    auto result = hush.process_bundle(lspc_address, from_lspc(lspc.make_bundle()));
    ASSERT_TRUE(result.ok()) << protocol::to_string(result.error());
  }
  void lspc_starts(bool with_one_time_prekey = true) {
    ASSERT_EQ(lspc.process_bundle("hush-user", 1, to_lspc(hush.make_bundle(with_one_time_prekey))), 0);
  }
  LspcCiphertext hush_sends(const std::string& text) {
    auto message = hush.encrypt(lspc_address, as_bytes(text));
    EXPECT_TRUE(message.ok());
    return {static_cast<int>(message->type), message->serialized};
  }
  LspcCiphertext lspc_sends(const std::string& text) {
    auto message = lspc.encrypt("hush-user", 1, as_bytes(text));
    EXPECT_TRUE(message.ok()) << message.code;
    return message.value;
  }
  void lspc_receives(const LspcCiphertext& message, const std::string& expected) {
    auto plaintext = lspc.decrypt("hush-user", 1, message.type, message.serialized);
    ASSERT_TRUE(plaintext.ok()) << "lspc error " << plaintext.code;
    EXPECT_EQ(text_of(plaintext.value), expected);
  }
  void hush_receives(const LspcCiphertext& message, const std::string& expected) {
    auto plaintext = hush.decrypt(lspc_address, message.type, message.serialized);
    ASSERT_TRUE(plaintext.ok()) << protocol::to_string(plaintext.error());
    EXPECT_EQ(text_of(*plaintext), expected);
  }
};

TEST(Interop, HushInitiatesFromLspcBundle) {
  Conversation c;
  c.hush_starts();
  auto first = c.hush_sends("hello from hush");
  EXPECT_EQ(first.type, kLspcPreKeySignalMessage);
  EXPECT_EQ(first.serialized[0], 0x33);
  c.lspc_receives(first, "hello from hush");
  EXPECT_FALSE(c.lspc.has_one_time_prekey(1)) << "lspc consumed its one-time prekey";
  auto reply = c.lspc_sends("hello from lspc");
  EXPECT_EQ(reply.type, kLspcSignalMessage);
  c.hush_receives(reply, "hello from lspc");
  EXPECT_EQ(c.hush_sends("plain now").type, kLspcSignalMessage);
}

TEST(Interop, LspcInitiatesFromHushBundle) {
  for (bool with_one_time_prekey : {true, false}) {
    Conversation c;
    c.lspc_starts(with_one_time_prekey);
    auto first = c.lspc_sends("hello from lspc");
    EXPECT_EQ(first.type, kLspcPreKeySignalMessage);
    c.hush_receives(first, "hello from lspc");
    if (with_one_time_prekey) {
      EXPECT_FALSE(c.hush.has_one_time_prekey(1)) << "hush consumed its one-time prekey";
    }
    c.lspc_receives(c.hush_sends("hello from hush"), "hello from hush");
  }
}

TEST(Interop, ThousandMessagesInAlternatingAndSameDirectionRuns) {
  for (bool hush_first : {true, false}) {
    Conversation c;
    if (hush_first) {
      c.hush_starts();
      c.lspc_receives(c.hush_sends("open"), "open");
    } else {
      c.lspc_starts();
      c.hush_receives(c.lspc_sends("open"), "open");
    }
    std::mt19937 pattern(hush_first ? 1 : 2);
    for (int i = 0; i < 1000; ++i) {
      // First 300 strictly alternate; then runs of random length in either direction.
      bool from_hush = i < 300 ? (i % 2 == 0) : ((i / (1 + pattern() % 7)) % 2 == 0);
      std::string text = "message " + std::to_string(i) + std::string(i % 50, '.');
      if (from_hush) {
        c.lspc_receives(c.hush_sends(text), text);
      } else {
        c.hush_receives(c.lspc_sends(text), text);
      }
      if (HasFatalFailure()) return;
    }
  }
}

TEST(Interop, OutOfOrderDeliveryBothWays) {
  Conversation c;
  c.hush_starts();
  c.lspc_receives(c.hush_sends("open"), "open");
  c.hush_receives(c.lspc_sends("ack"), "ack");

  std::vector<LspcCiphertext> to_lspc, to_hush;
  for (int i = 0; i < 20; ++i) to_lspc.push_back(c.hush_sends("h" + std::to_string(i)));
  for (int i = 0; i < 20; ++i) to_hush.push_back(c.lspc_sends("l" + std::to_string(i)));
  std::vector<int> order(20);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(3));
  for (int i : order) c.lspc_receives(to_lspc[i], "h" + std::to_string(i));
  std::reverse(order.begin(), order.end());
  for (int i : order) c.hush_receives(to_hush[i], "l" + std::to_string(i));
}

TEST(Interop, DuplicateRejectedBothWays) {
  Conversation c;
  c.hush_starts();
  c.lspc_receives(c.hush_sends("open"), "open");
  auto from_lspc = c.lspc_sends("once");
  c.hush_receives(from_lspc, "once");
  auto again = c.hush.decrypt(c.lspc_address, from_lspc.type, from_lspc.serialized);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(), protocol::ProtocolError::kDuplicateMessage);

  auto from_hush = c.hush_sends("once too");
  c.lspc_receives(from_hush, "once too");
  EXPECT_EQ(c.lspc.decrypt("hush-user", 1, from_hush.type, from_hush.serialized).code, lspc_error::kDuplicateMessage);
}

TEST(Interop, SimultaneousStartHeals) {
  Conversation c;
  c.hush_starts();
  c.lspc_starts();
  auto from_hush = c.hush_sends("crossing 1");
  auto from_lspc = c.lspc_sends("crossing 2");
  c.lspc_receives(from_hush, "crossing 1");
  c.hush_receives(from_lspc, "crossing 2");
  for (int i = 0; i < 10; ++i) {
    c.lspc_receives(c.hush_sends("after " + std::to_string(i)), "after " + std::to_string(i));
    c.hush_receives(c.lspc_sends("reply " + std::to_string(i)), "reply " + std::to_string(i));
  }
}

TEST(Interop, ChangedIdentityReportedOnBothSides) {
  Conversation c;
  c.hush_starts();
  c.lspc_receives(c.hush_sends("open"), "open");

  // The lspc user reinstalls: same address, new identity.
  LspcParty reinstalled("lspc-user", 2);
  auto result = c.hush.process_bundle(c.lspc_address, from_lspc(reinstalled.make_bundle()));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), protocol::ProtocolError::kUntrustedIdentity);

  // The hush user reinstalls: lspc refuses its PreKey message.
  HushParty hush_reinstalled("hush-user", 1);
  ASSERT_TRUE(hush_reinstalled.process_bundle(c.lspc_address, from_lspc(c.lspc.make_bundle())).ok());
  auto message = hush_reinstalled.encrypt(c.lspc_address, as_bytes("new phone"));
  EXPECT_EQ(c.lspc.decrypt("hush-user", 1, static_cast<int>(message->type), message->serialized).code,
            lspc_error::kUntrustedIdentity);
}

TEST(Interop, SenderKeyGroupsBothWays) {
  const Bytes group = to_bytes("interop-group");
  HushParty hush("hush-user", 1);
  LspcParty lspc("lspc-user", 2);
  protocol::SenderKeyName hush_name{group, {"hush-user", 1}};
  protocol::SenderKeyName lspc_name{group, {"lspc-user", 2}};

  auto hush_distribution = protocol::create_sender_key_distribution(hush.store().sender_keys, hush_name, hush.rng());
  ASSERT_TRUE(hush_distribution.ok());
  EXPECT_EQ(hush_distribution->data()[0], 0x33);
  ASSERT_EQ(lspc.process_sender_key_distribution(group, "hush-user", 1, hush_distribution->view()), 0);
  auto lspc_distribution = lspc.create_sender_key_distribution(group);
  ASSERT_TRUE(lspc_distribution.ok());
  ASSERT_TRUE(
      protocol::process_sender_key_distribution(hush.store().sender_keys, lspc_name, lspc_distribution.value).ok());

  for (int i = 0; i < 100; ++i) {
    std::string text = "group " + std::to_string(i);
    auto from_hush = protocol::group_encrypt(hush.store().sender_keys, hush_name, as_bytes(text), hush.rng());
    ASSERT_TRUE(from_hush.ok());
    auto at_lspc = lspc.group_decrypt(group, "hush-user", 1, *from_hush);
    ASSERT_TRUE(at_lspc.ok()) << at_lspc.code;
    EXPECT_EQ(text_of(at_lspc.value), text);

    auto from_lspc = lspc.group_encrypt(group, as_bytes(text));
    ASSERT_TRUE(from_lspc.ok());
    auto at_hush = protocol::group_decrypt(hush.store().sender_keys, lspc_name, from_lspc.value);
    ASSERT_TRUE(at_hush.ok()) << protocol::to_string(at_hush.error());
    EXPECT_EQ(text_of(*at_hush), text);
  }
}

TEST(Interop, IdenticalSafetyNumbers) {
  HushParty hush("hush-user", 1);
  LspcParty lspc("lspc-user", 2);
  auto hush_key = crypto::PublicKey::deserialize(hush.identity_public());
  auto lspc_key = crypto::PublicKey::deserialize(lspc.identity_public());
  auto at_hush = protocol::make_fingerprint("+hush", *hush_key, "+lspc", *lspc_key);
  auto at_lspc = lspc.safety_number(as_bytes("+lspc"), as_bytes("+hush"), hush.identity_public());
  ASSERT_TRUE(at_lspc.ok());
  EXPECT_EQ(at_hush.display, at_lspc.value);

  auto lspc_scannable = lspc.scannable_fingerprint(as_bytes("+lspc"), as_bytes("+hush"), hush.identity_public());
  ASSERT_TRUE(lspc_scannable.ok());
  EXPECT_TRUE(*protocol::compare_scannable(at_hush.scannable, lspc_scannable.value));
  EXPECT_EQ(LspcParty::compare_scannable(lspc_scannable.value, at_hush.scannable), 1);
  // Same keys and ids in the same roles give byte-identical payloads.
  auto lspc_as_hush = LspcParty::scannable_fingerprint_of(as_bytes("+hush"), hush.identity_public(), as_bytes("+lspc"),
                                                          lspc.identity_public());
  EXPECT_EQ(lspc_as_hush.value, at_hush.scannable);
}

TEST(Interop, CurveSignaturesBothWays) {
  crypto::SystemRng rng;
  for (int i = 0; i < 200; ++i) {
    Bytes message(static_cast<std::size_t>(i), static_cast<std::uint8_t>(i));
    crypto::KeyPair ours = crypto::KeyPair::generate(rng);
    auto our_public = ours.public_key.serialize();
    Bytes our_private(ours.private_key.secret().data(), ours.private_key.secret().data() + 32);
    EXPECT_EQ(LspcParty::curve_public_from_private(our_private), Bytes(our_public.begin(), our_public.end()));

    auto signature = crypto::sign(ours.private_key, message, rng);
    EXPECT_TRUE(LspcParty::curve_verify(our_public, message, signature)) << i;
    signature[63] ^= 0x80;  // the carried sign bit
    EXPECT_FALSE(LspcParty::curve_verify(our_public, message, signature)) << i;

    LspcKeyPair theirs = LspcParty::generate_key_pair();
    Bytes their_signature = LspcParty::curve_sign(theirs.private_key, message);
    auto their_public = crypto::PublicKey::deserialize(theirs.public_key);
    EXPECT_TRUE(crypto::verify(*their_public, message, their_signature)) << i;
    their_signature[0] ^= 1;
    EXPECT_FALSE(crypto::verify(*their_public, message, their_signature)) << i;

    auto shared = crypto::agree(ours.private_key, *their_public);
    EXPECT_EQ(Bytes(shared->data(), shared->data() + 32), LspcParty::curve_agree(our_public, theirs.private_key));
  }
}

}  // namespace
}  // namespace hush::test
