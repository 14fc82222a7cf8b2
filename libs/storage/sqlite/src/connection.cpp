// How the SQLite backend reports the shared wrapper's failures as StorageError.
#include "connection.hpp"

namespace hush::storage::sqlite {

StorageError to_storage_error(::hush::sqlite::SqliteError error) {
  using ::hush::sqlite::SqliteError;
  switch (error) {
    case SqliteError::kCorrupt:
    case SqliteError::kNotADatabase:
    case SqliteError::kSqlError:
    case SqliteError::kForeignDatabase: return StorageError::kCorrupt;
    case SqliteError::kNewerSchema: return StorageError::kIncompatibleSchema;
    case SqliteError::kConstraint: return StorageError::kConflict;
    case SqliteError::kTooBig: return StorageError::kTooLarge;
    case SqliteError::kBusy:
    case SqliteError::kCannotOpen:
    case SqliteError::kIo: return StorageError::kIo;
  }
  return StorageError::kIo;
}

}  // namespace hush::storage::sqlite
