// The commands about contacts: contacts (list, add by name or link), verify (safety number, its
// QR code, marking verified) and trust (accepting a changed identity key).
#include <iostream>

#include "arguments.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "message_json.hpp"
#include "message_text.hpp"
#include "qr.hpp"

namespace hush::cli {

namespace {

constexpr std::string_view kLinkScheme = "hush://";

int add_contact(Session& session, const std::string& target) {
  client::Messenger& messenger = *session.messenger;
  if (target.starts_with(kLinkScheme)) {
    auto contact = messenger.add_contact_link(target);
    if (!contact.ok()) return report_failure("add the contact link", contact.error());
    std::cout << "added " << contact->name
              << (contact->verified ? " (verified)"
                                    : " (its identity is checked against the link's fingerprint at the first message)")
              << "\n";
    return kExitOk;
  }
  auto added = messenger.add_contact(target);
  if (!added.ok()) return report_failure("add " + target, added.error());
  std::cout << "added " << target << "\n";
  return kExitOk;
}

std::optional<client::Contact> find_contact(client::Messenger& messenger, const std::string& name) {
  auto contacts = messenger.contacts();
  if (!contacts.ok()) return std::nullopt;
  for (client::Contact& contact : *contacts) {
    if (contact.name == name) return std::move(contact);
  }
  return std::nullopt;
}

}  // namespace

CommandRun define_contacts(CLI::App& command) {
  struct Options {
    bool json = false;
    std::string target;
  };
  auto options = std::make_shared<Options>();
  command.add_flag("--json", options->json, "One JSON object per line: name, verified, identity_changed, ...");
  CLI::App* add = command.add_subcommand("add", "Add a contact by account name or by contact link (hush://...)");
  add->add_option("target", options->target, "NAME or hush://HOST:PORT/NAME#FINGERPRINT")->required();
  add->fallthrough();
  command.require_subcommand(0, 1);
  return [options, add](const GlobalOptions& global) -> int {
    auto session = open_home(global);
    if (!session.ok()) return session.error();
    if (add->parsed()) return add_contact(**session, options->target);
    auto contacts = (*session)->messenger->contacts();
    if (!contacts.ok()) return report_failure("contacts", contacts.error());
    for (const client::Contact& contact : *contacts) {
      std::cout << (options->json ? to_json_line(contact_to_json(contact)) : contact_to_text(contact)) << "\n";
    }
    std::cout << std::flush;
    return kExitOk;
  };
}

CommandRun define_verify(CLI::App& command) {
  struct Options {
    std::string peer;
    bool mark_verified = false, ascii = false;
  };
  auto options = std::make_shared<Options>();
  command.add_option("name", options->peer, "The contact")->required();
  command.add_flag("--mark-verified", options->mark_verified,
                   "Record that you compared the number with the contact and it matched");
  command.add_flag("--ascii", options->ascii, "Draw the QR code with '#' instead of Unicode blocks");
  command.footer(
      "Compare the number with the contact in person or on a call you trust (their `hush verify` shows the same\n"
      "number), or scan each other's QR code: it holds the scannable fingerprint as lower-case hex text.");
  return [options](const GlobalOptions& global) -> int {
    const std::string& peer = options->peer;
    auto session = open_home(global);
    if (!session.ok()) return session.error();
    client::Messenger& messenger = *(*session)->messenger;
    // Offline when the contact's identity is stored; the server is asked only when it is not.
    auto number = messenger.safety_number(peer);
    if (!number.ok() && number.error().kind == client::ClientErrorKind::kTransport) {
      const Connected connected = connect_session(**session, "cannot fetch " + peer + "'s keys", false);
      if (connected.stop) return *connected.stop;
      number = messenger.safety_number(peer);
    }
    if (!number.ok()) return report_failure("safety number with " + peer, number.error(), peer);

    std::cout << "Safety number with " << peer << ":\n  " << format_safety_number_groups(number->display) << "\n";
    std::string why_not;
    if (const auto qr = draw_qr(safety_number_qr_payload(number->scannable), options->ascii, why_not)) {
      std::cout << *qr;
    } else {
      std::cerr << "hush: no QR code for the safety number: " << why_not << "\n";
    }
    if (options->mark_verified) {
      auto marked = messenger.mark_verified(peer);
      if (!marked.ok()) return report_failure("mark " + peer + " verified", marked.error(), peer);
      // Messages held while the identity change was pending are readable now.
      for (const client::Message& message : *marked) print_message(message, false, **session);
    }
    const auto contact = find_contact(messenger, peer);
    if (contact && contact->identity_changed) {
      std::cout << "WARNING: " << peer << "'s identity key changed and is not accepted yet. If the number above "
                << "matches " << peer << "'s, run: hush trust " << peer << "\n";
    }
    if (contact && contact->verified) {
      std::cout << peer << " is verified\n";
    } else {
      std::cout << peer << " is not verified: compare the number with " << peer << ", then run: hush verify " << peer
                << " --mark-verified\n";
    }
    return kExitOk;
  };
}

CommandRun define_trust(CLI::App& command) {
  struct Options {
    std::string peer;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  command.add_option("name", options->peer, "The contact whose new identity key you accept")->required();
  command.add_flag("--json", options->json, "Print the held messages as JSON lines (as receive --json)");
  command.footer("Check the new safety number first (hush verify NAME). Trusting clears the contact's `verified`.");
  return [options](const GlobalOptions& global) -> int {
    const std::string& peer = options->peer;
    auto session = open_home(global);
    if (!session.ok()) return session.error();
    // Connected, the messages waiting for this contact go out at once; offline, at the next connection.
    const Connected connected = connect_session(**session, "cannot connect", /*queue_offline=*/true);
    if (connected.stop) return *connected.stop;
    auto released = (*session)->messenger->trust_identity(peer);
    if (!released.ok()) return report_failure("trust " + peer, released.error(), peer);
    for (const client::Message& message : *released) {
      print_message(message, options->json, **session);
    }
    if (!options->json) {
      std::cout << "accepted " << peer << "'s new identity key; " << released->size() << " held message(s) decrypted"
                << std::endl;
    }
    if (connected.offline) {
      std::cerr << "hush: not connected (" << connected.offline->detail << "): messages to " << peer
                << " go at the next connection\n";
    }
    return kExitOk;
  };
}

}  // namespace hush::cli
