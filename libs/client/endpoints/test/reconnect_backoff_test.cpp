// ReconnectBackoff: every delay within [first, max] and within kReconnectGrowth times the previous
// one; the delays grow to the cap; reset() starts again; the jitter spreads (different seeds give
// different delays, and one seed repeats itself).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "hush/client/endpoints/reconnect_backoff.hpp"

namespace hush::client {
namespace {

using std::chrono::milliseconds;

TEST(ReconnectBackoffTest, DefaultsAreOneAndThirtySeconds) {
  EXPECT_EQ(kFirstReconnectDelay, milliseconds(1000));
  EXPECT_EQ(kMaxReconnectDelay, milliseconds(30000));
  EXPECT_EQ(BackoffOptions{}.first, kFirstReconnectDelay);
  EXPECT_EQ(BackoffOptions{}.max, kMaxReconnectDelay);
}

TEST(ReconnectBackoffTest, StaysWithinBoundsAndGrowthFactor) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    ReconnectBackoff backoff(seed);
    milliseconds previous = kFirstReconnectDelay;
    for (int attempt = 0; attempt < 40; ++attempt) {
      const milliseconds delay = backoff.next();
      ASSERT_GE(delay, kFirstReconnectDelay) << seed;
      ASSERT_LE(delay, kMaxReconnectDelay) << seed;
      ASSERT_LE(delay, previous * kReconnectGrowth) << seed;
      previous = delay;
    }
  }
  // The first delay of a fresh backoff is at most growth times the first.
  ReconnectBackoff fresh(7);
  EXPECT_LE(fresh.next(), kFirstReconnectDelay * kReconnectGrowth);
}

TEST(ReconnectBackoffTest, GrowsToTheCap) {
  // Averaged over many seeds, the n-th delay grows with n and settles at about 11.5 s (a draw from
  // [1 s, 30 s] once the previous delay passed 10 s; lower after a short one).
  constexpr int kSeeds = 500;
  constexpr int kAttempts = 12;
  std::vector<double> mean(kAttempts, 0);
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    ReconnectBackoff backoff(seed);
    for (int i = 0; i < kAttempts; ++i) mean[i] += static_cast<double>(backoff.next().count()) / kSeeds;
  }
  EXPECT_LT(mean[0], 2100);  // uniform in [1 s, 3 s]: about 2 s
  EXPECT_GT(mean[0], 1900);
  for (int i = 1; i < 5; ++i) EXPECT_GT(mean[i], mean[i - 1]) << i;
  EXPECT_GT(mean[kAttempts - 1], 0.3 * static_cast<double>(kMaxReconnectDelay.count()));
  // And every seed reaches the upper half of the range within 40 attempts.
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    ReconnectBackoff backoff(seed);
    milliseconds largest{0};
    for (int i = 0; i < 40; ++i) largest = std::max(largest, backoff.next());
    EXPECT_GE(largest, kMaxReconnectDelay / 2) << seed;
  }
}

TEST(ReconnectBackoffTest, ResetStartsAgain) {
  ReconnectBackoff backoff(42);
  for (int i = 0; i < 30; ++i) (void)backoff.next();
  backoff.reset();
  EXPECT_LE(backoff.next(), kFirstReconnectDelay * kReconnectGrowth);
}

TEST(ReconnectBackoffTest, JitterSpreadsClientsApart) {
  // 100 clients failing together do not retry together: their first delays spread over [1 s, 3 s].
  std::set<milliseconds::rep> first_delays;
  milliseconds lowest = kMaxReconnectDelay, highest{0};
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    const milliseconds delay = ReconnectBackoff(seed).next();
    first_delays.insert(delay.count());
    lowest = std::min(lowest, delay);
    highest = std::max(highest, delay);
  }
  EXPECT_GT(first_delays.size(), 90u);
  EXPECT_LT(lowest, milliseconds(1300));
  EXPECT_GT(highest, milliseconds(2700));
  // The same seed gives the same delays (reproducible tests).
  ReconnectBackoff a(5), b(5);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST(ReconnectBackoffTest, OptionsAreKeptSane) {
  ReconnectBackoff zero(1, BackoffOptions{milliseconds(0), milliseconds(0)});
  EXPECT_EQ(zero.next(), milliseconds(1));  // first raised to 1 ms, max to first
  ReconnectBackoff fixed(1, BackoffOptions{milliseconds(500), milliseconds(100)});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(fixed.next(), milliseconds(500));
  ReconnectBackoff huge(1, BackoffOptions{milliseconds(1), milliseconds::max()});
  for (int i = 0; i < 100; ++i) EXPECT_GE(huge.next(), milliseconds(1));  // no overflow
}

}  // namespace
}  // namespace hush::client
