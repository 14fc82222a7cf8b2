// Unlocking the home's store and opening the account (unlock.hpp).
#include "unlock.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace hush::cli {

namespace {

client::ClientError invalid(std::string detail) {
  return client::ClientError{client::ClientErrorKind::kInvalidArgument, std::move(detail)};
}

// Creates `home` with mode 0700 (its parents with the default mode) unless it exists.
Result<void, client::ClientError> create_home(const std::filesystem::path& home) {
  std::error_code error;
  if (std::filesystem::is_directory(home, error)) return {};
  if (home.has_parent_path()) std::filesystem::create_directories(home.parent_path(), error);
  if (::mkdir(home.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(client::ClientError::store(client::StoreError::kIo));
  }
  if (!std::filesystem::is_directory(home, error)) return fail(invalid("home_not_a_folder"));
  return {};
}

}  // namespace

client::Unlock unlock_for(const std::filesystem::path& home) {
  if (const char* passphrase = std::getenv(kPassphraseVariable)) {
    return client::Passphrase{crypto::SecretBytes(as_bytes(passphrase))};
  }
  return client::KeyFile{home / kKeyFileName};
}

Result<client::Unlock, client::ClientError> prepare_new_home(const std::filesystem::path& home) {
  HUSH_TRY(create_home(home));
  client::Unlock unlock = unlock_for(home);
  if (const auto* key_file = std::get_if<client::KeyFile>(&unlock)) {
    auto created = client::create_key_file(key_file->path);
    if (!created.ok() && created.error() != client::StoreError::kAlreadyExists) {
      return fail(client::ClientError::store(created.error()));
    }
  }
  return unlock;
}

Result<std::unique_ptr<Session>, client::ClientError> open_session(const std::filesystem::path& home,
                                                                   const client::AccountOptions& options) {
  std::error_code error;
  if (!std::filesystem::is_directory(home, error)) {
    return fail(client::ClientError{client::ClientErrorKind::kNotRegistered, "no_home"});
  }
  auto session = std::make_unique<Session>();
  auto account = client::Account::open(home, unlock_for(home), session->rng, options);
  if (!account.ok()) return fail(account.error());
  session->account = std::move(*account);
  session->messenger = std::make_unique<client::Messenger>(*session->account);
  return session;
}

std::string unlock_hint(const client::ClientError& error) {
  if (error.kind == client::ClientErrorKind::kNotRegistered) {
    return "run `hush --home DIR register --server wss://HOST:PORT --username NAME` first";
  }
  if (error.kind != client::ClientErrorKind::kStore) return "";
  const bool passphrase_set = std::getenv(kPassphraseVariable) != nullptr;
  if (error.detail == "wrong_unlock_method" || error.detail == "key_file_unreadable") {
    return passphrase_set ? "this home may use the key file HOME/store.key: unset HUSH_PASSPHRASE"
                          : "this home may be protected by a passphrase: set HUSH_PASSPHRASE";
  }
  if (error.detail == "not_found") return "no account in this home: run `hush register` first";
  return "";
}

}  // namespace hush::cli
