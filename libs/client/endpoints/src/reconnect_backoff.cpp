// ReconnectBackoff (reconnect_backoff.hpp): decorrelated jitter, capped.
#include "hush/client/endpoints/reconnect_backoff.hpp"

#include <algorithm>

namespace hush::client {

namespace {

constexpr std::chrono::milliseconds kSmallestDelay{1};

BackoffOptions sane(BackoffOptions options) {
  options.first = std::max(options.first, kSmallestDelay);
  options.max = std::max(options.max, options.first);
  return options;
}

}  // namespace

ReconnectBackoff::ReconnectBackoff(std::uint64_t seed, BackoffOptions options)
    : options_(sane(options)), engine_(seed), previous_(options_.first) {}

std::chrono::milliseconds ReconnectBackoff::next() {
  // Compared before multiplying, so that a huge `max` cannot overflow.
  const auto upper = previous_ > options_.max / kReconnectGrowth ? options_.max : previous_ * kReconnectGrowth;
  std::uniform_int_distribution<std::chrono::milliseconds::rep> draw(options_.first.count(), upper.count());
  previous_ = std::chrono::milliseconds{draw(engine_)};
  return previous_;
}

}  // namespace hush::client
