// SendToMany (a group message) through hushd over real TLS WebSocket connections: one body stored
// once and pushed to every connected device of every member with identical content, STALE_DEVICES
// per account with nothing stored, unknown accounts, duplicates, a message in two batches with one
// body, the body's errors, the limits, expiry notices, and two nodes on one PostgreSQL woken by
// each other's commits.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "hush/storage/postgres_storage.hpp"
#include "postgres/postgres_test_support.hpp"  // libs/storage/test
#include "server_fixture.hpp"

namespace hush::test {
namespace {

using Code = api::Status::Code;

constexpr std::uint32_t kSenderKeyType = 7;  // libsignal's SenderKeyMessage; the server keeps any byte

// One account as a SendToMany lists it: (device id, registration id) per device.
struct Listed {
  std::string username;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> devices;
};

api::Request send_to_many(const std::string& id, const std::string& body, const std::vector<Listed>& recipients,
                          std::uint32_t type = kSenderKeyType) {
  api::Request request;
  api::SendToMany* message = request.mutable_send_to_many();
  message->set_message_id(id);
  message->set_type(type);
  message->set_body(body);
  for (const Listed& listed : recipients) {
    api::Recipient* recipient = message->add_recipients();
    recipient->set_username(listed.username);
    for (const auto& [device_id, registration_id] : listed.devices) {
      api::RecipientDevice* device = recipient->add_devices();
      device->set_device_id(device_id);
      device->set_registration_id(registration_id);
    }
  }
  return request;
}

storage::NewDevice new_device(const TestDevice& device, const std::string& name) {
  storage::NewDevice out;
  out.registration_id = device.registration_id;
  out.identity_key = device.identity.public_key.serialize();
  out.auth_key = device.auth.public_key;
  out.name = name;
  return out;
}

// The mismatch reported for `username`, or nullptr.
const api::AccountMismatch* mismatch_of(const api::Response& response, const std::string& username) {
  for (const api::AccountMismatch& mismatch : response.send_to_many_result().mismatches()) {
    if (mismatch.username() == username) return &mismatch;
  }
  return nullptr;
}

std::vector<std::uint32_t> list(const google::protobuf::RepeatedField<std::uint32_t>& field) {
  return {field.begin(), field.end()};
}

// Registered accounts with a second device each (added through storage: there is no linking API
// yet), every device logged in on its own connection with its queue drained.
class SendToMany : public ServerFixture {
 protected:
  struct Member {
    std::string username;
    TestDevice first, second;
    std::unique_ptr<TestClient> one, two;  // device 1 and device 2
  };

