// The account-name rule (username.hpp).
#include "hush/wire/username.hpp"

#include <algorithm>

namespace hush::wire {

bool valid_username(std::string_view username) {
  if (username.size() < kMinUsernameSize || username.size() > kMaxUsernameSize) return false;
  return std::all_of(username.begin(), username.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'; });
}

}  // namespace hush::wire
