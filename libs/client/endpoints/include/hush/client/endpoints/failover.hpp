// Failover: connecting to the server through the first endpoint of a list that works, and the
// report of what each endpoint did (for a person, and for a probe of which ways are blocked). It
// owns the order of attempts; it does not own the list (endpoint_list.hpp), logging in
// (account/) or when to try again (reconnect_backoff.hpp).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/client/endpoints/endpoint_list.hpp"
#include "hush/client/endpoints/pluggable_transports.hpp"
#include "hush/client/transport/server_connection.hpp"

namespace hush::client {

// One endpoint tried.
struct EndpointAttempt {
  std::size_t number = 0;               // its place in the list, from 1
  Endpoint endpoint;                    // holds the proxy's password: print it with describe(), which masks it
  std::optional<TransportError> error;  // nullopt: this one connected
  ConnectDiagnostics diagnostics;       // filled in when it failed
};

// Every endpoint tried by one connection, in order; the last one connected unless all failed.
struct ConnectReport {
  std::vector<EndpointAttempt> attempts;
  // The number of the endpoint that connected; 0 when none did.
  std::size_t connected = 0;
};

// How one attempt connects: ServerConnection::connect, unless a test puts something else here.
using Dialer = std::function<Result<std::unique_ptr<ServerConnection>, TransportError>(
    const ServerAddress& server, const ServerTrust& trust, const ConnectionOptions& options,
    ConnectDiagnostics* diagnostics)>;

// Connects to `server`, trusted as `trust`, through each of `endpoints` in order
// (connection_options(endpoint, server, base)), until one connects; any TransportError moves on to
// the next (a refused certificate too: a censor's interception on one path says nothing about the
// others). Each attempt has base.connect_timeout. `report` is replaced by what happened. Errors:
// the last attempt's error when every endpoint failed; kInvalidArgument when `endpoints` is empty.
// An obfs4 endpoint goes through `transports` (its obfs4proxy client); without it, or when
// obfs4proxy cannot start, that attempt fails with kTransportUnavailable.
Result<std::unique_ptr<ServerConnection>, TransportError> connect_through(
    const std::vector<Endpoint>& endpoints, const ServerAddress& server, const ServerTrust& trust,
    const ConnectionOptions& base, ConnectReport& report, const Dialer& dial = {},
    PluggableTransports* transports = nullptr);

}  // namespace hush::client
