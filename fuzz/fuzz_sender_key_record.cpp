// Fuzzes SenderKeyRecord::deserialize. On success the record must survive its own storage format
// byte for byte, and must be usable without crashing: to send (when it holds our own chain) and
// to decrypt a fixed group message (a failure leaves the stored record unchanged).
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "hush/protocol/memory_stores.hpp"
#include "hush/protocol/sender_keys.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hush;
  using namespace hush::protocol;

  auto record = SenderKeyRecord::deserialize(ByteView(data, size));
  if (!record) return 0;

  const crypto::SecretBytes first = record->serialize();
  auto reloaded = SenderKeyRecord::deserialize(first.view());
  HUSH_FUZZ_CHECK(reloaded.ok());
  HUSH_FUZZ_CHECK(reloaded->serialize() == first);
  HUSH_FUZZ_CHECK(reloaded->empty() == record->empty());

  const fuzz::GroupFixture& group = fuzz::group_fixture();
  InMemorySenderKeyStore store;
  store.store_sender_key(group.name, *record);

  // As the receiver of the fixed chain: decrypt the fixed message.
  auto plaintext = group_decrypt(store, group.name, group.message);
  if (plaintext) {
    // Decrypted once; never again from the stored result.
    HUSH_FUZZ_CHECK(!group_decrypt(store, group.name, group.message).ok());
  } else {
    HUSH_FUZZ_CHECK(store.load_sender_key(group.name)->serialize() == first);
  }

  // As the owner of the record's current chain: send.
  InMemorySenderKeyStore own;
  own.store_sender_key(group.name, *reloaded);
  crypto::SeededRng rng(size);
  (void)group_encrypt(own, group.name, as_bytes("fuzz"), rng);
  return 0;
}
