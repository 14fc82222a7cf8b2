// Parsing what a user types to name a server ("wss://HOST:PORT") and pin its certificate
// (64 hex digits), and the names of TransportError. Bounded: inputs longer than a URL or a
// fingerprint can be are refused before they are looked at.
#include <algorithm>
#include <charconv>
#include <iterator>

#include "host_name.hpp"
#include "host_port.hpp"
#include "hush/client/transport/server_connection.hpp"

namespace hush::client {

namespace {

// Longest URL accepted: a DNS name is at most 253 characters, plus scheme and port.
constexpr std::size_t kMaxServerUrlSize = 300;
// Longest fingerprint text: 64 hex digits with a ':' between each pair.
constexpr std::size_t kMaxFingerprintTextSize = 95;

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::optional<ServerAddress> parse_host_port(std::string_view text) {
  if (text.ends_with('/')) text.remove_suffix(1);
  std::string_view host;
  std::string_view port;
  bool host_ok = false;
  if (text.starts_with('[')) {
    // An IPv6 literal: hex digits, colons and (for an embedded IPv4 address) dots, with a colon.
    const auto end = text.find("]:");
    if (end == std::string_view::npos) return std::nullopt;
    host = text.substr(1, end - 1);
    port = text.substr(end + 2);
    host_ok = host.find(':') != std::string_view::npos &&
              std::all_of(host.begin(), host.end(), [](char c) { return is_hex_digit(c) || c == ':' || c == '.'; });
  } else {
    // A DNS name or an IPv4 address: no colon but the one before the port.
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    host_ok = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    });
  }
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (!host_ok || port.empty() || error != std::errc{} || end != port.data() + port.size() || value == 0 ||
      value > 65535) {
    return std::nullopt;
  }
  return ServerAddress{std::string(host), static_cast<std::uint16_t>(value)};
}

std::optional<ServerAddress> parse_server_url(std::string_view url) {
  constexpr std::string_view kScheme = "wss://";
  if (url.size() > kMaxServerUrlSize || !url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  return parse_host_port(url);
}

std::string format_server_url(const ServerAddress& address) {
  return "wss://" + host_name::authority(address.host, address.port);
}

std::optional<crypto::Sha256Digest> parse_fingerprint(std::string_view text) {
  if (text.size() > kMaxFingerprintTextSize) return std::nullopt;
  std::string digits;
  std::copy_if(text.begin(), text.end(), std::back_inserter(digits), [](char c) { return c != ':'; });
  const auto bytes = from_hex(digits);
  crypto::Sha256Digest digest{};
  if (!bytes || bytes->size() != digest.size()) return std::nullopt;
  std::copy(bytes->begin(), bytes->end(), digest.begin());
  return digest;
}

const char* to_string(TransportError error) {
  switch (error) {
    case TransportError::kInvalidArgument: return "invalid_argument";
    case TransportError::kCaFileUnreadable: return "ca_file_unreadable";
    case TransportError::kResolveFailed: return "resolve_failed";
    case TransportError::kConnectFailed: return "connect_failed";
    case TransportError::kCertificateRejected: return "certificate_rejected";
    case TransportError::kHandshakeFailed: return "handshake_failed";
    case TransportError::kNoChallenge: return "no_challenge";
    case TransportError::kTimeout: return "timeout";
    case TransportError::kClosed: return "closed";
    case TransportError::kStalled: return "stalled";
    case TransportError::kProtocol: return "protocol_error";
    case TransportError::kTooLarge: return "too_large";
    case TransportError::kPushQueueFull: return "push_queue_full";
    case TransportError::kProxyRefused: return "proxy_refused";
    case TransportError::kProxyAuthFailed: return "proxy_auth_failed";
    case TransportError::kTransportUnavailable: return "transport_unavailable";
    case TransportError::kProxyProtocol: return "proxy_protocol_error";
  }
  return "unknown";
}

std::string format_fingerprint(const crypto::Sha256Digest& fingerprint) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 * fingerprint.size());
  for (const std::uint8_t byte : fingerprint) {
    text.push_back(kDigits[byte >> 4]);
    text.push_back(kDigits[byte & 0x0F]);
  }
  return text;
}

}  // namespace hush::client
