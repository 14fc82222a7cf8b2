// XChaCha20-Poly1305: the draft-irtf-cfrg-xchacha known answer, round trips with seal/open, and
// rejection of every altered input (key, nonce, associated data, ciphertext, tag, length).
#include "hush/crypto/aead.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_vectors.hpp"

namespace hush::crypto {
namespace {

using test::hex;
using test::load_vectors;

AeadKey key_from(ByteView bytes) {
  AeadKey key;
  EXPECT_TRUE(key.assign(bytes));
  return key;
}

TEST(Aead, MatchesDraftXChaChaVector) {
  const auto file = load_vectors("xchacha20poly1305_draft_irtf_cfrg_xchacha.json");
  ASSERT_FALSE(file["vectors"].empty());
  for (const auto& v : file["vectors"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const AeadKey key = key_from(hex(v["key"]));
    const Bytes nonce_bytes = hex(v["nonce"]);
    ASSERT_EQ(nonce_bytes.size(), kAeadNonceSize);
    AeadNonce nonce{};
    std::copy(nonce_bytes.begin(), nonce_bytes.end(), nonce.begin());
    const Bytes aad = hex(v["aad"]);
    const Bytes plaintext = hex(v["plaintext"]);
    const Bytes expected = concat(hex(v["ciphertext"]), hex(v["tag"]));

    const Bytes encrypted = xchacha20poly1305_encrypt(key, nonce, plaintext, aad);
    EXPECT_EQ(to_hex(encrypted), to_hex(expected));
    auto decrypted = xchacha20poly1305_decrypt(key, nonce, expected, aad);
    ASSERT_TRUE(decrypted.ok());
    EXPECT_EQ(to_hex(decrypted->view()), to_hex(plaintext));
  }
}

TEST(Aead, SealOpensWithSameKeyAndAssociatedDataOnly) {
  SystemRng rng;
  AeadKey key;
  rng.fill(key.mutable_view());
  AeadKey other_key;
  rng.fill(other_key.mutable_view());
  const Bytes plaintext = to_bytes("chain key material");
  const Bytes aad = to_bytes("sessions/alice/1");

  const Bytes sealed = aead_seal(key, plaintext, aad, rng);
  ASSERT_EQ(sealed.size(), plaintext.size() + kAeadSealOverhead);
  auto opened = aead_open(key, sealed, aad);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(hush::to_string(opened->view()), "chain key material");

  // Two seals of one plaintext differ (fresh nonce each time).
  EXPECT_NE(aead_seal(key, plaintext, aad, rng), sealed);

  auto wrong_key = aead_open(other_key, sealed, aad);
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_EQ(wrong_key.error(), CryptoError::kAuthenticationFailed);
  auto wrong_aad = aead_open(key, sealed, to_bytes("sessions/alice/2"));
  ASSERT_FALSE(wrong_aad.ok());
  EXPECT_EQ(wrong_aad.error(), CryptoError::kAuthenticationFailed);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes altered = sealed;
    altered[i] ^= 0x01;
    EXPECT_FALSE(aead_open(key, altered, aad).ok()) << "byte " << i;
  }
}

TEST(Aead, EmptyPlaintextAndEmptyAssociatedDataRoundTrip) {
  SystemRng rng;
  AeadKey key;
  rng.fill(key.mutable_view());
  const Bytes sealed = aead_seal(key, {}, {}, rng);
  ASSERT_EQ(sealed.size(), kAeadSealOverhead);
  auto opened = aead_open(key, sealed, {});
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(opened->empty());
}

TEST(Aead, RejectsTruncatedInputWithoutReadingOutOfBounds) {
  SystemRng rng;
  AeadKey key;
  rng.fill(key.mutable_view());
  const Bytes sealed = aead_seal(key, to_bytes("x"), {}, rng);
  for (std::size_t size = 0; size < kAeadSealOverhead; ++size) {
    auto opened = aead_open(key, ByteView(sealed).first(size), {});
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error(), CryptoError::kBadLength) << size;
  }
  EXPECT_EQ(aead_open(key, ByteView(sealed).first(kAeadSealOverhead), {}).error(), CryptoError::kAuthenticationFailed);
  AeadNonce nonce{};
  EXPECT_EQ(xchacha20poly1305_decrypt(key, nonce, ByteView(sealed).first(kAeadTagSize - 1), {}).error(),
            CryptoError::kBadLength);
}

}  // namespace
}  // namespace hush::crypto
