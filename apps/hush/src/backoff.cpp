// Reconnection delays (backoff.hpp).
#include "backoff.hpp"

#include <algorithm>

namespace hush::cli {

std::chrono::milliseconds Backoff::next() {
  const auto delay = delay_;
  delay_ = std::min(delay_ * 2, kMaxReconnectDelay);
  return delay;
}

}  // namespace hush::cli
