// The messenger's features against a real in-process hushd over TLS: receipts moving message
// states, the durable outbox across a lost connection, a duplicate delivery stored once, files
// round-tripping bit-exact with their facts, an interrupted upload resuming from the server's
// offset, locations, reactions and delete-for-everyone, contact links, safety numbers, and a
// changed identity key reported, its messages held and released only when the user accepts it.
#include <cstdlib>
#include <random>

#include "client_fixture.hpp"
#include "hush/crypto/hash.hpp"

namespace hush::test {
namespace {

using client::ClientErrorKind;
using client::MessageState;
using client::TransferState;
using ClientFeaturesTest = ClientFixture;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A file of `size` pseudo-random bytes.
std::filesystem::path random_file(const std::filesystem::path& folder, const std::string& name, std::size_t size,
                                  std::uint32_t seed) {
  std::filesystem::create_directories(folder);
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(generator());
  const auto path = folder / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::optional<client::Message> find(Messenger& messenger, bool outgoing, const std::string& peer, const Bytes& id) {
  auto found = messenger.find_message(outgoing, peer, id);
  EXPECT_TRUE(found.ok());
  return found.ok() ? *found : std::nullopt;
}

TEST_F(ClientFeaturesTest, ReceiptsMoveAMessageToDeliveredThenRead) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  Messenger at_alice(*alice), at_bob(*bob);
  auto sent = at_alice.send_text("bob", "did you get this?");
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(find(at_alice, true, "bob", *sent)->state, MessageState::kSent);

  ASSERT_EQ(receive(at_bob).size(), 1u);  // stores it and queues a delivery receipt
  auto events = receive_all(at_alice);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "receipt");
  EXPECT_EQ(events[0].body, "delivered");
  ASSERT_EQ(events[0].target_ids.size(), 1u);
  EXPECT_EQ(events[0].target_ids[0], *sent);
  EXPECT_EQ(find(at_alice, true, "bob", *sent)->state, MessageState::kDelivered);

  auto marked = at_bob.mark_read("alice");
  ASSERT_TRUE(marked.ok());
  EXPECT_EQ(*marked, 1u);
  EXPECT_EQ(find(at_bob, false, "alice", *sent)->state, MessageState::kRead);
  events = receive_all(at_alice);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].body, "read");
  EXPECT_EQ(find(at_alice, true, "bob", *sent)->state, MessageState::kRead);
  // Nothing left to mark, and a late delivery receipt could not move it back.
  EXPECT_EQ(*at_bob.mark_read("alice"), 0u);
}

TEST_F(ClientFeaturesTest, OutboxKeepsWhatCouldNotBeSentAndSendsItOnTheNextConnection) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  alice->disconnect();
  Bytes id;
  {
    Messenger at_alice(*alice);
    auto sent = at_alice.send_text("bob", "written on a train without signal");
    ASSERT_FALSE(sent.ok());
    EXPECT_EQ(sent.error().kind, ClientErrorKind::kTransport);
    EXPECT_EQ(*at_alice.outbox_size(), 1u);
    auto history = at_alice.history("bob");
    ASSERT_EQ(history->size(), 1u);
    EXPECT_EQ((*history)[0].state, MessageState::kPending);
    id = (*history)[0].id;
  }
  // The process ends; the next one connects and the outbox goes out by itself.
  alice.reset();
  auto reopened = Account::open(homes_ / "alice", unlock(), rng_, options());
  ASSERT_TRUE(reopened.ok());
  alice = std::move(*reopened);
  Messenger at_alice(*alice), at_bob(*bob);
  ASSERT_TRUE(at_alice.connect().ok());
  EXPECT_EQ(*at_alice.outbox_size(), 0u);
  EXPECT_EQ(find(at_alice, true, "bob", id)->state, MessageState::kSent);
  auto at_bob_messages = receive(at_bob);
  ASSERT_EQ(at_bob_messages.size(), 1u);
  EXPECT_EQ(at_bob_messages[0].body, "written on a train without signal");
  EXPECT_EQ(at_bob_messages[0].id, id);
}

