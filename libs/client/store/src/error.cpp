// Names and sentences of the store's errors, and the mapping of the SQLite wrapper's failures.
#include "hush/client/store/error.hpp"
#include "hush/client/store/database.hpp"

namespace hush::client {

const char* to_string(StoreError error) {
  switch (error) {
    case StoreError::kNotFound: return "not_found";
    case StoreError::kAlreadyExists: return "already_exists";
    case StoreError::kWrongPassphrase: return "wrong_passphrase";
    case StoreError::kWrongKeyFile: return "wrong_key_file";
    case StoreError::kWrongUnlockMethod: return "wrong_unlock_method";
    case StoreError::kKeyFileUnreadable: return "key_file_unreadable";
    case StoreError::kKeyFileInvalid: return "key_file_invalid";
    case StoreError::kKeyFileInsecure: return "key_file_insecure";
    case StoreError::kInvalidArgument: return "invalid_argument";
    case StoreError::kTooLarge: return "too_large";
    case StoreError::kBusy: return "busy";
    case StoreError::kCorrupt: return "corrupt";
    case StoreError::kIncompatibleSchema: return "incompatible_schema";
    case StoreError::kIo: return "io";
  }
  return "unknown";
}

const char* describe(StoreError error) {
  switch (error) {
    case StoreError::kNotFound: return "there is no hush store in this home folder";
    case StoreError::kAlreadyExists: return "this home folder already has a hush store (or the key file exists)";
    case StoreError::kWrongPassphrase: return "the passphrase does not unlock this store";
    case StoreError::kWrongKeyFile: return "the key file does not unlock this store";
    case StoreError::kWrongUnlockMethod:
      return "this store is unlocked the other way: with a key file instead of a passphrase, or the reverse";
    case StoreError::kKeyFileUnreadable: return "the key file is missing or cannot be read";
    case StoreError::kKeyFileInvalid: return "the key file is not a regular file of exactly 32 bytes";
    case StoreError::kKeyFileInsecure:
      return "the key file can be read or written by other users; it must belong to you with mode 600 "
             "(chmod 600 FILE)";
    case StoreError::kInvalidArgument:
      return "invalid argument (an empty or overlong passphrase, or key-derivation costs out of range)";
    case StoreError::kTooLarge: return "a record, name or group id is larger than the store accepts";
    case StoreError::kBusy: return "another hush process is using this store; try again when it is done";
    case StoreError::kCorrupt: return "the store's database is damaged, was altered, or is not a hush store";
    case StoreError::kIncompatibleSchema: return "the store was written by a newer version of hush";
    case StoreError::kIo: return "the store could not be read, written or synced to disk";
  }
  return "unknown store error";
}

StoreError to_store_error(sqlite::SqliteError error) {
  using sqlite::SqliteError;
  switch (error) {
    case SqliteError::kCorrupt:
    case SqliteError::kNotADatabase:
    case SqliteError::kSqlError:
    case SqliteError::kForeignDatabase: return StoreError::kCorrupt;
    case SqliteError::kNewerSchema: return StoreError::kIncompatibleSchema;
    case SqliteError::kBusy: return StoreError::kBusy;
    case SqliteError::kTooBig: return StoreError::kTooLarge;
    // The store's statements violate no constraint; a refused write means an injected trigger or a
    // damaged schema, reported like any other failed write.
    case SqliteError::kConstraint:
    case SqliteError::kCannotOpen:
    case SqliteError::kIo: return StoreError::kIo;
  }
  return StoreError::kIo;
}

}  // namespace hush::client
