// Linking a device with the client library against a real in-process hushd: the new device shows
// a code, an existing one approves it, and the new device holds the account's identity and
// contacts, is listed, and receives what is sent to the account after linking; its messages reach
// peers as the account's. A code for another key cannot be opened; a tampered payload is refused.
#include <future>
#include <thread>

#include "client_fixture.hpp"
#include "hush/client/account/device_link.hpp"

namespace hush::test {
namespace {

using ClientLinkTest = ClientFixture;

TEST(DeviceLinkCode, RoundTripsAndRefusesAnythingElse) {
  crypto::SystemRng rng;
  client::LinkCode code{Bytes(client::kLinkIdSize, 7), crypto::KeyPair::generate(rng).public_key};
  const std::string text = client::format_link_code(code);
  EXPECT_TRUE(text.starts_with(client::kLinkCodePrefix));
  EXPECT_EQ(client::parse_link_code(" " + text + "\n"), code);
  EXPECT_FALSE(client::parse_link_code(text.substr(1)));
  EXPECT_FALSE(client::parse_link_code(text + "0"));
  EXPECT_FALSE(client::parse_link_code(text.substr(0, text.size() - 1) + "g"));
  EXPECT_FALSE(client::parse_link_code(""));
}

TEST(DeviceLinkCode, OnlyTheCodesKeyAndLinkIdOpenThePayload) {
  crypto::SystemRng rng;
  const crypto::KeyPair key = crypto::KeyPair::generate(rng);
  client::LinkCode code{Bytes(client::kLinkIdSize, 1), key.public_key};
  const Bytes sealed = client::seal_link_payload(code, as_bytes("the account"), rng);
  auto opened = client::open_link_payload(code, key.private_key, sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(std::string(opened->view().begin(), opened->view().end()), "the account");
  EXPECT_FALSE(client::open_link_payload(code, crypto::KeyPair::generate(rng).private_key, sealed));
  client::LinkCode other_id = code;
  other_id.link_id[0] = 2;
  EXPECT_FALSE(client::open_link_payload(other_id, key.private_key, sealed));
  Bytes tampered = sealed;
  tampered.back() ^= 1;
  EXPECT_FALSE(client::open_link_payload(code, key.private_key, tampered));
  EXPECT_FALSE(client::open_link_payload(code, key.private_key, ByteView(sealed).first(40)));
  EXPECT_FALSE(client::open_link_payload(code, key.private_key, Bytes(client::kMaxSealedLinkSize + 1, 0)));
}

TEST_F(ClientLinkTest, ANewDeviceGetsTheIdentityAndContactsAndReceivesWhatFollows) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  Messenger at_alice(*alice), at_bob(*bob);
  send(at_alice, "bob", "before linking");
  ASSERT_EQ(receive(at_bob).size(), 1u);

  // The new device waits on a thread; the code it shows is approved here.
  std::vector<std::string> contacts;
  crypto::SystemRng link_rng;
  auto laptop = link_device(at_alice, "alice-laptop", link_rng, contacts);
  ASSERT_TRUE(laptop);
  EXPECT_EQ(laptop->username(), "alice");
  EXPECT_EQ(laptop->device_id(), 2u);
  EXPECT_EQ(contacts, std::vector<std::string>{"bob"});
  {
    auto one = alice->store().transaction();
    const auto ours = alice->store().identities().identity_key_pair().public_key;
    ASSERT_TRUE(one.commit().ok());
    auto two = laptop->store().transaction();
    EXPECT_EQ(laptop->store().identities().identity_key_pair().public_key, ours);
    ASSERT_TRUE(two.commit().ok());
  }
  auto devices = alice->list_devices();
  ASSERT_TRUE(devices.ok());
  ASSERT_EQ(devices->size(), 2u);

  // bob's next message reaches both of alice's devices; the laptop's reply reaches bob as alice's.
  Messenger at_laptop(*laptop);
  send(at_bob, "alice", "to both of you");
  for (Messenger* device : {&at_alice, &at_laptop}) {
    auto events = receive(*device);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].body, "to both of you");
  }
  send(at_laptop, "bob", "from the laptop");
  auto at_bob_events = receive(at_bob);
  ASSERT_EQ(at_bob_events.size(), 1u);
  EXPECT_EQ(at_bob_events[0].peer, "alice");
  EXPECT_EQ(at_bob_events[0].peer_device, 2u);
  EXPECT_EQ(at_bob_events[0].body, "from the laptop");