TEST_F(ClientFeaturesTest, AMessageQueuedLongerThanTheGiveUpTimeFailsWithThatReason) {
  std::uint64_t now_ms = 1'800'000'000'000;
  auto clocked = options();
  clocked.clock = [&now_ms] { return now_ms; };
  auto alice = Account::register_new(homes_ / "alice", unlock(), settings(), "alice", "", rng_, clocked);
  ASSERT_TRUE(alice.ok());
  auto bob = register_home("bob");
  ASSERT_TRUE(bob);
  (*alice)->disconnect();
  client::MessengerOptions messenger_options;
  messenger_options.give_up = std::chrono::hours(1);
  Messenger at_alice(**alice, messenger_options);
  ASSERT_FALSE(at_alice.send_text("bob", "too late to matter").ok());
  auto queued = at_alice.queued();
  ASSERT_TRUE(queued.ok());
  ASSERT_EQ(queued->size(), 1u);
  EXPECT_EQ((*queued)[0].recipient, "bob");
  EXPECT_EQ((*queued)[0].kind, "text");
  EXPECT_EQ((*queued)[0].state, MessageState::kPending);
  EXPECT_EQ((*queued)[0].queued_ms, now_ms);
  const Bytes id = (*queued)[0].id;

  now_ms += 2 * 3600 * 1000;  // two hours without a connection
  ASSERT_TRUE(at_alice.connect().ok());
  EXPECT_EQ(*at_alice.outbox_size(), 0u);
  const auto failed = find(at_alice, true, "bob", id);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->state, MessageState::kFailed);
  EXPECT_EQ(failed->failure, "gave_up");
  Messenger at_bob(*bob);
  EXPECT_TRUE(receive(at_bob).empty());
}

TEST_F(ClientFeaturesTest, ADuplicateDeliveryMakesOneHistoryEntry) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  Messenger at_alice(*alice), at_bob(*bob);
  ASSERT_TRUE(at_alice.send_text("bob", "only once, please").ok());
  // Bob's program reads the push itself and hands it over twice, as a redelivery after a lost
  // acknowledgement would.
  auto push = bob->connection().next_push(2s);
  while (push.ok() && !push->has_envelope()) push = bob->connection().next_push(2s);  // queue_empty, keys_low
  ASSERT_TRUE(push.ok());
  auto first = at_bob.handle_push(*push);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  auto second = at_bob.handle_push(*push);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->empty());
  auto history = at_bob.history("alice");
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].body, "only once, please");
}

// An envelope stored by the client whose acknowledgement the server refuses (here its request rate
// limit) is reported at once: it comes again after the next login, is recognised as a duplicate
// and acknowledged then, and is never reported twice — nor lost to the caller.
TEST_F(ClientFeaturesTest, AMessageWhoseAcknowledgementIsRefusedIsStillReportedOnce) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  Messenger at_alice(*alice), at_bob(*bob);
  bob->disconnect();
  constexpr int kTexts = 8;
  for (int i = 0; i < kTexts; ++i) send(at_alice, "bob", "text " + std::to_string(i));
  alice->disconnect();
  const std::uint16_t port = port_;
  stop_server();
  // Enough requests for bob to log in and acknowledge a few; the rest of the acknowledgements are
  // refused with LIMIT_EXCEEDED.
  start_server([port](server::Options& o) {
    o.listen_port = port;
    o.limits.requests_per_second = 1;
    o.limits.requests_burst = 5;
  });
  ASSERT_TRUE(at_bob.connect().ok());
  std::vector<std::string> reported;
  for (const auto& message : receive(at_bob)) reported.push_back(message.body);
  std::vector<std::string> expected;
  for (int i = 0; i < kTexts; ++i) expected.push_back("text " + std::to_string(i));
  EXPECT_EQ(reported, expected);
  // Later, without the limit: what was not acknowledged comes again and is not reported again.
  bob->disconnect();
  stop_server();
  start_server([port](server::Options& o) { o.listen_port = port; });
  ASSERT_TRUE(at_bob.connect().ok());
  EXPECT_TRUE(receive(at_bob).empty());
  auto history = at_bob.history("alice");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), static_cast<std::size_t>(kTexts));
}

