// libs/client against a real in-process hushd over TLS: two homes (alice, bob) register, exchange
// texts both ways, bob receives what was queued while he was offline in order, stores reopened
// between sends keep their sessions, and the server's files never contain a text. Also the
// transport's trust checks (pinned fingerprint, CA file) against the same server.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "client_fixture.hpp"
#include "hush/client/messenger/messenger.hpp"

namespace hush::test {
namespace {

using ClientMessengerTest = ClientFixture;

TEST_F(ClientMessengerTest, TextsBothWaysOfflineDeliveryAndReopenedStores) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  EXPECT_EQ(alice->device_id(), 1u);

  {
    Messenger alice_messenger(*alice), bob_messenger(*bob);
    send(alice_messenger, "bob", "hello bob, first contact");
    auto at_bob = receive(bob_messenger);
    ASSERT_EQ(at_bob.size(), 1u);
    EXPECT_EQ(at_bob[0].peer, "alice");
    EXPECT_EQ(at_bob[0].peer_device, 1u);
    EXPECT_EQ(at_bob[0].kind, "text");
    EXPECT_EQ(at_bob[0].body, "hello bob, first contact");

    send(bob_messenger, "alice", "hi alice, bob here");
    auto at_alice = receive(alice_messenger);
    ASSERT_EQ(at_alice.size(), 1u);
    EXPECT_EQ(at_alice[0].body, "hi alice, bob here");
  }

  // Bob goes offline; alice's texts wait in his queue and arrive in order when he logs back in.
  bob->disconnect();
  {
    Messenger alice_messenger(*alice);
    for (int i = 1; i <= 3; ++i) send(alice_messenger, "bob", "queued text number " + std::to_string(i));
  }
  bob.reset();
  bob = reopen("bob");  // his store reopened as well
  ASSERT_TRUE(bob);
  {
    Messenger bob_messenger(*bob);
    auto queued = receive(bob_messenger);
    ASSERT_EQ(queued.size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(queued[i].body, "queued text number " + std::to_string(i + 1));
    // Acknowledged after storing: nothing comes again at the next login.
    bob = reopen("bob");
    Messenger again(*bob);
    EXPECT_TRUE(receive(again).empty());
  }

  // Alice's store is closed and reopened between sends: her session with bob carries on, so no
  // new bundle (no one-time prekey of bob's) is claimed.
  const std::uint32_t bob_prekeys = server_prekey_count(*bob);
  alice.reset();
  alice = reopen("alice");
  ASSERT_TRUE(alice);
  {
    Messenger alice_messenger(*alice), bob_messenger(*bob);
    send(alice_messenger, "bob", "after alice reopened her store");
    auto at_bob = receive(bob_messenger);
    ASSERT_EQ(at_bob.size(), 1u);
    EXPECT_EQ(at_bob[0].body, "after alice reopened her store");
    EXPECT_EQ(server_prekey_count(*bob), bob_prekeys);

    send(bob_messenger, "alice", "and back to alice");
    auto at_alice = receive(alice_messenger);
    ASSERT_EQ(at_alice.size(), 1u);
    EXPECT_EQ(at_alice[0].body, "and back to alice");

    // Both histories hold every message once, in order.
    auto history = alice_messenger.history("bob");
    ASSERT_TRUE(history.ok());
    ASSERT_EQ(history->size(), 7u);
    EXPECT_TRUE((*history)[0].outgoing);
    EXPECT_EQ((*history)[0].body, "hello bob, first contact");
    EXPECT_FALSE((*history)[1].outgoing);
    EXPECT_EQ((*history)[6].body, "and back to alice");
  }

  for (const char* text : {"hello bob, first contact", "hi alice, bob here", "queued text number 2",
                           "after alice reopened her store", "and back to alice"}) {
    EXPECT_FALSE(server_files_contain(text)) << text;
  }
  // The control: the scan does find what the server does store in clear.
  EXPECT_TRUE(server_files_contain("alice"));
}

TEST_F(ClientMessengerTest, KeysLowFromTheServerRefillsTheRecipientsPrekeys) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  const std::uint32_t uploaded = server_prekey_count(*bob);
  ASSERT_EQ(uploaded, 10u);  // options().prekey_batch
  Messenger alice_messenger(*alice), bob_messenger(*bob);
  // Alice's first message claims one of bob's one-time prekeys: 9 left, under the server's
  // key_low_threshold (10), so bob gets keys_low and his receive loop uploads a new batch.
  send(alice_messenger, "bob", "this claims one of your prekeys");
  auto at_bob = receive(bob_messenger);
  ASSERT_EQ(at_bob.size(), 1u);
  EXPECT_EQ(at_bob[0].body, "this claims one of your prekeys");
  EXPECT_EQ(server_prekey_count(*bob), uploaded - 1 + 10);
}

TEST_F(ClientMessengerTest, TakenUsernameLeavesNoStoreBehind) {
  ASSERT_TRUE(register_home("carol"));
  auto second = Account::register_new(homes_ / "carol2", unlock(), settings(), "carol", "", rng_, options());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind, client::ClientErrorKind::kServer);
  EXPECT_EQ(second.error().detail, "username_taken");
  EXPECT_FALSE(std::filesystem::exists(homes_ / "carol2" / "store.sqlite3"));
}

