// ServerConnection through SOCKS5 and HTTP CONNECT proxies (test_proxies) to a real in-process
// hushd over TLS: a Ping goes through each; the proxy is handed the server's name, not an address;
// credentials work and fail by name; refusals keep their code; garbage, an over-long head and a
// silent proxy end within the connect deadline; fronting composes with a proxy.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "hush/client/transport/server_connection.hpp"
#include "hush/server/server.hpp"
#include "hush/server/tls_setup.hpp"
#include "hush/storage/sqlite_storage.hpp"
#include "hush/wire/frame_codec.hpp"
#include "test_proxies.hpp"

namespace hush::client {
namespace {

using namespace std::chrono_literals;
using test::ProxyBehaviour;
using test::TestProxy;

ProxyBehaviour requiring(std::string username, std::string password) {
  ProxyBehaviour behaviour;
  behaviour.username = std::move(username);
  behaviour.password = std::move(password);
  return behaviour;
}
ProxyBehaviour refusing(int reply) {
  ProxyBehaviour behaviour;
  behaviour.refuse = reply;
  return behaviour;
}
ProxyBehaviour sending(std::string garbage) {
  ProxyBehaviour behaviour;
  behaviour.garbage = std::move(garbage);
  return behaviour;
}
ProxyBehaviour keeping_silent() {
  ProxyBehaviour behaviour;
  behaviour.silent = true;
  return behaviour;
}

class ProxyConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "hush-proxy-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    data_dir_ = pattern;
    auto tls = server::ensure_self_signed_tls(data_dir_);
    ASSERT_TRUE(tls.ok());
    tls_ = *tls;
    auto storage = storage::open_sqlite_storage(data_dir_);
    ASSERT_TRUE(storage.ok());
    storage_ = std::move(*storage);
    server::Options options;
    options.listen_address = "127.0.0.1";
    options.listen_port = 0;
    options.data_dir = data_dir_;
    options.tls_certificate_file = tls_.certificate;
    options.tls_private_key_file = tls_.private_key;
    options.threads = 1;
    options.shutdown_grace = 2s;
    options.log_sink = [](std::string_view) {};
    server_ = std::make_unique<server::Server>(options, *storage_);
    ASSERT_EQ(server_->start(), "");
    port_ = server_->port();
    auto pin = parse_fingerprint(tls_.fingerprint_hex);
    ASSERT_TRUE(pin.has_value());
    pin_ = PinnedCertificate{*pin};
  }

  void TearDown() override {
    server_.reset();
    storage_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(data_dir_, ignored);
  }

  static ConnectionOptions through(const ProxySettings& proxy) {
    ConnectionOptions options;
    options.connect_timeout = 5s;
    options.request_timeout = 5s;
    options.proxy = proxy;
    return options;
  }

  // Connects with `options`, expecting success, and checks that a Ping is answered.
  void expect_ping(const ServerAddress& address, const ServerTrust& trust, const ConnectionOptions& options) {
    ConnectDiagnostics diagnostics{-1};
    auto connection = ServerConnection::connect(address, trust, options, &diagnostics);
    ASSERT_TRUE(connection.ok()) << to_string(connection.error());
    EXPECT_EQ(diagnostics.proxy_reply, 0);
    wire::api::Request ping;
    ping.mutable_ping();
    auto pong = (*connection)->call(ping);
    ASSERT_TRUE(pong.ok()) << to_string(pong.error());
    EXPECT_EQ(pong->status().code(), wire::api::Status::OK);
  }

  // Connects with `options`, expecting `error` and the proxy's `reply`.
  void expect_failure(const ConnectionOptions& options, TransportError error, int reply = 0) {
    ConnectDiagnostics diagnostics;
    auto connection = ServerConnection::connect({"localhost", port_}, pin_, options, &diagnostics);
    ASSERT_FALSE(connection.ok());
    EXPECT_EQ(connection.error(), error) << to_string(connection.error());
    EXPECT_EQ(diagnostics.proxy_reply, reply);
  }

  std::filesystem::path data_dir_;
  server::TlsFiles tls_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<server::Server> server_;
  std::uint16_t port_ = 0;
  PinnedCertificate pin_;
};

TEST_F(ProxyConnectionTest, Socks5CarriesTheNameForTheProxyToResolve) {
  TestProxy proxy(ProxySettings::kSocks5);
  expect_ping({"localhost", port_}, pin_, through(proxy.settings()));
  const auto requests = proxy.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].methods, std::string(1, '\0'));  // no authentication, only
  EXPECT_EQ(requests[0].address_type, 3);                // a domain name, not an address
  EXPECT_EQ(requests[0].host, "localhost");
  EXPECT_EQ(requests[0].port, port_);
}

