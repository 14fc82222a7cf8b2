// SystemRng and SeededRng: determinism of the seeded stream and unbiased uniform().
#include "hush/crypto/random.hpp"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>
#include <vector>

#include "hush/base/bytes.hpp"

namespace hush::crypto {
namespace {

Bytes draw(Rng& rng, std::size_t size) {
  Bytes out(size);
  rng.fill(out);
  return out;
}

TEST(SeededRng, SameSeedSameStreamDifferentSeedDifferentStream) {
  SeededRng a(42);
  SeededRng b(42);
  SeededRng c(43);
  const Bytes first = draw(a, 64);
  EXPECT_EQ(first, draw(b, 64));
  EXPECT_NE(first, draw(c, 64));
  // Successive fills continue the stream rather than repeating it.
  EXPECT_NE(first, draw(a, 64));
}

TEST(SeededRng, MatchesItsDocumentedConstruction) {
  // key = SHA-256(seed as 8 little-endian bytes); fill n is the ChaCha20 (IETF) keystream with
  // nonce = n (8 bytes little-endian, then 4 zero bytes). Expected values computed independently
  // with python3 hashlib + cryptography's ChaCha20. Tests replay runs from seeds, so the stream
  // must not change silently.
  SeededRng zero(0);
  EXPECT_EQ(to_hex(draw(zero, 16)), "138fbe4ad2db86a035f20c48d131e9e3");
  EXPECT_EQ(to_hex(draw(zero, 16)), "b90ec25f6aa7d63f78b60a2899fb2c8c");
  SeededRng other(0x0123456789abcdefULL);
  EXPECT_EQ(to_hex(draw(other, 16)), "657594333475dee225d0c81b354c1a6c");
  EXPECT_EQ(to_hex(draw(other, 16)), "f6d94e2df037c9ec8fe5651d3b4eda47");
}

TEST(SeededRng, EmptyFillDoesNothing) {
  SeededRng a(1);
  SeededRng b(1);
  a.fill(MutableByteView());
  EXPECT_EQ(draw(a, 8), draw(b, 8));
}

TEST(SystemRng, ProducesDifferentOutputs) {
  SystemRng rng;
  const Bytes a = draw(rng, 32);
  const Bytes b = draw(rng, 32);
  EXPECT_NE(a, b);
  EXPECT_NE(a, Bytes(32, 0));
}

TEST(Uniform, StaysInRange) {
  SeededRng rng(7);
  for (std::uint32_t bound : {1u, 2u, 3u, 7u, 16380u, 0x80000001u, 0xFFFFFFFFu}) {
    for (int i = 0; i < 200; ++i) ASSERT_LT(rng.uniform(bound), bound) << bound;
  }
  EXPECT_EQ(rng.uniform(1), 0u);
  EXPECT_THROW(rng.uniform(0), std::invalid_argument);
}

TEST(Uniform, IsRoughlyUniformForABoundThatDoesNotDivide2To32) {
  // For bound = 3 * 2^30 plain modulo would make 0..2^30-1 twice as likely as the rest: the
  // lower third would get half of the draws instead of a third.
  SeededRng rng(11);
  const std::uint32_t bound = 3u << 30;
  int lower_third = 0;
  const int draws = 30000;
  for (int i = 0; i < draws; ++i) {
    if (rng.uniform(bound) < (1u << 30)) ++lower_third;
  }
  EXPECT_NEAR(static_cast<double>(lower_third) / draws, 1.0 / 3.0, 0.02);

  std::array<int, 10> counts{};
  for (int i = 0; i < draws; ++i) ++counts[rng.uniform(10)];
  for (int count : counts) EXPECT_NEAR(count, draws / 10, 300);
}

}  // namespace
}  // namespace hush::crypto
