// How the hush command unlocks a home's store and opens its account: the passphrase from
// HUSH_PASSPHRASE when it is set, otherwise the key file HOME/store.key (created 0600 by
// `register`, in a home created 0700). Never prints or logs the passphrase.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "hush/base/result.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "hush/crypto/random.hpp"

namespace hush::cli {

// The environment variable holding the store's passphrase.
inline constexpr const char* kPassphraseVariable = "HUSH_PASSPHRASE";
// The key file's name in the home, used when kPassphraseVariable is not set.
inline constexpr const char* kKeyFileName = "store.key";

// An opened account and its messenger. Not movable: the account keeps a reference to `rng`.
struct Session {
  crypto::SystemRng rng;
  std::unique_ptr<client::Account> account;
  std::unique_ptr<client::Messenger> messenger;

  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

// The unlock for an existing home: the passphrase when kPassphraseVariable is set, else the key file.
client::Unlock unlock_for(const std::filesystem::path& home);

// For `register`: creates the home (mode 0700) if it is missing and, without a passphrase, the key
// file (a key file left by a registration the server refused is reused: it protects nothing yet).
Result<client::Unlock, client::ClientError> prepare_new_home(const std::filesystem::path& home);

// Opens the account in `home` without connecting. kNotRegistered when there is no account.
Result<std::unique_ptr<Session>, client::ClientError> open_session(const std::filesystem::path& home,
                                                                   const client::AccountOptions& options = {});

// A hint for a failed open, e.g. that the home is unlocked with HUSH_PASSPHRASE; "" when none.
std::string unlock_hint(const client::ClientError& error);

}  // namespace hush::cli
