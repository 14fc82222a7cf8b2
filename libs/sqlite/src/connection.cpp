// RawConnection: opening (a new file private to its owner), exec, the per-connection statement
// cache, and the RAII deleters of every sqlite3 handle.
#include "hush/sqlite/connection.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>

namespace hush::sqlite::detail {
namespace {

// Creates an empty file readable by its owner only, if it does not exist: SQLite would otherwise
// create it with the umask's permissions (typically 0644).
Result<void, SqliteError> create_private_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return errno == EEXIST ? Result<void, SqliteError>() : fail(SqliteError::kCannotOpen);
  ::close(fd);
  return {};
}

}  // namespace

void DatabaseCloser::operator()(sqlite3* database) const {
  sqlite3_close_v2(database);
}

void StatementFinalizer::operator()(sqlite3_stmt* statement) const {
  sqlite3_finalize(statement);
}

Result<RawConnection, SqliteError> RawConnection::open(const std::filesystem::path& path, OpenMode mode,
                                                       std::chrono::milliseconds busy_timeout) {
  if (mode == OpenMode::kCreatePrivate) HUSH_TRY(create_private_file(path));
  // NOMUTEX: each connection is used by one thread at a time, under its owner's discipline.
  int flags = (mode == OpenMode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX |
              SQLITE_OPEN_EXRESCODE;
  sqlite3* raw = nullptr;
  int code = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<sqlite3, DatabaseCloser> database(raw);  // owns the handle even when opening failed
  if (code != SQLITE_OK) return fail(classify(code));
  auto timeout = std::clamp<std::chrono::milliseconds::rep>(busy_timeout.count(), 0, std::numeric_limits<int>::max());
  sqlite3_busy_timeout(database.get(), static_cast<int>(timeout));
  return RawConnection(std::move(database));
}

Result<void, SqliteError> RawConnection::exec(const char* sql) {
  int code = sqlite3_exec(database_.get(), sql, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) return fail(classify(code));
  return {};
}

RawStatement RawConnection::prepare(std::string_view sql) {
  auto cached = statements_.find(sql);
  if (cached != statements_.end()) return RawStatement(cached->second.get(), SQLITE_OK);
  sqlite3_stmt* raw = nullptr;
  int code = sqlite3_prepare_v3(database_.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &raw, nullptr);
  std::unique_ptr<sqlite3_stmt, StatementFinalizer> statement(raw);
  if (code != SQLITE_OK) return RawStatement(nullptr, code);
  sqlite3_stmt* borrowed = statement.get();
  statements_.emplace(std::string(sql), std::move(statement));
  return RawStatement(borrowed, SQLITE_OK);
}

std::int64_t RawConnection::changes() const {
  return sqlite3_changes64(database_.get());
}

void RawConnection::rollback_quietly() {
  sqlite3_exec(database_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace hush::sqlite::detail
