// Fuzzes SenderKeyDistributionMessage::parse and process_sender_key_distribution into an
// in-memory store. Checks: the stored state is the one the message describes; processing the same
// message again changes nothing (a replayed distribution must not rewind the chain). When the
// message carries the fixed signing key (as the seeds do), a group message is sent on that chain
// and must decrypt once, out of order, and never twice, even after the distribution is replayed.
#include <cstddef>
#include <cstdint>
#include <limits>

#include "fuzz_support.hpp"
#include "hush/protocol/messages.hpp"
#include "hush/protocol/sender_keys.hpp"

namespace {

using namespace hush;
using namespace hush::protocol;

const SenderKeyName& sender_name() {
  static const SenderKeyName name{to_bytes("fuzz group"), ProtocolAddress{"carol", 2}};
  return name;
}

// Encrypts on the chain `distribution` describes, as its owner would, and decrypts at `receiver`.
void check_group_messages(InMemorySenderKeyStore& receiver, const SenderKeyDistributionMessage& distribution) {
  const auto& keys = fuzz::fixed_keys();
  SenderKeyState own;
  own.key_id = distribution.key_id();
  own.chain_key.iteration = distribution.iteration();
  own.chain_key.seed = distribution.chain_key();
  own.signing_public = keys.signing_public;
  own.signing_private = keys.signing_private;
  SenderKeyRecord own_record;
  own_record.add_state(std::move(own));
  InMemorySenderKeyStore sender_store;
  sender_store.store_sender_key(sender_name(), own_record);

  crypto::SeededRng rng(distribution.iteration());
  auto first = group_encrypt(sender_store, sender_name(), as_bytes("first"), rng);
  auto second = group_encrypt(sender_store, sender_name(), as_bytes("second"), rng);
  HUSH_FUZZ_CHECK(first.ok() && second.ok());

  // Out of order: the second message first, then the first from the skipped keys.
  auto second_plain = group_decrypt(receiver, sender_name(), *second);
  auto first_plain = group_decrypt(receiver, sender_name(), *first);
  // A chain at the very end of the 32-bit iteration space wraps; such a chain cannot come from a
  // real sender (4 billion messages), so only its safety, not its liveness, is checked.
  const bool wraps = distribution.iteration() > std::numeric_limits<std::uint32_t>::max() - 2;
  if (!wraps) {
    HUSH_FUZZ_CHECK(second_plain.ok() && to_string(second_plain->view()) == "second");
    HUSH_FUZZ_CHECK(first_plain.ok() && to_string(first_plain->view()) == "first");
  } else {
    HUSH_FUZZ_CHECK(!second_plain.ok() || to_string(second_plain->view()) == "second");
    HUSH_FUZZ_CHECK(!first_plain.ok() || to_string(first_plain->view()) == "first");
  }

  // Never twice, and a replayed distribution message does not make them decrypt again. (In the
  // wrapping case a message refused the first time may decrypt now: that is not a replay.)
  HUSH_FUZZ_CHECK(!group_decrypt(receiver, sender_name(), *first).ok());
  HUSH_FUZZ_CHECK(process_sender_key_distribution(receiver, sender_name(), distribution.serialized().view()).ok());
  if (first_plain) HUSH_FUZZ_CHECK(!group_decrypt(receiver, sender_name(), *first).ok());
  if (second_plain) HUSH_FUZZ_CHECK(!group_decrypt(receiver, sender_name(), *second).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  auto distribution = SenderKeyDistributionMessage::parse(input);

  InMemorySenderKeyStore store;
  auto processed = process_sender_key_distribution(store, sender_name(), input);
  // process_sender_key_distribution parses exactly as parse() does.
  HUSH_FUZZ_CHECK(processed.ok() == distribution.ok());
  if (!distribution) {
    HUSH_FUZZ_CHECK(!store.load_sender_key(sender_name()).has_value());
    return 0;
  }
  HUSH_FUZZ_CHECK(distribution->serialized().view().size() == size);

  auto record = store.load_sender_key(sender_name());
  HUSH_FUZZ_CHECK(record.has_value());
  SenderKeyState* state = record->find(distribution->key_id());
  HUSH_FUZZ_CHECK(state != nullptr);
  HUSH_FUZZ_CHECK(state->chain_key.iteration == distribution->iteration());
  HUSH_FUZZ_CHECK(state->chain_key.seed == distribution->chain_key());
  HUSH_FUZZ_CHECK(state->signing_public == distribution->signing_key());
  HUSH_FUZZ_CHECK(!state->signing_private.has_value());

  // The stored record survives its storage format.
  const crypto::SecretBytes stored = record->serialize();
  auto reloaded = SenderKeyRecord::deserialize(stored.view());
  HUSH_FUZZ_CHECK(reloaded.ok());
  HUSH_FUZZ_CHECK(reloaded->serialize() == stored);

  // Replaying the same distribution message leaves the record as it was.
  HUSH_FUZZ_CHECK(process_sender_key_distribution(store, sender_name(), input).ok());
  HUSH_FUZZ_CHECK(store.load_sender_key(sender_name())->serialize() == stored);

  if (distribution->signing_key() == fuzz::fixed_keys().signing_public) check_group_messages(store, *distribution);
  return 0;
}
