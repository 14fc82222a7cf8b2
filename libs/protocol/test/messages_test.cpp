// Framing of the four message types: version byte, MAC and signature placement, required fields.
#include <gtest/gtest.h>

#include "hush/protocol/messages.hpp"
#include "hush/wire/signal.pb.h"

namespace hush::protocol {
namespace {

struct Keys {
  crypto::SeededRng rng{77};
  crypto::KeyPair ratchet = crypto::KeyPair::generate(rng);
  crypto::KeyPair alice = crypto::KeyPair::generate(rng);
  crypto::KeyPair bob = crypto::KeyPair::generate(rng);
  crypto::SecretArray<32> mac_key{Bytes(32, 9)};
};

TEST(SignalMessage, LayoutIsVersionProtobufMac) {
  Keys k;
  auto message = SignalMessage::create(k.ratchet.public_key, 5, 2, Bytes(16, 0xCC), k.mac_key, k.alice.public_key,
                                       k.bob.public_key);
  const Bytes& bytes = message.serialized();
  ASSERT_GT(bytes.size(), 1 + kMacSize);
  EXPECT_EQ(bytes[0], 0x33);
  wire::signal::SignalMessage proto;
  ASSERT_TRUE(proto.ParseFromArray(bytes.data() + 1, static_cast<int>(bytes.size() - 1 - kMacSize)));
  EXPECT_EQ(proto.counter(), 5u);
  EXPECT_EQ(proto.previous_counter(), 2u);
  EXPECT_EQ(proto.ratchet_key().size(), 33u);
  EXPECT_EQ(proto.ratchet_key()[0], 0x05);

  auto parsed = SignalMessage::parse(bytes);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->verify_mac(k.alice.public_key, k.bob.public_key, k.mac_key));
  EXPECT_FALSE(parsed->verify_mac(k.bob.public_key, k.alice.public_key, k.mac_key)) << "direction is bound";
  EXPECT_EQ(parsed->counter(), 5u);
}

TEST(SignalMessage, CounterZeroIsStillPresentOnTheWire) {
  Keys k;
  auto message =
      SignalMessage::create(k.ratchet.public_key, 0, 0, Bytes(16, 1), k.mac_key, k.alice.public_key, k.bob.public_key);
  wire::signal::SignalMessage proto;
  ASSERT_TRUE(proto.ParseFromArray(message.serialized().data() + 1,
                                   static_cast<int>(message.serialized().size() - 1 - kMacSize)));
  EXPECT_TRUE(proto.has_counter()) << "libsignal-protocol-c requires counter";
}

TEST(SignalMessage, MissingRequiredFieldsRejected) {
  wire::signal::SignalMessage proto;
  proto.set_counter(1);
  proto.set_ciphertext("x");
  Bytes bytes{0x33};
  append(bytes, as_bytes(proto.SerializeAsString()));
  bytes.resize(bytes.size() + kMacSize);
  EXPECT_EQ(SignalMessage::parse(bytes).error(), ProtocolError::kInvalidMessage);
}

TEST(PreKeySignalMessage, RoundTripsWithAndWithoutPreKeyId) {
  Keys k;
  auto inner =
      SignalMessage::create(k.ratchet.public_key, 0, 0, Bytes(16, 1), k.mac_key, k.alice.public_key, k.bob.public_key);
  for (std::optional<std::uint32_t> prekey_id : {std::optional<std::uint32_t>{}, std::optional<std::uint32_t>{42}}) {
    auto message = PreKeySignalMessage::create(1234, prekey_id, 7, k.ratchet.public_key, k.alice.public_key, inner);
    EXPECT_EQ(message.serialized()[0], 0x33);
    auto parsed = PreKeySignalMessage::parse(message.serialized());
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->prekey_id(), prekey_id);
    EXPECT_EQ(parsed->signed_prekey_id(), 7u);
    EXPECT_EQ(parsed->registration_id(), 1234u);
    EXPECT_EQ(parsed->message().serialized(), inner.serialized());
  }
}

TEST(SenderKeyMessage, SignedOverVersionAndProtobuf) {
  Keys k;
  auto message = SenderKeyMessage::create(9, 3, Bytes(32, 5), k.alice.private_key, k.rng);
  EXPECT_EQ(message.serialized()[0], 0x33);
  auto parsed = SenderKeyMessage::parse(message.serialized());
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->verify_signature(k.alice.public_key));
  EXPECT_FALSE(parsed->verify_signature(k.bob.public_key));
  EXPECT_EQ(parsed->key_id(), 9u);
  EXPECT_EQ(parsed->iteration(), 3u);
}

TEST(SenderKeyDistributionMessage, RoundTrips) {
  Keys k;
  crypto::SecretArray<32> chain(Bytes(32, 4));
  auto message = SenderKeyDistributionMessage::create(11, 0, chain, k.alice.public_key);
  auto parsed = SenderKeyDistributionMessage::parse(message.serialized().view());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->key_id(), 11u);
  EXPECT_TRUE(parsed->chain_key() == chain);
  EXPECT_EQ(parsed->signing_key(), k.alice.public_key);
  Bytes short_chain = {0x33};
  wire::signal::SenderKeyDistributionMessage proto;
  proto.set_id(1);
  proto.set_iteration(0);
  proto.set_chain_key(std::string(31, 'c'));
  proto.set_signing_key(std::string(1, '\x05') + std::string(32, 'k'));
  append(short_chain, as_bytes(proto.SerializeAsString()));
  EXPECT_EQ(SenderKeyDistributionMessage::parse(short_chain).error(), ProtocolError::kInvalidMessage);
}

}  // namespace
}  // namespace hush::protocol
