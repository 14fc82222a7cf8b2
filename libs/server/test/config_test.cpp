// The config file and flags: the shipped example parses to the documented defaults, every key is
// documented, unknown keys and wrong types are errors naming the key, flags override the file.
#include "hush/server/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

namespace hush::server {
namespace {

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::filesystem::path kSource = HUSH_SOURCE_DIR;

// Every setting the file can change, compared field by field.
void expect_same_settings(const Options& a, const Options& b) {
  EXPECT_EQ(a.listen_address, b.listen_address);
  EXPECT_EQ(a.listen_port, b.listen_port);
  EXPECT_EQ(a.tls_certificate_file, b.tls_certificate_file);
  EXPECT_EQ(a.tls_private_key_file, b.tls_private_key_file);
  EXPECT_EQ(a.invite_only, b.invite_only);
  EXPECT_EQ(a.threads, b.threads);
  EXPECT_EQ(a.store, b.store);
  EXPECT_EQ(a.store_connections, b.store_connections);
  EXPECT_EQ(a.message_expiry, b.message_expiry);
  EXPECT_EQ(a.sweep_interval, b.sweep_interval);
  EXPECT_EQ(a.shutdown_grace, b.shutdown_grace);
  EXPECT_EQ(a.metrics_loopback_only, b.metrics_loopback_only);
  EXPECT_EQ(a.limits.max_envelope_size, b.limits.max_envelope_size);
  EXPECT_EQ(a.limits.max_envelopes_per_send, b.limits.max_envelopes_per_send);
  EXPECT_EQ(a.limits.max_devices_per_send_to_many, b.limits.max_devices_per_send_to_many);
  EXPECT_EQ(a.limits.requests_per_second, b.limits.requests_per_second);
  EXPECT_EQ(a.limits.requests_burst, b.limits.requests_burst);
  EXPECT_EQ(a.limits.media_chunks_per_second, b.limits.media_chunks_per_second);
  EXPECT_EQ(a.limits.media_chunks_burst, b.limits.media_chunks_burst);
  EXPECT_EQ(a.limits.registrations_per_ip_per_hour, b.limits.registrations_per_ip_per_hour);
  EXPECT_EQ(a.limits.registrations_per_ip_burst, b.limits.registrations_per_ip_burst);
  EXPECT_EQ(a.limits.bundle_fetches_per_account_per_minute, b.limits.bundle_fetches_per_account_per_minute);
  EXPECT_EQ(a.limits.bundle_fetches_per_account_burst, b.limits.bundle_fetches_per_account_burst);
  EXPECT_EQ(a.limits.connections_per_ip, b.limits.connections_per_ip);
  EXPECT_EQ(a.limits.max_outgoing_frames, b.limits.max_outgoing_frames);
  EXPECT_EQ(a.limits.delivery_batch, b.limits.delivery_batch);
  EXPECT_EQ(a.limits.idle_timeout, b.limits.idle_timeout);
  EXPECT_EQ(a.limits.handshake_timeout, b.limits.handshake_timeout);
  EXPECT_EQ(a.limits.key_low_threshold, b.limits.key_low_threshold);
  EXPECT_EQ(a.storage.max_username_length, b.storage.max_username_length);
  EXPECT_EQ(a.storage.max_devices_per_account, b.storage.max_devices_per_account);
  EXPECT_EQ(a.storage.max_one_time_prekeys_per_device, b.storage.max_one_time_prekeys_per_device);
  EXPECT_EQ(a.storage.max_envelope_size, b.storage.max_envelope_size);
  EXPECT_EQ(a.storage.max_queue_depth, b.storage.max_queue_depth);
  EXPECT_EQ(a.storage.max_fetch_count, b.storage.max_fetch_count);
  EXPECT_EQ(a.storage.max_upload_size, b.storage.max_upload_size);
  EXPECT_EQ(a.storage.media_quota_per_account, b.storage.media_quota_per_account);
  EXPECT_EQ(a.storage.max_media_chunk_size, b.storage.max_media_chunk_size);
}

std::string error_of(std::string_view text) {
  Options options;
  auto applied = apply_config_text(text, options);
  return applied.ok() ? std::string("(accepted)") : applied.error();
}

TEST(Config, ShippedExampleStatesExactlyTheDefaults) {
  Options parsed;
  auto applied = apply_config_file(kSource / "apps/hushd/hushd.example.toml", parsed);
  ASSERT_TRUE(applied.ok()) << applied.error();
  EXPECT_EQ(parsed.data_dir, "/var/lib/hushd");
  expect_same_settings(parsed, Options{});
}

TEST(Config, EveryKeyIsInTheExampleAndTheReference) {
  const std::string example = read_text(kSource / "apps/hushd/hushd.example.toml");
  const std::string reference = read_text(kSource / "docs/configuration.md");
  ASSERT_FALSE(reference.empty());
  for (const std::string_view dotted : config_keys()) {
    const std::string key(dotted.substr(dotted.find('.') == std::string_view::npos ? 0 : dotted.find('.') + 1));
    EXPECT_NE(example.find("\n" + key + " = "), std::string::npos) << dotted << " missing from the example";
    EXPECT_NE(reference.find("`" + std::string(dotted) + "`"), std::string::npos)
        << dotted << " missing from docs/configuration.md";
  }
}

TEST(Config, FullFileSetsEveryField) {
  Options options;
  auto applied = apply_config_text(R"(
listen = "[::]:8443"
data_dir = "/srv/hush"
tls_certificate = "/etc/hushd/cert.pem"
tls_private_key = "/etc/hushd/key.pem"
invite_only = true
threads = 3
message_expiry_hours = 48
sweep_interval_seconds = 30
shutdown_grace_seconds = 0
metrics_loopback_only = false
[limits]
max_envelope_size = 1000
max_envelopes_per_send = 4
max_devices_per_send_to_many = 33
requests_per_second = 7
requests_burst = 9
media_chunks_per_second = 11
media_chunks_burst = 12
registrations_per_ip_per_hour = 2
registrations_per_ip_burst = 3
bundle_fetches_per_account_per_minute = 6
bundle_fetches_per_account_burst = 2
connections_per_ip = 5
max_outgoing_frames = 64
delivery_batch = 8
idle_timeout_seconds = 90
handshake_timeout_seconds = 4
key_low_threshold = 0
[storage]
max_username_length = 32
max_devices_per_account = 2
max_one_time_prekeys_per_device = 100
max_envelope_size = 2000
max_queue_depth = 50
max_fetch_count = 10
max_upload_size = 4096
media_quota_per_account = 8192
max_media_chunk_size = 512
)",
                                   options);
  ASSERT_TRUE(applied.ok()) << applied.error();
  EXPECT_EQ(options.listen_address, "::");
  EXPECT_EQ(options.listen_port, 8443);
  EXPECT_EQ(options.data_dir, "/srv/hush");
  EXPECT_EQ(options.tls_certificate_file, "/etc/hushd/cert.pem");
  EXPECT_EQ(options.tls_private_key_file, "/etc/hushd/key.pem");
  EXPECT_TRUE(options.invite_only);
  EXPECT_EQ(options.threads, 3u);
  EXPECT_EQ(options.message_expiry, std::chrono::hours(48));
  EXPECT_EQ(options.sweep_interval, std::chrono::seconds(30));
  EXPECT_EQ(options.shutdown_grace, std::chrono::seconds(0));
  EXPECT_FALSE(options.metrics_loopback_only);
  EXPECT_EQ(options.limits.max_envelope_size, 1000u);
  EXPECT_EQ(options.limits.max_envelopes_per_send, 4u);
  EXPECT_EQ(options.limits.max_devices_per_send_to_many, 33u);
  EXPECT_EQ(options.limits.requests_per_second, 7u);
  EXPECT_EQ(options.limits.requests_burst, 9u);
  EXPECT_EQ(options.limits.media_chunks_per_second, 11u);
  EXPECT_EQ(options.limits.media_chunks_burst, 12u);
  EXPECT_EQ(options.limits.registrations_per_ip_per_hour, 2u);
  EXPECT_EQ(options.limits.registrations_per_ip_burst, 3u);
  EXPECT_EQ(options.limits.bundle_fetches_per_account_per_minute, 6u);
  EXPECT_EQ(options.limits.bundle_fetches_per_account_burst, 2u);
  EXPECT_EQ(options.limits.connections_per_ip, 5u);
  EXPECT_EQ(options.limits.max_outgoing_frames, 64u);
  EXPECT_EQ(options.limits.delivery_batch, 8u);
  EXPECT_EQ(options.limits.idle_timeout, std::chrono::seconds(90));
  EXPECT_EQ(options.limits.handshake_timeout, std::chrono::seconds(4));
  EXPECT_EQ(options.limits.key_low_threshold, 0u);
  EXPECT_EQ(options.storage.max_username_length, 32u);
  EXPECT_EQ(options.storage.max_devices_per_account, 2u);
  EXPECT_EQ(options.storage.max_one_time_prekeys_per_device, 100u);
  EXPECT_EQ(options.storage.max_envelope_size, 2000u);
  EXPECT_EQ(options.storage.max_queue_depth, 50u);
  EXPECT_EQ(options.storage.max_fetch_count, 10u);
  EXPECT_EQ(options.storage.max_upload_size, 4096u);
  EXPECT_EQ(options.storage.media_quota_per_account, 8192u);
  EXPECT_EQ(options.storage.max_media_chunk_size, 512u);
}

TEST(Config, UnknownKeysAreErrorsNamingTheKey) {
  EXPECT_NE(error_of("listn = \"127.0.0.1:1\"\n").find("unknown config key 'listn'"), std::string::npos);
  EXPECT_NE(error_of("[limits]\nrequest_per_second = 5\n").find("'limits.request_per_second'"), std::string::npos);
  EXPECT_NE(error_of("[metrics]\nenabled = true\n").find("'metrics'"), std::string::npos);
  // A key of one section is unknown in another.
  EXPECT_NE(error_of("[storage]\nidle_timeout_seconds = 5\n").find("'storage.idle_timeout_seconds'"),
            std::string::npos);
}

TEST(Config, WrongTypesAndRangesAreErrorsNamingTheKey) {
  EXPECT_NE(error_of("threads = \"4\"\n").find("'threads' must be an integer"), std::string::npos);
  EXPECT_NE(error_of("invite_only = 1\n").find("'invite_only' must be true or false"), std::string::npos);
  EXPECT_NE(error_of("data_dir = 5\n").find("'data_dir' must be a string"), std::string::npos);
  EXPECT_NE(error_of("limits = 3\n").find("'limits' must be a table"), std::string::npos);
  EXPECT_NE(error_of("sweep_interval_seconds = 1.5\n").find("'sweep_interval_seconds' must be an integer"),
            std::string::npos);
  EXPECT_NE(error_of("[limits]\nconnections_per_ip = 0\n").find("'limits.connections_per_ip' must be between 1"),
            std::string::npos);
  EXPECT_NE(error_of("[limits]\nrequests_per_second = 5000000000\n").find("'limits.requests_per_second'"),
            std::string::npos);
  EXPECT_NE(error_of("[limits]\nbundle_fetches_per_account_per_minute = 0\n")
                .find("'limits.bundle_fetches_per_account_per_minute' must be between 1"),
            std::string::npos);
  EXPECT_NE(error_of("[storage]\nmax_queue_depth = -1\n").find("'storage.max_queue_depth'"), std::string::npos);
  EXPECT_NE(error_of("listen = \"localhost\"\n").find("listen expects HOST:PORT"), std::string::npos);
  EXPECT_NE(error_of("listen = \"127.0.0.1:65536\"\n").find("listen expects HOST:PORT"), std::string::npos);
}

TEST(Config, StoreIsSqliteOrAPostgresUri) {
  Options options;
  ASSERT_TRUE(
      apply_config_text("store = \"postgresql://hush@10.0.0.5:5432/hush\"\nstore_connections = 16\n", options).ok());
  EXPECT_EQ(options.store, "postgresql://hush@10.0.0.5:5432/hush");
  EXPECT_EQ(options.store_connections, 16u);
  ASSERT_TRUE(apply_config_text("store = \"sqlite\"\n", options).ok());
  EXPECT_EQ(options.store, "");
  EXPECT_NE(error_of("store = \"mysql://db/hush\"\n").find("store: \"sqlite\" or a PostgreSQL URI"), std::string::npos);
  EXPECT_NE(error_of("store_connections = 0\n").find("'store_connections' must be between 1 and 256"),
            std::string::npos);
  EXPECT_NE(error_of("store_connections = 257\n").find("'store_connections' must be between 1 and 256"),
            std::string::npos);

  CommandLine command_line;
  command_line.data_dir = "/srv/hush";
  command_line.store = "postgres://hush@127.0.0.1:5432/hush";
  auto resolved = resolve_options(command_line);
  ASSERT_TRUE(resolved.ok()) << resolved.error();
  EXPECT_EQ(resolved->store, "postgres://hush@127.0.0.1:5432/hush");
  command_line.store = "file:///tmp/x";
  resolved = resolve_options(command_line);
  ASSERT_FALSE(resolved.ok());
  EXPECT_NE(resolved.error().find("--store"), std::string::npos);
}

TEST(Config, SyntaxErrorsGiveTheLine) {
  Options options;
  auto applied = apply_config_text("threads = 2\nlisten = \n", options, "hushd.toml");
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().rfind("hushd.toml:2:", 0), 0u) << applied.error();
  EXPECT_FALSE(apply_config_file("/nonexistent/hushd.toml", options).ok());
}

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "hushd-config-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::filesystem::path write(const std::string& text) {
    const auto file = dir_ / "hushd.toml";
    std::ofstream(file) << text;
    return file;
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigFile, FlagsOverrideTheFileAndTheRestComesFromIt) {
  CommandLine command_line;
  command_line.config_file = write(
      "listen = \"0.0.0.0:9000\"\ndata_dir = \"/from/file\"\nthreads = 4\ninvite_only = true\n"
      "[limits]\nidle_timeout_seconds = 120\n");
  command_line.listen = "127.0.0.1:1234";
  command_line.threads = 1;
  command_line.invite_only = false;
  auto options = resolve_options(command_line);
  ASSERT_TRUE(options.ok()) << options.error();
  EXPECT_EQ(options->listen_address, "127.0.0.1");                               // flag
  EXPECT_EQ(options->listen_port, 1234);                                         // flag
  EXPECT_EQ(options->threads, 1u);                                               // flag
  EXPECT_FALSE(options->invite_only);                                            // flag
  EXPECT_EQ(options->data_dir, "/from/file");                                    // file
  EXPECT_EQ(options->limits.idle_timeout, std::chrono::seconds(120));            // file
  EXPECT_EQ(options->limits.requests_per_second, Limits{}.requests_per_second);  // default

  command_line.data_dir = "/from/flag";
  options = resolve_options(command_line);
  ASSERT_TRUE(options.ok()) << options.error();
  EXPECT_EQ(options->data_dir, "/from/flag");
}

