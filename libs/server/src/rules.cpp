// Username rules, the login message, envelope types and the token bucket.
#include "rules.hpp"

#include "hush/wire/username.hpp"

#include <algorithm>
#include <cmath>

namespace hush::server {

bool valid_username(std::string_view username) {
  return wire::valid_username(username);
}

Bytes auth_message(ByteView nonce) {
  return concat(as_bytes(kAuthContext), nonce);
}

std::optional<storage::EnvelopeType> envelope_type(std::uint32_t type) {
  if (type == 0 || type > 255) return std::nullopt;
  return static_cast<storage::EnvelopeType>(type);
}

RateLimiter::RateLimiter(double rate_per_second, double burst)
    : rate_(rate_per_second), burst_(std::max(burst, 1.0)), tokens_(burst_), last_(Clock::now()) {}

bool RateLimiter::take(Clock::time_point now, std::chrono::milliseconds& retry_after) {
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + std::max(0.0, elapsed) * rate_);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  const double wait_s = rate_ > 0 ? (1.0 - tokens_) / rate_ : 1.0;
  retry_after = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(wait_s * 1000.0)));
  return false;
}

}  // namespace hush::server
