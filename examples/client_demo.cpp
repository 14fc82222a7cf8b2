// client_demo: two people on one hushd. Registers alice and bob (each with a home folder of their
// own: an encrypted local store), sends texts both ways through the server, prints what each
// decrypted, and the safety number both compute for their conversation. The server is a real
// hushd started by scripts/demo; this program is only a client of it, over TLS with the server's
// certificate pinned by its SHA-256 fingerprint.
//
//   client_demo --port PORT --fingerprint HEX --homes DIR
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <string>

#include "hush/client/messenger/messenger.hpp"
#include "hush/protocol/fingerprint.hpp"

namespace {

using namespace hush;
using namespace std::chrono_literals;

// The demo's passphrase; a real client asks its user (and never prints it).
constexpr std::string_view kDemoPassphrase = "demo passphrase, not a secret";

[[noreturn]] void die(const std::string& what, const client::ClientError& error) {
  std::cerr << "client_demo: " << what << ": " << client::describe(error) << "\n";
  std::exit(1);
}

std::unique_ptr<client::Account> register_person(const std::filesystem::path& home,
                                                 const client::ServerSettings& server, const std::string& name,
                                                 crypto::Rng& rng) {
  client::Passphrase passphrase{crypto::SecretBytes(as_bytes(kDemoPassphrase))};
  auto account = client::Account::register_new(home, passphrase, server, name, "", rng, client::AccountOptions{});
  if (!account.ok()) die("registering " + name, account.error());
  std::cout << "  " << name << " registered as device " << (*account)->device_id() << ", keys uploaded, store in "
            << home.string() << "\n";
  return std::move(*account);
}

void send(client::Messenger& from, const std::string& from_name, const std::string& to, const std::string& text) {
  auto sent = from.send_text(to, text);
  if (!sent.ok()) die(from_name + " sending to " + to, sent.error());
  std::cout << "  " << from_name << " -> " << to << ": \"" << text << "\" (encrypted, stored by hushd until " << to
            << " acknowledges)\n";
}

void receive(client::Messenger& messenger, const std::string& name) {
  auto received = messenger.receive(1500ms);
  if (!received.ok()) die(name + " receiving", received.error());
  for (const client::Message& message : *received) {
    std::cout << "  " << name << " decrypted from " << message.peer << " (device " << message.peer_device << "): \""
              << message.body << "\"\n";
  }
}

// The safety number `account` computes for its conversation with `peer` (device 1).
std::string safety_number(client::Account& account, const std::string& peer) {
  auto transaction = account.store().transaction();
  const auto ours = account.store().identities().identity_key_pair().public_key;
  const auto theirs = account.store().identities().identity(protocol::ProtocolAddress{peer, 1});
  if (!theirs) return "(no identity key saved for " + peer + ")";
  return protocol::format_safety_number(protocol::make_fingerprint(account.username(), ours, peer, *theirs).display);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 0;
  std::string fingerprint_hex;
  std::filesystem::path homes;
  CLI::App app{"client_demo: alice and bob exchange end-to-end encrypted texts through hushd"};
  app.add_option("--port", port, "hushd's port on 127.0.0.1")->required();
  app.add_option("--fingerprint", fingerprint_hex, "hushd's certificate SHA-256 fingerprint (hex)")->required();
  app.add_option("--homes", homes, "folder for alice's and bob's homes (must not hold them yet)")->required();
  CLI11_PARSE(app, argc, argv);

  const auto pin = client::parse_fingerprint(fingerprint_hex);
  if (!pin) {
    std::cerr << "client_demo: --fingerprint is not 64 hex digits\n";
    return 2;
  }
  const client::ServerSettings server{{"127.0.0.1", port}, client::PinnedCertificate{*pin}};
  crypto::SystemRng rng;

  std::cout << "Registering two people on hushd at 127.0.0.1:" << port << ":\n";
  auto alice = register_person(homes / "alice", server, "alice", rng);
  auto bob = register_person(homes / "bob", server, "bob", rng);
  client::Messenger alice_messenger(*alice);
  client::Messenger bob_messenger(*bob);

  std::cout << "\nAlice starts a conversation (X3DH from bob's prekey bundle):\n";
  send(alice_messenger, "alice", "bob", "Hi Bob! This message is end-to-end encrypted.");
  receive(bob_messenger, "bob");
  std::cout << "\nBob answers (a Double Ratchet step):\n";
  send(bob_messenger, "bob", "alice", "Hi Alice, received. The server only saw ciphertext.");
  receive(alice_messenger, "alice");

  std::cout << "\nBob is offline; alice writes twice; bob comes back and gets both, in order:\n";
  bob->disconnect();
  send(alice_messenger, "alice", "bob", "Are you there?");
  send(alice_messenger, "alice", "bob", "Call me when you are back.");
  if (auto logged_in = bob->log_in(); !logged_in.ok()) die("bob logging in again", logged_in.error());
  receive(bob_messenger, "bob");

  std::cout << "\nSafety numbers (compare them in person to rule out a man in the middle):\n"
            << "  alice sees: " << safety_number(*alice, "bob") << "\n"
            << "  bob sees:   " << safety_number(*bob, "alice") << "\n";
  return 0;
}
