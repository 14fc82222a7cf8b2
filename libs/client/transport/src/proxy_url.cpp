// parse_proxy_url (circumvention.hpp): "socks5://" or "http://", optional "USER:PASS@" with
// percent-encoding, then "HOST:PORT" read as parse_server_url reads it. Strict and bounded: the
// input is refused whole before it is looked at when longer than kMaxProxyUrlSize.
#include <algorithm>

#include "host_name.hpp"
#include "host_port.hpp"
#include "hush/base/bytes.hpp"
#include "hush/client/transport/circumvention.hpp"

namespace hush::client {

namespace {

// RFC 3986 §2.2-2.3: unreserved and sub-delims, the characters of userinfo that stand for
// themselves (':' separates the two parts, so it is encoded inside them).
bool is_plain_userinfo_char(char c) {
  static constexpr std::string_view kOthers = "-._~!$&'()*+,;=";
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         kOthers.find(c) != std::string_view::npos;
}

// Decodes one part of userinfo; nullopt for a character that must be encoded, a broken %XX, an
// empty result or one over kMaxProxyCredentialSize.
std::optional<std::string> decode_credential(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_digit_value(text[i + 1]);
      const int low = hex_digit_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (is_plain_userinfo_char(text[i])) {
      out.push_back(text[i]);
    } else {
      return std::nullopt;
    }
    if (out.size() > kMaxProxyCredentialSize) return std::nullopt;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// RFC 3986 §2.3 unreserved characters stand for themselves; every other byte is %XX.
std::string encode_credential(std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += {'%', kDigits[byte >> 4], kDigits[byte & 0x0F]};
    }
  }
  return out;
}

}  // namespace

std::string format_proxy_url(const ProxySettings& proxy, ProxyPassword password) {
  std::string url;
  switch (proxy.kind) {
    case ProxySettings::kNone: return "";
    case ProxySettings::kSocks5: url = "socks5://"; break;
    case ProxySettings::kHttpConnect: url = "http://"; break;
  }
  if (!proxy.username.empty()) {
    url += encode_credential(proxy.username) + ":";
    url += password == ProxyPassword::kInclude ? encode_credential(proxy.password) : std::string(kMaskedProxyPassword);
    url += "@";
  }
  return url + host_name::authority(proxy.host, proxy.port);
}

std::optional<ProxySettings> parse_proxy_url(std::string_view url) {
  constexpr std::string_view kSocks5 = "socks5://";
  constexpr std::string_view kHttp = "http://";
  if (url.size() > kMaxProxyUrlSize) return std::nullopt;
  ProxySettings proxy;
  if (url.starts_with(kSocks5)) {
    proxy.kind = ProxySettings::kSocks5;
    url.remove_prefix(kSocks5.size());
  } else if (url.starts_with(kHttp)) {
    proxy.kind = ProxySettings::kHttpConnect;
    url.remove_prefix(kHttp.size());
  } else {
    return std::nullopt;
  }
  if (const auto at = url.find('@'); at != std::string_view::npos) {
    const std::string_view userinfo = url.substr(0, at);
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto username = decode_credential(userinfo.substr(0, colon));
    auto password = decode_credential(userinfo.substr(colon + 1));
    if (!username || !password) return std::nullopt;
    proxy.username = std::move(*username);
    proxy.password = std::move(*password);
    url.remove_prefix(at + 1);
  }
  const auto address = parse_host_port(url);
  if (!address || !host_name::is_host(address->host)) return std::nullopt;
  proxy.host = address->host;
  proxy.port = address->port;
  return proxy;
}

}  // namespace hush::client
