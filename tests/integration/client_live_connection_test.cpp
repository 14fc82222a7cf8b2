// LiveConnection (libs/client/messenger): one logical connection over a server that goes away and
// comes back on the same port — lost, connect attempts failing with jittered backoff while it is
// down, connected again, the outbox flushed on reconnection and messages sent meanwhile received.
#include "client_fixture.hpp"
#include "hush/client/messenger/live_connection.hpp"

namespace hush::test {
namespace {

using client::LiveConnection;
using client::LiveEvent;

class LiveConnectionTest : public ClientFixture {
 protected:
  static constexpr std::chrono::milliseconds kFirstDelay{50};
  static constexpr std::chrono::milliseconds kMaxDelay{200};

  // Polls until `done(what arrived so far)` or `timeout`; what arrived, receipts left out.
  static std::vector<client::Message> poll_until(LiveConnection& live,
                                                 const std::function<bool(const std::vector<client::Message>&)>& done,
                                                 std::chrono::milliseconds timeout = 15s) {
    std::vector<client::Message> messages;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(messages) && std::chrono::steady_clock::now() < deadline) {
      auto got = live.poll(100ms);
      EXPECT_TRUE(got.ok()) << (got.ok() ? "" : client::describe(got.error()));
      if (!got.ok()) break;
      for (auto& message : *got) {
        if (message.kind != "receipt") messages.push_back(std::move(message));
      }
      if (!live.online())
        std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(live.until_next_attempt(), 50ms));
    }
    return messages;
  }
};

TEST_F(LiveConnectionTest, SurvivesTheServerGoingAwayAndFlushesTheOutboxOnReconnection) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  Messenger at_alice(*alice);
  Messenger at_bob(*bob);
  ASSERT_TRUE(at_alice.connect().ok());
  bob->disconnect();  // registration left it logged in; the live connection logs in by itself
  std::vector<LiveEvent> events;
  LiveConnection live(at_bob, client::ReconnectBackoff(7, {kFirstDelay, kMaxDelay}),
                      [&events](const LiveEvent& event) { events.push_back(event); });
  EXPECT_FALSE(live.online());

  send(at_alice, "bob", "before the outage");
  auto got = poll_until(live, [](const auto& arrived) { return !arrived.empty(); });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "before the outage");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].kind, LiveEvent::Kind::kConnected);

  // The server goes away: the connection is lost, then attempts fail with backoff.
  const std::uint16_t port = port_;
  stop_server();
  poll_until(live, [&](const auto&) {
    return std::count_if(events.begin(), events.end(),
                         [](const LiveEvent& e) { return e.kind == LiveEvent::Kind::kConnectFailed; }) >= 3;
  });
  EXPECT_FALSE(live.online());
  ASSERT_GE(events.size(), 5u);
  EXPECT_EQ(events[1].kind, LiveEvent::Kind::kLost);
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_GE(events[i].retry_in, kFirstDelay);
    EXPECT_LE(events[i].retry_in, kMaxDelay);
  }
  // Sent while offline: kept in the outbox.
  auto queued = at_bob.send_text("alice", "written during the outage");
  EXPECT_FALSE(queued.ok());

  // Back on the same port: connected again, the outbox flushed, and what alice sent meanwhile arrives.
  start_server([port](server::Options& options) { options.listen_port = port; });
  alice->disconnect();
  ASSERT_TRUE(at_alice.connect().ok());
  send(at_alice, "bob", "after the outage");
  got = poll_until(live, [](const auto& arrived) { return !arrived.empty(); });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "after the outage");
  EXPECT_EQ(events.back().kind, LiveEvent::Kind::kConnected);
  const auto at_alice_received = receive(at_alice);
  ASSERT_EQ(at_alice_received.size(), 1u);
  EXPECT_EQ(at_alice_received[0].body, "written during the outage");
}

}  // namespace
}  // namespace hush::test
