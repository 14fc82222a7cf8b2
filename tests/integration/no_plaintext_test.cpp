// The server never sees plaintext (ARCHITECTURE.md decision 4): two parties run hush's own Signal
// protocol through hushd (bundle from the key directory, PreKeySignalMessage through the queue,
// and a group's SenderKeyMessage through SendToMany, its body stored once), and neither the
// database files nor the server's logs contain the message text.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "hush/protocol/memory_stores.hpp"
#include "hush/protocol/sender_keys.hpp"
#include "hush_party.hpp"
#include "server_fixture.hpp"

namespace hush::test {
namespace {

constexpr std::string_view kMarker = "MARKER-PLAINTEXT-123";
constexpr std::string_view kGroupMarker = "MARKER-GROUP-PLAINTEXT-456";

ByteView field_view(const std::string& field) {
  return {reinterpret_cast<const std::uint8_t*>(field.data()), field.size()};
}

std::string as_field(ByteView bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Registers `party` (its identity key and registration id) with the auth key of `auth`.
std::unique_ptr<TestClient> register_party(std::unique_ptr<TestClient> client, HushParty& party, const TestDevice& auth,
                                           const protocol::PreKeyBundle& bundle) {
  api::Request request;
  auto* body = request.mutable_register_account();
  body->set_username(party.address().name);
  *body->mutable_device() = auth.keys();
  body->mutable_device()->set_identity_key(as_field(party.identity_public()));
  body->mutable_device()->set_registration_id(bundle.registration_id);
  body->set_challenge_signature(auth.sign_challenge(client->challenge_nonce()));
  auto response = client->call(request);
  EXPECT_TRUE(response && response->status().code() == api::Status::OK);
  // Keys: the party's signed prekey and one stored one-time prekey.
  api::Request keys;
  auto* upload = keys.mutable_upload_keys();
  upload->mutable_signed_prekey()->set_id(bundle.signed_prekey_id);
  upload->mutable_signed_prekey()->set_public_key(as_field(bundle.signed_prekey.serialize()));
  upload->mutable_signed_prekey()->set_signature(as_field(bundle.signed_prekey_signature));
  if (bundle.one_time_prekey) {
    auto* prekey = upload->add_one_time_prekeys();
    prekey->set_id(*bundle.one_time_prekey_id);
    prekey->set_public_key(as_field(bundle.one_time_prekey->serialize()));
  }
  auto uploaded = client->call(keys);
  EXPECT_TRUE(uploaded && uploaded->status().code() == api::Status::OK)
      << (uploaded ? uploaded->status().reason() : "");
  return client;
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class NoPlaintext : public ServerFixture {};

TEST_F(NoPlaintext, DatabaseAndLogsNeverContainTheMessageText) {
  start_server();
  HushParty alice("alice", 1);
  HushParty bob("bob", 1);
  TestDevice alice_auth(11), bob_auth(12);
  auto a = register_party(connect(), alice, alice_auth, alice.make_bundle(true));
  auto b = register_party(connect(), bob, bob_auth, bob.make_bundle(true));
  ASSERT_TRUE(b->next_push()->has_queue_empty());

  // Alice builds her session from the bundle the server hands out.
  api::Request fetch;
  fetch.mutable_fetch_bundles()->set_username("bob");
  auto fetched = a->call(fetch);
  ASSERT_TRUE(fetched && fetched->bundles().bundles_size() == 1);
  const api::PreKeyBundle& wire_bundle = fetched->bundles().bundles(0);
  protocol::PreKeyBundle bundle;
  bundle.registration_id = wire_bundle.registration_id();
  bundle.device_id = wire_bundle.device_id();
  bundle.identity_key = *crypto::PublicKey::deserialize(field_view(wire_bundle.identity_key()));
  bundle.signed_prekey_id = wire_bundle.signed_prekey().id();
  bundle.signed_prekey = *crypto::PublicKey::deserialize(field_view(wire_bundle.signed_prekey().public_key()));
  std::copy(wire_bundle.signed_prekey().signature().begin(), wire_bundle.signed_prekey().signature().end(),
            reinterpret_cast<char*>(bundle.signed_prekey_signature.data()));
  ASSERT_TRUE(wire_bundle.has_one_time_prekey());
  bundle.one_time_prekey_id = wire_bundle.one_time_prekey().id();
  bundle.one_time_prekey = *crypto::PublicKey::deserialize(field_view(wire_bundle.one_time_prekey().public_key()));
  ASSERT_TRUE(alice.process_bundle(bob.address(), bundle).ok());
  auto ciphertext = alice.encrypt(bob.address(), as_bytes(kMarker));
  ASSERT_TRUE(ciphertext.ok());

  api::Request send;
  send.mutable_send()->set_recipient("bob");
  send.mutable_send()->set_message_id(std::string(16, 'z'));
  auto* envelope = send.mutable_send()->add_envelopes();
  envelope->set_device_id(1);
  envelope->set_registration_id(wire_bundle.registration_id());
  envelope->set_type(static_cast<std::uint32_t>(ciphertext->type));
  envelope->set_content(as_field(ciphertext->serialized));
  auto sent = a->call(send);
  ASSERT_TRUE(sent);
  ASSERT_EQ(sent->status().code(), api::Status::OK) << sent->status().reason();

  // Bob receives and decrypts it, but does not acknowledge yet: the envelope is still stored.
  auto push = b->next_push();
  while (push && push->has_keys_low()) push = b->next_push();  // the fetch emptied bob's stock
  ASSERT_TRUE(push && push->has_envelope());
  auto plaintext =
      bob.decrypt(alice.address(), static_cast<int>(push->envelope().type()), field_view(push->envelope().content()));
  ASSERT_TRUE(plaintext.ok());
  EXPECT_EQ(to_string(plaintext->view()), kMarker);

  // A group message: encrypted once with alice's sender key (its distribution message would reach
  // bob over their session; here bob's store takes it directly), stored once by SendToMany.
  crypto::SeededRng rng(7);
  const protocol::SenderKeyName alice_in_group{to_bytes("group-1"), alice.address()};
  protocol::InMemorySenderKeyStore alice_keys, bob_keys;
  auto distribution = protocol::create_sender_key_distribution(alice_keys, alice_in_group, rng);
  ASSERT_TRUE(distribution.ok());
  ASSERT_TRUE(protocol::process_sender_key_distribution(bob_keys, alice_in_group, distribution->view()).ok());
  auto group_ciphertext = protocol::group_encrypt(alice_keys, alice_in_group, as_bytes(kGroupMarker), rng);
  ASSERT_TRUE(group_ciphertext.ok());
  api::Request group;
  group.mutable_send_to_many()->set_message_id(std::string(16, 'g'));
  group.mutable_send_to_many()->set_type(4);  // SenderKeyMessage
  group.mutable_send_to_many()->set_body(as_field(*group_ciphertext));
  auto* member = group.mutable_send_to_many()->add_recipients();
  member->set_username("bob");
  member->add_devices()->set_device_id(1);
  member->mutable_devices(0)->set_registration_id(wire_bundle.registration_id());
  auto group_sent = a->call(group);
  ASSERT_TRUE(group_sent);
  ASSERT_EQ(group_sent->status().code(), api::Status::OK) << group_sent->status().reason();
  auto group_push = b->next_push();
  ASSERT_TRUE(group_push && group_push->has_envelope());
  auto group_plaintext =
      protocol::group_decrypt(bob_keys, alice_in_group, field_view(group_push->envelope().content()));
  ASSERT_TRUE(group_plaintext.ok());
  EXPECT_EQ(to_string(group_plaintext->view()), kGroupMarker);

  // The ciphertext itself is in the database (proving the scan looks at the right bytes)...
  std::string database;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir_)) {
    if (entry.is_regular_file()) database += read_all(entry.path());
  }
  const std::string stored = as_field(ciphertext->serialized);
  EXPECT_NE(database.find(stored.substr(stored.size() - 32)), std::string::npos);
  const std::string stored_group = as_field(*group_ciphertext);
  EXPECT_NE(database.find(stored_group.substr(stored_group.size() - 32)), std::string::npos);
  // ...and the text is neither there nor in the logs.
  EXPECT_EQ(database.find(kMarker), std::string::npos);
  EXPECT_EQ(database.find(kGroupMarker), std::string::npos);
  EXPECT_EQ(all_logs().find(kGroupMarker), std::string::npos);
  EXPECT_EQ(all_logs().find(kMarker), std::string::npos);
  EXPECT_FALSE(all_logs().empty());
}

}  // namespace
}  // namespace hush::test
