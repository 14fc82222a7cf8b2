// Ed25519: RFC 8032 test vector 1, round trips, and rejection of tampered or malformed input.
#include "hush/crypto/ed25519.hpp"

#include <gtest/gtest.h>

#include "hush/base/bytes.hpp"

namespace hush::crypto {
namespace {

// RFC 8032 section 7.1, TEST 1 (empty message).
TEST(Ed25519, VerifiesRfc8032Vector1) {
  const Bytes public_key = *from_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const Bytes signature = *from_hex(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
      "d25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(ed25519_verify(public_key, {}, signature));
  Bytes tampered = signature;
  tampered[0] ^= 1;
  EXPECT_FALSE(ed25519_verify(public_key, {}, tampered));
}

TEST(Ed25519, SignThenVerifyAndRejectOtherMessageOrKey) {
  SeededRng rng(7);
  const Ed25519KeyPair alice = Ed25519KeyPair::generate(rng);
  const Ed25519KeyPair bob = Ed25519KeyPair::generate(rng);
  const Bytes message = to_bytes("hush-auth-v1 challenge");
  const Ed25519Signature signature = ed25519_sign(alice, message);
  EXPECT_TRUE(ed25519_verify(alice.public_key, message, signature));
  EXPECT_FALSE(ed25519_verify(bob.public_key, message, signature));
  EXPECT_FALSE(ed25519_verify(alice.public_key, to_bytes("other"), signature));
}

TEST(Ed25519, MalformedLengthsAreRejectedNotRead) {
  SeededRng rng(8);
  const Ed25519KeyPair alice = Ed25519KeyPair::generate(rng);
  const Ed25519Signature signature = ed25519_sign(alice, {});
  EXPECT_FALSE(ed25519_verify(ByteView(alice.public_key).first(31), {}, signature));
  EXPECT_FALSE(ed25519_verify(alice.public_key, {}, ByteView(signature).first(63)));
  EXPECT_FALSE(ed25519_verify({}, {}, {}));
}

}  // namespace
}  // namespace hush::crypto
