// The Double Ratchet's key derivations and X3DH session initialisation, as libsignal-protocol-c's
// ratchet.c does them (docs/protocol.md, part 1, "KDFs"):
//   X3DH     HKDF(0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4], salt 0×32, "WhisperText")   → root, chain
//   root     HKDF(DH(our ratchet, their ratchet), salt root, "WhisperRatchet")    → root, chain
//   message  HKDF(HMAC(chain, 0x01), salt 0×32, "WhisperMessageKeys")             → key, mac, iv
//   chain    HMAC(chain, 0x02)
// Pure functions of their inputs; randomness only where a new ratchet key is made.
// Does not own: which chain a message belongs to (session_cipher.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "hush/base/result.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/secret.hpp"
#include "hush/protocol/error.hpp"
#include "hush/protocol/keys.hpp"

namespace hush::protocol {

struct SessionState;

struct MessageKeys {
  crypto::SecretArray<32> cipher_key;
  crypto::SecretArray<32> mac_key;
  crypto::SecretArray<16> iv;
  std::uint32_t counter = 0;
};

struct ChainKey {
  crypto::SecretArray<32> key;
  std::uint32_t index = 0;

  // The message keys for this index and the chain key for the next, with one HMAC key schedule.
  std::pair<MessageKeys, ChainKey> step() const;
  // Only the chain key for the next index (for keys that would be dropped anyway).
  ChainKey next() const;
};

struct RootKey {
  crypto::SecretArray<32> key;

  // One DH ratchet step: a new root key and a chain key at index 0. kInvalidKey when the
  // agreement is low-order.
  Result<std::pair<RootKey, ChainKey>, ProtocolError> create_chain(const crypto::PublicKey& their_ratchet_key,
                                                                   const crypto::PrivateKey& our_ratchet_key) const;
};

// What the initiator (Alice) knows when she processes Bob's bundle.
struct AliceParameters {
  const IdentityKeyPair& our_identity;
  const crypto::KeyPair& our_base_key;
  IdentityKey their_identity;
  crypto::PublicKey their_signed_prekey;
  std::optional<crypto::PublicKey> their_one_time_prekey;
  crypto::PublicKey their_ratchet_key;     // Bob's signed prekey doubles as his first ratchet key
  const crypto::KeyPair& our_ratchet_key;  // fresh: Alice's first sending ratchet key
};

// What the responder (Bob) knows when he receives Alice's PreKeySignalMessage.
struct BobParameters {
  const IdentityKeyPair& our_identity;
  const crypto::KeyPair& our_signed_prekey;
  const crypto::KeyPair* our_one_time_prekey;  // null when the message names none
  const crypto::KeyPair& our_ratchet_key;      // the signed prekey pair
  IdentityKey their_identity;
  crypto::PublicKey their_base_key;
};

// Alice's new session: a receiver chain for Bob's signed prekey and a sending chain under her
// fresh ratchet key.
Result<SessionState, ProtocolError> initialize_alice_session(const AliceParameters& parameters);

// Bob's new session: a sending chain under his signed prekey; no receiver chain until the
// first message is decrypted.
Result<SessionState, ProtocolError> initialize_bob_session(const BobParameters& parameters);

}  // namespace hush::protocol
