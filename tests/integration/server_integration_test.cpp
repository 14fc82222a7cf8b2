// hushd over real TLS WebSocket connections on loopback: registration and login, the key
// directory (including concurrent claims), store-and-forward with in-order delivery, deletion on
// acknowledgement, dedup, stale-device answers, resumable media, hostile frames, limits, shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "hush/crypto/hash.hpp"
#include "hush/wire/frame_codec.hpp"
#include "server_fixture.hpp"

namespace hush::test {
namespace {

using Code = api::Status::Code;

class Hushd : public ServerFixture {};

TEST_F(Hushd, RegistersAccountsAndRejectsBadRegistrations) {
  start_server();
  TestDevice alice(1), bob(2), mallory(3);
  auto a = registered("alice", alice);
  auto b = connect();
  EXPECT_EQ(b->register_account("alice", bob).status().reason(), "username_taken");
  EXPECT_EQ(b->register_account("Bob!", bob).status().reason(), "invalid_username");
  // A signature by another key over this connection's challenge is refused.
  api::Request forged;
  forged.mutable_register_account()->set_username("bob");
  *forged.mutable_register_account()->mutable_device() = bob.keys();
  forged.mutable_register_account()->set_challenge_signature(mallory.sign_challenge(b->challenge_nonce()));
  auto refused = b->call(forged);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status().code(), Code::Status_Code_UNAUTHENTICATED);
  EXPECT_EQ(refused->status().reason(), "bad_signature");
  const api::Response ok = b->register_account("bob", bob);
  EXPECT_EQ(ok.status().code(), Code::Status_Code_OK);
  EXPECT_EQ(ok.registered().device_id(), 1u);
}

TEST_F(Hushd, AuthenticatesWithChallengeSignatureOnly) {
  start_server();
  TestDevice alice(1), mallory(3);
  registered("alice", alice);
  auto before = connect();
  api::Request ping_keys;
  ping_keys.mutable_key_status();
  auto unauthenticated = before->call(ping_keys);
  ASSERT_TRUE(unauthenticated);
  EXPECT_EQ(unauthenticated->status().reason(), "not_authenticated");
  EXPECT_EQ(before->authenticate("alice", 1, mallory).status().reason(), "authentication_failed");
  EXPECT_EQ(before->authenticate("nobody", 1, alice).status().reason(), "authentication_failed");
  auto ok = before->authenticate("alice", 1, alice);
  EXPECT_EQ(ok.status().code(), Code::Status_Code_OK);
  EXPECT_EQ(ok.authenticated().device_id(), 1u);
  // A signature over another connection's challenge does not log in (no replay).
  auto other = connect();
  api::Request replay;
  replay.mutable_authenticate()->set_username("alice");
  replay.mutable_authenticate()->set_device_id(1);
  replay.mutable_authenticate()->set_challenge_signature(alice.sign_challenge(before->challenge_nonce()));
  auto replayed = other->call(replay);
  ASSERT_TRUE(replayed);
  EXPECT_EQ(replayed->status().reason(), "authentication_failed");
}

TEST_F(Hushd, InviteOnlyRegistrationConsumesTheTokenOnce) {
  start_server([](server::Options& options) { options.invite_only = true; });
  const std::string token = "0123456789abcdef0123456789abcdef";
  ASSERT_TRUE(storage_->accounts()
                  .add_invite(crypto::sha256(as_bytes(token)),
                              std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()) +
                                  std::chrono::hours(1))
                  .ok());
  TestDevice alice(1), bob(2);
  EXPECT_EQ(connect()->register_account("alice", alice).status().reason(), "invite_required");
  EXPECT_EQ(connect()->register_account("alice", alice, "wrong").status().reason(), "invalid_invite");
  EXPECT_EQ(connect()->register_account("alice", alice, token).status().code(), Code::Status_Code_OK);
  EXPECT_EQ(connect()->register_account("bob", bob, token).status().reason(), "invalid_invite");
}

TEST_F(Hushd, UploadKeysChecksTheSignedPrekeySignature) {
  start_server();
  TestDevice bob(2);
  auto b = registered("bob", bob);
  auto bad = b->call(upload_keys_request(bob, 1, 5, true, /*corrupt_signature=*/true));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status().code(), Code::Status_Code_BAD_REQUEST);
  EXPECT_EQ(bad->status().reason(), "bad_signature");
  api::Request status;
  status.mutable_key_status();
  EXPECT_EQ(b->call(status)->key_count().one_time_prekeys(), 0u);  // nothing stored
  auto good = b->call(upload_keys_request(bob, 1, 5));
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status().code(), Code::Status_Code_OK);
  EXPECT_EQ(b->call(status)->key_count().one_time_prekeys(), 5u);
}

