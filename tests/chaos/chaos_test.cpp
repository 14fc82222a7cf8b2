// Issue 5's chaos runs: a real hushd process (SQLite, one data folder) behind the fault proxy, and
// two library clients (Account + Messenger on LiveConnection, each in its own thread) that reach it
// only through the proxy. Alice sends texts and files to bob, bob sends files to alice, while the
// proxy cuts every connection after 0.5-3 s (and, in one variant, hushd is killed with SIGKILL and
// restarted on the same port five times). Checked: every message arrives exactly once, in the order
// sent, every file bit-exact, both outboxes empty. Each variant reports its wall time; the faulty
// ones their ratio to the fault-free run. The traffic's size: README.md.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fault_proxy.hpp"
#include "hush/client/messenger/live_connection.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "hush/crypto/hash.hpp"
#include "hush/crypto/random.hpp"
#include "hush/server/tls_setup.hpp"
#include "hushd_process.hpp"

namespace hush::test {
namespace {

using Clock = std::chrono::steady_clock;
using client::ClientErrorKind;

// --- the traffic ---

constexpr std::size_t kMegabyte = 1024 * 1024;

// How much traffic one variant carries.
struct Scale {
  std::string name;
  int texts = 0;             // alice to bob
  int files_each = 0;        // alice to bob, and as many bob to alice
  std::size_t min_file = 0;  // bytes
  std::size_t max_file = 0;
};

// The numbers: 10,000 texts, 20 files of 1-20 MB (ten each way).
const Scale kFullScale{"full", 10000, 10, 1 * kMegabyte, 20 * kMegabyte};
// For the sanitizer build (3-10x slower): the same run, a tenth of the texts, 4 files of 1-3 MB.
const Scale kReducedScale{"reduced", 1000, 2, 1 * kMegabyte, 3 * kMegabyte};

// HUSH_CHAOS_SCALE from the environment, else the build's default (CMake: full, reduced under
// sanitizers).
Scale scale() {
  const char* chosen = std::getenv("HUSH_CHAOS_SCALE");
  const std::string name = chosen != nullptr ? chosen : HUSH_CHAOS_SCALE;
  return name == "reduced" ? kReducedScale : kFullScale;
}

// The cut interval: every connection lives 0.5-3 s.
constexpr std::chrono::milliseconds kCutMin{500};
constexpr std::chrono::milliseconds kCutMax{3000};
// hushd killed with SIGKILL and restarted this many times in the kill variant, spread evenly over
// alice's sends.
constexpr int kKills = 5;
// Shortened reconnect delays (the library's defaults are 1-30 s, for real networks).
constexpr client::BackoffOptions kQuickBackoff{std::chrono::milliseconds{50}, std::chrono::milliseconds{500}};
// How long receive() waits for more pushes: alice between her sends (receipts, bob's files), and
// each party once all it had to send is sent.
constexpr std::chrono::milliseconds kBetweenSendsIdle{5};
constexpr std::chrono::milliseconds kIdle{100};
// Alice takes what arrived once per this many sends.
constexpr int kReceiveEvery = 50;
// Bound on one variant: far above the dev build's measured times (README.md); a run that has not
// finished by then has lost or stuck something, and the checks below say what.
constexpr std::chrono::minutes kVariantDeadline{15};
// Seeds: the file sizes and contents, the proxy's lifetimes, each client's backoff jitter.
constexpr std::uint64_t kFileSeed = 5;
constexpr std::uint64_t kProxySeed = 55;
constexpr std::uint64_t kAliceBackoffSeed = 1;
constexpr std::uint64_t kBobBackoffSeed = 2;

// Request limits of the test's hushd. The defaults (200 per second a connection, burst 400) are
// for one person's phone; 10,000 texts and their 10,000 receipts would run into them in the
// fault-free run, and what is measured here is the way through faults, not the rate limiter.
constexpr std::string_view kHushdConfig =
    "[limits]\n"
    "requests_per_second = 100000\n"
    "requests_burst = 100000\n";

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Bytes sha256_of(const std::filesystem::path& path) {
  const auto digest = crypto::sha256(as_bytes(file_text(path)));
  return Bytes(digest.begin(), digest.end());
}

std::string text_body(int index) {
  return "text " + std::to_string(index);
}

// One file to send: its name (shown to the recipient and checked), path and digest.
struct PlannedFile {
  std::string name;
  std::filesystem::path path;
  Bytes sha256;
};

// What one party sends, in order: a text (file == nullptr) or a file.
struct Item {
  std::string text;
  const PlannedFile* file = nullptr;
};

// Alice's sends: the texts, with her files spread evenly among them.
std::vector<Item> alice_plan(const Scale& scale, const std::vector<PlannedFile>& files) {
  std::vector<Item> items;
  std::size_t next_file = 0;
  for (int i = 0; i < scale.texts; ++i) {
    const auto due = static_cast<std::size_t>(static_cast<std::int64_t>(i) * scale.files_each / scale.texts);
    while (next_file < files.size() && next_file < due) items.push_back({"", &files[next_file++]});
    items.push_back({text_body(i), nullptr});
  }
  while (next_file < files.size()) items.push_back({"", &files[next_file++]});
  return items;
}

// --- hushd, restartable on its port ---

// A hushd process on SQLite in `data`, killable and restartable on the port it first got; a thread
// keeps reading its output so that its log never fills the pipe.
class Hushd {
 public:
  Hushd(std::filesystem::path data, std::filesystem::path config) : data_(std::move(data)), config_(std::move(config)) {
    start("127.0.0.1:0");
  }
  ~Hushd() { stop_reading(); }

