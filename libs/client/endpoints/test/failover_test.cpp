// connect_through over a scripted dialer: endpoints tried first to last with their own proxy and
// fronting and the one trust, every failure recorded with its diagnostics, the last error kept.
// (A connection that succeeds needs a server: tests/integration/client_endpoints_test.cpp.)
#include <gtest/gtest.h>

#include "hush/client/endpoints/failover.hpp"

namespace hush::client {
namespace {

struct Dialed {
  ServerAddress server;
  ConnectionOptions options;
  bool pinned = false;
};

TEST(FailoverTest, TriesEveryEndpointInOrderAndKeepsTheLastError) {
  const ServerAddress server{"chat.example.org", 443};
  std::vector<Endpoint> endpoints(3);
  endpoints[0].address = server;
  endpoints[1].address = {"192.0.2.1", 8443};
  endpoints[1].via = parse_proxy_url("socks5://u:p@127.0.0.1:9050");
  endpoints[2].address = {"front.example", 443};
  endpoints[2].sni = "front.example";
  endpoints[2].host = "chat.example.org";
  const std::vector<TransportError> errors{TransportError::kConnectFailed, TransportError::kProxyRefused,
                                           TransportError::kCertificateRejected};
  std::vector<Dialed> dialed;
  const Dialer dial =
      [&](const ServerAddress& to, const ServerTrust& trust, const ConnectionOptions& options,
          ConnectDiagnostics* diagnostics) -> Result<std::unique_ptr<ServerConnection>, TransportError> {
    dialed.push_back({to, options, std::holds_alternative<PinnedCertificate>(trust)});
    if (dialed.size() == 2) diagnostics->proxy_reply = 5;
    return fail(errors[dialed.size() - 1]);
  };
  ConnectionOptions base;
  base.connect_timeout = std::chrono::milliseconds{777};
  ConnectReport report;
  report.connected = 9;  // replaced
  auto connection = connect_through(endpoints, server, PinnedCertificate{}, base, report, dial);
  ASSERT_FALSE(connection.ok());
  EXPECT_EQ(connection.error(), TransportError::kCertificateRejected);

  ASSERT_EQ(dialed.size(), 3u);
  for (const Dialed& call : dialed) {
    EXPECT_EQ(call.server.host, "chat.example.org");  // always the account's server
    EXPECT_TRUE(call.pinned);                         // and its trust
    EXPECT_EQ(call.options.connect_timeout, base.connect_timeout);
  }
  EXPECT_FALSE(dialed[0].options.proxy.has_value());
  EXPECT_TRUE(dialed[0].options.fronting.connect_host.empty());
  EXPECT_EQ(dialed[1].options.proxy->port, 9050);
  EXPECT_EQ(dialed[1].options.fronting.connect_host, "192.0.2.1");
  EXPECT_EQ(dialed[2].options.fronting.sni, std::optional<std::string>("front.example"));
  EXPECT_EQ(dialed[2].options.fronting.host_header, std::optional<std::string>("chat.example.org"));

  EXPECT_EQ(report.connected, 0u);
  ASSERT_EQ(report.attempts.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(report.attempts[i].number, i + 1);
    EXPECT_EQ(report.attempts[i].endpoint, endpoints[i]);
    EXPECT_EQ(report.attempts[i].error, std::optional<TransportError>(errors[i]));
  }
  EXPECT_EQ(report.attempts[1].diagnostics.proxy_reply, 5);
  EXPECT_EQ(report.attempts[0].diagnostics.proxy_reply, 0);
}

TEST(FailoverTest, AnEmptyListIsAnInvalidArgument) {
  ConnectReport report;
  bool called = false;
  const Dialer dial = [&](const ServerAddress&, const ServerTrust&, const ConnectionOptions&,
                          ConnectDiagnostics*) -> Result<std::unique_ptr<ServerConnection>, TransportError> {
    called = true;
    return fail(TransportError::kTimeout);
  };
  auto connection = connect_through({}, {"a.example", 1}, PinnedCertificate{}, {}, report, dial);
  ASSERT_FALSE(connection.ok());
  EXPECT_EQ(connection.error(), TransportError::kInvalidArgument);
  EXPECT_FALSE(called);
  EXPECT_TRUE(report.attempts.empty());
}

}  // namespace
}  // namespace hush::client

namespace hush::client {
namespace {

TEST(FailoverTest, AnObfs4EndpointWithoutItsTransportFailsOverByName) {
  const ServerAddress server{"chat.example.org", 443};
  std::vector<Endpoint> endpoints(2);
  endpoints[0].address = {"198.51.100.7", 9443};
  endpoints[0].obfs4 = Obfs4Bridge{std::string(70, 'A'), 0};
  endpoints[1].address = server;
  int dialed = 0;
  const Dialer dial = [&](const ServerAddress&, const ServerTrust&, const ConnectionOptions& options,
                          ConnectDiagnostics*) -> Result<std::unique_ptr<ServerConnection>, TransportError> {
    ++dialed;
    EXPECT_FALSE(options.proxy.has_value());  // the second endpoint, direct
    return fail(TransportError::kConnectFailed);
  };
  ConnectReport report;
  auto connection = connect_through(endpoints, server, PinnedCertificate{}, {}, report, dial, nullptr);
  ASSERT_FALSE(connection.ok());
  EXPECT_EQ(dialed, 1);  // the bridge was never dialled without obfs4proxy
  ASSERT_EQ(report.attempts.size(), 2u);
  EXPECT_EQ(report.attempts[0].error, TransportError::kTransportUnavailable);
  EXPECT_EQ(report.attempts[1].error, TransportError::kConnectFailed);
}

TEST(FailoverTest, AMissingObfs4proxyIsReportedAsTransportUnavailable) {
  const std::filesystem::path state = std::filesystem::temp_directory_path() / "hush-failover-pt-test";
  pt::Obfs4ClientOptions options;
  options.executable = "/nonexistent/obfs4proxy";
  PluggableTransports transports(state, options);
  auto proxy = transports.obfs4_proxy(Obfs4Bridge{std::string(70, 'A'), 0});
  ASSERT_FALSE(proxy.ok());
  EXPECT_EQ(proxy.error(), TransportError::kTransportUnavailable);
  EXPECT_NE(transports.last_failure().find("not installed"), std::string::npos) << transports.last_failure();
  std::error_code ignored;
  std::filesystem::remove_all(state, ignored);
}

}  // namespace
}  // namespace hush::client
