// SQLite handles, statements and error mapping for the SQLite backend.
#include "connection.hpp"

#include <algorithm>
#include <limits>

namespace hush::storage::sqlite {

StorageError to_storage_error(int sqlite_code) {
  switch (sqlite_code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_ERROR: return StorageError::kCorrupt;
    case SQLITE_CONSTRAINT: return StorageError::kConflict;
    case SQLITE_TOOBIG: return StorageError::kTooLarge;
    default: return StorageError::kIo;
  }
}

Statement::~Statement() {
  if (statement_ != nullptr) {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
}

void Statement::note(int code) {
  if (code != SQLITE_OK && error_ == SQLITE_OK) error_ = code;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (statement_ != nullptr) note(sqlite3_bind_int64(statement_, index, value));
  return *this;
}

Statement& Statement::bind(int index, ByteView value) {
  // A zero-length blob must still be a blob, not NULL: SQLite treats a null pointer as NULL.
  static const std::uint8_t kEmpty = 0;
  const void* data = value.empty() ? &kEmpty : value.data();
  if (statement_ != nullptr) note(sqlite3_bind_blob64(statement_, index, data, value.size(), SQLITE_STATIC));
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  if (statement_ != nullptr) {
    note(sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (statement_ != nullptr) note(sqlite3_bind_null(statement_, index));
  return *this;
}

Result<bool, StorageError> Statement::step() {
  if (error_ != SQLITE_OK || statement_ == nullptr) return fail(to_storage_error(error_));
  int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  // sqlite3_step returns the extended code (sqlite3_open_v2 asks for extended codes).
  error_ = code;
  return fail(to_storage_error(code));
}

Result<void, StorageError> Statement::run() {
  auto stepped = step();
  if (!stepped.ok()) return fail(stepped.error());
  return {};
}

std::int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(statement_, index);
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

std::string Statement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement_, index));
  auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, index));
  return text == nullptr ? std::string() : std::string(text, size);
}

Bytes Statement::column_blob(int index) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement_, index));
  auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, index));
  return data == nullptr ? Bytes() : Bytes(data, data + size);
}

bool Statement::column_into(int index, std::span<std::uint8_t> out) const {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement_, index));
  auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, index));
  if (data == nullptr || size != out.size()) return false;
  std::copy(data, data + size, out.begin());
  return true;
}

Result<std::unique_ptr<Connection>, StorageError> Connection::open(const std::filesystem::path& path, bool read_only,
                                                                   std::chrono::milliseconds busy_timeout) {
  // NOMUTEX: each connection is used by one thread at a time, under the backend's own mutex.
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX |
              SQLITE_OPEN_EXRESCODE;
  sqlite3* raw = nullptr;
  int code = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DatabaseHandle database(raw);  // owns the handle even when opening failed
  if (code != SQLITE_OK) return fail(to_storage_error(code));
  auto timeout = std::min<std::chrono::milliseconds::rep>(busy_timeout.count(), std::numeric_limits<int>::max());
  sqlite3_busy_timeout(database.get(), static_cast<int>(timeout));
  return std::unique_ptr<Connection>(new Connection(std::move(database)));
}

Result<void, StorageError> Connection::exec(const char* sql) {
  int code = sqlite3_exec(database_.get(), sql, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) return fail(to_storage_error(code));
  return {};
}

Statement Connection::prepare(std::string_view sql) {
  auto cached = statements_.find(sql);
  if (cached != statements_.end()) return Statement(cached->second.get(), SQLITE_OK);
  sqlite3_stmt* raw = nullptr;
  int code = sqlite3_prepare_v3(database_.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &raw, nullptr);
  StatementHandle statement(raw);
  if (code != SQLITE_OK) return Statement(nullptr, code);
  sqlite3_stmt* borrowed = statement.get();
  statements_.emplace(std::string(sql), std::move(statement));
  return Statement(borrowed, SQLITE_OK);
}

}  // namespace hush::storage::sqlite