  // Registers `username` (device 1) and adds device 2; both connected and caught up.
  Member& add_member(const std::string& username, std::uint64_t seed) {
    auto member = std::make_unique<Member>(Member{username, TestDevice(seed), TestDevice(seed + 1000), {}, {}});
    member->one = registered(username, member->first);
    EXPECT_TRUE(member->one->next_push()->has_queue_empty());
    auto account = storage_->accounts().find_account(username);
    EXPECT_TRUE(account.ok());
    auto added = storage_->accounts().add_device(
        account->id, new_device(member->second, "second"),
        std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    EXPECT_TRUE(added.ok());
    EXPECT_EQ(added->id, 2u);
    member->two = logged_in(username, 2, member->second);
    EXPECT_TRUE(member->two->next_push()->has_queue_empty());
    members_.push_back(std::move(member));
    return *members_.back();
  }

  static Listed both(const Member& member) {
    return {member.username, {{1, member.first.registration_id}, {2, member.second.registration_id}}};
  }

  // Every queued envelope of the server, over all members' devices.
  std::size_t queued_everywhere() {
    std::size_t total = 0;
    for (const auto& member : members_) {
      auto account = storage_->accounts().find_account(member->username);
      for (storage::DeviceId device : {1u, 2u}) total += *storage_->messages().depth({account->id, device});
    }
    return total;
  }

  std::size_t bodies() { return *storage_->messages().shared_bodies(); }

  std::vector<std::unique_ptr<Member>> members_;
};

TEST_F(SendToMany, OneBodyReachesEveryConnectedDeviceOfEveryMember) {
  start_server();
  Member& alice = add_member("alice", 1);
  Member& bob = add_member("bob", 2);
  Member& carol = add_member("carol", 3);
  Member& dave = add_member("dave", 4);
  const std::string body(5000, '\x5a');
  // To three accounts of two devices each, and to the sender's own other device.
  auto sent = alice.one->call(send_to_many(
      message_id(1), body, {both(bob), both(carol), both(dave), {"alice", {{2, alice.second.registration_id}}}}));
  ASSERT_TRUE(sent);
  ASSERT_EQ(sent->status().code(), Code::Status_Code_OK) << sent->status().reason();
  EXPECT_FALSE(sent->send_to_many_result().duplicate());
  EXPECT_EQ(sent->send_to_many_result().mismatches_size(), 0);
  EXPECT_EQ(bodies(), 1u);  // stored once for seven devices

  std::vector<TestClient*> receivers{bob.one.get(),  bob.two.get(),  carol.one.get(), carol.two.get(),
                                     dave.one.get(), dave.two.get(), alice.two.get()};
  std::set<std::uint64_t> sequences;
  for (TestClient* receiver : receivers) {
    auto push = receiver->next_push();
    ASSERT_TRUE(push && push->has_envelope()) << (push ? push->DebugString() : "no push");
    const api::Envelope& envelope = push->envelope();
    EXPECT_EQ(envelope.content(), body);
    EXPECT_EQ(envelope.sender(), "alice");
    EXPECT_EQ(envelope.sender_device(), 1u);
    EXPECT_EQ(envelope.type(), kSenderKeyType);
    EXPECT_EQ(envelope.message_id(), message_id(1));
    EXPECT_GT(envelope.server_time_ms(), 0u);
    sequences.insert(envelope.sequence());
    api::Request ack;
    ack.mutable_acknowledge()->add_sequences(envelope.sequence());
    ASSERT_EQ(receiver->call(ack)->status().code(), Code::Status_Code_OK);
  }
  EXPECT_EQ(sequences.size(), receivers.size());
  // Every device acknowledged: the body went with the last reference.
  EXPECT_EQ(queued_everywhere(), 0u);
  EXPECT_EQ(bodies(), 0u);
  // One envelope per device (a client is closed once a wait for a push times out: so last).
  for (TestClient* receiver : {carol.one.get(), carol.two.get(), dave.one.get(), dave.two.get(), alice.two.get()}) {
    EXPECT_FALSE(receiver->next_push(100ms)) << "one envelope per device";
  }

  // A device that logs in later reads the same envelope from storage.
  auto late = alice.one->call(send_to_many(message_id(2), "late", {both(bob)}));
  ASSERT_EQ(late->status().code(), Code::Status_Code_OK);
  EXPECT_TRUE(bob.one->next_push()->has_envelope());
  bob.two.reset();
  auto again = logged_in("bob", 2, bob.second);
  auto queued = again->next_push();
  ASSERT_TRUE(queued && queued->has_envelope());
  EXPECT_EQ(queued->envelope().content(), "late");
  EXPECT_EQ(queued->envelope().sender(), "alice");
  EXPECT_EQ(queued->envelope().type(), kSenderKeyType);
  EXPECT_FALSE(alice.one->next_push(200ms)) << "a device never receives its own sends";
}

TEST_F(SendToMany, StaleDevicesAreAnsweredPerAccountAndNothingIsStored) {
  start_server();
  Member& alice = add_member("alice", 1);
  Member& bob = add_member("bob", 2);
  Member& carol = add_member("carol", 3);
  Member& dave = add_member("dave", 4);
  Member& erin = add_member("erin", 5);
  auto answer = alice.one->call(send_to_many(
      message_id(1), "x",
      {
          {"bob", {{1, bob.first.registration_id}}},                                              // missing 2
          {"carol", {{1, carol.first.registration_id}, {2, carol.second.registration_id + 1}}},   // 2 stale
          {"dave", {{1, dave.first.registration_id}, {2, dave.second.registration_id}, {7, 1}}},  // 7 extra
          {"nobody", {{1, 1}}},                                                                   // no account
          {"alice", {{1, alice.first.registration_id}, {2, alice.second.registration_id}}},       // own device 1
          both(erin),                                                                             // right
      }));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status().code(), Code::Status_Code_STALE_DEVICES);
  EXPECT_EQ(answer->status().reason(), "stale_devices");
  EXPECT_EQ(answer->send_to_many_result().mismatches_size(), 5);
  const api::AccountMismatch* for_bob = mismatch_of(*answer, "bob");
  ASSERT_NE(for_bob, nullptr);
  EXPECT_EQ(list(for_bob->missing_devices()), (std::vector<std::uint32_t>{2}));
  EXPECT_TRUE(for_bob->extra_devices().empty());
  EXPECT_TRUE(for_bob->stale_devices().empty());
  EXPECT_FALSE(for_bob->unknown_account());
  const api::AccountMismatch* for_carol = mismatch_of(*answer, "carol");
  ASSERT_NE(for_carol, nullptr);
  EXPECT_EQ(list(for_carol->stale_devices()), (std::vector<std::uint32_t>{2}));
  EXPECT_TRUE(for_carol->missing_devices().empty());
  const api::AccountMismatch* for_dave = mismatch_of(*answer, "dave");
  ASSERT_NE(for_dave, nullptr);
  EXPECT_EQ(list(for_dave->extra_devices()), (std::vector<std::uint32_t>{7}));
  const api::AccountMismatch* for_nobody = mismatch_of(*answer, "nobody");
  ASSERT_NE(for_nobody, nullptr);
  EXPECT_TRUE(for_nobody->unknown_account());
  // The sender's own device is not a recipient: listing it is an extra device, as for Send.
  const api::AccountMismatch* for_alice = mismatch_of(*answer, "alice");
  ASSERT_NE(for_alice, nullptr);
  EXPECT_EQ(list(for_alice->extra_devices()), (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(mismatch_of(*answer, "erin"), nullptr);

  // Nothing was stored for anyone, erin included; nothing was pushed.
  EXPECT_EQ(queued_everywhere(), 0u);
  EXPECT_EQ(bodies(), 0u);
  EXPECT_FALSE(erin.one->next_push(200ms));

  // Fixed, the same message id goes through.
  auto fixed = alice.one->call(
      send_to_many(message_id(1), "x",
                   {both(bob), both(carol), both(dave), both(erin), {"alice", {{2, alice.second.registration_id}}}}));
  ASSERT_EQ(fixed->status().code(), Code::Status_Code_OK) << fixed->status().reason();
  EXPECT_EQ(queued_everywhere(), 9u);
}

TEST_F(SendToMany, AResendIsADuplicateAndStoresNothing) {
  start_server();
  Member& alice = add_member("alice", 1);
  Member& bob = add_member("bob", 2);
  const auto request = send_to_many(message_id(3), "once", {both(bob)});
  auto first = alice.one->call(request);
  auto second = alice.one->call(request);
  ASSERT_TRUE(first && second);
  ASSERT_EQ(first->status().code(), Code::Status_Code_OK);
  EXPECT_FALSE(first->send_to_many_result().duplicate());
  ASSERT_EQ(second->status().code(), Code::Status_Code_OK);
  EXPECT_TRUE(second->send_to_many_result().duplicate());
  EXPECT_EQ(queued_everywhere(), 2u);
  EXPECT_EQ(bodies(), 1u);
  for (TestClient* device : {bob.one.get(), bob.two.get()}) {
    EXPECT_TRUE(device->next_push()->has_envelope());
    EXPECT_FALSE(device->next_push(200ms)) << "pushed once";
  }
  // The same message id sent by Send to those devices is the same message.
  auto as_send = alice.one->call(
      send_request("bob", message_id(3), {{1, bob.first.registration_id}, {2, bob.second.registration_id}}, "once"));
  ASSERT_EQ(as_send->status().code(), Code::Status_Code_OK);
  EXPECT_TRUE(as_send->send_result().duplicate());
}

TEST_F(SendToMany, AMessageInTwoBatchesHasOneBody) {
  start_server();
  Member& alice = add_member("alice", 1);
  Member& bob = add_member("bob", 2);
  Member& carol = add_member("carol", 3);
  const std::string body = "the group's sender key message";
  auto first = alice.one->call(send_to_many(message_id(4), body, {both(bob)}));
  ASSERT_EQ(first->status().code(), Code::Status_Code_OK) << first->status().reason();
  // The second batch leaves the body out: the server kept it. Its recipients read it from storage.
  auto second = alice.one->call(send_to_many(message_id(4), "", {both(carol)}));
  ASSERT_EQ(second->status().code(), Code::Status_Code_OK) << second->status().reason();
  EXPECT_FALSE(second->send_to_many_result().duplicate());
  EXPECT_EQ(bodies(), 1u);
  for (TestClient* device : {bob.one.get(), bob.two.get(), carol.one.get(), carol.two.get()}) {
    auto push = device->next_push();
    ASSERT_TRUE(push && push->has_envelope()) << (push ? push->DebugString() : "no push");
    EXPECT_EQ(push->envelope().content(), body);
    EXPECT_EQ(push->envelope().message_id(), message_id(4));
    EXPECT_EQ(push->envelope().sender(), "alice");
  }

  // A different body under the same id is refused, and so is a batch with no body for an id the
  // server holds none for.
  auto mismatch =
      alice.one->call(send_to_many(message_id(4), "another body", {{"alice", {{2, alice.second.registration_id}}}}));
  EXPECT_EQ(mismatch->status().code(), Code::Status_Code_BAD_REQUEST);
  EXPECT_EQ(mismatch->status().reason(), "body_mismatch");
  auto unknown = alice.one->call(send_to_many(message_id(5), "", {both(bob)}));
  EXPECT_EQ(unknown->status().code(), Code::Status_Code_BAD_REQUEST);
  EXPECT_EQ(unknown->status().reason(), "unknown_body");
  EXPECT_EQ(queued_everywhere(), 4u);
  EXPECT_FALSE(alice.two->next_push(200ms));
}

TEST_F(SendToMany, LimitsAndMalformedRequestsAreRefusedByName) {
  start_server([](server::Options& options) {
    options.limits.max_devices_per_send_to_many = 4;
    options.limits.max_envelope_size = 100;
  });
  Member& alice = add_member("alice", 1);
  Member& bob = add_member("bob", 2);
  Member& carol = add_member("carol", 3);
  // Four devices fit; five do not (an account listed without devices counts as one).
  auto five = alice.one->call(send_to_many(message_id(1), "x", {both(bob), both(carol), {"dave", {}}}));
  EXPECT_EQ(five->status().code(), Code::Status_Code_LIMIT_EXCEEDED);
  EXPECT_EQ(five->status().reason(), "max_devices_per_send_to_many");
  EXPECT_EQ(five->status().limit(), "max_devices_per_send_to_many");
  EXPECT_EQ(five->status().limit_value(), 4u);
  auto four = alice.one->call(send_to_many(message_id(1), "x", {both(bob), both(carol)}));
  EXPECT_EQ(four->status().code(), Code::Status_Code_OK) << four->status().reason();
  // The body is bounded like an envelope's content.
  auto large = alice.one->call(send_to_many(message_id(2), std::string(101, 'b'), {both(bob)}));
  EXPECT_EQ(large->status().code(), Code::Status_Code_LIMIT_EXCEEDED);
  EXPECT_EQ(large->status().limit(), "max_envelope_size");
  EXPECT_EQ(large->status().limit_value(), 100u);
  EXPECT_EQ(alice.one->call(send_to_many(message_id(2), std::string(100, 'b'), {both(bob)}))->status().code(),
            Code::Status_Code_OK);

  const auto reason = [&](const api::Request& request) { return alice.one->call(request)->status().reason(); };
  EXPECT_EQ(reason(send_to_many("short", "x", {both(bob)})), "invalid_message_id");
  EXPECT_EQ(reason(send_to_many(message_id(3), "x", {})), "no_recipients");
  EXPECT_EQ(reason(send_to_many(message_id(3), "x", {both(bob), both(bob)})), "duplicate_recipient");
  EXPECT_EQ(reason(send_to_many(message_id(3), "x", {{"bob", {{1, 1}, {1, 1}}}})), "duplicate_device");
  EXPECT_EQ(reason(send_to_many(message_id(3), "x", {both(bob)}, 0)), "invalid_envelope");
  EXPECT_EQ(reason(send_to_many(message_id(3), "x", {both(bob)}, 256)), "invalid_envelope");
  // Only the sender's own account, and it has no device to send to but the sender's.
  ASSERT_TRUE(storage_->accounts().remove_device({storage_->accounts().find_account("alice")->id, 2}).ok());
  EXPECT_EQ(reason(send_to_many(message_id(3), "x", {{"alice", {}}})), "no_recipients");
  // Nothing of the refused requests was stored.
  EXPECT_EQ(bodies(), 2u);

  // Not a media request: refused on a transfers-only connection.
  auto transfers = connect();
  api::Request login;
  login.mutable_authenticate()->set_username("alice");
  login.mutable_authenticate()->set_device_id(1);
  login.mutable_authenticate()->set_challenge_signature(alice.first.sign_challenge(transfers->challenge_nonce()));
  login.mutable_authenticate()->set_transfers_only(true);
  ASSERT_EQ(transfers->call(login)->status().code(), Code::Status_Code_OK);
  auto refused = transfers->call(send_to_many(message_id(4), "x", {both(bob)}));
  EXPECT_EQ(refused->status().code(), Code::Status_Code_FORBIDDEN);
  EXPECT_EQ(refused->status().reason(), "transfers_only");
  // Nor before login.
  EXPECT_EQ(connect()->call(send_to_many(message_id(4), "x", {both(bob)}))->status().reason(), "not_authenticated");
}

TEST_F(SendToMany, ExpiryTellsTheSenderOncePerDeviceAndDropsTheBody) {
  start_server([](server::Options& options) {
    options.message_expiry = std::chrono::milliseconds(0);
    options.sweep_interval = std::chrono::milliseconds(100);
  });
  Member& alice = add_member("alice", 1);
  Member& bob = add_member("bob", 2);
  bob.one.reset();  // offline: nothing is acknowledged
  bob.two.reset();
  auto sent = alice.one->call(send_to_many(message_id(6), "late", {both(bob)}));
  ASSERT_EQ(sent->status().code(), Code::Status_Code_OK);
  std::map<std::uint32_t, std::uint64_t> notices;  // recipient device -> notice
  while (notices.size() < 2) {
    auto push = alice.one->next_push(3s);
    ASSERT_TRUE(push) << "expected a delivery failure per device";
    if (!push->has_delivery_failed()) continue;
    EXPECT_EQ(push->delivery_failed().recipient(), "bob");
    EXPECT_EQ(push->delivery_failed().message_id(), message_id(6));
    EXPECT_EQ(push->delivery_failed().reason(), "expired");
    notices[push->delivery_failed().recipient_device()] = push->delivery_failed().notice();
  }
  EXPECT_EQ(notices.size(), 2u);
  EXPECT_EQ(bodies(), 0u);
  EXPECT_EQ(queued_everywhere(), 0u);
}

// Two hushd nodes on one PostgreSQL schema: a SendToMany through node A reaches connected devices
// on both nodes, woken by storage (the commit's notifications), for a batch with the body and for
// a later batch without it.
TEST(SendToManyOnPostgres, TwoNodesPushEveryFannedOutEnvelope) {
  HUSH_REQUIRE_TEST_POSTGRES();
  storage::test::ScratchSchema schema(*storage::test::test_postgres_conninfo());
  std::string pattern = (std::filesystem::temp_directory_path() / "hush-fanout-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const std::filesystem::path folder = pattern;
  auto tls = server::ensure_self_signed_tls(folder);
  ASSERT_TRUE(tls.ok());
  std::ifstream in(tls->certificate);
  std::stringstream certificate;
  certificate << in.rdbuf();
  struct Node {
    std::unique_ptr<storage::Storage> storage;
    std::unique_ptr<server::Server> server;
  };
  std::vector<Node> nodes;
  for (int i = 0; i < 2; ++i) {
    storage::PostgresOptions postgres;
    postgres.conninfo = schema.conninfo();
    postgres.connections = 4;
    postgres.wake_channel = schema.name();
    auto opened = storage::open_postgres_storage(postgres);
    ASSERT_TRUE(opened.ok()) << to_string(opened.error());
    server::Options options;
    options.listen_address = "127.0.0.1";
    options.listen_port = 0;
    options.data_dir = folder;
    options.tls_certificate_file = tls->certificate;
    options.tls_private_key_file = tls->private_key;
    options.threads = 2;
    options.shutdown_grace = std::chrono::seconds(2);
    options.log_sink = [](std::string_view) {};
    Node node{std::move(*opened), nullptr};
    node.server = std::make_unique<server::Server>(options, *node.storage);
    ASSERT_EQ(node.server->start(), "");
    nodes.push_back(std::move(node));
  }
  const auto connect_to = [&](std::size_t node) {
    return std::make_unique<TestClient>(nodes[node].server->port(), certificate.str());
  };
  TestDevice alice(1), bob(2), carol(3), dave(4);
  auto a = connect_to(0);
  ASSERT_EQ(a->register_account("alice", alice).status().code(), Code::Status_Code_OK);
  auto b = connect_to(1);  // on the other node
  ASSERT_EQ(b->register_account("bob", bob).status().code(), Code::Status_Code_OK);
  auto c = connect_to(0);
  ASSERT_EQ(c->register_account("carol", carol).status().code(), Code::Status_Code_OK);
  auto d = connect_to(1);
  ASSERT_EQ(d->register_account("dave", dave).status().code(), Code::Status_Code_OK);
  for (TestClient* client : {a.get(), b.get(), c.get(), d.get()}) ASSERT_TRUE(client->next_push()->has_queue_empty());

  const std::string body = "to the group, through two nodes";
  auto sent = a->call(send_to_many(message_id(1), body,
                                   {{"bob", {{1, bob.registration_id}}}, {"carol", {{1, carol.registration_id}}}}));
  ASSERT_EQ(sent->status().code(), Code::Status_Code_OK) << sent->status().reason();
  auto later = a->call(send_to_many(message_id(1), "", {{"dave", {{1, dave.registration_id}}}}));
  ASSERT_EQ(later->status().code(), Code::Status_Code_OK) << later->status().reason();
  for (TestClient* client : {b.get(), c.get(), d.get()}) {
    auto push = client->next_push();
    ASSERT_TRUE(push && push->has_envelope()) << (push ? push->DebugString() : "no push");
    EXPECT_EQ(push->envelope().content(), body);
    EXPECT_EQ(push->envelope().sender(), "alice");
    EXPECT_EQ(push->envelope().type(), kSenderKeyType);
    EXPECT_FALSE(client->next_push(200ms));
  }
  EXPECT_EQ(*nodes[1].storage->messages().shared_bodies(), 1u);
  nodes.clear();
  std::error_code ignored;
  std::filesystem::remove_all(folder, ignored);
}

}  // namespace
}  // namespace hush::test
