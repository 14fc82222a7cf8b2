// Groups against a real in-process hushd: a group created by one member reaches the others as a
// signed update; messages go encrypted once with the sender's Sender Key through SendToMany and
// land in every member's copy of the group's conversation; receipts count per member; removing a
// member rotates the keys so that what follows is unreadable to them; an update signed by a
// member who is not an admin changes nothing anywhere.
#include <random>

#include "client_fixture.hpp"
#include "hush/protocol/messages.hpp"
#include "hush/protocol/sender_keys.hpp"
#include "hush/protocol/session_cipher.hpp"
#include "hush/wire/content_codec.hpp"

namespace hush::test {
namespace {

using client::GroupState;
using client::MessageState;

class ClientGroupsTest : public ClientFixture {
 protected:
  void SetUp() override {
    ClientFixture::SetUp();
    for (const char* name : {"alice", "bob", "carol"}) {
      accounts_.push_back(register_home(name));
      ASSERT_TRUE(accounts_.back());
      messengers_.push_back(std::make_unique<Messenger>(*accounts_.back()));
    }
  }
  Messenger& alice() { return *messengers_[0]; }
  Messenger& bob() { return *messengers_[1]; }
  Messenger& carol() { return *messengers_[2]; }

  // Creates "friends" (alice the admin; bob and carol members) and lets everyone take it.
  GroupState create_friends() {
    auto created = alice().create_group("friends", {"bob", "carol"});
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : client::describe(created.error()));
    for (Messenger* member : {&bob(), &carol()}) {
      auto events = receive(*member);
      EXPECT_EQ(events.size(), 1u);
      if (!events.empty()) {
        EXPECT_EQ(events[0].kind, "group");
        EXPECT_EQ(events[0].peer, Messenger::group_peer(created->id));
        EXPECT_EQ(events[0].author, "alice");
        EXPECT_EQ(events[0].body, "created \"friends\"");
      }
    }
    return created.ok() ? *created : GroupState{};
  }

  // The body of the newest group message the server holds (before anyone took it).
  Bytes newest_body() {
    std::string hex = server_sql("SELECT hex(body) FROM message_bodies ORDER BY id DESC LIMIT 1");
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
    auto bytes = from_hex(hex);
    EXPECT_TRUE(bytes.has_value()) << hex;
    return bytes.value_or(Bytes{});
  }

  std::vector<std::unique_ptr<Account>> accounts_;
  std::vector<std::unique_ptr<Messenger>> messengers_;
};

std::vector<std::string> bodies(const std::vector<client::Message>& messages, const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& message : messages) {
    if (message.kind == kind) out.push_back(message.body);
  }
  return out;
}

TEST_F(ClientGroupsTest, EveryMemberHasTheGroupAndTheSameConversation) {
  const GroupState group = create_friends();
  const std::string peer = Messenger::group_peer(group.id);
  for (Messenger* member : {&alice(), &bob(), &carol()}) {
    auto found = member->find_group("friends");
    ASSERT_TRUE(found.ok()) << client::describe(found.error());
    EXPECT_EQ(*found, group);
    EXPECT_EQ(found->members, (std::vector<std::string>{"alice", "bob", "carol"}));
    EXPECT_EQ(found->admins, (std::vector<std::string>{"alice"}));
    auto by_id = member->find_group(to_hex(group.id));
    ASSERT_TRUE(by_id.ok());
    EXPECT_EQ(by_id->name, "friends");
  }

  auto sent = alice().send_text(peer, "hello group");
  ASSERT_TRUE(sent.ok()) << client::describe(sent.error());
  for (Messenger* member : {&bob(), &carol()}) {
    auto events = receive(*member);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, "text");
    EXPECT_EQ(events[0].body, "hello group");
    EXPECT_EQ(events[0].peer, peer);
    EXPECT_EQ(events[0].author, "alice");
    EXPECT_EQ(events[0].id, *sent);
  }
  auto reply = bob().send_text(peer, "hi all");
  ASSERT_TRUE(reply.ok()) << client::describe(reply.error());
  for (Messenger* member : {&alice(), &carol()}) {
    auto events = receive(*member);
    ASSERT_EQ(bodies(events, "text"), std::vector<std::string>{"hi all"});
  }
  // The same conversation in every copy, in the same order.
  for (Messenger* member : {&alice(), &bob(), &carol()}) {
    auto history = member->history(peer);
    ASSERT_TRUE(history.ok());
    EXPECT_EQ(bodies(*history, "text"), (std::vector<std::string>{"hello group", "hi all"}));
  }
  // A group is no contact.
  auto contacts = alice().contacts();
  ASSERT_TRUE(contacts.ok());
  for (const auto& contact : *contacts) EXPECT_NE(contact.name.front(), '#');
  // One body stored for the group message, not one per member device.
  EXPECT_EQ(server_sql("SELECT count(*) FROM message_bodies"), "0\n");  // all delivered and acknowledged
}

