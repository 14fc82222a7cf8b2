// Helpers shared by the commands (commands.hpp), and the account-level commands: register, link,
// outbox and daemon.
#include "commands.hpp"

#include <iostream>

#include "arguments.hpp"
#include "daemon.hpp"
#include "exit_codes.hpp"
#include "message_json.hpp"
#include "message_text.hpp"
#include "qr.hpp"

namespace hush::cli {

namespace {

// How long register's trust-on-first-use probe waits for the server's certificate.
constexpr std::chrono::milliseconds kProbeTimeout{10000};

}  // namespace

int report(const std::string& what, int code) {
  std::cerr << "hush: " << what << "\n";
  return code;
}

int report_failure(const std::string& what, const client::ClientError& error, const std::string& peer) {
  std::string hint;
  if (error.kind == client::ClientErrorKind::kUntrustedIdentity) {
    const std::string name = peer.empty() ? "NAME" : peer;
    hint = "a contact's identity key changed: compare the safety number (hush verify " + name +
           "), then run hush trust " + name;
  } else {
    hint = unlock_hint(error);
  }
  std::cerr << "hush: " << what << ": " << client::describe(error);
  if (!hint.empty()) std::cerr << " (" << hint << ")";
  std::cerr << "\n";
  return exit_code_for(error);
}

int report_queued(const client::ClientError& error) {
  std::cerr << "queued: will be sent at the next connection (" << error.detail << ")\n";
  return kExitNetwork;
}

Result<std::unique_ptr<Session>, int> open_home(const GlobalOptions& global) {
  client::AccountOptions options;
  if (global.connect_timeout) options.connection.connect_timeout = *global.connect_timeout;
  auto session = open_session(global.home, options);
  if (!session.ok()) return fail(report_failure("cannot open the account in " + global.home.string(), session.error()));
  return std::move(*session);
}

client::ReconnectBackoff new_backoff(Session& session) {
  std::uint64_t seed = 0;
  session.rng.fill(MutableByteView(reinterpret_cast<std::uint8_t*>(&seed), sizeof seed));
  return client::ReconnectBackoff(seed);
}

void print_connect_report(const client::ConnectReport& report) {
  const bool one_failed = report.attempts.size() == 1 && report.attempts[0].error;
  if (report.attempts.size() > 1 || one_failed) std::cerr << "hush: " << connect_report_text(report) << std::endl;
}

Connected connect_session(Session& session, const std::string& what, bool queue_offline) {
  auto connected = session.messenger->connect();
  // A failover that worked is said too: the person learns that endpoint 1 is blocked.
  if (connected.ok() && session.account->last_connect_report().connected > 1) {
    print_connect_report(session.account->last_connect_report());
  }
  // Files the outbox held go up before the command's own work, as the last command left them.
  if (connected.ok()) connected = session.messenger->finish_transfers();
  if (connected.ok()) return {};
  print_connect_report(session.account->last_connect_report());
  if (queue_offline && connected.error().kind == client::ClientErrorKind::kTransport) {
    return Connected{std::nullopt, connected.error()};
  }
  return Connected{report_failure(what, connected.error()), std::nullopt};
}

void print_message(const client::Message& message, bool json, Session& session) {
  std::string group_name;
  if (!message.peer.empty() && message.peer.front() == '#') {
    if (auto group = session.messenger->find_group(message.peer); group.ok()) group_name = group->name;
  }
  if (json) {
    std::cout << to_json_line(message_to_json(message, session.account->username(), group_name)) << std::endl;
  } else {
    std::cout << message_to_text(message, group_name) << std::endl;
  }
}

Result<std::string, int> conversation(Session& session, const std::string& name, const std::string& group) {
  if (group.empty() == name.empty()) return fail(report("give either a contact's NAME or --group GROUP", kExitUsage));
  // "#GROUP" names a group as well (no account name starts with "#").
  const std::string wanted = !group.empty() ? group : name.front() == '#' ? name.substr(1) : "";
  if (wanted.empty()) return name;
  auto found = session.messenger->find_group(wanted);
  if (!found.ok()) return fail(report_failure("group " + wanted, found.error()));
  return client::Messenger::group_peer(found->id);
}

// --- register, link-device ---

void add_server_options(CLI::App& command, ServerOptions& options) {
  command.add_option("--server", options.server, "The hushd the account is on")
      ->type_name("wss://HOST:PORT")
      ->required();
  auto* ca = command.add_option("--ca", options.ca_file, "Trust the server's certificate through these CAs (PEM)")
                 ->type_name("FILE");
  command.add_option("--pin", options.pin, "Pin the certificate SHA-256 fingerprint hushd printed")
      ->type_name("HEX")
      ->excludes(ca);
  add_endpoint_options(command, options.endpoint);
}

Result<NewHome, int> new_home_settings(const CLI::App& command, const ServerOptions& options) {
  if (!client::parse_server_url(options.server)) {
    return fail(report("--server: expected wss://HOST:PORT, got " + options.server, kExitUsage));
  }
  auto endpoint = endpoint_from_options(command, options.server, options.endpoint);
  if (!endpoint.ok()) return fail(endpoint.error());
  const client::ServerAddress address = endpoint->address;
  NewHome home;
  home.account.connection = client::connection_options(*endpoint, address, home.account.connection);
  home.server = client::ServerSettings{address, client::PinnedCertificate{}};
  if (!options.ca_file.empty()) {
    home.server.trust = client::CaFile{options.ca_file};
  } else if (!options.pin.empty()) {
    const auto fingerprint = client::parse_fingerprint(options.pin);
    if (!fingerprint) return fail(report("--pin: expected 64 hex digits (':' allowed)", kExitUsage));
    home.server.trust = client::PinnedCertificate{*fingerprint};
  } else {
    auto seen = client::probe_certificate(address, kProbeTimeout, home.account.connection);
    if (!seen.ok()) {
      return fail(report_failure("cannot reach " + client::format_server_url(address),
                                 client::ClientError::transport(seen.error())));
    }
    home.server.trust = client::PinnedCertificate{*seen};
    std::cout << "trust on first use: pinned server certificate SHA-256 " << client::format_fingerprint(*seen)
              << "; compare it with the one hushd printed" << std::endl;
  }
  return home;
}

CommandRun define_register(CLI::App& command) {
  struct Options {
    ServerOptions server;
    std::string username, invite;
  };
  auto options = std::make_shared<Options>();
  add_server_options(command, options->server);
  command.add_option("--username", options->username, "The account name to take (3-32 of a-z 0-9 _ .)")
      ->type_name("NAME")
      ->required();
  command.add_option("--invite", options->invite, "A token from `hushd invite`, for invite-only servers")
      ->type_name("TOKEN");
  command.footer(
      "Without --ca or --pin, the certificate the server presents now is pinned (trust on first use) and its\n"
      "fingerprint printed: compare it with the one hushd printed. Unlocking: HUSH_PASSPHRASE if set, else a\n"
      "key file HOME/store.key created now (mode 0600; keep it, it is the only key to the store).\n"
      "--server with --via, --sni and --host becomes endpoint 1 of HOME/endpoints.json; endpoints added before\n"
      "(`hush endpoints add`) are tried after it.");
  return [options, &command](const GlobalOptions& global) -> int {
    auto settings = new_home_settings(command, options->server);
    if (!settings.ok()) return settings.error();
    const client::ServerAddress address = settings->server.address;
    auto unlock = prepare_new_home(global.home);
    if (!unlock.ok()) return report_failure("cannot prepare " + global.home.string(), unlock.error());
    Session session;
    auto account = client::Account::register_new(global.home, *unlock, settings->server, options->username,
                                                 options->invite, session.rng, std::move(settings->account));
    if (!account.ok()) return report_failure("register " + options->username, account.error());
    session.account = std::move(*account);
    session.messenger = std::make_unique<client::Messenger>(*session.account);
    const bool with_passphrase = std::holds_alternative<client::Passphrase>(*unlock);
    std::cout << "registered " << session.account->username() << " on " << client::format_server_url(address)
              << " as device " << session.account->device_id() << "; home " << global.home.string()
              << " (unlocked with "
              << (with_passphrase ? std::string(kPassphraseVariable) : (global.home / kKeyFileName).string()) << ")\n";
    if (auto link = session.messenger->own_contact_link(); link.ok()) {
      std::cout << "your contact link: " << *link << " (hush link shows its QR code)\n";
    }
    return kExitOk;
  };
}

// --- link ---

CommandRun define_link(CLI::App& command) {
  auto ascii = std::make_shared<bool>(false);
  command.add_flag("--ascii", *ascii, "Draw the QR code with '#' instead of Unicode blocks");
  return [ascii](const GlobalOptions& global) -> int {
    auto session = open_home(global);
    if (!session.ok()) return session.error();
    auto link = (*session)->messenger->own_contact_link();
    if (!link.ok()) return report_failure("contact link", link.error());
    std::cout << *link << "\n";
    std::string why_not;
    if (const auto qr = draw_qr(*link, *ascii, why_not)) {
      std::cout << *qr;
    } else {
      std::cerr << "hush: no QR code for the link: " << why_not << "\n";
    }
    return kExitOk;
  };
}

// --- outbox ---

CommandRun define_outbox(CLI::App& command) {
  auto json = std::make_shared<bool>(false);
  command.add_flag("--json", *json, "One JSON object per queued message: to, id, kind, state, queued_ms");
  return [json](const GlobalOptions& global) -> int {
    auto session = open_home(global);
    if (!session.ok()) return session.error();
    auto queued = (*session)->messenger->queued();
    if (!queued.ok()) return report_failure("outbox", queued.error());
    if (!*json) {
      std::cout << queued->size() << "\n";
      return kExitOk;
    }
    for (const client::QueuedMessage& item : *queued) {
      std::cout << to_json_line({{"to", item.recipient},
                                 {"id", to_hex(item.id)},
                                 {"kind", item.kind},
                                 {"state", client::to_string(item.state)},
                                 {"queued_ms", item.queued_ms}})
                << "\n";
    }
    std::cout << std::flush;
    return kExitOk;
  };
}

// --- devices ---

CommandRun define_devices(CLI::App& command) {
  struct Options {
    bool json = false;
    std::uint32_t remove_id = 0;
  };
  auto options = std::make_shared<Options>();
  command.add_flag("--json", options->json, "One JSON object per line: id, name, created_ms, current");
  CLI::App* remove = command.add_subcommand("remove", "Remove another device of this account from the server");
  remove->add_option("id", options->remove_id, "The device id, as listed")->required();
  command.require_subcommand(0, 1);
  return [options, remove](const GlobalOptions& global) -> int {
    auto session = open_home(global);
    if (!session.ok()) return session.error();
    const Connected connected = connect_session(**session, "cannot reach the server", false);
    if (connected.stop) return *connected.stop;
    client::Account& account = *(*session)->account;
    if (remove->parsed()) {
      if (auto removed = account.remove_device(options->remove_id); !removed.ok()) {
        return report_failure("remove device " + std::to_string(options->remove_id), removed.error());
      }
      std::cout << "removed device " << options->remove_id << "\n";
      return kExitOk;
    }
    auto devices = account.list_devices();
    if (!devices.ok()) return report_failure("devices", devices.error());
    for (const client::DeviceInfo& device : *devices) {
      if (options->json) {
        std::cout << to_json_line({{"id", device.device_id},
                                   {"name", device.name},
                                   {"created_ms", device.created_ms},
                                   {"current", device.current}})
                  << "\n";
      } else {
        std::cout << device.device_id << "  " << device.name << (device.current ? "  (this device)" : "") << "\n";
      }
    }
    std::cout << std::flush;
    return kExitOk;
  };
}

// --- daemon ---

CommandRun define_daemon(CLI::App& command) {
  struct Options {
    bool jsonrpc = false;
    std::string socket;
  };
  auto options = std::make_shared<Options>();
  command.add_flag("--jsonrpc", options->jsonrpc, "Speak JSON-RPC 2.0, one object per line (the only protocol)")
      ->required();
  command.add_option("--socket", options->socket, "Serve on a Unix socket (mode 0600) instead of stdin/stdout")
      ->type_name("PATH");
  return [options](const GlobalOptions& global) -> int {
    auto session = open_home(global);
    if (!session.ok()) return session.error();
    DaemonOptions daemon;
    if (!options->socket.empty()) daemon.socket_path = options->socket;
    return run_daemon(**session, daemon);
  };
}

}  // namespace hush::cli
