// Names of SqliteError values, and the classification of SQLite's result codes into them.
#include "hush/sqlite/error.hpp"

#include <sqlite3.h>

namespace hush::sqlite {

const char* to_string(SqliteError error) {
  switch (error) {
    case SqliteError::kCorrupt: return "corrupt";
    case SqliteError::kNotADatabase: return "not_a_database";
    case SqliteError::kSqlError: return "sql_error";
    case SqliteError::kConstraint: return "constraint";
    case SqliteError::kTooBig: return "too_big";
    case SqliteError::kBusy: return "busy";
    case SqliteError::kCannotOpen: return "cannot_open";
    case SqliteError::kIo: return "io";
    case SqliteError::kForeignDatabase: return "foreign_database";
    case SqliteError::kNewerSchema: return "newer_schema";
  }
  return "unknown";
}

SqliteError classify(int sqlite_code) {
  // Extended codes (connections ask for them) carry the primary code in their low byte.
  switch (sqlite_code & 0xff) {
    case SQLITE_CORRUPT: return SqliteError::kCorrupt;
    case SQLITE_NOTADB: return SqliteError::kNotADatabase;
    case SQLITE_ERROR: return SqliteError::kSqlError;
    case SQLITE_CONSTRAINT: return SqliteError::kConstraint;
    case SQLITE_TOOBIG: return SqliteError::kTooBig;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return SqliteError::kBusy;
    case SQLITE_CANTOPEN: return SqliteError::kCannotOpen;
    default: return SqliteError::kIo;
  }
}

}  // namespace hush::sqlite
