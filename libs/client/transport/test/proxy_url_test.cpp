// parse_proxy_url: the forms it reads, percent-decoding of credentials, and what it refuses;
// format_proxy_url and format_server_url, which write what the parsers read.
#include <gtest/gtest.h>

#include <string>

#include "hush/client/transport/circumvention.hpp"
#include "hush/client/transport/server_connection.hpp"

namespace hush::client {
namespace {

TEST(ProxyUrl, ReadsSocks5AndHttpWithAndWithoutCredentials) {
  auto tor = parse_proxy_url("socks5://127.0.0.1:9050");
  ASSERT_TRUE(tor.has_value());
  EXPECT_EQ(tor->kind, ProxySettings::kSocks5);
  EXPECT_EQ(tor->host, "127.0.0.1");
  EXPECT_EQ(tor->port, 9050);
  EXPECT_EQ(tor->username, "");
  EXPECT_EQ(tor->password, "");

  auto http = parse_proxy_url("http://alice:s3cret@proxy.example:3128/");
  ASSERT_TRUE(http.has_value());
  EXPECT_EQ(http->kind, ProxySettings::kHttpConnect);
  EXPECT_EQ(http->host, "proxy.example");
  EXPECT_EQ(http->port, 3128);
  EXPECT_EQ(http->username, "alice");
  EXPECT_EQ(http->password, "s3cret");

  auto v6 = parse_proxy_url("socks5://u:p@[::1]:1080");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 1080);
}

TEST(ProxyUrl, DecodesPercentEncodedCredentials) {
  // A pluggable transport's arguments ("cert=...;iat-mode=0") and a password that is one NUL
  // byte (goptlib's convention when the arguments fit the username).
  auto pt = parse_proxy_url("socks5://cert%3DAbC%2B%2F;iat-mode%3D0:%00@127.0.0.1:41234");
  ASSERT_TRUE(pt.has_value());
  EXPECT_EQ(pt->username, "cert=AbC+/;iat-mode=0");
  EXPECT_EQ(pt->password, std::string(1, '\0'));

  auto colon = parse_proxy_url("http://a%3Ab:p%40ss%3a@h:1");
  ASSERT_TRUE(colon.has_value());
  EXPECT_EQ(colon->username, "a:b");  // parsed; connect() refuses it for HTTP (RFC 7617)
  EXPECT_EQ(colon->password, "p@ss:");

  auto longest = parse_proxy_url("socks5://" + std::string(255, 'u') + ":" + std::string(255, 'p') + "@h:1");
  ASSERT_TRUE(longest.has_value());
  EXPECT_EQ(longest->username.size(), 255u);
}

TEST(ProxyUrl, RefusesEverythingElse) {
  for (const std::string url : {
           "",
           "socks5://",
           "socks5://127.0.0.1",        // no port
           "socks5://127.0.0.1:0",      // port 0
           "socks5://127.0.0.1:65536",  // port too large
           "socks5://127.0.0.1:+80",    // not decimal
           "socks5h://127.0.0.1:9050",  // another scheme
           "socks4://127.0.0.1:9050",   //
           "https://proxy:443",         //
           "SOCKS5://127.0.0.1:9050",   // schemes are lower-case
           "wss://host:443",            //
           "socks5://user@h:1",         // a username without a password
           "socks5://:pass@h:1",        // an empty username
           "socks5://user:@h:1",        // an empty password
           "socks5://us er:p@h:1",      // a character that must be encoded
           "socks5://u:p:q@h:1",        // ':' inside the password unencoded
           "socks5://u:p@q@h:1",        // two '@'
           "socks5://u%4:p@h:1",        // a broken escape
           "socks5://u%zz:p@h:1",       //
           "socks5://u:p%@h:1",         //
           "socks5://h_1:1",            // not a host name
           "socks5://[::1:1080",        // unclosed bracket
           "socks5://[1.2.3.4]:1080",   // brackets around IPv4
           "socks5://[:]:1080",         // not an IPv6 address
           "http://h:1/path",           // a path
           "http://h:1?q",              // a query
           " socks5://h:1",             // spaces around
           "socks5://h:1 ",             //
       }) {
    EXPECT_FALSE(parse_proxy_url(url).has_value()) << url;
  }
  EXPECT_FALSE(parse_proxy_url("socks5://" + std::string(256, 'u') + ":p@h:1").has_value());
  EXPECT_FALSE(parse_proxy_url("socks5://u:" + std::string(256, 'p') + "@h:1").has_value());
  EXPECT_FALSE(parse_proxy_url("socks5://" + std::string(254, 'a') + ":1").has_value());  // over 253
  // Over kMaxProxyUrlSize even though each part would fit once decoded.
  std::string encoded;
  for (int i = 0; i < 255; ++i) encoded += "%41";
  EXPECT_TRUE(parse_proxy_url("socks5://" + encoded + ":" + encoded + "@h:1").has_value());
  EXPECT_FALSE(parse_proxy_url("socks5://" + encoded + ":" + encoded + "@" + std::string(kMaxProxyUrlSize, 'a') + ":1")
                   .has_value());
}

TEST(ProxyUrl, FormatsWhatItParsesAndMasksThePassword) {
  for (const char* url : {"socks5://127.0.0.1:9050", "http://proxy.example:3128",
                          "socks5://user%3Aname:p%40ss%20w%C3%B6rd@[2001:db8::1]:1080", "http://a-b.c_d~:x@h:1"}) {
    const auto proxy = parse_proxy_url(url);
    ASSERT_TRUE(proxy.has_value()) << url;
    const auto again = parse_proxy_url(format_proxy_url(*proxy, ProxyPassword::kInclude));
    ASSERT_TRUE(again.has_value()) << url;
    EXPECT_EQ(again->kind, proxy->kind);
    EXPECT_EQ(again->host, proxy->host);
    EXPECT_EQ(again->port, proxy->port);
    EXPECT_EQ(again->username, proxy->username);
    EXPECT_EQ(again->password, proxy->password);
  }
  const auto proxy = parse_proxy_url("socks5://alice:hunter2@[::1]:9050").value();
  EXPECT_EQ(format_proxy_url(proxy, ProxyPassword::kInclude), "socks5://alice:hunter2@[::1]:9050");
  EXPECT_EQ(format_proxy_url(proxy, ProxyPassword::kMask), "socks5://alice:***@[::1]:9050");
  EXPECT_EQ(format_proxy_url(ProxySettings{}, ProxyPassword::kInclude), "");
  EXPECT_EQ(format_server_url({"::1", 443}), "wss://[::1]:443");
  EXPECT_EQ(format_server_url({"chat.example.org", 8443}), "wss://chat.example.org:8443");
}

}  // namespace
}  // namespace hush::client
