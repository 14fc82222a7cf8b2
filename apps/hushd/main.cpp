// hushd: the hush relay server. Thin: parses the command line, resolves it with the config file
// (hush/server/config.hpp), opens the data folder's database and TLS identity, and runs
// hush::server::Server until SIGTERM/SIGINT.
#include <pthread.h>
#include <signal.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "hush/client/endpoints/relay_link.hpp"
#include "hush/client/transport/server_connection.hpp"
#include "hush/crypto/hash.hpp"
#include "hush/crypto/random.hpp"
#include "hush/pt/obfs4.hpp"
#include "hush/relay/relay.hpp"
#include "hush/server/config.hpp"
#include "hush/server/server.hpp"
#include "hush/server/tls_setup.hpp"
#include "hush/storage/postgres_storage.hpp"
#include "hush/storage/sqlite_storage.hpp"

namespace {

constexpr const char* kDescription =
    "hushd: the hush relay server.\n"
    "\n"
    "Stores end-to-end encrypted messages and media for the devices that register with it, until\n"
    "they are delivered and acknowledged. It never sees plaintext. One TLS port serves the hush API\n"
    "(WebSocket), GET /health and GET /metrics (Prometheus). Everything lives in the data folder:\n"
    "the SQLite database and, unless you give a certificate, a self-signed one in DATA/tls/.\n"
    "\n"
    "Try it on this machine:\n"
    "  hushd --data ./hushd-data\n"
    "      listens on 127.0.0.1:7443 and prints the certificate fingerprint clients should pin.\n"
    "\n"
    "Run it for others:\n"
    "  hushd --data /var/lib/hushd --listen 0.0.0.0:443 --tls-cert fullchain.pem --tls-key privkey.pem\n"
    "  hushd --config /etc/hushd/hushd.toml         (every setting; see hushd.example.toml)\n"
    "  hushd invite --data /var/lib/hushd           (a one-use token for --invite-only servers)\n"
    "  hushd relay --listen 0.0.0.0:443 --to chat.example.org:443 --public relay.example.net:443\n"
    "                                               (a relay for users the censor cuts off; prints a link)\n"
    "  hushd bridge --listen 0.0.0.0:9443 --to 127.0.0.1:443 --public bridge.example.net:9443\n"
    "                                               (obfs4 in front of hushd: probes get silence; prints a link)\n"
    "\n"
    "Several nodes on one PostgreSQL (each with the same certificate, behind a TCP load balancer):\n"
    "  hushd --data /var/lib/hushd --store postgres://hush@db.internal:5432/hush --listen 0.0.0.0:443\n"
    "\n"
    "Flags override the config file. Stop with SIGTERM or Ctrl-C: connections are told\n"
    "\"service_restart\" and every accepted message is on disk before hushd exits.\n"
    "Documentation: docs/configuration.md, docs/operations.md.\n";

// The storage `options.store` names: SQLite in the data folder, or PostgreSQL. nullptr after
// printing why not.
std::unique_ptr<hush::storage::Storage> open_store(const hush::server::Options& options) {
  if (options.store.empty()) {
    hush::storage::SqliteOptions sqlite_options;
    sqlite_options.limits = options.storage;
    auto storage = hush::storage::open_sqlite_storage(options.data_dir, sqlite_options);
    if (storage.ok()) return std::move(*storage);
    std::cerr << "hushd: cannot open the database in " << options.data_dir << ": "
              << hush::storage::to_string(storage.error()) << "\n";
    return nullptr;
  }
  hush::storage::PostgresOptions postgres_options;
  postgres_options.limits = options.storage;
  postgres_options.conninfo = options.store;
  postgres_options.connections = options.store_connections;
  auto storage = hush::storage::open_postgres_storage(postgres_options);
  if (storage.ok()) return std::move(*storage);
  // The URI may hold a password: name the failure, not the URI.
  std::cerr << "hushd: cannot open the PostgreSQL store (--store / store): "
            << hush::storage::to_string(storage.error()) << "\n";
  return nullptr;
}

int make_invite(const hush::server::Options& server_options, int valid_days) {
  auto storage = open_store(server_options);
  if (!storage) return 1;
  hush::crypto::SystemRng rng;
  hush::Bytes secret(16);
  rng.fill(secret);
  const std::string token = hush::to_hex(secret);
  const auto expires = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()) +
                       std::chrono::hours(24) * valid_days;
  // Only the hash is stored: a copy of the database hands out no invites.
  auto added = storage->accounts().add_invite(hush::crypto::sha256(hush::as_bytes(token)), expires);
  if (!added.ok()) {
    std::cerr << "hushd: cannot store the invite: " << hush::storage::to_string(added.error()) << "\n";
    return 1;
  }
  std::cout << token << "\n";
  return 0;
}

