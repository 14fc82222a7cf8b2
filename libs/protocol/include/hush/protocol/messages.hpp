// The four Signal Protocol v3 ciphertext messages and their framing, byte-compatible with
// libsignal-protocol-c (docs/protocol.md, part 1):
//   SignalMessage               version ‖ protobuf ‖ MAC[8]
//   PreKeySignalMessage         version ‖ protobuf (its `message` holds a whole SignalMessage)
//   SenderKeyMessage            version ‖ protobuf ‖ signature[64]
//   SenderKeyDistributionMessage version ‖ protobuf
// The version byte is (3 << 4) | 3 = 0x33. Parsing is bounded and never trusts a length.
// Does not own: key derivation (ratchet.hpp) or deciding which session decrypts (session_cipher).
#pragma once

#include <cstdint>
#include <optional>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/random.hpp"
#include "hush/crypto/secret.hpp"
#include "hush/protocol/error.hpp"

namespace hush::protocol {

inline constexpr std::uint8_t kCiphertextVersion = 3;
inline constexpr std::uint8_t kVersionByte = (kCiphertextVersion << 4) | kCiphertextVersion;
inline constexpr std::size_t kMacSize = 8;

// The message types as libsignal-protocol-c numbers them (ciphertext_message_get_type).
enum class MessageType : int {
  kSignal = 2,
  kPreKey = 3,
  kSenderKey = 4,
  kSenderKeyDistribution = 5,
};

class SignalMessage {
 public:
  // Builds, serializes and MACs a message. The MAC binds both identity keys (sender first).
  static SignalMessage create(const crypto::PublicKey& ratchet_key, std::uint32_t counter,
                              std::uint32_t previous_counter, Bytes ciphertext, const crypto::SecretArray<32>& mac_key,
                              const crypto::PublicKey& sender_identity, const crypto::PublicKey& receiver_identity);
  // Parses the framing and the protobuf; does not check the MAC (that needs the session).
  static Result<SignalMessage, ProtocolError> parse(ByteView serialized);

  // Constant-time check of the 8-byte MAC.
  bool verify_mac(const crypto::PublicKey& sender_identity, const crypto::PublicKey& receiver_identity,
                  const crypto::SecretArray<32>& mac_key) const;

  std::uint8_t version() const { return version_; }
  const crypto::PublicKey& ratchet_key() const { return ratchet_key_; }
  std::uint32_t counter() const { return counter_; }
  std::uint32_t previous_counter() const { return previous_counter_; }
  ByteView ciphertext() const { return ciphertext_; }
  const Bytes& serialized() const { return serialized_; }

 private:
  std::uint8_t version_ = kCiphertextVersion;
  crypto::PublicKey ratchet_key_;
  std::uint32_t counter_ = 0;
  std::uint32_t previous_counter_ = 0;
  Bytes ciphertext_;
  Bytes serialized_;
};

class PreKeySignalMessage {
 public:
  static PreKeySignalMessage create(std::uint32_t registration_id, std::optional<std::uint32_t> prekey_id,
                                    std::uint32_t signed_prekey_id, const crypto::PublicKey& base_key,
                                    const crypto::PublicKey& identity_key, SignalMessage message);
  static Result<PreKeySignalMessage, ProtocolError> parse(ByteView serialized);

  std::uint8_t version() const { return version_; }
  std::uint32_t registration_id() const { return registration_id_; }
  std::optional<std::uint32_t> prekey_id() const { return prekey_id_; }
  std::uint32_t signed_prekey_id() const { return signed_prekey_id_; }
  const crypto::PublicKey& base_key() const { return base_key_; }
  const crypto::PublicKey& identity_key() const { return identity_key_; }
  const SignalMessage& message() const { return message_; }
  const Bytes& serialized() const { return serialized_; }

 private:
  std::uint8_t version_ = kCiphertextVersion;
  std::uint32_t registration_id_ = 0;
  std::optional<std::uint32_t> prekey_id_;
  std::uint32_t signed_prekey_id_ = 0;
  crypto::PublicKey base_key_;
  crypto::PublicKey identity_key_;
  SignalMessage message_;
  Bytes serialized_;
};

class SenderKeyMessage {
 public:
  // Serializes and signs with the sender's signing key (Curve25519 signature over version ‖ protobuf).
  static SenderKeyMessage create(std::uint32_t key_id, std::uint32_t iteration, Bytes ciphertext,
                                 const crypto::PrivateKey& signing_key, crypto::Rng& rng);
  static Result<SenderKeyMessage, ProtocolError> parse(ByteView serialized);

  bool verify_signature(const crypto::PublicKey& signing_key) const;

  std::uint32_t key_id() const { return key_id_; }
  std::uint32_t iteration() const { return iteration_; }
  ByteView ciphertext() const { return ciphertext_; }
  const Bytes& serialized() const { return serialized_; }

 private:
  std::uint32_t key_id_ = 0;
  std::uint32_t iteration_ = 0;
  Bytes ciphertext_;
  Bytes serialized_;
};

class SenderKeyDistributionMessage {
 public:
  static SenderKeyDistributionMessage create(std::uint32_t key_id, std::uint32_t iteration,
                                             const crypto::SecretArray<32>& chain_key,
                                             const crypto::PublicKey& signing_key);
  static Result<SenderKeyDistributionMessage, ProtocolError> parse(ByteView serialized);

  std::uint32_t key_id() const { return key_id_; }
  std::uint32_t iteration() const { return iteration_; }
  const crypto::SecretArray<32>& chain_key() const { return chain_key_; }
  const crypto::PublicKey& signing_key() const { return signing_key_; }
  // Contains the chain key: handle as a secret (it travels only inside a pairwise session).
  const crypto::SecretBytes& serialized() const { return serialized_; }

 private:
  std::uint32_t key_id_ = 0;
  std::uint32_t iteration_ = 0;
  crypto::SecretArray<32> chain_key_;
  crypto::PublicKey signing_key_;
  crypto::SecretBytes serialized_;
};

}  // namespace hush::protocol