TEST_F(ClientFeaturesTest, AnEnvelopeThatDoesNotDecryptIsRecordedNotLost) {
  auto bob = register_home("bob");
  ASSERT_TRUE(bob);
  TestDevice mallory_device(9);
  auto mallory = registered("mallory", mallory_device);
  api::Request send;
  send.mutable_send()->set_recipient("bob");
  send.mutable_send()->set_message_id(std::string(16, '\x42'));
  auto* envelope = send.mutable_send()->add_envelopes();
  envelope->set_device_id(1);
  envelope->set_registration_id(bob->store().identities().local_registration_id());
  envelope->set_type(2);  // a SignalMessage, but not one
  envelope->set_content("this is not a Signal message at all");
  auto accepted = mallory->call(send);
  ASSERT_TRUE(accepted);
  ASSERT_EQ(accepted->status().code(), api::Status::OK) << accepted->status().reason();

  Messenger at_bob(*bob);
  auto messages = receive(at_bob);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].kind, "undecryptable");
  EXPECT_EQ(messages[0].peer, "mallory");
  EXPECT_FALSE(messages[0].body.empty());
  auto history = at_bob.history("mallory");
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].kind, "undecryptable");
  // Acknowledged once recorded: it does not come again.
  bob = reopen("bob");
  Messenger again(*bob);
  EXPECT_TRUE(receive(again).empty());
}

TEST_F(ClientFeaturesTest, FilesRoundTripBitExactWithTheirFacts) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  Messenger at_alice(*alice), at_bob(*bob);
  const auto file = random_file(homes_ / "files", "holiday video.mp4", 3 * 1024 * 1024 + 17, 7);
  std::vector<std::uint64_t> progress;
  client::FileOptions options;
  options.caption = "the beach";
  options.voice_note = true;
  options.progress = [&](std::uint64_t done, std::uint64_t) { progress.push_back(done); };
  auto sent = at_alice.send_file("bob", file, options);
  ASSERT_TRUE(sent.ok()) << client::describe(sent.error());
  ASSERT_FALSE(progress.empty());
  EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
  auto outgoing = find(at_alice, true, "bob", *sent);
  ASSERT_TRUE(outgoing && outgoing->attachment);
  EXPECT_EQ(outgoing->attachment->transfer, TransferState::kDone);
  EXPECT_FALSE(std::filesystem::exists(homes_ / "alice" / "staging" / (to_hex(*sent) + ".upload")));

  std::vector<std::uint64_t> downloaded;
  client::ReceiveOptions receive_options;
  receive_options.progress = [&](std::uint64_t done, std::uint64_t) { downloaded.push_back(done); };
  auto events = receive_all(at_bob, receive_options);
  ASSERT_EQ(events.size(), 1u);
  const client::Message& message = events[0];
  EXPECT_EQ(message.kind, "file");
  EXPECT_EQ(message.body, "the beach");
  ASSERT_TRUE(message.attachment);
  const client::Attachment& attachment = *message.attachment;
  EXPECT_EQ(attachment.transfer, TransferState::kDone) << attachment.failure;
  EXPECT_EQ(attachment.file_name, "holiday video.mp4");
  EXPECT_EQ(attachment.size, 3u * 1024 * 1024 + 17);
  EXPECT_TRUE(attachment.voice_note);
  EXPECT_EQ(attachment.content_type, "application/octet-stream");  // random bytes, whatever the name says
  EXPECT_FALSE(downloaded.empty());
  // Saved under a safe name in bob's attachments folder, bit-exact.
  EXPECT_EQ(attachment.path.parent_path(), at_bob.attachments_folder());
  EXPECT_EQ(attachment.path.filename(), "holiday_video.mp4");
  EXPECT_EQ(read_file(attachment.path), read_file(file));
  const auto digest = crypto::sha256(as_bytes(read_file(file)));
  EXPECT_EQ(attachment.sha256, Bytes(digest.begin(), digest.end()));
  // The server's files hold the blob, not the file: no 64-byte run of the plaintext is there.
  const std::string plaintext = read_file(file);
  EXPECT_FALSE(server_files_contain(plaintext.substr(1024 * 1024, 64)));
}

