// Argon2id (RFC 9106), libsodium's crypto_pwhash with ALG_ARGON2ID13 (one lane): turns a passphrase
// and a random salt into key material, at a cost in time and memory chosen by the caller. The cost
// parameters and the salt are not secret; they are stored beside what the key protects.
// Does not own: which cost to choose (the caller's, with its reasons), or verifying a passphrase
// (the caller checks the derived key against something it sealed with it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/crypto/error.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::crypto {

inline constexpr std::size_t kArgon2idSaltSize = 16;

// libsodium's bounds for Argon2id (crypto_pwhash_argon2id_*_MIN/MAX; checked in the .cpp).
inline constexpr std::uint64_t kArgon2idMinOperations = 1;
inline constexpr std::uint64_t kArgon2idMaxOperations = 0xffffffffu;
inline constexpr std::size_t kArgon2idMinMemory = 8192;
inline constexpr std::size_t kArgon2idMinOutput = 16;
inline constexpr std::size_t kArgon2idMaxPassword = 0xffffffffu;

struct Argon2idParameters {
  std::uint64_t operations = 0;  // passes over memory (Argon2's t)
  std::size_t memory_bytes = 0;  // memory to fill, in bytes (Argon2's m, in KiB, is this / 1024)

  friend bool operator==(const Argon2idParameters&, const Argon2idParameters&) = default;
};

// `output_size` bytes derived from `password` and `salt`. Takes the time and memory the parameters
// ask for, on the calling thread. kBadLength for a salt that is not kArgon2idSaltSize bytes, an
// output shorter than kArgon2idMinOutput, or a password longer than kArgon2idMaxPassword;
// kBadParameters for operations or memory outside libsodium's bounds; kOutOfMemory when the system
// refused the memory.
Result<SecretBytes, CryptoError> argon2id(ByteView password, ByteView salt, const Argon2idParameters& parameters,
                                          std::size_t output_size);

}  // namespace hush::crypto
