// Size buckets: the pinned values, agreement with Signal's floating-point formula at every bucket
// edge, monotonicity, the 5% bound, and the limit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "hush/client/attachment/attachment_cipher.hpp"
#include "hush/crypto/random.hpp"

namespace hush::client {
namespace {

// Signal's rule as its clients write it, in doubles.
std::uint64_t signal_padded_size(std::uint64_t size) {
  const double exponent = std::ceil(std::log(static_cast<double>(size)) / std::log(1.05));
  return std::max<std::uint64_t>(541, static_cast<std::uint64_t>(std::floor(std::pow(1.05, exponent))));
}

TEST(PaddedSize, PinnedValues) {
  EXPECT_EQ(padded_size(0), 541u);  // an empty file is allowed and takes the smallest bucket
  EXPECT_EQ(padded_size(1), 541u);
  EXPECT_EQ(padded_size(540), 541u);
  EXPECT_EQ(padded_size(541), 541u);
  EXPECT_EQ(padded_size(542), 568u);
  EXPECT_EQ(padded_size(568), 568u);
  EXPECT_EQ(padded_size(569), 596u);
  EXPECT_EQ(padded_size(1'000'000), 1'041'743u);
  EXPECT_EQ(padded_size(kMaxAttachmentSize), 2'210'450'988u);
}

TEST(PaddedSize, AgreesWithSignalsFormulaAtEveryBucketEdge) {
  std::size_t buckets = 0;
  for (std::uint64_t size = 1; size <= kMaxAttachmentSize; size = padded_size(size) + 1) {
    const std::uint64_t bucket = padded_size(size);
    ++buckets;
    for (std::uint64_t probe : {size, size + 1, bucket - 1, bucket}) {
      if (probe < 1 || probe > kMaxAttachmentSize) continue;
      ASSERT_EQ(padded_size(probe), signal_padded_size(probe)) << probe;
    }
  }
  EXPECT_EQ(buckets, 313u);  // floor(1.05^k) for k = 129 .. 441
}

TEST(PaddedSize, MonotonicAtLeastTheSizeAndAtMostFivePercentMore) {
  crypto::SeededRng rng(541);
  std::vector<std::uint64_t> sizes;
  for (std::uint64_t size = 0; size < 70'000; ++size) sizes.push_back(size);
  for (int i = 0; i < 20'000; ++i) {
    std::uint64_t random = 0;
    rng.fill(MutableByteView(reinterpret_cast<std::uint8_t*>(&random), sizeof random));
    sizes.push_back(random % (kMaxAttachmentSize + 1));
  }
  std::sort(sizes.begin(), sizes.end());
  std::uint64_t previous = 0;
  for (std::uint64_t size : sizes) {
    const std::uint64_t padded = padded_size(size);
    ASSERT_GE(padded, size);
    ASSERT_GE(padded, kMinPaddedSize);
    ASSERT_GE(padded, previous) << size;
    if (size >= kMinPaddedSize) {
      ASSERT_LE(padded, size + size / 20 + 1) << size;
    }
    // A bucket is its own bucket (the last one, above the limit, has none: blobs of plaintexts
    // near the limit are up to 2,210,450,988 + 64 bytes).
    if (padded <= kMaxAttachmentSize) {
      ASSERT_EQ(padded_size(padded), padded) << size;
    }
    previous = padded;
  }
}

TEST(BlobSize, IsIvPaddedCiphertextAndMac) {
  EXPECT_EQ(blob_size(0), 16u + 544u + 32u);  // 541 -> PKCS#7 to 544
  EXPECT_EQ(blob_size(541), 592u);
  EXPECT_EQ(blob_size(542), 16u + 576u + 32u);  // 568 -> 576
  for (std::uint64_t size :
       {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{17}, std::uint64_t{1'000'000}, kMaxAttachmentSize}) {
    const std::uint64_t padded = padded_size(size);
    EXPECT_EQ(blob_size(size) % 16, 0u);
    EXPECT_GT(blob_size(size) - kAttachmentIvSize - kAttachmentMacSize, padded);
    EXPECT_LE(blob_size(size) - kAttachmentIvSize - kAttachmentMacSize, padded + 16);
  }
}

TEST(PaddedSize, NoBucketOverTheLimit) {
  EXPECT_EQ(padded_size(kMaxAttachmentSize + 1), kNoBucket);
  EXPECT_EQ(blob_size(kMaxAttachmentSize + 1), kNoBucket);
  EXPECT_EQ(padded_size(std::numeric_limits<std::uint64_t>::max()), kNoBucket);
  EXPECT_EQ(blob_size(std::numeric_limits<std::uint64_t>::max()), kNoBucket);
}

}  // namespace
}  // namespace hush::client
