// Conformance: accounts, devices and invites (accounts.hpp).
#include "conformance/conformance.hpp"

namespace hush::storage::test {
namespace {

TEST_P(AccountsConformance, CreatesAccountsAndFindsThemByNameAndId) {
  auto alice = accounts().create_account("alice", std::nullopt, at(5));
  auto bob = accounts().create_account("bob", std::nullopt, at(6));
  ASSERT_TRUE(alice.ok());
  ASSERT_TRUE(bob.ok());
  EXPECT_NE(alice->id, 0u);
  EXPECT_NE(alice->id, bob->id);
  EXPECT_EQ(alice->username, "alice");
  EXPECT_EQ(alice->created_at, at(5));

  auto by_name = accounts().find_account("alice");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->id, alice->id);
  EXPECT_EQ(by_name->created_at, at(5));
  auto by_id = accounts().account(bob->id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->username, "bob");
}

TEST_P(AccountsConformance, UsernamesAreUniqueByExactBytes) {
  ASSERT_TRUE(accounts().create_account("alice", std::nullopt, at(0)).ok());
  auto again = accounts().create_account("alice", std::nullopt, at(1));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(), StorageError::kConflict);
  // Normalisation is the server's job: storage compares bytes.
  EXPECT_TRUE(accounts().create_account("Alice", std::nullopt, at(1)).ok());
}

TEST_P(AccountsConformance, RejectsEmptyAndOverlongUsernames) {
  reopen_empty(Options{.max_username_length = 8});
  EXPECT_EQ(accounts().create_account("", std::nullopt, at(0)).error(), StorageError::kInvalidArgument);
  EXPECT_EQ(accounts().create_account("123456789", std::nullopt, at(0)).error(), StorageError::kTooLarge);
  EXPECT_TRUE(accounts().create_account("12345678", std::nullopt, at(0)).ok());
}

TEST_P(AccountsConformance, UnknownAccountIsNotFound) {
  EXPECT_EQ(accounts().find_account("nobody").error(), StorageError::kNotFound);
  EXPECT_EQ(accounts().account(12345).error(), StorageError::kNotFound);
  EXPECT_EQ(accounts().add_device(12345, new_device(1), at(0)).error(), StorageError::kNotFound);
  EXPECT_EQ(accounts().list_devices(12345).error(), StorageError::kNotFound);
  EXPECT_EQ(accounts().device({12345, 1}).error(), StorageError::kNotFound);
  EXPECT_EQ(accounts().remove_device({12345, 1}).error(), StorageError::kNotFound);
}

TEST_P(AccountsConformance, AddsDevicesAndListsThemInIdOrder) {
  auto account = accounts().create_account("alice", std::nullopt, at(0));
  ASSERT_TRUE(account.ok());
  auto empty = accounts().list_devices(account->id);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  auto first = accounts().add_device(account->id, new_device(1), at(10));
  auto second = accounts().add_device(account->id, new_device(2), at(20));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->id, 1u);
  EXPECT_EQ(second->id, 2u);

  auto stored = accounts().device({account->id, 2});
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->registration_id, new_device(2).registration_id);
  EXPECT_EQ(stored->identity_key, new_device(2).identity_key);
  EXPECT_EQ(stored->auth_key, new_device(2).auth_key);
  EXPECT_EQ(stored->name, new_device(2).name);
  EXPECT_EQ(stored->created_at, at(20));

  auto listed = accounts().list_devices(account->id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, 1u);
  EXPECT_EQ((*listed)[1].id, 2u);
  EXPECT_EQ((*listed)[0].identity_key, new_device(1).identity_key);
  EXPECT_EQ((*listed)[0].name, new_device(1).name);
  EXPECT_EQ((*listed)[1].name, new_device(2).name);
}

