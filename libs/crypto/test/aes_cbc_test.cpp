// AES-256-CBC: SP 800-38A known answers, PKCS#7 round trips, and rejection of bad padding and
// bad lengths without reading out of bounds.
#include "hush/crypto/aes_cbc.hpp"

#include <gtest/gtest.h>

#include "hush/crypto/random.hpp"
#include "test_vectors.hpp"

namespace hush::crypto {
namespace {

using test::hex;
using test::load_vectors;

const Bytes kKey(32, 0x11);
const Bytes kIv(16, 0x22);

TEST(AesCbc, MatchesSp80038aVectors) {
  const auto file = load_vectors("aes256_cbc_sp800_38a.json");
  ASSERT_FALSE(file["vectors"].empty());
  for (const auto& v : file["vectors"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const Bytes key = hex(v["key"]);
    const Bytes iv = hex(v["iv"]);
    const Bytes plaintext = hex(v["plaintext"]);
    const Bytes ciphertext = hex(v["ciphertext"]);

    // F.2.5 encrypt.
    auto unpadded = aes256_cbc_encrypt_no_padding(key, iv, plaintext);
    ASSERT_TRUE(unpadded.ok());
    EXPECT_EQ(to_hex(*unpadded), to_hex(ciphertext));

    // With PKCS#7 the same blocks come first, followed by one block of padding.
    auto padded = aes256_cbc_encrypt(key, iv, plaintext);
    ASSERT_TRUE(padded.ok());
    ASSERT_EQ(padded->size(), ciphertext.size() + kAesBlockSize);
    EXPECT_EQ(to_hex(ByteView(*padded).first(ciphertext.size())), to_hex(ciphertext));

    // F.2.6 decrypt: the vector's blocks (plus that padding block) give back the plaintext.
    auto decrypted = aes256_cbc_decrypt(key, iv, *padded);
    ASSERT_TRUE(decrypted.ok());
    EXPECT_EQ(to_hex(decrypted->view()), to_hex(plaintext));

    // The vector's last plaintext byte is 0x10, which is not a full padding block: decrypting
    // the four blocks alone must fail the padding check.
    auto without_padding = aes256_cbc_decrypt(key, iv, ciphertext);
    ASSERT_FALSE(without_padding.ok());
    EXPECT_EQ(without_padding.error(), CryptoError::kBadPadding);
  }
}

TEST(AesCbc, RoundTripsEveryLengthFrom0To40) {
  SeededRng rng(38);
  for (std::size_t length = 0; length <= 40; ++length) {
    Bytes plaintext(length);
    rng.fill(plaintext);
    auto ciphertext = aes256_cbc_encrypt(kKey, kIv, plaintext);
    ASSERT_TRUE(ciphertext.ok());
    EXPECT_EQ(ciphertext->size(), (length / 16 + 1) * 16) << length;
    auto decrypted = aes256_cbc_decrypt(kKey, kIv, *ciphertext);
    ASSERT_TRUE(decrypted.ok()) << length;
    EXPECT_EQ(to_hex(decrypted->view()), to_hex(plaintext)) << length;
  }
}

TEST(AesCbc, RejectsBadPadding) {
  auto ciphertext = aes256_cbc_encrypt(kKey, kIv, as_bytes("sixteen byte msg"));
  ASSERT_TRUE(ciphertext.ok());
  ASSERT_EQ(ciphertext->size(), 32u);
  // Corrupting the second-to-last block flips the corresponding bits of the final padding block
  // (CBC): a padding byte of 0x10 ^ 0x01 = 0x11 is out of range.
  Bytes tampered = *ciphertext;
  tampered[15] ^= 0x01;
  auto result = aes256_cbc_decrypt(kKey, kIv, tampered);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), CryptoError::kBadPadding);

  // Padding byte 0 is invalid, and so is an inconsistent run (0x02 0x03).
  Bytes block_zero(16, 0x41);
  block_zero[15] = 0x00;
  Bytes inconsistent(16, 0x41);
  inconsistent[14] = 0x03;
  inconsistent[15] = 0x02;
  for (const Bytes& last_block : {block_zero, inconsistent}) {
    auto raw = aes256_cbc_encrypt_no_padding(kKey, kIv, last_block);
    ASSERT_TRUE(raw.ok());
    auto decrypted = aes256_cbc_decrypt(kKey, kIv, *raw);
    ASSERT_FALSE(decrypted.ok());
    EXPECT_EQ(decrypted.error(), CryptoError::kBadPadding);
  }

  // A valid padding run decrypts (control for the case above).
  Bytes consistent(16, 0x41);
  consistent[14] = 0x02;
  consistent[15] = 0x02;
  auto raw = aes256_cbc_encrypt_no_padding(kKey, kIv, consistent);
  ASSERT_TRUE(raw.ok());
  auto decrypted = aes256_cbc_decrypt(kKey, kIv, *raw);
  ASSERT_TRUE(decrypted.ok());
  EXPECT_EQ(decrypted->size(), 14u);
}

TEST(AesCbc, RejectsBadLengths) {
  for (std::size_t length : {0u, 1u, 15u, 17u, 31u, 33u}) {
    const Bytes ciphertext(length, 0x5a);
    auto result = aes256_cbc_decrypt(kKey, kIv, ciphertext);
    ASSERT_FALSE(result.ok()) << length;
    EXPECT_EQ(result.error(), CryptoError::kBadLength) << length;
  }
  const Bytes block(16, 0);
  EXPECT_EQ(aes256_cbc_decrypt(Bytes(31, 0), kIv, block).error(), CryptoError::kBadLength);
  EXPECT_EQ(aes256_cbc_decrypt(kKey, Bytes(15, 0), block).error(), CryptoError::kBadLength);
  EXPECT_EQ(aes256_cbc_encrypt(Bytes(16, 0), kIv, block).error(), CryptoError::kBadLength);
  EXPECT_EQ(aes256_cbc_encrypt(kKey, Bytes(17, 0), block).error(), CryptoError::kBadLength);
  EXPECT_EQ(aes256_cbc_encrypt_no_padding(kKey, kIv, Bytes(15, 0)).error(), CryptoError::kBadLength);
  auto empty = aes256_cbc_encrypt_no_padding(kKey, kIv, ByteView());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(AesCbc, WrongKeyNeverYieldsThePlaintext) {
  auto ciphertext = aes256_cbc_encrypt(kKey, kIv, as_bytes("attack at dawn"));
  ASSERT_TRUE(ciphertext.ok());
  Bytes other_key = kKey;
  other_key[0] ^= 1;
  auto result = aes256_cbc_decrypt(other_key, kIv, *ciphertext);
  if (result.ok()) {
    EXPECT_NE(hush::to_string(result->view()), "attack at dawn");
  }
}

TEST(CryptoError, HasStableNames) {
  EXPECT_STREQ(to_string(CryptoError::kInvalidKey), "invalid_key");
  EXPECT_STREQ(to_string(CryptoError::kLowOrderPoint), "low_order_point");
  EXPECT_STREQ(to_string(CryptoError::kBadPadding), "bad_padding");
  EXPECT_STREQ(to_string(CryptoError::kBadLength), "bad_length");
}

}  // namespace
}  // namespace hush::crypto
