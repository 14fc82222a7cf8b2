// hush: the command-line client of the hush messenger. This file is the table of commands and the
// global options; each command lives in commands.hpp's define_* functions, and all logic in
// libs/client. docs/cli.md documents every command, output field and exit code.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <system_error>

#include "commands.hpp"
#include "exit_codes.hpp"

#ifndef HUSH_VERSION
#define HUSH_VERSION "unknown"
#endif

namespace {

using namespace hush::cli;

constexpr const char* kDescription =
    "hush: end-to-end encrypted messages through a self-hosted hushd.\n"
    "\n"
    "  hush --home ~/.hush register --server wss://chat.example.org:443 --username alice --pin HEX\n"
    "  hush --home ~/.hush send bob \"Hi Bob\"\n"
    "  hush --home ~/.hush receive --follow\n"
    "\n"
    "Everything lives in the home folder: the encrypted store (unlocked with HUSH_PASSPHRASE if set,\n"
    "else the key file HOME/store.key), received files in HOME/attachments. Documentation: docs/cli.md.\n";

constexpr CommandDefinition kCommands[] = {
    {"register", "Create an account on a hushd, with a new identity and store in the home", define_register},
    {"send", "Send a text, a file (--file) or a location (--location) to a contact or a --group; prints the id",
     define_send},
    {"receive", "Print new messages, receipts and identity changes (--follow: until Ctrl-C)", define_receive},
    {"history", "Print the stored conversation with a contact or a --group (offline)", define_history},
    {"contacts", "List contacts (offline); `contacts add NAME|LINK` adds one", define_contacts},
    {"verify", "Show the safety number with a contact and its QR code; --mark-verified", define_verify},
    {"trust", "Accept a contact's changed identity key (check `hush verify` first)", define_trust},
    {"link", "Print this account's contact link and its QR code", define_link},
    {"read", "Mark a contact's messages read and send the read receipt", define_read},
    {"react", "React to a message with an emoji (\"\" removes the reaction)", define_react},
    {"delete", "Delete one of your messages for everyone", define_delete},
    {"expire", "Set a conversation's disappearing-message timer (30s to 4w, or off)", define_expire},
    {"group", "Create a group, change its members, admins or name, leave it, or show it (info)", define_group},
    {"groups", "List your groups (offline)", define_groups},
    {"typing", "Tell a contact or #GROUP you are typing (--stop: you stopped); never stored", define_typing},
    {"outbox", "Print how many messages wait to be sent", define_outbox},
    {"link-device", "On a new device: show a code, wait for `add-device CODE`, become a device of the account",
     define_link_device},
    {"add-device", "Approve a new device of this account from the code it shows", define_add_device},
    {"devices", "List this account's devices; `devices remove ID` removes another one", define_devices},
    {"endpoints", "List the ways to reach the server; `endpoints add URL`, `endpoints remove N`", define_endpoints},
    {"probe", "Find what blocks the way to the server, step by step per endpoint (--json)", define_probe},
    {"daemon", "Serve JSON-RPC 2.0 on stdin/stdout or a Unix socket (--jsonrpc)", define_daemon},
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kDescription, "hush"};
  app.get_formatter()->column_width(30);
  app.set_version_flag("--version", std::string("hush ") + HUSH_VERSION);
  GlobalOptions global;
  app.add_option("--home", global.home, "The account's home folder (required)")
      ->type_name("DIR")
      ->envname("HUSH_HOME")
      ->required();
  double connect_timeout_seconds = 0;
  auto* connect_timeout =
      app.add_option("--connect-timeout", connect_timeout_seconds,
                     "Seconds each server endpoint may take to connect before the next is tried (default 10)")
          ->type_name("SECONDS")
          ->check(CLI::Range(kMinConnectTimeoutSeconds, kMaxConnectTimeoutSeconds));
  app.footer(exit_code_help() +
             "\nEnvironment: HUSH_HOME (the home folder), HUSH_PASSPHRASE (unlocks the store instead of\n"
             "HOME/store.key; set it at register to protect the store with a passphrase).");

  std::vector<std::pair<CLI::App*, CommandRun>> runs;
  for (const CommandDefinition& definition : kCommands) {
    CLI::App* command = app.add_subcommand(definition.name, definition.summary);
    command->fallthrough();  // --home may also come after the command's name
    runs.emplace_back(command, definition.define(*command));
  }
  app.require_subcommand(1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version end here with 0; every other parse error is a usage error.
    return app.exit(error) == 0 ? kExitOk : kExitUsage;
  }
  // Absolute, so that the paths hush prints (saved attachments) do not depend on where it ran.
  std::error_code ignored;
  if (auto absolute = std::filesystem::absolute(global.home, ignored); !ignored) global.home = absolute;
  if (connect_timeout->count() > 0) {
    global.connect_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(connect_timeout_seconds * 1000.0));
  }
  for (const auto& [command, run] : runs) {
    if (command->parsed()) return run(global);
  }
  return kExitUsage;
}
