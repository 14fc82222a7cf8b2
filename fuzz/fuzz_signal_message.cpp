// Fuzzes SignalMessage::parse. On success: the MAC check runs (fixed keys), re-parsing the
// serialized form gives the same fields, and re-creating a message from the parsed fields gives
// one that parses back to them and whose MAC verifies.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "hush/protocol/messages.hpp"

namespace {

using hush::protocol::SignalMessage;

bool same_fields(const SignalMessage& a, const SignalMessage& b) {
  return a.version() == b.version() && a.ratchet_key() == b.ratchet_key() && a.counter() == b.counter() &&
         a.previous_counter() == b.previous_counter() &&
         hush::Bytes(a.ciphertext().begin(), a.ciphertext().end()) ==
             hush::Bytes(b.ciphertext().begin(), b.ciphertext().end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& keys = hush::fuzz::fixed_keys();
  auto message = SignalMessage::parse(hush::ByteView(data, size));
  if (!message) return 0;

  // The MAC of a mutated message must never verify; a seed's does. Either way it must not crash.
  (void)message->verify_mac(keys.sender_identity, keys.receiver_identity, keys.mac_key);

  HUSH_FUZZ_CHECK(message->serialized() == hush::Bytes(data, data + size));
  auto reparsed = SignalMessage::parse(message->serialized());
  HUSH_FUZZ_CHECK(reparsed.ok());
  HUSH_FUZZ_CHECK(same_fields(*message, *reparsed));
  HUSH_FUZZ_CHECK(reparsed->serialized() == message->serialized());

  const auto ciphertext = message->ciphertext();
  SignalMessage created = SignalMessage::create(message->ratchet_key(), message->counter(), message->previous_counter(),
                                                hush::Bytes(ciphertext.begin(), ciphertext.end()), keys.mac_key,
                                                keys.sender_identity, keys.receiver_identity);
  auto created_parsed = SignalMessage::parse(created.serialized());
  HUSH_FUZZ_CHECK(created_parsed.ok());
  HUSH_FUZZ_CHECK(same_fields(*message, *created_parsed));
  HUSH_FUZZ_CHECK(created_parsed->verify_mac(keys.sender_identity, keys.receiver_identity, keys.mac_key));
  // The MAC binds the identities in order: swapped, it must fail.
  HUSH_FUZZ_CHECK(!created_parsed->verify_mac(keys.receiver_identity, keys.sender_identity, keys.mac_key));
  return 0;
}
