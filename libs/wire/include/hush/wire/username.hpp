// Account names as they travel in requests, contact links and group states: 3 to 32 of
// a-z 0-9 _ . (hushd refuses any other at registration, so no account has one).
#pragma once

#include <cstddef>
#include <string_view>

namespace hush::wire {

inline constexpr std::size_t kMinUsernameSize = 3;
inline constexpr std::size_t kMaxUsernameSize = 32;

bool valid_username(std::string_view username);

}  // namespace hush::wire