  // What one of alice's devices sends shows on the other as sent (a transcript), bob's reply on
  // both: the same conversation everywhere.
  Messenger phone(*alice);  // a new messenger learns of the laptop (ListDevices)
  send(phone, "bob", "from the phone");
  auto transcript = receive(at_laptop);  // (bob's receipts left out)
  ASSERT_EQ(transcript.size(), 1u);
  EXPECT_TRUE(transcript[0].outgoing);
  EXPECT_EQ(transcript[0].peer, "bob");
  EXPECT_EQ(transcript[0].body, "from the phone");
  EXPECT_EQ(transcript[0].state, client::MessageState::kSent);
  auto from_laptop = receive(at_alice);  // the laptop's message above, as sent
  ASSERT_EQ(from_laptop.size(), 1u);
  EXPECT_TRUE(from_laptop[0].outgoing);
  EXPECT_EQ(from_laptop[0].body, "from the laptop");
  (void)receive_all(at_bob);
  auto texts = [](Messenger& messenger) {
    std::vector<std::string> out;
    auto history = messenger.history("bob");  // named: the loop must not outlive it
    EXPECT_TRUE(history.ok());
    for (const auto& message : *history) {
      if (message.kind == "text") out.push_back((message.outgoing ? "> " : "< ") + message.body);
    }
    return out;
  };
  const std::vector<std::string> expected{"< to both of you", "> from the laptop", "> from the phone"};
  EXPECT_EQ(texts(at_laptop), expected);
  auto on_phone = texts(phone);
  ASSERT_GE(on_phone.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(on_phone.end() - 3, on_phone.end()), expected);

  // Removing the laptop revokes it: it can no longer log in.
  ASSERT_TRUE(alice->remove_device(2).ok());
  laptop->disconnect();
  EXPECT_FALSE(laptop->log_in().ok());
}

TEST_F(ClientLinkTest, ALinkedDeviceLearnsTheGroupsAndWritesToThem) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  Messenger at_alice(*alice), at_bob(*bob);
  auto group = at_alice.create_group("climbing", {"bob"});
  ASSERT_TRUE(group.ok());
  ASSERT_EQ(receive(at_bob).size(), 1u);

  std::vector<std::string> contacts;
  crypto::SystemRng link_rng;
  auto laptop = link_device(at_alice, "alice-laptop", link_rng, contacts);
  ASSERT_TRUE(laptop);
  Messenger at_laptop(*laptop);

  // The laptop asks; the phone answers at its next receive; the laptop takes the group.
  ASSERT_TRUE(at_laptop.request_sync().ok());
  (void)receive_all(at_alice);
  (void)receive_all(at_laptop);
  auto held = at_laptop.find_group("climbing");
  ASSERT_TRUE(held.ok()) << client::describe(held.error());
  EXPECT_EQ(*held, *group);

  // It writes to the group: bob reads it as alice's; the phone shows it as sent.
  const std::string peer = Messenger::group_peer(group->id);
  ASSERT_TRUE(at_laptop.send_text(peer, "from the laptop, to the group").ok());
  auto at_bob_events = receive(at_bob);
  ASSERT_EQ(at_bob_events.size(), 1u);
  EXPECT_EQ(at_bob_events[0].author, "alice");
  EXPECT_EQ(at_bob_events[0].peer, peer);
  auto on_phone = receive(at_alice);
  ASSERT_EQ(on_phone.size(), 1u);
  EXPECT_TRUE(on_phone[0].outgoing);
  EXPECT_EQ(on_phone[0].peer, peer);
  // bob's answer reaches both of alice's devices; a change on the phone reaches the laptop.
  ASSERT_TRUE(at_bob.send_text(peer, "hi both").ok());
  for (Messenger* device : {&at_alice, &at_laptop}) {
    auto events = receive(*device);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].body, "hi both");
  }
  ASSERT_TRUE(at_alice.rename_group(group->id, "climbing and coffee").ok());
  (void)receive_all(at_laptop);
  EXPECT_EQ(at_laptop.find_group(to_hex(group->id))->name, "climbing and coffee");
}

TEST_F(ClientLinkTest, NobodyApprovingEndsTheWaitAndAMalformedCodeIsRefused) {
  auto alice = register_home("alice");
  ASSERT_TRUE(alice);
  Messenger at_alice(*alice);
  auto refused = at_alice.add_device("hush-link:00");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().detail, "link_code");
  std::vector<std::string> contacts;
  auto waited = Account::link_new(
      homes_ / "nobody", unlock(), settings(), rng_, [](const std::string&) {}, 1500ms, contacts, options());
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().detail, "link_timeout");
}

}  // namespace
}  // namespace hush::test
