// The embedded default backend (ARCHITECTURE.md decision 8): one SQLite 3 database file in the
// server's data folder, WAL mode, synchronous=FULL, so every call that changes state has been
// synced to disk when it returns. Schema changes are versioned migrations applied on open.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "hush/base/result.hpp"
#include "hush/storage/error.hpp"
#include "hush/storage/options.hpp"
#include "hush/storage/storage.hpp"

namespace hush::storage {

// The schema version this code writes; open() migrates older databases up to it and refuses
// newer ones (kIncompatibleSchema). libs/storage/README.md lists what each version added.
inline constexpr int kSqliteSchemaVersion = 6;

struct SqliteOptions {
  // Limits enforced, as for every backend. Default: Options{} (the constants of limits.hpp).
  Options limits;

  // Name of the database file inside the data folder; SQLite adds "-wal" and "-shm" files beside
  // it. Default "hush.sqlite3".
  std::string file_name = "hush.sqlite3";

  // How long a call waits for a lock held by another connection to the same file (a second
  // process, or a long checkpoint) before failing with kIo. Default 5 seconds.
  std::chrono::milliseconds busy_timeout{5000};

  // SQLite page cache of each of the two connections, in bytes. Queue inserts touch one index page
  // per recipient; keeping those pages cached saves re-reading them on every commit. Default 64 MiB.
  std::size_t page_cache_bytes = 64 * 1024 * 1024;

  // WAL pages (4 KiB each) after which a commit copies the WAL back into the database file
  // (a checkpoint). Larger means fewer, longer checkpoints, and a larger -wal file on disk; a
  // page rewritten by many commits is copied once. Default 10,000 (about 40 MiB).
  int checkpoint_pages = 10000;
};

// Opens (creating the folder and the file if needed) and migrates the database. A new file is
// created readable by its owner only (0600), and SQLite gives its -wal and -shm files the same mode.
// Errors: kCorrupt (not a SQLite file, damaged, or a SQLite file that is not a hush database),
// kIncompatibleSchema (written by a newer version), kIo (cannot create, open or lock).
//
// Thread safety: all stores of the result may be used concurrently. Calls that change state share
// one connection under a mutex, each call one transaction (enqueue of a batch included: one
// commit, one fsync); reads use a second, read-only connection under its own mutex, which WAL lets
// proceed while a write is syncing. Several Storage objects (or processes) on one file are safe
// too: writes take SQLite's write lock (BEGIN IMMEDIATE) and wait up to busy_timeout.
Result<std::unique_ptr<Storage>, StorageError> open_sqlite_storage(const std::filesystem::path& data_folder,
                                                                   const SqliteOptions& options = {});

}  // namespace hush::storage
