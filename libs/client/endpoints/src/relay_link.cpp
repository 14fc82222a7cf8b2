// Relay and bridge links: one strict grammar, read left to right, nothing skipped or decoded.
#include "hush/client/endpoints/relay_link.hpp"

#include <algorithm>

#include "hush/base/bytes.hpp"
#include "hush/client/endpoints/endpoint_list.hpp"

namespace hush::client {

namespace {

constexpr std::string_view kRelayScheme = "hush-relay://";
constexpr std::string_view kBridgeScheme = "hush-bridge://";
constexpr std::string_view kCertKey = "?cert=";
constexpr std::string_view kIatKey = "&iat-mode=";
constexpr std::size_t kPinDigits = 64;

std::optional<ServerAddress> host_port(std::string_view text) {
  // parse_server_url reads HOST:PORT after its scheme; a trailing '/' it would accept is not part
  // of this grammar.
  if (text.empty() || text.back() == '/') return std::nullopt;
  return parse_server_url("wss://" + std::string(text));
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

const char* to_string(RelayLinkError error) {
  switch (error) {
    case RelayLinkError::kTooLong: return "too_long";
    case RelayLinkError::kScheme: return "scheme";
    case RelayLinkError::kVia: return "via";
    case RelayLinkError::kServer: return "server";
    case RelayLinkError::kObfs4: return "obfs4";
    case RelayLinkError::kPin: return "pin";
  }
  return "unknown";
}

Result<RelayLink, RelayLinkError> parse_relay_link(std::string_view text) {
  if (text.size() > kMaxRelayLinkSize) return fail(RelayLinkError::kTooLong);
  RelayLink link;
  if (text.starts_with(kRelayScheme)) {
    link.kind = RelayLink::Kind::kRelay;
    text.remove_prefix(kRelayScheme.size());
  } else if (text.starts_with(kBridgeScheme)) {
    link.kind = RelayLink::Kind::kObfs4Bridge;
    text.remove_prefix(kBridgeScheme.size());
  } else {
    return fail(RelayLinkError::kScheme);
  }
  // The pin: '#' and 64 lower-case hex digits, last.
  const auto hash = text.rfind('#');
  if (hash == std::string_view::npos) return fail(RelayLinkError::kPin);
  const std::string_view pin = text.substr(hash + 1);
  text = text.substr(0, hash);
  if (pin.size() != kPinDigits ||
      !std::all_of(pin.begin(), pin.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); })) {
    return fail(RelayLinkError::kPin);
  }
  const auto pin_bytes = from_hex(pin);
  if (!pin_bytes || pin_bytes->size() != link.pin.size()) return fail(RelayLinkError::kPin);
  std::copy(pin_bytes->begin(), pin_bytes->end(), link.pin.begin());

  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return fail(RelayLinkError::kServer);
  auto via = host_port(text.substr(0, slash));
  if (!via) return fail(RelayLinkError::kVia);
  link.via = *via;
  text.remove_prefix(slash + 1);

  const auto query = text.find('?');
  auto server = host_port(text.substr(0, query));
  if (!server) return fail(RelayLinkError::kServer);
  link.server = *server;
  if (link.kind == RelayLink::Kind::kRelay) {
    if (query != std::string_view::npos) return fail(RelayLinkError::kObfs4);
    return link;
  }
  if (query == std::string_view::npos) return fail(RelayLinkError::kObfs4);
  text.remove_prefix(query);
  if (!text.starts_with(kCertKey)) return fail(RelayLinkError::kObfs4);
  text.remove_prefix(kCertKey.size());
  if (text.size() < kObfs4CertSize) return fail(RelayLinkError::kObfs4);
  const std::string_view cert = text.substr(0, kObfs4CertSize);
  if (!std::all_of(cert.begin(), cert.end(), is_base64_char)) return fail(RelayLinkError::kObfs4);
  text.remove_prefix(kObfs4CertSize);
  if (!text.starts_with(kIatKey)) return fail(RelayLinkError::kObfs4);
  text.remove_prefix(kIatKey.size());
  if (text.size() != 1 || text[0] < '0' || text[0] > '0' + kMaxObfs4IatMode) return fail(RelayLinkError::kObfs4);
  link.obfs4_cert = std::string(cert);
  link.obfs4_iat_mode = text[0] - '0';
  return link;
}

Endpoint endpoint_from(const RelayLink& link) {
  Endpoint endpoint;
  endpoint.address = link.via;
  if (link.kind == RelayLink::Kind::kObfs4Bridge) endpoint.obfs4 = Obfs4Bridge{link.obfs4_cert, link.obfs4_iat_mode};
  return endpoint;
}

std::string format_relay_link(const RelayLink& link) {
  constexpr std::size_t kSchemeSize = std::string_view("wss://").size();
  const std::string via = format_server_url(link.via).substr(kSchemeSize);
  const std::string server = format_server_url(link.server).substr(kSchemeSize);
  std::string out =
      std::string(link.kind == RelayLink::Kind::kRelay ? kRelayScheme : kBridgeScheme) + via + "/" + server;
  if (link.kind == RelayLink::Kind::kObfs4Bridge) {
    out += std::string(kCertKey) + link.obfs4_cert + std::string(kIatKey) + std::to_string(link.obfs4_iat_mode);
  }
  return out + "#" + to_hex(link.pin);
}

}  // namespace hush::client
