// A prepared SQLite statement in use: binding, stepping, reading columns. RawStatement does the
// work and reports SqliteError; Statement<Policy> is the same statement reporting the component's
// own error type, so a component's code reads `HUSH_TRY(statement.run())` in its own Result type.
// Nothing here knows a schema. sqlite3.h stays inside this component's src/.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/sqlite/error.hpp"

struct sqlite3_stmt;

namespace hush::sqlite {

// How a component sees the wrapper's failures: its error type and the mapping to it, e.g.
//   struct StorageErrors { using Error = StorageError; static StorageError from(SqliteError); };
template <class Policy>
concept ErrorPolicy = requires(SqliteError error) {
  typename Policy::Error;
  { Policy::from(error) } -> std::same_as<typename Policy::Error>;
};

// Milliseconds since the Unix epoch, stored as an INTEGER column.
using Milliseconds = std::chrono::sys_time<std::chrono::milliseconds>;

namespace detail {

// A cached statement borrowed from its connection. A statement that failed to prepare (null, with
// its error code) reports that error from step(); so does one whose binding failed. Reset and its
// bindings cleared when this object goes away, ready for the next use.
class RawStatement {
 public:
  RawStatement(sqlite3_stmt* statement, int prepare_error) : statement_(statement), error_(prepare_error) {}
  RawStatement(RawStatement&& other) noexcept
      : statement_(std::exchange(other.statement_, nullptr)), error_(other.error_) {}
  RawStatement(const RawStatement&) = delete;
  RawStatement& operator=(const RawStatement&) = delete;
  RawStatement& operator=(RawStatement&&) = delete;
  ~RawStatement();

  void bind(int index, std::int64_t value);
  // The bytes are not copied: they must outlive the statement's last step().
  void bind(int index, ByteView value);
  void bind(int index, std::string_view value);
  void bind_null(int index);

  Result<bool, SqliteError> step();

  std::int64_t column_int(int index) const;
  bool column_is_null(int index) const;
  // Size in bytes of a blob or text column (0 for NULL), read without copying the value.
  std::size_t column_size(int index) const;
  std::string column_text(int index) const;
  Bytes column_blob(int index) const;
  // The column's bytes in SQLite's buffer: valid until the next step() or the statement's end.
  ByteView column_view(int index) const;
  bool column_into(int index, std::span<std::uint8_t> out) const;

 private:
  void note(int code);
  sqlite3_stmt* statement_;
  int error_;
};

}  // namespace detail

// The statement as a component uses it. Binding indexes start at 1, column indexes at 0 (SQLite's
// convention). Binding never fails on its own: a failed bind is reported by the next step().
template <ErrorPolicy Policy>
class Statement {
 public:
  using Error = typename Policy::Error;

  explicit Statement(detail::RawStatement raw) : raw_(std::move(raw)) {}

  Statement& bind(int index, std::int64_t value) {
    raw_.bind(index, value);
    return *this;
  }
  Statement& bind(int index, Milliseconds value) { return bind(index, std::int64_t{value.time_since_epoch().count()}); }
  Statement& bind(int index, ByteView value) {
    raw_.bind(index, value);
    return *this;
  }
  Statement& bind(int index, std::string_view value) {
    raw_.bind(index, value);
    return *this;
  }
  Statement& bind_null(int index) {
    raw_.bind_null(index);
    return *this;
  }

  // Advances: true when a row is available, false when done.
  Result<bool, Error> step() {
    auto stepped = raw_.step();
    if (!stepped.ok()) return fail(Policy::from(stepped.error()));
    return *stepped;
  }
  // Runs a statement that returns no rows (or whose rows are not needed).
  Result<void, Error> run() {
    auto stepped = raw_.step();
    if (!stepped.ok()) return fail(Policy::from(stepped.error()));
    return {};
  }

  std::int64_t column_int(int index) const { return raw_.column_int(index); }
  bool column_is_null(int index) const { return raw_.column_is_null(index); }
  std::size_t column_size(int index) const { return raw_.column_size(index); }
  std::string column_text(int index) const { return raw_.column_text(index); }
  Bytes column_blob(int index) const { return raw_.column_blob(index); }
  ByteView column_view(int index) const { return raw_.column_view(index); }
  // Copies a blob column into `out`; false when its size differs (a damaged row).
  bool column_into(int index, std::span<std::uint8_t> out) const { return raw_.column_into(index, out); }

 private:
  detail::RawStatement raw_;
};

}  // namespace hush::sqlite