TEST_F(ClientFeaturesTest, AnInterruptedUploadResumesFromTheServersOffset) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  const auto file = random_file(homes_ / "files", "big.bin", 2 * 1024 * 1024, 11);
  struct Interrupted {};
  {
    Messenger at_alice(*alice);
    client::FileOptions options;
    // The process dies once a megabyte is on the server.
    options.progress = [](std::uint64_t done, std::uint64_t) {
      if (done > 1024 * 1024) throw Interrupted{};
    };
    EXPECT_THROW((void)at_alice.send_file("bob", file, options), Interrupted);
  }
  alice.reset();
  auto reopened = Account::open(homes_ / "alice", unlock(), rng_, options());
  ASSERT_TRUE(reopened.ok());
  alice = std::move(*reopened);
  Messenger at_alice(*alice), at_bob(*bob);
  ASSERT_TRUE(alice->log_in().ok());
  EXPECT_EQ(*at_alice.outbox_size(), 1u);
  ASSERT_TRUE(at_alice.flush_outbox().ok());  // resumes the upload; the message goes once it ends
  ASSERT_TRUE(at_alice.finish_transfers().ok());
  EXPECT_EQ(*at_alice.outbox_size(), 0u);
  auto events = receive(at_bob);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0].attachment);
  EXPECT_EQ(events[0].attachment->transfer, TransferState::kDone) << events[0].attachment->failure;
  EXPECT_EQ(read_file(events[0].attachment->path), read_file(file));
  // Resumed, not restarted: the server holds one upload, not an abandoned one beside it.
  EXPECT_EQ(server_sql("SELECT count(*) FROM media_uploads"), "1\n");
}

// The server with media chunks at 200 a second per connection: a 3 MiB file (about 210 chunks)
// takes over a second to move, while a text takes milliseconds.
class SlowMediaTest : public ClientFixture {
 protected:
  void SetUp() override {
    ClientFixture::SetUp();
    const std::uint16_t port = port_;
    stop_server();
    start_server([port](server::Options& o) {
      o.listen_port = port;
      o.limits.media_chunks_per_second = 200;
      o.limits.media_chunks_burst = 20;
    });
  }
};

TEST_F(SlowMediaTest, ALargeUploadNeverDelaysMessages) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  Messenger at_alice(*alice), at_bob(*bob);
  const auto file = random_file(homes_ / "files", "large.bin", 3 * 1024 * 1024, 5);
  auto queued = at_alice.queue_file("bob", file);
  ASSERT_TRUE(queued.ok()) << client::describe(queued.error());
  ASSERT_TRUE(at_alice.transferring());
  EXPECT_EQ(find(at_alice, true, "bob", *queued)->state, MessageState::kPending);

  // The text goes at once, on the message connection, while the file is still going up on the
  // transfer connection; bob has it before the file's message exists.
  auto text = at_alice.send_text("bob", "sent after the file, arrives first");
  ASSERT_TRUE(text.ok()) << client::describe(text.error());
  EXPECT_TRUE(at_alice.transferring()) << "the upload ended before the text went: nothing was shown";
  EXPECT_EQ(find(at_alice, true, "bob", *text)->state, MessageState::kSent);
  client::ReceiveOptions quick;
  quick.wait_for_downloads = false;
  auto first = at_bob.receive(100ms, quick);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].body, "sent after the file, arrives first");
  EXPECT_TRUE(at_alice.transferring());

  // Then the file's message goes once its upload ends, and arrives bit-exact.
  ASSERT_TRUE(at_alice.finish_transfers().ok());
  EXPECT_FALSE(at_alice.transferring());
  EXPECT_EQ(find(at_alice, true, "bob", *queued)->state, MessageState::kSent);
  EXPECT_EQ(*at_alice.outbox_size(), 0u);
  std::vector<client::Message> files;
  for (auto& event : receive(at_bob)) files.push_back(std::move(event));
  ASSERT_EQ(files.size(), 1u);
  ASSERT_TRUE(files[0].attachment);
  EXPECT_EQ(files[0].attachment->transfer, TransferState::kDone) << files[0].attachment->failure;
  EXPECT_EQ(read_file(files[0].attachment->path), read_file(file));
}

