// hushd: the hush relay server. Thin: parses the command line, opens the data folder's database
// and TLS identity, and runs hush::server::Server until SIGTERM/SIGINT.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "hush/crypto/hash.hpp"
#include "hush/crypto/random.hpp"
#include "hush/server/server.hpp"
#include "hush/server/tls_setup.hpp"
#include "hush/storage/sqlite_storage.hpp"

namespace {

// Splits "HOST:PORT" (HOST may be "[::1]"). False on anything else.
bool parse_listen(const std::string& text, std::string& host, std::uint16_t& port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    const unsigned long value = std::stoul(text.substr(colon + 1));
    if (value > 65535) return false;
    port = static_cast<std::uint16_t>(value);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

int make_invite(const std::filesystem::path& data_dir, int valid_days, const hush::storage::SqliteOptions& options) {
  auto storage = hush::storage::open_sqlite_storage(data_dir, options);
  if (!storage.ok()) {
    std::cerr << "hushd: cannot open the database in " << data_dir << ": " << hush::storage::to_string(storage.error())
              << "\n";
    return 1;
  }
  hush::crypto::SystemRng rng;
  hush::Bytes secret(16);
  rng.fill(secret);
  const std::string token = hush::to_hex(secret);
  const auto expires = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()) +
                       std::chrono::hours(24) * valid_days;
  // Only the hash is stored: a copy of the database hands out no invites.
  auto added = (*storage)->accounts().add_invite(hush::crypto::sha256(hush::as_bytes(token)), expires);
  if (!added.ok()) {
    std::cerr << "hushd: cannot store the invite: " << hush::storage::to_string(added.error()) << "\n";
    return 1;
  }
  std::cout << token << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "hushd: the hush relay server. Stores end-to-end encrypted envelopes and media for the devices\n"
      "that register with it, over TLS WebSocket on one port. Everything lives in the data folder.\n\n"
      "  hushd --data /var/lib/hushd --listen 0.0.0.0:443\n"
      "  hushd invite --data /var/lib/hushd      (one-use registration token for --invite-only)\n"};
  std::filesystem::path data_dir;
  std::string listen = "127.0.0.1:7443";
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  bool invite_only = false;
  std::size_t threads = 0;
  app.add_option("--data", data_dir, "Data folder: database (hush.sqlite3) and tls/ (required)")->required();
  app.add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:7443)");
  auto* cert_option =
      app.add_option("--tls-cert", tls_cert, "PEM certificate chain (default: a self-signed one created in DATA/tls/)");
  auto* key_option = app.add_option("--tls-key", tls_key, "PEM private key of --tls-cert");
  cert_option->needs(key_option);
  key_option->needs(cert_option);
  app.add_flag("--invite-only", invite_only, "Registration needs a token from `hushd invite` (default: open)");
  app.add_option("--threads", threads, "Network threads (default: one per CPU)");

  auto* invite = app.add_subcommand("invite", "Print a one-use registration token (stored hashed) and exit");
  std::filesystem::path invite_data;
  int valid_days = 7;
  invite->add_option("--data", invite_data, "Data folder of the server")->required();
  invite->add_option("--valid-days", valid_days, "Days the token stays usable (default 7)");
  // `hushd invite --data DIR` must not require the top-level --data.
  app.require_subcommand(0, 1);
  app.get_option("--data")->required(false);
  CLI11_PARSE(app, argc, argv);

  hush::server::Options options;
  hush::storage::SqliteOptions storage_options;
  storage_options.limits = options.storage;
  if (invite->parsed()) return make_invite(invite_data, valid_days, storage_options);
  if (data_dir.empty()) {
    std::cerr << "hushd: --data is required (see hushd --help)\n";
    return 2;
  }

  options.data_dir = data_dir;
  options.invite_only = invite_only;
  options.threads = threads;
  if (!parse_listen(listen, options.listen_address, options.listen_port)) {
    std::cerr << "hushd: --listen expects HOST:PORT, got " << listen << "\n";
    return 2;
  }
  std::string fingerprint;
  if (tls_cert.empty()) {
    auto files = hush::server::ensure_self_signed_tls(data_dir);
    if (!files.ok()) {
      std::cerr << "hushd: " << files.error() << "\n";
      return 1;
    }
    options.tls_certificate_file = files->certificate;
    options.tls_private_key_file = files->private_key;
    fingerprint = files->fingerprint_hex;
    if (files->created) std::cout << "hushd: created a self-signed certificate in " << (data_dir / "tls") << "\n";
  } else {
    options.tls_certificate_file = tls_cert;
    options.tls_private_key_file = tls_key;
    auto digest = hush::server::certificate_file_fingerprint(tls_cert);
    if (!digest.ok()) {
      std::cerr << "hushd: " << digest.error() << "\n";
      return 1;
    }
    fingerprint = *digest;
  }
  std::cout << "hushd: certificate SHA-256 fingerprint " << fingerprint << std::endl;

  auto storage = hush::storage::open_sqlite_storage(data_dir, storage_options);
  if (!storage.ok()) {
    std::cerr << "hushd: cannot open the database in " << data_dir << ": " << hush::storage::to_string(storage.error())
              << "\n";
    return 1;
  }
  hush::server::Server server(options, **storage);
  if (const std::string error = server.start(); !error.empty()) {
    std::cerr << "hushd: " << error << "\n";
    return 1;
  }
  server.run_until_signal();
  return 0;
}