TEST_F(Hushd, ConcurrentBundleFetchesClaimDistinctKeysThenLastResort) {
  start_server();
  TestDevice bob(2);
  auto b = registered("bob", bob);
  ASSERT_EQ(b->call(upload_keys_request(bob, 1, 10))->status().code(), Code::Status_Code_OK);
  std::vector<TestDevice> fetchers;
  for (int i = 0; i < 4; ++i) fetchers.emplace_back(100 + i);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(registered("fetcher" + std::to_string(i), fetchers[i]));

  std::mutex mutex;
  std::vector<std::uint32_t> one_time_ids;
  int last_resort = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 5; ++n) {
        api::Request fetch;
        fetch.mutable_fetch_bundles()->set_username("bob");
        auto response = clients[i]->call(fetch);
        ASSERT_TRUE(response);
        ASSERT_EQ(response->bundles().bundles_size(), 1);
        const auto& bundle = response->bundles().bundles(0);
        std::lock_guard lock(mutex);
        if (bundle.last_resort()) {
          ++last_resort;
        } else {
          one_time_ids.push_back(bundle.one_time_prekey().id());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(one_time_ids.size(), 10u);
  EXPECT_EQ(std::set<std::uint32_t>(one_time_ids.begin(), one_time_ids.end()).size(), 10u);
  EXPECT_EQ(last_resort, 10);
  // Bob is connected and below the threshold: he was told.
  bool keys_low = false;
  while (auto push = b->next_push(1s)) {
    if (push->has_keys_low()) keys_low = true;
  }
  EXPECT_TRUE(keys_low);
}

TEST_F(Hushd, OfflineDeviceGetsQueueInOrderThenQueueEmptyAndAckDeletes) {
  start_server();
  TestDevice alice(1), bob(2);
  auto a = registered("alice", alice);
  { registered("bob", bob); }  // bob goes offline
  for (std::uint8_t i = 0; i < 5; ++i) {
    auto response =
        a->call(send_request("bob", message_id(i), {{1, bob.registration_id}}, "ciphertext-" + std::to_string(i)));
    ASSERT_TRUE(response);
    ASSERT_EQ(response->status().code(), Code::Status_Code_OK) << response->status().reason();
    EXPECT_FALSE(response->send_result().duplicate());
  }
  auto b = connect();
  auto login = b->authenticate("bob", 1, bob);
  ASSERT_EQ(login.status().code(), Code::Status_Code_OK);
  EXPECT_EQ(login.authenticated().queued(), 5u);
  api::Request ack;
  for (int i = 0; i < 5; ++i) {
    auto push = b->next_push();
    ASSERT_TRUE(push && push->has_envelope());
    EXPECT_EQ(push->envelope().content(), "ciphertext-" + std::to_string(i));
    EXPECT_EQ(push->envelope().sender(), "alice");
    EXPECT_EQ(push->envelope().sender_device(), 1u);
    EXPECT_EQ(push->envelope().type(), 2u);
    if (i < 3) ack.mutable_acknowledge()->add_sequences(push->envelope().sequence());
  }
  auto empty = b->next_push();
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->has_queue_empty());
  ASSERT_EQ(b->call(ack)->status().code(), Code::Status_Code_OK);
  b.reset();
  // Reconnect: only the two unacknowledged envelopes come again.
  auto again = logged_in("bob", 1, bob);
  for (int i = 3; i < 5; ++i) {
    auto push = again->next_push();
    ASSERT_TRUE(push && push->has_envelope());
    EXPECT_EQ(push->envelope().content(), "ciphertext-" + std::to_string(i));
  }
  EXPECT_TRUE(again->next_push()->has_queue_empty());
}

TEST_F(Hushd, ConnectedDeviceGetsEnvelopeAtOnce) {
  start_server();
  TestDevice alice(1), bob(2);
  auto a = registered("alice", alice);
  auto b = registered("bob", bob);
  ASSERT_TRUE(b->next_push()->has_queue_empty());
  ASSERT_EQ(a->call(send_request("bob", message_id(1), {{1, bob.registration_id}}, "live"))->status().code(),
            Code::Status_Code_OK);
  auto push = b->next_push();
  ASSERT_TRUE(push && push->has_envelope());
  EXPECT_EQ(push->envelope().content(), "live");
  EXPECT_EQ(push->envelope().message_id(), message_id(1));
}