TEST_F(SlowMediaTest, ABurstLargerThanThePushQueueDuringAnUploadIsHandledNotDropped) {
  // Alice's connection keeps at most 64 pushes; bob sends five times that while her file goes up
  // and she reads nothing. The file's message must still go on the same connection (the Send's
  // answer comes behind the burst), and every text must be reported exactly once.
  constexpr std::size_t kQueue = 64;
  constexpr std::size_t kBurst = 5 * kQueue;
  auto small_queue = options();
  small_queue.connection.max_queued_pushes = kQueue;
  auto alice = Account::register_new(homes_ / "alice", unlock(), settings(), "alice", "", rng_, small_queue);
  ASSERT_TRUE(alice.ok());
  auto bob = register_home("bob");
  ASSERT_TRUE(bob);
  Messenger at_alice(**alice), at_bob(*bob);
  ASSERT_TRUE(at_bob.send_text("alice", "hello").ok());
  ASSERT_EQ(receive(at_alice).size(), 1u);  // sessions both ways: the burst is plain Signal messages

  const auto file = random_file(homes_ / "files", "large.bin", 3 * 1024 * 1024, 11);
  auto queued = at_alice.queue_file("bob", file);
  ASSERT_TRUE(queued.ok()) << client::describe(queued.error());
  for (std::size_t i = 0; i < kBurst; ++i) {
    ASSERT_TRUE(at_bob.send_text("alice", "burst " + std::to_string(i)).ok());
  }
  auto finished = at_alice.finish_transfers();
  ASSERT_TRUE(finished.ok()) << client::describe(finished.error());
  EXPECT_EQ(find(at_alice, true, "bob", *queued)->state, MessageState::kSent);

  std::map<std::string, int> seen;
  for (int round = 0; round < 20 && seen.size() < kBurst; ++round) {
    auto received = at_alice.receive(200ms);
    ASSERT_TRUE(received.ok()) << client::describe(received.error());
    for (const auto& event : *received) {
      if (event.kind == "text") ++seen[event.body];
    }
  }
  EXPECT_EQ(seen.size(), kBurst);
  for (const auto& [body, count] : seen) EXPECT_EQ(count, 1) << body;
  auto history = at_alice.history("bob");
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), kBurst + 2);  // hello, the file, the burst
  auto at_bob_events = receive_all(at_bob);
  EXPECT_EQ(std::count_if(at_bob_events.begin(), at_bob_events.end(),
                          [&](const client::Message& event) { return event.kind == "file" && event.id == *queued; }),
            1);
  // Alice's delivery receipts for the burst went merged, a few messages instead of one each (one
  // each would exceed the server's request rate), and every one of bob's messages is delivered.
  std::size_t receipts = 0;
  std::set<Bytes> delivered;
  for (const auto& event : at_bob_events) {
    if (event.kind != "receipt") continue;
    ++receipts;
    delivered.insert(event.target_ids.begin(), event.target_ids.end());
  }
  EXPECT_EQ(delivered.size(), kBurst + 1);
  EXPECT_LE(receipts, kBurst / 8);
}

TEST_F(SlowMediaTest, ADownloadThatEndsLaterIsReportedAgainAsAnUpdate) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  Messenger at_alice(*alice), at_bob(*bob);
  const auto file = random_file(homes_ / "files", "photo.jpg", 2 * 1024 * 1024, 9);
  ASSERT_TRUE(at_alice.send_file("bob", file).ok());
  client::ReceiveOptions quick;
  quick.wait_for_downloads = false;
  std::vector<client::Message> events;
  for (int round = 0; round < 100 && (events.empty() || !events.back().update); ++round) {
    auto received = at_bob.receive(50ms, quick);
    ASSERT_TRUE(received.ok());
    for (auto& event : *received) events.push_back(std::move(event));
  }
  // First the message, its file still coming; then the same message again, downloaded.
  ASSERT_EQ(events.size(), 2u);
  EXPECT_FALSE(events[0].update);
  ASSERT_TRUE(events[0].attachment && events[1].attachment);
  EXPECT_EQ(events[0].attachment->transfer, TransferState::kPending);
  EXPECT_TRUE(events[1].update);
  EXPECT_EQ(events[1].id, events[0].id);
  EXPECT_EQ(events[1].attachment->transfer, TransferState::kDone);
  EXPECT_EQ(read_file(events[1].attachment->path), read_file(file));
}

