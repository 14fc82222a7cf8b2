// Fuzzes SessionRecord::deserialize. On success the record must survive its own storage format
// byte for byte (serialize, deserialize, serialize again), and a device holding it as its session
// with Alice must encrypt and decrypt without crashing, whatever the record says.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "hush/protocol/session_state.hpp"

namespace {

using namespace hush;
using namespace hush::protocol;

struct Fixture {
  fuzz::Pair pair = fuzz::make_established_pair();
  CiphertextMessage next_from_alice;

  Fixture() {
    fuzz::Device alice = pair.alice;
    next_from_alice = fuzz::send(alice, pair.bob, "next from alice");
  }
};

const Fixture& fixture() {
  static const Fixture instance;
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto record = SessionRecord::deserialize(ByteView(data, size));
  if (!record) return 0;

  const crypto::SecretBytes first = record->serialize();
  auto reloaded = SessionRecord::deserialize(first.view());
  HUSH_FUZZ_CHECK(reloaded.ok());
  const crypto::SecretBytes second = reloaded->serialize();
  HUSH_FUZZ_CHECK(second == first);
  HUSH_FUZZ_CHECK(reloaded->has_current() == record->has_current());
  HUSH_FUZZ_CHECK(reloaded->previous().size() == record->previous().size());

  // Use the record: a corrupt but well-formed stored record must not crash the cipher.
  const Fixture& f = fixture();
  fuzz::Device bob = f.pair.bob;
  bob.store().sessions.store_session(f.pair.alice.address(), *record);
  auto stores = bob.stores();
  (void)encrypt(stores, f.pair.alice.address(), as_bytes("reply"), bob.rng());
  const Bytes before = bob.state_digest(f.pair.alice.address());
  auto decrypted = fuzz::receive(bob, f.pair.alice, f.next_from_alice);
  if (!decrypted) HUSH_FUZZ_CHECK(bob.state_digest(f.pair.alice.address()) == before);
  return 0;
}
