// Fuzzes the proxy URL a user types (libs/client/transport): parse_proxy_url. Nothing over
// kMaxProxyUrlSize parses; a parsed proxy has a kind, a host and a port, credentials both present
// (1 to 255 bytes each) or both absent; and it parses again, from its canonical form (every byte
// of the credentials percent-encoded but the unreserved ones), to the same settings.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "hush/client/transport/circumvention.hpp"

namespace {

std::string encode(const std::string& text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '~';
    if (plain) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += {'%', kDigits[byte >> 4], kDigits[byte & 0x0F]};
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hush::client::ProxySettings;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto proxy = hush::client::parse_proxy_url(text);
  if (!proxy) return 0;
  HUSH_FUZZ_CHECK(size <= hush::client::kMaxProxyUrlSize);
  HUSH_FUZZ_CHECK(proxy->kind == ProxySettings::kSocks5 || proxy->kind == ProxySettings::kHttpConnect);
  HUSH_FUZZ_CHECK(!proxy->host.empty() && proxy->port != 0);
  HUSH_FUZZ_CHECK(proxy->username.empty() == proxy->password.empty());
  HUSH_FUZZ_CHECK(proxy->username.size() <= hush::client::kMaxProxyCredentialSize);
  HUSH_FUZZ_CHECK(proxy->password.size() <= hush::client::kMaxProxyCredentialSize);

  const bool v6 = proxy->host.find(':') != std::string::npos;
  std::string canonical = proxy->kind == ProxySettings::kSocks5 ? "socks5://" : "http://";
  if (!proxy->username.empty()) canonical += encode(proxy->username) + ":" + encode(proxy->password) + "@";
  canonical += (v6 ? "[" + proxy->host + "]" : proxy->host) + ":" + std::to_string(proxy->port);
  auto again = hush::client::parse_proxy_url(canonical);
  HUSH_FUZZ_CHECK(again.has_value());
  HUSH_FUZZ_CHECK(again->kind == proxy->kind && again->host == proxy->host && again->port == proxy->port);
  HUSH_FUZZ_CHECK(again->username == proxy->username && again->password == proxy->password);
  return 0;
}
