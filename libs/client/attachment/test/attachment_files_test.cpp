// encrypt_file, verify_blob and decrypt_file on real files: round trips from 0 bytes to 20 MiB,
// every kind of damage to a downloaded blob, wrong keys and sizes, files that are not regular,
// the size limit (a sparse file), and that a failure leaves nothing at the output path.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "attachment_test_support.hpp"
#include "hush/client/attachment/attachment_cipher.hpp"
#include "scratch_folder.hpp"

namespace hush::client {
namespace {

namespace fs = std::filesystem;
using test::file_mode;
using test::folder_listing;
using test::openssl_sha256;
using test::read_file;
using test::ScratchFolder;
using test::seeded_bytes;
using test::write_file;

class AttachmentFiles : public ::testing::Test {
 protected:
  // Writes `contents` as the plaintext file and encrypts it to blob_path().
  EncryptedAttachment encrypt(ByteView contents) {
    write_file(plaintext_path(), contents);
    auto encrypted = encrypt_file(plaintext_path(), blob_path(), rng_);
    if (!encrypted.ok()) throw std::runtime_error(std::string("encrypt_file: ") + to_string(encrypted.error()));
    return *encrypted;
  }
  fs::path plaintext_path() const { return sending_.path() / "photo.jpg"; }
  fs::path blob_path() const { return sending_.path() / "blob"; }
  fs::path out_path() const { return receiving_.path() / "photo.jpg"; }

  // Expects decrypt_file to fail with `error` and leave the receiving folder empty.
  void expect_decrypt_fails(const fs::path& blob, ByteView key, const crypto::Sha256Digest& digest, std::uint64_t size,
                            AttachmentError error) {
    auto verified = verify_blob(blob, key, digest, size);
    ASSERT_FALSE(verified.ok());
    EXPECT_EQ(verified.error(), error) << to_string(verified.error());
    auto decrypted = decrypt_file(blob, key, digest, size, out_path());
    ASSERT_FALSE(decrypted.ok());
    EXPECT_EQ(decrypted.error(), error) << to_string(decrypted.error());
    EXPECT_FALSE(fs::exists(out_path()));
    EXPECT_EQ(folder_listing(receiving_.path()), "");  // no temporary file left either
  }

