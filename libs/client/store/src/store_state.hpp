// Internal: what one open store holds — its connection, the data key's cipher, the device's own
// identity read at open — and the bookkeeping of its one transaction: whether one is open, and the
// first failure that poisoned it. The protocol store implementations go through read() and write(),
// which enforce the contract of transaction.hpp in one place.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "hush/client/store/client_store.hpp"
#include "hush/client/store/database.hpp"
#include "hush/crypto/random.hpp"
#include "record_cipher.hpp"
#include "record_codec.hpp"

namespace hush::client::detail {

class StoreState {
 public:
  StoreState(std::filesystem::path path, std::unique_ptr<StoreConnection> connection, const crypto::AeadKey& data_key,
             LocalIdentity identity, const StoreOptions& options)
      : path_(std::move(path)),
        connection_(std::move(connection)),
        cipher_(data_key),
        identity_(std::move(identity)),
        options_(options) {}
  StoreState(const StoreState&) = delete;
  StoreState& operator=(const StoreState&) = delete;
  ~StoreState() { rollback(); }

  const std::filesystem::path& path() const { return path_; }
  const StoreOptions& options() const { return options_; }
  const LocalIdentity& identity() const { return identity_; }

  // Transaction bookkeeping. begin() throws std::logic_error when one is open; a failed BEGIN
  // leaves the new transaction poisoned.
  void begin();
  Result<void, StoreError> commit();
  void rollback();
  std::optional<StoreError> failure() const { return failure_; }
  // Records `error` unless an earlier failure is recorded already.
  void poison(StoreError error) {
    if (!failure_) failure_ = error;
  }

  // The connection for one access: throws std::logic_error outside a transaction; nullptr once
  // the transaction is poisoned (nothing may run after a failure).
  StoreConnection* usable(const char* access);

  // Runs body(StoreConnection&) -> Result<std::optional<T>, StoreError>. A failure poisons the
  // transaction; a poisoned transaction gives nullopt without running the body.
  template <class T, class Body>
  std::optional<T> read(Body&& body) {
    StoreConnection* connection = usable("read");
    if (connection == nullptr) return std::nullopt;
    Result<std::optional<T>, StoreError> result = body(*connection);
    if (!result.ok()) {
      poison(result.error());
      return std::nullopt;
    }
    return std::move(*result);
  }

  // Runs body(StoreConnection&) -> Result<void, StoreError>; skipped once poisoned, poisons on failure.
  template <class Body>
  void write(Body&& body) {
    StoreConnection* connection = usable("write");
    if (connection == nullptr) return;
    Result<void, StoreError> result = body(*connection);
    if (!result.ok()) poison(result.error());
  }

  Bytes seal(const RowName& row, ByteView plaintext) { return cipher_.seal(row, plaintext, rng_); }
  Result<crypto::SecretBytes, StoreError> open(const RowName& row, ByteView sealed, std::size_t max_size) const {
    return cipher_.open(row, sealed, max_size);
  }

 private:
  const std::filesystem::path path_;
  std::unique_ptr<StoreConnection> connection_;
  const RecordCipher cipher_;
  // Nonces come from the system CSPRNG, never from a caller's generator: a reproducible one (a
  // test's SeededRng) would repeat nonces under the data key across openings.
  crypto::SystemRng rng_;
  const LocalIdentity identity_;
  const StoreOptions options_;

  bool open_ = false;   // a StoreTransaction exists and has not ended
  bool begun_ = false;  // its BEGIN IMMEDIATE succeeded
  std::optional<StoreError> failure_;
};

}  // namespace hush::client::detail
