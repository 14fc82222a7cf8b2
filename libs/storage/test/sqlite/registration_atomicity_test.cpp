// SQLite only: create_account_with_device() is one transaction. A fault injected into its last
// step (the device insert, made to fail by a trigger) must roll back the account and the invite's
// consumption, which no failure reachable through the API can show.
#include <gtest/gtest.h>

#include "hush/storage/sqlite_storage.hpp"
#include "sqlite/raw_sqlite.hpp"
#include "storage_test_support.hpp"

namespace hush::storage::test {
namespace {

TEST(SqliteRegistration, AFailedDeviceInsertRollsBackTheAccountAndTheInvite) {
  ScratchFolder folder;
  auto opened = open_sqlite_storage(folder.path());
  ASSERT_TRUE(opened.ok()) << to_string(opened.error());
  AccountStore& accounts = (*opened)->accounts();
  const InviteHash invite = filled<32>(42);
  ASSERT_TRUE(accounts.add_invite(invite, at(100)).ok());

  RawSqlite raw(folder.path() / "hush.sqlite3");
  raw.exec("CREATE TRIGGER inject_fault BEFORE INSERT ON devices BEGIN SELECT RAISE(ABORT, 'injected'); END");
  auto failed = accounts.create_account_with_device("alice", invite, new_device(1), at(1));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(accounts.find_account("alice").error(), StorageError::kNotFound);
  EXPECT_EQ(raw.query("SELECT count(*) FROM accounts"), "0");
  EXPECT_EQ(raw.query("SELECT count(*) FROM invites"), "1");

  raw.exec("DROP TRIGGER inject_fault");
  auto created = accounts.create_account_with_device("alice", invite, new_device(1), at(2));
  ASSERT_TRUE(created.ok()) << to_string(created.error());
  EXPECT_EQ(created->device.id, 1u);
  EXPECT_EQ(raw.query("SELECT count(*) FROM invites"), "0");
}

}  // namespace
}  // namespace hush::storage::test
