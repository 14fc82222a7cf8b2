// The endpoint list against a real in-process hushd: an account whose first endpoint is a closed
// loopback port fails over to the second and exchanges messages, and the connect report names the
// dead endpoint and its error; a registration fails over too; an endpoint through the test SOCKS5
// and HTTP CONNECT proxies (libs/client/transport/test) works; a home without a list gets one; a
// corrupt list stops the connection by name; when every endpoint fails, the last error is kept.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "client_fixture.hpp"
#include "hush/client/endpoints/endpoint_list.hpp"
#include "test_proxies.hpp"

namespace hush::test {
namespace {

using client::Endpoint;
using client::TransportError;

// A loopback port nothing listens on: bound, then closed (connections to it are refused).
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t size = sizeof address;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

class ClientEndpointsTest : public ClientFixture {
 protected:
  Endpoint real() const {
    return Endpoint{{"127.0.0.1", port_}, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  }
  static Endpoint dead() {
    return Endpoint{{"127.0.0.1", closed_port()}, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  }
  std::unique_ptr<Account> open_home(const std::string& name) {
    auto account = Account::open(homes_ / name, unlock(), rng_, options());
    EXPECT_TRUE(account.ok()) << (account.ok() ? "" : client::describe(account.error()));
    return account.ok() ? std::move(*account) : nullptr;
  }
  // Logs `name` in through `endpoints` and checks that endpoint `expected` (from 1) connected.
  std::unique_ptr<Account> log_in_through(const std::string& name, const std::vector<Endpoint>& endpoints,
                                          std::size_t expected) {
    EXPECT_TRUE(client::save_endpoints(homes_ / name, endpoints).ok());
    auto account = open_home(name);
    if (!account) return nullptr;
    auto logged_in = account->log_in();
    EXPECT_TRUE(logged_in.ok()) << client::describe(logged_in.error());
    const client::ConnectReport& report = account->last_connect_report();
    EXPECT_EQ(report.connected, expected);
    EXPECT_EQ(report.attempts.size(), expected);
    return account;
  }
};

TEST_F(ClientEndpointsTest, DeadFirstEndpointFailsOverAndMessagesFlow) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  // Registration put the server it went through first in each home's list.
  EXPECT_EQ(client::load_endpoints(homes_ / "alice").value(), std::vector<Endpoint>{real()});
  alice.reset();

  const Endpoint gone = dead();
  alice = log_in_through("alice", {gone, real()}, 2);
  ASSERT_TRUE(alice);
  const client::ConnectReport& report = alice->last_connect_report();
  EXPECT_EQ(report.attempts[0].number, 1u);
  EXPECT_EQ(report.attempts[0].endpoint, gone);
  EXPECT_EQ(report.attempts[0].error, std::optional<TransportError>(TransportError::kConnectFailed));
  EXPECT_EQ(report.attempts[1].endpoint, real());
  EXPECT_FALSE(report.attempts[1].error.has_value());

  Messenger alice_messenger(*alice), bob_messenger(*bob);
  send(alice_messenger, "bob", "through the second endpoint");
  auto at_bob = receive(bob_messenger);
  ASSERT_EQ(at_bob.size(), 1u);
  EXPECT_EQ(at_bob[0].body, "through the second endpoint");
  send(bob_messenger, "alice", "and back");
  auto at_alice = receive(alice_messenger);
  ASSERT_EQ(at_alice.size(), 1u);
  EXPECT_EQ(at_alice[0].body, "and back");
}

TEST_F(ClientEndpointsTest, RegistrationFailsOverToAnEndpointAddedBefore) {
  // Before registration: the list holds the real server; the registration goes through a dead
  // address of it (a fronting connect address), which becomes endpoint 1, and fails over.
  ASSERT_TRUE(client::add_endpoint(homes_ / "carol", real()).ok());
  client::AccountOptions through_dead = options();
  const std::uint16_t dead_port = closed_port();
  through_dead.connection.fronting.connect_host = "127.0.0.1";
  through_dead.connection.fronting.connect_port = dead_port;
  auto carol = Account::register_new(homes_ / "carol", unlock(), settings(), "carol", "", rng_, through_dead);
  ASSERT_TRUE(carol.ok()) << client::describe(carol.error());
  const client::ConnectReport& report = (*carol)->last_connect_report();
  EXPECT_EQ(report.connected, 2u);
  ASSERT_EQ(report.attempts.size(), 2u);
  EXPECT_EQ(report.attempts[0].endpoint.address.port, dead_port);
  EXPECT_EQ(report.attempts[0].error, std::optional<TransportError>(TransportError::kConnectFailed));
  const auto list = client::load_endpoints(homes_ / "carol").value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].address.port, dead_port);
  EXPECT_EQ(list[1], real());
}

TEST_F(ClientEndpointsTest, ThroughTheTestProxies) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  alice.reset();
  client::test::TestProxy socks5(client::ProxySettings::kSocks5, {"user", "pass word", 0, "", false});
  client::test::TestProxy http(client::ProxySettings::kHttpConnect);

