// run_probe's account steps against a real in-process hushd, per endpoint: two endpoints that both
// work (direct, and through a SOCKS5 proxy of the transport's tests) each log in and move media
// through themselves alone; a dead endpoint 1 gets no account steps while endpoint 2 gets them all;
// a home without a list runs them through the server itself.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <thread>

#include "hush/client/probe/probe.hpp"
#include "hush/server/server.hpp"
#include "hush/server/tls_setup.hpp"
#include "hush/storage/sqlite_storage.hpp"
#include "test_proxies.hpp"

namespace hush::client {
namespace {

using namespace std::chrono_literals;

// Loopback answers at once; a dead endpoint is a refused port, which costs nothing to wait for.
constexpr std::chrono::milliseconds kStepTimeout{5000};
// Several chunks in flight (a 15 KiB chunk each), but quick on loopback.
constexpr std::size_t kLargeBlob = 256 * 1024;
constexpr std::array kAccountSteps = {ProbeStep::kAuthentication, ProbeStep::kMessageRoundTrip, ProbeStep::kMediaSmall,
                                      ProbeStep::kMediaLarge};
constexpr std::array kAllSteps = {ProbeStep::kDns,
                                  ProbeStep::kTcpConnect,
                                  ProbeStep::kTlsHandshake,
                                  ProbeStep::kWebSocketUpgrade,
                                  ProbeStep::kAuthentication,
                                  ProbeStep::kMessageRoundTrip,
                                  ProbeStep::kMediaSmall,
                                  ProbeStep::kMediaLarge};

// A loopback port nothing listens on: bound, then closed, so connections to it are refused.
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t size = sizeof address;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size), 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

const StepResult* find_step(const EndpointReport& endpoint, ProbeStep step) {
  for (const StepResult& result : endpoint.steps) {
    if (result.step == step) return &result;
  }
  return nullptr;
}

// Every step of `endpoint` ran, in order, and passed.
void expect_every_step_passed(const EndpointReport& endpoint) {
  ASSERT_EQ(endpoint.steps.size(), kAllSteps.size()) << "endpoint " << endpoint.index;
  for (std::size_t i = 0; i < kAllSteps.size(); ++i) {
    const StepResult& result = endpoint.steps[i];
    EXPECT_EQ(result.step, kAllSteps[i]) << "endpoint " << endpoint.index << " step " << i;
    EXPECT_EQ(result.ok, true) << "endpoint " << endpoint.index << " " << to_string(result.step) << " "
                               << result.failure << result.skipped;
    EXPECT_TRUE(result.elapsed.has_value()) << "endpoint " << endpoint.index << " " << to_string(result.step);
  }
  EXPECT_EQ(endpoint.steps.back().bytes, kLargeBlob) << "endpoint " << endpoint.index;
  EXPECT_TRUE(endpoint.throughput_kbps.has_value()) << "endpoint " << endpoint.index;
  EXPECT_TRUE(endpoint.fully_tested()) << "endpoint " << endpoint.index;
}

class ProbeEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "hush-probe-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    folder_ = pattern;
    const std::filesystem::path data_dir = folder_ / "server";
    std::filesystem::create_directories(data_dir);
    auto tls = server::ensure_self_signed_tls(data_dir);
    ASSERT_TRUE(tls.ok());
    auto storage = storage::open_sqlite_storage(data_dir);
    ASSERT_TRUE(storage.ok());
    storage_ = std::move(*storage);
    server::Options options;
    options.listen_address = "127.0.0.1";
    options.listen_port = 0;
    options.data_dir = data_dir;
    options.tls_certificate_file = tls->certificate;
    options.tls_private_key_file = tls->private_key;
    options.threads = 2;
    options.shutdown_grace = 2s;
    options.log_sink = [](std::string_view) {};
    server_ = std::make_unique<server::Server>(options, *storage_);
    ASSERT_EQ(server_->start(), "");
    port_ = server_->port();
    auto pin = parse_fingerprint(tls->fingerprint_hex);
    ASSERT_TRUE(pin.has_value());
    settings_ = {{"127.0.0.1", port_}, PinnedCertificate{*pin}};

