// Conformance: signed prekeys, one-time prekeys, last-resort keys and the atomic claim
// (key_directory.hpp).
#include <latch>
#include <set>
#include <thread>

#include "conformance/conformance.hpp"

namespace hush::storage::test {
namespace {

std::vector<PreKey> prekeys(std::uint32_t first, std::uint32_t count) {
  std::vector<PreKey> keys;
  for (std::uint32_t id = first; id < first + count; ++id) keys.push_back(prekey(id));
  return keys;
}

TEST_P(KeyDirectoryConformance, SignedPreKeyIsStoredAndReplaced) {
  DeviceAddress alice = make_device("alice");
  EXPECT_EQ(keys().signed_prekey(alice).error(), StorageError::kNotFound);
  const SignedPreKey first{7, filled<33>(1), filled<64>(2)};
  const SignedPreKey second{8, filled<33>(3), filled<64>(4)};
  ASSERT_TRUE(keys().set_signed_prekey(alice, first).ok());
  EXPECT_EQ(*keys().signed_prekey(alice), first);
  ASSERT_TRUE(keys().set_signed_prekey(alice, second).ok());
  EXPECT_EQ(*keys().signed_prekey(alice), second);
}

TEST_P(KeyDirectoryConformance, ClaimsOneTimeKeysLowestFirstThenTheLastResortKey) {
  DeviceAddress alice = make_device("alice");
  std::vector<PreKey> uploaded{prekey(30), prekey(10), prekey(20)};
  ASSERT_TRUE(keys().add_one_time_prekeys(alice, uploaded).ok());
  ASSERT_TRUE(keys().set_last_resort_key(alice, prekey(0xFFFFFF)).ok());
  EXPECT_EQ(*keys().one_time_prekey_count(alice), 3u);

  for (std::uint32_t expected : {10u, 20u, 30u}) {
    auto claimed = keys().claim_prekey(alice);
    ASSERT_TRUE(claimed.ok());
    EXPECT_FALSE(claimed->last_resort);
    EXPECT_EQ(claimed->key, prekey(expected));
  }
  // The stock count is what tells the client to upload more.
  EXPECT_EQ(*keys().one_time_prekey_count(alice), 0u);
  for (int i = 0; i < 2; ++i) {
    auto claimed = keys().claim_prekey(alice);
    ASSERT_TRUE(claimed.ok());
    EXPECT_TRUE(claimed->last_resort);
    EXPECT_EQ(claimed->key, prekey(0xFFFFFF));
  }
}

TEST_P(KeyDirectoryConformance, LastResortKeyIsReplaced) {
  DeviceAddress alice = make_device("alice");
  ASSERT_TRUE(keys().set_last_resort_key(alice, prekey(1)).ok());
  ASSERT_TRUE(keys().set_last_resort_key(alice, prekey(2)).ok());
  EXPECT_EQ(keys().claim_prekey(alice)->key, prekey(2));
}

TEST_P(KeyDirectoryConformance, ClaimWithNoKeysIsNotFound) {
  DeviceAddress alice = make_device("alice");
  EXPECT_EQ(keys().claim_prekey(alice).error(), StorageError::kNotFound);
}

TEST_P(KeyDirectoryConformance, KeysBelongToOneDevice) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  ASSERT_TRUE(keys().add_one_time_prekeys(alice, prekeys(1, 2)).ok());
  ASSERT_TRUE(keys().add_one_time_prekeys(bob, prekeys(1, 2)).ok());
  ASSERT_TRUE(keys().claim_prekey(alice).ok());
  ASSERT_TRUE(keys().claim_prekey(alice).ok());
  EXPECT_EQ(*keys().one_time_prekey_count(alice), 0u);
  EXPECT_EQ(*keys().one_time_prekey_count(bob), 2u);
  EXPECT_EQ(keys().claim_prekey(bob)->key, prekey(1));
}

TEST_P(KeyDirectoryConformance, UploadIsAllOrNothing) {
  reopen_empty(Options{.max_one_time_prekeys_per_device = 5});
  DeviceAddress alice = make_device("alice");
  ASSERT_TRUE(keys().add_one_time_prekeys(alice, prekeys(1, 3)).ok());

  // Over the stock limit: nothing of the batch is stored.
  EXPECT_EQ(keys().add_one_time_prekeys(alice, prekeys(4, 3)).error(), StorageError::kLimitExceeded);
  EXPECT_EQ(*keys().one_time_prekey_count(alice), 3u);

  // An id already stored with another key: conflict, nothing stored.
  std::vector<PreKey> conflicting{prekey(4), prekey(2)};
  conflicting[1].public_key[5] ^= 1;
  EXPECT_EQ(keys().add_one_time_prekeys(alice, conflicting).error(), StorageError::kConflict);
  EXPECT_EQ(*keys().one_time_prekey_count(alice), 3u);

  // The same id twice in one batch with different keys: conflict.
  std::vector<PreKey> repeated{prekey(4), prekey(4)};
  repeated[1].public_key[5] ^= 1;
  EXPECT_EQ(keys().add_one_time_prekeys(alice, repeated).error(), StorageError::kConflict);
  EXPECT_EQ(*keys().one_time_prekey_count(alice), 3u);

  // A retried upload (same ids, same keys) succeeds without storing twice; new ids in it count.
  ASSERT_TRUE(keys().add_one_time_prekeys(alice, prekeys(1, 5)).ok());
  EXPECT_EQ(*keys().one_time_prekey_count(alice), 5u);
}

TEST_P(KeyDirectoryConformance, UnknownDeviceIsNotFound) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress ghost{alice.account, alice.device + 1};
  std::vector<PreKey> keys_to_add = prekeys(1, 1);
  EXPECT_EQ(keys().set_signed_prekey(ghost, SignedPreKey{}).error(), StorageError::kNotFound);
  EXPECT_EQ(keys().signed_prekey(ghost).error(), StorageError::kNotFound);
  EXPECT_EQ(keys().add_one_time_prekeys(ghost, keys_to_add).error(), StorageError::kNotFound);
  EXPECT_EQ(keys().set_last_resort_key(ghost, prekey(1)).error(), StorageError::kNotFound);
  EXPECT_EQ(keys().claim_prekey(ghost).error(), StorageError::kNotFound);
  EXPECT_EQ(keys().one_time_prekey_count(ghost).error(), StorageError::kNotFound);
}