TEST_F(ClientGroupsTest, ReceiptsCountPerMemberAndTheMessageIsDeliveredOnceAllHaveIt) {
  const GroupState group = create_friends();
  const std::string peer = Messenger::group_peer(group.id);
  auto sent = alice().send_text(peer, "did everyone get this?");
  ASSERT_TRUE(sent.ok());
  ASSERT_EQ(receive(bob()).size(), 1u);
  (void)receive_all(alice());  // bob's delivery receipt
  auto receipts = alice().group_receipts(group.id, *sent);
  ASSERT_TRUE(receipts.ok());
  ASSERT_EQ(receipts->size(), 1u);
  EXPECT_EQ((*receipts)[0].first, "bob");
  auto row = alice().find_message(true, peer, *sent);
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ((*row)->state, MessageState::kSent) << "carol has not confirmed it yet";

  ASSERT_EQ(receive(carol()).size(), 1u);
  ASSERT_TRUE(carol().mark_read(peer).ok());
  (void)receive_all(alice());
  receipts = alice().group_receipts(group.id, *sent);
  ASSERT_EQ(receipts->size(), 2u);
  EXPECT_EQ((*receipts)[1], (std::pair<std::string, MessageState>{"carol", MessageState::kRead}));
  row = alice().find_message(true, peer, *sent);
  EXPECT_EQ((*row)->state, MessageState::kDelivered);
}

TEST_F(ClientGroupsTest, ARemovedMemberCannotReadWhatFollows) {
  const GroupState group = create_friends();
  const std::string peer = Messenger::group_peer(group.id);
  ASSERT_TRUE(alice().send_text(peer, "before").ok());
  ASSERT_EQ(receive(carol()).size(), 1u);
  ASSERT_EQ(receive(bob()).size(), 1u);

  auto removed = alice().remove_group_member(group.id, "carol");
  ASSERT_TRUE(removed.ok()) << client::describe(removed.error());
  EXPECT_EQ(removed->members, (std::vector<std::string>{"alice", "bob"}));
  auto told = receive(carol());
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].body, "removed carol");
  auto at_carol = carol().find_group(to_hex(group.id));
  ASSERT_TRUE(at_carol.ok());
  EXPECT_FALSE(at_carol->is_member("carol"));
  ASSERT_EQ(receive(bob()).size(), 1u);

  ASSERT_TRUE(alice().send_text(peer, "after").ok());
  const Bytes body = newest_body();
  auto message = protocol::SenderKeyMessage::parse(body);
  ASSERT_TRUE(message.ok());
  // A new chain: carol holds only the old one; bob was sent the new one.
  const protocol::SenderKeyName alices{group.id, {"alice", 1}};
  {
    auto transaction = accounts_[2]->store().transaction();  // the store is read inside one
    auto carols = accounts_[2]->store().sender_keys().load_sender_key(alices);
    ASSERT_TRUE(carols.has_value());
    EXPECT_EQ(carols->find(message->key_id()), nullptr);
    auto decrypted = protocol::group_decrypt(accounts_[2]->store().sender_keys(), alices, body);
    EXPECT_FALSE(decrypted.ok());
  }
  EXPECT_EQ(bodies(receive(bob()), "text"), std::vector<std::string>{"after"});
  {
    auto transaction = accounts_[1]->store().transaction();
    auto bobs = accounts_[1]->store().sender_keys().load_sender_key(alices);
    ASSERT_TRUE(bobs.has_value());
    EXPECT_NE(bobs->find(message->key_id()), nullptr);
  }
  EXPECT_TRUE(receive(carol()).empty());
  // Carol may no longer write to it.
  auto refused = carol().send_text(peer, "still here?");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().detail, "not_a_member");
}

