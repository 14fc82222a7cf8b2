// Conformance: pending device links (accounts.hpp: add_link, find_link, take_link, expire_links).
#include "conformance/conformance.hpp"

namespace hush::storage::test {
namespace {

PendingLink link_of(AccountId account, std::uint8_t seed, Timestamp expires_at = at(100), std::size_t size = 40) {
  return PendingLink{filled<16>(seed), account, filled<32>(static_cast<std::uint8_t>(seed + 100)), pattern(size, seed),
                     expires_at};
}

TEST_P(LinksConformance, StoresFindsAndTakesALinkOnce) {
  const DeviceAddress alice = make_device("alice");
  const PendingLink link = link_of(alice.account, 1);
  ASSERT_TRUE(accounts().add_link(link, at(0)).ok());

  auto found = accounts().find_link(link.id, at(1));
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, link);
  ASSERT_TRUE(accounts().find_link(link.id, at(2)).ok());  // finding leaves it in place

  auto taken = accounts().take_link(alice.account, link.id, at(3));
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(*taken, link);
  EXPECT_EQ(accounts().take_link(alice.account, link.id, at(4)).error(), StorageError::kNotFound);
  EXPECT_EQ(accounts().find_link(link.id, at(4)).error(), StorageError::kNotFound);
}

TEST_P(LinksConformance, AnotherAccountCannotTakeALink) {
  const DeviceAddress alice = make_device("alice");
  const DeviceAddress bob = make_device("bob");
  const PendingLink link = link_of(alice.account, 1);
  ASSERT_TRUE(accounts().add_link(link, at(0)).ok());
  EXPECT_EQ(accounts().take_link(bob.account, link.id, at(1)).error(), StorageError::kNotFound);
  EXPECT_TRUE(accounts().take_link(alice.account, link.id, at(1)).ok());  // still there
}

TEST_P(LinksConformance, ExpiredLinksAreNotFoundAndAreSwept) {
  const DeviceAddress alice = make_device("alice");
  ASSERT_TRUE(accounts().add_link(link_of(alice.account, 1, at(100)), at(0)).ok());
  ASSERT_TRUE(accounts().add_link(link_of(alice.account, 2, at(200)), at(0)).ok());
  ASSERT_TRUE(accounts().add_link(link_of(alice.account, 3, at(300)), at(0)).ok());
  EXPECT_EQ(accounts().find_link(filled<16>(1), at(100)).error(), StorageError::kNotFound);
  EXPECT_EQ(accounts().take_link(alice.account, filled<16>(1), at(100)).error(), StorageError::kNotFound);

  auto expired = accounts().expire_links(at(200));
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 2u);  // the one of at(100) and the one of at(200)
  EXPECT_EQ(accounts().find_link(filled<16>(2), at(150)).error(), StorageError::kNotFound);
  EXPECT_TRUE(accounts().find_link(filled<16>(3), at(250)).ok());
}

TEST_P(LinksConformance, AnIdHeldByAnUnexpiredLinkConflictsAndAnExpiredOneIsReplaced) {
  const DeviceAddress alice = make_device("alice");
  const DeviceAddress bob = make_device("bob");
  ASSERT_TRUE(accounts().add_link(link_of(alice.account, 1, at(100)), at(0)).ok());
  EXPECT_EQ(accounts().add_link(link_of(bob.account, 1, at(100)), at(50)).error(), StorageError::kConflict);

  PendingLink again = link_of(bob.account, 1, at(300));
  ASSERT_TRUE(accounts().add_link(again, at(100)).ok());  // the first expired at 100, not swept yet
  auto found = accounts().find_link(again.id, at(150));
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->account, bob.account);
}

TEST_P(LinksConformance, RefusesUnknownAccountsAndEmptyOrOversizedPayloads) {
  reopen_empty(Options{.max_link_payload = 64});
  const DeviceAddress alice = make_device("alice");
  EXPECT_EQ(accounts().add_link(link_of(alice.account + 1, 1), at(0)).error(), StorageError::kNotFound);
  EXPECT_EQ(accounts().add_link(link_of(alice.account, 1, at(100), 0), at(0)).error(), StorageError::kInvalidArgument);
  EXPECT_EQ(accounts().add_link(link_of(alice.account, 1, at(100), 65), at(0)).error(), StorageError::kTooLarge);
  EXPECT_TRUE(accounts().add_link(link_of(alice.account, 1, at(100), 64), at(0)).ok());
}

TEST_P(LinksConformance, BoundsThePendingLinksOfAnAccount) {
  reopen_empty(Options{.max_pending_links_per_account = 2});
  const DeviceAddress alice = make_device("alice");
  const DeviceAddress bob = make_device("bob");
  ASSERT_TRUE(accounts().add_link(link_of(alice.account, 1, at(100)), at(0)).ok());
  ASSERT_TRUE(accounts().add_link(link_of(alice.account, 2, at(200)), at(0)).ok());
  EXPECT_EQ(accounts().add_link(link_of(alice.account, 3, at(200)), at(0)).error(), StorageError::kLimitExceeded);
  EXPECT_TRUE(accounts().add_link(link_of(bob.account, 4, at(200)), at(0)).ok());  // per account
  // A taken link and an expired one (even before the sweep) no longer count.
  ASSERT_TRUE(accounts().take_link(alice.account, filled<16>(2), at(1)).ok());
  EXPECT_TRUE(accounts().add_link(link_of(alice.account, 5, at(200)), at(1)).ok());
  EXPECT_EQ(accounts().add_link(link_of(alice.account, 6, at(200)), at(1)).error(), StorageError::kLimitExceeded);
  EXPECT_TRUE(accounts().add_link(link_of(alice.account, 6, at(200)), at(100)).ok());
}

}  // namespace
}  // namespace hush::storage::test
