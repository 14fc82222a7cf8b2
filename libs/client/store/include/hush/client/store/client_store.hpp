// ClientStore: one device's local store, a SQLite database in the client's home folder (WAL,
// synchronous=FULL, versioned schema), implementing the five protocol store interfaces. Secrets at
// rest — the identity private key, prekey and signed-prekey private keys, session and sender-key
// records — are sealed with XChaCha20-Poly1305 under a random data key, itself sealed under a key
// from the passphrase (Argon2id) or from a key file; remote identity keys are sealed too, so that a
// trusted key cannot be swapped in the file. Every access happens inside a StoreTransaction
// (transaction.hpp: the durability contract).
//
// Not thread-safe: one thread uses a store (and its transaction) at a time. Several processes may
// open one store; their transactions take turns on SQLite's write lock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "hush/base/result.hpp"
#include "hush/client/store/error.hpp"
#include "hush/client/store/limits.hpp"
#include "hush/client/store/transaction.hpp"
#include "hush/client/store/unlock.hpp"
#include "hush/crypto/password_hash.hpp"
#include "hush/protocol/keys.hpp"
#include "hush/protocol/stores.hpp"

namespace hush::client {

namespace detail {
class StoreState;
struct Stores;
}  // namespace detail

// The schema version this code writes; open() migrates older stores up to it and refuses newer ones
// (kIncompatibleSchema). libs/client/README.md lists what each version added.
inline constexpr int kClientStoreSchemaVersion = 5;

struct StoreOptions {
  // Name of the database file in the home folder; SQLite adds "-wal" and "-shm" beside it.
  // Default "store.sqlite3".
  std::string file_name = "store.sqlite3";

  // How long a transaction waits for another process's write lock before it is poisoned with
  // kBusy. Default 5 seconds.
  std::chrono::milliseconds busy_timeout{5000};

  // Argon2id cost of a new passphrase-protected store, within [kMinKdf*, kMaxKdf*]. Stored in the
  // database: open() uses the stored cost, not this one. Default kDefaultKdf; lower it only in tests.
  crypto::Argon2idParameters kdf = kDefaultKdf;

  // Largest session or sender-key record written or read back, at most kMaxStoredRecordSize
  // (the default). A larger write poisons its transaction with kTooLarge; a larger stored row is
  // refused as kCorrupt without being decrypted.
  std::size_t max_record_size = kMaxStoredRecordSize;
};

class ClientStore {
 public:
  // Creates the store in `home` (created 0700 if missing; the database file 0600) for a device
  // whose identity and registration id the caller generated, protected by `unlock` (a key file
  // must exist already: create_key_file). An empty database file is set up like a missing one.
  // Errors: kAlreadyExists, kInvalidArgument (passphrase empty or longer than kMaxPassphraseSize,
  // options out of bounds), the key-file errors, kCorrupt (a file that is not a store), kIo.
  static Result<std::unique_ptr<ClientStore>, StoreError> create(const std::filesystem::path& home,
                                                                 const Unlock& unlock,
                                                                 const protocol::IdentityKeyPair& identity,
                                                                 std::uint32_t registration_id,
                                                                 const StoreOptions& options = {});

  // Opens the store in `home`, migrating its schema, and unlocks it. A wrong passphrase or key
  // file is told apart from damage by the sealed data key (an AEAD check value), before anything
  // else is read. Errors: kNotFound, kWrongPassphrase, kWrongKeyFile, kWrongUnlockMethod, the
  // key-file errors, kCorrupt, kIncompatibleSchema, kBusy, kIo.
  static Result<std::unique_ptr<ClientStore>, StoreError> open(const std::filesystem::path& home, const Unlock& unlock,
                                                               const StoreOptions& options = {});

  ClientStore(const ClientStore&) = delete;
  ClientStore& operator=(const ClientStore&) = delete;
  ~ClientStore();

  // Opens the transaction every store access happens in (see transaction.hpp). One at a time:
  // opening a second while one is open is a bug (std::logic_error).
  [[nodiscard]] StoreTransaction transaction();

  // The protocol's view of the store. identity_key_pair() and local_registration_id() are read at
  // open and work outside transactions; everything else requires one.
  protocol::IdentityKeyStore& identities();
  protocol::PreKeyStore& prekeys();
  protocol::SignedPreKeyStore& signed_prekeys();
  protocol::SessionStore& sessions();
  protocol::SenderKeyStore& sender_keys();
  protocol::ProtocolStores protocol_stores() { return {identities(), prekeys(), signed_prekeys(), sessions()}; }

  // The database file.
  const std::filesystem::path& path() const;

 private:
  explicit ClientStore(std::unique_ptr<detail::StoreState> state);
  std::unique_ptr<detail::StoreState> state_;
  std::unique_ptr<detail::Stores> stores_;  // declared after state_, which they refer to
};

}  // namespace hush::client
