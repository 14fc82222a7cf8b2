// Linking devices: `link-device` on the new device (shows a code and its QR code, waits for the
// approval, then becomes a device of the account with its identity and contacts) and
// `add-device CODE` on an existing one (approves it). `devices` (list, remove) is in commands.cpp.
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "hush/client/account/device_link.hpp"
#include "qr.hpp"
#include "unlock.hpp"

namespace hush::cli {

CommandRun define_link_device(CLI::App& command) {
  struct Options {
    ServerOptions server;
    double wait_seconds = std::chrono::duration<double>(client::kDefaultLinkWait).count();
    bool ascii = false;
  };
  auto options = std::make_shared<Options>();
  add_server_options(command, options->server);
  command
      .add_option("--wait", options->wait_seconds,
                  "How long to wait for the approval, in seconds (the server keeps it 600)")
      ->check(CLI::Range(1.0, 3600.0));
  command.add_flag("--ascii", options->ascii, "Draw the QR code with '#' instead of Unicode blocks");
  command.footer(
      "Run on the new device with a new home; then, on a device of the account, run `hush add-device CODE`\n"
      "with the code printed here (or its QR code). The new device gets the account's identity key and\n"
      "contacts over a channel encrypted between the two devices (the server relays it unread), and\n"
      "receives every message sent to the account from then on. Up to 6 devices per account.");
  return [options, &command](const GlobalOptions& global) -> int {
    auto settings = new_home_settings(command, options->server);
    if (!settings.ok()) return settings.error();
    auto unlock = prepare_new_home(global.home);
    if (!unlock.ok()) return report_failure("cannot prepare " + global.home.string(), unlock.error());
    Session session;
    std::vector<std::string> contacts;
    const auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(options->wait_seconds * 1000));
    auto show = [&](const std::string& code) {
      std::cout << "link code: " << code << "\n";
      std::string why_not;
      if (const auto qr = draw_qr(code, options->ascii, why_not)) std::cout << *qr;
      std::cout << "on a device of the account, run: hush add-device " << code << "\nwaiting for the approval..."
                << std::endl;
    };
    auto account = client::Account::link_new(global.home, *unlock, settings->server, session.rng, show, wait, contacts,
                                             std::move(settings->account));
    if (!account.ok()) return report_failure("link this device", account.error());
    session.account = std::move(*account);
    session.messenger = std::make_unique<client::Messenger>(*session.account);
    for (const std::string& contact : contacts) (void)session.messenger->add_contact(contact);
    // The groups come from the other devices, at their next receive and then ours.
    if (auto asked = session.messenger->request_sync(); !asked.ok()) {
      std::cerr << "hush: asking the other devices for the groups: " << client::describe(asked.error())
                << " (queued: it goes at the next connection)" << std::endl;
    }
    std::cout << "linked: device " << session.account->device_id() << " of " << session.account->username() << ", "
              << contacts.size() << " contact(s); home " << global.home.string() << std::endl;
    return kExitOk;
  };
}

CommandRun define_add_device(CLI::App& command) {
  auto code = std::make_shared<std::string>();
  command.add_option("code", *code, "The code `hush link-device` shows on the new device (hush-link:...)")->required();
  return [code](const GlobalOptions& global) -> int {
    auto session = open_home(global);
    if (!session.ok()) return session.error();
    const Connected connected = connect_session(**session, "cannot reach the server", false);
    if (connected.stop) return *connected.stop;
    if (auto approved = (*session)->messenger->add_device(*code); !approved.ok()) {
      return report_failure("add the device", approved.error());
    }
    std::cout << "approved: the new device finishes linking by itself" << std::endl;
    return kExitOk;
  };
}

}  // namespace hush::cli
