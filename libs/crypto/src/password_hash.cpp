// Argon2id through libsodium's crypto_pwhash (ALG_ARGON2ID13). Bounds are checked here, before
// libsodium, so that each bad input has its own error rather than libsodium's single -1.
#include "hush/crypto/password_hash.hpp"

#include <sodium.h>

#include "backend.hpp"

namespace hush::crypto {

static_assert(kArgon2idSaltSize == crypto_pwhash_argon2id_SALTBYTES);
static_assert(kArgon2idMinOperations == crypto_pwhash_argon2id_OPSLIMIT_MIN);
static_assert(kArgon2idMaxOperations == crypto_pwhash_argon2id_OPSLIMIT_MAX);
static_assert(kArgon2idMinMemory == crypto_pwhash_argon2id_MEMLIMIT_MIN);
static_assert(kArgon2idMinOutput == crypto_pwhash_argon2id_BYTES_MIN);
static_assert(kArgon2idMaxPassword == crypto_pwhash_argon2id_PASSWD_MAX);

Result<SecretBytes, CryptoError> argon2id(ByteView password, ByteView salt, const Argon2idParameters& parameters,
                                          std::size_t output_size) {
  if (salt.size() != kArgon2idSaltSize || output_size < kArgon2idMinOutput ||
      output_size > crypto_pwhash_argon2id_BYTES_MAX || password.size() > kArgon2idMaxPassword) {
    return fail(CryptoError::kBadLength);
  }
  if (parameters.operations < kArgon2idMinOperations || parameters.operations > kArgon2idMaxOperations ||
      parameters.memory_bytes < kArgon2idMinMemory || parameters.memory_bytes > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
    return fail(CryptoError::kBadParameters);
  }
  detail::ensure_sodium_initialized();
  SecretBytes out(output_size);
  // libsodium reads the password through a char pointer; an empty password still needs a pointer.
  static const char kEmpty = 0;
  const char* password_data = password.empty() ? &kEmpty : reinterpret_cast<const char*>(password.data());
  // Every other cause of -1 was excluded above: what is left is the allocation of memory_bytes.
  if (crypto_pwhash(out.data(), out.size(), password_data, password.size(), salt.data(), parameters.operations,
                    parameters.memory_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return fail(CryptoError::kOutOfMemory);
  }
  return out;
}

}  // namespace hush::crypto
