// An in-process hushd for integration tests: a temporary data folder with a self-signed
// certificate and an SQLite database (behind a switch that can make it fail), the server on an
// ephemeral loopback port, and its log lines captured. Each test gets its own server.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "hush/server/server.hpp"
#include "hush/server/tls_setup.hpp"
#include "hush/storage/sqlite_storage.hpp"
#include "switchable_storage.hpp"
#include "test_client.hpp"

namespace hush::test {

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "hushd-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    data_dir_ = pattern;
    auto files = server::ensure_self_signed_tls(data_dir_);
    ASSERT_TRUE(files.ok());
    tls_ = *files;
    std::ifstream in(tls_.certificate);
    std::stringstream text;
    text << in.rdbuf();
    certificate_pem_ = text.str();
  }

  void TearDown() override {
    stop_server();
    std::error_code ignored;
    std::filesystem::remove_all(data_dir_, ignored);
  }

  // Starts the server with the test defaults, changed by `customize`, over an SQLite backend that
  // enforces `storage_limits` (the server reads them from the backend, as Storage::options()).
  // The server reaches the backend through storage_, which a test may switch off.
  void start_server(const std::function<void(server::Options&)>& customize = {},
                    const storage::Options& storage_limits = {}) {
    server::Options options;
    options.listen_address = "127.0.0.1";
    options.listen_port = 0;
    options.data_dir = data_dir_;
    options.tls_certificate_file = tls_.certificate;
    options.tls_private_key_file = tls_.private_key;
    options.threads = 2;
    options.shutdown_grace = std::chrono::seconds(3);
    options.log_sink = [this](std::string_view line) {
      std::lock_guard lock(log_mutex_);
      log_lines_.emplace_back(line);
    };
    if (customize) customize(options);
    storage::SqliteOptions storage_options;
    storage_options.limits = storage_limits;
    auto storage = storage::open_sqlite_storage(data_dir_, storage_options);
    ASSERT_TRUE(storage.ok());
    storage_ = std::make_unique<SwitchableStorage>(std::move(*storage));
    server_ = std::make_unique<server::Server>(options, *storage_);
    ASSERT_EQ(server_->start(), "");
    port_ = server_->port();
  }

  void stop_server() {
    server_.reset();
    storage_.reset();
  }

  std::unique_ptr<TestClient> connect() { return std::make_unique<TestClient>(port_, certificate_pem_); }

  // A connected client registered as `username` with `device`; asserts success.
  std::unique_ptr<TestClient> registered(const std::string& username, const TestDevice& device) {
    auto client = connect();
    const api::Response response = client->register_account(username, device);
    EXPECT_EQ(response.status().code(), api::Status::OK) << response.status().reason();
    return client;
  }

  std::unique_ptr<TestClient> logged_in(const std::string& username, std::uint32_t device_id,
                                        const TestDevice& device) {
    auto client = connect();
    const api::Response response = client->authenticate(username, device_id, device);
    EXPECT_EQ(response.status().code(), api::Status::OK) << response.status().reason();
    return client;
  }

  std::string all_logs() {
    std::lock_guard lock(log_mutex_);
    std::string out;
    for (const std::string& line : log_lines_) out += line + "\n";
    return out;
  }

  std::filesystem::path data_dir_;
  server::TlsFiles tls_;
  std::string certificate_pem_;
  std::unique_ptr<SwitchableStorage> storage_;  // the SQLite backend behind a switch
  std::unique_ptr<server::Server> server_;
  std::uint16_t port_ = 0;
  std::mutex log_mutex_;
  std::vector<std::string> log_lines_;
};

// Request builders.
inline api::Request upload_keys_request(TestDevice& device, std::uint32_t first_prekey, std::uint32_t prekeys,
                                        bool with_last_resort = true, bool corrupt_signature = false) {
  api::Request request;
  auto* body = request.mutable_upload_keys();
  *body->mutable_signed_prekey() = device.signed_prekey(1, corrupt_signature);
  for (std::uint32_t i = 0; i < prekeys; ++i) *body->add_one_time_prekeys() = device.prekey(first_prekey + i);
  if (with_last_resort) *body->mutable_last_resort() = device.prekey(0xFFFFFF);
  return request;
}

inline std::string message_id(std::uint8_t n) {
  return std::string(15, 'm') + static_cast<char>(n);
}

inline api::Request send_request(const std::string& recipient, const std::string& id,
                                 std::initializer_list<std::pair<std::uint32_t, std::uint32_t>> devices,
                                 const std::string& content) {
  api::Request request;
  auto* body = request.mutable_send();
  body->set_recipient(recipient);
  body->set_message_id(id);
  for (const auto& [device_id, registration_id] : devices) {
    auto* envelope = body->add_envelopes();
    envelope->set_device_id(device_id);
    envelope->set_registration_id(registration_id);
    envelope->set_type(2);
    envelope->set_content(content);
  }
  return request;
}

}  // namespace hush::test
