// The JSON form of messages and contacts, shared by `receive --json`, `history --json`,
// `contacts --json` and the daemon (docs/cli.md lists every field). Owns the field names and the
// one way JSON is written out; not what the messages mean (libs/client/messenger).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "hush/client/endpoints/endpoint_list.hpp"
#include "hush/client/groups/group_state.hpp"
#include "hush/client/messenger/message.hpp"

namespace hush::cli {

// One message or event. `own_username` fills `from` of outgoing messages and `to` of incoming ones.
// A message in a group's conversation also has "group" ({"id", "name"}: `group_name`, null when
// the group is not known here) and "author"; its `from` is the author and its `to` the group id.
nlohmann::json message_to_json(const client::Message& message, std::string_view own_username,
                               std::string_view group_name = {});

// A group: {"id", "name", "revision", "members", "admins", "expire_timer", "member" (whether
// `own_username` is in it)}.
nlohmann::json group_to_json(const client::GroupState& group, std::string_view own_username);

nlohmann::json contact_to_json(const client::Contact& contact);

// Endpoint number `number` of the list: {"index", "url", "via" (the password masked), "sni",
// "host"}, absent settings as null.
nlohmann::json endpoint_to_json(const client::Endpoint& endpoint, std::size_t number);

// `value` as one line of JSON without the newline. Text from the network may be invalid UTF-8:
// such bytes are replaced by U+FFFD instead of throwing.
std::string to_json_line(const nlohmann::json& value);

}  // namespace hush::cli
