// Schema versions as an ordered list of migrations, and the step that brings a database up to the
// last one on open. A migration, once released, never changes: a schema change is a new migration
// appended to the list. The version lives in a one-row table `schema_version`.
#pragma once

#include <span>

#include "hush/base/result.hpp"
#include "hush/sqlite/connection.hpp"

namespace hush::sqlite {

struct Migration {
  int version;      // the schema version after this migration: 1, 2, 3, ... in order
  const char* sql;  // statements run in the migration's transaction
};

namespace detail {
Result<void, SqliteError> migrate(RawConnection& connection, std::span<const Migration> migrations);
Result<int, SqliteError> schema_version(RawConnection& connection);
}  // namespace detail

// In one write transaction: checks the file is a database of this schema (a schema_version table,
// or no table at all), refuses a version newer than the last migration, and applies the missing
// migrations in order. Errors: kForeignDatabase (tables but no version, or a damaged version row),
// kNewerSchema, and SQLite's own failures. Throws std::logic_error when `migrations` is not numbered
// 1, 2, 3, ... (a bug in the caller's list).
template <ErrorPolicy Policy>
Result<void, typename Policy::Error> migrate(Connection<Policy>& connection, std::span<const Migration> migrations) {
  auto migrated = detail::migrate(connection.raw(), migrations);
  if (!migrated.ok()) return fail(Policy::from(migrated.error()));
  return {};
}

// The version recorded in the database: 0 for an empty database.
template <ErrorPolicy Policy>
Result<int, typename Policy::Error> schema_version(Connection<Policy>& connection) {
  auto version = detail::schema_version(connection.raw());
  if (!version.ok()) return fail(Policy::from(version.error()));
  return *version;
}

}  // namespace hush::sqlite
