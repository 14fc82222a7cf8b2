// Relay and bridge links: both kinds round-trip, each malformed part is named, the bound is hit.
#include "hush/client/endpoints/relay_link.hpp"

#include <gtest/gtest.h>

namespace hush::client {
namespace {

const std::string kPin = "3f9a000000000000000000000000000000000000000000000000000000000001";
const std::string kCert = std::string(69, 'A') + "/";

TEST(RelayLink, RelayRoundTrips) {
  const std::string text = "hush-relay://relay.example.net:443/chat.example.org:7443#" + kPin;
  auto link = parse_relay_link(text);
  ASSERT_TRUE(link.ok()) << to_string(link.error());
  EXPECT_EQ(link->kind, RelayLink::Kind::kRelay);
  EXPECT_EQ(link->via.host, "relay.example.net");
  EXPECT_EQ(link->via.port, 443);
  EXPECT_EQ(link->server.host, "chat.example.org");
  EXPECT_EQ(link->server.port, 7443);
  EXPECT_EQ(to_hex(link->pin), kPin);
  EXPECT_EQ(format_relay_link(*link), text);
}

TEST(RelayLink, BridgeRoundTripsWithIpv6) {
  const std::string text = "hush-bridge://[2001:db8::7]:9443/10.0.0.5:7443?cert=" + kCert + "&iat-mode=2#" + kPin;
  auto link = parse_relay_link(text);
  ASSERT_TRUE(link.ok()) << to_string(link.error());
  EXPECT_EQ(link->kind, RelayLink::Kind::kObfs4Bridge);
  EXPECT_EQ(link->via.host, "2001:db8::7");
  EXPECT_EQ(link->obfs4_cert, kCert);
  EXPECT_EQ(link->obfs4_iat_mode, 2);
  EXPECT_EQ(format_relay_link(*link), text);
}

RelayLinkError error_of(const std::string& text) {
  auto link = parse_relay_link(text);
  EXPECT_FALSE(link.ok()) << text;
  return link.ok() ? RelayLinkError::kTooLong : link.error();
}

TEST(RelayLink, EachBrokenPartIsNamed) {
  EXPECT_EQ(error_of("hush://relay:443/chat:7443#" + kPin), RelayLinkError::kScheme);
  EXPECT_EQ(error_of("HUSH-RELAY://relay:443/chat:7443#" + kPin), RelayLinkError::kScheme);
  EXPECT_EQ(error_of("hush-relay://relay/chat:7443#" + kPin), RelayLinkError::kVia);
  EXPECT_EQ(error_of("hush-relay://relay:0/chat:7443#" + kPin), RelayLinkError::kVia);
  EXPECT_EQ(error_of("hush-relay://relay:443#" + kPin), RelayLinkError::kServer);
  EXPECT_EQ(error_of("hush-relay://relay:443/chat#" + kPin), RelayLinkError::kServer);
  EXPECT_EQ(error_of("hush-relay://relay:443/chat:7443/#" + kPin), RelayLinkError::kServer);
  EXPECT_EQ(error_of("hush-relay://relay:443/chat:7443?cert=" + kCert + "&iat-mode=0#" + kPin), RelayLinkError::kObfs4);
  EXPECT_EQ(error_of("hush-bridge://b:443/chat:7443#" + kPin), RelayLinkError::kObfs4);
  EXPECT_EQ(error_of("hush-bridge://b:443/chat:7443?cert=" + kCert.substr(1) + "&iat-mode=0#" + kPin),
            RelayLinkError::kObfs4);
  EXPECT_EQ(error_of("hush-bridge://b:443/chat:7443?cert=" + std::string(69, 'A') + "-&iat-mode=0#" + kPin),
            RelayLinkError::kObfs4);
  EXPECT_EQ(error_of("hush-bridge://b:443/chat:7443?cert=" + kCert + "&iat-mode=3#" + kPin), RelayLinkError::kObfs4);
  EXPECT_EQ(error_of("hush-bridge://b:443/chat:7443?cert=" + kCert + "&iat-mode=0&x=1#" + kPin),
            RelayLinkError::kObfs4);
  EXPECT_EQ(error_of("hush-relay://relay:443/chat:7443"), RelayLinkError::kPin);
  EXPECT_EQ(error_of("hush-relay://relay:443/chat:7443#" + kPin.substr(1)), RelayLinkError::kPin);
  std::string upper = kPin;
  upper[0] = 'F';
  upper[1] = 'A';
  EXPECT_EQ(error_of("hush-relay://relay:443/chat:7443#" + upper), RelayLinkError::kPin);
}

TEST(RelayLink, LongerThanTheBoundIsRefusedBeforeAnythingElse) {
  const std::string base = "hush-relay://relay:443/chat:7443#" + kPin;
  std::string padded = "hush-relay://" + std::string(kMaxRelayLinkSize - base.size() + 1, 'a') + base.substr(13);
  ASSERT_EQ(padded.size(), kMaxRelayLinkSize + 1);
  EXPECT_EQ(error_of(padded), RelayLinkError::kTooLong);
  EXPECT_EQ(error_of(std::string(kMaxRelayLinkSize + 1, '#')), RelayLinkError::kTooLong);
}

}  // namespace
}  // namespace hush::client