  std::uint16_t port() const { return port_; }

  // SIGKILL, then the same data folder and port again. False when it did not come back.
  bool kill_and_restart() {
    stop_reading();
    process_->signal(SIGKILL);
    if (process_->wait_exit(std::chrono::seconds(10)) < 0) return false;
    const std::uint16_t port = port_;
    start("127.0.0.1:" + std::to_string(port));
    return port_ == port;
  }

  std::string output() const { return process_ ? process_->output() : std::string(); }

 private:
  void start(const std::string& listen) {
    process_ = std::make_unique<HushdProcess>(std::vector<std::string>{
        "--config", config_.string(), "--data", data_.string(), "--listen", listen, "--threads", "2"});
    port_ = process_->port();
    reading_ = true;
    reader_ = std::thread([this] {
      constexpr std::string_view kNever = "\x01 never printed";
      while (reading_) (void)process_->wait_for(std::string(kNever), std::chrono::milliseconds(100));
    });
  }
  void stop_reading() {
    reading_ = false;
    if (reader_.joinable()) reader_.join();
  }

  std::filesystem::path data_;
  std::filesystem::path config_;
  std::unique_ptr<HushdProcess> process_;
  std::uint16_t port_ = 0;
  std::atomic<bool> reading_{false};
  std::thread reader_;
};

// --- one party ---

// What one client thread saw; read by the test once the thread has ended.
struct PartyReport {
  std::string fatal;                  // an error that reconnecting does not cure
  int connects = 0;                   // LiveConnection kConnected events
  int losses = 0;                     // kLost and kConnectFailed events
  std::vector<Bytes> incoming_files;  // ids of files received, first arrival
};

client::AccountOptions account_options() {
  client::AccountOptions options;
  options.prekey_batch = 10;
  options.store.kdf = {client::kMinKdfOperations, client::kMinKdfMemory};  // tests only: fast unlock
  options.connection.connect_timeout = std::chrono::seconds(5);
  options.connection.request_timeout = std::chrono::seconds(5);
  options.connection.heartbeat_interval = std::chrono::seconds(2);
  options.connection.heartbeat_timeout = std::chrono::seconds(3);
  return options;
}

// True when each of `ids` (incoming, from `peer`) is downloaded.
bool all_downloaded(client::Messenger& messenger, const std::string& peer, const std::vector<Bytes>& ids) {
  for (const Bytes& id : ids) {
    auto found = messenger.find_message(false, peer, id);
    if (!found.ok() || !*found || !(**found).attachment ||
        (**found).attachment->transfer != client::TransferState::kDone) {
      return false;
    }
  }
  return true;
}

// One party's loop: keeps its LiveConnection up, sends its items when they are due (`may_send`),
// takes what arrives, and when everything it sends is out, everything it expects is in and its
// outbox is empty, says so in `done` — and goes on receiving until `everyone_done` (the other
// party still needs its receipts and files to flow) or `stop`.
class Party {
 public:
  Party(client::Messenger& messenger, std::string peer, std::uint64_t backoff_seed, std::vector<Item> items,
        int expected_texts, int expected_files)
      : messenger_(messenger),
        peer_(std::move(peer)),
        live_(messenger, client::ReconnectBackoff(backoff_seed, kQuickBackoff),
              [this](const client::LiveEvent& event) {
                if (event.kind == client::LiveEvent::Kind::kConnected) {
                  ++report_.connects;
                } else {
                  ++report_.losses;
                }
              }),
        items_(std::move(items)),
        expected_texts_(expected_texts),
        expected_files_(expected_files) {}

