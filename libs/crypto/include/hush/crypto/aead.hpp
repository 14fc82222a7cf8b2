// XChaCha20-Poly1305 (IETF variant, draft-irtf-cfrg-xchacha), libsodium's AEAD with a 192-bit nonce:
// random nonces are safe for any number of messages under one key, which is what data at rest
// needs (no counter to keep across restarts). Two levels: the bare construction with a caller's
// nonce (known-answer tests), and seal/open, which draw the nonce and carry it in front.
// Does not own: key management (the caller's), or streaming of large files (secretstream, later).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/crypto/error.hpp"
#include "hush/crypto/random.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::crypto {

inline constexpr std::size_t kAeadKeySize = 32;
inline constexpr std::size_t kAeadNonceSize = 24;
inline constexpr std::size_t kAeadTagSize = 16;
// seal()'s output is this much longer than its plaintext: the nonce in front, the tag behind.
inline constexpr std::size_t kAeadSealOverhead = kAeadNonceSize + kAeadTagSize;

using AeadKey = SecretArray<kAeadKeySize>;
using AeadNonce = std::array<std::uint8_t, kAeadNonceSize>;

// Encrypts and authenticates `plaintext` and authenticates `associated_data`; returns
// ciphertext || tag (plaintext size + 16). A nonce must never repeat under one key.
Bytes xchacha20poly1305_encrypt(const AeadKey& key, const AeadNonce& nonce, ByteView plaintext,
                                ByteView associated_data);

// The inverse. kBadLength when shorter than a tag; kAuthenticationFailed when the key, nonce,
// associated data or any byte differs from encryption (nothing of the plaintext is released).
Result<SecretBytes, CryptoError> xchacha20poly1305_decrypt(const AeadKey& key, const AeadNonce& nonce,
                                                           ByteView ciphertext_and_tag, ByteView associated_data);

// nonce || ciphertext || tag, with a fresh nonce from `rng` (which must be a CSPRNG: a repeating
// generator, such as one SeededRng seed used twice with one key, repeats nonces).
Bytes aead_seal(const AeadKey& key, ByteView plaintext, ByteView associated_data, Rng& rng);

// Opens what aead_seal made. kBadLength when shorter than kAeadSealOverhead; kAuthenticationFailed
// as xchacha20poly1305_decrypt.
Result<SecretBytes, CryptoError> aead_open(const AeadKey& key, ByteView sealed, ByteView associated_data);

}  // namespace hush::crypto
