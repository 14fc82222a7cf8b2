// Two parties in one process establish a Signal Protocol session (X3DH from a prekey bundle),
// exchange a few messages through the Double Ratchet, and print ciphertext sizes and the safety
// number both of them see. Everything a real device would store stays in memory here.
#include <cstdio>
#include <string>

#include "hush/protocol/fingerprint.hpp"
#include "hush/protocol/memory_stores.hpp"
#include "hush/protocol/session_builder.hpp"
#include "hush/protocol/session_cipher.hpp"
#include "hush/wire/content_codec.hpp"

namespace {

using namespace hush;
using namespace hush::protocol;

struct Device {
  Device(std::string name, crypto::Rng& rng)
      : address{std::move(name), 1}, store(IdentityKeyPair::generate(rng), generate_registration_id(rng)) {}
  ProtocolAddress address;
  InMemoryProtocolStore store;
};

const char* type_name(MessageType type) {
  return type == MessageType::kPreKey ? "PreKeySignalMessage" : "SignalMessage";
}

int fail_with(const char* what, ProtocolError error) {
  std::fprintf(stderr, "demo: %s failed: %s\n", what, to_string(error));
  return 1;
}

// Sends `text` from `from` to `to` as padded Content, printing sizes; returns false on error.
bool send(Device& from, Device& to, const std::string& text, crypto::Rng& rng) {
  wire::content::Content content;
  Bytes id(wire::kMessageIdSize);
  rng.fill(id);
  content.set_message_id(to_string(id));
  content.mutable_data()->set_text(text);
  auto padded = wire::encode_content(content);
  auto from_stores = from.store.stores();
  auto message = encrypt(from_stores, to.address, *padded, rng);
  if (!message) return fail_with("encrypt", message.error()) == 0;
  auto to_stores = to.store.stores();
  auto plaintext = decrypt(to_stores, from.address, message->type, message->serialized);
  if (!plaintext) return fail_with("decrypt", plaintext.error()) == 0;
  auto received = wire::decode_content(plaintext->view());
  std::printf("  %-5s -> %-5s  %-20s %4zu bytes on the wire (%3zu padded plaintext)  \"%s\"\n",
              from.address.name.c_str(), to.address.name.c_str(), type_name(message->type), message->serialized.size(),
              padded->size(), received->data().text().c_str());
  return true;
}

}  // namespace

int main() {
  crypto::SystemRng rng;
  Device alice("alice", rng);
  Device bob("bob", rng);

  // Bob publishes a bundle: a signed prekey and one one-time prekey.
  SignedPreKeyRecord signed_prekey = generate_signed_prekey(bob.store.identities.identity_key_pair(), 1, 0, rng);
  PreKeyRecord one_time = generate_prekeys(1, 1, rng).front();
  bob.store.signed_prekeys.store_signed_prekey(signed_prekey);
  bob.store.prekeys.store_prekey(one_time);
  PreKeyBundle bundle;
  bundle.registration_id = bob.store.identities.local_registration_id();
  bundle.device_id = 1;
  bundle.one_time_prekey_id = one_time.id;
  bundle.one_time_prekey = one_time.key_pair.public_key;
  bundle.signed_prekey_id = signed_prekey.id;
  bundle.signed_prekey = signed_prekey.key_pair.public_key;
  bundle.signed_prekey_signature = signed_prekey.signature;
  bundle.identity_key = bob.store.identities.identity_key_pair().public_key;

  std::printf("hush protocol demo: X3DH + Double Ratchet, Signal Protocol v3 wire format\n");
  auto alice_stores = alice.store.stores();
  if (auto built = process_prekey_bundle(alice_stores, bob.address, bundle, rng); !built) {
    return fail_with("session setup", built.error());
  }
  std::printf("  alice verified bob's signed prekey and started a session\n");

  const char* script[][3] = {{"a", "b", "Hi Bob, this is end-to-end encrypted."},
                             {"a", "b", "Both of these go out as PreKey messages."},
                             {"b", "a", "Hi Alice! My reply completes the handshake."},
                             {"a", "b", "From now on, plain SignalMessages."},
                             {"b", "a", "Every reply turns the DH ratchet."}};
  for (const auto& line : script) {
    Device& from = line[0][0] == 'a' ? alice : bob;
    Device& to = line[0][0] == 'a' ? bob : alice;
    if (!send(from, to, line[2], rng)) return 1;
  }
  std::printf("  bob's one-time prekey consumed: %s\n", bob.store.prekeys.size() == 0 ? "yes" : "no");

  auto at_alice =
      make_fingerprint("alice", alice.store.identities.identity_key_pair().public_key, "bob", bundle.identity_key);
  auto at_bob =
      make_fingerprint("bob", bundle.identity_key, "alice", alice.store.identities.identity_key_pair().public_key);
  std::printf("  safety number (alice): %s\n", format_safety_number(at_alice.display).c_str());
  std::printf("  safety number (bob):   %s\n", format_safety_number(at_bob.display).c_str());
  std::printf("  scannable codes match: %s\n", *compare_scannable(at_alice.scannable, at_bob.scannable) ? "yes" : "no");
  return at_alice.display == at_bob.display ? 0 : 1;
}