TEST_F(ClientFeaturesTest, DisappearingMessagesVanishFromBothStoresOnTime) {
  // One clock for both: messages count down from their sending (alice) and arrival (bob).
  std::uint64_t now_ms = 1'800'000'000'000;
  auto clocked = options();
  clocked.clock = [&now_ms] { return now_ms; };
  auto alice = Account::register_new(homes_ / "alice", unlock(), settings(), "alice", "", rng_, clocked);
  auto bob = Account::register_new(homes_ / "bob", unlock(), settings(), "bob", "", rng_, clocked);
  ASSERT_TRUE(alice.ok() && bob.ok());
  Messenger at_alice(**alice), at_bob(**bob);

  // Out of range: refused, nothing sent.
  for (const auto timer : {std::chrono::seconds(29), std::chrono::seconds(28 * 24 * 3600 + 1)}) {
    auto refused = at_alice.set_expire_timer("bob", timer);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().detail, "expire_timer");
  }
  ASSERT_TRUE(at_alice.send_text("bob", "before the timer: stays").ok());
  ASSERT_TRUE(at_alice.set_expire_timer("bob", std::chrono::seconds(60)).ok());
  // bob sees the timer change and now has it too.
  auto events = receive(at_bob);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, "timer");
  EXPECT_EQ(events[1].expire_timer_seconds, 60u);
  auto contacts = at_bob.contacts();
  ASSERT_TRUE(contacts.ok() && contacts->size() == 1u);
  EXPECT_EQ((*contacts)[0].expire_timer_seconds, 60u);

  // A text from alice and a file from bob, both under the timer.
  auto vanishing = at_alice.send_text("bob", "this vanishes in a minute");
  ASSERT_TRUE(vanishing.ok());
  const auto file = random_file(homes_ / "files", "secret.bin", 100 * 1024, 3);
  auto sent_file = at_bob.send_file("alice", file);
  ASSERT_TRUE(sent_file.ok());
  auto at_bob_got = receive(at_bob);
  ASSERT_EQ(at_bob_got.size(), 1u);
  EXPECT_EQ(at_bob_got[0].expire_timer_seconds, 60u);
  EXPECT_EQ(at_bob_got[0].expires_ms, now_ms + 60'000);
  auto at_alice_got = receive(at_alice);
  ASSERT_EQ(at_alice_got.size(), 1u);
  ASSERT_TRUE(at_alice_got[0].attachment);
  const std::filesystem::path received_file = at_alice_got[0].attachment->path;
  EXPECT_TRUE(std::filesystem::exists(received_file));
  EXPECT_EQ(find(at_alice, true, "bob", *vanishing)->expires_ms, now_ms + 60'000);

  // 59 s later everything is still there; at 60 s it is gone from both stores, with the file.
  now_ms += 59'000;
  EXPECT_EQ(*at_alice.expire_messages(), 0u);
  now_ms += 1'000;
  auto alice_history = at_alice.history("bob");
  auto bob_history = at_bob.history("alice");
  ASSERT_TRUE(alice_history.ok() && bob_history.ok());
  auto bodies = [](const std::vector<client::Message>& history) {
    std::vector<std::string> out;
    for (const auto& message : history) out.push_back(message.kind + ":" + message.body);
    return out;
  };
  EXPECT_EQ(bodies(*alice_history), (std::vector<std::string>{"text:before the timer: stays", "timer:"}));
  EXPECT_EQ(bodies(*bob_history), (std::vector<std::string>{"text:before the timer: stays", "timer:"}));
  EXPECT_FALSE(std::filesystem::exists(received_file)) << "the decrypted file outlived its message";
  EXPECT_TRUE(std::filesystem::exists(file)) << "the sender's own original is theirs to keep";

  // Turned off by bob: later messages stay.
  ASSERT_TRUE(at_bob.set_expire_timer("alice", std::chrono::seconds(0)).ok());
  (void)receive(at_alice);
  auto kept = at_alice.send_text("bob", "after the timer: stays");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(find(at_alice, true, "bob", *kept)->expires_ms, 0u);
}

TEST_F(ClientFeaturesTest, LocationsReactionsAndDeleteForEveryone) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  Messenger at_alice(*alice), at_bob(*bob);
  auto location = at_alice.send_location("bob", {48.2082, 16.3738, "Stephansplatz"});
  ASSERT_TRUE(location.ok());
  auto regret = at_alice.send_text("bob", "something I regret");
  ASSERT_TRUE(regret.ok());
  auto messages = receive(at_bob);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].kind, "location");
  ASSERT_TRUE(messages[0].location);
  EXPECT_DOUBLE_EQ(messages[0].location->latitude, 48.2082);
  EXPECT_EQ(messages[0].location->name, "Stephansplatz");

  ASSERT_TRUE(at_bob.send_reaction("alice", *location, "👍").ok());
  messages = receive(at_alice);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].kind, "reaction");
  EXPECT_EQ(messages[0].body, "👍");
  EXPECT_EQ(messages[0].target_id, *location);

  ASSERT_TRUE(at_alice.delete_for_everyone("bob", *regret).ok());
  EXPECT_EQ(find(at_alice, true, "bob", *regret)->kind, "deleted");
  messages = receive(at_bob);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].kind, "delete");
  const auto erased = find(at_bob, false, "alice", *regret);
  ASSERT_TRUE(erased);
  EXPECT_EQ(erased->kind, "deleted");
  EXPECT_EQ(erased->body, "");
  // Only the author can delete: bob cannot delete alice's location for her.
  auto refused = at_bob.delete_for_everyone("alice", *location);
  EXPECT_FALSE(refused.ok());
}