// How long `hushd relay` waits for the hush server's certificate at start.
constexpr std::chrono::seconds kRelayProbeTimeout{10};

// What `hushd relay` and `hushd bridge` share: where to listen, the hush server behind them, the
// address users reach (when --public gives it), and the server's certificate fingerprint, which the
// link carries (reading it also proves the target is a TLS server).
struct SharedServer {
  hush::server::Options listen;  // listen_address and listen_port
  hush::client::ServerAddress target;
  std::optional<hush::client::ServerAddress> shared;
  hush::crypto::Sha256Digest pin{};
};

// Parses the three addresses and reads the target's certificate; an exit code (2 usage, 1 the
// target) after printing why not, prefixed with `command`.
hush::Result<SharedServer, int> prepare_shared_server(const std::string& command, const std::string& listen,
                                                      const std::string& to, const std::string& public_address) {
  SharedServer out;
  if (auto parsed = hush::server::apply_listen(listen, out.listen, "--listen"); !parsed.ok()) {
    std::cerr << command << ": " << parsed.error() << "\n";
    return hush::fail(2);
  }
  auto target = hush::client::parse_server_url("wss://" + to);
  if (!target || to.ends_with('/')) {
    std::cerr << command << ": --to expects HOST:PORT of the hush server\n";
    return hush::fail(2);
  }
  out.target = *target;
  if (!public_address.empty()) {
    out.shared = hush::client::parse_server_url("wss://" + public_address);
    if (!out.shared || public_address.ends_with('/')) {
      std::cerr << command << ": --public expects HOST:PORT\n";
      return hush::fail(2);
    }
  }
  auto pin = hush::client::probe_certificate(out.target, kRelayProbeTimeout);
  if (!pin.ok()) {
    std::cerr << command << ": cannot read the certificate of " << to << ": " << hush::client::to_string(pin.error())
              << "\n";
    return hush::fail(1);
  }
  out.pin = *pin;
  return out;
}

// `hushd relay`: reads the target's certificate (the pin the link carries, and proof that the
// target is a TLS server), starts the relay, prints the link to share, and runs until a signal.
int run_relay(const std::string& listen, const std::string& to, const std::string& public_address) {
  auto prepared = prepare_shared_server("hushd relay", listen, to, public_address);
  if (!prepared.ok()) return prepared.error();
  const hush::server::Options& listen_options = prepared->listen;
  const hush::client::ServerAddress& target = prepared->target;
  std::optional<hush::client::ServerAddress> shared = prepared->shared;
  const hush::crypto::Sha256Digest& pin = prepared->pin;
  hush::relay::RelayOptions options;
  options.listen_address = listen_options.listen_address;
  options.listen_port = listen_options.listen_port;
  options.target_host = target.host;
  options.target_port = target.port;
  hush::relay::Relay relay(options);
  if (const std::string error = relay.start(); !error.empty()) {
    std::cerr << "hushd relay: " << error << "\n";
    return 1;
  }
  if (!shared) {
    if (options.listen_address == "0.0.0.0" || options.listen_address == "::") {
      std::cerr << "hushd relay: listening on every address: give --public HOST:PORT, the address users reach\n";
      return 2;
    }
    shared = hush::client::ServerAddress{options.listen_address, relay.port()};
  }
  hush::client::RelayLink link;
  link.kind = hush::client::RelayLink::Kind::kRelay;
  link.via = *shared;
  link.server = target;
  link.pin = pin;
  std::cout << "hushd relay: forwarding " << options.listen_address << ":" << relay.port() << " to " << to
            << " (certificate SHA-256 " << hush::client::format_fingerprint(pin) << ")\n"
            << "hushd relay: share this link (hush endpoints add-relay LINK):\n"
            << hush::client::format_relay_link(link) << std::endl;
  relay.run_until_signal();
  return 0;
}

