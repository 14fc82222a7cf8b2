// hush_group_bench: what one message to a group costs, sent the way hush sends group messages
// (Sender Keys: encrypted once, SendToMany: one body stored once plus a reference per device)
// against the naive way it replaces (one pairwise encryption and one stored envelope per device,
// a Send per member). Per group size (members with one device each):
// - client CPU: the encryptions of one message (medians of --repetitions);
// - bytes on the wire, client to server: the padded frames of the requests (api.proto, as
//   wire::encode_frame writes them; the naive way one Send per member, as 1:1 messages go);
// - the server: the group commit of one message into SQLite (hush::storage_sqlite, durable), its
//   time (median) and the ciphertext bytes and rows it stores.
// Figures only, no assertions; bench/groups/report_groups.py writes docs/benchmarks.md.
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hush/crypto/random.hpp"
#include "hush/protocol/sender_keys.hpp"
#include "hush/storage/sqlite_storage.hpp"
#include "hush/wire/api.pb.h"
#include "hush/wire/content_codec.hpp"
#include "hush/wire/frame_codec.hpp"
#include "hush_party.hpp"

namespace hush::bench {
namespace {

namespace api = wire::api;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

// Devices per SendToMany request: hushd's default limits.max_devices_per_send_to_many.
constexpr std::size_t kDevicesPerRequest = 1024;
// The envelope type of a Sender Key message (libsignal's CiphertextMessageType).
constexpr std::uint32_t kSenderKeyType = 4;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string member_name(std::size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "member%05zu", i);
  return name;
}

// A group text as the messenger composes it: a 120-byte text with its group context, padded.
Bytes group_content(crypto::Rng& rng) {
  wire::content::Content content;
  std::string id(16, '\0');
  rng.fill(MutableByteView(reinterpret_cast<std::uint8_t*>(id.data()), id.size()));
  content.set_message_id(id);
  content.set_timestamp_ms(1'800'000'000'000);
  content.mutable_data()->set_text(std::string(120, 't'));
  content.mutable_data()->mutable_group()->set_group_id(std::string(16, 'g'));
  content.mutable_data()->mutable_group()->set_revision(3);
  return *wire::encode_content(content);
}

std::size_t frame_size(api::Request request) {
  api::Frame frame;
  *frame.mutable_request() = std::move(request);
  auto encoded = wire::encode_frame(frame);
  return encoded.ok() ? encoded->size() : 0;
}

// One group of `size` members with one device each, as seen by the sender.
struct Group {
  test::HushParty sender{"sender", 1};
  std::vector<std::unique_ptr<test::HushParty>> members;
  protocol::InMemorySenderKeyStore sender_keys;
  protocol::SenderKeyName own{Bytes(16, 'g'), {"sender", 1}};

  explicit Group(std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
      members.push_back(std::make_unique<test::HushParty>(member_name(i), 1));
      auto& member = *members.back();
      if (!sender.process_bundle(member.address(), member.make_bundle()).ok()) std::abort();
      // One exchange each way, so that the sender's messages are SignalMessages, as in a group
      // that has talked before.
      auto first = sender.encrypt(member.address(), as_bytes(std::string_view("hello")));
      if (!first || !member.decrypt(sender.address(), static_cast<int>(first->type), first->serialized)) std::abort();
      auto reply = member.encrypt(sender.address(), as_bytes(std::string_view("hi")));
      if (!reply || !sender.decrypt(member.address(), static_cast<int>(reply->type), reply->serialized)) std::abort();
    }
    if (!protocol::create_sender_key_distribution(sender_keys, own, sender.rng()).ok()) std::abort();
  }
};

struct Storage {
  std::filesystem::path folder;
  std::unique_ptr<storage::Storage> storage;
  storage::DeviceAddress sender{};
  std::vector<storage::DeviceAddress> members;

  Storage(const std::filesystem::path& root, std::size_t size) : folder(root / ("group-" + std::to_string(size))) {
    std::filesystem::remove_all(folder);
    storage::SqliteOptions options;
    options.limits.max_queue_depth = 1'000'000;
    auto opened = storage::open_sqlite_storage(folder, options);
    if (!opened.ok()) std::abort();
    storage = std::move(*opened);
    sender = add("sender", 0);
    for (std::size_t i = 0; i < size; ++i) members.push_back(add(member_name(i), i + 1));
  }

