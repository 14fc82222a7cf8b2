// ReconnectBackoff: how long to wait before the next attempt to reach the server after a failure
// (`hush receive --follow`, the daemon, a bot). Exponential with "decorrelated jitter": each delay
// is drawn uniformly between the first delay and three times the previous one, capped, so that
// clients cut off together (a server restart, a censor's reset) do not come back in step. Owns
// the delays only; sleeping and connecting are the caller's.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace hush::client {

// The first delay, and the floor of every delay: long enough not to hammer a server that is
// restarting.
inline constexpr std::chrono::milliseconds kFirstReconnectDelay{1000};
// The cap: messages flow again within half a minute of the server coming back.
inline constexpr std::chrono::milliseconds kMaxReconnectDelay{30000};
// How far each delay may grow from the previous one (the upper end of the draw).
inline constexpr int kReconnectGrowth = 3;

struct BackoffOptions {
  // The floor, and the delay after reset(). Default kFirstReconnectDelay (1 s). At least 1 ms.
  std::chrono::milliseconds first = kFirstReconnectDelay;
  // The cap. Default kMaxReconnectDelay (30 s). At least `first` (raised to it otherwise).
  std::chrono::milliseconds max = kMaxReconnectDelay;
};

class ReconnectBackoff {
 public:
  // `seed` drives the jitter. It is not a secret (the delays are visible on the network anyway),
  // but different processes must pass different seeds, e.g. from the system's random generator.
  explicit ReconnectBackoff(std::uint64_t seed, BackoffOptions options = {});

  // The delay before the next attempt: uniform in [first, min(max, kReconnectGrowth * previous)],
  // where `previous` is the last delay returned (`first` after construction or reset()). Always in
  // [first, max].
  std::chrono::milliseconds next();
  // After a successful connection: the next delay is drawn as the first one again.
  void reset() { previous_ = options_.first; }

 private:
  BackoffOptions options_;
  std::mt19937_64 engine_;
  std::chrono::milliseconds previous_;
};

}  // namespace hush::client
