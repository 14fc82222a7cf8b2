// Sender Keys, the group layer WhatsApp and Signal run: each sender device has a chain key and
// a signing key per group, distributed to every member over the pairwise sessions
// (SenderKeyDistributionMessage); each group message is encrypted once with the next message
// key of that chain and signed. Derivations as libsignal-protocol-c's sender_key.c:
//   seed = HMAC(chain, 0x01); HKDF(seed, salt 0×32, "WhisperGroup", 48) → iv[0..16], key[16..48]
//   next chain = HMAC(chain, 0x02)
// Does not own: group membership (the client), or delivery of distribution messages.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <vector>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/random.hpp"
#include "hush/crypto/secret.hpp"
#include "hush/protocol/address.hpp"
#include "hush/protocol/error.hpp"

namespace hush::protocol {

class SenderKeyStore;

inline constexpr std::uint32_t kSenderKeyRecordFormatVersion = 1;

// Whose chain in which group.
struct SenderKeyName {
  Bytes group_id;
  ProtocolAddress sender;

  friend auto operator<=>(const SenderKeyName&, const SenderKeyName&) = default;
  friend bool operator==(const SenderKeyName&, const SenderKeyName&) = default;
};

struct SenderMessageKey {
  std::uint32_t iteration = 0;
  crypto::SecretArray<16> iv;
  crypto::SecretArray<32> cipher_key;
};

struct SenderChainKey {
  std::uint32_t iteration = 0;
  crypto::SecretArray<32> seed;

  // This iteration's message key and the chain key of the next iteration.
  std::pair<SenderMessageKey, SenderChainKey> step() const;
  // Only the chain key of the next iteration (for keys that would be dropped anyway).
  SenderChainKey next() const;
};

struct SenderKeyState {
  std::uint32_t key_id = 0;
  SenderChainKey chain_key;
  crypto::PublicKey signing_public;
  std::optional<crypto::PrivateKey> signing_private;  // present only in our own sending state
  std::vector<SenderMessageKey> skipped;              // oldest first
};

class SenderKeyRecord {
 public:
  bool empty() const { return states_.empty(); }
  // The newest state (used to send).
  SenderKeyState* current() { return states_.empty() ? nullptr : &states_.front(); }
  SenderKeyState* find(std::uint32_t key_id);
  // Adds a state as the newest; a state with the same id and signing key is kept as it is (a
  // repeated distribution message must not rewind the chain). Oldest dropped beyond
  // kMaxSenderKeyStates.
  void add_state(SenderKeyState state);

  crypto::SecretBytes serialize() const;
  static Result<SenderKeyRecord, ProtocolError> deserialize(ByteView serialized);

 private:
  std::vector<SenderKeyState> states_;
};

// Our own sending chain for `own_name` (group, our address), created on first use; returns the
// serialized SenderKeyDistributionMessage to send to every member over pairwise sessions.
Result<crypto::SecretBytes, ProtocolError> create_sender_key_distribution(SenderKeyStore& store,
                                                                          const SenderKeyName& own_name,
                                                                          crypto::Rng& rng);

// Starts a new own chain (fresh key id, chain key and signing key), replacing the old one, as
// after a member is removed; returns its distribution message.
Result<crypto::SecretBytes, ProtocolError> rotate_sender_key(SenderKeyStore& store, const SenderKeyName& own_name,
                                                             crypto::Rng& rng);

// Records another member's chain from their distribution message.
Result<void, ProtocolError> process_sender_key_distribution(SenderKeyStore& store, const SenderKeyName& sender,
                                                            ByteView serialized_distribution);

// Encrypts once for the whole group; returns a serialized SenderKeyMessage.
Result<Bytes, ProtocolError> group_encrypt(SenderKeyStore& store, const SenderKeyName& own_name, ByteView plaintext,
                                           crypto::Rng& rng);

// Verifies the signature, finds the message key (out of order within limits) and decrypts.
Result<crypto::SecretBytes, ProtocolError> group_decrypt(SenderKeyStore& store, const SenderKeyName& sender,
                                                         ByteView serialized_message);

}  // namespace hush::protocol