  storage::DeviceAddress add(const std::string& name, std::size_t n) {
    storage::NewDevice device;
    device.registration_id = static_cast<std::uint32_t>(n + 1);
    device.identity_key[0] = 0x05;
    device.auth_key[0] = static_cast<std::uint8_t>(n);
    auto made = storage->accounts().create_account_with_device(name, std::nullopt, device, now());
    if (!made.ok()) std::abort();
    return {made->account.id, made->device.id};
  }

  static storage::Timestamp now() {
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }

  // SUM of ciphertext bytes (queued envelopes and shared bodies) and rows, read from the file.
  std::pair<std::int64_t, std::int64_t> stored() const {
    sqlite3* db = nullptr;
    std::pair<std::int64_t, std::int64_t> out{0, 0};
    if (sqlite3_open_v2((folder / "hush.sqlite3").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      return out;
    }
    auto one = [db](const char* sql) {
      sqlite3_stmt* statement = nullptr;
      std::int64_t value = 0;
      if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK && sqlite3_step(statement) == SQLITE_ROW) {
        value = sqlite3_column_int64(statement, 0);
      }
      sqlite3_finalize(statement);
      return value;
    };
    out.first = one("SELECT coalesce(sum(length(ciphertext)), 0) FROM messages") +
                one("SELECT coalesce(sum(length(body)), 0) FROM message_bodies");
    out.second = one("SELECT count(*) FROM messages") + one("SELECT count(*) FROM message_bodies");
    sqlite3_close(db);
    return out;
  }
};

storage::MessageId new_id(crypto::Rng& rng) {
  storage::MessageId id{};
  rng.fill(id);
  return id;
}