TEST_P(AccountsConformance, DeviceNamesAreKeptByteForByte) {
  auto account = accounts().create_account("alice", std::nullopt, at(0));
  ASSERT_TRUE(account.ok());
  NewDevice unnamed = new_device(1);
  unnamed.name.clear();
  NewDevice named = new_device(2);
  named.name = "Alice\xE2\x80\x99s phone \xF0\x9F\x93\xB1";  // UTF-8: a curly quote and an emoji
  ASSERT_TRUE(accounts().add_device(account->id, unnamed, at(0)).ok());
  ASSERT_TRUE(accounts().add_device(account->id, named, at(0)).ok());
  auto listed = accounts().list_devices(account->id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "");
  EXPECT_EQ((*listed)[1].name, named.name);
  EXPECT_EQ(accounts().device({account->id, 2})->name, named.name);
}

TEST_P(AccountsConformance, DeviceNameLimitIsEnforcedAtItsDefault) {
  auto account = accounts().create_account("alice", std::nullopt, at(0));
  ASSERT_TRUE(account.ok());
  NewDevice device = new_device(1);
  device.name = std::string(kMaxDeviceNameLength + 1, 'n');
  EXPECT_EQ(accounts().add_device(account->id, device, at(0)).error(), StorageError::kTooLarge);
  EXPECT_TRUE(accounts().list_devices(account->id)->empty());
  device.name.pop_back();
  auto added = accounts().add_device(account->id, device, at(0));
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->name.size(), kMaxDeviceNameLength);
}

TEST_P(AccountsConformance, DeviceNameLimitIsConfigurable) {
  reopen_empty(Options{.max_device_name_length = 4});
  auto account = accounts().create_account("alice", std::nullopt, at(0));
  ASSERT_TRUE(account.ok());
  NewDevice device = new_device(1);
  device.name = "12345";
  EXPECT_EQ(accounts().add_device(account->id, device, at(0)).error(), StorageError::kTooLarge);
  device.name = "1234";
  EXPECT_TRUE(accounts().add_device(account->id, device, at(0)).ok());
}

TEST_P(AccountsConformance, CreatesAnAccountWithItsFirstDeviceInOneCall) {
  const InviteHash invite = filled<32>(42);
  ASSERT_TRUE(accounts().add_invite(invite, at(100)).ok());
  auto created = accounts().create_account_with_device("alice", invite, new_device(1), at(7));
  ASSERT_TRUE(created.ok()) << to_string(created.error());
  EXPECT_NE(created->account.id, 0u);
  EXPECT_EQ(created->account.username, "alice");
  EXPECT_EQ(created->account.created_at, at(7));
  EXPECT_EQ(created->device.id, 1u);
  EXPECT_EQ(created->device.registration_id, new_device(1).registration_id);
  EXPECT_EQ(created->device.name, new_device(1).name);
  EXPECT_EQ(created->device.created_at, at(7));

  EXPECT_EQ(accounts().find_account("alice")->id, created->account.id);
  auto stored = accounts().device({created->account.id, 1});
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->identity_key, new_device(1).identity_key);
  EXPECT_EQ(stored->auth_key, new_device(1).auth_key);
  EXPECT_EQ(stored->name, new_device(1).name);
  // The invite was consumed; the next device gets the next id.
  EXPECT_EQ(accounts().create_account_with_device("bob", invite, new_device(2), at(8)).error(),
            StorageError::kNotFound);
  EXPECT_EQ(accounts().add_device(created->account.id, new_device(3), at(9))->id, 2u);
  // Without an invite.
  EXPECT_TRUE(accounts().create_account_with_device("carol", std::nullopt, new_device(4), at(10)).ok());
}

