// The blob format through the chunk API: a known answer built independently with OpenSSL, the
// same blob for every way of feeding it, the encryptor's size checks, and the two receiving
// passes (blob_stream.hpp) over memory, including blobs a sender holding the key made wrong.
#include <gtest/gtest.h>

#include <stdexcept>

#include "attachment_test_support.hpp"
#include "blob_stream.hpp"
#include "hush/client/attachment/attachment_cipher.hpp"

namespace hush::client {
namespace {

using test::openssl_blob;
using test::openssl_sha256;
using test::seeded_bytes;

AttachmentKey fixed_key() {
  AttachmentKey key;
  for (std::size_t i = 0; i < key.size(); ++i) key.data()[i] = static_cast<std::uint8_t>(i);
  return key;
}

AttachmentIv fixed_iv() {
  AttachmentIv iv{};
  for (std::size_t i = 0; i < iv.size(); ++i) iv[i] = static_cast<std::uint8_t>(0xa0 + i);
  return iv;
}

// Encrypts `plaintext` in chunks of `chunk` bytes (0: all at once), with pad() steps or not.
Bytes encrypt(ByteView plaintext, std::size_t chunk, bool pad_steps, AttachmentDigests* digests = nullptr) {
  AttachmentEncryptor encryptor(fixed_key(), fixed_iv(), plaintext.size());
  Bytes blob;
  if (chunk == 0) chunk = std::max<std::size_t>(plaintext.size(), 1);
  for (std::size_t offset = 0; offset < plaintext.size(); offset += chunk) {
    encryptor.update(plaintext.subspan(offset, std::min(chunk, plaintext.size() - offset)), blob);
  }
  if (pad_steps) {
    while (encryptor.pad(blob)) {
    }
  }
  auto finished = encryptor.finish(blob);
  if (!finished.ok()) throw std::runtime_error("finish failed");
  if (digests) *digests = *finished;
  return blob;
}

// Runs both receiving passes over `blob` fed in chunks of `chunk` bytes.
Result<crypto::Sha256Digest, AttachmentError> receive(ByteView blob, ByteView key, const crypto::Sha256Digest& digest,
                                                      std::uint64_t size, std::size_t chunk,
                                                      crypto::SecretBytes& plaintext) {
  detail::BlobVerifier verifier(key, size);
  for (std::size_t offset = 0; offset < blob.size(); offset += chunk) {
    verifier.update(blob.subspan(offset, std::min(chunk, blob.size() - offset)));
  }
  HUSH_TRY(verifier.finish(digest));
  detail::BlobDecryptor decryptor(key, size);
  for (std::size_t offset = 0; offset < blob.size(); offset += chunk) {
    decryptor.update(blob.subspan(offset, std::min(chunk, blob.size() - offset)), plaintext);
  }
  return decryptor.finish(plaintext);
}

TEST(AttachmentEncryptor, KnownAnswerMatchesAnIndependentOpenSslConstruction) {
  const Bytes plaintext = to_bytes("hush attachment known answer: padded to 541 bytes, then PKCS#7 to 544");
  AttachmentDigests digests;
  const Bytes blob = encrypt(plaintext, 0, false, &digests);

  // The format, from OpenSSL alone: plaintext || zeros to 541, AES-256-CBC with PKCS#7 under the
  // key's first half, HMAC-SHA256 under its second half over IV || ciphertext.
  Bytes padded = plaintext;
  padded.resize(541, 0);
  const AttachmentIv iv = fixed_iv();
  const Bytes expected = openssl_blob(fixed_key().view(), iv, padded, true);
  ASSERT_EQ(expected.size(), 16u + 544u + 32u);
  EXPECT_EQ(to_hex(blob), to_hex(expected));
  EXPECT_EQ(blob.size(), blob_size(plaintext.size()));
  EXPECT_EQ(digests.blob, openssl_sha256(expected));
  EXPECT_EQ(digests.plaintext, openssl_sha256(plaintext));
  // Frozen: a change to the format changes this digest.
  EXPECT_EQ(to_hex(digests.blob), "e95b60117ddb61f34f666c9c9af5b60e50d4307d5212e90d6f7f5fe3e4dd48c4");
}

TEST(AttachmentEncryptor, SameBlobForEveryChunkingWithOrWithoutPadSteps) {
  for (std::size_t size : {0u, 1u, 15u, 16u, 17u, 541u, 542u, (1u << 20) + 3}) {
    const Bytes plaintext = seeded_bytes(size, size);
    const Bytes whole = encrypt(plaintext, 0, false);
    EXPECT_EQ(whole.size(), blob_size(size)) << size;
    for (std::size_t chunk : {1u, 7u, 16u, 4096u, 65536u}) {
      if (size > 100'000 && chunk < 4096) continue;
      EXPECT_EQ(encrypt(plaintext, chunk, true), whole) << size << " " << chunk;
    }
    EXPECT_EQ(encrypt(plaintext, 65536, false), whole) << size;
  }
}

TEST(AttachmentEncryptor, PadStepsAreBoundedByTheChunkSize) {
  // 2,000,000 bytes pad to 2,062,581 (floor(1.05^298)): 62,581 bytes of padding, one step;
  // 30,000,000 pad to 30,187,181 (floor(1.05^353)): 187,181 bytes, three steps of at most 64 KiB.
  for (std::uint64_t size : {2'000'000ull, 30'000'000ull}) {
    AttachmentEncryptor encryptor(fixed_key(), fixed_iv(), size);
    const Bytes chunk(1 << 20, 0x5a);
    Bytes sink;
    for (std::uint64_t given = 0; given < size; given += chunk.size()) {
      sink.clear();
      encryptor.update(
          ByteView(chunk).first(static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - given))), sink);
    }
    std::uint64_t padding = 0;
    int steps = 0;
    for (bool more = true; more; ++steps) {
      sink.clear();
      more = encryptor.pad(sink);
      EXPECT_LE(sink.size(), kAttachmentChunkSize + 16);
      padding += sink.size();
    }
    EXPECT_EQ(steps, size == 2'000'000 ? 1 : 3);
    EXPECT_GE(padding + 16, padded_size(size) - size) << size;
    sink.clear();
    ASSERT_TRUE(encryptor.finish(sink).ok());
    EXPECT_EQ(sink.size(), 16u + kAttachmentMacSize);  // only the last block and the MAC were left
  }
}

TEST(AttachmentEncryptor, FinishRefusesAPlaintextOfAnotherSize) {
  const Bytes plaintext = seeded_bytes(100, 1);
  {
    AttachmentEncryptor shorter(fixed_key(), fixed_iv(), 101);
    Bytes blob;
    shorter.update(plaintext, blob);
    EXPECT_FALSE(shorter.pad(blob));  // no padding before all the plaintext
    const std::size_t before = blob.size();
    auto finished = shorter.finish(blob);
    ASSERT_FALSE(finished.ok());
    EXPECT_EQ(finished.error(), AttachmentError::kSizeMismatch);
    EXPECT_EQ(blob.size(), before);
    EXPECT_THROW(shorter.update(plaintext, blob), std::logic_error);
  }
  {
    AttachmentEncryptor longer(fixed_key(), fixed_iv(), 99);
    Bytes blob;
    longer.update(plaintext, blob);
    EXPECT_FALSE(longer.pad(blob));
    auto finished = longer.finish(blob);
    ASSERT_FALSE(finished.ok());
    EXPECT_EQ(finished.error(), AttachmentError::kSizeMismatch);
  }
  EXPECT_THROW(AttachmentEncryptor(fixed_key(), fixed_iv(), kMaxAttachmentSize + 1), std::invalid_argument);
  EXPECT_NO_THROW(AttachmentEncryptor(fixed_key(), fixed_iv(), kMaxAttachmentSize));
}

TEST(BlobStreams, RoundTripInAnyChunking) {
  for (std::size_t size : {0u, 1u, 15u, 16u, 17u, 541u, 100'000u}) {
    const Bytes plaintext = seeded_bytes(size, 7 + size);
    AttachmentDigests digests;
    const Bytes blob = encrypt(plaintext, 1000, true, &digests);
    for (std::size_t chunk : {1u, 13u, 16u, 65536u}) {
      if (size > 1000 && chunk < 16) continue;
      crypto::SecretBytes decrypted;
      auto result = receive(blob, fixed_key().view(), digests.blob, size, chunk, decrypted);
      ASSERT_TRUE(result.ok()) << size << " " << chunk << " " << to_string(result.error());
      EXPECT_EQ(*result, digests.plaintext);
      EXPECT_EQ(to_hex(decrypted.view()), to_hex(plaintext));
    }
  }
}

TEST(BlobStreams, VerifierNamesTheFirstCheckThatFails) {
  const Bytes plaintext = seeded_bytes(1000, 3);
  AttachmentDigests digests;
  const Bytes blob = encrypt(plaintext, 0, false, &digests);
  crypto::SecretBytes ignored;
  // Short, long, and claimed for another size.
  EXPECT_EQ(receive(ByteView(blob).first(blob.size() - 1), fixed_key().view(), digests.blob, 1000, 64, ignored).error(),
            AttachmentError::kSizeMismatch);
  const Bytes longer = concat(blob, Bytes{0});
  EXPECT_EQ(receive(longer, fixed_key().view(), digests.blob, 1000, 64, ignored).error(),
            AttachmentError::kSizeMismatch);
  EXPECT_EQ(receive(blob, fixed_key().view(), digests.blob, 2000, 64, ignored).error(), AttachmentError::kSizeMismatch);
  // Every byte position class: IV, ciphertext, MAC.
  for (std::size_t position : {std::size_t{0}, std::size_t{15}, std::size_t{16}, blob.size() / 2, blob.size() - 33,
                               blob.size() - 32, blob.size() - 1}) {
    Bytes tampered = blob;
    tampered[position] ^= 0x01;
    EXPECT_EQ(receive(tampered, fixed_key().view(), digests.blob, 1000, 64, ignored).error(),
              AttachmentError::kDigestMismatch)
        << position;
    EXPECT_EQ(receive(tampered, fixed_key().view(), openssl_sha256(tampered), 1000, 64, ignored).error(),
              AttachmentError::kBadMac)
        << position;
  }
}

// A sender holding the key can make a blob whose MAC verifies but whose padding is wrong.
TEST(BlobStreams, DecryptorRejectsWrongPaddingUnderAValidMac) {
  const AttachmentKey key = fixed_key();
  const AttachmentIv iv = fixed_iv();
  const std::uint64_t size = 100;  // padded to 541: 441 zeros, then PKCS#7 adds 3 bytes
  Bytes padded = seeded_bytes(size, 9);
  padded.resize(541, 0);

  const auto expect_bad_padding = [&](const Bytes& blob, const char* what) {
    crypto::SecretBytes plaintext;
    auto result = receive(blob, key.view(), openssl_sha256(blob), size, 4096, plaintext);
    ASSERT_FALSE(result.ok()) << what;
    EXPECT_EQ(result.error(), AttachmentError::kBadPadding) << what;
  };
  // Control: the correct blob decrypts.
  {
    const Bytes blob = openssl_blob(key.view(), iv, padded, true);
    crypto::SecretBytes plaintext;
    ASSERT_TRUE(receive(blob, key.view(), openssl_sha256(blob), size, 4096, plaintext).ok());
  }
  {
    Bytes nonzero = padded;
    nonzero[540] = 0x01;
    expect_bad_padding(openssl_blob(key.view(), iv, nonzero, true), "a non-zero padding byte");
  }
  {
    Bytes raw = padded;  // PKCS#7 by hand with a wrong byte: 03 03 04
    raw.insert(raw.end(), {0x03, 0x03, 0x04});
    expect_bad_padding(openssl_blob(key.view(), iv, raw, false), "malformed PKCS#7");
  }
  {
    Bytes raw = padded;  // valid PKCS#7, but it removes 19 bytes instead of 3 (one whole block more)
    raw.insert(raw.end(), {0x03, 0x03, 0x03});
    raw.resize(raw.size() - 16);  // 528 bytes: the padded plaintext is short a block
    raw.insert(raw.end(), 16, 0x10);
    // 544 bytes: a full block of 0x10 removes 16, leaving 528 bytes instead of 541.
    expect_bad_padding(openssl_blob(key.view(), iv, raw, false), "padded plaintext of the wrong length");
  }
  {
    // The key's AES half differs, the MAC half is right: garbage plaintext, caught by the padding.
    AttachmentKey other = key;
    other.data()[0] ^= 0x80;
    const Bytes blob = openssl_blob(key.view(), iv, padded, true);
    crypto::SecretBytes plaintext;
    auto result = receive(blob, other.view(), openssl_sha256(blob), size, 4096, plaintext);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error(), AttachmentError::kBadPadding);
  }
}

}  // namespace
}  // namespace hush::client
