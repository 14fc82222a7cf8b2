// hushd's configuration: the TOML file (`hushd --config FILE`) and the command-line flags that
// override it, turned into Options. Owns the key names, their types and ranges; the meaning and
// default of each setting is documented once, in options.hpp (and for operators in
// docs/configuration.md). Not the command-line parsing itself (apps/hushd) nor any file but the
// one named.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/server/options.hpp"

namespace hush::server {

// The settings hushd's flags can give; each one present overrides the file's value.
struct CommandLine {
  std::optional<std::filesystem::path> config_file;           // --config
  std::optional<std::filesystem::path> data_dir;              // --data
  std::optional<std::string> listen;                          // --listen HOST:PORT
  std::optional<std::filesystem::path> tls_certificate_file;  // --tls-cert
  std::optional<std::filesystem::path> tls_private_key_file;  // --tls-key
  std::optional<bool> invite_only;                            // --invite-only
  std::optional<std::size_t> threads;                         // --threads
  std::optional<std::string> store;                           // --store sqlite|postgres://...
};

// Every key the file accepts ("limits.idle_timeout_seconds"), in documentation order.
std::vector<std::string_view> config_keys();

// Applies the TOML document `text` to `options` (keys absent from it keep their value). Errors
// are one line for the operator and name the key or the line: a syntax error, an unknown key, a
// value of the wrong type or out of range. On error `options` may be partly changed. `source`
// names the text in messages (the file name).
Result<void, std::string> apply_config_text(std::string_view text, Options& options,
                                            std::string_view source = "config");

// Reads `file` and applies it as apply_config_text() does.
Result<void, std::string> apply_config_file(const std::filesystem::path& file, Options& options);

// Splits "HOST:PORT" into options.listen_address and listen_port; HOST may be "[::1]".
// Errors name `key` (the flag or config key the text came from).
Result<void, std::string> apply_listen(std::string_view text, Options& options, std::string_view key);

// Sets options.store from "sqlite" (or empty: SQLite in the data folder) or a PostgreSQL URI
// ("postgres://" or "postgresql://"). Errors name `key`.
Result<void, std::string> apply_store(std::string_view text, Options& options, std::string_view key);

// Options from the defaults, then the config file (if command_line.config_file), then each flag
// given. Checks what only the whole can tell: a data folder is set, and a TLS certificate and key
// are given together or not at all.
Result<Options, std::string> resolve_options(const CommandLine& command_line);

}  // namespace hush::server
