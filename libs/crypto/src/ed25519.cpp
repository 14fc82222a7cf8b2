// Ed25519 key generation, signing and verification: thin wrappers over libsodium's crypto_sign.
#include "hush/crypto/ed25519.hpp"

#include <sodium.h>

#include "backend.hpp"

namespace hush::crypto {

static_assert(crypto_sign_PUBLICKEYBYTES == kEd25519PublicKeySize);
static_assert(crypto_sign_BYTES == kEd25519SignatureSize);
static_assert(crypto_sign_SECRETKEYBYTES == 64);

Ed25519KeyPair Ed25519KeyPair::generate(Rng& rng) {
  detail::ensure_sodium_initialized();
  SecretArray<crypto_sign_SEEDBYTES> seed;
  rng.fill(seed.mutable_view());
  Ed25519KeyPair pair;
  if (crypto_sign_seed_keypair(pair.public_key.data(), pair.secret_key.data(), seed.data()) != 0) {
    detail::throw_backend_failure("crypto_sign_seed_keypair");
  }
  return pair;
}

Ed25519Signature ed25519_sign(const Ed25519KeyPair& key, ByteView message) {
  detail::ensure_sodium_initialized();
  Ed25519Signature signature{};
  if (crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), key.secret_key.data()) != 0) {
    detail::throw_backend_failure("crypto_sign_detached");
  }
  return signature;
}

bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != kEd25519PublicKeySize || signature.size() != kEd25519SignatureSize) return false;
  detail::ensure_sodium_initialized();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) == 0;
}

}  // namespace hush::crypto
