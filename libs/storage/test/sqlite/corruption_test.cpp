// SQLite only: a damaged or foreign database file is reported as kCorrupt, never a crash.
#include <gtest/gtest.h>

#include "hush/storage/sqlite_storage.hpp"
#include "storage_test_support.hpp"

namespace hush::storage::test {
namespace {

TEST(SqliteCorruption, GarbageFileIsCorrupt) {
  ScratchFolder folder;
  write_file(folder.path() / "hush.sqlite3", pattern(64 * 1024, 7));
  auto opened = open_sqlite_storage(folder.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error(), StorageError::kCorrupt);
}

TEST(SqliteCorruption, TruncatedHeaderIsCorrupt) {
  ScratchFolder folder;
  { ASSERT_TRUE(open_sqlite_storage(folder.path()).ok()); }
  Bytes file = read_file(folder.path() / "hush.sqlite3");
  ASSERT_GT(file.size(), 100u);
  file.resize(50);
  write_file(folder.path() / "hush.sqlite3", file);
  auto opened = open_sqlite_storage(folder.path());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error(), StorageError::kCorrupt);
}

// Builds a database with queued envelopes, overwrites its pages from `first_page` to the end, then
// opens it and calls every kind of operation. Returns how many reported kCorrupt (a failed open
// counts once); any other error is a test failure, and a crash fails the whole binary.
int corrupt_results_after_damage(std::size_t first_page, bool* opened_anyway) {
  ScratchFolder folder;
  DeviceAddress alice;
  {
    auto opened = open_sqlite_storage(folder.path());
    EXPECT_TRUE(opened.ok());
    if (!opened.ok()) return 0;
    Storage& storage = **opened;
    auto account = storage.accounts().create_account("alice", std::nullopt, at(0));
    alice = {account->id, storage.accounts().add_device(account->id, new_device(1), at(0))->id};
    std::vector<Envelope> batch;
    for (std::uint32_t i = 0; i < 50; ++i) batch.push_back(envelope(alice, std::nullopt, i, at(100), 1000));
    EXPECT_TRUE(storage.messages().enqueue(batch).ok());
    EXPECT_TRUE(storage.keys().set_last_resort_key(alice, prekey(1)).ok());
  }
  Bytes file = read_file(folder.path() / "hush.sqlite3");
  const std::size_t page_size = 4096;
  EXPECT_GT(file.size(), (first_page + 1) * page_size);
  for (std::size_t i = first_page * page_size; i < file.size(); ++i) {
    file[i] = static_cast<std::uint8_t>(0xA5 ^ (i * 13));
  }
  write_file(folder.path() / "hush.sqlite3", file);

  auto opened = open_sqlite_storage(folder.path());
  *opened_anyway = opened.ok();
  if (!opened.ok()) {
    EXPECT_EQ(opened.error(), StorageError::kCorrupt);
    return opened.error() == StorageError::kCorrupt ? 1 : 0;
  }
  Storage& storage = **opened;
  int corrupt = 0;
  auto note = [&](const char* call, auto result) {
    if (!result.ok()) {
      EXPECT_EQ(result.error(), StorageError::kCorrupt) << call << ": " << to_string(result.error());
      corrupt += result.error() == StorageError::kCorrupt ? 1 : 0;
    }
  };
  note("find_account", storage.accounts().find_account("alice"));
  note("list_devices", storage.accounts().list_devices(alice.account));
  note("fetch", storage.messages().fetch(alice, 0, 100));
  note("depth", storage.messages().depth(alice));
  note("enqueue", storage.messages().enqueue(std::vector<Envelope>{envelope(alice, std::nullopt, 999)}));
  note("expire", storage.messages().expire(at(1000), 100));
  note("claim_prekey", storage.keys().claim_prekey(alice));
  note("create_account", storage.accounts().create_account("bob", std::nullopt, at(0)));
  return corrupt;
}

// Everything after the first page: the schema itself is damaged, so open fails.
TEST(SqliteCorruption, DamagedSchemaIsReportedAsCorrupt) {
  bool opened = false;
  EXPECT_GT(corrupt_results_after_damage(1, &opened), 0);
}

// Only the last pages (queued envelopes): open succeeds, and the calls that read them fail.
// Pages of a freshly created database: the schema and every empty table. Pages written after
// them hold data; counted rather than fixed, so a new schema version does not move the line.
std::size_t empty_database_pages() {
  ScratchFolder folder;
  { EXPECT_TRUE(open_sqlite_storage(folder.path()).ok()); }
  return read_file(folder.path() / "hush.sqlite3").size() / 4096;
}

TEST(SqliteCorruption, DamagedDataPagesAreReportedAsCorrupt) {
  bool opened = false;
  const std::size_t schema_pages = empty_database_pages();
  ASSERT_GT(schema_pages, 1u);
  EXPECT_GT(corrupt_results_after_damage(schema_pages, &opened), 0);
  EXPECT_TRUE(opened) << "damage meant for data pages hit the schema";
}

}  // namespace
}  // namespace hush::storage::test
