// Fuzzes PreKeySignalMessage::parse (and, through it, the inner SignalMessage). On success:
// re-parsing gives the same fields, and re-creating from the parsed fields round-trips.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "hush/protocol/messages.hpp"

namespace {

using hush::protocol::PreKeySignalMessage;
using hush::protocol::SignalMessage;

bool same_inner(const SignalMessage& a, const SignalMessage& b) {
  return a.version() == b.version() && a.ratchet_key() == b.ratchet_key() && a.counter() == b.counter() &&
         a.previous_counter() == b.previous_counter() && a.serialized() == b.serialized();
}

bool same_fields(const PreKeySignalMessage& a, const PreKeySignalMessage& b) {
  return a.version() == b.version() && a.registration_id() == b.registration_id() && a.prekey_id() == b.prekey_id() &&
         a.signed_prekey_id() == b.signed_prekey_id() && a.base_key() == b.base_key() &&
         a.identity_key() == b.identity_key() && same_inner(a.message(), b.message());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto message = PreKeySignalMessage::parse(hush::ByteView(data, size));
  if (!message) return 0;

  HUSH_FUZZ_CHECK(message->serialized() == hush::Bytes(data, data + size));
  // The inner message is a whole SignalMessage that parses on its own.
  auto inner = SignalMessage::parse(message->message().serialized());
  HUSH_FUZZ_CHECK(inner.ok());
  HUSH_FUZZ_CHECK(same_inner(*inner, message->message()));

  auto reparsed = PreKeySignalMessage::parse(message->serialized());
  HUSH_FUZZ_CHECK(reparsed.ok());
  HUSH_FUZZ_CHECK(same_fields(*message, *reparsed));

  PreKeySignalMessage created =
      PreKeySignalMessage::create(message->registration_id(), message->prekey_id(), message->signed_prekey_id(),
                                  message->base_key(), message->identity_key(), message->message());
  auto created_parsed = PreKeySignalMessage::parse(created.serialized());
  HUSH_FUZZ_CHECK(created_parsed.ok());
  HUSH_FUZZ_CHECK(same_fields(*message, *created_parsed));
  return 0;
}