TEST_F(ClientFeaturesTest, ContactLinksVerifyTheFirstSessionAndRefuseAnotherIdentity) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  auto carol = register_home("carol");
  ASSERT_TRUE(alice && bob && carol);
  Messenger at_alice(*alice), at_bob(*bob), at_carol(*carol);
  auto bob_link = at_bob.own_contact_link();
  ASSERT_TRUE(bob_link.ok());
  EXPECT_EQ(bob_link->rfind("hush://127.0.0.1:" + std::to_string(port_) + "/bob#", 0), 0u) << *bob_link;
  auto added = at_alice.add_contact_link(*bob_link);
  ASSERT_TRUE(added.ok()) << client::describe(added.error());
  EXPECT_TRUE(added->awaiting_link_check);
  ASSERT_TRUE(at_alice.send_text("bob", "found you by your link").ok());
  auto contacts = at_alice.contacts();
  ASSERT_TRUE(contacts.ok());
  ASSERT_EQ(contacts->size(), 1u);
  EXPECT_TRUE((*contacts)[0].verified);
  EXPECT_FALSE((*contacts)[0].awaiting_link_check);

  // A link that names carol's identity for the account "dave"... here: carol's fingerprint on a
  // link for bob's name, as a server substituting keys would look to carol.
  auto carol_link = at_carol.own_contact_link();
  ASSERT_TRUE(carol_link.ok());
  const std::string forged =
      "hush://127.0.0.1:" + std::to_string(port_) + "/bob#" + carol_link->substr(carol_link->find('#') + 1);
  auto mismatch = at_carol.add_contact_link(forged);
  ASSERT_TRUE(mismatch.ok());  // no session with bob yet: checked when one is built
  auto refused = at_carol.send_text("bob", "is this really you?");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ClientErrorKind::kUntrustedIdentity);
  EXPECT_EQ(refused.error().detail, "identity_mismatch");
  // Malformed links and links to another server are refused by name.
  EXPECT_EQ(at_alice.add_contact_link("hush://nope").error().kind, ClientErrorKind::kInvalidArgument);
  auto elsewhere = at_alice.add_contact_link("hush://example.org:443/bob#" + bob_link->substr(bob_link->find('#') + 1));
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().detail, "other_server");
}

TEST_F(ClientFeaturesTest, DevicesAreListedAndTheCurrentOneCannotBeRemoved) {
  auto alice = register_home("alice");
  ASSERT_TRUE(alice);
  auto devices = alice->list_devices();
  ASSERT_TRUE(devices.ok()) << client::describe(devices.error());
  ASSERT_EQ(devices->size(), 1u);
  EXPECT_EQ((*devices)[0].device_id, 1u);
  EXPECT_TRUE((*devices)[0].current);
  auto removed = alice->remove_device(1);
  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.error().detail, "cannot_remove_current_device");
  EXPECT_EQ(alice->remove_device(7).error().detail, "not_found");
  alice->disconnect();
  EXPECT_EQ(alice->list_devices().error().detail, "not_connected");
}

