// The Beast-free rules: usernames, the signed login message, envelope packing, the rate limiter.
#include "rules.hpp"

#include <gtest/gtest.h>

namespace hush::server {
namespace {

TEST(Rules, UsernamesAreLowerCaseDigitsUnderscoreDotThreeToThirtyTwo) {
  EXPECT_TRUE(valid_username("alice"));
  EXPECT_TRUE(valid_username("a.b_9"));
  EXPECT_TRUE(valid_username(std::string(32, 'x')));
  EXPECT_FALSE(valid_username("ab"));
  EXPECT_FALSE(valid_username(std::string(33, 'x')));
  EXPECT_FALSE(valid_username("Alice"));
  EXPECT_FALSE(valid_username("al ice"));
  EXPECT_FALSE(valid_username("al\0ice"));
  EXPECT_FALSE(valid_username(std::string("ali\0e", 5)));
}

TEST(Rules, AuthMessageIsContextThenNonce) {
  const Bytes nonce(32, 7);
  const Bytes message = auth_message(nonce);
  ASSERT_EQ(message.size(), kAuthContext.size() + 32);
  EXPECT_EQ(to_string(ByteView(message).first(kAuthContext.size())), kAuthContext);
}

TEST(Rules, EnvelopeTypeIsAnyNonZeroByte) {
  EXPECT_EQ(envelope_type(2), storage::EnvelopeType::kSignalMessage);
  EXPECT_EQ(envelope_type(3), storage::EnvelopeType::kPreKeySignalMessage);
  EXPECT_EQ(envelope_type(255), static_cast<storage::EnvelopeType>(255));
  EXPECT_FALSE(envelope_type(0).has_value());  // kUnknown: no type
  EXPECT_FALSE(envelope_type(256).has_value());
}

TEST(Rules, RateLimiterAllowsBurstThenRefusesWithRetryAfter) {
  RateLimiter limiter(10, 3);
  const auto start = RateLimiter::Clock::now();
  std::chrono::milliseconds retry{0};
  EXPECT_TRUE(limiter.take(start, retry));
  EXPECT_TRUE(limiter.take(start, retry));
  EXPECT_TRUE(limiter.take(start, retry));
  EXPECT_FALSE(limiter.take(start, retry));
  EXPECT_GT(retry.count(), 0);
  EXPECT_LE(retry.count(), 100);
  EXPECT_TRUE(limiter.take(start + std::chrono::milliseconds(100), retry));
}

}  // namespace
}  // namespace hush::server