  Endpoint via_socks5 = real();
  via_socks5.via = socks5.settings("user", "pass word");
  alice = log_in_through("alice", {dead(), via_socks5}, 2);
  ASSERT_TRUE(alice);
  ASSERT_EQ(socks5.requests().size(), 1u);
  EXPECT_EQ(socks5.requests()[0].host, "127.0.0.1");
  EXPECT_EQ(socks5.requests()[0].port, port_);
  {
    Messenger alice_messenger(*alice), bob_messenger(*bob);
    send(alice_messenger, "bob", "through socks5");
    auto at_bob = receive(bob_messenger);
    ASSERT_EQ(at_bob.size(), 1u);
    EXPECT_EQ(at_bob[0].body, "through socks5");
  }
  alice.reset();

  // A proxy that refuses the credentials is one failed endpoint among others.
  Endpoint wrong_password = via_socks5;
  wrong_password.via->password = "wrong";
  Endpoint via_http = real();
  via_http.via = http.settings();
  alice = log_in_through("alice", {wrong_password, via_http}, 2);
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->last_connect_report().attempts[0].error,
            std::optional<TransportError>(TransportError::kProxyAuthFailed));
  EXPECT_EQ(http.requests().size(), 1u);
}

TEST_F(ClientEndpointsTest, EveryEndpointFailingKeepsTheLastError) {
  auto alice = register_home("alice");
  ASSERT_TRUE(alice);
  alice.reset();
  // The second is the server with the wrong port's neighbour... a dead one, through a proxy that
  // is not there either.
  Endpoint unreachable_proxy = real();
  unreachable_proxy.via = client::ProxySettings{client::ProxySettings::kSocks5, "127.0.0.1", closed_port(), "", ""};
  ASSERT_TRUE(client::save_endpoints(homes_ / "alice", {dead(), unreachable_proxy}).ok());
  alice = open_home("alice");
  ASSERT_TRUE(alice);
  auto logged_in = alice->log_in();
  ASSERT_FALSE(logged_in.ok());
  EXPECT_EQ(client::describe(logged_in.error()), "transport: connect_failed");
  const client::ConnectReport& report = alice->last_connect_report();
  EXPECT_EQ(report.connected, 0u);
  ASSERT_EQ(report.attempts.size(), 2u);
  for (const auto& attempt : report.attempts) {
    EXPECT_EQ(attempt.error, std::optional<TransportError>(TransportError::kConnectFailed));
  }
}

TEST_F(ClientEndpointsTest, AHomeWithoutAListGetsOneAndACorruptListStopsByName) {
  auto alice = register_home("alice");
  ASSERT_TRUE(alice);
  alice.reset();
  // A home registered before lists existed: open() writes its one endpoint.
  const auto file = client::endpoints_file(homes_ / "alice");
  ASSERT_TRUE(std::filesystem::remove(file));
  alice = open_home("alice");
  ASSERT_TRUE(alice);
  EXPECT_EQ(client::load_endpoints(homes_ / "alice").value(), std::vector<Endpoint>{real()});
  alice.reset();

  // An empty list: the account's own server.
  ASSERT_TRUE(client::save_endpoints(homes_ / "alice", {}).ok());
  alice = open_home("alice");
  ASSERT_TRUE(alice && alice->log_in().ok());
  EXPECT_EQ(alice->last_connect_report().attempts.size(), 1u);
  EXPECT_EQ(alice->last_connect_report().attempts[0].endpoint, real());
  alice.reset();

  // A corrupt list is an error, and stays as it was.
  { std::ofstream(file, std::ios::trunc) << "{\"version\": 1, \"endpoints\": [{\"url\": 5}]}"; }
  alice = open_home("alice");
  ASSERT_TRUE(alice);
  auto logged_in = alice->log_in();
  ASSERT_FALSE(logged_in.ok());
  EXPECT_EQ(client::describe(logged_in.error()), "store: endpoints_corrupt");
  std::ifstream in(file);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()),
            "{\"version\": 1, \"endpoints\": [{\"url\": 5}]}");
}

}  // namespace
}  // namespace hush::test