json measure(std::size_t size, int repetitions, const std::filesystem::path& root) {
  crypto::SystemRng rng;
  Group group(size);
  const Bytes content = group_content(rng);
  json out{{"members", size}, {"content_bytes", content.size()}};

  // Client CPU.
  std::vector<double> naive_ms, sender_key_ms;
  std::vector<Bytes> pairwise;  // the last repetition's ciphertexts, for the wire and the server
  Bytes body;
  for (int r = 0; r < repetitions; ++r) {
    pairwise.clear();
    auto start = Clock::now();
    for (auto& member : group.members) {
      auto message = group.sender.encrypt(member->address(), content);
      if (!message) std::abort();
      pairwise.push_back(std::move(message->serialized));
    }
    naive_ms.push_back(ms_since(start));
    start = Clock::now();
    auto encrypted = protocol::group_encrypt(group.sender_keys, group.own, content, rng);
    sender_key_ms.push_back(ms_since(start));
    if (!encrypted.ok()) std::abort();
    body = std::move(*encrypted);
  }
  out["client_ms"] = {{"naive", median(naive_ms)}, {"sender_keys", median(sender_key_ms)}};

  // Bytes on the wire: one Send per member, or SendToMany in requests of kDevicesPerRequest.
  std::string message_id(16, 'm');
  std::size_t naive_bytes = 0, naive_frames = 0;
  for (std::size_t i = 0; i < size; ++i) {
    api::Request request;
    auto* send = request.mutable_send();
    send->set_recipient(member_name(i));
    send->set_message_id(message_id);
    auto* envelope = send->add_envelopes();
    envelope->set_device_id(1);
    envelope->set_registration_id(static_cast<std::uint32_t>(i + 2));
    envelope->set_type(2);
    envelope->set_content(std::string(pairwise[i].begin(), pairwise[i].end()));
    naive_bytes += frame_size(std::move(request));
    ++naive_frames;
  }
  std::size_t fanout_bytes = 0, fanout_frames = 0;
  for (std::size_t first = 0; first < size; first += kDevicesPerRequest) {
    api::Request request;
    auto* many = request.mutable_send_to_many();
    many->set_message_id(message_id);
    many->set_type(kSenderKeyType);
    if (first == 0) many->set_body(std::string(body.begin(), body.end()));
    for (std::size_t i = first; i < std::min(size, first + kDevicesPerRequest); ++i) {
      auto* recipient = many->add_recipients();
      recipient->set_username(member_name(i));
      auto* device = recipient->add_devices();
      device->set_device_id(1);
      device->set_registration_id(static_cast<std::uint32_t>(i + 2));
    }
    const std::size_t bytes = frame_size(std::move(request));
    if (bytes == 0) std::abort();  // a request over one frame: kDevicesPerRequest is too many
    fanout_bytes += bytes;
    ++fanout_frames;
  }
  out["wire_bytes"] = {{"naive", naive_bytes}, {"sender_keys", fanout_bytes}};
  out["wire_frames"] = {{"naive", naive_frames}, {"sender_keys", fanout_frames}};

  // The server: one message's group commit, durable, into SQLite.
  Storage server(root, size);
  std::vector<double> naive_commit_ms, fanout_commit_ms;
  std::pair<std::int64_t, std::int64_t> naive_stored{}, fanout_stored{};
  for (int r = 0; r < repetitions; ++r) {
    std::vector<storage::Envelope> batch;
    const storage::MessageId naive_id = new_id(rng);
    for (std::size_t i = 0; i < size; ++i) {
      storage::Envelope envelope;
      envelope.recipient = server.members[i];
      envelope.sender = server.sender;
      envelope.id = naive_id;
      envelope.server_time = Storage::now();
      envelope.expires_at = envelope.server_time + std::chrono::hours(24 * 30);
      envelope.type = storage::EnvelopeType::kSignalMessage;
      envelope.ciphertext = pairwise[i];
      batch.push_back(std::move(envelope));
    }
    const auto before_naive = server.stored();
    auto start = Clock::now();
    if (!server.storage->messages().commit(batch, {}).ok()) std::abort();
    naive_commit_ms.push_back(ms_since(start));
    const auto after_naive = server.stored();
    naive_stored = {after_naive.first - before_naive.first, after_naive.second - before_naive.second};

    storage::Fanout fanout;
    fanout.sender = server.sender;
    fanout.id = new_id(rng);
    fanout.server_time = Storage::now();
    fanout.expires_at = fanout.server_time + std::chrono::hours(24 * 30);
    fanout.type = static_cast<storage::EnvelopeType>(kSenderKeyType);
    fanout.body = body;
    fanout.recipients = server.members;
    start = Clock::now();
    if (!server.storage->messages().fan_out(fanout).ok()) std::abort();
    fanout_commit_ms.push_back(ms_since(start));
    const auto after_fanout = server.stored();
    fanout_stored = {after_fanout.first - after_naive.first, after_fanout.second - after_naive.second};
  }
  out["server_commit_ms"] = {{"naive", median(naive_commit_ms)}, {"sender_keys", median(fanout_commit_ms)}};
  out["server_ciphertext_bytes"] = {{"naive", naive_stored.first}, {"sender_keys", fanout_stored.first}};
  out["server_rows"] = {{"naive", naive_stored.second}, {"sender_keys", fanout_stored.second}};
  server.storage.reset();
  std::filesystem::remove_all(server.folder);
  return out;
}

}  // namespace
}  // namespace hush::bench

int main(int argc, char** argv) {
  using namespace hush::bench;
  std::string out_path = "group_bench.json";
  int repetitions = 5;
  std::vector<std::size_t> sizes{10, 100, 1000};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--out") out_path = argv[i + 1];
    if (flag == "--repetitions") repetitions = std::max(1, std::atoi(argv[i + 1]));
  }
  const auto root = std::filesystem::temp_directory_path() / ("hush-group-bench-" + std::to_string(::getpid()));
  json results = json::array();
  for (const std::size_t size : sizes) {
    std::fprintf(stderr, "group bench: %zu members...\n", size);
    results.push_back(measure(size, repetitions, root));
  }
  std::filesystem::remove_all(root);
  std::ofstream(out_path) << json{{"repetitions", repetitions}, {"groups", results}}.dump(2) << "\n";
  std::fprintf(stderr, "group bench: wrote %s\n", out_path.c_str());
  return 0;
}