// `hushd bridge`: obfs4proxy as a bridge in front of the hush server (libs/pt). Reads the server's
// certificate, starts the bridge (its keys kept in `state`, so the link stays the same across
// restarts), prints the link, and runs until a signal or until obfs4proxy dies.
int run_bridge(const std::string& listen, const std::string& to, const std::string& public_address,
               const std::filesystem::path& state) {
  auto prepared = prepare_shared_server("hushd bridge", listen, to, public_address);
  if (!prepared.ok()) return prepared.error();
  const hush::server::Options& listen_options = prepared->listen;
  const hush::client::ServerAddress& target = prepared->target;
  std::optional<hush::client::ServerAddress> shared = prepared->shared;
  const hush::crypto::Sha256Digest& pin = prepared->pin;
  // Signals are taken by sigtimedwait below; blocked before obfs4proxy starts (it resets its own).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  hush::pt::Obfs4ServerOptions options;
  options.state_dir = state;
  options.bind_host = listen_options.listen_address;
  options.bind_port = listen_options.listen_port;
  options.target_host = target.host;
  options.target_port = target.port;
  auto bridge = hush::pt::Obfs4Server::start(options);
  if (!bridge.ok()) {
    std::cerr << "hushd bridge: " << hush::pt::describe(bridge.error()) << "\n";
    return 1;
  }
  if (!shared) {
    if ((*bridge)->host() == "0.0.0.0" || (*bridge)->host() == "::") {
      std::cerr << "hushd bridge: listening on every address: give --public HOST:PORT, the address users reach\n";
      return 2;
    }
    shared = hush::client::ServerAddress{(*bridge)->host(), (*bridge)->port()};
  }
  hush::client::RelayLink link;
  link.kind = hush::client::RelayLink::Kind::kObfs4Bridge;
  link.via = *shared;
  link.server = target;
  link.pin = pin;
  link.obfs4_cert = (*bridge)->cert();
  link.obfs4_iat_mode = (*bridge)->iat_mode();
  std::cout << "hushd bridge: obfs4 on " << (*bridge)->host() << ":" << (*bridge)->port() << " in front of " << to
            << " (certificate SHA-256 " << hush::client::format_fingerprint(pin) << "), keys in " << state << "\n"
            << "hushd bridge: share this link (hush endpoints add-relay LINK):\n"
            << hush::client::format_relay_link(link) << std::endl;
  constexpr timespec kCheckEvery{1, 0};  // how often obfs4proxy is checked while waiting for a signal
  for (;;) {
    if (sigtimedwait(&signals, nullptr, &kCheckEvery) >= 0) return 0;
    if (!(*bridge)->running()) {
      std::cerr << "hushd bridge: obfs4proxy exited\n";
      return 1;
    }
  }
}

