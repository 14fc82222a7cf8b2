// The shared SQLite wrapper: columns round-trip, new files are private, transactions roll back
// unless committed, migrations apply in order and refuse what is not theirs.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "hush/sqlite/connection.hpp"
#include "hush/sqlite/migrations.hpp"

namespace hush::sqlite {
namespace {

struct Identity {
  using Error = SqliteError;
  static SqliteError from(SqliteError error) { return error; }
};
using TestConnection = Connection<Identity>;

class ScratchFile {
 public:
  ScratchFile() {
    static std::atomic<int> counter{0};
    folder_ = std::filesystem::temp_directory_path() /
              ("hush-sqlite-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(folder_);
  }
  ~ScratchFile() { std::filesystem::remove_all(folder_); }
  std::filesystem::path path() const { return folder_ / "test.sqlite3"; }

 private:
  std::filesystem::path folder_;
};

std::unique_ptr<TestConnection> open_new(const ScratchFile& file) {
  auto opened = TestConnection::open(file.path(), OpenMode::kCreatePrivate, std::chrono::milliseconds(100));
  EXPECT_TRUE(opened.ok());
  return opened.ok() ? std::move(*opened) : nullptr;
}

TEST(Sqlite, CreatesPrivateFileAndRoundTripsColumns) {
  ScratchFile file;
  auto connection = open_new(file);
  ASSERT_NE(connection, nullptr);
  struct stat info {};
  ASSERT_EQ(::stat(file.path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  ASSERT_TRUE(connection->exec("CREATE TABLE t (i INTEGER, b BLOB, s TEXT, n BLOB)").ok());
  const std::array<std::uint8_t, 3> blob{1, 2, 3};
  const Milliseconds time{std::chrono::milliseconds(1700000000123)};
  ASSERT_TRUE(connection->prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)")
                  .bind(1, time)
                  .bind(2, ByteView(blob))
                  .bind(3, std::string_view("text"))
                  .bind_null(4)
                  .run()
                  .ok());
  EXPECT_EQ(connection->changes(), 1);
  auto statement = connection->prepare("SELECT i, b, s, n, length(b) FROM t");
  auto row = statement.step();
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(*row);
  EXPECT_EQ(statement.column_int(0), 1700000000123);
  EXPECT_EQ(statement.column_blob(1), Bytes(blob.begin(), blob.end()));
  EXPECT_EQ(statement.column_size(1), 3u);
  EXPECT_EQ(statement.column_view(1).size(), 3u);
  EXPECT_EQ(statement.column_text(2), "text");
  EXPECT_TRUE(statement.column_is_null(3));
  std::array<std::uint8_t, 3> exact{};
  std::array<std::uint8_t, 4> wrong{};
  EXPECT_TRUE(statement.column_into(1, exact));
  EXPECT_FALSE(statement.column_into(1, wrong));
  EXPECT_FALSE(*statement.step());
}

TEST(Sqlite, EmptyBlobIsNotNull) {
  ScratchFile file;
  auto connection = open_new(file);
  ASSERT_TRUE(connection->exec("CREATE TABLE t (b BLOB)").ok());
  ASSERT_TRUE(connection->prepare("INSERT INTO t VALUES (?1)").bind(1, ByteView()).run().ok());
  auto statement = connection->prepare("SELECT b IS NULL FROM t");
  ASSERT_TRUE(*statement.step());
  EXPECT_EQ(statement.column_int(0), 0);
}

// Regression: an empty std::string_view (null data pointer) was bound as NULL, which broke a
// NOT NULL column holding an empty reason.
TEST(Sqlite, EmptyTextIsNotNull) {
  ScratchFile file;
  auto connection = open_new(file);
  ASSERT_TRUE(connection->exec("CREATE TABLE t (s TEXT NOT NULL)").ok());
  ASSERT_TRUE(connection->prepare("INSERT INTO t VALUES (?1)").bind(1, std::string_view()).run().ok());
  auto statement = connection->prepare("SELECT s IS NULL, length(s) FROM t");
  ASSERT_TRUE(*statement.step());
  EXPECT_EQ(statement.column_int(0), 0);
  EXPECT_EQ(statement.column_int(1), 0);
}

TEST(Sqlite, ReadWriteModeDoesNotCreate) {
  ScratchFile file;
  auto opened = TestConnection::open(file.path(), OpenMode::kReadWrite, std::chrono::milliseconds(100));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error(), SqliteError::kCannotOpen);
  EXPECT_FALSE(std::filesystem::exists(file.path()));
}

TEST(Sqlite, TransactionRollsBackOnFailureAndOnException) {
  ScratchFile file;
  auto connection = open_new(file);
  ASSERT_TRUE(connection->exec("CREATE TABLE t (i INTEGER)").ok());
  auto failed = connection->transaction(true, [&]() -> Result<void, SqliteError> {
    HUSH_TRY(connection->exec("INSERT INTO t VALUES (1)"));
    return fail(SqliteError::kIo);
  });
  EXPECT_FALSE(failed.ok());
  auto throwing = [&]() -> Result<void, SqliteError> {
    HUSH_TRY(connection->exec("INSERT INTO t VALUES (2)"));
    throw std::runtime_error("bug");
  };
  EXPECT_THROW((void)connection->transaction(true, throwing), std::runtime_error);
  auto committed = connection->transaction(true, [&] { return connection->exec("INSERT INTO t VALUES (3)"); });
  EXPECT_TRUE(committed.ok());
  auto statement = connection->prepare("SELECT group_concat(i) FROM t");
  ASSERT_TRUE(*statement.step());
  EXPECT_EQ(statement.column_text(0), "3");
}

TEST(Sqlite, FailedPrepareReportsFromStep) {
  ScratchFile file;
  auto connection = open_new(file);
  auto statement = connection->prepare("SELECT nothing FROM missing_table");
  auto row = statement.step();
  ASSERT_FALSE(row.ok());
  EXPECT_EQ(row.error(), SqliteError::kSqlError);
}

constexpr Migration kMigrations[] = {{1, "CREATE TABLE a (x INTEGER)"}, {2, "ALTER TABLE a ADD COLUMN y INTEGER"}};

TEST(SqliteMigrations, AppliesFromEmptyAndResumesFromOlderVersions) {
  ScratchFile file;
  auto connection = open_new(file);
  EXPECT_EQ(*schema_version(*connection), 0);
  ASSERT_TRUE(migrate(*connection, std::span(kMigrations).first(1)).ok());
  EXPECT_EQ(*schema_version(*connection), 1);
  ASSERT_TRUE(migrate(*connection, std::span(kMigrations)).ok());
  EXPECT_EQ(*schema_version(*connection), 2);
  EXPECT_TRUE(connection->exec("INSERT INTO a (x, y) VALUES (1, 2)").ok());
  ASSERT_TRUE(migrate(*connection, std::span(kMigrations)).ok());  // nothing left to do
  EXPECT_EQ(*schema_version(*connection), 2);
}

TEST(SqliteMigrations, RefusesNewerSchemaAndForeignDatabase) {
  ScratchFile file;
  auto connection = open_new(file);
  ASSERT_TRUE(migrate(*connection, std::span(kMigrations)).ok());
  auto older_code = migrate(*connection, std::span(kMigrations).first(1));
  ASSERT_FALSE(older_code.ok());
  EXPECT_EQ(older_code.error(), SqliteError::kNewerSchema);

  ScratchFile other;
  auto foreign = open_new(other);
  ASSERT_TRUE(foreign->exec("CREATE TABLE someone_elses (x INTEGER)").ok());
  auto refused = migrate(*foreign, std::span(kMigrations));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), SqliteError::kForeignDatabase);
}

TEST(SqliteMigrations, AFailedMigrationLeavesTheOldVersion) {
  ScratchFile file;
  auto connection = open_new(file);
  ASSERT_TRUE(migrate(*connection, std::span(kMigrations).first(1)).ok());
  const Migration broken[] = {kMigrations[0], {2, "CREATE TABLE b (x INTEGER); THIS IS NOT SQL"}};
  EXPECT_FALSE(migrate(*connection, std::span(broken)).ok());
  EXPECT_EQ(*schema_version(*connection), 1);
  auto table = connection->prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'b'");
  ASSERT_TRUE(*table.step());
  EXPECT_EQ(table.column_int(0), 0);
}

TEST(SqliteMigrations, MisnumberedListIsABug) {
  ScratchFile file;
  auto connection = open_new(file);
  const Migration gap[] = {{1, "SELECT 1"}, {3, "SELECT 1"}};
  EXPECT_THROW((void)migrate(*connection, std::span(gap)), std::logic_error);
}

TEST(SqliteErrors, ClassifiesPrimaryAndExtendedCodes) {
  EXPECT_EQ(classify(11), SqliteError::kCorrupt);                // SQLITE_CORRUPT
  EXPECT_EQ(classify(26), SqliteError::kNotADatabase);           // SQLITE_NOTADB
  EXPECT_EQ(classify(19 | (7 << 8)), SqliteError::kConstraint);  // SQLITE_CONSTRAINT_TRIGGER
  EXPECT_EQ(classify(5), SqliteError::kBusy);                    // SQLITE_BUSY
  EXPECT_EQ(classify(10), SqliteError::kIo);                     // SQLITE_IOERR
  EXPECT_STREQ(to_string(SqliteError::kNewerSchema), "newer_schema");
}

}  // namespace
}  // namespace hush::sqlite
