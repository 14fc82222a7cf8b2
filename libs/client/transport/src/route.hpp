// The way to hushd worked out from a server address and ConnectionOptions: which TCP address to
// connect to, what to ask a proxy for, which SNI, Host header and certificate name to use. All
// settings are checked here, before anything touches the network. Boost-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hush/base/result.hpp"
#include "hush/client/transport/server_connection.hpp"

namespace hush::client {

struct Route {
  // Where the TCP connection goes: the proxy when there is one, otherwise the server (or the
  // fronting connect address).
  std::string tcp_host;
  std::uint16_t tcp_port = 0;
  // The proxy, when there is one (never of kind kNone), and the address it is asked to reach.
  std::optional<ProxySettings> proxy;
  std::string target_host;
  std::uint16_t target_port = 0;
  // The TLS server name to send; nullopt sends none.
  std::optional<std::string> sni;
  // The WebSocket request's Host header.
  std::string host_header;
  // The name a CA-issued certificate must carry (unused with a pin).
  std::string verify_name;
};

// The route for `address` under `options`. kInvalidArgument when the address has no host or port
// 0, or its host, the proxy or a fronting setting is malformed (see circumvention.hpp).
Result<Route, TransportError> plan_route(const ServerAddress& address, const ConnectionOptions& options);

}  // namespace hush::client
