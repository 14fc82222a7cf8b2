// How a connection reaches hushd when the direct path is blocked (ARCHITECTURE.md decision 7):
// through a SOCKS5 proxy (Tor's SocksPort, a pluggable transport's client) or an HTTP CONNECT
// proxy, and with the TCP address, the TLS SNI and the WebSocket Host chosen separately (fronting).
// It owns these settings and the parser of proxy URLs; the handshakes are in src/proxy_handshake.
// Not here: obfs4 without Tor (not yet); the endpoint list and failover (libs/client/endpoints).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hush::client {

// Longest username and longest password a proxy is given: RFC 1929's one-byte length fields.
inline constexpr std::size_t kMaxProxyCredentialSize = 255;

// A proxy the TCP connection goes through. The proxy handshake runs on the TCP connection to the
// proxy, before the TLS handshake with hushd, within ConnectionOptions::connect_timeout. The
// server's name is handed to the proxy as a name, never resolved on this machine (Tor must do
// the lookup itself, or it leaks; a .onion name only resolves there).
struct ProxySettings {
  enum Kind {
    kNone,         // no proxy: the same as leaving ConnectionOptions::proxy empty
    kSocks5,       // RFC 1928 CONNECT; the server's host as a domain name (ATYP 3), or as the
                   // IPv4/IPv6 address it is a literal of
    kHttpConnect,  // "CONNECT host:port HTTP/1.1" (RFC 9110 §9.3.6); any 2xx opens the tunnel
  };
  Kind kind = kNone;
  // The proxy itself: a DNS name (resolved on this machine) or an IP literal, and its TCP port.
  std::string host;
  std::uint16_t port = 0;
  // Credentials, used when the username is not empty; then both must be 1 to
  // kMaxProxyCredentialSize bytes (connect() refuses others with kInvalidArgument). SOCKS5 then
  // offers only username/password authentication (RFC 1929), so that a proxy cannot silently drop
  // them: Tor's IsolateSOCKSAuth gives each distinct pair its own circuit, and a pluggable
  // transport reads its arguments from them. HTTP sends "Proxy-Authorization: Basic" (RFC 7617;
  // a username containing ':' is refused). Sent in clear to the proxy; never logged.
  std::string username;
  std::string password;
};

// Longest proxy URL parse_proxy_url() looks at: a DNS name (253), a port, and both credentials
// fully percent-encoded (3 * 255 each).
inline constexpr std::size_t kMaxProxyUrlSize = 2048;

// Parses "socks5://[USER:PASS@]HOST:PORT" or "http://[USER:PASS@]HOST:PORT", with an optional
// trailing "/" and IPv6 literals in brackets, as parse_server_url does for the host. USER and PASS
// are both present and non-empty or both absent; in them, RFC 3986 unreserved characters and
// sub-delimiters stand for themselves and anything else is percent-encoded (%XX, decoded; at most
// kMaxProxyCredentialSize bytes each once decoded). Schemes are lower-case. nullopt for anything
// else, including input over kMaxProxyUrlSize, another scheme (no "socks5h": names always go to
// the proxy unresolved), a missing port and port 0.
std::optional<ProxySettings> parse_proxy_url(std::string_view url);

// Whether format_proxy_url writes the password or a mask in its place.
enum class ProxyPassword {
  kInclude,  // the canonical URL, for a file the settings are saved in
  kMask,     // the password replaced by kMaskedProxyPassword, for output and logs
};
inline constexpr std::string_view kMaskedProxyPassword = "***";

// The canonical URL of `proxy` (kind kSocks5 or kHttpConnect): "socks5://" or "http://", then the
// credentials, each byte percent-encoded but RFC 3986's unreserved ones, then "HOST:PORT" (IPv6 in
// brackets). For settings parse_proxy_url returned, parse_proxy_url(format_proxy_url(p,
// kInclude)) gives `p` back. "" for kind kNone. The masked form does not parse (it is for people).
std::string format_proxy_url(const ProxySettings& proxy, ProxyPassword password);

// Fronting: what the network sees chosen independently of the server that answers. Each field
// left at its default keeps the direct behaviour. The certificate is checked as without fronting:
// a pin decides alone; with a CA file, the name verified is the SNI override when one is set and
// not empty (the certificate a front presents is its own), otherwise the server address's host.
struct FrontingSettings {
  // TCP connect address (or, with a proxy, the address the proxy connects to) instead of the
  // server address's host and port: a DNS name or an IP literal. "" / 0: the server address's.
  std::string connect_host;
  std::uint16_t connect_port = 0;
  // The TLS server name (SNI). nullopt: the server address's host, and none when it is an IP
  // literal (RFC 6066 §3). "": send no SNI. Otherwise this DNS name (not an IP literal).
  std::optional<std::string> sni;
  // The WebSocket request's Host header. nullopt: "HOST:PORT" of the server address (IPv6 in
  // brackets). Otherwise this value: a name or address with an optional ":PORT".
  std::optional<std::string> host_header;
};

}  // namespace hush::client
