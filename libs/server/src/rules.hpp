// The small, Beast-free rules of the API that tests can check alone: usernames, the login
// challenge's signed message, the envelope's stored form, and the per-connection rate limiter.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "hush/base/bytes.hpp"

namespace hush::server {

// Domain separation of the login signature: the auth key signs "hush-auth-v1" ‖ nonce.
inline constexpr std::string_view kAuthContext = "hush-auth-v1";
inline constexpr std::size_t kChallengeNonceSize = 32;

// [a-z0-9_.]{3,32}: lower case only, so two names cannot differ by case alone.
bool valid_username(std::string_view username);

// The bytes a device's auth key signs to log in.
Bytes auth_message(ByteView nonce);

// Storage keeps an envelope's ciphertext opaque and has no field for the Signal message type, so
// the server stores type ‖ content (one byte). Types are 0..255 (Signal uses 1..3 and 6).
Bytes pack_envelope(std::uint8_t type, ByteView content);
struct UnpackedEnvelope {
  std::uint8_t type = 0;
  ByteView content;
};
std::optional<UnpackedEnvelope> unpack_envelope(ByteView stored);

// Token bucket: `rate` tokens per second, holding at most `burst`. Not thread-safe (one per
// connection, used on its strand).
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(double rate_per_second, double burst);
  // True when a token was taken; otherwise `retry_after` is how long until one is available.
  bool take(Clock::time_point now, std::chrono::milliseconds& retry_after);

 private:
  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace hush::server
