// The migration step: recognise the database, refuse a newer one, apply what is missing, all in one
// write transaction so that a database is never left between two versions.
#include "hush/sqlite/migrations.hpp"

#include <stdexcept>

namespace hush::sqlite::detail {
namespace {

void check_numbering(std::span<const Migration> migrations) {
  int expected = 1;
  for (const Migration& migration : migrations) {
    if (migration.version != expected++ || migration.sql == nullptr) {
      throw std::logic_error("hush::sqlite::migrate: migrations must be numbered 1, 2, 3, ...");
    }
  }
}

Result<void, SqliteError> run(RawStatement statement) {
  auto stepped = statement.step();
  if (!stepped.ok()) return fail(stepped.error());
  return {};
}

Result<void, SqliteError> migrate_in_transaction(RawConnection& connection, std::span<const Migration> migrations) {
  auto current = schema_version(connection);
  if (!current.ok()) return fail(current.error());
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (*current > latest) return fail(SqliteError::kNewerSchema);
  if (*current == 0) {
    // An empty database, or one whose migration to version 1 never committed.
    HUSH_TRY(connection.exec(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL); "
        "INSERT INTO schema_version (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version)"));
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= *current) continue;
    HUSH_TRY(connection.exec(migration.sql));
    RawStatement update = connection.prepare("UPDATE schema_version SET version = ?1");
    update.bind(1, std::int64_t{migration.version});
    HUSH_TRY(run(std::move(update)));
  }
  return {};
}

}  // namespace

Result<int, SqliteError> schema_version(RawConnection& connection) {
  {
    RawStatement has_table =
        connection.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'");
    auto row = has_table.step();
    if (!row.ok()) return fail(row.error());
    if (has_table.column_int(0) == 0) {
      RawStatement any_table = connection.prepare("SELECT count(*) FROM sqlite_schema");
      auto counted = any_table.step();
      if (!counted.ok()) return fail(counted.error());
      // Tables but no schema_version: some other program's database, not an empty one.
      if (any_table.column_int(0) != 0) return fail(SqliteError::kForeignDatabase);
      return 0;
    }
  }
  RawStatement version = connection.prepare("SELECT version FROM schema_version");
  auto found = version.step();
  if (!found.ok()) return fail(found.error());
  if (!*found) return fail(SqliteError::kForeignDatabase);
  const std::int64_t value = version.column_int(0);
  if (value < 0 || value > 1'000'000) return fail(SqliteError::kForeignDatabase);
  return static_cast<int>(value);
}

Result<void, SqliteError> migrate(RawConnection& connection, std::span<const Migration> migrations) {
  check_numbering(migrations);
  HUSH_TRY(connection.exec("BEGIN IMMEDIATE"));
  auto migrated = migrate_in_transaction(connection, migrations);
  if (!migrated.ok()) {
    connection.rollback_quietly();
    return migrated;
  }
  auto committed = connection.exec("COMMIT");
  if (!committed.ok()) connection.rollback_quietly();
  return committed;
}

}  // namespace hush::sqlite::detail
