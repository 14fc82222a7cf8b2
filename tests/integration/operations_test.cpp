// Operations over real TLS on loopback: GET /health (also while the storage fails) and GET /metrics
// on the API's own port, the counters moving with real traffic (requests, envelopes stored,
// duplicate, delivered, acknowledged, group commits, closes by reason), and the `hushd --config`
// command line.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <sstream>
#include <thread>

#include "server_fixture.hpp"

namespace hush::test {
namespace {

// The value of the sample `series` (name with labels) on a metrics page, or -1 when absent.
long long metric(const std::string& page, const std::string& series) {
  std::istringstream lines(page);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stoll(line.substr(series.size() + 1));
  }
  return -1;
}

class Operations : public ServerFixture {
 protected:
  std::string metrics_page() {
    const HttpReply reply = https_get(port_, certificate_pem_, "/metrics");
    EXPECT_EQ(reply.status, 200);
    return reply.body;
  }

  // Polls /metrics until `series` reaches `value` (the server counts a close just after the
  // client sees it); bounded.
  long long wait_metric(const std::string& series, long long value) {
    long long seen = -1;
    for (int i = 0; i < 100 && seen != value; ++i) {
      seen = metric(metrics_page(), series);
      if (seen != value) std::this_thread::sleep_for(20ms);
    }
    return seen;
  }
};

TEST_F(Operations, HealthAnswersOkWhenStorageAnswers) {
  start_server();
  const HttpReply health = https_get(port_, certificate_pem_, "/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  EXPECT_EQ(https_get(port_, certificate_pem_, "/health?verbose=1").status, 200);
  EXPECT_EQ(https_get(port_, certificate_pem_, "/nothing-here").status, 404);
  // An HTTP request is not a session: the API still works beside it.
  TestDevice alice(1);
  registered("alice", alice);
  EXPECT_EQ(wait_metric("hushd_connections_closed_total{reason=\"http_served\"}", 3), 3);
}

TEST_F(Operations, HealthAnswers503WhileStorageFailsAndOkOnceItRecovers) {
  start_server();
  ASSERT_EQ(https_get(port_, certificate_pem_, "/health").status, 200);
  storage_->set_available(false);
  const HttpReply down = https_get(port_, certificate_pem_, "/health");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.body, "storage unavailable\n");
  storage_->set_available(true);
  const HttpReply recovered = https_get(port_, certificate_pem_, "/health");
  EXPECT_EQ(recovered.status, 200);
  EXPECT_EQ(recovered.body, "ok\n");
  // The failed check is counted for the operator.
  EXPECT_EQ(metric(metrics_page(), "hushd_storage_errors_total{operation=\"health\"}"), 1);
}

TEST_F(Operations, MetricsCountRealTraffic) {
  start_server();
  TestDevice alice(1), bob(2);
  auto a = registered("alice", alice);
  auto b = registered("bob", bob);
  ASSERT_TRUE(b->next_push()->has_queue_empty());

  // Two messages and a resend of the first: two stored, one duplicate.
  for (const int n : {1, 2, 1}) {
    auto sent = a->call(
        send_request("bob", message_id(static_cast<std::uint8_t>(n)), {{1, bob.registration_id}}, "ciphertext"));
    ASSERT_TRUE(sent);
    ASSERT_EQ(sent->status().code(), api::Status::OK) << sent->status().reason();
  }
  api::Request ack;
  for (int i = 0; i < 2; ++i) {
    auto push = b->next_push();
    ASSERT_TRUE(push && push->has_envelope());
    ack.mutable_acknowledge()->add_sequences(push->envelope().sequence());
  }
  auto acked = b->call(ack);
  ASSERT_TRUE(acked);
  ASSERT_EQ(acked->status().code(), api::Status::OK);
  // A request that fails is counted under its status.
  api::Request stale = send_request("bob", message_id(9), {{7, 1}}, "x");
  auto refused = a->call(stale);
  ASSERT_TRUE(refused);
  ASSERT_EQ(refused->status().code(), api::Status::STALE_DEVICES);

  const std::string page = metrics_page();
  EXPECT_EQ(metric(page, "hushd_requests_total{type=\"register_account\",status=\"ok\"}"), 2) << page;
  EXPECT_EQ(metric(page, "hushd_requests_total{type=\"send\",status=\"ok\"}"), 3);
  EXPECT_EQ(metric(page, "hushd_requests_total{type=\"send\",status=\"stale_devices\"}"), 1);
  EXPECT_EQ(metric(page, "hushd_requests_total{type=\"acknowledge\",status=\"ok\"}"), 1);
  EXPECT_EQ(metric(page, "hushd_envelopes_stored_total"), 2);
  EXPECT_EQ(metric(page, "hushd_envelopes_duplicate_total"), 1);
  EXPECT_EQ(metric(page, "hushd_envelopes_delivered_total"), 2);
  EXPECT_EQ(metric(page, "hushd_envelopes_acknowledged_total"), 2);
  EXPECT_EQ(metric(page, "hushd_commit_batch_envelopes_sum"), 3);
  // Three sends and one acknowledgement: at most four commits (fewer when they shared one).
  const long long batches = metric(page, "hushd_commit_batch_envelopes_count");
  EXPECT_GE(batches, 1);
  EXPECT_LE(batches, 4);
  EXPECT_EQ(metric(page, "hushd_connections_authenticated"), 2);
  EXPECT_EQ(metric(page, "hushd_connections_open"), 3);  // two clients and this request
  EXPECT_EQ(metric(page, "hushd_connections_total"), 3);
  EXPECT_GE(metric(page, "hushd_frames_in_total"), 7);    // 2 registrations, 4 sends, 1 ack
  EXPECT_GE(metric(page, "hushd_frames_out_total"), 11);  // answers, challenges, envelopes, queue_empty
  EXPECT_EQ(metric(page, "hushd_storage_errors_total{operation=\"commit\"}"), 0);
  EXPECT_EQ(metric(page, "hushd_envelopes_expired_total"), 0);
  // No user data: neither usernames nor contents appear on the page.
  EXPECT_EQ(page.find("alice"), std::string::npos);
  EXPECT_EQ(page.find("ciphertext"), std::string::npos);

  // Closes are counted by reason, and a logged-in connection leaves the gauge.
  const Bytes garbage(40, 0xEE);
  b->send_raw(garbage);
  EXPECT_EQ(b->wait_closed(), "malformed_frame");
  EXPECT_EQ(wait_metric("hushd_connections_closed_total{reason=\"malformed_frame\"}", 1), 1);
  EXPECT_EQ(metric(metrics_page(), "hushd_connections_authenticated"), 1);
}

TEST_F(Operations, MediaBytesAreCounted) {
  start_server();
  TestDevice alice(1);
  auto a = registered("alice", alice);
  api::Request create;
  create.mutable_create_upload()->set_size(1000);
  auto created = a->call(create);
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status().code(), api::Status::OK) << created->status().reason();
  api::Request chunk;
  chunk.mutable_append_chunk()->set_media_id(created->upload_created().media_id());
  chunk.mutable_append_chunk()->set_offset(0);
  chunk.mutable_append_chunk()->set_data(std::string(600, 'z'));
  auto appended = a->call(chunk);
  ASSERT_TRUE(appended);
  ASSERT_EQ(appended->status().code(), api::Status::OK) << appended->status().reason();
  EXPECT_EQ(metric(metrics_page(), "hushd_media_bytes_stored_total"), 600);
}