  std::atomic<int> sent{0};      // items handed to the messenger (queued, maybe not yet out)
  std::atomic<int> texts_in{0};  // texts received
  std::atomic<bool> done{false};
  std::atomic<bool> failed{false};  // report().fatal is set

  // `may_send(n)`: whether item n may go now.
  void run(const std::function<bool(int)>& may_send, const std::atomic<bool>& everyone_done,
           const std::atomic<bool>& stop) {
    int since_receive = 0;
    while (!stop && !everyone_done && !failed) {
      if (!live_.online()) {
        take(live_.poll(kIdle));
        if (!live_.online()) std::this_thread::sleep_for(live_.until_next_attempt());
        continue;
      }
      const int next = sent;
      if (next < static_cast<int>(items_.size()) && may_send(next)) {
        send(items_[static_cast<std::size_t>(next)]);
        ++sent;
        if (++since_receive >= kReceiveEvery || items_[static_cast<std::size_t>(next)].file != nullptr) {
          since_receive = 0;
          take(live_.poll(kBetweenSendsIdle));
        }
        continue;
      }
      take(live_.poll(kIdle));
      if (!done && live_.online() && finished()) done = true;
    }
  }

  const PartyReport& report() const { return report_; }

 private:
  void send(const Item& item) {
    auto sent_now = item.file == nullptr ? messenger_.send_text(peer_, item.text) : [&] {
      client::FileOptions options;
      options.file_name = item.file->name;
      return messenger_.send_file(peer_, item.file->path, options);
    }();
    if (sent_now.ok()) return;
    if (sent_now.error().kind == ClientErrorKind::kTransport) {
      live_.lost(sent_now.error());  // it stays in the outbox and goes at the next connect
      return;
    }
    report_.fatal = "send: " + client::describe(sent_now.error());
    failed = true;
  }

  void take(Result<std::vector<client::Message>, client::ClientError> received) {
    if (!received.ok()) {
      report_.fatal = "poll: " + client::describe(received.error());
      failed = true;
      return;
    }
    for (const client::Message& message : *received) {
      // A message reported again because its download ended later is not a new one.
      if (message.update) continue;
      if (message.kind == "text") ++texts_in;
      if (message.kind == "file") report_.incoming_files.push_back(message.id);
    }
  }

  bool finished() {
    if (sent < static_cast<int>(items_.size()) || texts_in < expected_texts_ ||
        static_cast<int>(report_.incoming_files.size()) < expected_files_) {
      return false;
    }
    auto outbox = messenger_.outbox_size();
    return outbox.ok() && *outbox == 0 && all_downloaded(messenger_, peer_, report_.incoming_files);
  }

