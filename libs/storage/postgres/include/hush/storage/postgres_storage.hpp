// The scale-out backend (ARCHITECTURE.md decision 8): several stateless hushd nodes share one
// PostgreSQL database through libpq, and wake each other with LISTEN/NOTIFY (wakes.hpp). Every call
// is one transaction, committed (synchronous_commit as the server is configured: on by default)
// when it returns. Schema changes are versioned migrations applied on open.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "hush/base/result.hpp"
#include "hush/storage/error.hpp"
#include "hush/storage/options.hpp"
#include "hush/storage/storage.hpp"

namespace hush::storage {

// The schema version this code writes; open migrates older schemas up to it and refuses newer
// ones (kIncompatibleSchema). libs/storage/README.md lists what each version added.
inline constexpr int kPostgresSchemaVersion = 3;

struct PostgresOptions {
  // Limits enforced, as for every backend. Default: Options{} (the constants of limits.hpp).
  Options limits;

  // Where the database is: a libpq connection string ("host=... dbname=...") or a postgres:// URI.
  // The tables live in the connection's current schema (the first of its search_path), so one
  // database can hold several independent hush schemas. Required.
  std::string conninfo;

  // Connections kept open to the server; each call borrows one for its transaction and waits when
  // all are busy. More lets more calls (enqueue of different recipients, fetches, media) proceed at
  // once; each costs a server process (several MiB) out of PostgreSQL's max_connections (100 by
  // default), shared by every node. Group commit makes a few enough. Default 8.
  std::size_t connections = 8;

  // The LISTEN/NOTIFY channel wakes travel on. Every node sharing a schema must use the same one,
  // and nodes of different hush schemas in one database different ones (a channel is per database).
  // 1 to 63 characters of [A-Za-z0-9_]. Default "hush_wake".
  std::string wake_channel = "hush_wake";

  // How long opening a connection may take before the call fails with kIo. libpq counts whole
  // seconds (and at least 2); this is rounded up. Default 5 seconds.
  std::chrono::milliseconds connect_timeout{5000};
};

// Connects, then migrates the schema in one transaction under an advisory lock, so that nodes
// starting together migrate once. Errors: kInvalidArgument (empty conninfo, zero connections, a
// wake channel out of its alphabet), kIo (cannot connect), kIncompatibleSchema (written by a newer
// version), kCorrupt (the schema holds tables of something else).
//
// Thread safety: all stores of the result may be used concurrently, from any number of threads and
// of nodes. Writes to one device's queue serialize on that device's row (so sequences follow commit
// order per device); everything else runs in parallel up to `connections` calls at once. A call
// that loses its connection fails with kIo (nothing applied, or for a lost COMMIT: unknown, which
// duplicate detection makes safe to retry); the next call reconnects.
Result<std::unique_ptr<Storage>, StorageError> open_postgres_storage(const PostgresOptions& options);

}  // namespace hush::storage