TEST_P(AccountsConformance, FailedCreateWithDeviceLeavesNothingBehind) {
  const InviteHash invite = filled<32>(42);
  ASSERT_TRUE(accounts().add_invite(invite, at(100)).ok());
  ASSERT_TRUE(accounts().create_account("taken", std::nullopt, at(0)).ok());
  NewDevice overlong = new_device(1);
  overlong.name = std::string(kMaxDeviceNameLength + 1, 'n');

  EXPECT_EQ(accounts().create_account_with_device("taken", invite, new_device(1), at(1)).error(),
            StorageError::kConflict);
  EXPECT_EQ(accounts().create_account_with_device("", invite, new_device(1), at(1)).error(),
            StorageError::kInvalidArgument);
  EXPECT_EQ(accounts()
                .create_account_with_device(std::string(kMaxUsernameLength + 1, 'u'), invite, new_device(1), at(1))
                .error(),
            StorageError::kTooLarge);
  EXPECT_EQ(accounts().create_account_with_device("alice", invite, overlong, at(1)).error(), StorageError::kTooLarge);
  EXPECT_EQ(accounts().create_account_with_device("alice", filled<32>(1), new_device(1), at(1)).error(),
            StorageError::kNotFound);
  EXPECT_EQ(accounts().create_account_with_device("alice", invite, new_device(1), at(100)).error(),
            StorageError::kNotFound);  // expired
  // None of these took the username or used the invite.
  EXPECT_EQ(accounts().find_account("alice").error(), StorageError::kNotFound);
  EXPECT_TRUE(accounts().create_account_with_device("alice", invite, new_device(1), at(2)).ok());
}

TEST_P(AccountsConformance, CreateWithDeviceRespectsTheDeviceLimit) {
  reopen_empty(Options{.max_devices_per_account = 0});
  EXPECT_EQ(accounts().create_account_with_device("alice", std::nullopt, new_device(1), at(0)).error(),
            StorageError::kLimitExceeded);
  EXPECT_EQ(accounts().find_account("alice").error(), StorageError::kNotFound);
}

TEST_P(AccountsConformance, StorageReportsTheOptionsItEnforces) {
  EXPECT_EQ(storage().options(), Options{});
  const Options custom{.max_username_length = 9,
                       .max_device_name_length = 10,
                       .max_devices_per_account = 3,
                       .max_queue_depth = 7,
                       .media_quota_per_account = 12345};
  reopen_empty(custom);
  EXPECT_EQ(storage().options(), custom);
  EXPECT_EQ(storage().options().max_queue_depth, 7u);
  // And enforces what it reports.
  EXPECT_EQ(accounts().create_account("0123456789", std::nullopt, at(0)).error(), StorageError::kTooLarge);
}

TEST_P(AccountsConformance, RemovedDeviceIdsAreNotReused) {
  auto account = accounts().create_account("alice", std::nullopt, at(0));
  ASSERT_TRUE(account.ok());
  ASSERT_TRUE(accounts().add_device(account->id, new_device(1), at(0)).ok());
  ASSERT_TRUE(accounts().add_device(account->id, new_device(2), at(0)).ok());
  ASSERT_TRUE(accounts().remove_device({account->id, 2}).ok());
  EXPECT_EQ(accounts().device({account->id, 2}).error(), StorageError::kNotFound);
  EXPECT_EQ(accounts().remove_device({account->id, 2}).error(), StorageError::kNotFound);

  auto third = accounts().add_device(account->id, new_device(3), at(0));
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->id, 3u);
  auto listed = accounts().list_devices(account->id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[1].id, 3u);
}

TEST_P(AccountsConformance, DeviceLimitIsANamedError) {
  reopen_empty(Options{.max_devices_per_account = 2});
  auto account = accounts().create_account("alice", std::nullopt, at(0));
  ASSERT_TRUE(account.ok());
  ASSERT_TRUE(accounts().add_device(account->id, new_device(1), at(0)).ok());
  ASSERT_TRUE(accounts().add_device(account->id, new_device(2), at(0)).ok());
  EXPECT_EQ(accounts().add_device(account->id, new_device(3), at(0)).error(), StorageError::kLimitExceeded);
  ASSERT_TRUE(accounts().remove_device({account->id, 1}).ok());
  EXPECT_TRUE(accounts().add_device(account->id, new_device(3), at(0)).ok());
}

