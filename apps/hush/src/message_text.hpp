// The human form of messages and contacts: one line each, as `receive`, `history`, `trust` and
// `contacts` print them without --json. Owns only the wording (docs/cli.md shows examples).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "hush/client/groups/group_state.hpp"
#include "hush/client/messenger/message.hpp"

namespace hush::cli {

// "[2024-05-01 12:34:56] alice: text"; files with their saved path, receipts "alice read <id>",
// identity changes as a warning naming the commands to run. In a group's conversation the group
// is named after the time ("[...] [friends] bob: text"; its id when `group_name` is empty). No
// newline.
std::string message_to_text(const client::Message& message, std::string_view group_name = {});

// "friends  3 members  id 0123…", and " (you left)" when `own_username` is no member. No newline.
std::string group_to_text(const client::GroupState& group, std::string_view own_username);

// "alice  verified" and the flags that are set. No newline.
std::string contact_to_text(const client::Contact& contact);

// "12.3 KiB": a byte count for people (binary units, one decimal).
std::string format_size(std::uint64_t bytes);

}  // namespace hush::cli
