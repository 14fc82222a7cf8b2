// Long-term and medium-term keys: identity key pairs, one-time prekeys, signed prekeys, and the
// prekey bundle a server hands out. Generation takes randomness and time from the caller.
// Does not own: storage of these keys (stores.hpp) or session setup (session_builder.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/random.hpp"

namespace hush::protocol {

using IdentityKey = crypto::PublicKey;

struct IdentityKeyPair {
  IdentityKey public_key;
  crypto::PrivateKey private_key;

  static IdentityKeyPair generate(crypto::Rng& rng);
};

struct PreKeyRecord {
  std::uint32_t id = 0;
  crypto::KeyPair key_pair;
};

struct SignedPreKeyRecord {
  std::uint32_t id = 0;
  crypto::KeyPair key_pair;
  crypto::Signature signature{};  // identity signature over the 33-byte serialized public key
  std::uint64_t timestamp_ms = 0;
};

// What a server hands out so that someone can start a session with a device.
struct PreKeyBundle {
  std::uint32_t registration_id = 0;
  std::uint32_t device_id = 0;
  std::optional<std::uint32_t> one_time_prekey_id;
  std::optional<crypto::PublicKey> one_time_prekey;
  std::uint32_t signed_prekey_id = 0;
  crypto::PublicKey signed_prekey;
  crypto::Signature signed_prekey_signature{};
  IdentityKey identity_key;
};

// A registration id in [1, 16380], as libsignal-protocol-c's default range.
std::uint32_t generate_registration_id(crypto::Rng& rng);

// `count` one-time prekeys with ids start, start+1, ... wrapped into [1, kMediumMaxValue - 1].
std::vector<PreKeyRecord> generate_prekeys(std::uint32_t start, std::uint32_t count, crypto::Rng& rng);

// A signed prekey: a fresh key pair signed by the identity key.
SignedPreKeyRecord generate_signed_prekey(const IdentityKeyPair& identity, std::uint32_t id, std::uint64_t timestamp_ms,
                                          crypto::Rng& rng);

// True when the bundle's signed prekey signature verifies under its identity key.
bool verify_signed_prekey(const IdentityKey& identity, const crypto::PublicKey& signed_prekey,
                          const crypto::Signature& signature);

}  // namespace hush::protocol