TEST_F(Hushd, ATransfersOnlyConnectionGetsNoPushesAndOnlyMediaRequests) {
  start_server();
  TestDevice alice(1), bob(2);
  auto a = registered("alice", alice);
  auto b = registered("bob", bob);
  ASSERT_TRUE(b->next_push()->has_queue_empty());
  // bob's second connection, for transfers.
  auto transfers = connect();
  api::Request login;
  login.mutable_authenticate()->set_username("bob");
  login.mutable_authenticate()->set_device_id(1);
  login.mutable_authenticate()->set_challenge_signature(bob.sign_challenge(transfers->challenge_nonce()));
  login.mutable_authenticate()->set_transfers_only(true);
  ASSERT_EQ(transfers->call(login)->status().code(), Code::Status_Code_OK);

  ASSERT_EQ(a->call(send_request("bob", message_id(1), {{1, bob.registration_id}}, "live"))->status().code(),
            Code::Status_Code_OK);
  auto push = b->next_push();
  ASSERT_TRUE(push && push->has_envelope());

  api::Request fetch;
  fetch.mutable_fetch_bundles()->set_username("alice");
  auto refused = transfers->call(fetch);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status().code(), Code::Status_Code_FORBIDDEN);
  EXPECT_EQ(refused->status().reason(), "transfers_only");
  api::Request create;
  create.mutable_create_upload()->set_size(100);
  auto created = transfers->call(create);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status().code(), Code::Status_Code_OK);
  api::Request ping;
  ping.mutable_ping();
  EXPECT_EQ(transfers->call(ping)->status().code(), Code::Status_Code_OK);
  EXPECT_FALSE(transfers->next_push(300ms).has_value()) << "a transfers-only connection got a push";
}

TEST_F(Hushd, ResendOfSameMessageIdIsDuplicateAndStoredOnce) {
  start_server();
  TestDevice alice(1), bob(2);
  auto a = registered("alice", alice);
  { registered("bob", bob); }
  auto first = a->call(send_request("bob", message_id(9), {{1, bob.registration_id}}, "once"));
  auto second = a->call(send_request("bob", message_id(9), {{1, bob.registration_id}}, "once"));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(second->status().code(), Code::Status_Code_OK);
  EXPECT_FALSE(first->send_result().duplicate());
  EXPECT_TRUE(second->send_result().duplicate());
  auto b = logged_in("bob", 1, bob);
  EXPECT_TRUE(b->next_push()->has_envelope());
  EXPECT_TRUE(b->next_push()->has_queue_empty());
}

TEST_F(Hushd, StaleDeviceViewIsAnsweredWithMissingExtraAndStaleLists) {
  start_server();
  TestDevice alice(1), bob(2);
  auto a = registered("alice", alice);
  { registered("bob", bob); }
  auto extra = a->call(send_request("bob", message_id(1), {{1, bob.registration_id}, {7, 1}}, "x"));
  ASSERT_TRUE(extra);
  EXPECT_EQ(extra->status().code(), Code::Status_Code_STALE_DEVICES);
  ASSERT_EQ(extra->send_result().extra_devices_size(), 1);
  EXPECT_EQ(extra->send_result().extra_devices(0), 7u);
  auto missing = a->call(send_request("bob", message_id(2), {{7, 1}}, "x"));
  ASSERT_TRUE(missing);
  ASSERT_EQ(missing->send_result().missing_devices_size(), 1);
  EXPECT_EQ(missing->send_result().missing_devices(0), 1u);
  auto stale = a->call(send_request("bob", message_id(3), {{1, bob.registration_id + 1}}, "x"));
  ASSERT_TRUE(stale);
  ASSERT_EQ(stale->send_result().stale_devices_size(), 1);
  // Nothing was stored.
  auto b = logged_in("bob", 1, bob);
  EXPECT_TRUE(b->next_push()->has_queue_empty());
}

