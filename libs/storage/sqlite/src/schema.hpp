// Internal to the SQLite backend: the schema as an ordered list of migrations (libs/sqlite applies
// them), bringing a database up to kSqliteSchemaVersion on open. A migration, once released, never
// changes: a schema change is a new migration appended to the list.
#pragma once

#include <span>

#include "connection.hpp"
#include "hush/sqlite/migrations.hpp"

namespace hush::storage::sqlite {

// All migrations, in order; the last one's version is kSqliteSchemaVersion.
std::span<const ::hush::sqlite::Migration> migrations();

// In one transaction: checks the file is a hush database (a schema_version table, or no table at
// all), refuses a version newer than this code knows, and applies the missing migrations in order.
// Errors: kCorrupt (a database of something else), kIncompatibleSchema, kIo.
Result<void, StorageError> migrate(Connection& connection);

// The version recorded in the database (0 for an empty one).
Result<int, StorageError> schema_version(Connection& connection);

}  // namespace hush::storage::sqlite
