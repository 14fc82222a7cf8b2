// The store's SQLite connection as the rest of libs/client sees it: the shared wrapper (libs/sqlite)
// reporting StoreError. Only for code that runs inside a StoreTransaction (StoreTransaction::run);
// the tables it may touch are the ones the store's schema declares (src/schema.cpp).
#pragma once

#include "hush/client/store/error.hpp"
#include "hush/sqlite/connection.hpp"

namespace hush::client {

// SQLite failures as StoreError: damage and foreign files are kCorrupt, a newer schema
// kIncompatibleSchema, a lock held too long kBusy, an oversized value kTooLarge, the rest kIo.
StoreError to_store_error(sqlite::SqliteError error);

struct StoreErrors {
  using Error = StoreError;
  static StoreError from(sqlite::SqliteError error) { return to_store_error(error); }
};

using StoreConnection = sqlite::Connection<StoreErrors>;
using StoreStatement = sqlite::Statement<StoreErrors>;

}  // namespace hush::client