TEST_F(Hushd, MediaUploadResumesAfterDisconnectAndDownloadsBitExact) {
  start_server();
  TestDevice alice(1);
  registered("alice", alice);
  Bytes blob(40 * 1024 + 123);
  for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<std::uint8_t>(i * 131 + 7);
  const std::size_t chunk = wire::kMediaChunkSize;
  auto append = [&](TestClient& client, const std::string& id, std::size_t offset) {
    api::Request request;
    request.mutable_append_chunk()->set_media_id(id);
    request.mutable_append_chunk()->set_offset(offset);
    const std::size_t size = std::min(chunk, blob.size() - offset);
    request.mutable_append_chunk()->set_data(std::string(blob.begin() + static_cast<std::ptrdiff_t>(offset),
                                                         blob.begin() + static_cast<std::ptrdiff_t>(offset + size)));
    return client.call(request);
  };
  std::string media_id;
  {
    auto first = logged_in("alice", 1, alice);
    api::Request create;
    create.mutable_create_upload()->set_size(blob.size());
    auto created = first->call(create);
    ASSERT_TRUE(created);
    ASSERT_EQ(created->status().code(), Code::Status_Code_OK);
    media_id = created->upload_created().media_id();
    EXPECT_EQ(media_id.size(), 16u);
    EXPECT_EQ(created->upload_created().chunk_size(), chunk);
    ASSERT_EQ(append(*first, media_id, 0)->upload_offset().committed(), chunk);
    first->drop();  // interrupted
  }
  auto second = logged_in("alice", 1, alice);
  api::Request status;
  status.mutable_upload_status()->set_media_id(media_id);
  auto resumed = second->call(status);
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->upload_offset().committed(), chunk);
  EXPECT_FALSE(resumed->upload_offset().finished());
  auto wrong = append(*second, media_id, 2 * chunk);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status().code(), Code::Status_Code_CONFLICT);
  EXPECT_EQ(wrong->upload_offset().committed(), chunk);
  for (std::size_t offset = chunk; offset < blob.size(); offset += chunk) {
    ASSERT_EQ(append(*second, media_id, offset)->status().code(), Code::Status_Code_OK);
  }
  const auto digest = crypto::sha256(blob);
  api::Request finish;
  finish.mutable_finish_upload()->set_media_id(media_id);
  finish.mutable_finish_upload()->set_sha256(std::string(digest.begin(), digest.end()));
  auto finished = second->call(finish);
  ASSERT_TRUE(finished);
  ASSERT_EQ(finished->status().code(), Code::Status_Code_OK) << finished->status().reason();

  // Download from another connection (not logged in), from offsets.
  auto reader = connect();
  Bytes downloaded;
  while (downloaded.size() < blob.size()) {
    api::Request read;
    read.mutable_read_media()->set_media_id(media_id);
    read.mutable_read_media()->set_offset(downloaded.size());
    read.mutable_read_media()->set_length(static_cast<std::uint32_t>(chunk));
    auto piece = reader->call(read);
    ASSERT_TRUE(piece);
    ASSERT_EQ(piece->status().code(), Code::Status_Code_OK) << piece->status().reason();
    ASSERT_FALSE(piece->media_chunk().data().empty());
    EXPECT_EQ(piece->media_chunk().total_size(), blob.size());
    downloaded.insert(downloaded.end(), piece->media_chunk().data().begin(), piece->media_chunk().data().end());
  }
  EXPECT_EQ(downloaded, blob);
}

TEST_F(Hushd, MalformedFrameClosesOnlyThatConnection) {
  start_server();
  auto good = connect();
  auto bad = connect();
  const Bytes garbage(1024, 0xff);
  bad->send_raw(garbage);
  EXPECT_EQ(bad->wait_closed(), "malformed_frame");
  api::Request ping;
  ping.mutable_ping();
  auto pong = good->call(ping);
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->status().code(), Code::Status_Code_OK);
}

TEST_F(Hushd, OversizedFrameClosesWithFrameTooLarge) {
  start_server();
  auto good = connect();
  auto bad = connect();
  const Bytes huge(wire::kMaxFrameSize + 4096, 0);
  bad->send_raw(huge);
  EXPECT_EQ(bad->wait_closed(), "frame_too_large");
  api::Request ping;
  ping.mutable_ping();
  EXPECT_TRUE(good->call(ping));
}

TEST_F(Hushd, SilentConnectionIsClosedWithIdleTimeout) {
  start_server([](server::Options& options) { options.limits.idle_timeout = std::chrono::milliseconds(300); });
  auto client = connect();
  EXPECT_EQ(client->wait_closed(3s), "idle_timeout");
}