// The lengths of the TLS records in `stream` whose type is application data (every record once
// TLS 1.3 encrypts: handshake messages, data and alerts alike), as the observer on the wire sees
// them. Stops at a truncated record.
std::vector<std::size_t> encrypted_record_lengths(const std::string& stream) {
  constexpr std::size_t kHeader = 5;  // type, version (2), length (2)
  constexpr std::uint8_t kApplicationData = 23;
  std::vector<std::size_t> lengths;
  for (std::size_t at = 0; at + kHeader <= stream.size();) {
    const auto type = static_cast<std::uint8_t>(stream[at]);
    const std::size_t length =
        static_cast<std::uint8_t>(stream[at + 3]) * 256u + static_cast<std::uint8_t>(stream[at + 4]);
    if (at + kHeader + length > stream.size()) break;
    if (type == kApplicationData) lengths.push_back(length);
    at += kHeader + length;
  }
  return lengths;
}

TEST_F(ProxyConnectionTest, EveryEncryptedTlsRecordIsPaddedBothWays) {
  TestProxy proxy(ProxySettings::kSocks5);
  expect_ping({"127.0.0.1", port_}, pin_, through(proxy.settings()));  // handshake, upgrade, Ping, close
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (proxy.tunnels().empty() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  const auto tunnels = proxy.tunnels();
  ASSERT_EQ(tunnels.size(), 1u);
  // A record's ciphertext is its padded content (content and its type byte) plus the 16-byte AEAD
  // tag; a record at TLS's maximum (2^14 bytes of content and the type byte) cannot grow.
  constexpr std::size_t kTag = 16;
  constexpr std::size_t kMaxContent = 16384 + 1;
  for (const std::string* direction : {&tunnels[0].to_target, &tunnels[0].from_target}) {
    const auto lengths = encrypted_record_lengths(*direction);
    EXPECT_GE(lengths.size(), 3u);  // handshake, the upgrade or its answer, frames, the closing alert
    for (const std::size_t length : lengths) {
      ASSERT_GT(length, kTag);
      const std::size_t content = length - kTag;
      EXPECT_TRUE(content % wire::kTlsRecordPadding == 0 || content > kMaxContent - wire::kTlsRecordPadding)
          << "a record of " << length << " bytes is not padded";
    }
  }
}

TEST_F(ProxyConnectionTest, Socks5CarriesAnAddressLiteralAsAnAddress) {
  TestProxy proxy(ProxySettings::kSocks5);
  expect_ping({"127.0.0.1", port_}, pin_, through(proxy.settings()));
  const auto requests = proxy.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].address_type, 1);
  EXPECT_EQ(requests[0].host, "127.0.0.1");
}

TEST_F(ProxyConnectionTest, Socks5UsernamePassword) {
  TestProxy proxy(ProxySettings::kSocks5, requiring("isolation-1", "s3cret"));
  expect_ping({"localhost", port_}, pin_, through(proxy.settings("isolation-1", "s3cret")));
  auto requests = proxy.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].methods, "\x02");  // credentials, only: the proxy cannot drop them
  EXPECT_EQ(requests[0].username, "isolation-1");
  EXPECT_EQ(requests[0].password, "s3cret");

  expect_failure(through(proxy.settings("isolation-1", "wrong")), TransportError::kProxyAuthFailed, 1);
  // No credentials: the proxy accepts none of the methods offered.
  expect_failure(through(proxy.settings()), TransportError::kProxyAuthFailed, 0xFF);
}

TEST_F(ProxyConnectionTest, Socks5RefusalKeepsTheReplyCode) {
  TestProxy proxy(ProxySettings::kSocks5, refusing(0x05));
  expect_failure(through(proxy.settings()), TransportError::kProxyRefused, 0x05);
}

TEST_F(ProxyConnectionTest, Socks5GarbageIsAProtocolError) {
  TestProxy http_speaker(ProxySettings::kSocks5, sending("HTTP/1.1 400 Bad Request\r\n\r\n"));
  expect_failure(through(http_speaker.settings()), TransportError::kProxyProtocol);
  TestProxy socks4(ProxySettings::kSocks5, sending(std::string{0, 0x5A}));
  expect_failure(through(socks4.settings()), TransportError::kProxyProtocol);
}