// 50 concurrent claims on 10 keys: exactly the 10 keys, each once, then the last-resort key.
TEST_P(KeyDirectoryConformance, ConcurrentClaimsNeverShareAKey) {
  constexpr int kClaims = 50;
  DeviceAddress alice = make_device("alice");
  ASSERT_TRUE(keys().add_one_time_prekeys(alice, prekeys(1, 10)).ok());
  ASSERT_TRUE(keys().set_last_resort_key(alice, prekey(0xFFFFFF)).ok());

  std::vector<std::optional<ClaimedPreKey>> results(kClaims);
  std::latch start(kClaims);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClaims; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto claimed = keys().claim_prekey(alice);
      if (claimed.ok()) results[static_cast<std::size_t>(i)] = *claimed;
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::multiset<std::uint32_t> one_time;
  int last_resort = 0;
  for (const auto& result : results) {
    ASSERT_TRUE(result.has_value());
    if (result->last_resort) {
      EXPECT_EQ(result->key, prekey(0xFFFFFF));
      ++last_resort;
    } else {
      EXPECT_EQ(result->key, prekey(result->key.id));
      one_time.insert(result->key.id);
    }
  }
  EXPECT_EQ(one_time, (std::multiset<std::uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(last_resort, kClaims - 10);
  EXPECT_EQ(*keys().one_time_prekey_count(alice), 0u);
}

}  // namespace
}  // namespace hush::storage::test
