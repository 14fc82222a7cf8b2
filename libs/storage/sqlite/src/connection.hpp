// Internal to the SQLite backend: the shared SQLite wrapper (libs/sqlite) seen through StorageError,
// and the column forms of storage's value types. Nothing here knows the schema.
#pragma once

#include <chrono>
#include <cstdint>

#include "hush/sqlite/connection.hpp"
#include "hush/storage/error.hpp"
#include "hush/storage/types.hpp"

namespace hush::storage::sqlite {

// SQLITE_CORRUPT and SQLITE_NOTADB, SQLITE_ERROR (a table or column the code expects is missing:
// the file is not the database it claims to be) and another program's database are kCorrupt; a
// newer schema is kIncompatibleSchema; a constraint is kConflict; the rest kIo.
StorageError to_storage_error(::hush::sqlite::SqliteError error);

struct StorageErrors {
  using Error = StorageError;
  static StorageError from(::hush::sqlite::SqliteError error) { return to_storage_error(error); }
};

using Statement = ::hush::sqlite::Statement<StorageErrors>;
using Connection = ::hush::sqlite::Connection<StorageErrors>;

inline std::int64_t to_column(Timestamp time) {
  return time.time_since_epoch().count();
}
inline Timestamp to_timestamp(std::int64_t column) {
  return Timestamp{std::chrono::milliseconds{column}};
}

}  // namespace hush::storage::sqlite
