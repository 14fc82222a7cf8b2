// StoreTransaction: the caller's handle on the store's one open transaction (store_state.hpp keeps
// the bookkeeping), and sealing for the tables the rest of libs/client adds.
#include "hush/client/store/transaction.hpp"

#include <stdexcept>

#include "store_state.hpp"

namespace hush::client {

StoreTransaction::~StoreTransaction() {
  rollback();
}

Result<void, StoreError> StoreTransaction::commit() {
  if (ended_) throw std::logic_error("hush::client::StoreTransaction: commit() of an ended transaction");
  ended_ = true;
  auto committed = state_.commit();
  if (!committed.ok()) outcome_ = committed.error();
  return committed;
}

void StoreTransaction::rollback() {
  if (ended_) return;
  ended_ = true;
  outcome_ = state_.failure();
  state_.rollback();
}

std::optional<StoreError> StoreTransaction::failure() const {
  return ended_ ? outcome_ : state_.failure();
}

StoreConnection* StoreTransaction::usable_connection() {
  if (ended_) throw std::logic_error("hush::client::StoreTransaction: run() after the transaction ended");
  return state_.usable("run");
}

void StoreTransaction::poison(StoreError error) {
  state_.poison(error);
}

Bytes StoreTransaction::seal(const RowName& row, ByteView plaintext) const {
  return state_.seal(row, plaintext);
}

Result<crypto::SecretBytes, StoreError> StoreTransaction::open(const RowName& row, ByteView sealed,
                                                               std::size_t max_plaintext_size) const {
  return state_.open(row, sealed, max_plaintext_size);
}

}  // namespace hush::client
