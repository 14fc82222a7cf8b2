// What counts as a host name or an IP literal for the transport: the checks that keep a name out
// of a proxy request line, a SOCKS5 request or a Host header unless it is one. Boost-free, so the
// proxy handshake and its fuzz target do not pull in Asio.
#pragma once

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace hush::client::host_name {

// Longest DNS name (RFC 1035 §2.3.4, written without the final dot: 253 characters).
inline constexpr std::size_t kMaxDnsNameSize = 253;

// An IPv4 (4 bytes) or IPv6 (16 bytes) address in network order.
using IpAddress = std::variant<std::array<std::uint8_t, 4>, std::array<std::uint8_t, 16>>;

// The address `text` is the literal of: dotted-quad IPv4 or RFC 4291 IPv6 text (no brackets, no
// zone), as inet_pton reads them; nullopt for anything else.
inline std::optional<IpAddress> parse_ip_literal(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;  // INET6_ADDRSTRLEN - 1
  const std::string terminated(text);
  std::array<std::uint8_t, 4> v4{};
  if (::inet_pton(AF_INET, terminated.c_str(), v4.data()) == 1) return v4;
  std::array<std::uint8_t, 16> v6{};
  if (::inet_pton(AF_INET6, terminated.c_str(), v6.data()) == 1) return v6;
  return std::nullopt;
}

// A name made of letters, digits, '.' and '-' (what parse_server_url accepts), 1 to
// kMaxDnsNameSize characters. IP literals of IPv4 pass too; IPv6 ones do not (they have ':').
inline bool is_dns_name(std::string_view text) {
  if (text.empty() || text.size() > kMaxDnsNameSize) return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A host to connect to or to name to a proxy: a DNS name or an IP literal.
inline bool is_host(std::string_view text) {
  return is_dns_name(text) || parse_ip_literal(text).has_value();
}

// "HOST:PORT", with an IPv6 literal in brackets (RFC 3986 authority): the CONNECT target and the
// default Host header.
inline std::string authority(std::string_view host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  std::string text = v6 ? "[" + std::string(host) + "]" : std::string(host);
  return text + ":" + std::to_string(port);
}

}  // namespace hush::client::host_name
