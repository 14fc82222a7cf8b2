#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"

#include <gtest/gtest.h>

namespace hush {
namespace {

TEST(Hex, RoundTripsAllByteValues) {
  Bytes all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<std::uint8_t>(i));
  auto decoded = from_hex(to_hex(all));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, all);
  EXPECT_EQ(to_hex(to_bytes("\x01\xab")), "01ab");
}

TEST(Hex, RejectsOddLengthAndNonHex) {
  EXPECT_FALSE(from_hex("abc").has_value());
  EXPECT_FALSE(from_hex("zz").has_value());
  EXPECT_EQ(from_hex("ABcd"), (Bytes{0xab, 0xcd}));
}

TEST(Concat, JoinsViewsInOrder) {
  Bytes a{1, 2};
  Bytes b{3};
  EXPECT_EQ(concat(a, b, a), (Bytes{1, 2, 3, 1, 2}));
}

enum class TestError { kBad };

Result<int, TestError> half(int x) {
  if (x % 2) return fail(TestError::kBad);
  return x / 2;
}

Result<void, TestError> halve_twice(int x) {
  HUSH_TRY(half(x));
  HUSH_TRY(half(x / 2));
  return {};
}

TEST(Result, CarriesValueOrError) {
  EXPECT_EQ(*half(4), 2);
  EXPECT_FALSE(half(3).ok());
  EXPECT_EQ(half(3).error(), TestError::kBad);
  EXPECT_TRUE(halve_twice(8).ok());
  EXPECT_FALSE(halve_twice(6).ok());
}

}  // namespace
}  // namespace hush
