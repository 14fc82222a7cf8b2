// StoreTransaction: the unit of durability of the client store. The protocol's store interfaces
// return nothing from their writes, so a failed write cannot be reported where it happens; it is
// recorded in the open transaction instead, and commit() reports it.
//
// The contract, for every caller of the protocol (libs/client's messenger first):
// - Open one transaction around one protocol operation and the caller's own writes for it:
//     auto transaction = store.transaction();
//     auto plaintext = protocol::decrypt(stores, sender, type, ciphertext);   // reads and writes the store
//     if (plaintext.ok()) transaction.run([&](StoreConnection& db) { return save_message(db, ...); });
//     if (!transaction.commit().ok()) return;   // nothing happened: do not acknowledge
//     acknowledge(envelope);                     // the message and the new session state are on disk
// - Every store read and write must happen inside a transaction: outside one they throw
//   std::logic_error (a bug, not a condition). One transaction at a time per store.
// - Reads see the transaction's own writes (one connection, one SQLite transaction).
// - The first failure of any read or write poisons the transaction: later reads return "nothing"
//   (nullopt, untrusted) and later writes and run() bodies are skipped, so nothing runs after a
//   failure (SQLite may have ended the transaction itself). A poisoned transaction cannot commit:
//   commit() rolls everything back and returns the first failure.
// - commit() makes every write durable (WAL, synchronous=FULL: synced before it returns) or none.
//   Use a protocol operation's result (a ciphertext to send, a plaintext to show or acknowledge)
//   only after commit() succeeded: a ciphertext sent from a rolled-back ratchet step would be
//   undecryptable after the next one.
// - Destroying a transaction that was not committed rolls it back (the protocol operation failed,
//   or the caller changed its mind). The store must outlive its transactions.
// - The write lock is taken when the transaction opens (BEGIN IMMEDIATE): another process using the
//   same store waits up to busy_timeout, then the transaction is poisoned with kBusy.
#pragma once

#include <optional>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/client/store/database.hpp"
#include "hush/client/store/error.hpp"
#include "hush/client/store/row_name.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::client {

namespace detail {
class StoreState;
}

class StoreTransaction {
 public:
  StoreTransaction(const StoreTransaction&) = delete;
  StoreTransaction& operator=(const StoreTransaction&) = delete;
  // Rolls back unless committed.
  ~StoreTransaction();

  // Commits and syncs every write, or, when the transaction is poisoned or the commit fails, rolls
  // all of them back and returns the first failure. Ends the transaction either way; calling it
  // twice is a bug (std::logic_error).
  Result<void, StoreError> commit();

  // Ends the transaction without applying anything. Idempotent.
  void rollback();

  // The failure that poisoned the transaction, if any.
  std::optional<StoreError> failure() const;

  // Runs `body(StoreConnection&) -> Result<void, StoreError>` inside this transaction: the writes
  // libs/client adds to a protocol operation (the decrypted message, its duplicate-detection
  // record). A failure poisons the transaction. Skipped (returning the first failure) once poisoned.
  template <class Body>
  Result<void, StoreError> run(Body&& body) {
    StoreConnection* connection = usable_connection();
    if (connection == nullptr) return fail(*failure());
    Result<void, StoreError> result = body(*connection);
    if (!result.ok()) poison(result.error());
    return result;
  }

  // Seals a secret column value for `row` with the store's data key (format byte, random nonce,
  // XChaCha20-Poly1305 bound to the row's name), for the tables libs/client adds.
  Bytes seal(const RowName& row, ByteView plaintext) const;

  // Opens what seal() made for the same row. kCorrupt when it is longer than `max_plaintext_size`
  // plus kSealedRowOverhead (checked before decrypting), malformed, or does not authenticate.
  Result<crypto::SecretBytes, StoreError> open(const RowName& row, ByteView sealed,
                                               std::size_t max_plaintext_size) const;

 private:
  friend class ClientStore;
  explicit StoreTransaction(detail::StoreState& state) : state_(state) {}

  // The connection, or nullptr when poisoned; throws std::logic_error once the transaction ended.
  StoreConnection* usable_connection();
  void poison(StoreError error);

  detail::StoreState& state_;
  bool ended_ = false;
  std::optional<StoreError> outcome_;  // the failure it ended with, once ended
};

}  // namespace hush::client
