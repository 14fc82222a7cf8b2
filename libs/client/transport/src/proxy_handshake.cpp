// SOCKS5 and HTTP CONNECT handshakes (proxy_handshake.hpp): the bytes each side sends, parsed as
// they arrive, never read beyond the reply (the TLS server speaks only after our ClientHello, so
// nothing of it can be lost) and never buffered beyond a named bound.
#include "proxy_handshake.hpp"

#include <algorithm>
#include <variant>

#include "host_name.hpp"

namespace hush::client::proxy {

namespace {

constexpr std::uint8_t kSocksVersion = 0x05;
constexpr std::uint8_t kMethodNoAuthentication = 0x00;
constexpr std::uint8_t kMethodUsernamePassword = 0x02;
constexpr std::uint8_t kNoAcceptableMethods = 0xFF;
constexpr std::uint8_t kUsernamePasswordVersion = 0x01;  // RFC 1929 §2
constexpr std::uint8_t kCommandConnect = 0x01;
constexpr std::uint8_t kAddressIpv4 = 0x01;
constexpr std::uint8_t kAddressDomain = 0x03;
constexpr std::uint8_t kAddressIpv6 = 0x04;

ReplyParse incomplete(std::size_t size) {
  return {ReplyParse::kIncomplete, size, 0};
}
ReplyParse malformed() {
  return {ReplyParse::kMalformed, 0, 0};
}

bool is_digit(std::uint8_t c) {
  return c >= '0' && c <= '9';
}

// RFC 9110 §5.6.2 tchar.
bool is_token_char(std::uint8_t c) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         kSymbols.find(static_cast<char>(c)) != std::string_view::npos;
}

// A character of a reason phrase or field value: HTAB, SP, VCHAR, obs-text (RFC 9112 §4, §5).
bool is_text_char(std::uint8_t c) {
  return c == '\t' || (c >= 0x20 && c != 0x7F);
}

// "name:value" with a non-empty token as name (no obs-fold: a line starting with space has none).
bool is_field_line(ByteView line) {
  const auto colon = std::find(line.begin(), line.end(), static_cast<std::uint8_t>(':'));
  return colon != line.begin() && colon != line.end() && std::all_of(line.begin(), colon, is_token_char);
}

std::string base64(std::string_view text) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((text.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < text.size(); i += 3) {
    const std::size_t left = std::min<std::size_t>(3, text.size() - i);
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 3; ++j) group = (group << 8) | (j < left ? static_cast<std::uint8_t>(text[i + j]) : 0u);
    for (std::size_t j = 0; j < 4; ++j) out.push_back(j <= left ? kAlphabet[(group >> (18 - 6 * j)) & 0x3F] : '=');
  }
  return out;
}

void append_port(Bytes& out, std::uint16_t port) {
  out.push_back(static_cast<std::uint8_t>(port >> 8));
  out.push_back(static_cast<std::uint8_t>(port & 0xFF));
}

HandshakeFailure failure_of(const ReplyParse& parsed) {
  switch (parsed.status) {
    case ReplyParse::kRefused: return {TransportError::kProxyRefused, parsed.code};
    case ReplyParse::kAuthFailed: return {TransportError::kProxyAuthFailed, parsed.code};
    default: return {TransportError::kProxyProtocol, 0};
  }
}

Result<void, HandshakeFailure> send(ByteStream& stream, ByteView bytes) {
  auto written = stream.write(bytes);
  if (!written.ok()) return fail(HandshakeFailure{written.error(), 0});
  return {};
}

// Reads into `received` until `parse` decides, never past `bound` bytes. Greedy (for HTTP, whose
// head carries no length): each read may take up to the bound; otherwise exactly what the parser
// still needs. Returns the accepted reply's size.
template <class Parse>
Result<std::size_t, HandshakeFailure> read_reply(ByteStream& stream, Bytes& received, Parse parse, std::size_t bound,
                                                 bool greedy) {
  received.clear();
  for (;;) {
    const ReplyParse parsed = parse(ByteView(received));
    if (parsed.status == ReplyParse::kAccepted) return parsed.size;
    if (parsed.status != ReplyParse::kIncomplete) return fail(failure_of(parsed));
    if (parsed.size <= received.size() || received.size() >= bound) return fail(HandshakeFailure{});
    const std::size_t want = (greedy ? bound : std::min(parsed.size, bound)) - received.size();
    const std::size_t have = received.size();
    received.resize(have + want);
    auto got = stream.read_some(MutableByteView(received.data() + have, want));
    if (!got.ok()) return fail(HandshakeFailure{got.error(), 0});
    if (*got == 0 || *got > want) return fail(HandshakeFailure{});
    received.resize(have + *got);
  }
}

}  // namespace