TEST_F(Hushd, RequestRateIsLimitedByName) {
  start_server([](server::Options& options) {
    options.limits.requests_per_second = 1;
    options.limits.requests_burst = 3;
  });
  auto client = connect();
  api::Request ping;
  ping.mutable_ping();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client->call(ping)->status().code(), Code::Status_Code_OK);
  auto limited = client->call(ping);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status().code(), Code::Status_Code_LIMIT_EXCEEDED);
  EXPECT_EQ(limited->status().limit(), "requests_per_second");
  EXPECT_EQ(limited->status().limit_value(), 1u);
  EXPECT_GT(limited->status().retry_after_ms(), 0u);
}

TEST_F(Hushd, MediaChunksHaveARateLimitOfTheirOwn) {
  start_server([](server::Options& options) {
    options.limits.requests_per_second = 1;
    options.limits.requests_burst = 1;
    options.limits.media_chunks_per_second = 1;
    options.limits.media_chunks_burst = 3;
  });
  auto client = connect();
  api::Request read;
  read.mutable_read_media()->set_media_id(std::string(16, '\x01'));
  // Chunk requests do not spend the request bucket (a burst of 1 here): three go through (an
  // unknown id, but answered), the fourth is over the chunk bucket.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client->call(read)->status().reason(), "unknown_media");
  auto limited = client->call(read);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status().code(), Code::Status_Code_LIMIT_EXCEEDED);
  EXPECT_EQ(limited->status().limit(), "media_chunks_per_second");
  EXPECT_EQ(limited->status().limit_value(), 1u);
  EXPECT_GT(limited->status().retry_after_ms(), 0u);
  // The request bucket still holds its one token.
  api::Request ping;
  ping.mutable_ping();
  EXPECT_EQ(client->call(ping)->status().code(), Code::Status_Code_OK);
}

TEST_F(Hushd, EnvelopeAndSendLimitsAreReportedByName) {
  start_server([](server::Options& options) { options.limits.max_envelope_size = 100; });
  TestDevice alice(1), bob(2);
  auto a = registered("alice", alice);
  { registered("bob", bob); }
  auto response = a->call(send_request("bob", message_id(1), {{1, bob.registration_id}}, std::string(101, 'x')));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status().code(), Code::Status_Code_LIMIT_EXCEEDED);
  EXPECT_EQ(response->status().limit(), "max_envelope_size");
  EXPECT_EQ(response->status().limit_value(), 100u);
}

TEST_F(Hushd, RegistrationsPerAddressAreLimited) {
  start_server([](server::Options& options) { options.limits.registrations_per_ip_burst = 2; });
  TestDevice one(1), two(2), three(3);
  registered("user.one", one);
  registered("user.two", two);
  auto limited = connect()->register_account("user.three", three);
  EXPECT_EQ(limited.status().code(), Code::Status_Code_LIMIT_EXCEEDED);
  EXPECT_EQ(limited.status().limit(), "registrations_per_ip");
  EXPECT_EQ(limited.status().limit_value(), 20u);
  EXPECT_GT(limited.status().retry_after_ms(), 0u);
}

TEST_F(Hushd, BundleFetchesPerAccountAreLimitedAndARefusedFetchClaimsNoKey) {
  start_server([](server::Options& options) {
    options.limits.bundle_fetches_per_account_per_minute = 1;
    options.limits.bundle_fetches_per_account_burst = 2;
  });
  TestDevice alice(1), bob(2), carol(3);
  auto b = registered("bob", bob);
  ASSERT_EQ(b->call(upload_keys_request(bob, 1, 5))->status().code(), Code::Status_Code_OK);
  api::Request fetch;
  fetch.mutable_fetch_bundles()->set_username("bob");
  api::Request key_status;
  key_status.mutable_key_status();

  auto a = registered("alice", alice);
  for (int i = 0; i < 2; ++i) {
    auto fetched = a->call(fetch);
    ASSERT_TRUE(fetched);
    ASSERT_EQ(fetched->status().code(), Code::Status_Code_OK) << fetched->status().reason();
    ASSERT_EQ(fetched->bundles().bundles_size(), 1);
    EXPECT_FALSE(fetched->bundles().bundles(0).last_resort());
  }
  EXPECT_EQ(b->call(key_status)->key_count().one_time_prekeys(), 3u);

  auto limited = a->call(fetch);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status().code(), Code::Status_Code_LIMIT_EXCEEDED);
  EXPECT_EQ(limited->status().reason(), "bundle_fetches_per_account");
  EXPECT_EQ(limited->status().limit(), "bundle_fetches_per_account");
  EXPECT_EQ(limited->status().limit_value(), 1u);
  EXPECT_GT(limited->status().retry_after_ms(), 0u);
  EXPECT_EQ(limited->bundles().bundles_size(), 0);
  // The bucket is the account's: a second connection of alice is refused as well.
  auto again = logged_in("alice", 1, alice)->call(fetch);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status().limit(), "bundle_fetches_per_account");
  // Neither refused fetch claimed a key.
  EXPECT_EQ(b->call(key_status)->key_count().one_time_prekeys(), 3u);

  // Another account has its own bucket.
  auto c = registered("carol", carol);
  auto other = c->call(fetch);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status().code(), Code::Status_Code_OK) << other->status().reason();
  EXPECT_EQ(b->call(key_status)->key_count().one_time_prekeys(), 2u);
}

