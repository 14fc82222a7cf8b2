// AES-256-CBC: SP 800-38A known answers, PKCS#7 round trips, and rejection of bad padding and
// bad lengths without reading out of bounds; the incremental encryptor and decryptor give the
// one-shot bytes for every split.
#include "hush/crypto/aes_cbc.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

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

// Feeds `input` in pieces whose sizes cycle through `splits` (0 included: empty updates).
template <class Feed>
void feed_in_pieces(ByteView input, std::initializer_list<std::size_t> splits, Feed feed) {
  std::size_t offset = 0;
  while (offset < input.size()) {
    for (std::size_t split : splits) {
      const std::size_t take = std::min(split, input.size() - offset);
      feed(input.subspan(offset, take));
      offset += take;
    }
  }
}

TEST(AesCbcIncremental, EncryptorMatchesOneShotForEverySplit) {
  SeededRng rng(39);
  for (std::size_t length : {0u, 1u, 15u, 16u, 17u, 31u, 32u, 33u, 100u, 4097u}) {
    Bytes plaintext(length);
    rng.fill(plaintext);
    auto expected = aes256_cbc_encrypt(kKey, kIv, plaintext);
    ASSERT_TRUE(expected.ok());
    for (auto splits : {std::initializer_list<std::size_t>{1}, {0, 3}, {16}, {7, 25, 0, 64}, {100000}}) {
      auto encryptor = Aes256CbcEncryptor::create(kKey, kIv);
      ASSERT_TRUE(encryptor.ok());
      Bytes ciphertext;
      feed_in_pieces(plaintext, splits, [&](ByteView piece) {
        const std::size_t before = ciphertext.size();
        encryptor->update(piece, ciphertext);
        EXPECT_EQ(ciphertext.size() % kAesBlockSize, 0u);
        EXPECT_LE(ciphertext.size() - before, piece.size() + kAesBlockSize - 1);
      });
      encryptor->finish(ciphertext);
      EXPECT_EQ(to_hex(ciphertext), to_hex(*expected)) << length;
    }
  }
}

TEST(AesCbcIncremental, DecryptorRoundTripsForEverySplit) {
  SeededRng rng(40);
  for (std::size_t length : {0u, 1u, 15u, 16u, 17u, 32u, 100u, 4097u}) {
    Bytes plaintext(length);
    rng.fill(plaintext);
    auto ciphertext = aes256_cbc_encrypt(kKey, kIv, plaintext);
    ASSERT_TRUE(ciphertext.ok());
    for (auto splits : {std::initializer_list<std::size_t>{1}, {0, 5}, {16}, {33, 0, 2}, {100000}}) {
      auto decryptor = Aes256CbcDecryptor::create(kKey, kIv);
      ASSERT_TRUE(decryptor.ok());
      SecretBytes decrypted;
      feed_in_pieces(*ciphertext, splits, [&](ByteView piece) { decryptor->update(piece, decrypted); });
      // The last block (the padding) is held back until finish().
      EXPECT_LE(decrypted.size(), ciphertext->size() - kAesBlockSize);
      ASSERT_TRUE(decryptor->finish(decrypted).ok()) << length;
      EXPECT_EQ(to_hex(decrypted.view()), to_hex(plaintext)) << length;
    }
  }
}

TEST(AesCbcIncremental, DecryptorRejectsBadPaddingAndLengths) {
  // Bad padding: a last block of sixteen 0x41 bytes after unpadded encryption.
  auto raw = aes256_cbc_encrypt_no_padding(kKey, kIv, Bytes(32, 0x41));
  ASSERT_TRUE(raw.ok());
  auto decryptor = Aes256CbcDecryptor::create(kKey, kIv);
  ASSERT_TRUE(decryptor.ok());
  SecretBytes out;
  decryptor->update(*raw, out);
  EXPECT_EQ(out.size(), 16u);
  auto finished = decryptor->finish(out);
  ASSERT_FALSE(finished.ok());
  EXPECT_EQ(finished.error(), CryptoError::kBadPadding);
  EXPECT_EQ(out.size(), 16u);  // nothing of the bad last block is appended

  for (std::size_t length : {0u, 1u, 15u, 17u, 33u}) {
    auto partial = Aes256CbcDecryptor::create(kKey, kIv);
    ASSERT_TRUE(partial.ok());
    SecretBytes ignored;
    partial->update(Bytes(length, 0x5a), ignored);
    auto result = partial->finish(ignored);
    ASSERT_FALSE(result.ok()) << length;
    EXPECT_EQ(result.error(), CryptoError::kBadLength) << length;
  }
}

TEST(AesCbcIncremental, RejectsBadKeyAndIvLengthsAndUseAfterFinish) {
  EXPECT_EQ(Aes256CbcEncryptor::create(Bytes(31, 0), kIv).error(), CryptoError::kBadLength);
  EXPECT_EQ(Aes256CbcEncryptor::create(kKey, Bytes(17, 0)).error(), CryptoError::kBadLength);
  EXPECT_EQ(Aes256CbcDecryptor::create(Bytes(33, 0), kIv).error(), CryptoError::kBadLength);
  EXPECT_EQ(Aes256CbcDecryptor::create(kKey, Bytes(15, 0)).error(), CryptoError::kBadLength);

  auto encryptor = Aes256CbcEncryptor::create(kKey, kIv);
  ASSERT_TRUE(encryptor.ok());
  Bytes out;
  encryptor->finish(out);
  EXPECT_EQ(out.size(), 16u);
  EXPECT_THROW(encryptor->update(as_bytes("x"), out), std::logic_error);
  EXPECT_THROW(encryptor->finish(out), std::logic_error);

  auto decryptor = Aes256CbcDecryptor::create(kKey, kIv);
  ASSERT_TRUE(decryptor.ok());
  SecretBytes plaintext;
  decryptor->update(out, plaintext);
  ASSERT_TRUE(decryptor->finish(plaintext).ok());
  EXPECT_TRUE(plaintext.empty());
  EXPECT_THROW(decryptor->update(out, plaintext), std::logic_error);
  EXPECT_THROW((void)decryptor->finish(plaintext), std::logic_error);
}

TEST(CryptoError, HasStableNames) {
  EXPECT_STREQ(to_string(CryptoError::kInvalidKey), "invalid_key");
  EXPECT_STREQ(to_string(CryptoError::kLowOrderPoint), "low_order_point");
  EXPECT_STREQ(to_string(CryptoError::kBadPadding), "bad_padding");
  EXPECT_STREQ(to_string(CryptoError::kBadLength), "bad_length");
}

}  // namespace
}  // namespace hush::crypto
