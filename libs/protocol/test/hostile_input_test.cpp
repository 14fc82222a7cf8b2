// Hostile input: every malformed, forged or replayed message gets a specific error and leaves
// the stored session exactly as it was.
#include <gtest/gtest.h>

#include "hush/protocol/limits.hpp"
#include "hush/wire/signal.pb.h"
#include "test_party.hpp"

namespace hush::protocol::testing {
namespace {

class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override {
    alice_.start_session_with(bob_);
    ASSERT_TRUE(bob_.decrypt_from(alice_, alice_.encrypt_to(bob_, "setup")).ok());
    ASSERT_TRUE(alice_.decrypt_from(bob_, bob_.encrypt_to(alice_, "ack")).ok());
    valid_ = alice_.encrypt_to(bob_, "valid");
    ASSERT_EQ(valid_.type, MessageType::kSignal);
    snapshot_ = bob_state();
  }

  crypto::SecretBytes bob_state() { return bob_.store().sessions.load_session(alice_.address())->serialize(); }

  void expect_rejected(const Bytes& serialized, ProtocolError expected, MessageType type = MessageType::kSignal) {
    auto result = bob_.decrypt_from(alice_, CiphertextMessage{type, serialized});
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error(), expected) << "got " << to_string(result.error());
    EXPECT_EQ(bob_state(), snapshot_) << "state changed by a rejected message";
  }

  TestParty alice_{"alice", 1, 101};
  TestParty bob_{"bob", 1, 102};
  CiphertextMessage valid_;
  crypto::SecretBytes snapshot_;
};

TEST_F(HostileInput, TruncatedAtEveryLength) {
  for (std::size_t length = 0; length < valid_.serialized.size(); ++length) {
    Bytes truncated(valid_.serialized.begin(), valid_.serialized.begin() + static_cast<std::ptrdiff_t>(length));
    auto result = bob_.decrypt_from(alice_, CiphertextMessage{MessageType::kSignal, truncated});
    ASSERT_FALSE(result.ok()) << length;
    EXPECT_EQ(bob_state(), snapshot_);
  }
  expect_rejected({}, ProtocolError::kInvalidMessage);
}

TEST_F(HostileInput, Oversized) {
  Bytes huge(kMaxSerializedMessageSize + 1, 0x33);
  expect_rejected(huge, ProtocolError::kMessageTooLarge);
  expect_rejected(huge, ProtocolError::kMessageTooLarge, MessageType::kPreKey);
}

TEST_F(HostileInput, Garbage) {
  Bytes garbage(100, 0xAB);
  garbage[0] = 0x33;
  expect_rejected(garbage, ProtocolError::kInvalidMessage);
  expect_rejected(garbage, ProtocolError::kInvalidMessage, MessageType::kPreKey);
}

TEST_F(HostileInput, WrongVersion) {
  Bytes legacy = valid_.serialized;
  legacy[0] = 0x22;
  expect_rejected(legacy, ProtocolError::kLegacyMessage);
  Bytes future = valid_.serialized;
  future[0] = 0x44;
  expect_rejected(future, ProtocolError::kInvalidVersion);
}

TEST_F(HostileInput, BadMac) {
  Bytes forged = valid_.serialized;
  forged.back() ^= 0x01;
  expect_rejected(forged, ProtocolError::kBadMac);
  Bytes body_flipped = valid_.serialized;
  body_flipped[body_flipped.size() - 12] ^= 0x80;  // inside the ciphertext
  expect_rejected(body_flipped, ProtocolError::kBadMac);
}

// Rebuilds the valid message with one field replaced (its MAC is then wrong, but parsing and
// key checks come first).
Bytes with_ratchet_key(const Bytes& valid, const std::string& key) {
  wire::signal::SignalMessage proto;
  EXPECT_TRUE(proto.ParseFromArray(valid.data() + 1, static_cast<int>(valid.size() - 1 - kMacSize)));
  proto.set_ratchet_key(key);
  std::string body = proto.SerializeAsString();
  Bytes out{0x33};
  append(out, as_bytes(body));
  out.resize(out.size() + kMacSize, 0);
  return out;
}

TEST_F(HostileInput, InvalidAndLowOrderRatchetKeys) {
  expect_rejected(with_ratchet_key(valid_.serialized, std::string(32, '\x01')), ProtocolError::kInvalidKey);
  expect_rejected(with_ratchet_key(valid_.serialized, "\x06" + std::string(32, '\x01')), ProtocolError::kInvalidKey);
  // u = 0 and u = 1 are low-order points: a DH ratchet step with them must be refused.
  expect_rejected(with_ratchet_key(valid_.serialized, "\x05" + std::string(32, '\0')), ProtocolError::kInvalidKey);
  std::string one = "\x05" + std::string(32, '\0');
  one[1] = 1;
  expect_rejected(with_ratchet_key(valid_.serialized, one), ProtocolError::kInvalidKey);
}