  client::Messenger& messenger_;
  std::string peer_;
  client::LiveConnection live_;
  std::vector<Item> items_;
  int expected_texts_;
  int expected_files_;
  PartyReport report_;
};

// --- the variants ---

enum class Variant { kFaultFree, kCuts, kCutsAndKills };

const char* variant_name(Variant variant) {
  switch (variant) {
    case Variant::kFaultFree: return "fault-free";
    case Variant::kCuts: return "cuts";
    case Variant::kCutsAndKills: return "cuts+kills";
  }
  return "?";
}

class ChaosTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scale_ = scale();
    std::string pattern = (std::filesystem::temp_directory_path() / "hush-chaos-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    folder_ = pattern;
    // The files: sizes from a seeded generator in [min_file, max_file], seeded random contents.
    std::mt19937_64 sizes(kFileSeed);
    crypto::SeededRng contents(kFileSeed);
    std::uniform_int_distribution<std::size_t> size(scale_.min_file, scale_.max_file);
    for (const char* sender : {"alice", "bob"}) {
      auto& files = std::string(sender) == "alice" ? alice_files_ : bob_files_;
      for (int i = 0; i < scale_.files_each; ++i) {
        PlannedFile file;
        file.name = std::string(sender) + "-" + std::to_string(i) + ".bin";
        file.path = folder_ / "originals" / file.name;
        std::filesystem::create_directories(file.path.parent_path());
        Bytes bytes(size(sizes));
        contents.fill(bytes);
        std::ofstream(file.path, std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        const auto digest = crypto::sha256(bytes);
        file.sha256.assign(digest.begin(), digest.end());
        files.push_back(std::move(file));
      }
    }
    std::printf("[chaos] scale %s: %d texts, %d files each way of %zu-%zu bytes\n", scale_.name.c_str(), scale_.texts,
                scale_.files_each, scale_.min_file, scale_.max_file);
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }

  // Runs one variant end to end and checks everything; returns its wall time (zero on failure).
  void run_variant(Variant variant) {
    const std::filesystem::path root = folder_ / variant_name(variant);
    std::filesystem::create_directories(root);
    const auto data = root / "server";
    auto tls = server::ensure_self_signed_tls(data);  // hushd reuses DATA/tls: one certificate throughout
    ASSERT_TRUE(tls.ok()) << tls.error();
    const auto config = root / "hushd.toml";
    std::ofstream(config) << kHushdConfig;
    Hushd hushd(data, config);
    ASSERT_NE(hushd.port(), 0) << hushd.output();
    FaultProxy proxy(hushd.port(), kProxySeed);

    // Registration through the proxy, before any fault.
    auto pin = client::parse_fingerprint(tls->fingerprint_hex);
    ASSERT_TRUE(pin.has_value());
    const client::ServerSettings settings{{"127.0.0.1", proxy.port()}, client::PinnedCertificate{*pin}};
    crypto::SystemRng rng;
    const client::Unlock unlock = client::Passphrase{crypto::SecretBytes(as_bytes("correct horse battery"))};
    std::unique_ptr<client::Account> accounts[2];
    const char* names[2] = {"alice", "bob"};
    for (int i = 0; i < 2; ++i) {
      auto registered =
          client::Account::register_new(root / names[i], unlock, settings, names[i], "", rng, account_options());
      ASSERT_TRUE(registered.ok()) << client::describe(registered.error());
      accounts[i] = std::move(*registered);
    }
    client::Messenger at_alice(*accounts[0]);
    client::Messenger at_bob(*accounts[1]);
    ASSERT_TRUE(at_alice.connect().ok());
    ASSERT_TRUE(at_bob.connect().ok());

    std::vector<Item> bob_items;
    for (const PlannedFile& file : bob_files_) bob_items.push_back({"", &file});
    Party alice(at_alice, "bob", kAliceBackoffSeed, alice_plan(scale_, alice_files_), 0, scale_.files_each);
    Party bob(at_bob, "alice", kBobBackoffSeed, bob_items, scale_.texts, scale_.files_each);
    const int alice_items = static_cast<int>(scale_.texts + scale_.files_each);

    if (variant != Variant::kFaultFree) proxy.set_faults(Faults{kCutMin, kCutMax});
    const auto start = Clock::now();
    std::atomic<bool> everyone_done{false};
    std::atomic<bool> stop{false};
    std::thread alice_thread([&] { alice.run([](int) { return true; }, everyone_done, stop); });
    // Bob sends his files spread over alice's texts, as they arrive.
    std::thread bob_thread([&] {
      bob.run(
          [&](int n) {
            return bob.texts_in >= static_cast<int>(static_cast<std::int64_t>(n) * scale_.texts / scale_.files_each);
          },
          everyone_done, stop);
    });

    // The supervisor: kills hushd as alice's sends pass each sixth of her items, and waits.
    int kills = 0;
    bool restart_failed = false;
    const auto deadline = start + kVariantDeadline;
    while (!(alice.done && bob.done) && Clock::now() < deadline && !alice.failed && !bob.failed) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (variant == Variant::kCutsAndKills && kills < kKills &&
          alice.sent >= (kills + 1) * alice_items / (kKills + 1)) {
        ++kills;
        if (!hushd.kill_and_restart()) {
          restart_failed = true;
          break;
        }
      }
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    everyone_done = true;
    stop = true;
    alice_thread.join();
    bob_thread.join();
    proxy.set_faults(Faults{});

    const ProxyCounters counters = proxy.counters();
    const double seconds = static_cast<double>(elapsed.count()) / 1000.0;
    std::printf(
        "[chaos] %s: %.1f s; proxy: %llu connections, %llu cuts, %llu target failures, %.1f MB up, "
        "%.1f MB down; alice %d connects %d losses, bob %d connects %d losses; %d kills\n",
        variant_name(variant), seconds, static_cast<unsigned long long>(counters.connections),
        static_cast<unsigned long long>(counters.cuts), static_cast<unsigned long long>(counters.target_failures),
        static_cast<double>(counters.bytes_to_target) / kMegabyte,
        static_cast<double>(counters.bytes_to_client) / kMegabyte, alice.report().connects, alice.report().losses,
        bob.report().connects, bob.report().losses, kills);
    RecordProperty("seconds", std::to_string(seconds));
    RecordProperty("cuts", static_cast<int>(counters.cuts));
    RecordProperty("kills", kills);
    if (variant == Variant::kFaultFree) {
      fault_free_seconds_ = seconds;
    } else if (fault_free_seconds_ > 0) {
      std::printf("[chaos] %s: %.2fx the fault-free run (%.1f s)\n", variant_name(variant),
                  seconds / fault_free_seconds_, fault_free_seconds_);
      RecordProperty("ratio_to_fault_free", std::to_string(seconds / fault_free_seconds_));
    }
    std::fflush(stdout);

    ASSERT_FALSE(restart_failed) << "hushd did not come back on port " << hushd.port() << "\n" << hushd.output();
    EXPECT_TRUE(alice.report().fatal.empty()) << alice.report().fatal;
    EXPECT_TRUE(bob.report().fatal.empty()) << bob.report().fatal;
    EXPECT_TRUE(alice.done && bob.done) << "not finished within " << kVariantDeadline.count() << " min: alice sent "
                                        << alice.sent << "/" << alice_items << ", bob has " << bob.texts_in << "/"
                                        << scale_.texts << " texts";
    if (variant != Variant::kFaultFree) {
      EXPECT_GT(counters.cuts, 0u) << "nothing was cut: the test tested nothing";
    }
    if (variant == Variant::kCutsAndKills) {
      EXPECT_EQ(kills, kKills);
    }

    // Bob's history: alice's texts and files exactly once, in the order she sent them.
    check_history(at_bob, "alice", alice_plan(scale_, alice_files_));
    // Alice's history: bob's files exactly once, in order.
    check_history(at_alice, "bob", bob_items);
    for (client::Messenger* messenger : {&at_alice, &at_bob}) {
      auto queued = messenger->queued();
      ASSERT_TRUE(queued.ok());
      EXPECT_TRUE(queued->empty()) << messenger->account().username() << "'s outbox still holds " << queued->size();
    }
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
  }

  // The incoming messages of `messenger` from `peer` are exactly `sent`, in order; files bit-exact.
  static void check_history(client::Messenger& messenger, const std::string& peer, const std::vector<Item>& sent) {
    auto history = messenger.history(peer);
    ASSERT_TRUE(history.ok());
    std::vector<const client::Message*> incoming;
    for (const client::Message& message : *history) {
      if (!message.outgoing) incoming.push_back(&message);
    }
    EXPECT_EQ(incoming.size(), sent.size()) << "lost or repeated messages from " << peer;
    for (std::size_t i = 0; i < std::min(incoming.size(), sent.size()); ++i) {
      const client::Message& got = *incoming[i];
      const Item& expected = sent[i];
      if (expected.file == nullptr) {
        if (got.kind != "text" || got.body != expected.text) {
          ADD_FAILURE() << "from " << peer << ", message " << i << " is " << got.kind << " '" << got.body
                        << "', expected '" << expected.text << "'";
          return;
        }
        continue;
      }
      if (got.kind != "file" || !got.attachment || got.attachment->file_name != expected.file->name) {
        ADD_FAILURE() << "from " << peer << ", message " << i << " is " << got.kind << " '" << got.body
                      << "', expected the file " << expected.file->name;
        return;
      }
      EXPECT_EQ(got.attachment->transfer, client::TransferState::kDone) << got.attachment->failure;
      EXPECT_EQ(sha256_of(got.attachment->path), expected.file->sha256) << expected.file->name << " is not bit-exact";
    }
  }

  static inline Scale scale_;
  static inline std::filesystem::path folder_;
  static inline std::vector<PlannedFile> alice_files_;
  static inline std::vector<PlannedFile> bob_files_;
  static inline double fault_free_seconds_ = 0;
};

// In this order (GoogleTest runs a file's tests in order): the baseline first, for the ratios.
TEST_F(ChaosTest, FaultFreeBaseline) {
  run_variant(Variant::kFaultFree);
}
TEST_F(ChaosTest, CutsEveryHalfToThreeSecondsLoseNothingDuplicateNothingKeepOrder) {
  run_variant(Variant::kCuts);
}
TEST_F(ChaosTest, CutsAndFiveHushdKillsLoseNothingDuplicateNothingKeepOrder) {
  run_variant(Variant::kCutsAndKills);
}

}  // namespace
}  // namespace hush::test
