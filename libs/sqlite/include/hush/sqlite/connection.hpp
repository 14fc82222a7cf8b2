// One SQLite connection: opening a file (a new one private to its owner), running SQL, prepared
// statements cached for the connection's life, and transactions that roll back unless committed.
// RawConnection does the work; Connection<Policy> reports the component's own error type (see
// ErrorPolicy in statement.hpp). Not thread-safe: one thread at a time uses a connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "hush/base/result.hpp"
#include "hush/sqlite/error.hpp"
#include "hush/sqlite/statement.hpp"

struct sqlite3;

namespace hush::sqlite {

enum class OpenMode {
  kReadOnly,      // the file must exist; nothing can be written through this connection
  kReadWrite,     // the file must exist (kCannotOpen otherwise)
  kCreatePrivate  // created if missing, readable and writable by its owner only (0600); SQLite
                  // gives the -wal and -shm files the same mode
};

namespace detail {

struct DatabaseCloser {
  void operator()(sqlite3* database) const;
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const;
};

class RawConnection {
 public:
  static Result<RawConnection, SqliteError> open(const std::filesystem::path& path, OpenMode mode,
                                                 std::chrono::milliseconds busy_timeout);

  Result<void, SqliteError> exec(const char* sql);
  // `sql` must be a constant (it is the cache key).
  RawStatement prepare(std::string_view sql);
  std::int64_t changes() const;
  // ROLLBACK, ignoring its outcome (there is nothing left to do when even that fails: SQLite rolls
  // back an unfinished transaction when the connection closes).
  void rollback_quietly();

 private:
  explicit RawConnection(std::unique_ptr<sqlite3, DatabaseCloser> database) : database_(std::move(database)) {}

  std::unique_ptr<sqlite3, DatabaseCloser> database_;
  // Declared after database_, so statements are finalized before the database closes.
  std::map<std::string, std::unique_ptr<sqlite3_stmt, StatementFinalizer>, std::less<>> statements_;
};

}  // namespace detail

template <ErrorPolicy Policy>
class Connection {
 public:
  using Error = typename Policy::Error;

  // Opens `path`. Waits up to `busy_timeout` for a lock another connection holds.
  static Result<std::unique_ptr<Connection>, Error> open(const std::filesystem::path& path, OpenMode mode,
                                                         std::chrono::milliseconds busy_timeout) {
    auto raw = detail::RawConnection::open(path, mode, busy_timeout);
    if (!raw.ok()) return fail(Policy::from(raw.error()));
    return std::unique_ptr<Connection>(new Connection(std::move(*raw)));
  }

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements that return nothing (pragmas, DDL, BEGIN/COMMIT).
  Result<void, Error> exec(const char* sql) {
    auto done = raw_.exec(sql);
    if (!done.ok()) return fail(Policy::from(done.error()));
    return {};
  }

  // The prepared statement for `sql`, compiled on first use and kept for the connection's life.
  // `sql` must be a constant (it is the cache key).
  Statement<Policy> prepare(std::string_view sql) { return Statement<Policy>(raw_.prepare(sql)); }

  // Rows changed by the last INSERT, UPDATE or DELETE.
  std::int64_t changes() const { return raw_.changes(); }

  // ROLLBACK of the open transaction, ignoring failure.
  void rollback_quietly() { raw_.rollback_quietly(); }

  // Runs `body` (returning Result<T, Error>) inside a transaction, committed when the body succeeds
  // and rolled back when it fails or throws. `immediate` takes the write lock up front, so a
  // transaction that reads then writes cannot deadlock against another writer.
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

  // The untyped connection, for the helpers of this component (migrations.hpp).
  detail::RawConnection& raw() { return raw_; }

 private:
  explicit Connection(detail::RawConnection raw) : raw_(std::move(raw)) {}

  struct RollbackGuard {
    Connection* connection;
    ~RollbackGuard() {
      if (connection != nullptr) connection->rollback_quietly();
    }
  };

  detail::RawConnection raw_;
};

}  // namespace hush::sqlite