TEST_F(ConfigFile, ResolveNeedsADataFolderAndCertificateWithKey) {
  CommandLine command_line;
  auto missing = resolve_options(command_line);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("data_dir"), std::string::npos);

  command_line.config_file = write("data_dir = \"/d\"\ntls_certificate = \"/c.pem\"\n");
  auto half = resolve_options(command_line);
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.error().find("tls_private_key"), std::string::npos);
  command_line.tls_private_key_file = "/k.pem";
  EXPECT_TRUE(resolve_options(command_line).ok());

  command_line.config_file = write("data_dir = \"/d\"\nthreads = -2\n");
  auto bad = resolve_options(command_line);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("'threads'"), std::string::npos);
}

TEST(Config, ListenAcceptsBracketedIpv6AndRejectsGarbage) {
  Options options;
  ASSERT_TRUE(apply_listen("[::1]:443", options, "--listen").ok());
  EXPECT_EQ(options.listen_address, "::1");
  EXPECT_EQ(options.listen_port, 443);
  EXPECT_FALSE(apply_listen(":443", options, "--listen").ok());
  EXPECT_FALSE(apply_listen("host:", options, "--listen").ok());
  EXPECT_FALSE(apply_listen("host:44a", options, "--listen").ok());
  EXPECT_NE(apply_listen("host", options, "--listen").error().find("--listen"), std::string::npos);
}

}  // namespace
}  // namespace hush::server
