// `hush probe`'s library (libs/client/probe) against a real in-process hushd: a closed port fails
// at tcp_connect with connection_refused, a listener that accepts and never answers at
// tls_handshake with generic_timeout_error (and its SNI control fails too), a wrong pin at
// tls_handshake with ssl_invalid_certificate, and the real server passes every step, media
// included, and is the working endpoint. Before registration the probe stops after the WebSocket.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_fixture.hpp"
#include "hush/client/probe/probe.hpp"

namespace hush::test {
namespace {

using client::Endpoint;
using client::ProbeStep;

// Short bounds: the silent listener costs one step timeout per connection (the probe's own and
// the account's failover), and the SNI control another.
constexpr std::chrono::milliseconds kStepTimeout{1000};
// Several chunks in flight, but quick on loopback.
constexpr std::size_t kLargeBlob = 256 * 1024;

// A loopback listener: `listening` keeps it open without ever accepting (the kernel completes
// TCP handshakes into the backlog, then nothing answers); otherwise it is closed at once and
// connections to its port are refused.
class LoopbackPort {
 public:
  explicit LoopbackPort(bool listening) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(fd_, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t size = sizeof address;
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size), 0);
    port_ = ntohs(address.sin_port);
    if (listening) {
      EXPECT_EQ(::listen(fd_, SOMAXCONN), 0);
    } else {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~LoopbackPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  LoopbackPort(const LoopbackPort&) = delete;
  LoopbackPort& operator=(const LoopbackPort&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

Endpoint direct(std::uint16_t port) {
  return Endpoint{{"127.0.0.1", port}, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
}

const client::StepResult* find_step(const client::EndpointReport& endpoint, ProbeStep step) {
  for (const auto& result : endpoint.steps) {
    if (result.step == step) return &result;
  }
  return nullptr;
}

class ClientProbeTest : public ClientFixture {
 protected:
  static client::ProbeOptions probe_options() {
    client::ProbeOptions options;
    options.step_timeout = kStepTimeout;
    options.media_timeout = std::chrono::seconds(60);
    options.large_blob_size = kLargeBlob;
    return options;
  }
  client::ProbeTarget target(std::vector<Endpoint> endpoints) const {
    return client::ProbeTarget{settings().address, settings().trust, std::move(endpoints), {}};
  }
};

TEST_F(ClientProbeTest, NamesEachBlockedStepAndTheEndpointThatWorks) {
  ASSERT_TRUE(register_home("alice"));
  const LoopbackPort closed(false);
  const LoopbackPort silent(true);
  const std::vector<Endpoint> endpoints = {direct(closed.port()), direct(silent.port()), direct(port_)};
  ASSERT_TRUE(client::save_endpoints(homes_ / "alice", endpoints).ok());
  auto account_options = options();
  account_options.connection.connect_timeout = kStepTimeout;
  auto account = Account::open(homes_ / "alice", unlock(), rng_, account_options);
  ASSERT_TRUE(account.ok());

  const client::ProbeReport report =
      client::run_probe(target(endpoints), account->get(), nullptr, rng_, probe_options());
  ASSERT_EQ(report.endpoints.size(), 3u);

  const auto& refused = report.endpoints[0];
  ASSERT_NE(refused.failed(), nullptr);
  EXPECT_EQ(refused.failed()->step, ProbeStep::kTcpConnect);
  EXPECT_EQ(refused.failed()->failure, "connection_refused");
  EXPECT_EQ(refused.steps.size(), 2u);  // dns, then the failed step; nothing after it
  EXPECT_EQ(refused.transport, "direct");

  const auto& mute = report.endpoints[1];
  ASSERT_NE(mute.failed(), nullptr);
  EXPECT_EQ(mute.failed()->step, ProbeStep::kTlsHandshake);
  EXPECT_EQ(mute.failed()->failure, "generic_timeout_error");
  ASSERT_EQ(report.control.sni_checks.size(), 1u);
  EXPECT_EQ(report.control.sni_checks[0].index, 2u);
  EXPECT_FALSE(report.control.sni_checks[0].ok);

  const auto& real = report.endpoints[2];
  EXPECT_EQ(real.failed(), nullptr);
  for (const ProbeStep step :
       {ProbeStep::kDns, ProbeStep::kTcpConnect, ProbeStep::kTlsHandshake, ProbeStep::kWebSocketUpgrade,
        ProbeStep::kAuthentication, ProbeStep::kMessageRoundTrip, ProbeStep::kMediaSmall, ProbeStep::kMediaLarge}) {
    const auto* result = find_step(real, step);
    ASSERT_NE(result, nullptr) << client::to_string(step);
    EXPECT_EQ(result->ok, true) << client::to_string(step) << " " << result->failure;
  }
  EXPECT_EQ(find_step(real, ProbeStep::kMediaLarge)->bytes, kLargeBlob);
  EXPECT_EQ(find_step(real, ProbeStep::kMediaLarge)->resets, 0u);
  EXPECT_TRUE(real.throughput_kbps.has_value());
  EXPECT_EQ(report.working_endpoint, 3u);
  EXPECT_EQ(report.control.server_reached_through, 3u);
  EXPECT_NE(report.verdict.find("endpoint 3"), std::string::npos) << report.verdict;

  // The probe left nothing for the account to receive: its message was refused, not stored.
  auto again = reopen("alice");
  ASSERT_TRUE(again);
  Messenger messenger(*again);
  auto received = messenger.receive(std::chrono::milliseconds(300));
  ASSERT_TRUE(received.ok());
  EXPECT_TRUE(received->empty());
}

TEST_F(ClientProbeTest, WrongPinIsAnInvalidCertificate) {
  crypto::Sha256Digest wrong{};
  wrong.fill(0x5A);
  client::ProbeTarget probed = target({direct(port_)});
  probed.trust = client::PinnedCertificate{wrong};
  const client::ProbeReport report = client::run_probe(probed, nullptr, nullptr, rng_, probe_options());
  ASSERT_EQ(report.endpoints.size(), 1u);
  ASSERT_NE(report.endpoints[0].failed(), nullptr);
  EXPECT_EQ(report.endpoints[0].failed()->step, ProbeStep::kTlsHandshake);
  EXPECT_EQ(report.endpoints[0].failed()->failure, "ssl_invalid_certificate");
  // The control handshake (which trusts nothing) gets through: the address is not blocked.
  ASSERT_EQ(report.control.sni_checks.size(), 1u);
  EXPECT_TRUE(report.control.sni_checks[0].ok);
  EXPECT_FALSE(report.working_endpoint);
}

TEST_F(ClientProbeTest, BeforeRegistrationStopsAfterTheWebSocket) {
  const client::ProbeReport report =
      client::run_probe(target({direct(port_)}), nullptr, nullptr, rng_, probe_options());
  ASSERT_EQ(report.endpoints.size(), 1u);
  EXPECT_FALSE(report.registered);
  EXPECT_EQ(report.endpoints[0].failed(), nullptr);
  EXPECT_EQ(find_step(report.endpoints[0], ProbeStep::kWebSocketUpgrade)->ok, true);
  const auto* authentication = find_step(report.endpoints[0], ProbeStep::kAuthentication);
  ASSERT_NE(authentication, nullptr);
  EXPECT_FALSE(authentication->ok.has_value());
  EXPECT_EQ(authentication->skipped, "not_registered");
  EXPECT_EQ(report.working_endpoint, 1u);
}

}  // namespace
}  // namespace hush::test
