// Conformance: resumable media uploads, digest check, reads, quota and expiry (media_store.hpp).
#include <algorithm>

#include "conformance/conformance.hpp"
#include "hush/crypto/hash.hpp"

namespace hush::storage::test {
namespace {

MediaId media_id(std::uint8_t seed) {
  return filled<16>(seed);
}

Bytes slice(const Bytes& bytes, std::size_t offset, std::size_t length) {
  return Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(offset),
               bytes.begin() + static_cast<std::ptrdiff_t>(offset + length));
}

// Uploads `content` in chunks of `chunk` bytes and finishes it.
void upload_all(MediaStore& media, const MediaId& id, const Bytes& content, std::size_t chunk) {
  for (std::size_t offset = 0; offset < content.size(); offset += chunk) {
    std::size_t length = std::min(chunk, content.size() - offset);
    auto committed = media.append(id, offset, slice(content, offset, length));
    ASSERT_TRUE(committed.ok());
    ASSERT_EQ(*committed, offset + length);
  }
  ASSERT_TRUE(media.finish(id, crypto::sha256(content)).ok());
}

TEST_P(MediaStoreConformance, UploadsInChunksAndReadsAnyRange) {
  DeviceAddress alice = make_device("alice");
  const Bytes content = pattern(1000, 3);
  auto created = media().create_upload(media_id(1), alice.account, content.size(), at(1), at(500));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->state, UploadState::kUploading);
  EXPECT_EQ(created->committed_offset, 0u);
  EXPECT_EQ(created->declared_size, 1000u);
  upload_all(media(), media_id(1), content, 300);

  auto upload = media().upload(media_id(1));
  ASSERT_TRUE(upload.ok());
  EXPECT_EQ(upload->state, UploadState::kComplete);
  EXPECT_EQ(upload->owner, alice.account);
  EXPECT_EQ(upload->committed_offset, 1000u);
  EXPECT_EQ(upload->digest, std::optional<Sha256Digest>(crypto::sha256(content)));
  EXPECT_EQ(upload->created_at, at(1));
  EXPECT_EQ(upload->expires_at, at(500));

  EXPECT_EQ(*media().read(media_id(1), 0, 1000), content);
  EXPECT_EQ(*media().read(media_id(1), 250, 100), slice(content, 250, 100));  // across a chunk boundary
  EXPECT_EQ(*media().read(media_id(1), 299, 302), slice(content, 299, 302));  // across two boundaries
  EXPECT_EQ(*media().read(media_id(1), 900, 300), slice(content, 900, 100));  // short at the end
  EXPECT_EQ(*media().read(media_id(1), 600, 0), Bytes());
  EXPECT_EQ(*media().read(media_id(1), 1000, 10), Bytes());
  EXPECT_EQ(media().read(media_id(1), 1001, 10).error(), StorageError::kInvalidArgument);
}

TEST_P(MediaStoreConformance, AppendOnlyAtTheCommittedOffset) {
  DeviceAddress alice = make_device("alice");
  ASSERT_TRUE(media().create_upload(media_id(1), alice.account, 100, at(0), at(500)).ok());
  EXPECT_EQ(media().append(media_id(1), 10, pattern(10, 1)).error(), StorageError::kConflict);
  ASSERT_EQ(*media().append(media_id(1), 0, pattern(40, 1)), 40u);
  EXPECT_EQ(media().append(media_id(1), 50, pattern(10, 1)).error(), StorageError::kConflict);  // gap
  EXPECT_EQ(media().append(media_id(1), 20, pattern(10, 1)).error(), StorageError::kConflict);  // overlap
  EXPECT_EQ(*media().committed_offset(media_id(1)), 40u);
}

TEST_P(MediaStoreConformance, ResendOfTheLastChunkIsIdempotent) {
  DeviceAddress alice = make_device("alice");
  const Bytes content = pattern(30, 9);
  ASSERT_TRUE(media().create_upload(media_id(1), alice.account, 30, at(0), at(500)).ok());
  ASSERT_EQ(*media().append(media_id(1), 0, slice(content, 0, 10)), 10u);
  ASSERT_EQ(*media().append(media_id(1), 10, slice(content, 10, 10)), 20u);
  // Its acknowledgement was lost: the same chunk again is accepted and changes nothing.
  EXPECT_EQ(*media().append(media_id(1), 10, slice(content, 10, 10)), 20u);
  // Different bytes at that offset, or an older chunk, are errors.
  EXPECT_EQ(media().append(media_id(1), 10, pattern(10, 1)).error(), StorageError::kConflict);
  EXPECT_EQ(media().append(media_id(1), 0, slice(content, 0, 10)).error(), StorageError::kConflict);
  ASSERT_EQ(*media().append(media_id(1), 20, slice(content, 20, 10)), 30u);
  ASSERT_TRUE(media().finish(media_id(1), crypto::sha256(content)).ok());
  EXPECT_EQ(*media().append(media_id(1), 20, slice(content, 20, 10)), 30u);
  EXPECT_EQ(*media().read(media_id(1), 0, 30), content);
}

