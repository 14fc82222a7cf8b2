// Internal to the SQLite backend: RAII for every sqlite3 handle, prepared statements cached per
// connection, transactions that roll back unless committed, and the mapping of SQLite result codes
// to StorageError. Nothing here knows the schema.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/storage/error.hpp"
#include "hush/storage/types.hpp"

namespace hush::storage::sqlite {

struct DatabaseCloser {
  void operator()(sqlite3* database) const { sqlite3_close_v2(database); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseCloser>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// SQLITE_CORRUPT and SQLITE_NOTADB, and SQLITE_ERROR (a table or column the code expects is
// missing: the file is not the database it claims to be), are kCorrupt; the rest kIo.
StorageError to_storage_error(int sqlite_code);

inline std::int64_t to_column(Timestamp time) {
  return time.time_since_epoch().count();
}
inline Timestamp to_timestamp(std::int64_t column) {
  return Timestamp{std::chrono::milliseconds{column}};
}

// A cached prepared statement in use. Binding indexes start at 1, column indexes at 0 (SQLite's
// convention). A statement that failed to prepare reports its error from step(). The statement is
// reset and its bindings cleared when this object goes away, ready for the next use.
class Statement {
 public:
  Statement(sqlite3_stmt* statement, int prepare_error) : statement_(statement), error_(prepare_error) {}
  Statement(Statement&& other) noexcept : statement_(other.statement_), error_(other.error_) {
    other.statement_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, Timestamp value) { return bind(index, to_column(value)); }
  Statement& bind(int index, ByteView value);
  Statement& bind(int index, std::string_view value);
  Statement& bind_null(int index);

  // Advances: true when a row is available, false when done.
  Result<bool, StorageError> step();
  // Runs a statement that returns no rows (or whose rows are not needed).
  Result<void, StorageError> run();

  std::int64_t column_int(int index) const;
  bool column_is_null(int index) const;
  std::string column_text(int index) const;
  Bytes column_blob(int index) const;
  // Copies a blob column into `out`; false when its size differs (a damaged row).
  bool column_into(int index, std::span<std::uint8_t> out) const;

 private:
  void note(int code);
  sqlite3_stmt* statement_;
  int error_;
};

class Connection {
 public:
  // Opens `path` (read-write and creating it, or read-only).
  static Result<std::unique_ptr<Connection>, StorageError> open(const std::filesystem::path& path, bool read_only,
                                                                std::chrono::milliseconds busy_timeout);

  // Runs one or more statements that return nothing (pragmas, DDL, BEGIN/COMMIT).
  Result<void, StorageError> exec(const char* sql);

  // The prepared statement for `sql`, compiled on first use and kept for the connection's life.
  // `sql` must be a constant (it is the cache key).
  Statement prepare(std::string_view sql);

  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const { return sqlite3_changes64(database_.get()); }

  // Runs `body` (returning Result<T, StorageError>) inside a transaction, committed when the body
  // succeeds and rolled back when it fails or throws. `immediate` takes the write lock up front,
  // so a transaction that reads then writes cannot deadlock against another writer.
  template <class Body>
  auto transaction(bool immediate, Body&& body) -> decltype(body()) {
    HUSH_TRY(exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN"));
    RollbackGuard guard{this};
    auto result = body();
    if (!result.ok()) return result;
    HUSH_TRY(exec("COMMIT"));
    guard.connection = nullptr;
    return result;
  }

 private:
  explicit Connection(DatabaseHandle database) : database_(std::move(database)) {}

  struct RollbackGuard {
    Connection* connection;
    ~RollbackGuard() {
      if (connection != nullptr) sqlite3_exec(connection->database_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  };

  DatabaseHandle database_;
  // Declared after database_, so statements are finalized before the database closes.
  std::map<std::string, StatementHandle, std::less<>> statements_;
};

}  // namespace hush::storage::sqlite