TEST_F(Hushd, ClientThatDoesNotReadIsDisconnectedAsSlowConsumer) {
  start_server([](server::Options& options) {
    options.limits.requests_per_second = 1'000'000;
    options.limits.requests_burst = 1'000'000;
  });
  TestDevice alice(1);
  auto a = registered("alice", alice);
  // One finished 15 KiB blob: each ReadMedia answer fills a 16 KiB frame.
  const Bytes blob(wire::kMediaChunkSize, 0x5a);
  api::Request create;
  create.mutable_create_upload()->set_size(blob.size());
  const std::string media_id = a->call(create)->upload_created().media_id();
  api::Request append;
  append.mutable_append_chunk()->set_media_id(media_id);
  append.mutable_append_chunk()->set_data(std::string(blob.begin(), blob.end()));
  ASSERT_EQ(a->call(append)->status().code(), Code::Status_Code_OK);
  const auto digest = crypto::sha256(blob);
  api::Request finish;
  finish.mutable_finish_upload()->set_media_id(media_id);
  finish.mutable_finish_upload()->set_sha256(std::string(digest.begin(), digest.end()));
  ASSERT_EQ(a->call(finish)->status().code(), Code::Status_Code_OK);

  // Ask for far more than the socket buffers hold (about 64 MiB of answers) and never read.
  auto greedy = connect();
  api::Request read;
  read.mutable_read_media()->set_media_id(media_id);
  read.mutable_read_media()->set_length(static_cast<std::uint32_t>(wire::kMediaChunkSize));
  for (int i = 0; i < 4000 && !greedy->closed(); ++i) greedy->send(read);
  bool logged = false;
  for (int i = 0; i < 200 && !logged; ++i) {
    logged = all_logs().find("reason=slow_consumer") != std::string::npos;
    if (!logged) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(logged);
  // Others are not disturbed.
  api::Request ping;
  ping.mutable_ping();
  EXPECT_TRUE(a->call(ping));
}

TEST_F(Hushd, ConnectionsPerAddressAreLimited) {
  start_server([](server::Options& options) { options.limits.connections_per_ip = 2; });
  auto first = connect();
  auto second = connect();
  EXPECT_THROW(connect(), std::exception);
  second.reset();
  for (int i = 0; i < 50 && server_->connection_count() > 1; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_NO_THROW(connect());
}

TEST_F(Hushd, ShutdownTellsConnectionsServiceRestart) {
  start_server();
  TestDevice alice(1);
  auto a = registered("alice", alice);
  std::thread stopper([this] { server_->stop(); });
  EXPECT_EQ(a->wait_closed(4s), "service_restart");
  stopper.join();
}

TEST_F(Hushd, ExpiredEnvelopeIsReportedToTheConnectedSender) {
  start_server([](server::Options& options) {
    options.message_expiry = std::chrono::milliseconds(0);
    options.sweep_interval = std::chrono::milliseconds(100);
  });
  TestDevice alice(1), bob(2);
  auto a = registered("alice", alice);
  { registered("bob", bob); }
  ASSERT_EQ(a->call(send_request("bob", message_id(4), {{1, bob.registration_id}}, "late"))->status().code(),
            Code::Status_Code_OK);
  std::optional<api::Push> failed;
  while (auto push = a->next_push(3s)) {
    if (push->has_delivery_failed()) {
      failed = push;
      break;
    }
  }
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->delivery_failed().recipient(), "bob");
  EXPECT_EQ(failed->delivery_failed().recipient_device(), 1u);
  EXPECT_EQ(failed->delivery_failed().message_id(), message_id(4));
  EXPECT_EQ(failed->delivery_failed().reason(), "expired");
  const std::uint64_t notice = failed->delivery_failed().notice();
  EXPECT_NE(notice, 0u);
  auto b = logged_in("bob", 1, bob);
  EXPECT_TRUE(b->next_push()->has_queue_empty());  // gone from the queue
  // Not acknowledged before the connection ended: told again at the next login.
  a.reset();
  {
    auto again = logged_in("alice", 1, alice);
    auto repeated = again->next_push();
    ASSERT_TRUE(repeated && repeated->has_delivery_failed()) << (repeated ? repeated->DebugString() : "none");
    EXPECT_EQ(repeated->delivery_failed().notice(), notice);
    EXPECT_EQ(repeated->delivery_failed().message_id(), message_id(4));
    api::Request ack;
    ack.mutable_acknowledge()->add_notices(notice);
    auto acknowledged = again->call(ack);
    ASSERT_TRUE(acknowledged);
    ASSERT_EQ(acknowledged->status().code(), Code::Status_Code_OK);
  }
  // Acknowledged: gone for good.
  auto last = logged_in("alice", 1, alice);
  auto first = last->next_push();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->has_queue_empty()) << first->DebugString();
}

