// "HOST:PORT" as a user types it, shared by parse_server_url and parse_proxy_url.
#pragma once

#include <optional>
#include <string_view>

#include "hush/client/transport/server_connection.hpp"

namespace hush::client {

// Parses "HOST:PORT" with an optional trailing "/": HOST is a name of letters, digits, '.' and '-'
// (an IPv4 address among them) or an IPv6 literal in brackets; PORT is 1 to 65535 in decimal.
// nullopt for anything else. The caller bounds the length.
std::optional<ServerAddress> parse_host_port(std::string_view text);

}  // namespace hush::client
