// Fuzzes decryption at a device with real sessions: Bob, who has a session with Alice in both
// directions (fuzz_support.hpp, make_established_pair) and one-time prekeys left. Input: byte 0
// chooses the type (even: SignalMessage, odd: PreKeySignalMessage), the rest is the message.
// Each input works on a copy of Bob. Invariants: a failed decryption leaves Bob's stored state
// (session record, saved identity, one-time prekeys) exactly as it was; a message that decrypted
// once never decrypts again.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"

namespace {

using namespace hush;
using namespace hush::protocol;

struct Fixture {
  fuzz::Pair pair = fuzz::make_established_pair();
  Bytes bob_digest = pair.bob.state_digest(pair.alice.address());
};

const Fixture& fixture() {
  static const Fixture instance;
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const Fixture& f = fixture();
  const ProtocolAddress& alice = f.pair.alice.address();

  fuzz::Device bob = f.pair.bob;
  const MessageType type = (data[0] & 1) ? MessageType::kPreKey : MessageType::kSignal;
  const ByteView message(data + 1, size - 1);

  auto stores = bob.stores();
  auto plaintext = decrypt(stores, alice, type, message);
  if (!plaintext) {
    HUSH_FUZZ_CHECK(bob.state_digest(alice) == f.bob_digest);
    return 0;
  }
  // Decrypted: the state moved on, and the same message is now a duplicate.
  const Bytes after = bob.state_digest(alice);
  auto replay = decrypt(stores, alice, type, message);
  HUSH_FUZZ_CHECK(!replay.ok());
  HUSH_FUZZ_CHECK(bob.state_digest(alice) == after);
  return 0;
}
