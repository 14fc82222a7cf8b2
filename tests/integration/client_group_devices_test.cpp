// Issue 7's proof against a real in-process hushd: five people with two devices each (a phone
// registered, a laptop linked to it) in one group. Texts and a file from several devices; every
// one of the ten devices shows the same conversation; removing a member rotates the keys and
// neither of the removed member's devices can read what follows; a group timer makes a message
// vanish from every store once its time is up.
#include <atomic>
#include <future>
#include <random>

#include "client_fixture.hpp"
#include "hush/client/account/device_link.hpp"
#include "hush/protocol/messages.hpp"
#include "hush/protocol/sender_keys.hpp"

namespace hush::test {
namespace {

struct Person {
  std::string name;
  std::unique_ptr<Account> phone, laptop;
  std::unique_ptr<Messenger> at_phone, at_laptop;
};

class GroupDevicesTest : public ClientFixture {
 protected:
  client::AccountOptions clocked() {
    auto o = options();
    o.clock = [this] { return now_ms_.load(); };
    return o;
  }

  void SetUp() override {
    ClientFixture::SetUp();
    for (const char* name : {"ann", "ben", "cat", "dan", "eve"}) {
      Person person{name, nullptr, nullptr, nullptr, nullptr};
      auto phone = Account::register_new(homes_ / name, unlock(), settings(), name, "", rng_, clocked());
      ASSERT_TRUE(phone.ok()) << client::describe(phone.error());
      person.phone = std::move(*phone);
      person.at_phone = std::make_unique<Messenger>(*person.phone);
      std::vector<std::string> contacts;
      crypto::Rng& link_rng = *rngs_.emplace_back(std::make_unique<crypto::SystemRng>());  // the laptop keeps it
      person.laptop = link_device(*person.at_phone, person.name + "-laptop", link_rng, contacts, clocked());
      ASSERT_TRUE(person.laptop);
      person.at_laptop = std::make_unique<Messenger>(*person.laptop);
      people_.push_back(std::move(person));
    }
  }

  std::vector<Messenger*> devices(std::size_t skip = 99) {
    std::vector<Messenger*> all;
    for (std::size_t i = 0; i < people_.size(); ++i) {
      if (i == skip) continue;
      all.push_back(people_[i].at_phone.get());
      all.push_back(people_[i].at_laptop.get());
    }
    return all;
  }
  // Every device takes what waits for it, twice over (answers to answers: receipts, relays).
  void pump() {
    for (int round = 0; round < 2; ++round) {
      for (Messenger* device : devices()) {
        auto received = device->receive(100ms);
        ASSERT_TRUE(received.ok()) << client::describe(received.error());
      }
    }
  }
  // A device's view of the conversation: who wrote what, in order.
  static std::vector<std::string> conversation(Messenger& device, const std::string& peer) {
    auto history = device.history(peer);
    EXPECT_TRUE(history.ok());
    std::vector<std::string> lines;
    for (const auto& message : *history) {
      if (message.kind != "text" && message.kind != "file") continue;
      const std::string who = message.outgoing ? device.account().username() : message.author;
      lines.push_back(who + " " + message.kind + ": " + message.body);
    }
    return lines;
  }

