// Integration: linking a new device to an account over real sockets (ApproveLink, FetchLink,
// LinkDevice), its refusals and limits, and removal of a linked device revoking its login.
#include <gtest/gtest.h>

#include <thread>

#include "hush/crypto/hash.hpp"
#include "server_fixture.hpp"

namespace hush::test {
namespace {

using Code = api::Status;

class LinkDevice : public ServerFixture {};

std::string link_id(std::uint8_t n) {
  return std::string(15, 'l') + static_cast<char>(n);
}

std::string token(std::uint8_t n) {
  return std::string(31, 't') + static_cast<char>(n);
}

std::string token_hash(const std::string& token) {
  const auto digest = crypto::sha256(as_bytes(token));
  return std::string(digest.begin(), digest.end());
}

api::Request approve_request(const std::string& id, const std::string& hash, const std::string& sealed) {
  api::Request request;
  request.mutable_approve_link()->set_link_id(id);
  request.mutable_approve_link()->set_token_hash(hash);
  request.mutable_approve_link()->set_sealed(sealed);
  return request;
}

api::Request fetch_request(const std::string& id) {
  api::Request request;
  request.mutable_fetch_link()->set_link_id(id);
  return request;
}

// `device` links to `username`'s account with the identity key of `account_device` (what the
// sealed payload gave it), signing `client`'s challenge.
api::Request link_request(const TestClient& client, const std::string& username, const std::string& id,
                          const std::string& link_token, const TestDevice& device, const TestDevice& account_device) {
  api::Request request;
  auto* body = request.mutable_link_device();
  body->set_username(username);
  body->set_link_id(id);
  body->set_token(link_token);
  *body->mutable_device() = device.keys("phone");
  body->mutable_device()->set_identity_key(account_device.keys().identity_key());
  body->set_challenge_signature(device.sign_challenge(client.challenge_nonce()));
  return request;
}

api::Response call(TestClient& client, const api::Request& request) {
  auto response = client.call(request);
  EXPECT_TRUE(response);
  return response.value_or(api::Response{});
}

TEST_F(LinkDevice, ApprovedDeviceFetchesLinksLogsInIsListedAndReceivesEnvelopes) {
  start_server();
  TestDevice alice(1), phone(11), bob(2);
  auto a = registered("alice", alice);
  auto n = connect();                                                           // the new device, not logged in
  EXPECT_EQ(call(*n, fetch_request(link_id(1))).status().reason(), "no_link");  // not approved yet
  ASSERT_EQ(call(*a, approve_request(link_id(1), token_hash(token(1)), "sealed-to-phone")).status().code(), Code::OK);

  const api::Response offer = call(*n, fetch_request(link_id(1)));
  ASSERT_EQ(offer.status().code(), Code::OK) << offer.status().reason();
  EXPECT_EQ(offer.link_offer().username(), "alice");
  EXPECT_EQ(offer.link_offer().sealed(), "sealed-to-phone");

  const api::Response linked = call(*n, link_request(*n, "alice", link_id(1), token(1), phone, alice));
  ASSERT_EQ(linked.status().code(), Code::OK) << linked.status().reason();
  EXPECT_EQ(linked.linked().device_id(), 2u);
  // Logged in on this connection, as after RegisterAccount; the link is used up.
  api::Request list;
  list.mutable_list_devices();
  EXPECT_EQ(call(*n, list).devices().devices_size(), 2);
  EXPECT_EQ(call(*n, fetch_request(link_id(1))).status().reason(), "no_link");
  n.reset();

  // A new connection logs in as the new device, which is listed and reachable.
  auto p = logged_in("alice", 2, phone);
  const api::Response devices = call(*a, list);
  ASSERT_EQ(devices.devices().devices_size(), 2);
  EXPECT_EQ(devices.devices().devices(1).device_id(), 2u);
  EXPECT_EQ(devices.devices().devices(1).name(), "phone");
  auto empty = p->next_push();
  ASSERT_TRUE(empty && empty->has_queue_empty());
  auto b = registered("bob", bob);
  const api::Response sent = call(
      *b, send_request("alice", message_id(1), {{1, alice.registration_id}, {2, phone.registration_id}}, "to both"));
  ASSERT_EQ(sent.status().code(), Code::OK) << sent.status().reason();
  auto push = p->next_push();
  ASSERT_TRUE(push && push->has_envelope());
  EXPECT_EQ(push->envelope().content(), "to both");
  EXPECT_EQ(push->envelope().sender(), "bob");
}

TEST_F(LinkDevice, AWrongTokenIsRefusedAndDestroysTheLink) {
  start_server();
  TestDevice alice(1), phone(11);
  auto a = registered("alice", alice);
  ASSERT_EQ(call(*a, approve_request(link_id(1), token_hash(token(1)), "sealed")).status().code(), Code::OK);
  auto n = connect();
  const api::Response refused = call(*n, link_request(*n, "alice", link_id(1), token(2), phone, alice));
  EXPECT_EQ(refused.status().code(), Code::UNAUTHENTICATED);
  EXPECT_EQ(refused.status().reason(), "bad_token");
  // Gone: neither fetched nor usable with the right token.
  EXPECT_EQ(call(*n, fetch_request(link_id(1))).status().reason(), "no_link");
  EXPECT_EQ(call(*n, link_request(*n, "alice", link_id(1), token(1), phone, alice)).status().reason(), "no_link");
  EXPECT_EQ(storage_->accounts().list_devices(1)->size(), 1u);
}

TEST_F(LinkDevice, RefusesAnotherAccountsNameAnotherIdentityAndABadSignature) {
  start_server();
  TestDevice alice(1), bob(2), phone(11), mallory(12);
  auto a = registered("alice", alice);
  { registered("bob", bob); }
  ASSERT_EQ(call(*a, approve_request(link_id(1), token_hash(token(1)), "sealed")).status().code(), Code::OK);
  auto n = connect();
  EXPECT_EQ(call(*n, link_request(*n, "bob", link_id(1), token(1), phone, alice)).status().reason(), "no_link");
  EXPECT_EQ(call(*n, link_request(*n, "nobody", link_id(1), token(1), phone, alice)).status().reason(), "no_link");
  EXPECT_EQ(call(*n, link_request(*n, "alice", link_id(1), token(1), phone, phone)).status().reason(),
            "identity_mismatch");
  api::Request forged = link_request(*n, "alice", link_id(1), token(1), phone, alice);
  forged.mutable_link_device()->set_challenge_signature(mallory.sign_challenge(n->challenge_nonce()));
  EXPECT_EQ(call(*n, forged).status().reason(), "bad_signature");
  api::Request short_token = link_request(*n, "alice", link_id(1), "short", phone, alice);
  EXPECT_EQ(call(*n, short_token).status().reason(), "invalid_token");
  // None of these used the link.
  EXPECT_EQ(call(*n, link_request(*n, "alice", link_id(1), token(1), phone, alice)).status().code(), Code::OK);
  // A logged-in connection cannot link again.
  EXPECT_EQ(call(*n, link_request(*n, "alice", link_id(2), token(1), phone, alice)).status().reason(),
            "already_authenticated");
}

TEST_F(LinkDevice, ALinkExpiresAfterLinkTtl) {
  start_server([](server::Options& options) { options.limits.link_ttl = std::chrono::milliseconds(300); });
  TestDevice alice(1), phone(11);
  auto a = registered("alice", alice);
  ASSERT_EQ(call(*a, approve_request(link_id(1), token_hash(token(1)), "sealed")).status().code(), Code::OK);
  auto n = connect();
  EXPECT_EQ(call(*n, fetch_request(link_id(1))).status().code(), Code::OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(call(*n, fetch_request(link_id(1))).status().reason(), "no_link");
  const api::Response late = call(*n, link_request(*n, "alice", link_id(1), token(1), phone, alice));
  EXPECT_EQ(late.status().code(), Code::NOT_FOUND);
  EXPECT_EQ(late.status().reason(), "no_link");
}

TEST_F(LinkDevice, ApproveLinkChecksSizesAndDuplicateIds) {
  start_server({}, storage::Options{.max_link_payload = 8});
  TestDevice alice(1), bob(2);
  auto a = registered("alice", alice);
  auto b = registered("bob", bob);
  EXPECT_EQ(call(*a, approve_request("short", token_hash(token(1)), "x")).status().reason(), "invalid_link_id");
  EXPECT_EQ(call(*a, approve_request(link_id(1), "short", "x")).status().reason(), "invalid_token_hash");
  for (const std::string& sealed : {std::string(), std::string(9, 's')}) {
    const api::Response refused = call(*a, approve_request(link_id(1), token_hash(token(1)), sealed));
    EXPECT_EQ(refused.status().code(), Code::LIMIT_EXCEEDED);
    EXPECT_EQ(refused.status().limit(), "max_link_payload");
    EXPECT_EQ(refused.status().limit_value(), 8u);
  }
  ASSERT_EQ(call(*a, approve_request(link_id(1), token_hash(token(1)), std::string(8, 's'))).status().code(), Code::OK);
  const api::Response taken = call(*b, approve_request(link_id(1), token_hash(token(2)), "x"));
  EXPECT_EQ(taken.status().code(), Code::CONFLICT);
  EXPECT_EQ(taken.status().reason(), "link_exists");
  // Not logged in: ApproveLink is refused.
  EXPECT_EQ(call(*connect(), approve_request(link_id(2), token_hash(token(2)), "x")).status().reason(),
            "not_authenticated");
}

TEST_F(LinkDevice, PendingLinksPerAccountAreBounded) {
  start_server({}, storage::Options{.max_pending_links_per_account = 2});
  TestDevice alice(1);
  auto a = registered("alice", alice);
  ASSERT_EQ(call(*a, approve_request(link_id(1), token_hash(token(1)), "x")).status().code(), Code::OK);
  ASSERT_EQ(call(*a, approve_request(link_id(2), token_hash(token(2)), "x")).status().code(), Code::OK);
  const api::Response refused = call(*a, approve_request(link_id(3), token_hash(token(3)), "x"));
  EXPECT_EQ(refused.status().code(), Code::LIMIT_EXCEEDED);
  EXPECT_EQ(refused.status().limit(), "max_pending_links_per_account");
  EXPECT_EQ(refused.status().limit_value(), 2u);
}

TEST_F(LinkDevice, TheSixthDeviceIsTheLast) {
  start_server();
  TestDevice alice(1);
  auto a = registered("alice", alice);
  std::vector<std::unique_ptr<TestDevice>> linked;
  for (std::uint8_t i = 1; i <= 5; ++i) {
    ASSERT_EQ(call(*a, approve_request(link_id(i), token_hash(token(i)), "x")).status().code(), Code::OK);
    linked.push_back(std::make_unique<TestDevice>(10 + i));
    auto n = connect();
    const api::Response added = call(*n, link_request(*n, "alice", link_id(i), token(i), *linked.back(), alice));
    ASSERT_EQ(added.status().code(), Code::OK) << added.status().reason();
    EXPECT_EQ(added.linked().device_id(), 1u + i);
  }
  // Six devices: a seventh is refused at approval, and at linking when approved before the sixth.
  const api::Response refused = call(*a, approve_request(link_id(9), token_hash(token(9)), "x"));
  EXPECT_EQ(refused.status().code(), Code::LIMIT_EXCEEDED);
  EXPECT_EQ(refused.status().limit(), "max_devices_per_account");
  EXPECT_EQ(refused.status().limit_value(), 6u);
  api::Request remove;
  remove.mutable_remove_device()->set_device_id(6);
  ASSERT_EQ(call(*a, remove).status().code(), Code::OK);
  ASSERT_EQ(call(*a, approve_request(link_id(7), token_hash(token(7)), "x")).status().code(), Code::OK);
  ASSERT_EQ(call(*a, approve_request(link_id(8), token_hash(token(8)), "x")).status().code(), Code::OK);
  TestDevice seventh(17), eighth(18);
  auto n = connect();
  ASSERT_EQ(call(*n, link_request(*n, "alice", link_id(7), token(7), seventh, alice)).status().code(), Code::OK);
  auto m = connect();
  const api::Response late = call(*m, link_request(*m, "alice", link_id(8), token(8), eighth, alice));
  EXPECT_EQ(late.status().code(), Code::LIMIT_EXCEEDED);
  EXPECT_EQ(late.status().limit(), "max_devices_per_account");
}

TEST_F(LinkDevice, RemovingALinkedDeviceClosesItAndItCannotLogInAgain) {
  start_server();
  TestDevice alice(1), phone(11);
  auto a = registered("alice", alice);
  ASSERT_EQ(call(*a, approve_request(link_id(1), token_hash(token(1)), "x")).status().code(), Code::OK);
  auto n = connect();
  ASSERT_EQ(call(*n, link_request(*n, "alice", link_id(1), token(1), phone, alice)).status().code(), Code::OK);
  api::Request remove;
  remove.mutable_remove_device()->set_device_id(2);
  ASSERT_EQ(call(*a, remove).status().code(), Code::OK);
  EXPECT_EQ(n->wait_closed(), "device_removed");
  EXPECT_EQ(connect()->authenticate("alice", 2, phone).status().reason(), "authentication_failed");
  api::Request list;
  list.mutable_list_devices();
  EXPECT_EQ(call(*a, list).devices().devices_size(), 1);
}

TEST_F(LinkDevice, UnauthenticatedLinkRequestsAreLimitedPerAddress) {
  start_server([](server::Options& options) {
    options.limits.link_fetches_per_ip_per_minute = 1;
    options.limits.link_fetches_per_ip_burst = 3;
  });
  auto n = connect();
  EXPECT_EQ(call(*n, fetch_request(link_id(1))).status().reason(), "no_link");
  EXPECT_EQ(call(*n, fetch_request("short")).status().reason(), "invalid_link_id");
  TestDevice phone(11);
  EXPECT_EQ(call(*n, link_request(*n, "alice", link_id(1), token(1), phone, phone)).status().reason(), "no_link");
  // The bucket is the address's, not the connection's.
  auto m = connect();
  const api::Response limited = call(*m, fetch_request(link_id(1)));
  EXPECT_EQ(limited.status().code(), Code::LIMIT_EXCEEDED);
  EXPECT_EQ(limited.status().limit(), "link_fetches_per_ip");
  EXPECT_EQ(limited.status().limit_value(), 1u);
  EXPECT_GT(limited.status().retry_after_ms(), 0u);
}

}  // namespace
}  // namespace hush::test
