// Curve25519 signatures (libsignal-protocol-c's curve25519_sign / curve25519_verify): known
// answers produced by libsignal-protocol-c itself, round trips, and rejection of every tampered or
// malformed input.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/hash.hpp"
#include "test_vectors.hpp"

namespace hush::crypto {
namespace {

using test::hex;
using test::load_vectors;

// Hands out fixed bytes, to replay a signature whose 64 random bytes are known.
class FixedRng final : public Rng {
 public:
  explicit FixedRng(Bytes bytes) : bytes_(std::move(bytes)) {}
  void fill(MutableByteView out) override {
    ASSERT_LE(offset_ + out.size(), bytes_.size()) << "FixedRng exhausted";
    std::memcpy(out.data(), bytes_.data() + offset_, out.size());
    offset_ += out.size();
  }

 private:
  Bytes bytes_;
  std::size_t offset_ = 0;
};

Bytes flip_bit(ByteView data, std::size_t bit) {
  Bytes out(data.begin(), data.end());
  out[bit / 8] = static_cast<std::uint8_t>(out[bit / 8] ^ (1u << (bit % 8)));
  return out;
}

struct Signer {
  KeyPair pair;
  explicit Signer(std::uint64_t seed) {
    SeededRng rng(seed);
    pair = KeyPair::generate(rng);
  }
};

TEST(Signature, ReproducesLibsignalProtocolC) {
  const auto file = load_vectors("curve25519_sign_libsignal.json");
  ASSERT_EQ(file["vectors"].size(), 5u);
  for (const auto& v : file["vectors"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    auto key = PrivateKey::from_bytes(hex(v["private"]));
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(to_hex(key->public_key().raw()), v["public"].get<std::string>());
    const Bytes message = hex(v["message"]);
    FixedRng random(hex(v["random"]));
    const Signature signature = sign(*key, message, random);
    EXPECT_EQ(to_hex(signature), v["signature"].get<std::string>());

    auto public_key = PublicKey::from_raw(hex(v["public"]));
    ASSERT_TRUE(public_key.ok());
    EXPECT_TRUE(verify(*public_key, message, hex(v["signature"])));
    EXPECT_FALSE(verify(*public_key, flip_bit(message.empty() ? Bytes{0} : message, 0), hex(v["signature"])));
  }
}

TEST(Signature, RoundTripsForManyMessageLengths) {
  SeededRng rng(100);
  for (std::size_t length : {0u, 1u, 32u, 33u, 64u, 127u, 128u, 1000u, 5000u}) {
    const KeyPair pair = KeyPair::generate(rng);
    Bytes message(length);
    rng.fill(message);
    const Signature signature = sign(pair.private_key, message, rng);
    EXPECT_TRUE(verify(pair.public_key, message, signature)) << length;
    // s < L < 2^253: apart from the sign bit, the top byte of s is at most 0x10.
    EXPECT_LE(signature[63] & 0x7F, 0x10);
  }
}

TEST(Signature, SignedPreKeyIsSignedInSerializedForm) {
  // libsignal signs the 33-byte 0x05-prefixed key; the bare 32 bytes are a different message.
  SeededRng rng(200);
  const KeyPair identity = KeyPair::generate(rng);
  const KeyPair signed_pre_key = KeyPair::generate(rng);
  const auto serialized = signed_pre_key.public_key.serialize();
  const auto& raw = signed_pre_key.public_key.raw();
  const Signature over_serialized = sign(identity.private_key, serialized, rng);
  EXPECT_TRUE(verify(identity.public_key, serialized, over_serialized));
  EXPECT_FALSE(verify(identity.public_key, raw, over_serialized));

  SeededRng same_a(7);
  SeededRng same_b(7);
  EXPECT_NE(sign(identity.private_key, serialized, same_a), sign(identity.private_key, raw, same_b));
}

TEST(Signature, DeterministicUnderASeedAndRandomisedOtherwise) {
  const Signer signer(300);
  const Bytes message = to_bytes("prekey bundle");
  SeededRng a(1);
  SeededRng b(1);
  SeededRng c(2);
  const Signature first = sign(signer.pair.private_key, message, a);
  EXPECT_EQ(first, sign(signer.pair.private_key, message, b));
  const Signature other = sign(signer.pair.private_key, message, c);
  EXPECT_NE(first, other);
  EXPECT_TRUE(verify(signer.pair.public_key, message, first));
  EXPECT_TRUE(verify(signer.pair.public_key, message, other));
  // The sign bit is a property of the key, so every signature by it carries the same one.
  EXPECT_EQ(first[63] & 0x80, other[63] & 0x80);
}

TEST(Signature, RejectsAnyFlippedMessageBit) {
  const Signer signer(400);
  SeededRng rng(401);
  const Bytes message = to_bytes("the 33 bytes of a serialized key.");
  const Signature signature = sign(signer.pair.private_key, message, rng);
  ASSERT_TRUE(verify(signer.pair.public_key, message, signature));
  for (std::size_t bit = 0; bit < message.size() * 8; ++bit) {
    ASSERT_FALSE(verify(signer.pair.public_key, flip_bit(message, bit), signature)) << bit;
  }
  Bytes longer = message;
  longer.push_back(0);
  EXPECT_FALSE(verify(signer.pair.public_key, longer, signature));
  EXPECT_FALSE(verify(signer.pair.public_key, ByteView(message).first(message.size() - 1), signature));
}

TEST(Signature, RejectsAnyFlippedSignatureBit) {
  const Signer signer(500);
  SeededRng rng(501);
  const Bytes message = to_bytes("message");
  const Signature signature = sign(signer.pair.private_key, message, rng);
  // Every bit of R and s, including bit 7 of byte 63 (the Edwards sign bit of the key).
  for (std::size_t bit = 0; bit < kSignatureSize * 8; ++bit) {
    ASSERT_FALSE(verify(signer.pair.public_key, message, flip_bit(signature, bit))) << bit;
  }
}

TEST(Signature, RejectsOtherKeysAndFlippedKeyBits) {
  const Signer signer(600);
  const Signer other(601);
  SeededRng rng(602);
  const Bytes message = to_bytes("message");
  const Signature signature = sign(signer.pair.private_key, message, rng);
  EXPECT_FALSE(verify(other.pair.public_key, message, signature));
  const auto& raw = signer.pair.public_key.raw();
  for (std::size_t bit = 0; bit < 255; ++bit) {
    const Bytes flipped = flip_bit(raw, bit);
    auto key = PublicKey::from_raw(flipped);
    ASSERT_TRUE(key.ok());
    ASSERT_FALSE(verify(*key, message, signature)) << bit;
  }
  // Bit 255 is not part of the u-coordinate: X25519 and curve25519_verify both ignore it.
  auto high_bit = PublicKey::from_raw(flip_bit(raw, 255));
  ASSERT_TRUE(high_bit.ok());
  EXPECT_TRUE(verify(*high_bit, message, signature));
}

TEST(Signature, RejectsMalformedSizes) {
  const Signer signer(700);
  SeededRng rng(701);
  const Bytes message = to_bytes("message");
  const Signature signature = sign(signer.pair.private_key, message, rng);
  Bytes longer(signature.begin(), signature.end());
  longer.push_back(0);
  EXPECT_FALSE(verify(signer.pair.public_key, message, longer));
  EXPECT_FALSE(verify(signer.pair.public_key, message, ByteView(signature).first(63)));
  EXPECT_FALSE(verify(signer.pair.public_key, message, ByteView()));
  EXPECT_FALSE(verify(signer.pair.public_key, message, Bytes(64, 0)));
}

TEST(Signature, RejectsNonCanonicalAndLowOrderKeys) {
  SeededRng rng(800);
  const Bytes message = to_bytes("message");
  for (std::string_view u : {
           "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p
           "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p + 1
           "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // 2^255 - 1
           "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p - 1: u + 1 = 0
           "0000000000000000000000000000000000000000000000000000000000000000",  // u = 0
           "0100000000000000000000000000000000000000000000000000000000000000",  // u = 1
           "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",  // order 8
       }) {
    SCOPED_TRACE(u);
    auto key = PublicKey::from_raw(hex(u));
    ASSERT_TRUE(key.ok());
    for (int i = 0; i < 8; ++i) {
      Bytes signature(64);
      rng.fill(signature);
      EXPECT_FALSE(verify(*key, message, signature));
    }
    // The identity point R = (0, 1) with s = 0 is the classic forgery against low-order keys.
    Bytes identity_forgery(64, 0);
    identity_forgery[0] = 1;
    EXPECT_FALSE(verify(*key, message, identity_forgery));
    identity_forgery[63] = 0x80;
    EXPECT_FALSE(verify(*key, message, identity_forgery));
  }
}

TEST(Signature, RandomGarbageNeverVerifies) {
  SeededRng rng(900);
  for (int i = 0; i < 300; ++i) {
    std::array<std::uint8_t, 32> raw{};
    rng.fill(raw);
    Bytes signature(64);
    rng.fill(signature);
    Bytes message(rng.uniform(64));
    rng.fill(message);
    EXPECT_FALSE(verify(PublicKey(raw), message, signature));
  }
}

TEST(Signature, DefaultConstructedKeyStillSignsForItsPublicKey) {
  // A zero PrivateKey is not clamped; sign() and public_key() both treat it as clamped.
  const PrivateKey zero;
  SeededRng rng(1000);
  const Bytes message = to_bytes("message");
  EXPECT_TRUE(verify(zero.public_key(), message, sign(zero, message, rng)));
}

TEST(Signature, SignVerifyAndHmacWorkFromSeveralThreadsAtOnce) {
  // verify() keeps per-thread BIGNUM scratch and HmacSha256 duplicates a process-wide template:
  // both must be safe to use concurrently.
  const Signer signer(1100);
  const Bytes message = to_bytes("concurrent");
  const SecretArray<32> expected_mac = hmac_sha256(as_bytes("key"), message);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      SeededRng rng(static_cast<std::uint64_t>(1200 + t));
      for (int i = 0; i < 20; ++i) {
        const Signature signature = sign(signer.pair.private_key, message, rng);
        if (!verify(signer.pair.public_key, message, signature)) ++failures;
        if (verify(signer.pair.public_key, as_bytes("other"), signature)) ++failures;
        if (!(hmac_sha256(as_bytes("key"), message) == expected_mac)) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace hush::crypto
