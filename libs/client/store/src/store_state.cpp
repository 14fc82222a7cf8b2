// The transaction bookkeeping of an open store: BEGIN IMMEDIATE on open, first failure kept,
// COMMIT only when nothing failed, ROLLBACK otherwise.
#include "store_state.hpp"

#include <string>

namespace hush::client::detail {

void StoreState::begin() {
  if (open_) throw std::logic_error("hush::client::ClientStore: a transaction is already open");
  open_ = true;
  begun_ = false;
  failure_.reset();
  auto begun = connection_->exec("BEGIN IMMEDIATE");
  if (!begun.ok()) {
    poison(begun.error());
    return;
  }
  begun_ = true;
}

Result<void, StoreError> StoreState::commit() {
  if (!open_) throw std::logic_error("hush::client::StoreTransaction: commit() of an ended transaction");
  if (failure_) {
    const StoreError first = *failure_;
    rollback();
    return fail(first);
  }
  auto committed = connection_->exec("COMMIT");
  if (!committed.ok()) {
    rollback();
    return committed;
  }
  open_ = false;
  begun_ = false;
  return {};
}

void StoreState::rollback() {
  if (!open_) return;
  // ROLLBACK also when SQLite ended the transaction itself after a failure: it is then a harmless
  // error, ignored.
  if (begun_) connection_->rollback_quietly();
  open_ = false;
  begun_ = false;
}

StoreConnection* StoreState::usable(const char* access) {
  if (!open_) {
    throw std::logic_error(std::string("hush::client::ClientStore: ") + access + " outside a transaction");
  }
  return failure_ ? nullptr : connection_.get();
}

}  // namespace hush::client::detail
