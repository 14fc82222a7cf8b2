// connect_through (failover.hpp): the endpoints in order, each attempt recorded.
#include "hush/client/endpoints/failover.hpp"

namespace hush::client {

Result<std::unique_ptr<ServerConnection>, TransportError> connect_through(
    const std::vector<Endpoint>& endpoints, const ServerAddress& server, const ServerTrust& trust,
    const ConnectionOptions& base, ConnectReport& report, const Dialer& dial, PluggableTransports* transports) {
  report = ConnectReport{};
  if (endpoints.empty()) return fail(TransportError::kInvalidArgument);
  TransportError last = TransportError::kInvalidArgument;
  for (std::size_t index = 0; index < endpoints.size(); ++index) {
    EndpointAttempt attempt{index + 1, endpoints[index], std::nullopt, {}};
    ConnectionOptions options = connection_options(endpoints[index], server, base);
    if (endpoints[index].obfs4) {
      // The bridge is reached through the local obfs4proxy's SOCKS5 port.
      auto proxy = transports != nullptr
                       ? transports->obfs4_proxy(*endpoints[index].obfs4)
                       : Result<ProxySettings, TransportError>(fail(TransportError::kTransportUnavailable));
      if (!proxy.ok()) {
        last = proxy.error();
        attempt.error = last;
        report.attempts.push_back(std::move(attempt));
        continue;
      }
      options.proxy = std::move(*proxy);
    }
    auto connection = dial ? dial(server, trust, options, &attempt.diagnostics)
                           : ServerConnection::connect(server, trust, options, &attempt.diagnostics);
    if (connection.ok()) {
      report.attempts.push_back(std::move(attempt));
      report.connected = index + 1;
      return std::move(*connection);
    }
    last = connection.error();
    attempt.error = last;
    report.attempts.push_back(std::move(attempt));
  }
  return fail(last);
}

}  // namespace hush::client