TEST_F(ClientGroupsTest, AnUpdateNotSignedByAnAdminIsRejectedByEveryMember) {
  const GroupState group = create_friends();
  // bob writes once: pairwise sessions with alice and carol (his Sender Key went over them).
  ASSERT_TRUE(bob().send_text(Messenger::group_peer(group.id), "hello").ok());
  ASSERT_EQ(receive(alice()).size(), 1u);
  ASSERT_EQ(receive(carol()).size(), 1u);
  // bob is no admin: the messenger refuses at once...
  auto refused = bob().add_group_member(group.id, "mallory");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().detail, "not_admin");
  // ...and a client that signs one anyway (here: bob's keys, by hand) convinces nobody.
  GroupState forged = group;
  forged.revision = group.revision + 1;
  forged.admins = {"alice", "bob"};
  forged.name = "bob's now";
  Account& bobs = *accounts_[1];
  for (const std::string& target : {std::string("alice"), std::string("carol")}) {
    auto transaction = bobs.store().transaction();  // bob's ratchet steps, as the messenger keeps them
    wire::content::Content content;
    Bytes id(wire::kMessageIdSize);
    rng_.fill(id);
    content.set_message_id(std::string(id.begin(), id.end()));
    content.set_timestamp_ms(1);
    *content.mutable_group_update() =
        client::sign_update(forged, "bob", bobs.store().identities().identity_key_pair().private_key, rng_);
    auto encoded = wire::encode_content(content);
    ASSERT_TRUE(encoded.ok());
    const protocol::ProtocolAddress address{target, 1};
    auto session = bobs.store().sessions().load_session(address);
    ASSERT_TRUE(session && session->has_current()) << target;
    auto stores = bobs.store().protocol_stores();
    auto ciphertext = protocol::encrypt(stores, address, *encoded, rng_);
    ASSERT_TRUE(ciphertext.ok());
    ASSERT_TRUE(transaction.commit().ok());
    wire::api::Request request;
    auto* send = request.mutable_send();
    send->set_recipient(target);
    send->set_message_id(std::string(id.begin(), id.end()));
    auto* envelope = send->add_envelopes();
    envelope->set_device_id(1);
    envelope->set_registration_id(session->current()->remote_registration_id);
    envelope->set_type(static_cast<std::uint32_t>(ciphertext->type));
    envelope->set_content(std::string(ciphertext->serialized.begin(), ciphertext->serialized.end()));
    auto response = bobs.connection().call(std::move(request));
    ASSERT_TRUE(response.ok());
    ASSERT_EQ(response->status().code(), wire::api::Status::OK) << response->status().reason();
  }
  for (Messenger* member : {&alice(), &carol()}) {
    auto events = receive(*member);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, "group_rejected");
    EXPECT_EQ(events[0].body, "not_admin");
    EXPECT_EQ(events[0].peer, "bob");
    auto held = member->find_group(to_hex(group.id));
    ASSERT_TRUE(held.ok());
    EXPECT_EQ(*held, group);
  }
}

TEST_F(ClientGroupsTest, MembersJoinLeaveAndAdminsChange) {
  const GroupState group = create_friends();
  auto dave_account = register_home("dave");
  ASSERT_TRUE(dave_account);
  Messenger dave(*dave_account);
  auto added = alice().add_group_member(group.id, "dave");
  ASSERT_TRUE(added.ok()) << client::describe(added.error());
  auto joined = receive(dave);
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_EQ(joined[0].body, "joined \"friends\"");
  EXPECT_EQ(bodies(receive(bob()), "group"), std::vector<std::string>{"added dave"});
  (void)receive(carol());

  // dave reads and writes at once.
  ASSERT_TRUE(dave.send_text(Messenger::group_peer(group.id), "hi, I am new").ok());
  for (Messenger* member : {&alice(), &bob(), &carol()}) {
    EXPECT_EQ(bodies(receive(*member), "text"), std::vector<std::string>{"hi, I am new"});
  }
  // The only admin cannot leave before naming another.
  auto stuck = alice().leave_group(group.id);
  ASSERT_FALSE(stuck.ok());
  EXPECT_EQ(stuck.error().detail, "last_admin");
  ASSERT_TRUE(alice().add_group_admin(group.id, "bob").ok());
  auto left = alice().leave_group(group.id);
  ASSERT_TRUE(left.ok()) << client::describe(left.error());
  EXPECT_EQ(left->admins, std::vector<std::string>{"bob"});
  EXPECT_EQ(bodies(receive(bob()), "group"), (std::vector<std::string>{"made admin bob", "removed alice"}));
  // bob, admin now, renames it; everyone still in sees it, alice does not.
  ASSERT_TRUE(bob().rename_group(group.id, "friends, minus one").ok());
  for (Messenger* member : {&carol(), &dave}) {
    (void)receive(*member);
    auto held = member->find_group(to_hex(group.id));
    ASSERT_TRUE(held.ok());
    EXPECT_EQ(held->name, "friends, minus one");
    EXPECT_EQ(held->members, (std::vector<std::string>{"bob", "carol", "dave"}));
  }
  EXPECT_EQ(bodies(receive(alice()), "group"), std::vector<std::string>{});
  EXPECT_EQ(alice().find_group(to_hex(group.id))->name, "friends");
}

