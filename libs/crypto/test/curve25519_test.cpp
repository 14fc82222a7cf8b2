// Curve25519 keys and X25519 agreement: RFC 7748 known answers, low-order points, clamping, and
// the 33-byte 0x05-prefixed public key encoding.
#include "hush/crypto/curve25519.hpp"

#include <gtest/gtest.h>

#include "test_vectors.hpp"

namespace hush::crypto {
namespace {

using test::hex;
using test::load_vectors;

PublicKey public_from_hex(std::string_view text) {
  auto key = PublicKey::from_raw(hex(text));
  if (!key.ok()) throw std::runtime_error("bad public key literal");
  return *key;
}

TEST(X25519, MatchesRfc7748FunctionVectors) {
  const auto file = load_vectors("x25519_rfc7748.json");
  ASSERT_EQ(file["function_vectors"].size(), 2u);
  for (const auto& v : file["function_vectors"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    auto scalar = PrivateKey::from_bytes(hex(v["scalar"]));
    auto u = PublicKey::from_raw(hex(v["u"]));
    ASSERT_TRUE(scalar.ok());
    ASSERT_TRUE(u.ok());
    auto shared = agree(*scalar, *u);
    ASSERT_TRUE(shared.ok());
    EXPECT_EQ(to_hex(shared->view()), v["output"].get<std::string>());
  }
}

TEST(X25519, MatchesRfc7748DiffieHellmanExample) {
  const auto v = load_vectors("x25519_rfc7748.json")["diffie_hellman"];
  auto alice = PrivateKey::from_bytes(hex(v["alice_private"]));
  auto bob = PrivateKey::from_bytes(hex(v["bob_private"]));
  ASSERT_TRUE(alice.ok());
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(to_hex(alice->public_key().raw()), v["alice_public"].get<std::string>());
  EXPECT_EQ(to_hex(bob->public_key().raw()), v["bob_public"].get<std::string>());
  auto alice_shared = agree(*alice, bob->public_key());
  auto bob_shared = agree(*bob, alice->public_key());
  ASSERT_TRUE(alice_shared.ok());
  ASSERT_TRUE(bob_shared.ok());
  EXPECT_EQ(to_hex(alice_shared->view()), v["shared"].get<std::string>());
  EXPECT_EQ(to_hex(bob_shared->view()), v["shared"].get<std::string>());
}

TEST(X25519, RejectsLowOrderPoints) {
  SeededRng rng(7748);
  const PrivateKey ours = PrivateKey::generate(rng);
  // The points of order 1, 2, 4 and 8 and their non-canonical encodings (u + p, bit 255 set).
  for (std::string_view u : {
           "0000000000000000000000000000000000000000000000000000000000000000",  // u = 0
           "0100000000000000000000000000000000000000000000000000000000000000",  // u = 1
           "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",  // order 8
           "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",  // order 8
           "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // u = p - 1
           "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // u = p (= 0)
           "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // u = p + 1 (= 1)
           "0000000000000000000000000000000000000000000000000000000000000080",  // 0, bit 255 set
           "0100000000000000000000000000000000000000000000000000000000000080",  // 1, bit 255 set
       }) {
    SCOPED_TRACE(u);
    auto shared = agree(ours, public_from_hex(u));
    ASSERT_FALSE(shared.ok());
    EXPECT_EQ(shared.error(), CryptoError::kLowOrderPoint);
  }
}

TEST(X25519, GeneratedKeysAgree) {
  SeededRng rng(1);
  for (int i = 0; i < 20; ++i) {
    const KeyPair alice = KeyPair::generate(rng);
    const KeyPair bob = KeyPair::generate(rng);
    EXPECT_EQ(alice.public_key, alice.private_key.public_key());
    auto a = agree(alice.private_key, bob.public_key);
    auto b = agree(bob.private_key, alice.public_key);
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(b.ok());
    EXPECT_TRUE(*a == *b);
  }
}

// generate_many() computes public keys on the Edwards curve with a batched inversion; X25519
// with the base point u = 9 is the Montgomery ladder: both must give the same u for every key.
TEST(KeyPair, GenerateManyEqualsLadderOnTheBasePoint) {
  SeededRng rng(7748);
  std::array<std::uint8_t, kCurveKeySize> nine{};
  nine[0] = 9;
  const PublicKey base_point(nine);
  for (std::size_t count : {0, 1, 2, 3, 10, 257}) {
    auto pairs = KeyPair::generate_many(count, rng);
    ASSERT_EQ(pairs.size(), count);
    for (const auto& pair : pairs) {
      auto ladder = agree(pair.private_key, base_point);
      ASSERT_TRUE(ladder.ok());
      EXPECT_TRUE(crypto::constant_time_equal(pair.public_key.raw(), ladder->view())) << count;
      EXPECT_EQ(pair.public_key, pair.private_key.public_key());
    }
  }
}

TEST(PrivateKey, ClampsAndChecksLength) {
  auto key = PrivateKey::from_bytes(Bytes(32, 0xff));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(to_hex(key->secret().view()), "f8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  auto zero = PrivateKey::from_bytes(Bytes(32, 0x00));
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(to_hex(zero->secret().view()), "0000000000000000000000000000000000000000000000000000000000000040");
  for (std::size_t length : {0u, 31u, 33u, 64u}) {
    auto bad = PrivateKey::from_bytes(Bytes(length, 1));
    ASSERT_FALSE(bad.ok()) << length;
    EXPECT_EQ(bad.error(), CryptoError::kInvalidKey);
  }
}

TEST(PrivateKey, GenerateIsClampedAndDeterministicUnderASeed) {
  SeededRng a(99);
  SeededRng b(99);
  const PrivateKey first = PrivateKey::generate(a);
  EXPECT_TRUE(first.secret() == PrivateKey::generate(b).secret());
  EXPECT_FALSE(first.secret() == PrivateKey::generate(a).secret());
  const auto& bytes = first.secret();
  EXPECT_EQ(bytes.data()[0] & 7, 0);
  EXPECT_EQ(bytes.data()[31] & 0xC0, 0x40);
}

TEST(PublicKey, SerializesAs05PrefixAndParsesBack) {
  SeededRng rng(2);
  const PublicKey key = KeyPair::generate(rng).public_key;
  const auto serialized = key.serialize();
  ASSERT_EQ(serialized.size(), 33u);
  EXPECT_EQ(serialized[0], 0x05);
  EXPECT_EQ(to_hex(ByteView(serialized).subspan(1)), to_hex(key.raw()));
  auto parsed = PublicKey::deserialize(serialized);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, key);
  auto raw = PublicKey::from_raw(key.raw());
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, key);
}

TEST(PublicKey, RejectsWrongLengthOrTypeByte) {
  SeededRng rng(3);
  const auto serialized = KeyPair::generate(rng).public_key.serialize();
  const Bytes good(serialized.begin(), serialized.end());
  for (int type : {0x00, 0x04, 0x06, 0x85, 0xff}) {
    Bytes wrong_type = good;
    wrong_type[0] = static_cast<std::uint8_t>(type);
    auto parsed = PublicKey::deserialize(wrong_type);
    ASSERT_FALSE(parsed.ok()) << type;
    EXPECT_EQ(parsed.error(), CryptoError::kInvalidKey);
  }
  for (std::size_t length : {0u, 1u, 32u, 34u, 66u}) {
    Bytes wrong_length = good;
    wrong_length.resize(length, 0x05);
    auto parsed = PublicKey::deserialize(wrong_length);
    ASSERT_FALSE(parsed.ok()) << length;
    EXPECT_EQ(parsed.error(), CryptoError::kInvalidKey);
  }
  // The bare 32 bytes are not a serialized key, and from_raw takes exactly 32.
  EXPECT_FALSE(PublicKey::deserialize(ByteView(good).subspan(1)).ok());
  EXPECT_FALSE(PublicKey::from_raw(good).ok());
  EXPECT_FALSE(PublicKey::from_raw(ByteView(good).first(31)).ok());
  EXPECT_EQ(PublicKey::from_raw(ByteView()).error(), CryptoError::kInvalidKey);
}

}  // namespace
}  // namespace hush::crypto
