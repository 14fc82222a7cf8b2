// Size buckets (Signal's rule) from an exact table built at compile time: floor(1.05^k) is
// floor(105^k / 10^(2k)), the decimal digits of 105^k above the 2k-th. Integer arithmetic only, so
// the buckets are the same on every platform and compiler (a floating-point pow could differ in
// the last bit on another libm, and the receiver checks the blob's size against the bucket).
// The table agrees with Signal's floating-point formula on every size up to kMaxAttachmentSize
// (checked at the bucket edges by padding_test).
#include <algorithm>
#include <array>
#include <cstdint>

#include "hush/client/attachment/attachment_cipher.hpp"

namespace hush::client {
namespace {

// 1.05^441 > 2^31 = kMaxAttachmentSize; k = 0 .. kLastExponent.
constexpr std::size_t kLastExponent = 441;
constexpr std::size_t kBucketCount = kLastExponent + 1;
// 105^k in base 10^8 (little-endian): 105^441 has 892 decimal digits, 112 limbs. Wide limbs keep
// the compile-time work within clang's constexpr step limit.
constexpr std::uint64_t kLimbBase = 100'000'000;
constexpr std::size_t kLimbDigits = 8;
constexpr std::size_t kLimbs = 120;

constexpr std::uint64_t power_of_ten(std::size_t exponent) {
  std::uint64_t value = 1;
  for (std::size_t i = 0; i < exponent; ++i) value *= 10;
  return value;
}

constexpr std::array<std::uint64_t, kBucketCount> make_buckets() {
  std::array<std::uint64_t, kBucketCount> buckets{};
  std::array<std::uint64_t, kLimbs> limbs{};
  limbs[0] = 1;
  std::size_t used = 1;
  for (std::size_t k = 0; k < kBucketCount; ++k) {
    if (k > 0) {  // limbs *= 105
      std::uint64_t carry = 0;
      for (std::size_t i = 0; i < used; ++i) {
        const std::uint64_t value = limbs[i] * 105 + carry;
        limbs[i] = value % kLimbBase;
        carry = value / kLimbBase;
      }
      if (carry != 0) limbs[used++] = carry;
    }
    // floor(105^k / 10^(2k)): the limbs above limb `whole`, then the top of that limb.
    const std::size_t whole = 2 * k / kLimbDigits;
    const std::size_t cut = 2 * k % kLimbDigits;
    std::uint64_t above = 0;
    for (std::size_t i = used; i > whole + 1; --i) above = above * kLimbBase + limbs[i - 1];
    buckets[k] = above * power_of_ten(kLimbDigits - cut) + limbs[whole] / power_of_ten(cut);
  }
  return buckets;
}

constexpr std::array<std::uint64_t, kBucketCount> kBuckets = make_buckets();

static_assert(kBuckets[0] == 1 && kBuckets[1] == 1 && kBuckets[14] == 1 && kBuckets[15] == 2);
static_assert(kBuckets[129] == kMinPaddedSize, "the smallest bucket is itself floor(1.05^129)");
static_assert(kBuckets[kLastExponent - 1] < kMaxAttachmentSize && kBuckets[kLastExponent] >= kMaxAttachmentSize);

}  // namespace

std::uint64_t padded_size(std::uint64_t plaintext_size) {
  if (plaintext_size > kMaxAttachmentSize) return kNoBucket;
  const std::uint64_t wanted = std::max(plaintext_size, kMinPaddedSize);
  return *std::lower_bound(kBuckets.begin(), kBuckets.end(), wanted);
}

std::uint64_t blob_size(std::uint64_t plaintext_size) {
  const std::uint64_t padded = padded_size(plaintext_size);
  if (padded == kNoBucket) return kNoBucket;
  // PKCS#7 always adds 1 to 16 bytes, up to the next multiple of 16.
  const std::uint64_t ciphertext = (padded / 16 + 1) * 16;
  return kAttachmentIvSize + ciphertext + kAttachmentMacSize;
}

}  // namespace hush::client