TEST_F(Hushd, ExpiredEnvelopeIsReportedToASenderOfflineAtExpiryUntilAcknowledged) {
  // Long enough for alice to disconnect before her envelope expires; the sweep runs often.
  start_server([](server::Options& options) {
    options.message_expiry = std::chrono::milliseconds(1000);
    options.sweep_interval = std::chrono::milliseconds(50);
  });
  TestDevice alice(1), bob(2);
  { registered("bob", bob); }
  {
    auto a = registered("alice", alice);
    ASSERT_EQ(a->call(send_request("bob", message_id(6), {{1, bob.registration_id}}, "late"))->status().code(),
              Code::Status_Code_OK);
  }  // alice goes offline; bob never comes online
  // The sweep expired the envelope while alice was away and kept her notice.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (all_logs().find("notices_kept=1") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_NE(all_logs().find("notices_kept=1"), std::string::npos) << all_logs();

  // At her next login: the notice, after her (empty) queue and before queue_empty.
  {
    auto a = logged_in("alice", 1, alice);
    auto failed = a->next_push();
    ASSERT_TRUE(failed);
    ASSERT_TRUE(failed->has_delivery_failed()) << failed->DebugString();
    EXPECT_EQ(failed->delivery_failed().recipient(), "bob");
    EXPECT_EQ(failed->delivery_failed().recipient_device(), 1u);
    EXPECT_EQ(failed->delivery_failed().message_id(), message_id(6));
    EXPECT_EQ(failed->delivery_failed().reason(), "expired");
    auto empty = a->next_push();
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->has_queue_empty());
    api::Request ack;
    ack.mutable_acknowledge()->add_notices(failed->delivery_failed().notice());
    auto acknowledged = a->call(ack);
    ASSERT_TRUE(acknowledged);
    ASSERT_EQ(acknowledged->status().code(), Code::Status_Code_OK);
    EXPECT_FALSE(a->next_push(300ms));  // once per login
  }
  // Acknowledged: not again at a further login.
  auto again = logged_in("alice", 1, alice);
  auto first = again->next_push();
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->has_queue_empty()) << first->DebugString();
  EXPECT_FALSE(again->next_push(300ms));
}

TEST_F(Hushd, ListsDevicesAndRefusesToRemoveTheCurrentOrUnknownOne) {
  start_server();
  TestDevice alice(1);
  auto a = registered("alice", alice);
  api::Request list;
  list.mutable_list_devices();
  auto devices = a->call(list);
  ASSERT_TRUE(devices);
  ASSERT_EQ(devices->devices().devices_size(), 1);
  EXPECT_EQ(devices->devices().devices(0).device_id(), 1u);
  EXPECT_EQ(devices->devices().devices(0).name(), "test");  // DeviceKeys.name at registration
  EXPECT_GT(devices->devices().devices(0).created_ms(), 0u);
  api::Request remove;
  remove.mutable_remove_device()->set_device_id(1);
  EXPECT_EQ(a->call(remove)->status().reason(), "cannot_remove_current_device");
  remove.mutable_remove_device()->set_device_id(5);
  EXPECT_EQ(a->call(remove)->status().code(), Code::Status_Code_NOT_FOUND);
}

