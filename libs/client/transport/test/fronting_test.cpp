// Fronting against a server that records what arrives: the TCP address, the SNI and the Host
// header are chosen independently, the defaults are those of a direct connection, and the
// certificate check is unchanged (a pin decides; a CA file is checked against the SNI name).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "fake_server.hpp"
#include "hush/client/transport/server_connection.hpp"

namespace hush::client {
namespace {

using namespace std::chrono_literals;

class FrontingTest : public ::testing::Test {
 protected:
  ConnectionOptions options() const {
    ConnectionOptions options;
    options.connect_timeout = 5s;
    options.request_timeout = 5s;
    return options;
  }
  PinnedCertificate pin() const { return {server_.fingerprint()}; }

  // Connects, sends a Ping, and returns what the server saw of this connection.
  test::FakeServer::Seen connect_and_ping(const ServerAddress& address, const ServerTrust& trust,
                                          const ConnectionOptions& options) {
    auto connection = ServerConnection::connect(address, trust, options);
    EXPECT_TRUE(connection.ok()) << (connection.ok() ? "" : to_string(connection.error()));
    if (!connection.ok()) return {};
    wire::api::Request ping;
    ping.mutable_ping();
    auto pong = (*connection)->call(ping);
    EXPECT_TRUE(pong.ok());
    EXPECT_EQ(pong.ok() ? pong->status().code() : wire::api::Status::INTERNAL, wire::api::Status::OK);
    (*connection)->close();
    const auto seen = server_.seen();
    EXPECT_FALSE(seen.empty());
    return seen.empty() ? test::FakeServer::Seen{} : seen.back();
  }

  test::FakeServer server_;
};

TEST_F(FrontingTest, SniAndHostAreChosenApartFromTheAddress) {
  auto fronted = options();
  fronted.fronting.connect_host = "127.0.0.1";
  fronted.fronting.connect_port = server_.port();
  fronted.fronting.sni = "front.example";
  fronted.fronting.host_header = "hidden.example";
  // "hidden.example" never resolves: only the fronting address is connected to.
  const auto seen = connect_and_ping({"hidden.example", 443}, pin(), fronted);
  EXPECT_EQ(seen.sni, "front.example");
  EXPECT_EQ(seen.host, "hidden.example");
}

TEST_F(FrontingTest, DefaultsAreThoseOfADirectConnection) {
  auto seen = connect_and_ping({"localhost", server_.port()}, pin(), options());
  EXPECT_EQ(seen.sni, "localhost");
  EXPECT_EQ(seen.host, "localhost:" + std::to_string(server_.port()));

  seen = connect_and_ping({"127.0.0.1", server_.port()}, pin(), options());
  EXPECT_EQ(seen.sni, std::nullopt);  // no SNI for an address
  EXPECT_EQ(seen.host, "127.0.0.1:" + std::to_string(server_.port()));

  auto without_sni = options();
  without_sni.fronting.sni = "";
  seen = connect_and_ping({"localhost", server_.port()}, pin(), without_sni);
  EXPECT_EQ(seen.sni, std::nullopt);
  EXPECT_EQ(seen.host, "localhost:" + std::to_string(server_.port()));
}

TEST_F(FrontingTest, APinStillDecides) {
  auto fronted = options();
  fronted.fronting.connect_host = "127.0.0.1";
  fronted.fronting.sni = "front.example";
  PinnedCertificate wrong = pin();
  wrong.fingerprint[0] ^= 1;
  auto refused = ServerConnection::connect({"hidden.example", server_.port()}, wrong, fronted);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), TransportError::kCertificateRejected);
  EXPECT_TRUE(server_.seen().empty());  // nothing was sent to the wrong server
}

TEST_F(FrontingTest, ACaFileIsCheckedAgainstTheSniName) {
  std::string pattern = (std::filesystem::temp_directory_path() / "hush-fronting-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const std::filesystem::path folder = pattern;
  const auto ca = folder / "ca.pem";
  std::ofstream(ca) << server_.certificate_pem();

  auto fronted = options();
  fronted.fronting.connect_host = "127.0.0.1";
  fronted.fronting.connect_port = server_.port();
  fronted.fronting.sni = "localhost";  // the name the certificate carries
  const auto seen = connect_and_ping({"hidden.example", 443}, CaFile{ca}, fronted);
  EXPECT_EQ(seen.sni, "localhost");
  EXPECT_EQ(seen.host, "hidden.example:443");

  fronted.fronting.sni = "front.example";  // the certificate does not name the front
  auto refused = ServerConnection::connect({"localhost", 443}, CaFile{ca}, fronted);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), TransportError::kCertificateRejected);

  fronted.fronting.sni = "";  // no SNI: the server's own name is checked
  auto unnamed = ServerConnection::connect({"hidden.example", 443}, CaFile{ca}, fronted);
  ASSERT_FALSE(unnamed.ok());
  EXPECT_EQ(unnamed.error(), TransportError::kCertificateRejected);
  EXPECT_TRUE(ServerConnection::connect({"localhost", 443}, CaFile{ca}, fronted).ok());

  std::error_code ignored;
  std::filesystem::remove_all(folder, ignored);
}

TEST_F(FrontingTest, MalformedSettingsAreRefusedBeforeConnecting) {
  auto fronted = options();
  fronted.fronting.host_header = "hidden.example\r\nX-Injected: 1";
  auto refused = ServerConnection::connect({"127.0.0.1", server_.port()}, pin(), fronted);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), TransportError::kInvalidArgument);
  fronted = options();
  fronted.fronting.sni = "127.0.0.1";
  EXPECT_EQ(ServerConnection::connect({"127.0.0.1", server_.port()}, pin(), fronted).error(),
            TransportError::kInvalidArgument);
  EXPECT_TRUE(server_.seen().empty());
}

TEST_F(FrontingTest, ProbeCertificateFollowsTheFronting) {
  ConnectionOptions fronted;
  fronted.fronting.connect_host = "127.0.0.1";
  fronted.fronting.connect_port = server_.port();
  fronted.fronting.sni = "front.example";
  auto seen = probe_certificate({"hidden.example", 443}, 5s, fronted);
  ASSERT_TRUE(seen.ok()) << to_string(seen.error());
  EXPECT_EQ(*seen, server_.fingerprint());
}

}  // namespace
}  // namespace hush::client
