// plan_route: the checks and defaults of ProxySettings and FrontingSettings (circumvention.hpp) in
// one place, so that the connection code only follows the route it is given.
#include "route.hpp"

#include <algorithm>

#include "host_name.hpp"

namespace hush::client {

namespace {

// Longest Host header value accepted: a DNS name, brackets and a port.
constexpr std::size_t kMaxHostHeaderSize = host_name::kMaxDnsNameSize + 8;

// A Host header value: a name or an IP literal (IPv6 in brackets) and an optional ":PORT". Only
// the characters those are made of, so nothing can end the header early.
bool is_host_header(std::string_view text) {
  return !text.empty() && text.size() <= kMaxHostHeaderSize && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == ':' || c == '[' || c == ']';
  });
}

bool valid_credentials(const ProxySettings& proxy) {
  if (proxy.username.empty()) return proxy.password.empty();
  return proxy.username.size() <= kMaxProxyCredentialSize && !proxy.password.empty() &&
         proxy.password.size() <= kMaxProxyCredentialSize;
}

}  // namespace

Result<Route, TransportError> plan_route(const ServerAddress& address, const ConnectionOptions& options) {
  const FrontingSettings& fronting = options.fronting;
  if (address.port == 0 || !host_name::is_host(address.host)) return fail(TransportError::kInvalidArgument);
  if (!fronting.connect_host.empty() && !host_name::is_host(fronting.connect_host))
    return fail(TransportError::kInvalidArgument);

  Route route;
  route.target_host = fronting.connect_host.empty() ? address.host : fronting.connect_host;
  route.target_port = fronting.connect_port == 0 ? address.port : fronting.connect_port;
  route.tcp_host = route.target_host;
  route.tcp_port = route.target_port;

  if (options.proxy && options.proxy->kind != ProxySettings::kNone) {
    const ProxySettings& proxy = *options.proxy;
    if (proxy.kind != ProxySettings::kSocks5 && proxy.kind != ProxySettings::kHttpConnect)
      return fail(TransportError::kInvalidArgument);
    if (proxy.port == 0 || !host_name::is_host(proxy.host) || !valid_credentials(proxy))
      return fail(TransportError::kInvalidArgument);
    // RFC 7617: the user-id of Basic credentials cannot contain a colon.
    if (proxy.kind == ProxySettings::kHttpConnect && proxy.username.find(':') != std::string::npos)
      return fail(TransportError::kInvalidArgument);
    route.proxy = proxy;
    route.tcp_host = proxy.host;
    route.tcp_port = proxy.port;
  }

  if (fronting.sni) {
    // RFC 6066 §3: the server name is a DNS name, never an address.
    if (!fronting.sni->empty() &&
        (!host_name::is_dns_name(*fronting.sni) || host_name::parse_ip_literal(*fronting.sni)))
      return fail(TransportError::kInvalidArgument);
    if (!fronting.sni->empty()) route.sni = *fronting.sni;
  } else if (!host_name::parse_ip_literal(address.host)) {
    route.sni = address.host;
  }

  if (fronting.host_header) {
    if (!is_host_header(*fronting.host_header)) return fail(TransportError::kInvalidArgument);
    route.host_header = *fronting.host_header;
  } else {
    route.host_header = host_name::authority(address.host, address.port);
  }

  route.verify_name = fronting.sni && !fronting.sni->empty() ? *fronting.sni : address.host;
  return route;
}

Result<void, TransportError> check_connection_settings(const ServerAddress& address, const ConnectionOptions& options) {
  auto route = plan_route(address, options);
  if (!route.ok()) return fail(route.error());
  return {};
}

}  // namespace hush::client
