// make_fuzz_seeds: writes a few valid inputs for every fuzz target into fuzz/seeds/<target>/
// (or into the directory given as the first argument). Deterministic: the same build writes the
// same bytes, and the messages are made with the fixtures the fuzzers use (fuzz_support.hpp), so
// for example the session_decrypt seeds really decrypt at the fuzzer's Bob.
// Not named fuzz_*: scripts/fuzz runs every fuzz_* binary as a fuzzer.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include "attachment_fixture.hpp"
#include "fuzz_support.hpp"
#include "hush/client/attachment/attachment_cipher.hpp"
#include "hush/client/groups/group_state.hpp"
#include "hush/crypto/hash.hpp"
#include "hush/protocol/fingerprint.hpp"
#include "hush/protocol/messages.hpp"
#include "hush/wire/content_codec.hpp"
#include "hush/wire/frame_codec.hpp"
#include "request_fixture.hpp"

namespace {

using namespace hush;
using namespace hush::protocol;
using fuzz::TwoPartyOp;

std::filesystem::path g_root;
std::size_t g_files = 0;
std::size_t g_bytes = 0;
constexpr std::uint64_t kCryptoSeed = 0xC0FFEE;

void write_seed(const std::string& target, const std::string& name, ByteView bytes) {
  const auto directory = g_root / target;
  std::filesystem::create_directories(directory);
  std::ofstream out(directory / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  HUSH_FUZZ_CHECK(out.good());
  ++g_files;
  g_bytes += bytes.size();
}

Bytes with_type_byte(const CiphertextMessage& message) {
  Bytes out{static_cast<std::uint8_t>(message.type == MessageType::kPreKey ? 1 : 0)};
  append(out, message.serialized);
  return out;
}

Bytes filled(std::size_t size, std::uint8_t value) {
  return Bytes(size, value);
}

void signal_messages() {
  const auto& keys = fuzz::fixed_keys();
  write_seed("signal_message", "fixed_keys_short",
             SignalMessage::create(keys.signing_public, 0, 0, filled(16, 0xA5), keys.mac_key, keys.sender_identity,
                                   keys.receiver_identity)
                 .serialized());
  write_seed("signal_message", "fixed_keys_counters",
             SignalMessage::create(keys.receiver_identity, 300, 299, filled(48, 0x5A), keys.mac_key,
                                   keys.sender_identity, keys.receiver_identity)
                 .serialized());
  fuzz::Pair pair = fuzz::make_established_pair();
  auto message = fuzz::send(pair.alice, pair.bob, "a real message in a session");
  HUSH_FUZZ_CHECK(message.type == MessageType::kSignal);
  write_seed("signal_message", "session", message.serialized);
}

void prekey_signal_messages() {
  fuzz::Pair pair = fuzz::make_fresh_pair();
  auto first = fuzz::send(pair.alice, pair.bob, "hello bob");
  HUSH_FUZZ_CHECK(first.type == MessageType::kPreKey);
  write_seed("prekey_signal_message", "session_start", first.serialized);

  const auto& keys = fuzz::fixed_keys();
  SignalMessage inner = SignalMessage::create(keys.signing_public, 1, 0, filled(32, 0x42), keys.mac_key,
                                              keys.sender_identity, keys.receiver_identity);
  write_seed("prekey_signal_message", "no_one_time_prekey",
             PreKeySignalMessage::create(1234, std::nullopt, fuzz::kSignedPrekeyId, keys.signing_public,
                                         keys.sender_identity, inner)
                 .serialized());
}

void sender_key_messages() {
  const auto& group = fuzz::group_fixture();
  write_seed("sender_key_message", "group_fixture", group.message);
  crypto::SeededRng rng(1);
  write_seed("sender_key_message", "fixed_key_long",
             SenderKeyMessage::create(7, 1000, filled(64, 0x77), fuzz::fixed_keys().signing_private, rng).serialized());

  write_seed("sender_key_distribution_message", "group_fixture", group.distribution.view());
  crypto::SecretArray<32> chain;
  chain.assign(filled(32, 0x66));
  write_seed("sender_key_distribution_message", "iteration_7",
             SenderKeyDistributionMessage::create(99, 7, chain, fuzz::fixed_keys().signing_public).serialized().view());

  write_seed("sender_key_record", "owner", group.owner_record.serialize().view());
  write_seed("sender_key_record", "member", group.member_record.serialize().view());
  // A member record after out-of-order delivery: skipped keys stored.
  InMemorySenderKeyStore member;
  member.store_sender_key(group.name, group.member_record);
  HUSH_FUZZ_CHECK(group_decrypt(member, group.name, group.message).ok());
  write_seed("sender_key_record", "member_with_skipped", member.load_sender_key(group.name)->serialize().view());
}

void session_records_and_decrypt() {
  // Fresh: Alice's record with a pending prekey, no reply yet.
  fuzz::Pair fresh = fuzz::make_fresh_pair();
  write_seed("session_record", "pending_prekey",
             fresh.alice.store().sessions.load_session(fresh.bob.address())->serialize().view());

  fuzz::Pair pair = fuzz::make_established_pair();
  write_seed("session_record", "established_bob",
             pair.bob.store().sessions.load_session(pair.alice.address())->serialize().view());

  // Messages for fuzz_session_decrypt, all addressed to the established Bob.
  fuzz::Device alice = pair.alice;
  auto next = fuzz::send(alice, pair.bob, "next from alice");
  auto after_next = fuzz::send(alice, pair.bob, "and the one after (decrypts out of order)");
  write_seed("session_decrypt", "signal_next", with_type_byte(next));
  write_seed("session_decrypt", "signal_skip_one", with_type_byte(after_next));

  // Alice restarts the session from a new bundle (prekey 2, then none): PreKeySignalMessages
  // that make Bob build a new session and archive the old one.
  fuzz::Device restarted = pair.alice;
  {
    auto stores = restarted.stores();
    HUSH_FUZZ_CHECK(process_prekey_bundle(stores, pair.bob.address(), pair.bob.bundle(2), restarted.rng()).ok());
  }
  auto restart = fuzz::send(restarted, pair.bob, "new session, prekey 2");
  HUSH_FUZZ_CHECK(restart.type == MessageType::kPreKey);
  write_seed("session_decrypt", "prekey_new_session", with_type_byte(restart));
  fuzz::Device no_prekey = pair.alice;
  {
    auto stores = no_prekey.stores();
    HUSH_FUZZ_CHECK(
        process_prekey_bundle(stores, pair.bob.address(), pair.bob.bundle(std::nullopt), no_prekey.rng()).ok());
  }
  write_seed("session_decrypt", "prekey_no_one_time",
             with_type_byte(fuzz::send(no_prekey, pair.bob, "new session, signed prekey only")));

  // A record with an archived state and skipped message keys: Bob after the restart and after
  // decrypting `after_next` (which skips `next`).
  fuzz::Device bob = pair.bob;
  HUSH_FUZZ_CHECK(fuzz::receive(bob, alice, after_next).ok());
  HUSH_FUZZ_CHECK(fuzz::receive(bob, restarted, restart).ok());
  write_seed("session_record", "archived_and_skipped",
             bob.store().sessions.load_session(alice.address())->serialize().view());
  // Alice's record, which has both chains.
  write_seed("session_record", "established_alice",
             alice.store().sessions.load_session(bob.address())->serialize().view());
}

void contents() {
  wire::content::Content text;
  text.set_message_id(std::string(16, '\x01'));
  text.set_timestamp_ms(1700000000123);
  auto* data = text.mutable_data();
  data->set_text("hello, this is a text message");
  data->set_expire_timer_seconds(3600);
  data->mutable_quote()->set_message_id(std::string(16, '\x02'));
  data->mutable_quote()->set_author("+14155550100");
  data->mutable_quote()->set_text("quoted");
  data->mutable_group()->set_group_id("group-id");
  data->mutable_group()->set_revision(3);
  write_seed("content", "text", *wire::encode_content(text));

  wire::content::Content media;
  media.set_message_id(std::string(16, '\x03'));
  auto* attachment = media.mutable_data()->add_attachments();
  attachment->set_id("blob-1");
  attachment->set_key(std::string(64, '\x04'));
  attachment->set_digest(std::string(32, '\x05'));
  attachment->set_size(123456);
  attachment->set_content_type("image/jpeg");
  attachment->set_file_name("cat.jpg");
  attachment->set_width(640);
  attachment->set_height(480);
  attachment->set_thumbnail(std::string(64, '\x06'));
  media.mutable_data()->mutable_location()->set_latitude(52.5);
  media.mutable_data()->mutable_location()->set_longitude(13.4);
  media.mutable_data()->mutable_reaction()->set_emoji("+1");
  media.mutable_data()->mutable_reaction()->set_target_message_id(std::string(16, '\x07'));
  media.mutable_data()->mutable_delete_()->set_target_message_id(std::string(16, '\x08'));
  write_seed("content", "attachment", *wire::encode_content(media));

  wire::content::Content receipt;
  receipt.set_message_id(std::string(16, '\x09'));
  receipt.mutable_receipt()->set_type(wire::content::ReceiptMessage::READ);
  receipt.mutable_receipt()->add_message_ids(std::string(16, '\x01'));
  receipt.mutable_receipt()->add_message_ids(std::string(16, '\x03'));
  write_seed("content", "receipt", *wire::encode_content(receipt));

  wire::content::Content typing;
  typing.set_message_id(std::string(16, '\x0a'));
  typing.mutable_typing()->set_action(wire::content::TypingMessage::STOPPED);
  typing.mutable_typing()->set_group_id("group-id");
  write_seed("content", "typing", *wire::encode_content(typing));

  wire::content::Content distribution;
  distribution.set_message_id(std::string(16, '\x0b'));
  const auto& skdm = fuzz::group_fixture().distribution;
  distribution.set_sender_key_distribution(std::string(reinterpret_cast<const char*>(skdm.data()), skdm.size()));
  write_seed("content", "sender_key_distribution", *wire::encode_content(distribution));
}

void frames() {
  wire::api::Frame ping;
  ping.mutable_request()->set_id(1);
  ping.mutable_request()->mutable_ping();
  write_seed("frame", "ping", *wire::encode_frame(ping));

  wire::api::Frame send;
  auto* request = send.mutable_request();
  request->set_id(2);
  request->mutable_send()->set_recipient("bob");
  request->mutable_send()->set_message_id(std::string(16, '\x01'));
  for (std::uint32_t device = 1; device <= 2; ++device) {
    auto* envelope = request->mutable_send()->add_envelopes();
    envelope->set_device_id(device);
    envelope->set_registration_id(1000 + device);
    envelope->set_type(2);
    envelope->set_content(std::string(80, static_cast<char>(device)));
  }
  write_seed("frame", "send", *wire::encode_frame(send));

  wire::api::Frame bundles;
  auto* response = bundles.mutable_response();
  response->set_id(3);
  response->mutable_status()->set_code(wire::api::Status::OK);
  auto* bundle = response->mutable_bundles()->add_bundles();
  bundle->set_device_id(1);
  bundle->set_registration_id(4242);
  bundle->set_identity_key(std::string(33, '\x05'));
  bundle->mutable_signed_prekey()->set_id(7);
  bundle->mutable_signed_prekey()->set_public_key(std::string(33, '\x05'));
  bundle->mutable_signed_prekey()->set_signature(std::string(64, '\x06'));
  bundle->mutable_one_time_prekey()->set_id(9);
  bundle->mutable_one_time_prekey()->set_public_key(std::string(33, '\x05'));
  write_seed("frame", "bundles", *wire::encode_frame(bundles));

  wire::api::Frame limit;
  limit.mutable_response()->set_id(4);
  limit.mutable_response()->mutable_status()->set_code(wire::api::Status::LIMIT_EXCEEDED);
  limit.mutable_response()->mutable_status()->set_reason("rate_limited");
  limit.mutable_response()->mutable_status()->set_limit("max_queue_depth");
  limit.mutable_response()->mutable_status()->set_limit_value(1000);
  limit.mutable_response()->mutable_status()->set_retry_after_ms(500);
  write_seed("frame", "limit_exceeded", *wire::encode_frame(limit));

  wire::api::Frame ack;
  ack.mutable_request()->set_id(5);
  for (std::uint64_t sequence : {1u, 2u, 300u, 70000u})
    ack.mutable_request()->mutable_acknowledge()->add_sequences(sequence);
  write_seed("frame", "acknowledge", *wire::encode_frame(ack));

  // A full media chunk fills the 16 KiB frame (and lets libFuzzer grow inputs that far).
  wire::api::Frame chunk;
  chunk.mutable_request()->set_id(6);
  chunk.mutable_request()->mutable_append_chunk()->set_media_id(std::string(16, '\x0c'));
  chunk.mutable_request()->mutable_append_chunk()->set_offset(wire::kMediaChunkSize);
  chunk.mutable_request()->mutable_append_chunk()->set_data(std::string(wire::kMediaChunkSize, '\x0d'));
  write_seed("frame", "media_chunk", *wire::encode_frame(chunk));
}

void fingerprints() {
  write_seed("scannable_fingerprint", "peer", fuzz::their_scannable_fingerprint());
  write_seed("scannable_fingerprint", "self", fuzz::our_scannable_fingerprint());
}

Bytes script(std::initializer_list<int> bytes) {
  Bytes out;
  for (int byte : bytes) out.push_back(static_cast<std::uint8_t>(byte));
  return out;
}

constexpr int op(TwoPartyOp value) {
  return static_cast<int>(value);
}

void two_party_scripts() {
  constexpr int A = op(TwoPartyOp::kAliceSends), B = op(TwoPartyOp::kBobSends), OLD = op(TwoPartyOp::kDeliverOldest),
                NEW = op(TwoPartyOp::kDeliverNewest), PICK = op(TwoPartyOp::kDeliverChosen),
                DROP = op(TwoPartyOp::kDrop), DUP = op(TwoPartyOp::kDuplicate),
                TAMPER = op(TwoPartyOp::kDeliverTampered), BACKUP_A = op(TwoPartyOp::kBackupAlice),
                BACKUP_B = op(TwoPartyOp::kBackupBob), RESTORE_A = op(TwoPartyOp::kRestoreAlice),
                RESTORE_B = op(TwoPartyOp::kRestoreBob), START_A = op(TwoPartyOp::kAliceStartsSession),
                START_B = op(TwoPartyOp::kBobStartsSession);
  write_seed("two_party", "ping_pong", script({A, 5, OLD, B, 7, OLD, A, 0, OLD, B, 20, OLD, A, 47, OLD, B, 1, OLD}));
  write_seed("two_party", "out_of_order",
             script({A, 1, A, 2, A, 3, NEW, PICK, 0, OLD, B, 4, B, 5, NEW, A, 6, OLD, OLD, DROP, 0, A, 7, OLD}));
  write_seed("two_party", "duplicates",
             script({A, 1, OLD, DUP, 0, B, 2, OLD, DUP, 1, A, 3, A, 4, NEW, DUP, 2, OLD, DUP, 3}));
  write_seed("two_party", "tampered", script({A,      1, TAMPER, 0, 3,   0x80, TAMPER, 0,      60, 1,   OLD,  B,  2,
                                              TAMPER, 0, 10,     4, OLD, A,    3,      TAMPER, 0,  200, 0x10, OLD}));
  write_seed("two_party", "restore_bob",
             script({A,   1, BACKUP_B, OLD, B,   2,         OLD, BACKUP_B, A,   3, OLD, RESTORE_B, 1,  0,
                     DUP, 2, A,        4,   OLD, RESTORE_B, 0,   1,        DUP, 0, B,   5,         OLD}));
  write_seed("two_party", "restore_alice",
             script({BACKUP_A, A, 1, OLD, B,         2, OLD, BACKUP_A, A, 3,   OLD, RESTORE_A, 0,
                     0,        A, 4, OLD, RESTORE_A, 1, 1,   A,        5, OLD, B,   6,         OLD}));
  // Alice resets the session while old messages are in flight: they decrypt from the archived state.
  write_seed("two_party", "session_reset",
             script({A, 1, OLD, B, 2, A, 3, START_A, 2, A, 4, OLD, NEW, OLD, B, 5, OLD, START_A, 0, A, 6, OLD}));
  // Both start a session at once (simultaneous initiation), then converge.
  write_seed("two_party", "simultaneous_start",
             script({A,   1,   OLD, B, 2, OLD, START_A, 2,   START_B, 3, A,   3, B, 4,
                     OLD, OLD, A,   5, B, 6,   OLD,     OLD, A,       7, OLD, B, 8, OLD}));
  // Many ratchet steps, so that old chains are dropped (kMaxReceiverChains) before a late message.
  Bytes long_run = script({A, 0});
  for (int i = 0; i < 7; ++i) append(long_run, script({A, i, PICK, 1, B, i, NEW}));
  append(long_run, script({OLD, OLD}));
  write_seed("two_party", "many_ratchets", long_run);
}

// FuzzedDataProvider reads integers from the end and bytes from the front: the last byte chooses
// the check (0 HMAC, 1 HKDF, 2 keys), the rest is deterministic noise.
void crypto_differential() {
  crypto::SeededRng rng(kCryptoSeed);
  const char* names[] = {"hmac", "hkdf", "keys"};
  for (std::uint8_t check = 0; check < 3; ++check) {
    Bytes input(256);
    rng.fill(input);
    input.back() = check;
    write_seed("crypto_differential", names[check], input);
  }
}

// fuzz_requests: one valid request of each type (on a logged-in session where it needs one), and
// scripts: a media upload round trip, a send whose envelope the recipient acknowledges, and a
// group message in two batches whose envelope a recipient acknowledges.
void requests() {
  namespace api = wire::api;
  const fuzz::RequestFixtureKeys& keys = fuzz::request_fixture_keys();
  constexpr std::uint8_t kBoth = fuzz::kStartLoggedIn0 | fuzz::kStartLoggedIn1;
  const auto seed = [](const std::string& name, std::uint8_t flags, std::initializer_list<Bytes> records) {
    Bytes input{flags};
    for (const Bytes& record : records) append(input, record);
    write_seed("requests", name, input);
  };
  std::uint64_t next_id = 1;
  const auto request = [&next_id](auto&& fill) {
    api::Request out;
    out.set_id(next_id++);
    fill(out);
    return out;
  };

  const api::Request register_account = request([&](api::Request& r) {
    api::RegisterAccount* body = r.mutable_register_account();
    body->set_username(fuzz::kNewcomerUsername);
    const auto identity = keys.newcomer.identity.public_key.serialize();
    body->mutable_device()->set_registration_id(keys.newcomer.registration_id);
    body->mutable_device()->set_identity_key(std::string(identity.begin(), identity.end()));
    body->mutable_device()->set_auth_key(
        std::string(keys.newcomer.auth.public_key.begin(), keys.newcomer.auth.public_key.end()));
    body->mutable_device()->set_name("phone");
    body->set_challenge_signature(fuzz::challenge_signature(keys.newcomer));
  });
  seed("register_account", 0, {fuzz::request_record(0, register_account)});

  const api::Request authenticate = request([&](api::Request& r) {
    r.mutable_authenticate()->set_username(fuzz::kFuzzerUsername);
    r.mutable_authenticate()->set_device_id(2);
    r.mutable_authenticate()->set_challenge_signature(fuzz::challenge_signature(keys.fuzzer2));
  });
  seed("authenticate", fuzz::kStartLoggedIn0, {fuzz::request_record(1, authenticate)});

  const api::Request upload_keys = request([&](api::Request& r) {
    api::UploadKeys* body = r.mutable_upload_keys();
    *body->mutable_signed_prekey() = fuzz::signed_prekey(keys.fuzzer1, 8);
    for (std::uint32_t id = 5; id <= 6; ++id) {
      api::PreKey* key = body->add_one_time_prekeys();
      key->set_id(id);
      key->set_public_key(fuzz::public_key_field(500 + id));
    }
    body->mutable_last_resort()->set_id(101);
    body->mutable_last_resort()->set_public_key(fuzz::public_key_field(600));
  });
  seed("upload_keys", fuzz::kStartLoggedIn0, {fuzz::request_record(0, upload_keys)});

  const api::Request fetch_bundles = request([&](api::Request& r) {
    r.mutable_fetch_bundles()->set_username(fuzz::kPeerUsername);
    r.mutable_fetch_bundles()->set_device_id(0);
  });
  seed("fetch_bundles", fuzz::kStartLoggedIn0, {fuzz::request_record(0, fetch_bundles)});

  const api::Request send_to_peer = request([&](api::Request& r) {
    api::Send* body = r.mutable_send();
    body->set_recipient(fuzz::kPeerUsername);
    body->set_message_id(std::string(16, '\x11'));
    api::OutgoingEnvelope* envelope = body->add_envelopes();
    envelope->set_device_id(1);
    envelope->set_registration_id(keys.peer1.registration_id);
    envelope->set_type(3);
    envelope->set_content("prekey signal message");
  });
  seed("send", fuzz::kStartLoggedIn0, {fuzz::request_record(0, send_to_peer)});

  const api::Request send_to_self = request([&](api::Request& r) {
    api::Send* body = r.mutable_send();
    body->set_recipient(fuzz::kFuzzerUsername);
    body->set_message_id(std::string(16, '\x22'));
    api::OutgoingEnvelope* envelope = body->add_envelopes();
    envelope->set_device_id(2);
    envelope->set_registration_id(keys.fuzzer2.registration_id);
    envelope->set_type(2);
    envelope->set_content("signal message");
  });
  // Device 1 sends to device 2, which acknowledges sequence 1 (the first envelope of its queue).
  const api::Request acknowledge = request([&](api::Request& r) { r.mutable_acknowledge()->add_sequences(1); });
  seed("acknowledge", kBoth, {fuzz::request_record(1, acknowledge)});
  seed("send_then_acknowledge", kBoth,
       {fuzz::request_record(0, send_to_self), fuzz::request_record(1, acknowledge),
        fuzz::request_record(0, send_to_self)});

  const api::Request list_devices = request([&](api::Request& r) { r.mutable_list_devices(); });
  seed("list_devices", fuzz::kStartLoggedIn0, {fuzz::request_record(0, list_devices)});
  const api::Request remove_device = request([&](api::Request& r) { r.mutable_remove_device()->set_device_id(2); });
  seed("remove_device", kBoth, {fuzz::request_record(0, remove_device), fuzz::request_record(1, list_devices)});
  const api::Request key_status = request([&](api::Request& r) { r.mutable_key_status(); });
  seed("key_status", fuzz::kStartLoggedIn0, {fuzz::request_record(0, key_status)});
  const api::Request ping = request([&](api::Request& r) { r.mutable_ping(); });
  seed("ping", 0, {fuzz::request_record(0, ping)});

  // Media: the first CreateUpload of an input always gets the same id (the world's randomness is
  // seeded), so the generator asks a world for it.
  const std::string blob(100, 'm');
  const api::Request create_upload =
      request([&](api::Request& r) { r.mutable_create_upload()->set_size(blob.size()); });
  std::string media_id;
  {
    fuzz::RequestWorld world;
    world.log_in(0);
    auto created = world.handle(0, create_upload);
    HUSH_FUZZ_CHECK(created && created->status().code() == api::Status::OK && created->has_upload_created());
    media_id = created->upload_created().media_id();
  }
  const api::Request append_chunk = request([&](api::Request& r) {
    r.mutable_append_chunk()->set_media_id(media_id);
    r.mutable_append_chunk()->set_offset(0);
    r.mutable_append_chunk()->set_data(blob);
  });
  const api::Request upload_status =
      request([&](api::Request& r) { r.mutable_upload_status()->set_media_id(media_id); });
  const api::Request finish_upload = request([&](api::Request& r) {
    r.mutable_finish_upload()->set_media_id(media_id);
    const auto digest = crypto::sha256(ByteView(reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size()));
    r.mutable_finish_upload()->set_sha256(std::string(digest.begin(), digest.end()));
  });
  const api::Request read_media = request([&](api::Request& r) {
    r.mutable_read_media()->set_media_id(media_id);
    r.mutable_read_media()->set_offset(0);
    r.mutable_read_media()->set_length(64);
  });
  seed("create_upload", fuzz::kStartLoggedIn0, {fuzz::request_record(0, create_upload)});
  seed("append_chunk", fuzz::kStartLoggedIn0,
       {fuzz::request_record(0, create_upload), fuzz::request_record(0, append_chunk)});
  seed("upload_status", fuzz::kStartLoggedIn0,
       {fuzz::request_record(0, create_upload), fuzz::request_record(0, upload_status)});
  seed("finish_upload", fuzz::kStartLoggedIn0,
       {fuzz::request_record(0, create_upload), fuzz::request_record(0, append_chunk),
        fuzz::request_record(0, finish_upload)});
  seed("read_media", fuzz::kStartLoggedIn0,
       {fuzz::request_record(0, create_upload), fuzz::request_record(0, append_chunk),
        fuzz::request_record(0, finish_upload), fuzz::request_record(1, read_media),
        fuzz::request_record(0, upload_status)});

  // A group message from device 1 to peer and to device 2, then its second batch without the
  // body (to device 2 again: a duplicate), which device 2 acknowledges.
  const api::Request send_to_many = request([&](api::Request& r) {
    api::SendToMany* body = r.mutable_send_to_many();
    body->set_message_id(std::string(16, '\x33'));
    body->set_type(7);
    body->set_body("sender key message");
    api::Recipient* peer = body->add_recipients();
    peer->set_username(fuzz::kPeerUsername);
    peer->add_devices()->set_device_id(1);
    peer->mutable_devices(0)->set_registration_id(keys.peer1.registration_id);
    api::Recipient* self = body->add_recipients();
    self->set_username(fuzz::kFuzzerUsername);
    self->add_devices()->set_device_id(2);
    self->mutable_devices(0)->set_registration_id(keys.fuzzer2.registration_id);
  });
  const api::Request send_to_many_later_batch = request([&](api::Request& r) {
    *r.mutable_send_to_many() = send_to_many.send_to_many();
    r.mutable_send_to_many()->clear_body();
    r.mutable_send_to_many()->mutable_recipients()->DeleteSubrange(0, 1);
  });
  // Sequence 1 is peer's envelope, 2 device 2's.
  const api::Request acknowledge_second = request([&](api::Request& r) { r.mutable_acknowledge()->add_sequences(2); });
  seed("send_to_many", kBoth,
       {fuzz::request_record(0, send_to_many), fuzz::request_record(0, send_to_many_later_batch),
        fuzz::request_record(1, acknowledge_second)});
}

// Blobs under fuzz_attachment_decrypt's fixed key (attachment_fixture.hpp): whole ones that
// decrypt, one given a zero digest, and a sender-made one (IV || ciphertext, the target adds the MAC).
void attachments() {
  namespace fixture = fuzz::attachment;
  const auto blob = [](std::uint16_t size, std::uint64_t seed) {
    crypto::SeededRng rng(seed);
    Bytes plaintext(size);
    rng.fill(plaintext);
    client::AttachmentIv iv{};
    rng.fill(iv);
    client::AttachmentEncryptor encryptor(client::AttachmentKey(fixture::key().view()), iv, size);
    Bytes out;
    encryptor.update(plaintext, out);
    HUSH_FUZZ_CHECK(encryptor.finish(out).ok());
    return out;
  };
  const std::uint8_t chunk_1000 = 5 << 2;  // kChunkSizes[5]
  const std::uint8_t chunk_16 = 2 << 2;    // kChunkSizes[2]
  write_seed("attachment_decrypt", "valid_100",
             fixture::make_input(fixture::kRealDigest | chunk_1000, 100, blob(100, 1)));
  write_seed("attachment_decrypt", "valid_empty", fixture::make_input(fixture::kRealDigest | chunk_16, 0, blob(0, 2)));
  write_seed("attachment_decrypt", "valid_1500_bytewise",
             fixture::make_input(fixture::kRealDigest, 1500, blob(1500, 3)));
  write_seed("attachment_decrypt", "zero_digest", fixture::make_input(chunk_1000, 600, blob(600, 4)));
  const Bytes sender_made = blob(700, 5);
  write_seed("attachment_decrypt", "sender_made_700",
             fixture::make_input(fixture::kSenderMade | chunk_16, 700,
                                 ByteView(sender_made).first(sender_made.size() - client::kAttachmentMacSize)));
}

// The group_update target's fixture, drawn the same way (SeededRng 1: alice's key, then the held
// group): an invitation to a new group, a rename and a removal of the held group by alice, and a
// rename signed by bob (refused).
void group_updates() {
  crypto::SeededRng rng(1);
  const crypto::KeyPair alice = crypto::KeyPair::generate(rng);
  const client::GroupState held = *client::new_group("alice", "fuzz", {"bob", "carol"}, rng);
  auto write = [](const std::string& name, const wire::content::GroupUpdate& update) {
    write_seed("group_update", name, as_bytes(update.SerializeAsString()));
  };
  write("invitation",
        client::sign_update(*client::new_group("alice", "new", {"bob"}, rng), "alice", alice.private_key, rng));
  client::GroupState renamed = held;
  renamed.revision = 2;
  renamed.name = "renamed";
  write("rename", client::sign_update(renamed, "alice", alice.private_key, rng));
  client::GroupState removed = held;
  removed.revision = 3;
  std::erase(removed.members, "carol");
  write("remove_carol", client::sign_update(removed, "alice", alice.private_key, rng));
  const crypto::KeyPair bob = crypto::KeyPair::generate(rng);
  write("rename_by_bob", client::sign_update(renamed, "bob", bob.private_key, rng));
}

}  // namespace

int main(int argc, char** argv) {
  g_root = argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::path("fuzz/seeds");
  signal_messages();
  prekey_signal_messages();
  sender_key_messages();
  session_records_and_decrypt();
  contents();
  frames();
  fingerprints();
  two_party_scripts();
  crypto_differential();
  requests();
  attachments();
  group_updates();
  std::printf("make_fuzz_seeds: wrote %zu files, %zu bytes, under %s\n", g_files, g_bytes, g_root.c_str());
  return 0;
}