  crypto::SystemRng rng_;
  ScratchFolder sending_{"hush-attachment-send"};
  ScratchFolder receiving_{"hush-attachment-receive"};
};

TEST_F(AttachmentFiles, RoundTripsEverySize) {
  for (std::size_t size : {0u, 1u, 15u, 16u, 17u, 541u, (1u << 20) + 3, 20u << 20}) {
    SCOPED_TRACE(size);
    const Bytes plaintext = seeded_bytes(size, size + 1);
    const EncryptedAttachment sent = encrypt(plaintext);
    EXPECT_EQ(sent.size, size);
    EXPECT_EQ(sent.blob_size, blob_size(size));
    EXPECT_EQ(fs::file_size(blob_path()), blob_size(size));
    EXPECT_EQ(file_mode(blob_path()), 0600u);

    const Bytes blob = read_file(blob_path());
    EXPECT_EQ(sent.digest, openssl_sha256(blob));
    EXPECT_EQ(sent.plaintext_sha256, openssl_sha256(plaintext));
    // The blob is not the plaintext: not where it would be, nor anywhere else.
    if (size >= 16) {
      EXPECT_FALSE(std::equal(plaintext.begin(), plaintext.begin() + 16, blob.begin() + 16));
      EXPECT_EQ(std::search(blob.begin(), blob.end(), plaintext.begin(), plaintext.begin() + 16), blob.end());
    }

    EXPECT_TRUE(verify_blob(blob_path(), sent.key.view(), sent.digest, size).ok());
    auto received = decrypt_file(blob_path(), sent.key.view(), sent.digest, size, out_path());
    ASSERT_TRUE(received.ok()) << to_string(received.error());
    EXPECT_EQ(*received, sent.plaintext_sha256);
    EXPECT_TRUE(read_file(out_path()) == plaintext);
    EXPECT_EQ(file_mode(out_path()), 0600u);
    EXPECT_EQ(folder_listing(sending_.path()), "blob photo.jpg ");
    EXPECT_EQ(folder_listing(receiving_.path()), "photo.jpg ");
    fs::remove(out_path());
  }
}

TEST_F(AttachmentFiles, EachAttachmentGetsAFreshKey) {
  const Bytes plaintext = seeded_bytes(2000, 1);
  const EncryptedAttachment first = encrypt(plaintext);
  const Bytes first_blob = read_file(blob_path());
  const EncryptedAttachment second = encrypt(plaintext);
  EXPECT_FALSE(first.key == second.key);
  EXPECT_NE(first.digest, second.digest);
  EXPECT_NE(first_blob, read_file(blob_path()));
  EXPECT_EQ(first.plaintext_sha256, second.plaintext_sha256);
}

TEST_F(AttachmentFiles, AnyFlippedByteIsADigestMismatchAndWithItsOwnDigestABadMac) {
  const std::size_t size = 100'000;
  const EncryptedAttachment sent = encrypt(seeded_bytes(size, 2));
  const Bytes blob = read_file(blob_path());
  const fs::path tampered_path = sending_.path() / "tampered";
  for (std::size_t position :
       {std::size_t{0}, std::size_t{16}, blob.size() / 2, blob.size() - 33, blob.size() - 32, blob.size() - 1}) {
    SCOPED_TRACE(position);
    Bytes tampered = blob;
    tampered[position] ^= 0x40;
    write_file(tampered_path, tampered);
    expect_decrypt_fails(tampered_path, sent.key.view(), sent.digest, size, AttachmentError::kDigestMismatch);
    expect_decrypt_fails(tampered_path, sent.key.view(), openssl_sha256(tampered), size, AttachmentError::kBadMac);
  }
}

TEST_F(AttachmentFiles, WrongKeysAreRefused) {
  const std::size_t size = 5000;
  const EncryptedAttachment sent = encrypt(seeded_bytes(size, 3));
  // The MAC half differs (the digest is the blob's real one): the MAC check refuses it.
  AttachmentKey other_mac = sent.key;
  other_mac.data()[63] ^= 0x01;
  expect_decrypt_fails(blob_path(), other_mac.view(), sent.digest, size, AttachmentError::kBadMac);
  // An unrelated key.
  AttachmentKey unrelated;
  rng_.fill(unrelated.mutable_view());
  expect_decrypt_fails(blob_path(), unrelated.view(), sent.digest, size, AttachmentError::kBadMac);
  // Keys of the wrong length.
  for (std::size_t length : {0u, 32u, 63u, 65u}) {
    const Bytes key(length, 0x11);
    expect_decrypt_fails(blob_path(), key, sent.digest, size, AttachmentError::kBadKey);
  }
  // The AES half differs and the MAC half is right: only decryption can tell (the zero padding).
  AttachmentKey other_cipher = sent.key;
  other_cipher.data()[0] ^= 0x01;
  EXPECT_TRUE(verify_blob(blob_path(), other_cipher.view(), sent.digest, size).ok());
  auto decrypted = decrypt_file(blob_path(), other_cipher.view(), sent.digest, size, out_path());
  ASSERT_FALSE(decrypted.ok());
  EXPECT_EQ(decrypted.error(), AttachmentError::kBadPadding);
  EXPECT_EQ(folder_listing(receiving_.path()), "");
}

TEST_F(AttachmentFiles, TruncatedOrExtendedBlobsAndWrongSizesAreSizeMismatches) {
  const std::size_t size = 70'000;
  Bytes plaintext = seeded_bytes(size, 4);
  plaintext.back() = 0xff;
  const EncryptedAttachment sent = encrypt(plaintext);
  const Bytes blob = read_file(blob_path());
  const fs::path changed = sending_.path() / "changed";
  for (std::size_t length : {std::size_t{0}, std::size_t{16}, blob.size() - 32, blob.size() - 1}) {
    write_file(changed, ByteView(blob).first(length));
    expect_decrypt_fails(changed, sent.key.view(), sent.digest, size, AttachmentError::kSizeMismatch);
  }
  write_file(changed, concat(blob, Bytes{0}));
  expect_decrypt_fails(changed, sent.key.view(), sent.digest, size, AttachmentError::kSizeMismatch);
  // A size in another bucket is a size mismatch.
  expect_decrypt_fails(blob_path(), sent.key.view(), sent.digest, size * 2, AttachmentError::kSizeMismatch);
  // A size in the same bucket passes the digest and MAC (the size is the end-to-end message's
  // word, like the key). Claiming one byte less makes the last plaintext byte padding, which is
  // not zero; claiming one byte more releases a zero byte of the padding.
  auto shorter_claim = decrypt_file(blob_path(), sent.key.view(), sent.digest, size - 1, out_path());
  ASSERT_FALSE(shorter_claim.ok());
  EXPECT_EQ(shorter_claim.error(), AttachmentError::kBadPadding);
  EXPECT_EQ(folder_listing(receiving_.path()), "");
  ASSERT_EQ(blob_size(size + 1), blob_size(size));
  auto longer_claim = decrypt_file(blob_path(), sent.key.view(), sent.digest, size + 1, out_path());
  ASSERT_TRUE(longer_claim.ok());
  EXPECT_TRUE(read_file(out_path()) == concat(plaintext, Bytes{0}));
}

TEST_F(AttachmentFiles, AFailedDecryptionLeavesAnExistingOutputAsItWas) {
  const std::size_t size = 3000;
  const EncryptedAttachment sent = encrypt(seeded_bytes(size, 5));
  write_file(out_path(), to_bytes("already here"));
  Bytes tampered = read_file(blob_path());
  tampered[100] ^= 1;
  write_file(blob_path(), tampered);
  auto result = decrypt_file(blob_path(), sent.key.view(), sent.digest, size, out_path());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(hush::to_string(read_file(out_path())), "already here");
  EXPECT_EQ(folder_listing(receiving_.path()), "photo.jpg ");
}

TEST_F(AttachmentFiles, OnlyRegularFilesAreEncryptedOrDecrypted) {
  const fs::path folder = sending_.path() / "folder";
  fs::create_directory(folder);
  const fs::path fifo = sending_.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const fs::path& path : {folder, fifo}) {
    auto encrypted = encrypt_file(path, blob_path(), rng_);  // must not block on the FIFO
    ASSERT_FALSE(encrypted.ok());
    EXPECT_EQ(encrypted.error(), AttachmentError::kNotRegularFile);
    expect_decrypt_fails(path, Bytes(64, 1), crypto::Sha256Digest{}, 0, AttachmentError::kNotRegularFile);
  }
  auto missing = encrypt_file(sending_.path() / "missing", blob_path(), rng_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), AttachmentError::kIo);
  expect_decrypt_fails(sending_.path() / "missing", Bytes(64, 1), crypto::Sha256Digest{}, 0, AttachmentError::kIo);
  // A symbolic link to a regular file is followed.
  write_file(plaintext_path(), to_bytes("linked"));
  fs::create_symlink(plaintext_path(), sending_.path() / "link");
  EXPECT_TRUE(encrypt_file(sending_.path() / "link", blob_path(), rng_).ok());
}

