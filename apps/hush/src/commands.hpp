// The hush command's commands: each define_* adds one command's options and positionals to its
// CLI11 subcommand and returns what runs it once the command line is parsed. main.cpp holds the
// table; the helpers below are what every command shares (opening the home, connecting,
// reporting a failure with its exit code, printing messages).
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hush/client/endpoints/reconnect_backoff.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "unlock.hpp"

namespace hush::cli {

struct GlobalOptions {
  std::filesystem::path home;
  // --connect-timeout: how long each endpoint may take to connect; default ConnectionOptions'.
  std::optional<std::chrono::milliseconds> connect_timeout;
};

// The bounds of --connect-timeout, in seconds: below 1 s a TLS handshake over Tor or a slow mobile
// link cannot finish; above 120 s a blackholed endpoint keeps the person waiting for minutes.
inline constexpr double kMinConnectTimeoutSeconds = 1;
inline constexpr double kMaxConnectTimeoutSeconds = 120;

// Runs a parsed command; returns the process exit code (exit_codes.hpp).
using CommandRun = std::function<int(const GlobalOptions&)>;

struct CommandDefinition {
  const char* name;
  const char* summary;
  CommandRun (*define)(CLI::App& command);
};

CommandRun define_register(CLI::App& command);
CommandRun define_send(CLI::App& command);
CommandRun define_react(CLI::App& command);
CommandRun define_delete(CLI::App& command);
CommandRun define_expire(CLI::App& command);
CommandRun define_typing(CLI::App& command);
CommandRun define_receive(CLI::App& command);
CommandRun define_read(CLI::App& command);
CommandRun define_history(CLI::App& command);
CommandRun define_contacts(CLI::App& command);
CommandRun define_verify(CLI::App& command);
CommandRun define_trust(CLI::App& command);
CommandRun define_link(CLI::App& command);
CommandRun define_outbox(CLI::App& command);
CommandRun define_devices(CLI::App& command);
CommandRun define_group(CLI::App& command);
CommandRun define_link_device(CLI::App& command);
CommandRun define_add_device(CLI::App& command);
CommandRun define_groups(CLI::App& command);
CommandRun define_daemon(CLI::App& command);
CommandRun define_endpoints(CLI::App& command);
CommandRun define_probe(CLI::App& command);

// --- shared by the commands (commands.cpp) ---

// Prints "hush: <what>: <describe(error)>" and a hint where one helps (for an identity change,
// the commands to run about `peer`) on stderr, as one line; returns the error's exit code.
int report_failure(const std::string& what, const client::ClientError& error, const std::string& peer = "");

// Prints "hush: <what>" on stderr; returns `code`.
int report(const std::string& what, int code);

// Prints "queued: will be sent at the next connection (<detail>)" on stderr; returns kExitNetwork.
int report_queued(const client::ClientError& error);

// Opens the home's account, or reports why not (the exit code in the error).
Result<std::unique_ptr<Session>, int> open_home(const GlobalOptions& global);

// Connects (logs in, flushes the outbox). A kTransport failure is returned when `queue_offline`
// (the command's work can wait in the outbox) and reported otherwise; any other failure is
// reported. Returns the exit code when the command must stop.
struct Connected {
  std::optional<int> stop;                     // exit now with this code
  std::optional<client::ClientError> offline;  // not connected, for this reason (queue_offline only)
};
Connected connect_session(Session& session, const std::string& what, bool queue_offline);

// --via, --sni and --host, which `register` and `endpoints add` share: the endpoint's proxy URL,
// TLS server name and Host header, each used only when given on the command line.
struct EndpointOptions {
  std::string via, sni, host;
};
void add_endpoint_options(CLI::App& command, EndpointOptions& options);
// The endpoint `url` and the options given to `command` describe, or the usage error's exit code
// (reported).
Result<client::Endpoint, int> endpoint_from_options(const CLI::App& command, const std::string& url,
                                                    const EndpointOptions& options);

// --server, --ca, --pin and the endpoint options: how a new home reaches and trusts its server
// (`register`, `link-device`).
struct ServerOptions {
  std::string server, ca_file, pin;
  EndpointOptions endpoint;
};
void add_server_options(CLI::App& command, ServerOptions& options);
struct NewHome {
  client::ServerSettings server;
  client::AccountOptions account;
};
// The server settings and account options they describe; without --ca or --pin, the certificate
// the server presents now is pinned (and its fingerprint printed). Reports a failure and returns
// its exit code.
Result<NewHome, int> new_home_settings(const CLI::App& command, const ServerOptions& options);

// A reconnection backoff whose jitter is seeded from the session's random generator, so that
// clients cut off together do not retry together.
client::ReconnectBackoff new_backoff(Session& session);

// connect_report_text() of the account's last connection attempt on stderr, when it tried more
// than one endpoint.
void print_connect_report(const client::ConnectReport& report);

// Prints one message: its human line, or its JSON object when `json`; one line, flushed. A group
// message is shown with its group's name, looked up in the session's store.
void print_message(const client::Message& message, bool json, Session& session);

// The conversation a command is about: the contact `name`, or with `group` given (or a `name`
// of "#GROUP") the group it names (its id or unique name; Messenger::find_group) as its
// conversation's peer. Reports a
// failure (usage: both or neither given; an unknown group) and returns its exit code.
Result<std::string, int> conversation(Session& session, const std::string& name, const std::string& group);

}  // namespace hush::cli