    AccountOptions account_options;
    account_options.prekey_batch = 10;
    account_options.store.kdf = {kMinKdfOperations, kMinKdfMemory};  // tests only: fast unlock
    account_options.connection.connect_timeout = kStepTimeout;
    account_options.connection.request_timeout = kStepTimeout;
    auto account = Account::register_new(home(), Passphrase{crypto::SecretBytes(as_bytes("correct horse battery"))},
                                         settings_, "alice", "", rng_, account_options);
    ASSERT_TRUE(account.ok()) << describe(account.error());
    account_ = std::move(*account);
  }

  void TearDown() override {
    account_.reset();
    server_.reset();
    storage_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }

  std::filesystem::path home() const { return folder_ / "alice"; }

  Endpoint direct(std::uint16_t port) const { return Endpoint{{"127.0.0.1", port}, {}, {}, {}, {}}; }

  // The probe of the home's list `endpoints` (saved as the list first).
  ProbeReport probe(const std::vector<Endpoint>& endpoints) {
    EXPECT_TRUE(save_endpoints(home(), endpoints).ok());
    ProbeOptions options;
    options.step_timeout = kStepTimeout;
    options.media_timeout = 60s;
    options.large_blob_size = kLargeBlob;
    return run_probe(ProbeTarget{settings_.address, settings_.trust, endpoints, {}}, account_.get(), nullptr, rng_,
                     options);
  }

  std::filesystem::path folder_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<server::Server> server_;
  std::uint16_t port_ = 0;
  ServerSettings settings_;
  crypto::SystemRng rng_;
  std::unique_ptr<Account> account_;
};

TEST_F(ProbeEndpointsTest, EveryEndpointThatConnectsRunsTheAccountStepsThroughItself) {
  test::TestProxy proxy(ProxySettings::kSocks5);
  Endpoint proxied = direct(port_);
  proxied.via = proxy.settings();
  const ProbeReport report = probe({direct(port_), proxied});

  ASSERT_EQ(report.endpoints.size(), 2u);
  EXPECT_EQ(report.endpoints[0].transport, "direct");
  EXPECT_EQ(report.endpoints[1].transport, "socks5");
  expect_every_step_passed(report.endpoints[0]);
  expect_every_step_passed(report.endpoints[1]);
  EXPECT_EQ(report.working_endpoint, 1u);
  EXPECT_NE(report.verdict.find("Messages and media get through endpoint 1"), std::string::npos) << report.verdict;
  EXPECT_EQ(report.verdict.find("fails at"), std::string::npos) << report.verdict;

  // Endpoint 2's account steps went through the proxy: its own connection step, then one login (no
  // resets on loopback), which carried the large blob up and down.
  EXPECT_EQ(find_step(report.endpoints[1], ProbeStep::kMediaLarge)->resets, 0u);
  EXPECT_EQ(proxy.requests().size(), 2u);
  std::vector<test::TunnelBytes> tunnels;
  for (int wait = 0; wait < 100 && (tunnels = proxy.tunnels()).size() < 2; ++wait) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(tunnels.size(), 2u);
  std::size_t up = 0, down = 0;
  for (const auto& tunnel : tunnels) {
    up += tunnel.to_target.size();
    down += tunnel.from_target.size();
  }
  EXPECT_GT(up, kLargeBlob);
  EXPECT_GT(down, kLargeBlob);
  // The account is left logged out.
  EXPECT_FALSE(account_->connected());
}

TEST_F(ProbeEndpointsTest, ADeadEndpointRunsNoAccountStepsAndTheNextRunsThemAll) {
  const std::uint16_t dead = closed_port();
  const ProbeReport report = probe({direct(dead), direct(port_)});

  ASSERT_EQ(report.endpoints.size(), 2u);
  const EndpointReport& refused = report.endpoints[0];
  ASSERT_NE(refused.failed(), nullptr);
  EXPECT_EQ(refused.failed()->step, ProbeStep::kTcpConnect);
  EXPECT_EQ(refused.failed()->failure, "connection_refused");
  // dns, then the failed step; the account's steps are not listed after a failed step.
  EXPECT_EQ(refused.steps.size(), 2u);
  for (const ProbeStep step : kAccountSteps) EXPECT_EQ(find_step(refused, step), nullptr) << to_string(step);
  EXPECT_FALSE(refused.throughput_kbps.has_value());

  expect_every_step_passed(report.endpoints[1]);
  EXPECT_EQ(report.working_endpoint, 2u);
  EXPECT_EQ(report.control.server_reached_through, 2u);
  EXPECT_NE(report.verdict.find("hush fails over to it by itself"), std::string::npos) << report.verdict;
}

TEST_F(ProbeEndpointsTest, WithoutAListTheServerItselfIsEndpointOne) {
  // No list file: the probe and the account both go to the account's server.
  std::filesystem::remove(endpoints_file(home()));
  ProbeOptions options;
  options.step_timeout = kStepTimeout;
  options.large_blob_size = kLargeBlob;
  const ProbeReport report =
      run_probe(ProbeTarget{settings_.address, settings_.trust, {}, {}}, account_.get(), nullptr, rng_, options);
  ASSERT_EQ(report.endpoints.size(), 1u);
  EXPECT_EQ(report.endpoints[0].index, 1u);
  expect_every_step_passed(report.endpoints[0]);
  EXPECT_EQ(report.working_endpoint, 1u);
  EXPECT_EQ(account_->last_connect_report().connected, 1u);
}

}  // namespace
}  // namespace hush::client
