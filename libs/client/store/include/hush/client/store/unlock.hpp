// How the store's secrets are unlocked: a passphrase (stretched with Argon2id) or a key file of
// kKeyFileSize random bytes that only its owner can read. Either one unlocks the store's data key;
// which one is fixed when the store is created. Both work without a terminal, for scripts and bots.
#pragma once

#include <filesystem>
#include <variant>

#include "hush/base/result.hpp"
#include "hush/client/store/error.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::client {

struct Passphrase {
  crypto::SecretBytes bytes;  // UTF-8 as typed; 1 to kMaxPassphraseSize bytes
};

struct KeyFile {
  std::filesystem::path path;
};

using Unlock = std::variant<Passphrase, KeyFile>;

// Creates `path` with kKeyFileSize bytes from the system CSPRNG, mode 0600, synced to disk before
// returning. Errors: kAlreadyExists (never overwrites: the old key may still protect a store),
// kIo. The file is the only copy of the key: losing it loses the store.
Result<void, StoreError> create_key_file(const std::filesystem::path& path);

}  // namespace hush::client
