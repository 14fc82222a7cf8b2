// Internal to the PostgreSQL backend: a small libpq wrapper. RAII handles for PGconn and PGresult,
// statement parameters (scalars and one-dimensional arrays, sent in binary with their types),
// results read in binary, prepared statements cached per connection, and SQLSTATEs mapped to
// StorageError. Nothing here knows the schema; nothing here logs (parameters hold ciphertext).
#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/storage/error.hpp"
#include "hush/storage/types.hpp"

namespace hush::storage::postgres {

struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ConnectionHandle = std::unique_ptr<PGconn, ConnectionCloser>;
using ResultHandle = std::unique_ptr<PGresult, ResultClearer>;

// What every connection of one Storage is opened with.
struct ConnectSettings {
  std::string conninfo;
  std::chrono::milliseconds connect_timeout{5000};
};

// Opens a blocking connection (connect_timeout bounds it). nullptr when it fails; no message is
// kept (it may echo the connection string, which may hold a password).
ConnectionHandle connect(const ConnectSettings& settings);

// SQLSTATE → StorageError: integrity violations (class 23) are kConflict; a missing or existing
// table or column (42P01, 42703, 42P07, 42883) means the schema is not ours: kCorrupt, as are data
// corruption (XX001, XX002); too large a value (22001, 54000) is kTooLarge; the rest, connection
// failures included, kIo.
StorageError to_storage_error(std::string_view sqlstate);

// Whether a transaction that failed with this SQLSTATE may simply run again: serialization
// failure (40001) and deadlock (40P01).
bool is_retryable(std::string_view sqlstate);

// Statement parameters, each sent in binary with an explicit type, so a statement is prepared once
// with the same types whatever the values. Integers are int8 (bigint) throughout; ids and times
// fit it, and the columns that are narrower take it by assignment.
class Params {
 public:
  Params& integer(std::int64_t value);
  Params& integer(std::uint64_t value) { return integer(static_cast<std::int64_t>(value)); }
  Params& integer(std::uint32_t value) { return integer(std::int64_t{value}); }
  Params& time(Timestamp value) { return integer(std::int64_t{value.time_since_epoch().count()}); }
  Params& bytes(ByteView value);
  Params& boolean(bool value);
  // int8[]; an empty optional is SQL NULL.
  Params& integers(std::span<const std::int64_t> values);
  Params& nullable_integers(std::span<const std::optional<std::int64_t>> values);
  // bytea[].
  Params& byte_arrays(std::span<const ByteView> values);

  int count() const { return static_cast<int>(values_.size()); }
  const std::vector<Oid>& types() const { return types_; }
  // Pointers, lengths and formats as PQexecPrepared takes them; valid while this object lives.
  std::vector<const char*> value_pointers() const;
  std::vector<int> lengths() const;
  std::vector<int> formats() const { return std::vector<int>(values_.size(), 1); }

 private:
  Params& add(Oid type, std::string value);
  std::vector<Oid> types_;
  std::vector<std::string> values_;
};

// A result set, read in binary. Accessors take row and column indexes the caller's SQL fixes;
// a value of another type or size than expected is reported as absent, never read out of bounds.
class Rows {
 public:
  explicit Rows(ResultHandle result) : result_(std::move(result)) {}

  int size() const { return PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  // int2, int4, int8 or bool as a signed 64-bit integer; nullopt for NULL or another size.
  std::optional<std::int64_t> integer(int row, int column) const;
  // The same, 0 when absent: for NOT NULL integer columns.
  std::int64_t integer_or_zero(int row, int column) const { return integer(row, column).value_or(0); }
  ByteView bytes(int row, int column) const;
  // Copies a value of exactly N bytes; false for NULL or another length.
  template <std::size_t N>
  bool bytes_into(int row, int column, std::array<std::uint8_t, N>& out) const {
    ByteView value = bytes(row, column);
    if (is_null(row, column) || value.size() != N) return false;
    std::copy(value.begin(), value.end(), out.begin());
    return true;
  }
  // Rows affected by an INSERT, UPDATE or DELETE without RETURNING.
  std::size_t affected() const;
  // The command tag ("COMMIT", or "ROLLBACK" when COMMIT ended a failed transaction).
  std::string_view command_status() const { return PQcmdStatus(result_.get()); }

 private:
  ResultHandle result_;
};

// One connection: prepared statements by SQL text, the SQLSTATE of the last failure, and whether
// the connection broke (then it is thrown away and the next call opens a new one).
// Not thread-safe: one user at a time (the pool hands it out).
class Connection {
 public:
  explicit Connection(ConnectionHandle handle) : handle_(std::move(handle)) {}

  // Runs `sql` (one statement, parameters $1...) as a statement prepared on first use.
  Result<Rows, StorageError> run(const std::string& sql, const Params& params = Params());

  // Runs `sql` with the simple query protocol: several statements, no parameters (BEGIN, COMMIT,
  // migrations). Returns the last statement's result.
  Result<Rows, StorageError> exec(const std::string& sql);

  bool broken() const { return broken_ || PQstatus(handle_.get()) != CONNECTION_OK; }
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  void clear_sqlstate() { last_sqlstate_.clear(); }
  PGconn* raw() { return handle_.get(); }

 private:
  Result<Rows, StorageError> check(ResultHandle result);

  ConnectionHandle handle_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text → statement name
  std::string last_sqlstate_;
  bool broken_ = false;
};

// A DeviceAddress's columns, and other small conversions between storage types and int8.
inline std::int64_t to_column(std::uint64_t value) {
  return static_cast<std::int64_t>(value);
}
// A count or limit as int8, clamped to its range (no real count comes near 2^63).
inline std::int64_t to_count_column(std::size_t value) {
  return static_cast<std::int64_t>(std::min<std::uint64_t>(value, INT64_MAX));
}
inline Timestamp to_timestamp(std::int64_t column) {
  return Timestamp{std::chrono::milliseconds{column}};
}

}  // namespace hush::storage::postgres
