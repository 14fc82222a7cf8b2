// Ed25519 (RFC 8032) through libsodium, for device authentication keys: a device signs the
// server's login challenge and the server verifies it against the public key it registered.
// Not for Signal identity keys: those sign with Curve25519 signatures (curve25519.hpp).
#pragma once

#include <array>
#include <cstdint>

#include "hush/base/bytes.hpp"
#include "hush/crypto/random.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::crypto {

inline constexpr std::size_t kEd25519PublicKeySize = 32;
inline constexpr std::size_t kEd25519SignatureSize = 64;

using Ed25519PublicKey = std::array<std::uint8_t, kEd25519PublicKeySize>;
using Ed25519Signature = std::array<std::uint8_t, kEd25519SignatureSize>;

struct Ed25519KeyPair {
  Ed25519PublicKey public_key{};
  SecretArray<64> secret_key;  // libsodium's form: 32-byte seed followed by the public key

  // A key pair from 32 bytes drawn from `rng`.
  static Ed25519KeyPair generate(Rng& rng);
};

// Deterministic Ed25519 signature over `message`.
Ed25519Signature ed25519_sign(const Ed25519KeyPair& key, ByteView message);

// True only for a valid signature of `message` by `public_key`. False for a public key that is
// not 32 bytes, a signature that is not 64 bytes, a small-order or non-canonical key (libsodium
// rejects them), or any other malformed input.
bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature);

}  // namespace hush::crypto