TEST_F(Hushd, DeviceNameLimitIsReportedByNameAndNothingIsRegistered) {
  start_server({}, storage::Options{.max_device_name_length = 8});
  TestDevice alice(1);
  auto client = connect();
  api::Request request;
  auto* body = request.mutable_register_account();
  body->set_username("alice");
  *body->mutable_device() = alice.keys("123456789");
  body->set_challenge_signature(alice.sign_challenge(client->challenge_nonce()));
  auto refused = client->call(request);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status().code(), Code::Status_Code_LIMIT_EXCEEDED);
  EXPECT_EQ(refused->status().limit(), "max_device_name_length");
  EXPECT_EQ(refused->status().limit_value(), 8u);
  EXPECT_EQ(storage_->accounts().find_account("alice").error(), storage::StorageError::kNotFound);
  body->mutable_device()->set_name("12345678");
  auto accepted = client->call(request);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status().code(), Code::Status_Code_OK) << accepted->status().reason();
}

TEST_F(Hushd, StorageLimitsAreTheBackendsNotACopyInServerOptions) {
  // The server's own Options keep the default storage limits; only the backend has the small one.
  start_server({}, storage::Options{.max_queue_depth = 1});
  TestDevice alice(1), bob(2);
  auto a = registered("alice", alice);
  { registered("bob", bob); }
  auto first = a->call(send_request("bob", message_id(1), {{1, bob.registration_id}}, "one"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status().code(), Code::Status_Code_OK);
  auto second = a->call(send_request("bob", message_id(2), {{1, bob.registration_id}}, "two"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status().code(), Code::Status_Code_LIMIT_EXCEEDED);
  EXPECT_EQ(second->status().limit(), "max_queue_depth");
  EXPECT_EQ(second->status().limit_value(), 1u);
}

TEST_F(Hushd, EnvelopeTypeIsStoredBesideTheContentAndTypeZeroIsRefused) {
  start_server();
  TestDevice alice(1), bob(2);
  auto a = registered("alice", alice);
  { registered("bob", bob); }
  api::Request prekey_message = send_request("bob", message_id(1), {{1, bob.registration_id}}, "first");
  prekey_message.mutable_send()->mutable_envelopes(0)->set_type(3);
  ASSERT_EQ(a->call(prekey_message)->status().code(), Code::Status_Code_OK);
  api::Request untyped = send_request("bob", message_id(2), {{1, bob.registration_id}}, "x");
  untyped.mutable_send()->mutable_envelopes(0)->set_type(0);
  EXPECT_EQ(a->call(untyped)->status().reason(), "invalid_envelope");
  // Storage holds the type in its own field and the content unchanged.
  auto bob_account = storage_->accounts().find_account("bob");
  ASSERT_TRUE(bob_account.ok());
  auto stored = storage_->messages().fetch({bob_account->id, 1}, 0, 10);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].envelope.type, storage::EnvelopeType::kPreKeySignalMessage);
  EXPECT_EQ(to_string((*stored)[0].envelope.ciphertext), "first");
  auto b = logged_in("bob", 1, bob);
  auto push = b->next_push();
  ASSERT_TRUE(push && push->has_envelope());
  EXPECT_EQ(push->envelope().type(), 3u);
  EXPECT_EQ(push->envelope().content(), "first");
}

TEST_F(Hushd, RequestsBeforeLoginAndFramesOfTheWrongKindAreRefused) {
  start_server();
  auto client = connect();
  api::Request send = send_request("bob", message_id(1), {{1, 1}}, "x");
  auto refused = client->call(send);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status().code(), Code::Status_Code_UNAUTHENTICATED);
  // A client may not send server frames.
  api::Frame push;
  push.mutable_push()->mutable_queue_empty();
  auto encoded = wire::encode_frame(push);
  ASSERT_TRUE(encoded.ok());
  client->send_raw(*encoded);
  EXPECT_EQ(client->wait_closed(), "unexpected_frame");
}

}  // namespace
}  // namespace hush::test