  std::atomic<std::uint64_t> now_ms_{1'800'000'000'000};
  std::vector<std::unique_ptr<crypto::SystemRng>> rngs_;
  std::vector<Person> people_;
};

TEST_F(GroupDevicesTest, FivePeopleTwoDevicesEachOneConversationKeysRotateMessagesVanish) {
  Person& ann = people_[0];
  auto created = ann.at_phone->create_group("five", {"ben", "cat", "dan", "eve"});
  ASSERT_TRUE(created.ok()) << client::describe(created.error());
  const std::string peer = Messenger::group_peer(created->id);
  pump();
  for (Messenger* device : devices()) {
    auto held = device->find_group("five");
    ASSERT_TRUE(held.ok()) << device->account().username() << " device " << device->account().device_id();
    EXPECT_EQ(held->members.size(), 5u);
  }

  // Texts from three devices and a file from a fourth, each taken by all before the next.
  const std::vector<std::pair<Messenger*, std::string>> texts{{ann.at_phone.get(), "who is in for saturday?"},
                                                              {people_[1].at_laptop.get(), "me, from the laptop"},
                                                              {people_[2].at_phone.get(), "me too"}};
  for (const auto& [device, text] : texts) {
    ASSERT_TRUE(device->send_text(peer, text).ok());
    pump();
  }
  std::mt19937 generator(5);
  std::string bytes(64 * 1024, '\0');
  for (char& c : bytes) c = static_cast<char>(generator());
  const auto file = homes_ / "route.gpx";
  std::ofstream(file, std::ios::binary) << bytes;
  client::FileOptions caption;
  caption.caption = "the route";
  ASSERT_TRUE(people_[3].at_laptop->send_file(peer, file, caption).ok());
  pump();

  const std::vector<std::string> expected{"ann text: who is in for saturday?", "ben text: me, from the laptop",
                                          "cat text: me too", "dan file: the route"};
  for (Messenger* device : devices()) {
    EXPECT_EQ(conversation(*device, peer), expected)
        << device->account().username() << " device " << device->account().device_id();
    auto history = device->history(peer);  // named: the loop below must not outlive it
    ASSERT_TRUE(history.ok());
    for (const auto& message : *history) {
      if (message.kind != "file" || message.outgoing) continue;
      ASSERT_TRUE(message.attachment) << device->account().username() << " device " << device->account().device_id();
      ASSERT_EQ(message.attachment->transfer, client::TransferState::kDone);
      std::ifstream in(message.attachment->path, std::ios::binary);
      EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), bytes);
    }
  }

  // eve is removed: the keys rotate; neither of her devices can read what ann's laptop sends next.
  ASSERT_TRUE(ann.at_phone->remove_group_member(created->id, "eve").ok());
  pump();
  ASSERT_TRUE(ann.at_laptop->send_text(peer, "without eve").ok());
  const std::string hex = server_sql("SELECT hex(body) FROM message_bodies ORDER BY id DESC LIMIT 1");
  const auto body = from_hex(std::string_view(hex).substr(0, hex.find('\n')));
  ASSERT_TRUE(body.has_value());
  auto message = protocol::SenderKeyMessage::parse(*body);
  ASSERT_TRUE(message.ok());
  for (Account* eves : {people_[4].phone.get(), people_[4].laptop.get()}) {
    auto transaction = eves->store().transaction();
    const protocol::SenderKeyName anns_laptop{created->id, {"ann", ann.laptop->device_id()}};
    auto record = eves->store().sender_keys().load_sender_key(anns_laptop);
    EXPECT_TRUE(!record || record->find(message->key_id()) == nullptr);
    EXPECT_FALSE(protocol::group_decrypt(eves->store().sender_keys(), anns_laptop, *body).ok());
  }
  pump();
  for (Messenger* device : devices(4)) {
    EXPECT_EQ(conversation(*device, peer).back(), "ann text: without eve");
  }
  for (Messenger* device : {people_[4].at_phone.get(), people_[4].at_laptop.get()}) {
    EXPECT_EQ(conversation(*device, peer).back(), "dan file: the route");
  }

  // A group timer: the next message vanishes from all eight remaining stores once its time is up.
  ASSERT_TRUE(ann.at_phone->set_expire_timer(peer, std::chrono::seconds(30)).ok());
  pump();
  ASSERT_TRUE(people_[1].at_phone->send_text(peer, "this disappears").ok());
  pump();
  for (Messenger* device : devices(4)) {
    EXPECT_EQ(conversation(*device, peer).back(), "ben text: this disappears");
  }
  now_ms_ += 31'000;
  for (Messenger* device : devices(4)) {
    ASSERT_TRUE(device->expire_messages().ok());
    EXPECT_EQ(conversation(*device, peer).back(), "ann text: without eve")
        << device->account().username() << " device " << device->account().device_id();
  }
}

}  // namespace
}  // namespace hush::test
