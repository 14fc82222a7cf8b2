// For the SQLite-only tests: direct access to a database file, to build old schema versions,
// inspect pragmas and damage files in ways the storage API cannot.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <string>

namespace hush::storage::test {

class RawSqlite {
 public:
  explicit RawSqlite(const std::filesystem::path& path) {
    sqlite3* raw = nullptr;
    int code = sqlite3_open(path.c_str(), &raw);
    database_.reset(raw);
    if (code != SQLITE_OK) ADD_FAILURE() << "sqlite3_open: " << sqlite3_errstr(code);
  }

  void exec(const std::string& sql) {
    char* message = nullptr;
    int code = sqlite3_exec(database_.get(), sql.c_str(), nullptr, nullptr, &message);
    if (code != SQLITE_OK) ADD_FAILURE() << "sqlite3_exec: " << (message ? message : sqlite3_errstr(code));
    sqlite3_free(message);
  }

  // The first column of the first row, as text ("" when there is no row).
  std::string query(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(database_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "prepare: " << sqlite3_errmsg(database_.get());
      return "";
    }
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw, &sqlite3_finalize);
    if (sqlite3_step(raw) != SQLITE_ROW) return "";
    const unsigned char* text = sqlite3_column_text(raw, 0);
    return text == nullptr ? "" : reinterpret_cast<const char*>(text);
  }

 private:
  struct Closer {
    void operator()(sqlite3* database) const { sqlite3_close_v2(database); }
  };
  std::unique_ptr<sqlite3, Closer> database_;
};

}  // namespace hush::storage::test
