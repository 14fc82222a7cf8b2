// What the SQLite wrapper reports when SQLite (or a migration check) fails, by kind. Components
// never see this type in their own results: each maps it to its own error enum through an error
// policy (connection.hpp), so storage answers with StorageError and the client store with StoreError.
#pragma once

namespace hush::sqlite {

enum class SqliteError {
  kCorrupt,          // SQLITE_CORRUPT: the file is damaged
  kNotADatabase,     // SQLITE_NOTADB: the file is not a SQLite database
  kSqlError,         // SQLITE_ERROR: a table or column the code expects is missing (a file of another schema)
  kConstraint,       // SQLITE_CONSTRAINT: a constraint or a trigger's RAISE(ABORT) refused the write
  kTooBig,           // SQLITE_TOOBIG: a value larger than SQLite's length limit
  kBusy,             // SQLITE_BUSY / SQLITE_LOCKED: another connection held the lock beyond the busy timeout
  kCannotOpen,       // SQLITE_CANTOPEN: the file is missing (when not creating) or cannot be opened
  kIo,               // any other failure: read, write or sync failed, disk full, out of memory
  kForeignDatabase,  // migrate(): the file holds tables but no schema_version: another program's database
  kNewerSchema,      // migrate(): the schema version is newer than the code's last migration
};

// A short, stable, lower_snake_case name, for logs and tests.
const char* to_string(SqliteError error);

// The kind of a SQLite result code (primary or extended); SQLITE_OK is not an error and must not
// be passed.
SqliteError classify(int sqlite_code);

}  // namespace hush::sqlite
