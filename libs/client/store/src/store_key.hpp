// Internal: the store's key hierarchy. A random 32-byte data key seals every secret row; it is
// stored sealed (record_cipher.hpp) under the unlock key, which is Argon2id(passphrase, salt) or
// the key file's 32 bytes. A wrong passphrase or key file fails that one authenticated decryption,
// which is how it is told apart from damage before anything else is read. Changing the passphrase
// later re-seals only the data key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "hush/base/result.hpp"
#include "hush/client/store/database.hpp"
#include "hush/client/store/error.hpp"
#include "hush/client/store/unlock.hpp"
#include "hush/crypto/aead.hpp"
#include "hush/crypto/password_hash.hpp"
#include "hush/crypto/random.hpp"

namespace hush::client::detail {

enum class UnlockMethod : std::uint8_t { kPassphrase = 1, kKeyFile = 2 };

// The store_key row.
struct StoreKeyRow {
  UnlockMethod method = UnlockMethod::kPassphrase;
  Bytes salt;                      // kArgon2idSaltSize bytes (passphrase), empty (key file)
  crypto::Argon2idParameters kdf;  // zero for a key file
  Bytes wrapped_key;               // the data key, sealed under the unlock key
};

struct NewStoreKey {
  crypto::AeadKey data_key;
  StoreKeyRow row;
};

// Checks what create() was given before any file is touched: a passphrase of 1 to
// kMaxPassphraseSize bytes and a cost within [kMinKdf*, kMaxKdf*] (else kInvalidArgument); a key
// file that is private, regular and kKeyFileSize bytes (the key-file errors).
Result<void, StoreError> check_new_unlock(const Unlock& unlock, const crypto::Argon2idParameters& kdf);

// A fresh data key (from `rng`) and the row that protects it under `unlock`, with a fresh salt and
// `kdf` for a passphrase. kInvalidArgument when `kdf` is outside [kMinKdf*, kMaxKdf*].
Result<NewStoreKey, StoreError> new_store_key(const Unlock& unlock, const crypto::Argon2idParameters& kdf,
                                              crypto::Rng& rng);

// The data key from `row`. kWrongUnlockMethod, kWrongPassphrase, kWrongKeyFile, the key-file
// errors; kCorrupt when the row is malformed or its stored cost is out of bounds.
Result<crypto::AeadKey, StoreError> open_store_key(const Unlock& unlock, const StoreKeyRow& row);

Result<void, StoreError> insert_store_key_row(StoreConnection& connection, const StoreKeyRow& row);
// nullopt when the store was never set up. kCorrupt when a column has the wrong type or size.
Result<std::optional<StoreKeyRow>, StoreError> read_store_key_row(StoreConnection& connection);

}  // namespace hush::client::detail