TEST_F(ClientFeaturesTest, SafetyNumbersMatchOnBothSidesAndCanBeMarkedVerified) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  Messenger at_alice(*alice), at_bob(*bob);
  auto from_alice = at_alice.safety_number("bob");  // fetches bob's keys: no session yet
  auto from_bob = at_bob.safety_number("alice");
  ASSERT_TRUE(from_alice.ok() && from_bob.ok());
  EXPECT_EQ(from_alice->display, from_bob->display);
  EXPECT_EQ(from_alice->display.size(), 60u + 11u);
  EXPECT_FALSE(from_alice->scannable.empty());
  const auto before = at_alice.contacts();  // named: a range-for would not keep the Result alive
  ASSERT_TRUE(before.ok());
  for (const auto& contact : *before) EXPECT_FALSE(contact.verified) << contact.name;
  ASSERT_TRUE(at_alice.mark_verified("bob").ok());
  auto contacts = at_alice.contacts();
  ASSERT_EQ(contacts->size(), 1u);
  EXPECT_TRUE((*contacts)[0].verified);
}

TEST_F(ClientFeaturesTest, AChangedIdentityIsReportedItsMessagesHeldUntilTrusted) {
  auto alice = register_home("alice");
  auto bob = register_home("bob");
  ASSERT_TRUE(alice && bob);
  {
    Messenger at_alice(*alice), at_bob(*bob);
    ASSERT_TRUE(at_alice.send_text("bob", "hello old bob").ok());
    ASSERT_EQ(receive(at_bob).size(), 1u);
    ASSERT_TRUE(at_alice.mark_verified("bob").ok());
  }
  // bob's account is replaced on the server (a reinstall, or a server substituting keys), and a
  // new identity registers the same name.
  bob.reset();
  alice->disconnect();
  const std::uint16_t port = port_;
  stop_server();
  const std::string sql =
      "DELETE FROM devices WHERE account_id = (SELECT id FROM accounts WHERE username = 'bob'); "
      "DELETE FROM accounts WHERE username = 'bob';";
  server_sql(sql);
  start_server([port](server::Options& o) { o.listen_port = port; });
  auto new_bob = Account::register_new(homes_ / "bob-again", unlock(), settings(), "bob", "", rng_, options());
  ASSERT_TRUE(new_bob.ok()) << client::describe(new_bob.error());
  ASSERT_TRUE(alice->log_in().ok());
  Messenger at_alice(*alice), at_new_bob(**new_bob);

  // Alice writes first: her session is with the old bob, so the server answers STALE_DEVICES
  // (another registration id); the rebuilt session would carry a new identity key, so nothing is
  // sent, the change is recorded and the message waits.
  auto blocked = at_alice.send_text("bob", "who is this?");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().kind, ClientErrorKind::kUntrustedIdentity);
  EXPECT_EQ(blocked.error().detail, "identity_changed");
  EXPECT_EQ(*at_alice.outbox_size(), 1u);
  auto alice_history = at_alice.history("bob");
  ASSERT_TRUE(alice_history.ok());
  EXPECT_EQ(alice_history->back().kind, "identity_changed");
  auto contacts = at_alice.contacts();
  ASSERT_EQ(contacts->size(), 1u);
  EXPECT_TRUE((*contacts)[0].identity_changed);
  EXPECT_FALSE((*contacts)[0].verified);

  // The new bob writes: his message is held (the same change, not reported twice).
  ASSERT_TRUE(at_new_bob.send_text("alice", "it's me, new phone").ok());
  EXPECT_TRUE(receive_all(at_alice).empty());
  // The held text is not in the history until accepted.
  const auto history = at_alice.history("bob");  // named: a range-for would not keep the Result alive
  ASSERT_TRUE(history.ok());
  for (const auto& entry : *history) EXPECT_NE(entry.body, "it's me, new phone");

  auto released = at_alice.trust_identity("bob");
  ASSERT_TRUE(released.ok()) << client::describe(released.error());
  ASSERT_EQ(released->size(), 1u);
  EXPECT_EQ((*released)[0].body, "it's me, new phone");
  EXPECT_EQ(*at_alice.outbox_size(), 0u);
  auto at_bob = receive(at_new_bob);
  ASSERT_EQ(at_bob.size(), 1u);
  EXPECT_EQ(at_bob[0].body, "who is this?");
  EXPECT_FALSE((*at_alice.contacts())[0].identity_changed);
}

}  // namespace
}  // namespace hush::test
