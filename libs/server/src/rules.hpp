// The small, Beast-free rules of the API that tests can check alone: usernames, the login
// challenge's signed message, envelope types, and the per-connection rate limiter.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>

#include "hush/base/bytes.hpp"
#include "hush/storage/message_queue.hpp"

namespace hush::server {

// Domain separation of the login signature: the auth key signs "hush-auth-v1" ‖ nonce.
inline constexpr std::string_view kAuthContext = "hush-auth-v1";
inline constexpr std::size_t kChallengeNonceSize = 32;

// [a-z0-9_.]{3,32}: lower case only, so two names cannot differ by case alone.
bool valid_username(std::string_view username);

// The bytes a device's auth key signs to log in.
Bytes auth_message(ByteView nonce);

// The stored type of an envelope its sender declared as `type` (api.proto OutgoingEnvelope.type):
// any value 1..255, kept as given (Signal uses 2 and 3 today). nullopt for 0 (no type) and for
// anything wider than a byte.
std::optional<storage::EnvelopeType> envelope_type(std::uint32_t type);

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

// One token bucket per key (a remote address, an account), created full on first use.
// Thread-safe. Memory is bounded: beyond `kMaxTrackedKeys` every bucket is forgotten at once,
// which only ever lets a key make more requests.
template <typename Key>
class KeyedRateLimiter {
 public:
  KeyedRateLimiter(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst) {}

  // True when a token of `key`'s bucket was taken; otherwise `retry_after` is how long to wait.
  bool take(const Key& key, std::chrono::milliseconds& retry_after) {
    constexpr std::size_t kMaxTrackedKeys = 100000;
    std::lock_guard lock(mutex_);
    if (buckets_.size() >= kMaxTrackedKeys) buckets_.clear();
    auto it = buckets_.try_emplace(key, rate_, burst_).first;
    return it->second.take(RateLimiter::Clock::now(), retry_after);
  }

 private:
  const double rate_;
  const double burst_;
  std::mutex mutex_;
  std::map<Key, RateLimiter> buckets_;
};

}  // namespace hush::server