// hushd --config: a bad key stops it with a message naming the key; flags override the file.
std::pair<int, std::string> run_hushd(const std::string& arguments) {
  const std::string command = std::string(HUSH_HUSHD_PATH) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string output;
  char chunk[512];
  while (std::fgets(chunk, sizeof chunk, pipe) != nullptr) output += chunk;
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST_F(Operations, HushdRejectsABadConfigFileNamingTheKey) {
  const auto file = data_dir_ / "hushd.toml";
  std::ofstream(file) << "data_dir = \"" << data_dir_.string() << "\"\n[limits]\nconections_per_ip = 5\n";
  const auto [status, output] = run_hushd("--config " + file.string());
  EXPECT_EQ(status, 2);
  EXPECT_NE(output.find("unknown config key 'limits.conections_per_ip'"), std::string::npos) << output;

  std::ofstream(file) << "listen = \"127.0.0.1:0\"\n";  // no data_dir: the flag gives it
  const auto [invite_status, token] = run_hushd("invite --config " + file.string() + " --data " + data_dir_.string());
  EXPECT_EQ(invite_status, 0) << token;
  EXPECT_EQ(token.size(), 33u) << token;  // 32 hex digits and a newline

  const auto [help_status, help] = run_hushd("--help");
  EXPECT_EQ(help_status, 0);
  EXPECT_NE(help.find("--config"), std::string::npos);
  EXPECT_NE(help.find("hushd --data ./hushd-data"), std::string::npos);
}

}  // namespace
}  // namespace hush::test
