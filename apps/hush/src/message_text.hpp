// The human form of messages and contacts: one line each, as `receive`, `history`, `trust` and
// `contacts` print them without --json. Owns only the wording (docs/cli.md shows examples).
#pragma once

#include <cstdint>
#include <string>

#include "hush/client/messenger/message.hpp"

namespace hush::cli {

// "[2024-05-01 12:34:56] alice: text"; files with their saved path, receipts "alice read <id>",
// identity changes as a warning naming the commands to run. No newline.
std::string message_to_text(const client::Message& message);

// "alice  verified" and the flags that are set. No newline.
std::string contact_to_text(const client::Contact& contact);

// "12.3 KiB": a byte count for people (binary units, one decimal).
std::string format_size(std::uint64_t bytes);

}  // namespace hush::cli