TEST_F(HostileInput, CounterJumpPastLimit) {
  wire::signal::SignalMessage proto;
  ASSERT_TRUE(
      proto.ParseFromArray(valid_.serialized.data() + 1, static_cast<int>(valid_.serialized.size() - 1 - kMacSize)));
  proto.set_counter(proto.counter() + kMaxForwardJump + 1);
  Bytes jumped{0x33};
  append(jumped, as_bytes(proto.SerializeAsString()));
  jumped.resize(jumped.size() + kMacSize, 0);
  expect_rejected(jumped, ProtocolError::kTooFarInFuture);
}

TEST_F(HostileInput, ReplayedPreKeyMessageAfterPreKeyIsGone) {
  TestParty carol("carol", 1, 103);
  carol.start_session_with(bob_);
  auto first = carol.encrypt_to(bob_, "hi bob");
  ASSERT_TRUE(bob_.decrypt_from(carol, first).ok());
  // Bob's session is still there: the replay is a duplicate of counter 0.
  auto replay = bob_.decrypt_from(carol, first);
  ASSERT_FALSE(replay.ok());
  EXPECT_EQ(replay.error(), ProtocolError::kDuplicateMessage);

  // With the session lost (say, a reinstall), the one-time prekey is gone too.
  bob_.store().sessions.store_session(carol.address(), SessionRecord{});
  auto without_session = bob_.decrypt_from(carol, first);
  ASSERT_FALSE(without_session.ok());
  EXPECT_EQ(without_session.error(), ProtocolError::kInvalidPreKeyId);
}

TEST_F(HostileInput, PreKeyMessageWithLowOrderOrInvalidKeys) {
  TestParty carol("carol", 1, 107);
  carol.start_session_with(bob_);
  const std::uint32_t prekey_id = bob_.last_prekey_id();
  auto first = carol.encrypt_to(bob_, "hello");
  ASSERT_EQ(first.type, MessageType::kPreKey);
  for (int field : {2, 3}) {  // base_key, identity_key
    for (const std::string& key : {"\x05" + std::string(32, '\0'), std::string(33, '\x05'), std::string(5, 'k')}) {
      wire::signal::PreKeySignalMessage proto;
      ASSERT_TRUE(proto.ParseFromArray(first.serialized.data() + 1, static_cast<int>(first.serialized.size() - 1)));
      if (field == 2)
        proto.set_base_key(key);
      else
        proto.set_identity_key(key);
      Bytes forged{0x33};
      append(forged, as_bytes(proto.SerializeAsString()));
      auto result = bob_.decrypt_from(carol, CiphertextMessage{MessageType::kPreKey, forged});
      ASSERT_FALSE(result.ok());
      EXPECT_TRUE(result.error() == ProtocolError::kInvalidKey || result.error() == ProtocolError::kBadMac)
          << to_string(result.error());
      EXPECT_TRUE(bob_.store().prekeys.load_prekey(prekey_id).has_value()) << "prekey consumed by a forgery";
      EXPECT_FALSE(bob_.store().sessions.load_session(carol.address()).has_value());
      EXPECT_FALSE(bob_.store().identities.identity(carol.address()).has_value()) << "forgery pinned an identity";
    }
  }
  EXPECT_EQ(*bob_.decrypt_from(carol, first), "hello") << "the genuine message still decrypts";
}

TEST_F(HostileInput, UnknownSignedPreKey) {
  TestParty carol("carol", 1, 104);
  PreKeyBundle bundle = bob_.bundle();
  bundle.signed_prekey_id = 99;
  auto carol_stores = carol.stores();
  ASSERT_TRUE(process_prekey_bundle(carol_stores, bob_.address(), bundle, carol.rng()).ok());
  auto result = bob_.decrypt_from(carol, carol.encrypt_to(bob_, "x"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), ProtocolError::kInvalidSignedPreKeyId);
}

TEST_F(HostileInput, BundleWithBadSignatureOrLowOrderKey) {
  TestParty carol("carol", 1, 105);
  auto carol_stores = carol.stores();
  PreKeyBundle bad_signature = bob_.bundle();
  bad_signature.signed_prekey_signature[5] ^= 1;
  auto result = process_prekey_bundle(carol_stores, bob_.address(), bad_signature, carol.rng());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), ProtocolError::kInvalidSignature);

  PreKeyBundle low_order = bob_.bundle();
  low_order.one_time_prekey = crypto::PublicKey();  // u = 0
  result = process_prekey_bundle(carol_stores, bob_.address(), low_order, carol.rng());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), ProtocolError::kInvalidKey);
  EXPECT_FALSE(carol.store().sessions.load_session(bob_.address()).has_value());
}

TEST_F(HostileInput, SignalMessageWithoutSession) {
  TestParty stranger("stranger", 1, 106);
  auto result = stranger.decrypt_from(alice_, valid_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), ProtocolError::kNoSession);
}

}  // namespace
}  // namespace hush::protocol::testing
