// SecretArray / SecretBytes and constant_time_equal: equality semantics, assignment and resizing.
#include "hush/crypto/secret.hpp"

#include <gtest/gtest.h>

#include "hush/base/bytes.hpp"

namespace hush::crypto {
namespace {

TEST(ConstantTimeEqual, ComparesLengthThenContents) {
  const Bytes a{1, 2, 3, 4};
  const Bytes same{1, 2, 3, 4};
  const Bytes last_differs{1, 2, 3, 5};
  const Bytes first_differs{0, 2, 3, 4};
  const Bytes prefix{1, 2, 3};
  EXPECT_TRUE(constant_time_equal(a, same));
  EXPECT_FALSE(constant_time_equal(a, last_differs));
  EXPECT_FALSE(constant_time_equal(a, first_differs));
  EXPECT_FALSE(constant_time_equal(a, prefix));
  EXPECT_FALSE(constant_time_equal(prefix, a));
  EXPECT_TRUE(constant_time_equal(ByteView(), ByteView()));
  EXPECT_FALSE(constant_time_equal(ByteView(), prefix));
}

TEST(SecureWipe, ZeroesTheRange) {
  Bytes data{9, 9, 9, 9};
  secure_wipe(data.data() + 1, 2);
  EXPECT_EQ(data, (Bytes{9, 0, 0, 9}));
  secure_wipe(nullptr, 0);  // allowed: nothing to wipe
}

TEST(SecretArray, StartsZeroedAndAssignsOnlyExactSizes) {
  SecretArray<4> secret;
  EXPECT_EQ(to_hex(secret.view()), "00000000");
  EXPECT_FALSE(secret.assign(Bytes{1, 2, 3}));
  EXPECT_EQ(to_hex(secret.view()), "00000000");
  EXPECT_TRUE(secret.assign(Bytes{1, 2, 3, 4}));
  EXPECT_EQ(to_hex(secret.view()), "01020304");

  const SecretArray<4> from_view(Bytes{1, 2, 3, 4});
  EXPECT_TRUE(secret == from_view);
  SecretArray<4> copy = from_view;
  copy.data()[3] = 5;
  EXPECT_FALSE(copy == from_view);
  copy = from_view;
  EXPECT_TRUE(copy == from_view);
}

TEST(SecretBytes, EqualityNeedsSameLengthAndContents) {
  EXPECT_TRUE(SecretBytes(Bytes{1, 2}) == SecretBytes(Bytes{1, 2}));
  EXPECT_FALSE(SecretBytes(Bytes{1, 2}) == SecretBytes(Bytes{1, 3}));
  EXPECT_FALSE(SecretBytes(Bytes{1, 2}) == SecretBytes(Bytes{1, 2, 0}));
  EXPECT_TRUE(SecretBytes() == SecretBytes(std::size_t{0}));
  EXPECT_EQ(SecretBytes(std::size_t{3}).size(), 3u);
  EXPECT_EQ(to_hex(SecretBytes(std::size_t{3}).view()), "000000");
}

TEST(SecretBytes, ShrinkKeepsPrefixAndGrowZeroFills) {
  SecretBytes secret(Bytes{1, 2, 3, 4, 5});
  secret.resize(2);
  EXPECT_EQ(to_hex(secret.view()), "0102");
  // Growing back within the old capacity must show zeros, not the bytes cut off before.
  secret.resize(5);
  EXPECT_EQ(to_hex(secret.view()), "0102000000");
  // Growing past the capacity reallocates and keeps the contents.
  secret.resize(1000);
  ASSERT_EQ(secret.size(), 1000u);
  EXPECT_EQ(secret.data()[0], 1);
  EXPECT_EQ(secret.data()[1], 2);
  for (std::size_t i = 2; i < secret.size(); ++i) ASSERT_EQ(secret.data()[i], 0) << i;
  secret.resize(0);
  EXPECT_TRUE(secret.empty());
}

TEST(SecretBytes, CopyAndMoveKeepContents) {
  SecretBytes original(Bytes{7, 8, 9});
  SecretBytes copy = original;
  EXPECT_TRUE(copy == original);
  SecretBytes moved = std::move(copy);
  EXPECT_TRUE(moved == original);
  SecretBytes assigned(Bytes{1});
  assigned = original;
  EXPECT_TRUE(assigned == original);
  assigned = SecretBytes(Bytes{4, 5});
  EXPECT_EQ(to_hex(assigned.view()), "0405");
}

}  // namespace
}  // namespace hush::crypto
