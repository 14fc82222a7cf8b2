// SQLite only: what a server restart must find again, the journal mode that makes commits durable,
// and claim atomicity across two openings of one file (two processes on one data folder).
#include <latch>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "hush/crypto/hash.hpp"
#include "hush/storage/sqlite_storage.hpp"
#include "sqlite/raw_sqlite.hpp"
#include "storage_test_support.hpp"

namespace hush::storage::test {
namespace {

std::unique_ptr<Storage> open_or_die(const std::filesystem::path& folder) {
  auto opened = open_sqlite_storage(folder);
  if (!opened.ok()) throw std::runtime_error(std::string("open: ") + to_string(opened.error()));
  return std::move(opened).value();
}

TEST(SqliteDurability, EverythingSurvivesCloseAndReopen) {
  ScratchFolder folder;
  DeviceAddress alice;
  DeviceAddress bob;
  QueueSequence last_sequence = 0;
  const Bytes content = pattern(5000, 4);
  const MediaId finished = filled<16>(1);
  const MediaId partial = filled<16>(2);
  {
    auto storage = open_or_die(folder.path());
    auto account = storage->accounts().create_account("alice", std::nullopt, at(1));
    ASSERT_TRUE(account.ok());
    alice = {account->id, storage->accounts().add_device(account->id, new_device(1), at(1))->id};
    account = storage->accounts().create_account("bob", std::nullopt, at(1));
    ASSERT_TRUE(account.ok());
    bob = {account->id, storage->accounts().add_device(account->id, new_device(2), at(1))->id};
    ASSERT_TRUE(storage->accounts().add_invite(filled<32>(9), at(1000)).ok());
    ASSERT_TRUE(storage->keys().set_signed_prekey(alice, SignedPreKey{5, filled<33>(5), filled<64>(5)}).ok());
    std::vector<PreKey> prekeys{prekey(1), prekey(2)};
    ASSERT_TRUE(storage->keys().add_one_time_prekeys(alice, prekeys).ok());
    ASSERT_TRUE(storage->keys().set_last_resort_key(alice, prekey(77)).ok());
    ASSERT_TRUE(storage->keys().claim_prekey(alice).ok());
    auto outcomes =
        storage->messages().enqueue(std::vector<Envelope>{envelope(alice, bob, 1), envelope(alice, bob, 2)});
    ASSERT_TRUE(outcomes.ok());
    last_sequence = (*outcomes)[1]->sequence;
    std::vector<QueueSequence> acknowledged{(*outcomes)[0]->sequence};
    ASSERT_EQ(*storage->messages().acknowledge(alice, acknowledged), 1u);
    ASSERT_TRUE(storage->media().create_upload(finished, alice.account, content.size(), at(1), at(900)).ok());
    ASSERT_TRUE(storage->media().append(finished, 0, content).ok());
    ASSERT_TRUE(storage->media().finish(finished, crypto::sha256(content)).ok());
    ASSERT_TRUE(storage->media().create_upload(partial, alice.account, 100, at(1), at(900)).ok());
    ASSERT_TRUE(storage->media().append(partial, 0, pattern(30, 1)).ok());
  }
  auto storage = open_or_die(folder.path());
  EXPECT_EQ(storage->accounts().find_account("alice")->id, alice.account);
  EXPECT_EQ(storage->accounts().device(bob)->identity_key, new_device(2).identity_key);
  EXPECT_EQ(storage->keys().signed_prekey(alice)->id, 5u);
  EXPECT_EQ(*storage->keys().one_time_prekey_count(alice), 1u);
  EXPECT_EQ(storage->keys().claim_prekey(alice)->key, prekey(2));
  EXPECT_EQ(storage->keys().claim_prekey(alice)->key, prekey(77));
  auto queued = storage->messages().fetch(alice, 0, 10);
  ASSERT_EQ(queued->size(), 1u);
  EXPECT_EQ((*queued)[0].envelope, envelope(alice, bob, 2));
  // Duplicate detection and the sequence counter survive too.
  auto outcomes = storage->messages().enqueue(std::vector<Envelope>{envelope(alice, bob, 1), envelope(alice, bob, 3)});
  ASSERT_TRUE(outcomes.ok());
  EXPECT_EQ((*outcomes)[0]->status, EnqueueStatus::kDuplicate);
  EXPECT_GT((*outcomes)[1]->sequence, last_sequence);
  EXPECT_EQ(*storage->media().read(finished, 0, content.size()), content);
  EXPECT_EQ(*storage->media().committed_offset(partial), 30u);
  EXPECT_TRUE(storage->accounts().create_account("carol", filled<32>(9), at(2)).ok());
}

bool private_to_owner(const std::filesystem::path& path) {
  using std::filesystem::perms;
  return (std::filesystem::status(path).permissions() & (perms::group_all | perms::others_all)) == perms::none;
}

TEST(SqliteDurability, DatabaseIsOnePrivateWalFileInTheDataFolder) {
  ScratchFolder folder;
  const std::filesystem::path data = folder.path() / "data" / "nested";
  {
    auto storage = open_or_die(data);
    ASSERT_TRUE(storage->accounts().create_account("alice", std::nullopt, at(0)).ok());
    EXPECT_TRUE(private_to_owner(data / "hush.sqlite3"));
    ASSERT_TRUE(std::filesystem::exists(data / "hush.sqlite3-wal"));
    EXPECT_TRUE(private_to_owner(data / "hush.sqlite3-wal"));
  }
  ASSERT_TRUE(std::filesystem::exists(data / "hush.sqlite3"));
  RawSqlite raw(data / "hush.sqlite3");
  EXPECT_EQ(raw.query("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw.query("SELECT version FROM schema_version"), std::to_string(kSqliteSchemaVersion));
}

TEST(SqliteDurability, ClaimsThroughTwoOpeningsOfOneFileNeverShareAKey) {
  ScratchFolder folder;
  auto first = open_or_die(folder.path());
  auto second = open_or_die(folder.path());
  auto account = first->accounts().create_account("alice", std::nullopt, at(0));
  ASSERT_TRUE(account.ok());
  DeviceAddress alice{account->id, first->accounts().add_device(account->id, new_device(1), at(0))->id};
  std::vector<PreKey> prekeys;
  for (std::uint32_t id = 1; id <= 10; ++id) prekeys.push_back(prekey(id));
  ASSERT_TRUE(first->keys().add_one_time_prekeys(alice, prekeys).ok());
  ASSERT_TRUE(second->keys().set_last_resort_key(alice, prekey(0xFFFFFF)).ok());

  constexpr int kClaims = 50;
  std::vector<std::optional<ClaimedPreKey>> results(kClaims);
  std::latch start(kClaims);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClaims; ++i) {
    threads.emplace_back([&, i] {
      Storage& storage = i % 2 == 0 ? *first : *second;
      start.arrive_and_wait();
      auto claimed = storage.keys().claim_prekey(alice);
      if (claimed.ok()) results[static_cast<std::size_t>(i)] = *claimed;
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::multiset<std::uint32_t> one_time;
  for (const auto& result : results) {
    ASSERT_TRUE(result.has_value());
    if (!result->last_resort) one_time.insert(result->key.id);
  }
  EXPECT_EQ(one_time, (std::multiset<std::uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

}  // namespace
}  // namespace hush::storage::test