Bytes socks5_greeting(bool with_credentials) {
  return {kSocksVersion, 1, with_credentials ? kMethodUsernamePassword : kMethodNoAuthentication};
}

ReplyParse parse_socks5_method_reply(ByteView bytes, bool with_credentials) {
  if (!bytes.empty() && bytes[0] != kSocksVersion) return malformed();
  if (bytes.size() < 2) return incomplete(2);
  if (bytes[1] == kNoAcceptableMethods) return {ReplyParse::kAuthFailed, 2, kNoAcceptableMethods};
  if (bytes[1] != (with_credentials ? kMethodUsernamePassword : kMethodNoAuthentication)) return malformed();
  return {ReplyParse::kAccepted, 2, 0};
}

std::optional<Bytes> socks5_credentials(std::string_view username, std::string_view password) {
  if (username.empty() || username.size() > kMaxProxyCredentialSize || password.empty() ||
      password.size() > kMaxProxyCredentialSize) {
    return std::nullopt;
  }
  Bytes out{kUsernamePasswordVersion, static_cast<std::uint8_t>(username.size())};
  append(out, as_bytes(username));
  out.push_back(static_cast<std::uint8_t>(password.size()));
  append(out, as_bytes(password));
  return out;
}

ReplyParse parse_socks5_auth_reply(ByteView bytes) {
  if (!bytes.empty() && bytes[0] != kUsernamePasswordVersion) return malformed();
  if (bytes.size() < 2) return incomplete(2);
  if (bytes[1] != 0) return {ReplyParse::kAuthFailed, 2, bytes[1]};
  return {ReplyParse::kAccepted, 2, 0};
}

std::optional<Bytes> socks5_connect_request(std::string_view host, std::uint16_t port) {
  if (port == 0 || !host_name::is_host(host)) return std::nullopt;
  Bytes out{kSocksVersion, kCommandConnect, 0x00};
  if (const auto ip = host_name::parse_ip_literal(host)) {
    std::visit(
        [&out](const auto& address) {
          out.push_back(address.size() == 4 ? kAddressIpv4 : kAddressIpv6);
          out.insert(out.end(), address.begin(), address.end());
        },
        *ip);
  } else {
    out.push_back(kAddressDomain);
    out.push_back(static_cast<std::uint8_t>(host.size()));  // at most kMaxDnsNameSize
    append(out, as_bytes(host));
  }
  append_port(out, port);
  return out;
}

ReplyParse parse_socks5_connect_reply(ByteView bytes) {
  // VER REP RSV ATYP BND.ADDR BND.PORT
  if (!bytes.empty() && bytes[0] != kSocksVersion) return malformed();
  if (bytes.size() < 2) return incomplete(2);
  if (bytes[1] != 0) return {ReplyParse::kRefused, 2, bytes[1]};
  if (bytes.size() < 4) return incomplete(4);
  std::size_t size = 0;
  switch (bytes[3]) {
    case kAddressIpv4: size = 4 + 4 + 2; break;
    case kAddressIpv6: size = 4 + 16 + 2; break;
    case kAddressDomain:
      if (bytes.size() < 5) return incomplete(5);
      if (bytes[4] == 0) return malformed();
      size = 4 + 1 + bytes[4] + 2;
      break;
    default: return malformed();
  }
  if (bytes.size() < size) return incomplete(size);
  return {ReplyParse::kAccepted, size, 0};
}

std::optional<std::string> http_connect_request(std::string_view host, std::uint16_t port, const std::string& username,
                                                const std::string& password) {
  if (port == 0 || !host_name::is_host(host) || username.find(':') != std::string::npos) return std::nullopt;
  const std::string authority = host_name::authority(host, port);
  std::string out = "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n";
  if (!username.empty()) out += "Proxy-Authorization: Basic " + base64(username + ":" + password) + "\r\n";
  out += "\r\n";
  return out;
}