TEST_P(MediaStoreConformance, ResumesFromTheCommittedOffset) {
  DeviceAddress alice = make_device("alice");
  const Bytes content = pattern(700, 5);
  ASSERT_TRUE(media().create_upload(media_id(1), alice.account, content.size(), at(0), at(500)).ok());
  ASSERT_TRUE(media().append(media_id(1), 0, slice(content, 0, 256)).ok());
  ASSERT_TRUE(media().append(media_id(1), 256, slice(content, 256, 100)).ok());
  // The connection drops; the client asks where to continue and sends the rest.
  auto resume_at = media().committed_offset(media_id(1));
  ASSERT_TRUE(resume_at.ok());
  ASSERT_EQ(*resume_at, 356u);
  auto offset = static_cast<std::size_t>(*resume_at);
  ASSERT_EQ(*media().append(media_id(1), *resume_at, slice(content, offset, content.size() - offset)), 700u);
  ASSERT_TRUE(media().finish(media_id(1), crypto::sha256(content)).ok());
  EXPECT_EQ(*media().read(media_id(1), 0, 700), content);
}

TEST_P(MediaStoreConformance, DigestMismatchDeletesTheUploadAndReleasesQuota) {
  DeviceAddress alice = make_device("alice");
  const Bytes content = pattern(64, 1);
  ASSERT_TRUE(media().create_upload(media_id(1), alice.account, 64, at(0), at(500)).ok());
  ASSERT_TRUE(media().append(media_id(1), 0, content).ok());
  Sha256Digest wrong = crypto::sha256(content);
  wrong[0] ^= 1;
  EXPECT_EQ(media().finish(media_id(1), wrong).error(), StorageError::kDigestMismatch);
  EXPECT_EQ(media().upload(media_id(1)).error(), StorageError::kNotFound);
  EXPECT_EQ(*media().quota_used(alice.account), 0u);
}

TEST_P(MediaStoreConformance, FinishRequiresAllBytesAndIsIdempotent) {
  DeviceAddress alice = make_device("alice");
  const Bytes content = pattern(64, 1);
  ASSERT_TRUE(media().create_upload(media_id(1), alice.account, 64, at(0), at(500)).ok());
  ASSERT_TRUE(media().append(media_id(1), 0, slice(content, 0, 32)).ok());
  EXPECT_EQ(media().finish(media_id(1), crypto::sha256(content)).error(), StorageError::kConflict);
  EXPECT_EQ(media().read(media_id(1), 0, 10).error(), StorageError::kConflict);  // not readable yet
  ASSERT_TRUE(media().append(media_id(1), 32, slice(content, 32, 32)).ok());
  ASSERT_TRUE(media().finish(media_id(1), crypto::sha256(content)).ok());
  EXPECT_TRUE(media().finish(media_id(1), crypto::sha256(content)).ok());
  EXPECT_EQ(media().finish(media_id(1), crypto::sha256(pattern(64, 2))).error(), StorageError::kConflict);
  EXPECT_EQ(media().append(media_id(1), 64, pattern(1, 1)).error(), StorageError::kConflict);
  EXPECT_EQ(*media().read(media_id(1), 0, 64), content);
}

TEST_P(MediaStoreConformance, SizeLimitsAreNamedErrors) {
  reopen_empty(Options{.max_upload_size = 1000, .max_media_chunk_size = 100});
  DeviceAddress alice = make_device("alice");
  EXPECT_EQ(media().create_upload(media_id(1), alice.account, 0, at(0), at(500)).error(),
            StorageError::kInvalidArgument);
  EXPECT_EQ(media().create_upload(media_id(1), alice.account, 1001, at(0), at(500)).error(), StorageError::kTooLarge);
  ASSERT_TRUE(media().create_upload(media_id(1), alice.account, 150, at(0), at(500)).ok());
  EXPECT_EQ(media().append(media_id(1), 0, pattern(101, 1)).error(), StorageError::kTooLarge);
  EXPECT_EQ(media().append(media_id(1), 0, Bytes()).error(), StorageError::kInvalidArgument);
  ASSERT_EQ(*media().append(media_id(1), 0, pattern(100, 1)), 100u);
  EXPECT_EQ(media().append(media_id(1), 100, pattern(51, 1)).error(), StorageError::kTooLarge);  // past declared
  EXPECT_EQ(*media().committed_offset(media_id(1)), 100u);
  ASSERT_EQ(*media().append(media_id(1), 100, pattern(50, 2)), 150u);
  ASSERT_TRUE(media().finish(media_id(1), crypto::sha256(concat(pattern(100, 1), pattern(50, 2)))).ok());
  EXPECT_EQ(media().read(media_id(1), 0, 101).error(), StorageError::kTooLarge);
}

