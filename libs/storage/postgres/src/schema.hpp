// Internal to the PostgreSQL backend: the schema as an ordered list of migrations, applied on open
// up to kPostgresSchemaVersion. A migration, once released, never changes: a schema change is a new
// migration appended to the list.
#pragma once

#include "pg.hpp"

namespace hush::storage::postgres {

// In one transaction holding an advisory lock for the connection's current schema (so nodes
// starting together migrate once, one after the other): creates the version table if needed,
// refuses a version newer than this code knows, and applies the missing migrations in order.
// Errors: kIncompatibleSchema, kCorrupt (tables of something else in the way), kIo.
Result<void, StorageError> migrate(Connection& connection);

// The version recorded in the connection's current schema (0 for none).
Result<int, StorageError> schema_version(Connection& connection);

}  // namespace hush::storage::postgres
