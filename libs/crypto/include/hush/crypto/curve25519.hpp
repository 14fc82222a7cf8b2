// Curve25519 keys as the Signal Protocol uses them: X25519 agreement (libsodium) and
// "Curve25519 signatures" exactly as libsignal-protocol-c's curve25519_sign / curve25519_verify
// make and check them (XEdDSA family: Ed25519 over the Montgomery private scalar, the Edwards
// sign bit carried in bit 7 of signature[63]). Public keys serialize as 0x05 || 32 bytes.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/crypto/error.hpp"
#include "hush/crypto/random.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::crypto {

inline constexpr std::uint8_t kDjbKeyType = 0x05;  // type byte of a serialized public key
inline constexpr std::size_t kCurveKeySize = 32;   // raw X25519 key length
inline constexpr std::size_t kSerializedPublicKeySize = 33;
inline constexpr std::size_t kSignatureSize = 64;

using Signature = std::array<std::uint8_t, kSignatureSize>;
using SharedSecret = SecretArray<32>;

class PublicKey {
 public:
  PublicKey() { raw_.fill(0); }
  explicit PublicKey(const std::array<std::uint8_t, kCurveKeySize>& raw) : raw_(raw) {}

  // Parses the 33-byte 0x05-prefixed form. Anything else is kInvalidKey.
  static Result<PublicKey, CryptoError> deserialize(ByteView serialized);
  // Parses a bare 32-byte u-coordinate.
  static Result<PublicKey, CryptoError> from_raw(ByteView raw);

  // The 33-byte 0x05-prefixed form.
  std::array<std::uint8_t, kSerializedPublicKeySize> serialize() const;
  const std::array<std::uint8_t, kCurveKeySize>& raw() const { return raw_; }

  // Public keys are public: ordinary comparison is fine.
  friend bool operator==(const PublicKey&, const PublicKey&) = default;
  friend auto operator<=>(const PublicKey&, const PublicKey&) = default;

 private:
  std::array<std::uint8_t, kCurveKeySize> raw_;
};

class PrivateKey {
 public:
  PrivateKey() = default;
  // Takes 32 raw bytes and clamps them as X25519 requires (d[0] &= 248; d[31] &= 127; d[31] |= 64).
  static Result<PrivateKey, CryptoError> from_bytes(ByteView raw);
  static PrivateKey generate(Rng& rng);

  const SecretArray<kCurveKeySize>& secret() const { return scalar_; }
  PublicKey public_key() const;

 private:
  SecretArray<kCurveKeySize> scalar_;
};

struct KeyPair {
  PublicKey public_key;
  PrivateKey private_key;

  static KeyPair generate(Rng& rng);
  // `count` key pairs, faster per key than generate() from two on: the public keys are computed
  // on the Edwards curve and mapped to Montgomery form with one shared field inversion.
  static std::vector<KeyPair> generate_many(std::size_t count, Rng& rng);
};

// X25519(our_private, their_public). Fails with kLowOrderPoint when the result is all zeros.
Result<SharedSecret, CryptoError> agree(const PrivateKey& our_private, const PublicKey& their_public);

// libsignal-protocol-c's curve25519_sign: 64 random bytes are drawn from `rng`.
Signature sign(const PrivateKey& key, ByteView message, Rng& rng);

// libsignal-protocol-c's curve25519_verify. False for any malformed signature or key.
bool verify(const PublicKey& key, ByteView message, ByteView signature);

}  // namespace hush::crypto
