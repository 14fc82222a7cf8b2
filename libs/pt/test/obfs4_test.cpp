// Obfs4Client and Obfs4Server with Debian's real obfs4proxy, over loopback: a tunnel to a TCP echo
// target carries 300 KB both ways bit-exact; the bridge says nothing to an unauthenticated probe;
// the state folder keeps the bridge's cert. Skipped without obfs4proxy unless HUSH_REQUIRE_OBFS4=1.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <thread>

#include "hush/pt/obfs4.hpp"
#include "scratch_folder.hpp"
#include "socket_helpers.hpp"

namespace hush::pt {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::size_t kPayloadSize = 300 * 1000;
constexpr std::size_t kProbeNoiseSize = 8 * 1024;
constexpr auto kProbeWindow = 3s;   // the bridge waits far longer (obfs4: 15-60 s) before closing
constexpr auto kEchoTimeout = 20s;  // between two reads of the echoed payload
constexpr std::uint32_t kPayloadSeed = 20240607;
constexpr std::uint32_t kProbeSeed = 7;

// A test that needs obfs4proxy: skipped without it, unless CI demands it (HUSH_REQUIRE_OBFS4=1).
#define HUSH_REQUIRE_OBFS4()                                                                         \
  do {                                                                                               \
    if (access(std::string(kDefaultObfs4Executable).c_str(), X_OK) != 0) {                           \
      const char* required = std::getenv("HUSH_REQUIRE_OBFS4");                                      \
      if (required != nullptr && std::string_view(required) == "1") {                                \
        FAIL() << "obfs4proxy not installed (HUSH_REQUIRE_OBFS4=1): apt-get install obfs4proxy";     \
      }                                                                                              \
      GTEST_SKIP() << "obfs4proxy not installed: apt-get install obfs4proxy (or run scripts/setup)"; \
    }                                                                                                \
  } while (0)

std::string random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 generator(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(byte(generator));
  return out;
}

class Obfs4 : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(echo_.port(), 0); }

  std::unique_ptr<Obfs4Server> start_server(const fs::path& state_dir) {
    Obfs4ServerOptions options;
    options.state_dir = state_dir;
    options.bind_host = "127.0.0.1";
    options.bind_port = 0;
    options.target_host = "127.0.0.1";
    options.target_port = echo_.port();
    auto server = Obfs4Server::start(options);
    EXPECT_TRUE(server.ok()) << describe(server.error());
    return server.ok() ? std::move(*server) : nullptr;
  }
  std::unique_ptr<Obfs4Client> start_client() {
    Obfs4ClientOptions options;
    options.state_dir = folder_.path() / "client";
    auto client = Obfs4Client::start(options);
    EXPECT_TRUE(client.ok()) << describe(client.error());
    return client.ok() ? std::move(*client) : nullptr;
  }

  hush::test::ScratchFolder folder_{"hush-obfs4"};
  test::EchoServer echo_;
};

TEST_F(Obfs4, TunnelCarries300KilobytesBothWaysBitExact) {
  HUSH_REQUIRE_OBFS4();
  auto server = start_server(folder_.path() / "server");
  auto client = start_client();
  ASSERT_TRUE(server && client);
  EXPECT_EQ(client->socks_host(), "127.0.0.1");
  EXPECT_EQ(server->cert().size(), kObfs4CertSize);
  EXPECT_EQ(server->iat_mode(), 0);

  auto credentials = obfs4_socks_credentials(server->cert(), server->iat_mode());
  ASSERT_TRUE(credentials.ok());
  test::Socket tunnel = test::connect_tcp(client->socks_host(), client->socks_port());
  ASSERT_TRUE(tunnel.valid());
  ASSERT_EQ(
      test::socks5_connect(tunnel.fd(), server->host(), server->port(), credentials->username, credentials->password),
      0);

  const std::string payload = random_bytes(kPayloadSize, kPayloadSeed);
  bool sent = false;
  std::thread writer([&] { sent = test::send_all(tunnel.fd(), payload); });
  const std::string echoed = test::receive(tunnel.fd(), payload.size(), kEchoTimeout);
  writer.join();
  EXPECT_TRUE(sent);
  ASSERT_EQ(echoed.size(), payload.size());
  EXPECT_TRUE(echoed == payload);
}

