// The TOML file and the flag overrides: one table of keys, each with its type, range and the
// Options field it sets. toml++ throws on a syntax error; that stays inside this file.
#include "hush/server/config.hpp"

#include <toml++/toml.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

namespace hush::server {
namespace {

using Status = Result<void, std::string>;
using Setter = std::function<Status(Options&, const toml::node&, const std::string& key)>;

struct Key {
  std::string_view name;  // dotted: "limits.connections_per_ip"
  Setter set;
};

Status wrong_type(const std::string& key, std::string_view expected) {
  return fail("config key '" + key + "' must be " + std::string(expected));
}

Result<std::int64_t, std::string> integer_in(const toml::node& node, const std::string& key, std::int64_t min,
                                             std::int64_t max) {
  const auto* value = node.as_integer();
  if (value == nullptr) return fail("config key '" + key + "' must be an integer");
  const std::int64_t number = value->get();
  if (number < min || number > max) {
    return fail("config key '" + key + "' must be between " + std::to_string(min) + " and " + std::to_string(max) +
                ", got " + std::to_string(number));
  }
  return number;
}

// An integer field of Options (`get` returns its address), within [min, max] (max defaults to what the
// field holds).
template <class Get>
Setter integer(Get get, std::int64_t min, std::int64_t max = std::numeric_limits<std::int64_t>::max()) {
  return [get, min, max](Options& options, const toml::node& node, const std::string& key) -> Status {
    auto& field = *get(options);
    using Field = std::remove_reference_t<decltype(field)>;
    const auto field_max = static_cast<std::int64_t>(
        std::min<std::uint64_t>(std::numeric_limits<Field>::max(), std::numeric_limits<std::int64_t>::max()));
    auto number = integer_in(node, key, min, std::min(max, field_max));
    if (!number.ok()) return fail(number.error());
    field = static_cast<Field>(*number);
    return {};
  };
}

// A duration field in whole `Unit`s (seconds, hours), within [min, max] units.
template <class Unit, class Get>
Setter duration(Get get, std::int64_t min, std::int64_t max) {
  return [get, min, max](Options& options, const toml::node& node, const std::string& key) -> Status {
    auto number = integer_in(node, key, min, max);
    if (!number.ok()) return fail(number.error());
    *get(options) = std::chrono::duration_cast<std::chrono::milliseconds>(Unit(*number));
    return {};
  };
}

template <class Get>
Setter boolean(Get get) {
  return [get](Options& options, const toml::node& node, const std::string& key) -> Status {
    const auto* value = node.as_boolean();
    if (value == nullptr) return wrong_type(key, "true or false");
    *get(options) = value->get();
    return {};
  };
}

template <class Get>
Setter path(Get get) {
  return [get](Options& options, const toml::node& node, const std::string& key) -> Status {
    const auto* value = node.as_string();
    if (value == nullptr) return wrong_type(key, "a string (a file or folder path)");
    *get(options) = std::filesystem::path(value->get());
    return {};
  };
}

constexpr std::int64_t kMaxThreads = 1024;
constexpr std::int64_t kMaxStoreConnections = 256;       // PostgreSQL's default max_connections is 100
constexpr std::int64_t kMaxSeconds = 365LL * 24 * 3600;  // a year: anything longer is a typo
constexpr std::int64_t kMaxHours = 10LL * 365 * 24;      // ten years

// Every key, in the order of docs/configuration.md and hushd.example.toml.
const std::vector<Key>& keys() {
  static const std::vector<Key> table = {
      {"listen",
       [](Options& options, const toml::node& node, const std::string& key) -> Status {
         const auto* value = node.as_string();
         if (value == nullptr) return wrong_type(key, "a string \"HOST:PORT\"");
         return apply_listen(value->get(), options, key);
       }},
      {"data_dir", path([](Options& o) { return &o.data_dir; })},
      {"store",
       [](Options& options, const toml::node& node, const std::string& key) -> Status {
         const auto* value = node.as_string();
         if (value == nullptr) return wrong_type(key, "a string (\"sqlite\" or a postgres:// URI)");
         return apply_store(value->get(), options, key);
       }},
      {"store_connections", integer([](Options& o) { return &o.store_connections; }, 1, kMaxStoreConnections)},
      {"tls_certificate", path([](Options& o) { return &o.tls_certificate_file; })},
      {"tls_private_key", path([](Options& o) { return &o.tls_private_key_file; })},
      {"invite_only", boolean([](Options& o) { return &o.invite_only; })},
      {"threads", integer([](Options& o) { return &o.threads; }, 0, kMaxThreads)},
      {"message_expiry_hours",
       duration<std::chrono::hours>([](Options& o) { return &o.message_expiry; }, 1, kMaxHours)},
      {"sweep_interval_seconds",
       duration<std::chrono::seconds>([](Options& o) { return &o.sweep_interval; }, 1, kMaxSeconds)},
      {"shutdown_grace_seconds", duration<std::chrono::seconds>([](Options& o) { return &o.shutdown_grace; }, 0, 3600)},
      {"metrics_loopback_only", boolean([](Options& o) { return &o.metrics_loopback_only; })},

      {"limits.max_envelope_size", integer([](Options& o) { return &o.limits.max_envelope_size; }, 1)},
      {"limits.max_envelopes_per_send", integer([](Options& o) { return &o.limits.max_envelopes_per_send; }, 1)},
      {"limits.max_devices_per_send_to_many",
       integer([](Options& o) { return &o.limits.max_devices_per_send_to_many; }, 1)},
      {"limits.requests_per_second", integer([](Options& o) { return &o.limits.requests_per_second; }, 1)},
      {"limits.media_chunks_per_second", integer([](Options& o) { return &o.limits.media_chunks_per_second; }, 1)},
      {"limits.media_chunks_burst", integer([](Options& o) { return &o.limits.media_chunks_burst; }, 1)},
      {"limits.requests_burst", integer([](Options& o) { return &o.limits.requests_burst; }, 1)},
      {"limits.registrations_per_ip_per_hour",
       integer([](Options& o) { return &o.limits.registrations_per_ip_per_hour; }, 1)},
      {"limits.registrations_per_ip_burst",
       integer([](Options& o) { return &o.limits.registrations_per_ip_burst; }, 1)},
      {"limits.bundle_fetches_per_account_per_minute",
       integer([](Options& o) { return &o.limits.bundle_fetches_per_account_per_minute; }, 1)},
      {"limits.bundle_fetches_per_account_burst",
       integer([](Options& o) { return &o.limits.bundle_fetches_per_account_burst; }, 1)},
      {"limits.link_ttl_seconds",
       duration<std::chrono::seconds>([](Options& o) { return &o.limits.link_ttl; }, 1, kMaxSeconds)},
      {"limits.link_fetches_per_ip_per_minute",
       integer([](Options& o) { return &o.limits.link_fetches_per_ip_per_minute; }, 1)},
      {"limits.link_fetches_per_ip_burst", integer([](Options& o) { return &o.limits.link_fetches_per_ip_burst; }, 1)},
      {"limits.connections_per_ip", integer([](Options& o) { return &o.limits.connections_per_ip; }, 1)},
      {"limits.max_outgoing_frames", integer([](Options& o) { return &o.limits.max_outgoing_frames; }, 32)},
      {"limits.delivery_batch", integer([](Options& o) { return &o.limits.delivery_batch; }, 1)},
      {"limits.idle_timeout_seconds",
       duration<std::chrono::seconds>([](Options& o) { return &o.limits.idle_timeout; }, 1, kMaxSeconds)},
      {"limits.handshake_timeout_seconds",
       duration<std::chrono::seconds>([](Options& o) { return &o.limits.handshake_timeout; }, 1, 3600)},
      {"limits.key_low_threshold", integer([](Options& o) { return &o.limits.key_low_threshold; }, 0)},

      {"storage.max_username_length", integer([](Options& o) { return &o.storage.max_username_length; }, 1)},
      {"storage.max_devices_per_account", integer([](Options& o) { return &o.storage.max_devices_per_account; }, 1)},
      {"storage.max_one_time_prekeys_per_device",
       integer([](Options& o) { return &o.storage.max_one_time_prekeys_per_device; }, 0)},
      {"storage.max_envelope_size", integer([](Options& o) { return &o.storage.max_envelope_size; }, 1)},
      {"storage.max_queue_depth", integer([](Options& o) { return &o.storage.max_queue_depth; }, 1)},
      {"storage.max_fetch_count", integer([](Options& o) { return &o.storage.max_fetch_count; }, 1)},
      {"storage.max_upload_size", integer([](Options& o) { return &o.storage.max_upload_size; }, 1)},
      {"storage.media_quota_per_account", integer([](Options& o) { return &o.storage.media_quota_per_account; }, 0)},
      {"storage.max_media_chunk_size", integer([](Options& o) { return &o.storage.max_media_chunk_size; }, 1)},
      {"storage.max_link_payload", integer([](Options& o) { return &o.storage.max_link_payload; }, 1)},
      {"storage.max_pending_links_per_account",
       integer([](Options& o) { return &o.storage.max_pending_links_per_account; }, 1)},
  };
  return table;
}

const Key* find_key(std::string_view name) {
  for (const Key& key : keys()) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

bool is_section(std::string_view name) {
  return name == "limits" || name == "storage";
}

}  // namespace

std::vector<std::string_view> config_keys() {
  std::vector<std::string_view> names;
  for (const Key& key : keys()) names.push_back(key.name);
  return names;
}

Result<void, std::string> apply_listen(std::string_view text, Options& options, std::string_view key) {
  const auto bad = [&] {
    return fail(std::string(key) + " expects HOST:PORT (e.g. 0.0.0.0:443 or [::]:443), got \"" + std::string(text) +
                "\"");
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return bad();
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::uint32_t port = 0;
  for (const char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9') return bad();
    port = port * 10 + static_cast<std::uint32_t>(c - '0');
    if (port > 65535) return bad();
  }
  options.listen_address = std::move(host);
  options.listen_port = static_cast<std::uint16_t>(port);
  return {};
}

Result<void, std::string> apply_config_text(std::string_view text, Options& options, std::string_view source) {
  toml::table document;
  try {
    document = toml::parse(text, source);
  } catch (const toml::parse_error& error) {
    std::ostringstream message;
    message << source << ":" << error.source().begin.line << ":" << error.source().begin.column << ": "
            << error.description();
    return fail(message.str());
  }
  // Walks the document rather than the key table, so that every unknown key is an error.
  for (const auto& [top_name, top_node] : document) {
    const std::string top(top_name.str());
    if (is_section(top)) {
      const auto* section = top_node.as_table();
      if (section == nullptr) return fail("config key '" + top + "' must be a table ([" + top + "])");
      for (const auto& [name, node] : *section) {
        const std::string dotted = top + "." + std::string(name.str());
        const Key* key = find_key(dotted);
        if (key == nullptr) return fail("unknown config key '" + dotted + "' (see docs/configuration.md)");
        HUSH_TRY(key->set(options, node, dotted));
      }
      continue;
    }
    const Key* key = find_key(top);
    if (key == nullptr) return fail("unknown config key '" + top + "' (see docs/configuration.md)");
    HUSH_TRY(key->set(options, top_node, top));
  }
  return {};
}

Result<void, std::string> apply_config_file(const std::filesystem::path& file, Options& options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail("cannot read config file " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail("cannot read config file " + file.string());
  return apply_config_text(text.str(), options, file.string());
}

Result<void, std::string> apply_store(std::string_view text, Options& options, std::string_view key) {
  if (text.empty() || text == "sqlite") {
    options.store.clear();
    return {};
  }
  if (text.starts_with("postgres://") || text.starts_with("postgresql://")) {
    options.store = std::string(text);
    return {};
  }
  return fail(std::string(key) + ": \"sqlite\" or a PostgreSQL URI (postgres://USER@HOST:PORT/DATABASE) expected");
}

Result<Options, std::string> resolve_options(const CommandLine& command_line) {
  Options options;
  if (command_line.config_file) HUSH_TRY(apply_config_file(*command_line.config_file, options));
  if (command_line.data_dir) options.data_dir = *command_line.data_dir;
  if (command_line.listen) HUSH_TRY(apply_listen(*command_line.listen, options, "--listen"));
  if (command_line.tls_certificate_file) options.tls_certificate_file = *command_line.tls_certificate_file;
  if (command_line.tls_private_key_file) options.tls_private_key_file = *command_line.tls_private_key_file;
  if (command_line.invite_only) options.invite_only = *command_line.invite_only;
  if (command_line.threads) options.threads = *command_line.threads;
  if (command_line.store) HUSH_TRY(apply_store(*command_line.store, options, "--store"));

  if (options.data_dir.empty())
    return fail(std::string("no data folder: give --data DIR or data_dir in the config file"));
  if (options.tls_certificate_file.empty() != options.tls_private_key_file.empty()) {
    return fail(
        std::string("a TLS certificate and its private key go together: give both (--tls-cert and "
                    "--tls-key, or tls_certificate and tls_private_key) or neither"));
  }
  return options;
}

}  // namespace hush::server