TEST_F(ClientMessengerTest, SendToUnknownAccountIsReportedByName) {
  auto alice = register_home("alice");
  ASSERT_TRUE(alice);
  Messenger messenger(*alice);
  auto sent = messenger.send_text("nobody_here", "hello?");
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().kind, client::ClientErrorKind::kServer);
  EXPECT_EQ(sent.error().detail, "unknown_account");
}

TEST_F(ClientMessengerTest, TransportTrustsThePinOrTheCaAndNothingElse) {
  auto pinned = client::ServerConnection::connect({"127.0.0.1", port_}, settings().trust);
  ASSERT_TRUE(pinned.ok()) << client::to_string(pinned.error());
  EXPECT_EQ((*pinned)->challenge_nonce().size(), 32u);
  api::Request ping;
  ping.mutable_ping();
  auto answer = (*pinned)->call(ping);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->id(), 1u);

  auto wrong_pin = client::PinnedCertificate{};
  wrong_pin.fingerprint[0] = 1;
  auto refused = client::ServerConnection::connect({"127.0.0.1", port_}, wrong_pin);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), client::TransportError::kCertificateRejected);

  auto by_ca = client::ServerConnection::connect({"localhost", port_}, client::CaFile{tls_.certificate});
  EXPECT_TRUE(by_ca.ok()) << client::to_string(by_ca.error());
  auto missing_ca = client::ServerConnection::connect({"localhost", port_}, client::CaFile{homes_ / "none.pem"});
  ASSERT_FALSE(missing_ca.ok());
  EXPECT_EQ(missing_ca.error(), client::TransportError::kCaFileUnreadable);

  // A push wait that times out leaves the connection usable.
  auto waited = (*pinned)->next_push(100ms);
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error(), client::TransportError::kTimeout);
  EXPECT_TRUE((*pinned)->call(ping).ok());
}

TEST(ServerUrlTest, ParsesWssUrlsAndFingerprints) {
  auto address = client::parse_server_url("wss://chat.example.org:8443/");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "chat.example.org");
  EXPECT_EQ(address->port, 8443);
  EXPECT_FALSE(client::parse_server_url("https://chat.example.org:8443"));
  EXPECT_FALSE(client::parse_server_url("wss://chat.example.org"));
  EXPECT_FALSE(client::parse_server_url("wss://chat.example.org:0"));
  EXPECT_FALSE(client::parse_server_url("wss://chat.example.org:70000"));
  // Colons belong to IPv6 literals, which come in brackets (a fuzzing finding).
  auto v6 = client::parse_server_url("wss://[::1]:7443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_FALSE(client::parse_server_url("wss://corg::::org:7444"));
  EXPECT_FALSE(client::parse_server_url("wss://[chat.example.org]:7444"));
  EXPECT_TRUE(client::parse_fingerprint(std::string(64, 'a')));
  EXPECT_FALSE(client::parse_fingerprint(std::string(63, 'a')));
  EXPECT_FALSE(client::parse_fingerprint(std::string(64, 'g')));
}

}  // namespace
}  // namespace hush::test
