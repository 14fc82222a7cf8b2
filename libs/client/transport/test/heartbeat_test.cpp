// Heartbeats: a quiet but live connection answers the Ping and stays open; a server that stops
// answering without closing (a stalled connection, the censor's favourite) is detected within
// heartbeat_interval + heartbeat_timeout and closed with kStalled. Against the fake server.
#include <gtest/gtest.h>

#include <chrono>

#include "fake_server.hpp"
#include "hush/client/transport/server_connection.hpp"

namespace hush::client {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

ConnectionOptions quick_heartbeats() {
  ConnectionOptions options;
  options.connect_timeout = 5s;
  options.heartbeat_interval = 200ms;
  options.heartbeat_timeout = 300ms;
  return options;
}

TEST(Heartbeat, AQuietLiveConnectionIsPingedAndStaysOpen) {
  test::FakeServer server;
  auto connection = ServerConnection::connect({"127.0.0.1", server.port()}, PinnedCertificate{server.fingerprint()},
                                              quick_heartbeats());
  ASSERT_TRUE(connection.ok()) << to_string(connection.error());
  auto push = (*connection)->next_push(1500ms);
  ASSERT_FALSE(push.ok());
  EXPECT_EQ(push.error(), TransportError::kTimeout);
  EXPECT_FALSE((*connection)->closed());
  EXPECT_GE(server.requests(), 3u);  // one Ping per 200 ms of quiet, answered each time
  // The heartbeats' answers do not confuse a call made afterwards.
  wire::api::Request ping;
  ping.mutable_ping();
  auto answer = (*connection)->call(ping);
  ASSERT_TRUE(answer.ok()) << to_string(answer.error());
}

TEST(Heartbeat, AStalledServerIsDetectedAndTheConnectionClosed) {
  test::FakeServer server;
  auto connection = ServerConnection::connect({"127.0.0.1", server.port()}, PinnedCertificate{server.fingerprint()},
                                              quick_heartbeats());
  ASSERT_TRUE(connection.ok()) << to_string(connection.error());
  server.set_silent(true);
  const auto started = Clock::now();
  auto push = (*connection)->next_push(60s);
  ASSERT_FALSE(push.ok());
  EXPECT_EQ(push.error(), TransportError::kStalled);
  EXPECT_LT(Clock::now() - started, 30s);  // detected, not waited out (0.5 s expected; slack for a busy machine)
  EXPECT_TRUE((*connection)->closed());
  EXPECT_EQ((*connection)->next_push(10ms).error(), TransportError::kStalled);
  EXPECT_STREQ(to_string(TransportError::kStalled), "stalled");
}

TEST(Heartbeat, AnIntervalOfZeroSendsNothing) {
  test::FakeServer server;
  ConnectionOptions options = quick_heartbeats();
  options.heartbeat_interval = 0ms;
  auto connection =
      ServerConnection::connect({"127.0.0.1", server.port()}, PinnedCertificate{server.fingerprint()}, options);
  ASSERT_TRUE(connection.ok());
  server.set_silent(true);
  EXPECT_EQ((*connection)->next_push(700ms).error(), TransportError::kTimeout);
  EXPECT_FALSE((*connection)->closed());
  EXPECT_EQ(server.requests(), 0u);
}

}  // namespace
}  // namespace hush::client
