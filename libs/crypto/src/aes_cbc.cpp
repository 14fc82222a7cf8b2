// AES-256-CBC through OpenSSL's EVP: PKCS#7-padded encryption and decryption for Signal message
// bodies, and an unpadded encryption for the SP 800-38A known-answer tests. A context is made per
// call (about 50 ns more than reusing one) so that no key schedule outlives the call.
#include "hush/crypto/aes_cbc.hpp"

#include <openssl/evp.h>

#include <climits>
#include <memory>

#include "backend.hpp"

namespace hush::crypto {
namespace {

struct CipherDeleter {
  void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); }
};
struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherPtr = std::unique_ptr<EVP_CIPHER, CipherDeleter>;
using CipherContextPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

const EVP_CIPHER* aes256_cbc() {
  static const CipherPtr cipher = [] {
    CipherPtr fetched(EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr));
    if (!fetched) detail::throw_backend_failure("EVP_CIPHER_fetch(AES-256-CBC)");
    return fetched;
  }();
  return cipher.get();
}

// EVP takes int lengths; leave room for a padding block.
constexpr std::size_t kMaxInput = static_cast<std::size_t>(INT_MAX) - 2 * kAesBlockSize;

bool key_and_iv_ok(ByteView key, ByteView iv) {
  return key.size() == kAesKeySize && iv.size() == kAesBlockSize;
}

// A context initialised for one operation (encrypt = 1, decrypt = 0) with padding on or off.
CipherContextPtr make_context(ByteView key, ByteView iv, int encrypt, bool padding) {
  CipherContextPtr context(EVP_CIPHER_CTX_new());
  if (!context || EVP_CipherInit_ex2(context.get(), aes256_cbc(), key.data(), iv.data(), encrypt, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(context.get(), padding ? 1 : 0) != 1) {
    detail::throw_backend_failure("EVP_CipherInit_ex2(AES-256-CBC)");
  }
  return context;
}

// Encrypts `plaintext` into a buffer sized exactly for the result.
Bytes encrypt(ByteView key, ByteView iv, ByteView plaintext, bool padding) {
  const std::size_t out_size = padding ? (plaintext.size() / kAesBlockSize + 1) * kAesBlockSize : plaintext.size();
  Bytes out(out_size);
  if (out.empty()) return out;
  CipherContextPtr context = make_context(key, iv, 1, padding);
  int update_length = 0;
  int final_length = 0;
  if (!plaintext.empty() && EVP_EncryptUpdate(context.get(), out.data(), &update_length, plaintext.data(),
                                              static_cast<int>(plaintext.size())) != 1) {
    detail::throw_backend_failure("EVP_EncryptUpdate");
  }
  if (EVP_EncryptFinal_ex(context.get(), out.data() + update_length, &final_length) != 1 ||
      static_cast<std::size_t>(update_length) + static_cast<std::size_t>(final_length) != out_size) {
    detail::throw_backend_failure("EVP_EncryptFinal_ex");
  }
  return out;
}

}  // namespace

Result<Bytes, CryptoError> aes256_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext) {
  if (!key_and_iv_ok(key, iv) || plaintext.size() > kMaxInput) {
    return fail(CryptoError::kBadLength);
  }
  return encrypt(key, iv, plaintext, true);
}

Result<Bytes, CryptoError> aes256_cbc_encrypt_no_padding(ByteView key, ByteView iv, ByteView plaintext) {
  if (!key_and_iv_ok(key, iv) || plaintext.size() % kAesBlockSize != 0 || plaintext.size() > kMaxInput) {
    return fail(CryptoError::kBadLength);
  }
  return encrypt(key, iv, plaintext, false);
}

Result<SecretBytes, CryptoError> aes256_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext) {
  if (!key_and_iv_ok(key, iv) || ciphertext.empty() || ciphertext.size() % kAesBlockSize != 0 ||
      ciphertext.size() > kMaxInput) {
    return fail(CryptoError::kBadLength);
  }
  CipherContextPtr context = make_context(key, iv, 0, true);
  // The plaintext is never longer than the ciphertext; the extra block is headroom that EVP's
  // documentation asks for. resize() below wipes whatever is cut off.
  SecretBytes out(ciphertext.size() + kAesBlockSize);
  int update_length = 0;
  int final_length = 0;
  if (EVP_DecryptUpdate(context.get(), out.data(), &update_length, ciphertext.data(),
                        static_cast<int>(ciphertext.size())) != 1) {
    detail::throw_backend_failure("EVP_DecryptUpdate");
  }
  if (EVP_DecryptFinal_ex(context.get(), out.data() + update_length, &final_length) != 1) {
    return fail(CryptoError::kBadPadding);
  }
  out.resize(static_cast<std::size_t>(update_length) + static_cast<std::size_t>(final_length));
  return out;
}

}  // namespace hush::crypto
