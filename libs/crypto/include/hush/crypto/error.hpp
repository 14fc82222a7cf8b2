// Errors of the crypto component. Each names what went wrong with the input, never a secret.
#pragma once

namespace hush::crypto {

enum class CryptoError {
  kInvalidKey,            // a public key of the wrong length, wrong type byte, or not on the curve
  kLowOrderPoint,         // X25519 agreement produced the all-zero output (low-order public key)
  kBadPadding,            // AES-CBC decryption: PKCS#7 padding malformed (or wrong key)
  kBadLength,             // ciphertext, key, IV, salt or output length not acceptable
  kAuthenticationFailed,  // AEAD: the tag does not verify (wrong key, nonce or associated data, or altered bytes)
  kBadParameters,         // Argon2id: operations or memory outside libsodium's bounds
  kOutOfMemory,           // Argon2id: the system refused the memory the parameters ask for
};

const char* to_string(CryptoError error);

}  // namespace hush::crypto