TEST_P(AccountsConformance, RemovingADeviceRemovesItsKeysAndQueue) {
  DeviceAddress alice = make_device("alice");
  DeviceAddress bob = make_device("bob");
  ASSERT_TRUE(keys().set_signed_prekey(alice, SignedPreKey{1, filled<33>(1), filled<64>(2)}).ok());
  std::vector<PreKey> prekeys{prekey(1), prekey(2)};
  ASSERT_TRUE(keys().add_one_time_prekeys(alice, prekeys).ok());
  ASSERT_TRUE(keys().set_last_resort_key(alice, prekey(999)).ok());
  std::vector<Envelope> batch{envelope(alice, bob, 1), envelope(alice, bob, 2)};
  ASSERT_TRUE(messages().enqueue(batch).ok());

  ASSERT_TRUE(accounts().remove_device(alice).ok());
  EXPECT_EQ(keys().claim_prekey(alice).error(), StorageError::kNotFound);
  EXPECT_EQ(keys().signed_prekey(alice).error(), StorageError::kNotFound);
  EXPECT_EQ(*messages().depth(alice), 0u);
  EXPECT_TRUE(messages().fetch(alice, 0, 10)->empty());
  auto outcomes = messages().enqueue(batch);
  ASSERT_TRUE(outcomes.ok());
  EXPECT_EQ((*outcomes)[0].error(), StorageError::kNotFound);

  // The account's next device starts clean: no keys, an empty queue.
  auto next = accounts().add_device(alice.account, new_device(9), at(0));
  ASSERT_TRUE(next.ok());
  DeviceAddress replacement{alice.account, next->id};
  EXPECT_EQ(*keys().one_time_prekey_count(replacement), 0u);
  EXPECT_EQ(*messages().depth(replacement), 0u);
}

TEST_P(AccountsConformance, InviteIsSingleUse) {
  const InviteHash invite = filled<32>(42);
  ASSERT_TRUE(accounts().add_invite(invite, at(100)).ok());
  EXPECT_EQ(accounts().add_invite(invite, at(100)).error(), StorageError::kConflict);
  ASSERT_TRUE(accounts().create_account("alice", invite, at(50)).ok());
  auto again = accounts().create_account("bob", invite, at(51));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(), StorageError::kNotFound);
  EXPECT_EQ(accounts().find_account("bob").error(), StorageError::kNotFound);
}

TEST_P(AccountsConformance, InviteIsKeptWhenTheUsernameIsTaken) {
  const InviteHash invite = filled<32>(42);
  ASSERT_TRUE(accounts().create_account("alice", std::nullopt, at(0)).ok());
  ASSERT_TRUE(accounts().add_invite(invite, at(100)).ok());
  EXPECT_EQ(accounts().create_account("alice", invite, at(1)).error(), StorageError::kConflict);
  EXPECT_TRUE(accounts().create_account("bob", invite, at(2)).ok());
}

TEST_P(AccountsConformance, UnknownAndExpiredInvitesAreRejected) {
  const InviteHash invite = filled<32>(42);
  EXPECT_EQ(accounts().create_account("alice", invite, at(0)).error(), StorageError::kNotFound);
  ASSERT_TRUE(accounts().add_invite(invite, at(100)).ok());
  EXPECT_EQ(accounts().create_account("alice", invite, at(100)).error(), StorageError::kNotFound);
  EXPECT_EQ(accounts().find_account("alice").error(), StorageError::kNotFound);

  ASSERT_TRUE(accounts().add_invite(filled<32>(1), at(200)).ok());
  ASSERT_TRUE(accounts().add_invite(filled<32>(2), at(300)).ok());
  auto expired = accounts().expire_invites(at(200));
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 2u);  // the one of at(100) and the one of at(200)
  EXPECT_EQ(accounts().create_account("alice", filled<32>(1), at(150)).error(), StorageError::kNotFound);
  EXPECT_TRUE(accounts().create_account("alice", filled<32>(2), at(250)).ok());
}

}  // namespace
}  // namespace hush::storage::test