// Fills in the TLS files (creating a self-signed pair if none is configured) and prints the
// fingerprint clients pin. False after printing why not.
bool prepare_tls(hush::server::Options& options) {
  std::string fingerprint;
  if (options.tls_certificate_file.empty()) {
    auto files = hush::server::ensure_self_signed_tls(options.data_dir);
    if (!files.ok()) {
      std::cerr << "hushd: " << files.error() << "\n";
      return false;
    }
    options.tls_certificate_file = files->certificate;
    options.tls_private_key_file = files->private_key;
    fingerprint = files->fingerprint_hex;
    if (files->created)
      std::cout << "hushd: created a self-signed certificate in " << (options.data_dir / "tls") << "\n";
  } else {
    auto digest = hush::server::certificate_file_fingerprint(options.tls_certificate_file);
    if (!digest.ok()) {
      std::cerr << "hushd: " << digest.error() << "\n";
      return false;
    }
    fingerprint = *digest;
  }
  std::cout << "hushd: certificate SHA-256 fingerprint " << fingerprint << std::endl;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kDescription, "hushd"};
  app.get_formatter()->column_width(28);
  std::filesystem::path config_file, data_dir, tls_cert, tls_key;
  std::string listen;
  bool invite_only = false;
  std::size_t threads = 0;
  std::string store;
  // Defaults live in Options (and docs/configuration.md), not here: a flag only counts if given.
  auto* config_option = app.add_option("--config", config_file, "TOML settings file (docs/configuration.md); flags win")
                            ->type_name("FILE");
  auto* data_option =
      app.add_option("--data", data_dir, "Data folder: hush.sqlite3 and tls/ (required, here or in --config)")
          ->type_name("DIR");
  auto* listen_option = app.add_option("--listen", listen, "Where to serve (default 127.0.0.1:7443: this machine only)")
                            ->type_name("HOST:PORT");
  // Given together or not at all; resolve_options() checks it across flags and file.
  auto* cert_option =
      app.add_option("--tls-cert", tls_cert, "PEM certificate chain (default: self-signed, made in DATA/tls/)")
          ->type_name("FILE");
  auto* key_option = app.add_option("--tls-key", tls_key, "PEM private key of --tls-cert")->type_name("FILE");
  auto* invite_only_option =
      app.add_flag("--invite-only", invite_only, "Registration needs a token from `hushd invite` (default: open)");
  auto* threads_option =
      app.add_option("--threads", threads, "Network threads (default 0: one per CPU)")->type_name("N");

  auto* store_option =
      app.add_option("--store", store,
                     "sqlite (default: DATA/hush.sqlite3) or postgres://USER@HOST:PORT/DB, shared by several nodes")
          ->type_name("STORE");

  auto* relay = app.add_subcommand(
      "relay", "Forward connections to one hush server from a machine the censor does not block; print its link");
  std::string relay_listen = "127.0.0.1:0", relay_to, relay_public;
  relay->add_option("--listen", relay_listen, "Where users connect (default 127.0.0.1:0: any free port)")
      ->type_name("HOST:PORT");
  relay->add_option("--to", relay_to, "The hush server every connection goes to")->type_name("HOST:PORT")->required();
  relay->add_option("--public", relay_public, "The address users reach, for the link (default: --listen)")
      ->type_name("HOST:PORT");
  relay->footer(
      "The relay sees only encrypted bytes (TLS runs between the client and hushd) and forwards to\n"
      "--to only: it is not an open proxy. Stop with SIGTERM or Ctrl-C.");

  auto* bridge = app.add_subcommand(
      "bridge", "Run an obfs4 bridge (Debian's obfs4proxy) in front of one hush server; print its link");
  std::string bridge_listen = "127.0.0.1:0", bridge_to, bridge_public;
  std::filesystem::path bridge_state = "hushd-bridge";
  bridge->add_option("--listen", bridge_listen, "Where users connect, an IP address (default 127.0.0.1:0)")
      ->type_name("IP:PORT");
  bridge->add_option("--to", bridge_to, "The hush server, an IP address (obfs4proxy does not resolve names)")
      ->type_name("IP:PORT")
      ->required();
  bridge->add_option("--public", bridge_public, "The address users reach, for the link (default: --listen)")
      ->type_name("HOST:PORT");
  bridge->add_option("--state", bridge_state, "The bridge's keys (same folder, same link) (default ./hushd-bridge)")
      ->type_name("DIR");
  bridge->footer(
      "Only a client with the link's cert gets an answer: an active prober gets silence. Needs obfs4proxy\n"
      "(apt-get install obfs4proxy). Stop with SIGTERM or Ctrl-C.");

  auto* invite = app.add_subcommand("invite", "Print a one-use registration token (stored hashed) and exit");
  int valid_days = 7;
  invite->add_option("--valid-days", valid_days, "Days the token stays usable (default 7)")
      ->type_name("N")
      ->check(CLI::Range(1, 3650));
  invite->footer("Give --data DIR or --config FILE, before or after `invite`.");
  invite->fallthrough();
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  if (relay->parsed()) return run_relay(relay_listen, relay_to, relay_public);
  if (bridge->parsed()) return run_bridge(bridge_listen, bridge_to, bridge_public, bridge_state);

  hush::server::CommandLine command_line;
  if (config_option->count() > 0) command_line.config_file = config_file;
  if (data_option->count() > 0) command_line.data_dir = data_dir;
  if (listen_option->count() > 0) command_line.listen = listen;
  if (cert_option->count() > 0) command_line.tls_certificate_file = tls_cert;
  if (key_option->count() > 0) command_line.tls_private_key_file = tls_key;
  if (invite_only_option->count() > 0) command_line.invite_only = invite_only;
  if (threads_option->count() > 0) command_line.threads = threads;
  if (store_option->count() > 0) command_line.store = store;
  auto resolved = hush::server::resolve_options(command_line);
  if (!resolved.ok()) {
    std::cerr << "hushd: " << resolved.error() << " (see hushd --help)\n";
    return 2;
  }
  hush::server::Options options = std::move(*resolved);
  if (invite->parsed()) return make_invite(options, valid_days);
  if (!prepare_tls(options)) return 1;

  auto storage = open_store(options);
  if (!storage) return 1;
  hush::server::Server server(options, *storage);
  if (const std::string error = server.start(); !error.empty()) {
    std::cerr << "hushd: " << error << "\n";
    return 1;
  }
  server.run_until_signal();
  return 0;
}
