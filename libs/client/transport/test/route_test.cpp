// plan_route: the defaults are the direct connection of before; proxy and fronting settings change
// only what they name; malformed settings are refused before anything touches the network.
#include "route.hpp"

#include <gtest/gtest.h>

namespace hush::client {
namespace {

TEST(Route, DefaultsAreTheDirectConnection) {
  auto named = plan_route({"chat.example", 7443}, {});
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->tcp_host, "chat.example");
  EXPECT_EQ(named->tcp_port, 7443);
  EXPECT_FALSE(named->proxy.has_value());
  EXPECT_EQ(named->sni, "chat.example");
  EXPECT_EQ(named->host_header, "chat.example:7443");
  EXPECT_EQ(named->verify_name, "chat.example");

  auto v4 = plan_route({"127.0.0.1", 1}, {});
  ASSERT_TRUE(v4.ok());
  EXPECT_FALSE(v4->sni.has_value());  // no SNI for an address (RFC 6066 §3)
  EXPECT_EQ(v4->host_header, "127.0.0.1:1");

  auto v6 = plan_route({"::1", 443}, {});
  ASSERT_TRUE(v6.ok());
  EXPECT_FALSE(v6->sni.has_value());
  EXPECT_EQ(v6->host_header, "[::1]:443");

  ConnectionOptions none;
  none.proxy = ProxySettings{};  // kind kNone: the same as no proxy
  auto direct = plan_route({"chat.example", 7443}, none);
  ASSERT_TRUE(direct.ok());
  EXPECT_FALSE(direct->proxy.has_value());
  EXPECT_EQ(direct->tcp_host, "chat.example");
}

TEST(Route, AProxyTakesTheTcpConnectionAndIsAskedForTheServer) {
  ConnectionOptions options;
  options.proxy = ProxySettings{ProxySettings::kSocks5, "127.0.0.1", 9050, "isolation", "1"};
  auto route = plan_route({"abcdefghijklmnop.onion", 443}, options);
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route->tcp_host, "127.0.0.1");
  EXPECT_EQ(route->tcp_port, 9050);
  ASSERT_TRUE(route->proxy.has_value());
  EXPECT_EQ(route->proxy->username, "isolation");
  EXPECT_EQ(route->target_host, "abcdefghijklmnop.onion");
  EXPECT_EQ(route->target_port, 443);
  EXPECT_EQ(route->sni, "abcdefghijklmnop.onion");
}

TEST(Route, FrontingChoosesAddressSniAndHostIndependently) {
  ConnectionOptions options;
  options.fronting.connect_host = "192.0.2.7";
  options.fronting.connect_port = 8443;
  options.fronting.sni = "front.example";
  options.fronting.host_header = "hidden.example";
  auto route = plan_route({"hidden.example", 443}, options);
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route->tcp_host, "192.0.2.7");
  EXPECT_EQ(route->tcp_port, 8443);
  EXPECT_EQ(route->sni, "front.example");
  EXPECT_EQ(route->host_header, "hidden.example");
  EXPECT_EQ(route->verify_name, "front.example");  // a CA-issued certificate is the front's

  options.fronting.sni = "";  // no SNI at all; the certificate must then name the server
  route = plan_route({"hidden.example", 443}, options);
  ASSERT_TRUE(route.ok());
  EXPECT_FALSE(route->sni.has_value());
  EXPECT_EQ(route->verify_name, "hidden.example");

  // With a proxy, the fronting address is what the proxy is asked for.
  options.proxy = ProxySettings{ProxySettings::kHttpConnect, "proxy.example", 3128, "", ""};
  route = plan_route({"hidden.example", 443}, options);
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route->tcp_host, "proxy.example");
  EXPECT_EQ(route->target_host, "192.0.2.7");
  EXPECT_EQ(route->target_port, 8443);
}

TEST(Route, RefusesMalformedSettings) {
  const ServerAddress server{"chat.example", 443};
  EXPECT_EQ(plan_route({"", 443}, {}).error(), TransportError::kInvalidArgument);
  EXPECT_EQ(plan_route({"chat.example", 0}, {}).error(), TransportError::kInvalidArgument);
  EXPECT_EQ(plan_route({"chat.example\r\nX: y", 443}, {}).error(), TransportError::kInvalidArgument);
  EXPECT_EQ(plan_route({std::string(254, 'a'), 443}, {}).error(), TransportError::kInvalidArgument);

  auto with_proxy = [&](ProxySettings proxy) {
    ConnectionOptions options;
    options.proxy = std::move(proxy);
    return plan_route(server, options);
  };
  EXPECT_TRUE(with_proxy({ProxySettings::kSocks5, "127.0.0.1", 9050, "u", "p"}).ok());
  EXPECT_FALSE(with_proxy({ProxySettings::kSocks5, "", 9050, "", ""}).ok());
  EXPECT_FALSE(with_proxy({ProxySettings::kSocks5, "127.0.0.1", 0, "", ""}).ok());
  EXPECT_FALSE(with_proxy({ProxySettings::kSocks5, "bad host", 9050, "", ""}).ok());
  EXPECT_FALSE(with_proxy({ProxySettings::kSocks5, "127.0.0.1", 9050, "u", ""}).ok());
  EXPECT_FALSE(with_proxy({ProxySettings::kSocks5, "127.0.0.1", 9050, "", "p"}).ok());
  EXPECT_FALSE(with_proxy({ProxySettings::kSocks5, "127.0.0.1", 9050, std::string(256, 'u'), "p"}).ok());
  EXPECT_FALSE(with_proxy({ProxySettings::kSocks5, "127.0.0.1", 9050, "u", std::string(256, 'p')}).ok());
  EXPECT_TRUE(with_proxy({ProxySettings::kSocks5, "127.0.0.1", 9050, "u:v", "p"}).ok());
  EXPECT_FALSE(with_proxy({ProxySettings::kHttpConnect, "127.0.0.1", 3128, "u:v", "p"}).ok());
  EXPECT_FALSE(with_proxy({static_cast<ProxySettings::Kind>(3), "127.0.0.1", 3128, "", ""}).ok());

  auto with_fronting = [&](FrontingSettings fronting) {
    ConnectionOptions options;
    options.fronting = std::move(fronting);
    return plan_route(server, options);
  };
  EXPECT_FALSE(with_fronting({"not a host", 0, std::nullopt, std::nullopt}).ok());
  EXPECT_FALSE(with_fronting({"", 0, "192.0.2.1", std::nullopt}).ok());  // an address as SNI
  EXPECT_FALSE(with_fronting({"", 0, "front example", std::nullopt}).ok());
  EXPECT_FALSE(with_fronting({"", 0, std::nullopt, ""}).ok());
  EXPECT_FALSE(with_fronting({"", 0, std::nullopt, "hidden.example\r\nX-Injected: 1"}).ok());
  EXPECT_FALSE(with_fronting({"", 0, std::nullopt, "hidden example"}).ok());
  EXPECT_TRUE(with_fronting({"", 0, std::nullopt, "[::1]:443"}).ok());
}

}  // namespace
}  // namespace hush::client