TEST_F(ClientGroupsTest, TypingIsReportedInGroupsAndOneToOneButNeverStored) {
  const GroupState group = create_friends();
  const std::string peer = Messenger::group_peer(group.id);
  ASSERT_TRUE(alice().send_typing(peer, true).ok());
  for (Messenger* member : {&bob(), &carol()}) {
    auto events = receive_all(*member);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, "typing");
    EXPECT_EQ(events[0].body, "started");
    EXPECT_EQ(events[0].peer, peer);
    EXPECT_EQ(events[0].author, "alice");
  }
  ASSERT_TRUE(bob().send_typing("alice", false).ok());
  auto events = receive_all(alice());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "typing");
  EXPECT_EQ(events[0].body, "stopped");
  EXPECT_EQ(events[0].peer, "bob");
  EXPECT_TRUE(bodies(*bob().history(peer), "typing").empty());
  EXPECT_TRUE(bodies(*alice().history("bob"), "typing").empty());
  EXPECT_EQ(*alice().outbox_size(), 0u);
  // Offline it is dropped, not queued.
  accounts_[0]->disconnect();
  EXPECT_FALSE(alice().send_typing(peer, false).ok());
  EXPECT_EQ(*alice().outbox_size(), 0u);
}

TEST_F(ClientGroupsTest, RepliesNameTheAnsweredMessageAndItsAuthorInGroupsAndOneToOne) {
  const GroupState group = create_friends();
  const std::string peer = Messenger::group_peer(group.id);
  auto question = alice().send_text(peer, "pizza or sushi?");
  ASSERT_TRUE(question.ok());
  ASSERT_EQ(receive(bob()).size(), 1u);
  ASSERT_EQ(receive(carol()).size(), 1u);
  auto answer = bob().send_reply(peer, *question, "sushi");
  ASSERT_TRUE(answer.ok()) << client::describe(answer.error());
  for (Messenger* member : {&alice(), &carol()}) {
    auto events = receive(*member);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].body, "sushi");
    EXPECT_EQ(events[0].reply_to, *question);
    EXPECT_EQ(events[0].reply_author, "alice");
    auto stored = member->find_message(false, peer, *answer);
    ASSERT_TRUE(stored.ok() && *stored);
    EXPECT_EQ((*stored)->reply_to, *question);
  }
  // 1:1, answering the other side's message.
  ASSERT_TRUE(alice().send_text("bob", "see you at eight").ok());
  auto got = receive(bob());
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(bob().send_reply("alice", got[0].id, "see you").ok());
  auto at_alice = receive(alice());
  ASSERT_EQ(at_alice.size(), 1u);
  EXPECT_EQ(at_alice[0].reply_to, got[0].id);
  EXPECT_EQ(at_alice[0].reply_author, "alice");
  auto unknown = bob().send_reply("alice", Bytes(16, 9), "what?");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().detail, "unknown_target");
}

TEST_F(ClientGroupsTest, FilesReactionsAndDeletionsWorkInAGroup) {
  const GroupState group = create_friends();
  const std::string peer = Messenger::group_peer(group.id);
  std::mt19937 generator(3);
  std::string bytes(300 * 1024, '\0');
  for (char& c : bytes) c = static_cast<char>(generator());
  const auto file = homes_ / "photo.jpg";
  std::ofstream(file, std::ios::binary) << bytes;
  auto sent = alice().send_file(peer, file);
  ASSERT_TRUE(sent.ok()) << client::describe(sent.error());
  for (Messenger* member : {&bob(), &carol()}) {
    auto events = receive(*member);
    ASSERT_EQ(events.size(), 1u);
    ASSERT_TRUE(events[0].attachment);
    EXPECT_EQ(events[0].attachment->transfer, client::TransferState::kDone) << events[0].attachment->failure;
    std::ifstream in(events[0].attachment->path, std::ios::binary);
    EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), bytes);
  }
  ASSERT_TRUE(bob().send_reaction(peer, *sent, "👍").ok());
  for (Messenger* member : {&alice(), &carol()}) {
    auto events = receive(*member);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, "reaction");
    EXPECT_EQ(events[0].target_id, *sent);
    EXPECT_EQ(events[0].author, "bob");
  }
  // bob cannot delete alice's message for everyone; alice can.
  ASSERT_FALSE(bob().delete_for_everyone(peer, *sent).ok());
  ASSERT_TRUE(alice().delete_for_everyone(peer, *sent).ok());
  for (Messenger* member : {&bob(), &carol()}) {
    auto events = receive(*member);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, "delete");
    auto row = member->find_message(false, peer, *sent);
    ASSERT_TRUE(row.ok() && *row);
    EXPECT_EQ((*row)->kind, "deleted");
  }
}

}  // namespace
}  // namespace hush::test
