// Fuzzes SenderKeyMessage::parse and verify_signature with a fixed signing key. On success:
// re-parsing gives the same fields, and a message re-created (and re-signed) from the parsed
// fields parses back to them and verifies under the fixed key only.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "hush/protocol/messages.hpp"

namespace {

using hush::protocol::SenderKeyMessage;

bool same_fields(const SenderKeyMessage& a, const SenderKeyMessage& b) {
  return a.key_id() == b.key_id() && a.iteration() == b.iteration() &&
         hush::Bytes(a.ciphertext().begin(), a.ciphertext().end()) ==
             hush::Bytes(b.ciphertext().begin(), b.ciphertext().end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& keys = hush::fuzz::fixed_keys();
  auto message = SenderKeyMessage::parse(hush::ByteView(data, size));
  if (!message) return 0;

  (void)message->verify_signature(keys.signing_public);
  (void)message->verify_signature(keys.sender_identity);

  HUSH_FUZZ_CHECK(message->serialized() == hush::Bytes(data, data + size));
  auto reparsed = SenderKeyMessage::parse(message->serialized());
  HUSH_FUZZ_CHECK(reparsed.ok());
  HUSH_FUZZ_CHECK(same_fields(*message, *reparsed));

  hush::crypto::SeededRng rng(size);
  const auto ciphertext = message->ciphertext();
  SenderKeyMessage created =
      SenderKeyMessage::create(message->key_id(), message->iteration(),
                               hush::Bytes(ciphertext.begin(), ciphertext.end()), keys.signing_private, rng);
  auto created_parsed = SenderKeyMessage::parse(created.serialized());
  HUSH_FUZZ_CHECK(created_parsed.ok());
  HUSH_FUZZ_CHECK(same_fields(*message, *created_parsed));
  HUSH_FUZZ_CHECK(created_parsed->verify_signature(keys.signing_public));
  HUSH_FUZZ_CHECK(!created_parsed->verify_signature(keys.sender_identity));
  return 0;
}
