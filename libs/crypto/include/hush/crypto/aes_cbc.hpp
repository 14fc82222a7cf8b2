// AES-256-CBC with PKCS#7 padding (OpenSSL), as the Signal Protocol v3 uses it for message
// bodies. The key and IV come from the ratchet's KDF; nothing here is random.
#pragma once

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/crypto/error.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::crypto {

inline constexpr std::size_t kAesKeySize = 32;
inline constexpr std::size_t kAesBlockSize = 16;

// Encrypts with PKCS#7 padding. key must be 32 bytes and iv 16 bytes (else kBadLength).
Result<Bytes, CryptoError> aes256_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext);

// Decrypts and removes PKCS#7 padding. kBadLength when the ciphertext is empty or not a
// multiple of 16; kBadPadding when the padding is malformed.
Result<SecretBytes, CryptoError> aes256_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext);

// AES-256-CBC without padding, for the SP 800-38A known-answer tests: input a multiple of 16.
Result<Bytes, CryptoError> aes256_cbc_encrypt_no_padding(ByteView key, ByteView iv, ByteView plaintext);

}  // namespace hush::crypto
