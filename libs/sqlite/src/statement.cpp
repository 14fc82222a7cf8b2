// RawStatement: binding, stepping and column reads over sqlite3_stmt.
#include "hush/sqlite/statement.hpp"

#include <sqlite3.h>

#include <algorithm>

namespace hush::sqlite::detail {

RawStatement::~RawStatement() {
  if (statement_ != nullptr) {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
}

void RawStatement::note(int code) {
  if (code != SQLITE_OK && error_ == SQLITE_OK) error_ = code;
}

void RawStatement::bind(int index, std::int64_t value) {
  if (statement_ != nullptr) note(sqlite3_bind_int64(statement_, index, value));
}

void RawStatement::bind(int index, ByteView value) {
  // A zero-length blob must still be a blob, not NULL: SQLite treats a null pointer as NULL.
  static const std::uint8_t kEmpty = 0;
  const void* data = value.empty() ? &kEmpty : value.data();
  if (statement_ != nullptr) note(sqlite3_bind_blob64(statement_, index, data, value.size(), SQLITE_STATIC));
}

void RawStatement::bind(int index, std::string_view value) {
  // Likewise an empty text is '', not NULL (an empty string_view may have no data pointer).
  const char* data = value.empty() ? "" : value.data();
  if (statement_ != nullptr) {
    note(sqlite3_bind_text64(statement_, index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
}

void RawStatement::bind_null(int index) {
  if (statement_ != nullptr) note(sqlite3_bind_null(statement_, index));
}

Result<bool, SqliteError> RawStatement::step() {
  if (statement_ == nullptr) return fail(classify(error_ == SQLITE_OK ? SQLITE_MISUSE : error_));
  if (error_ != SQLITE_OK) return fail(classify(error_));
  int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  // sqlite3_step returns the extended code (connections are opened with SQLITE_OPEN_EXRESCODE).
  error_ = code;
  return fail(classify(code));
}

std::int64_t RawStatement::column_int(int index) const {
  return sqlite3_column_int64(statement_, index);
}

bool RawStatement::column_is_null(int index) const {
  return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

std::size_t RawStatement::column_size(int index) const {
  return static_cast<std::size_t>(sqlite3_column_bytes(statement_, index));
}

std::string RawStatement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, index));
  auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, index));
  return text == nullptr ? std::string() : std::string(text, size);
}

ByteView RawStatement::column_view(int index) const {
  // sqlite3_column_blob before sqlite3_column_bytes: the documented order for a stable size.
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement_, index));
  auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, index));
  return data == nullptr ? ByteView() : ByteView(data, size);
}

Bytes RawStatement::column_blob(int index) const {
  ByteView view = column_view(index);
  return Bytes(view.begin(), view.end());
}

bool RawStatement::column_into(int index, std::span<std::uint8_t> out) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement_, index));
  auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, index));
  if (data == nullptr || size != out.size()) return false;
  std::copy(data, data + size, out.begin());
  return true;
}

}  // namespace hush::sqlite::detail
