// XChaCha20-Poly1305 (IETF) through libsodium's crypto_aead_xchacha20poly1305_ietf_*, combined mode
// (ciphertext || tag). seal/open put the random nonce in front.
#include "hush/crypto/aead.hpp"

#include <sodium.h>

#include <algorithm>

#include "backend.hpp"

namespace hush::crypto {

static_assert(kAeadKeySize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kAeadNonceSize == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kAeadTagSize == crypto_aead_xchacha20poly1305_ietf_ABYTES);

namespace {

// libsodium takes unsigned long long lengths; a null pointer stands for an empty input.
const unsigned char* pointer_or_null(ByteView bytes) {
  return bytes.empty() ? nullptr : bytes.data();
}

}  // namespace

Bytes xchacha20poly1305_encrypt(const AeadKey& key, const AeadNonce& nonce, ByteView plaintext,
                                ByteView associated_data) {
  detail::ensure_sodium_initialized();
  Bytes out(plaintext.size() + kAeadTagSize);
  unsigned long long out_size = 0;
  if (crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &out_size, pointer_or_null(plaintext), plaintext.size(),
                                                 pointer_or_null(associated_data), associated_data.size(), nullptr,
                                                 nonce.data(), key.data()) != 0 ||
      out_size != out.size()) {
    detail::throw_backend_failure("crypto_aead_xchacha20poly1305_ietf_encrypt");
  }
  return out;
}

Result<SecretBytes, CryptoError> xchacha20poly1305_decrypt(const AeadKey& key, const AeadNonce& nonce,
                                                           ByteView ciphertext_and_tag, ByteView associated_data) {
  if (ciphertext_and_tag.size() < kAeadTagSize) return fail(CryptoError::kBadLength);
  detail::ensure_sodium_initialized();
  SecretBytes out(ciphertext_and_tag.size() - kAeadTagSize);
  unsigned long long out_size = 0;
  // libsodium writes nothing to `out` unless the tag verifies.
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &out_size, nullptr, ciphertext_and_tag.data(),
                                                 ciphertext_and_tag.size(), pointer_or_null(associated_data),
                                                 associated_data.size(), nonce.data(), key.data()) != 0) {
    return fail(CryptoError::kAuthenticationFailed);
  }
  if (out_size != out.size()) detail::throw_backend_failure("crypto_aead_xchacha20poly1305_ietf_decrypt");
  return out;
}

Bytes aead_seal(const AeadKey& key, ByteView plaintext, ByteView associated_data, Rng& rng) {
  AeadNonce nonce{};
  rng.fill(nonce);
  Bytes sealed(nonce.begin(), nonce.end());
  append(sealed, xchacha20poly1305_encrypt(key, nonce, plaintext, associated_data));
  return sealed;
}

Result<SecretBytes, CryptoError> aead_open(const AeadKey& key, ByteView sealed, ByteView associated_data) {
  if (sealed.size() < kAeadSealOverhead) return fail(CryptoError::kBadLength);
  AeadNonce nonce{};
  std::copy_n(sealed.begin(), kAeadNonceSize, nonce.begin());
  return xchacha20poly1305_decrypt(key, nonce, sealed.subspan(kAeadNonceSize), associated_data);
}

}  // namespace hush::crypto