TEST_P(MediaStoreConformance, QuotaCountsDeclaredSizesPerAccount) {
  reopen_empty(Options{.media_quota_per_account = 100});
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  ASSERT_TRUE(media().create_upload(media_id(1), alice.account, 60, at(0), at(100)).ok());
  EXPECT_EQ(media().create_upload(media_id(2), alice.account, 41, at(0), at(500)).error(),
            StorageError::kQuotaExceeded);
  ASSERT_TRUE(media().create_upload(media_id(2), alice.account, 40, at(0), at(500)).ok());
  EXPECT_EQ(*media().quota_used(alice.account), 100u);
  ASSERT_TRUE(media().create_upload(media_id(3), bob.account, 100, at(0), at(500)).ok());
  // Expiry releases quota.
  ASSERT_EQ(media().expire(at(100), 10)->size(), 1u);
  EXPECT_EQ(*media().quota_used(alice.account), 40u);
  EXPECT_TRUE(media().create_upload(media_id(4), alice.account, 60, at(0), at(500)).ok());
}

TEST_P(MediaStoreConformance, CreateRejectsUnknownOwnerAndDuplicateId) {
  DeviceAddress alice = make_device("alice");
  EXPECT_EQ(media().create_upload(media_id(1), alice.account + 1000, 10, at(0), at(500)).error(),
            StorageError::kNotFound);
  ASSERT_TRUE(media().create_upload(media_id(1), alice.account, 10, at(0), at(500)).ok());
  EXPECT_EQ(media().create_upload(media_id(1), alice.account, 10, at(0), at(500)).error(), StorageError::kConflict);
}

TEST_P(MediaStoreConformance, UnknownIdIsNotFound) {
  DeviceAddress alice = make_device("alice");
  ASSERT_TRUE(media().create_upload(media_id(1), alice.account, 10, at(0), at(500)).ok());
  const MediaId unknown = media_id(2);
  EXPECT_EQ(media().append(unknown, 0, pattern(1, 1)).error(), StorageError::kNotFound);
  EXPECT_EQ(media().committed_offset(unknown).error(), StorageError::kNotFound);
  EXPECT_EQ(media().finish(unknown, Sha256Digest{}).error(), StorageError::kNotFound);
  EXPECT_EQ(media().upload(unknown).error(), StorageError::kNotFound);
  EXPECT_EQ(media().read(unknown, 0, 1).error(), StorageError::kNotFound);
}

TEST_P(MediaStoreConformance, ExpiryDeletesFinishedAndUnfinishedUploads) {
  DeviceAddress alice = make_device("alice");
  const Bytes content = pattern(10, 1);
  for (std::uint8_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE(media().create_upload(media_id(i), alice.account, 10, at(0), at(100 * i)).ok());
  }
  upload_all(media(), media_id(1), content, 4);
  ASSERT_TRUE(media().append(media_id(2), 0, slice(content, 0, 5)).ok());

  EXPECT_TRUE(media().expire(at(99), 10)->empty());
  auto expired = media().expire(at(200), 1);
  ASSERT_EQ(expired->size(), 1u);
  EXPECT_EQ((*expired)[0].owner, alice.account);
  expired = media().expire(at(200), 10);
  ASSERT_EQ(expired->size(), 1u);
  for (std::uint8_t i = 1; i <= 2; ++i) {
    EXPECT_EQ(media().read(media_id(i), 0, 1).error(), StorageError::kNotFound);
    EXPECT_EQ(media().committed_offset(media_id(i)).error(), StorageError::kNotFound);
  }
  EXPECT_TRUE(media().upload(media_id(3)).ok());
  EXPECT_EQ(*media().quota_used(alice.account), 10u);
}

}  // namespace
}  // namespace hush::storage::test
