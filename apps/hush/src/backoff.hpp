// The wait between reconnection attempts of `receive --follow` and the daemon: 1 s, doubling up to
// 30 s, back to 1 s after a success. Long enough not to hammer a server that is restarting, short
// enough that messages flow again within half a minute of it coming back.
#pragma once

#include <chrono>

namespace hush::cli {

inline constexpr std::chrono::milliseconds kFirstReconnectDelay{1000};
inline constexpr std::chrono::milliseconds kMaxReconnectDelay{30000};

class Backoff {
 public:
  // The delay before the next attempt; each call doubles the following one, up to the maximum.
  std::chrono::milliseconds next();
  // After a successful connection.
  void reset() { delay_ = kFirstReconnectDelay; }

 private:
  std::chrono::milliseconds delay_ = kFirstReconnectDelay;
};

}  // namespace hush::cli