ReplyParse parse_http_connect_response(ByteView bytes) {
  const std::size_t n = std::min(bytes.size(), kMaxHttpResponseHead);
  // The status line's fixed part, "HTTP/1.D NNN", checked as far as it has arrived.
  static constexpr std::string_view kVersion = "HTTP/1.";
  for (std::size_t i = 0; i < std::min(n, kVersion.size()); ++i) {
    if (bytes[i] != static_cast<std::uint8_t>(kVersion[i])) return malformed();
  }
  if (n > 7 && !is_digit(bytes[7])) return malformed();
  if (n > 8 && bytes[8] != ' ') return malformed();
  for (std::size_t i = 9; i < std::min<std::size_t>(n, 12); ++i) {
    if (!is_digit(bytes[i])) return malformed();
  }
  if (n > 12 && bytes[12] != ' ' && bytes[12] != '\r') return malformed();

  std::size_t line_start = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t c = bytes[i];
    if (c == '\n') return malformed();  // a bare LF
    if (c != '\r') {
      if (!is_text_char(c)) return malformed();
      continue;
    }
    if (i + 1 == n) break;  // the LF has not arrived (or would be past the bound)
    if (bytes[i + 1] != '\n') return malformed();
    if (i == line_start) {
      // The empty line: the head ends here. The status line (at least 12 characters) is complete.
      const int status = (bytes[9] - '0') * 100 + (bytes[10] - '0') * 10 + (bytes[11] - '0');
      const std::size_t size = i + 2;
      if (status < 100 || status > 599) return malformed();
      if (status / 100 == 2) return {ReplyParse::kAccepted, size, status};
      if (status == 407) return {ReplyParse::kAuthFailed, size, status};
      return {ReplyParse::kRefused, size, status};
    }
    if (line_start != 0 && !is_field_line(bytes.subspan(line_start, i - line_start))) return malformed();
    line_start = i + 2;
    ++i;
  }
  if (bytes.size() >= kMaxHttpResponseHead) return malformed();
  return incomplete(n + 1);
}

Result<void, HandshakeFailure> socks5_connect(ByteStream& stream, const ProxySettings& proxy, std::string_view host,
                                              std::uint16_t port) {
  const bool with_credentials = !proxy.username.empty();
  std::optional<Bytes> credentials;
  if (with_credentials) {
    credentials = socks5_credentials(proxy.username, proxy.password);
    if (!credentials) return fail(HandshakeFailure{TransportError::kInvalidArgument, 0});
  }
  const auto request = socks5_connect_request(host, port);
  if (!request) return fail(HandshakeFailure{TransportError::kInvalidArgument, 0});

  Bytes received;
  HUSH_TRY(send(stream, socks5_greeting(with_credentials)));
  auto method = read_reply(
      stream, received,
      [with_credentials](ByteView bytes) { return parse_socks5_method_reply(bytes, with_credentials); }, 2, false);
  if (!method.ok()) return fail(method.error());
  if (credentials) {
    HUSH_TRY(send(stream, *credentials));
    auto status = read_reply(stream, received, parse_socks5_auth_reply, 2, false);
    if (!status.ok()) return fail(status.error());
  }
  HUSH_TRY(send(stream, *request));
  auto reply = read_reply(stream, received, parse_socks5_connect_reply, kMaxSocks5Reply, false);
  if (!reply.ok()) return fail(reply.error());
  return {};
}

Result<void, HandshakeFailure> http_connect(ByteStream& stream, const ProxySettings& proxy, std::string_view host,
                                            std::uint16_t port) {
  if (!proxy.username.empty() && (proxy.username.size() > kMaxProxyCredentialSize || proxy.password.empty() ||
                                  proxy.password.size() > kMaxProxyCredentialSize)) {
    return fail(HandshakeFailure{TransportError::kInvalidArgument, 0});
  }
  const auto request = http_connect_request(host, port, proxy.username, proxy.password);
  if (!request) return fail(HandshakeFailure{TransportError::kInvalidArgument, 0});
  HUSH_TRY(send(stream, as_bytes(*request)));
  Bytes received;
  auto head = read_reply(stream, received, parse_http_connect_response, kMaxHttpResponseHead, true);
  if (!head.ok()) return fail(head.error());
  // Anything after the head came from the proxy, not from hushd (which waits for our
  // ClientHello): a proxy that does this cannot be trusted to relay the stream unchanged.
  if (*head != received.size()) return fail(HandshakeFailure{});
  return {};
}

Result<void, HandshakeFailure> handshake(ByteStream& stream, const ProxySettings& proxy, std::string_view host,
                                         std::uint16_t port) {
  switch (proxy.kind) {
    case ProxySettings::kSocks5: return socks5_connect(stream, proxy, host, port);
    case ProxySettings::kHttpConnect: return http_connect(stream, proxy, host, port);
    case ProxySettings::kNone: break;
  }
  return fail(HandshakeFailure{TransportError::kInvalidArgument, 0});
}

}  // namespace hush::client::proxy
