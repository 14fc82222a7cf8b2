// Errors of the crypto component. Each names what went wrong with the input, never a secret.
#pragma once

namespace hush::crypto {

enum class CryptoError {
  kInvalidKey,     // a public key of the wrong length, wrong type byte, or not on the curve
  kLowOrderPoint,  // X25519 agreement produced the all-zero output (low-order public key)
  kBadPadding,     // AES-CBC decryption: PKCS#7 padding malformed (or wrong key)
  kBadLength,      // ciphertext, key, IV or output length not acceptable
};

const char* to_string(CryptoError error);

}  // namespace hush::crypto