TEST_F(Obfs4, WrongCertIsRefusedByTheClient) {
  HUSH_REQUIRE_OBFS4();
  auto server = start_server(folder_.path() / "server");
  auto client = start_client();
  ASSERT_TRUE(server && client);
  // obfs4proxy checks the cert's length before dialling: SOCKS5 "general failure".
  auto credentials = obfs4_socks_credentials(server->cert().substr(1), 0);
  test::Socket tunnel = test::connect_tcp(client->socks_host(), client->socks_port());
  ASSERT_TRUE(tunnel.valid());
  EXPECT_NE(
      test::socks5_connect(tunnel.fd(), server->host(), server->port(), credentials->username, credentials->password),
      0);
}

TEST_F(Obfs4, BridgeSaysNothingToAnUnauthenticatedProbe) {
  HUSH_REQUIRE_OBFS4();
  auto server = start_server(folder_.path() / "server");
  ASSERT_TRUE(server);
  const std::string probe =
      "GET / HTTP/1.1\r\nHost: " + server->host() + "\r\n\r\n" + random_bytes(kProbeNoiseSize, kProbeSeed);
  // The same probe gets an answer from a service that does answer (the echo target): the
  // measurement can see bytes when there are any.
  test::Socket control = test::connect_tcp("127.0.0.1", echo_.port());
  ASSERT_TRUE(control.valid());
  ASSERT_TRUE(test::send_all(control.fd(), probe));
  EXPECT_EQ(test::receive(control.fd(), 1, kProbeWindow).size(), 1u);

  test::Socket bridge = test::connect_tcp(server->host(), server->port());
  ASSERT_TRUE(bridge.valid());
  ASSERT_TRUE(test::send_all(bridge.fd(), probe));
  EXPECT_EQ(test::bytes_arriving_within(bridge.fd(), kProbeWindow), 0u);
}

TEST_F(Obfs4, SameStateDirKeepsTheCert) {
  HUSH_REQUIRE_OBFS4();
  std::string first_cert;
  {
    auto server = start_server(folder_.path() / "server");
    ASSERT_TRUE(server);
    first_cert = server->cert();
  }
  auto again = start_server(folder_.path() / "server");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->cert(), first_cert);
  auto other = start_server(folder_.path() / "other-server");
  ASSERT_TRUE(other);
  EXPECT_NE(other->cert(), first_cert);
}

TEST_F(Obfs4, BusyPortIsAMethodErrorWithObfs4proxysReason) {
  HUSH_REQUIRE_OBFS4();
  auto first = start_server(folder_.path() / "server");
  ASSERT_TRUE(first);
  Obfs4ServerOptions options;
  options.state_dir = folder_.path() / "second";
  options.bind_port = first->port();
  options.target_port = echo_.port();
  auto second = Obfs4Server::start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().error, PtError::kMethodError);
  EXPECT_NE(second.error().message.find("address already in use"), std::string::npos) << second.error().message;
}

TEST_F(Obfs4, StoppingLeavesNoProcess) {
  HUSH_REQUIRE_OBFS4();
  auto server = start_server(folder_.path() / "server");
  auto client = start_client();
  ASSERT_TRUE(server && client);
  const int server_pid = server->process_id();
  const int client_pid = client->process_id();
  EXPECT_TRUE(server->running());
  EXPECT_TRUE(client->running());
  server.reset();
  client.reset();
  EXPECT_NE(kill(server_pid, 0), 0);
  EXPECT_NE(kill(client_pid, 0), 0);
}

TEST(Obfs4Executable, MissingIsNotInstalled) {
  hush::test::ScratchFolder folder("hush-obfs4");
  Obfs4ClientOptions options;
  options.executable = folder.path() / "obfs4proxy";
  options.state_dir = folder.path() / "state";
  auto client = Obfs4Client::start(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().error, PtError::kNotInstalled);
  EXPECT_EQ(describe(client.error()),
            "obfs4proxy not installed: apt-get install obfs4proxy (no file at " + options.executable.string() + ")");
}

}  // namespace
}  // namespace hush::pt