TEST_F(AttachmentFiles, AnOutputInAMissingFolderIsAnIoErrorAndCreatesNothing) {
  write_file(plaintext_path(), to_bytes("hello"));
  auto encrypted = encrypt_file(plaintext_path(), sending_.path() / "no-such-folder" / "blob", rng_);
  ASSERT_FALSE(encrypted.ok());
  EXPECT_EQ(encrypted.error(), AttachmentError::kIo);
  EXPECT_EQ(folder_listing(sending_.path()), "photo.jpg ");

  const EncryptedAttachment sent = encrypt(to_bytes("hello"));
  auto decrypted = decrypt_file(blob_path(), sent.key.view(), sent.digest, 5, receiving_.path() / "missing" / "out");
  ASSERT_FALSE(decrypted.ok());
  EXPECT_EQ(decrypted.error(), AttachmentError::kIo);
  EXPECT_EQ(folder_listing(receiving_.path()), "");
}

TEST_F(AttachmentFiles, TheSizeLimitIsCheckedBeforeReading) {
  // A sparse file one byte over the limit: refused from its size, without reading 2 GiB.
  const fs::path huge = sending_.path() / "huge";
  {
    const int fd = ::open(huge.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(kMaxAttachmentSize + 1)), 0);
    ::close(fd);
  }
  auto encrypted = encrypt_file(huge, blob_path(), rng_);
  ASSERT_FALSE(encrypted.ok());
  EXPECT_EQ(encrypted.error(), AttachmentError::kTooLarge);
  EXPECT_FALSE(fs::exists(blob_path()));
  // A message claiming a plaintext over the limit is refused before the blob is looked at.
  expect_decrypt_fails(huge, Bytes(64, 1), crypto::Sha256Digest{}, kMaxAttachmentSize + 1, AttachmentError::kTooLarge);
  // At the limit, the blob's expected size is computed (and this sparse file is not it).
  expect_decrypt_fails(huge, Bytes(64, 1), crypto::Sha256Digest{}, kMaxAttachmentSize, AttachmentError::kSizeMismatch);
}

TEST(AttachmentError, HasStableNamesAndSentences) {
  const std::pair<AttachmentError, const char*> names[] = {
      {AttachmentError::kIo, "io"},
      {AttachmentError::kNotRegularFile, "not_regular_file"},
      {AttachmentError::kTooLarge, "too_large"},
      {AttachmentError::kSizeMismatch, "size_mismatch"},
      {AttachmentError::kDigestMismatch, "digest_mismatch"},
      {AttachmentError::kBadMac, "bad_mac"},
      {AttachmentError::kBadPadding, "bad_padding"},
      {AttachmentError::kBadKey, "bad_key"},
  };
  for (const auto& [error, name] : names) {
    EXPECT_STREQ(to_string(error), name);
    EXPECT_GT(std::string(describe(error)).size(), 10u) << name;
  }
}

}  // namespace
}  // namespace hush::client