TEST_F(ProxyConnectionTest, HttpConnectSendsConnectAndHost) {
  TestProxy proxy(ProxySettings::kHttpConnect);
  expect_ping({"localhost", port_}, pin_, through(proxy.settings()));
  const auto requests = proxy.requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::string authority = "localhost:" + std::to_string(port_);
  EXPECT_EQ(requests[0].head, "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
}

TEST_F(ProxyConnectionTest, HttpConnectBasicCredentials) {
  TestProxy proxy(ProxySettings::kHttpConnect, requiring("alice", "open sesame"));
  expect_ping({"localhost", port_}, pin_, through(proxy.settings("alice", "open sesame")));
  EXPECT_NE(proxy.requests().at(0).head.find("\r\nProxy-Authorization: Basic YWxpY2U6b3BlbiBzZXNhbWU=\r\n"),
            std::string::npos);
  expect_failure(through(proxy.settings("alice", "wrong")), TransportError::kProxyAuthFailed, 407);
  expect_failure(through(proxy.settings()), TransportError::kProxyAuthFailed, 407);
}

TEST_F(ProxyConnectionTest, HttpConnectRefusalKeepsTheStatus) {
  TestProxy proxy(ProxySettings::kHttpConnect, refusing(403));
  expect_failure(through(proxy.settings()), TransportError::kProxyRefused, 403);
}

TEST_F(ProxyConnectionTest, HttpConnectGarbageAndAnOverlongHeadAreProtocolErrors) {
  TestProxy garbage(ProxySettings::kHttpConnect, sending("SSH-2.0-OpenSSH_9.2p1\r\n"));
  expect_failure(through(garbage.settings()), TransportError::kProxyProtocol);

  std::string head = "HTTP/1.1 200 Connection established\r\n";
  while (head.size() <= 9 * 1024) head += "X-Padding: " + std::string(100, 'a') + "\r\n";
  head += "\r\n";
  TestProxy overlong(ProxySettings::kHttpConnect, sending(head));
  expect_failure(through(overlong.settings()), TransportError::kProxyProtocol);
}

TEST_F(ProxyConnectionTest, ASilentProxyEndsAtTheConnectDeadline) {
  for (const auto kind : {ProxySettings::kSocks5, ProxySettings::kHttpConnect}) {
    TestProxy quiet(kind, keeping_silent());
    auto options = through(quiet.settings());
    options.connect_timeout = 300ms;
    expect_failure(options, TransportError::kTimeout);
  }
}

TEST_F(ProxyConnectionTest, AnUnreachableProxyIsAConnectFailure) {
  // A port nobody listens on: bound, never listened to.
  const int placeholder = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ASSERT_EQ(::bind(placeholder, reinterpret_cast<sockaddr*>(&address), size), 0);
  ASSERT_EQ(::getsockname(placeholder, reinterpret_cast<sockaddr*>(&address), &size), 0);
  expect_failure(through({ProxySettings::kSocks5, "127.0.0.1", ntohs(address.sin_port), "", ""}),
                 TransportError::kConnectFailed);
  ::close(placeholder);
}

TEST_F(ProxyConnectionTest, FrontingThroughAProxy) {
  // The proxy is asked for the fronting address; the server name, SNI and Host are hushd's
  // business (it accepts any), and the pin still decides.
  TestProxy proxy(ProxySettings::kSocks5);
  auto options = through(proxy.settings());
  options.fronting.connect_host = "localhost";
  options.fronting.connect_port = port_;
  options.fronting.sni = "front.example";
  options.fronting.host_header = "hidden.example";
  expect_ping({"hidden.example", 443}, pin_, options);
  const auto requests = proxy.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].host, "localhost");
  EXPECT_EQ(requests[0].port, port_);

  // With hushd's certificate as the CA file, the name checked is the SNI's.
  options.fronting.sni = "localhost";
  expect_ping({"hidden.example", 443}, CaFile{tls_.certificate}, options);
  options.fronting.sni = "front.example";
  auto refused = ServerConnection::connect({"hidden.example", 443}, CaFile{tls_.certificate}, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), TransportError::kCertificateRejected);
}

TEST_F(ProxyConnectionTest, ProbeCertificateThroughAProxy) {
  TestProxy proxy(ProxySettings::kHttpConnect);
  auto seen = probe_certificate({"localhost", port_}, 5s, through(proxy.settings()));
  ASSERT_TRUE(seen.ok()) << to_string(seen.error());
  EXPECT_EQ(format_fingerprint(*seen), tls_.fingerprint_hex);
  EXPECT_EQ(proxy.requests().at(0).host, "localhost");
}

}  // namespace
}  // namespace hush::client
