// The hushd binary itself: first start creates the self-signed certificate and prints its
// fingerprint, `hushd invite` tokens work with --invite-only, every acknowledged send survives a
// SIGKILL (delivered exactly once after a restart), and SIGTERM closes connections with
// service_restart and exits 0.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "hush/server/tls_setup.hpp"
#include "hushd_process.hpp"
#include "server_fixture.hpp"

namespace hush::test {
namespace {

std::string run_invite(const std::filesystem::path& data) {
  const std::string command = std::string(HUSH_HUSHD_PATH) + " invite --data " + data.string();
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  char line[256] = {};
  std::string token = std::fgets(line, sizeof line, pipe) ? line : "";
  ::pclose(pipe);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(HushdProcess, AcknowledgedSendsSurviveSigkillAndSigtermExitsCleanly) {
  std::string pattern = (std::filesystem::temp_directory_path() / "hushd-proc-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const std::filesystem::path data = pattern;
  const std::vector<std::string> args = {"--data",        data.string(), "--listen", "127.0.0.1:0",
                                         "--invite-only", "--threads",   "2"};
  const std::string alice_invite = run_invite(data);
  const std::string bob_invite = run_invite(data);
  ASSERT_EQ(alice_invite.size(), 32u);
  ASSERT_NE(alice_invite, bob_invite);

  TestDevice alice(1), bob(2);
  constexpr int kMessages = 200;
  constexpr int kAwaited = 100;  // acknowledgements read before the kill
  int acknowledged = 0;
  {
    HushdProcess first(args);
    const std::string fingerprint_line = first.wait_for("fingerprint");
    const std::uint16_t port = first.port();
    ASSERT_NE(port, 0) << first.output();
    auto fingerprint = server::certificate_file_fingerprint(data / "tls" / "cert.pem");
    ASSERT_TRUE(fingerprint.ok());
    EXPECT_NE(fingerprint_line.find(*fingerprint), std::string::npos);
    const std::string certificate = read_text(data / "tls" / "cert.pem");

    TestClient a(port, certificate);
    ASSERT_EQ(a.register_account("alice", alice, "not-a-token").status().reason(), "invalid_invite");
    ASSERT_EQ(a.register_account("alice", alice, alice_invite).status().code(), api::Status::OK);
    {
      TestClient b(port, certificate);
      ASSERT_EQ(b.register_account("bob", bob, bob_invite).status().code(), api::Status::OK);
    }
    // Pipelined sends (gathered by the group committer); every acknowledged one must survive.
    std::vector<std::uint64_t> ids;
    for (int i = 0; i < kMessages; ++i) {
      ids.push_back(a.send(send_request("bob", message_id(static_cast<std::uint8_t>(i)), {{1, bob.registration_id}},
                                        "envelope-" + std::to_string(i))));
    }
    for (int i = 0; i < kAwaited; ++i) {
      auto response = a.wait_response(ids[static_cast<std::size_t>(i)], 10s);
      ASSERT_TRUE(response);
      ASSERT_EQ(response->status().code(), api::Status::OK) << response->status().reason();
    }
    // Mid-load: more sends are in flight. Count what else was acknowledged already.
    acknowledged = kAwaited;
    while (acknowledged < kMessages) {
      auto response = a.wait_response(ids[static_cast<std::size_t>(acknowledged)], 0ms);
      if (!response || response->status().code() != api::Status::OK) break;
      ++acknowledged;
    }
    first.signal(SIGKILL);
    EXPECT_NE(first.wait_exit(5s), 0);
  }
  HushdProcess second(args);
  const std::uint16_t port = second.port();
  ASSERT_NE(port, 0) << second.output();
  const std::string certificate = read_text(data / "tls" / "cert.pem");
  TestClient b(port, certificate);
  ASSERT_EQ(b.authenticate("bob", 1, bob).status().code(), api::Status::OK);
  // Every acknowledged envelope arrives, in order, once; unacknowledged ones may or may not.
  int delivered = 0;
  for (;;) {
    auto push = b.next_push();
    ASSERT_TRUE(push);
    if (push->has_queue_empty()) break;
    ASSERT_TRUE(push->has_envelope());
    ASSERT_EQ(push->envelope().content(), "envelope-" + std::to_string(delivered)) << "out of order or repeated";
    ++delivered;
  }
  EXPECT_GE(delivered, acknowledged);
  EXPECT_LE(delivered, kMessages);

  second.signal(SIGTERM);
  EXPECT_EQ(b.wait_closed(5s), "service_restart");
  EXPECT_EQ(second.wait_exit(8s), 0);
  std::error_code ignored;
  std::filesystem::remove_all(data, ignored);
}

}  // namespace
}  // namespace hush::test
