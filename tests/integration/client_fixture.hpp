// The fixture of the client library's integration tests: a real in-process hushd over TLS and
// helpers to register, reopen, send and receive from homes in a temporary folder.
#pragma once

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>

#include "hush/client/account/device_link.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "server_fixture.hpp"

namespace hush::test {

using client::Account;
using client::Messenger;

class ClientFixture : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    std::string pattern = (std::filesystem::temp_directory_path() / "hush-client-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    homes_ = pattern;
    start_server();
  }
  void TearDown() override {
    ServerFixture::TearDown();
    std::error_code ignored;
    std::filesystem::remove_all(homes_, ignored);
  }

  client::ServerSettings settings() const {
    auto pin = client::parse_fingerprint(tls_.fingerprint_hex);
    EXPECT_TRUE(pin.has_value());
    return {{"127.0.0.1", port_}, client::PinnedCertificate{pin.value_or(crypto::Sha256Digest{})}};
  }
  static client::AccountOptions options() {
    client::AccountOptions options;
    options.prekey_batch = 10;
    options.store.kdf = {client::kMinKdfOperations, client::kMinKdfMemory};  // tests only: fast unlock
    options.connection.connect_timeout = 5s;
    options.connection.request_timeout = 5s;
    return options;
  }
  static client::Unlock unlock() { return client::Passphrase{crypto::SecretBytes(as_bytes("correct horse battery"))}; }

  std::unique_ptr<Account> register_home(const std::string& name) {
    auto account = Account::register_new(homes_ / name, unlock(), settings(), name, "", rng_, options());
    EXPECT_TRUE(account.ok()) << (account.ok() ? "" : client::describe(account.error()));
    return account.ok() ? std::move(*account) : nullptr;
  }
  std::unique_ptr<Account> reopen(const std::string& name) {
    auto account = Account::open(homes_ / name, unlock(), rng_, options());
    EXPECT_TRUE(account.ok()) << (account.ok() ? "" : client::describe(account.error()));
    if (!account.ok()) return nullptr;
    auto logged_in = (*account)->log_in();
    EXPECT_TRUE(logged_in.ok()) << (logged_in.ok() ? "" : client::describe(logged_in.error()));
    return std::move(*account);
  }
  // Everything receive() reports: messages, receipts, identity changes.
  static std::vector<client::Message> receive_all(Messenger& messenger, client::ReceiveOptions options = {}) {
    auto received = messenger.receive(700ms, options);
    EXPECT_TRUE(received.ok()) << (received.ok() ? "" : client::describe(received.error()));
    return received.ok() ? std::move(*received) : std::vector<client::Message>{};
  }
  // The messages only (receipts left out).
  static std::vector<client::Message> receive(Messenger& messenger) {
    std::vector<client::Message> messages;
    for (auto& event : receive_all(messenger)) {
      if (event.kind != "receipt") messages.push_back(std::move(event));
    }
    return messages;
  }
  // Links a new device (home `home_name`) to the account `approver` runs, as two people would:
  // Account::link_new waits on a thread and the code it shows is approved here (add_device).
  // `rng` must outlive the new account; `contacts` gets the contacts that came with it.
  std::unique_ptr<Account> link_device(Messenger& approver, const std::string& home_name, crypto::Rng& rng,
                                       std::vector<std::string>& contacts,
                                       client::AccountOptions account_options = options()) {
    std::promise<std::string> shown;
    auto linked = std::async(std::launch::async, [&] {
      return Account::link_new(
          homes_ / home_name, unlock(), settings(), rng, [&](const std::string& code) { shown.set_value(code); }, 30s,
          contacts, std::move(account_options));
    });
    auto code = shown.get_future();
    if (code.wait_for(30s) != std::future_status::ready) {
      ADD_FAILURE() << "no link code shown";
      return nullptr;
    }
    const std::string text = code.get();
    EXPECT_TRUE(client::parse_link_code(text)) << text;
    auto approved = approver.add_device(text);
    EXPECT_TRUE(approved.ok()) << (approved.ok() ? "" : client::describe(approved.error()));
    auto account = linked.get();
    EXPECT_TRUE(account.ok()) << (account.ok() ? "" : client::describe(account.error()));
    return account.ok() ? std::move(*account) : nullptr;
  }
  static void send(Messenger& messenger, const std::string& to, const std::string& text) {
    auto sent = messenger.send_text(to, text);
    ASSERT_TRUE(sent.ok()) << client::describe(sent.error());
    EXPECT_EQ(sent->size(), wire::kMessageIdSize);
  }
  static std::uint32_t server_prekey_count(Account& account) {
    api::Request request;
    request.mutable_key_status();
    auto response = account.connection().call(std::move(request));
    EXPECT_TRUE(response.ok());
    return response.ok() ? response->key_count().one_time_prekeys() : 0;
  }
  // True when any file of the server's data folder contains `text`.
  bool server_files_contain(const std::string& text) const {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir_)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (bytes.find(text) != std::string::npos) return true;
    }
    return false;
  }

  // Runs `sql` on the server's SQLite file with the sqlite3 shell; returns what it printed.
  std::string server_sql(const std::string& sql) const {
    const std::string command = "sqlite3 '" + (data_dir_ / "hush.sqlite3").string() + "' \"" + sql + "\"";
    std::string output;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
      char buffer[256];
      while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
      EXPECT_EQ(::pclose(pipe), 0) << command;
    }
    return output;
  }

  std::filesystem::path homes_;
  crypto::SystemRng rng_;
};

}  // namespace hush::test
