// Endpoints as values: their checks, the connection options they stand for, their description for
// a person, and the list operations over the home's file (endpoint_list.hpp).
#include <algorithm>

#include "hush/client/endpoints/endpoint_list.hpp"
#include "hush/client/endpoints/relay_link.hpp"

namespace hush::client {

namespace {

EndpointsFailure invalid(std::string detail) {
  return {EndpointsError::kInvalidEndpoint, std::move(detail)};
}

bool same_proxy(const std::optional<ProxySettings>& a, const std::optional<ProxySettings>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->kind == b->kind && a->host == b->host && a->port == b->port && a->username == b->username &&
         a->password == b->password;
}

}  // namespace

bool Endpoint::operator==(const Endpoint& other) const {
  return address.host == other.address.host && address.port == other.address.port && same_proxy(via, other.via) &&
         sni == other.sni && host == other.host && obfs4 == other.obfs4;
}

std::string format_obfs4_arguments(const Obfs4Bridge& bridge) {
  return "cert=" + bridge.cert + ";iat-mode=" + std::to_string(bridge.iat_mode);
}

std::optional<Obfs4Bridge> parse_obfs4_arguments(std::string_view text) {
  constexpr std::string_view kCert = "cert=";
  constexpr std::string_view kIat = ";iat-mode=";
  if (!text.starts_with(kCert)) return std::nullopt;
  text.remove_prefix(kCert.size());
  if (text.size() != kObfs4CertSize + kIat.size() + 1) return std::nullopt;
  const std::string_view cert = text.substr(0, kObfs4CertSize);
  const auto base64 = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  };
  if (!std::all_of(cert.begin(), cert.end(), base64)) return std::nullopt;
  text.remove_prefix(kObfs4CertSize);
  if (!text.starts_with(kIat)) return std::nullopt;
  const char mode = text.back();
  if (mode < '0' || mode > '0' + kMaxObfs4IatMode) return std::nullopt;
  return Obfs4Bridge{std::string(cert), mode - '0'};
}

const char* to_string(EndpointsError error) {
  switch (error) {
    case EndpointsError::kIo: return "io";
    case EndpointsError::kCorrupt: return "corrupt";
    case EndpointsError::kTooLarge: return "too_large";
    case EndpointsError::kTooMany: return "too_many";
    case EndpointsError::kInvalidEndpoint: return "invalid_endpoint";
    case EndpointsError::kNotFound: return "not_found";
    case EndpointsError::kDuplicate: return "duplicate";
  }
  return "unknown";
}

Result<void, EndpointsFailure> check_endpoint(const Endpoint& endpoint) {
  if (endpoint.via && endpoint.via->kind == ProxySettings::kNone) return fail(invalid("via: no proxy kind"));
  if (endpoint.obfs4) {
    if (endpoint.via) return fail(invalid("an obfs4 bridge is reached through obfs4proxy, not through --via"));
    if (!parse_obfs4_arguments(format_obfs4_arguments(*endpoint.obfs4))) {
      return fail(invalid("obfs4: a cert of 70 base64 characters and an iat-mode of 0 to 2"));
    }
  }
  // The route's checks, with the endpoint's address standing for the server: they do not depend
  // on which server it is.
  if (!check_connection_settings(endpoint.address, connection_options(endpoint, endpoint.address, {})).ok()) {
    return fail(invalid("a malformed address, proxy, SNI or Host"));
  }
  return {};
}

ConnectionOptions connection_options(const Endpoint& endpoint, const ServerAddress& server, ConnectionOptions base) {
  base.proxy = endpoint.via;
  base.fronting = FrontingSettings{};
  if (endpoint.address.host != server.host || endpoint.address.port != server.port) {
    base.fronting.connect_host = endpoint.address.host;
    base.fronting.connect_port = endpoint.address.port;
  }
  base.fronting.sni = endpoint.sni;
  base.fronting.host_header = endpoint.host;
  return base;
}

Endpoint endpoint_from(const ServerAddress& server, const ConnectionOptions& options) {
  Endpoint endpoint;
  endpoint.address = server;
  if (!options.fronting.connect_host.empty()) endpoint.address.host = options.fronting.connect_host;
  if (options.fronting.connect_port != 0) endpoint.address.port = options.fronting.connect_port;
  if (options.proxy && options.proxy->kind != ProxySettings::kNone) endpoint.via = options.proxy;
  endpoint.sni = options.fronting.sni;
  endpoint.host = options.fronting.host_header;
  return endpoint;
}

std::string describe(const Endpoint& endpoint) {
  std::string text = format_server_url(endpoint.address);
  if (endpoint.via) text += " via " + format_proxy_url(*endpoint.via, ProxyPassword::kMask);
  if (endpoint.sni) text += endpoint.sni->empty() ? " sni (none)" : " sni " + *endpoint.sni;
  if (endpoint.host) text += " host " + *endpoint.host;
  if (endpoint.obfs4) text += " via obfs4";
  return text;
}

Result<std::size_t, EndpointsFailure> add_endpoint(const std::filesystem::path& home, const Endpoint& endpoint) {
  HUSH_TRY(check_endpoint(endpoint));
  auto endpoints = load_endpoints(home);
  if (!endpoints.ok()) return fail(endpoints.error());
  const auto existing = std::find(endpoints->begin(), endpoints->end(), endpoint);
  if (existing != endpoints->end()) {
    const auto number = std::to_string(existing - endpoints->begin() + 1);
    return fail(EndpointsFailure{EndpointsError::kDuplicate, "the same endpoint is number " + number + " already"});
  }
  if (endpoints->size() >= kMaxEndpoints) {
    return fail(EndpointsFailure{EndpointsError::kTooMany, "the list is full (" + std::to_string(kMaxEndpoints) +
                                                               " endpoints): remove one first"});
  }
  endpoints->push_back(endpoint);
  HUSH_TRY(save_endpoints(home, *endpoints));
  return endpoints->size();
}

Result<Endpoint, EndpointsFailure> remove_endpoint(const std::filesystem::path& home, std::size_t number) {
  auto endpoints = load_endpoints(home);
  if (!endpoints.ok()) return fail(endpoints.error());
  if (number == 0 || number > endpoints->size()) {
    return fail(EndpointsFailure{
        EndpointsError::kNotFound,
        "no endpoint number " + std::to_string(number) + " (the list has " + std::to_string(endpoints->size()) + ")"});
  }
  const auto position = endpoints->begin() + static_cast<std::ptrdiff_t>(number - 1);
  Endpoint removed = *position;
  endpoints->erase(position);
  HUSH_TRY(save_endpoints(home, *endpoints));
  return removed;
}

Result<void, EndpointsFailure> put_endpoint_first(const std::filesystem::path& home, const Endpoint& endpoint) {
  HUSH_TRY(check_endpoint(endpoint));
  auto endpoints = load_endpoints(home);
  if (!endpoints.ok()) return fail(endpoints.error());
  if (!endpoints->empty() && endpoints->front() == endpoint) return {};
  const auto existing = std::find(endpoints->begin(), endpoints->end(), endpoint);
  if (existing != endpoints->end()) {
    endpoints->erase(existing);
  } else if (endpoints->size() >= kMaxEndpoints) {
    return fail(EndpointsFailure{EndpointsError::kTooMany, "the list is full (" + std::to_string(kMaxEndpoints) +
                                                               " endpoints): remove one first"});
  }
  endpoints->insert(endpoints->begin(), endpoint);
  return save_endpoints(home, *endpoints);
}

}  // namespace hush::client
