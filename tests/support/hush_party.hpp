// HushParty: one device played by hush's own protocol library with in-memory stores, shaped
// like LspcParty so interop tests and benchmarks can pair the two. Bundles convert both ways.
#pragma once

#include <memory>
#include <string>

#include "hush/protocol/memory_stores.hpp"
#include "hush/protocol/prekey_bundle.hpp"
#include "hush/protocol/session_builder.hpp"
#include "hush/protocol/session_cipher.hpp"
#include "lspc_peer.hpp"

namespace hush::test {

class HushParty {
 public:
  // Identity, registration id and signed prekey (id 1) from `rng_seed` (0 = system randomness).
  HushParty(std::string name, std::uint32_t device_id, std::uint64_t rng_seed = 0);

  const protocol::ProtocolAddress& address() const { return address_; }
  protocol::InMemoryProtocolStore& store() { return *store_; }
  protocol::ProtocolStores stores() { return store_->stores(); }
  crypto::Rng& rng() { return *rng_; }
  Bytes identity_public() const;  // 33 bytes

  // A bundle with the signed prekey and, if asked, a new stored one-time prekey.
  protocol::PreKeyBundle make_bundle(bool with_one_time_prekey = true);
  bool has_one_time_prekey(std::uint32_t id) const { return store_->prekeys.load_prekey(id).has_value(); }

  Result<void, protocol::ProtocolError> process_bundle(const protocol::ProtocolAddress& peer,
                                                       const protocol::PreKeyBundle& bundle);
  Result<protocol::CiphertextMessage, protocol::ProtocolError> encrypt(const protocol::ProtocolAddress& peer,
                                                                       ByteView plaintext);
  Result<crypto::SecretBytes, protocol::ProtocolError> decrypt(const protocol::ProtocolAddress& peer, int type,
                                                               ByteView serialized);

 private:
  protocol::ProtocolAddress address_;
  std::unique_ptr<crypto::Rng> rng_;
  std::unique_ptr<protocol::InMemoryProtocolStore> store_;
  protocol::SignedPreKeyRecord signed_prekey_;
  std::uint32_t next_prekey_id_ = 1;
};

// Bundle conversions between the two implementations' representations.
LspcBundle to_lspc(const protocol::PreKeyBundle& bundle);
// Aborts on a bundle whose keys do not decode (test bug).
protocol::PreKeyBundle from_lspc(const LspcBundle& bundle);

}  // namespace hush::test
