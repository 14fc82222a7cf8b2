// Every decoder of stored bytes is bounded, and every row is bound to its place: an oversized
// row is refused before it is decrypted, a record over the size limit is refused on write and on
// read, a row copied into another row's place or altered by one bit does not open, and names and
// group ids over their limits are refused.
#include <gtest/gtest.h>

#include "hush/protocol/sender_keys.hpp"
#include "store_test_support.hpp"

namespace hush::client::test {
namespace {

using protocol::testing::TestParty;

class StoreLimitsTest : public ::testing::Test {
 protected:
  StoreLimitsTest()
      : alice_("alice", 1, home_.path(), passphrase("pass"), 51), bob_("bob", 1, 52), carol_("carol", 1, 53) {
    alice_.start_session_with(bob_.address(), bob_.bundle());
    alice_.start_session_with(carol_.address(), carol_.bundle());
  }

  // Loads bob's session in a transaction of its own; returns the transaction's failure.
  std::optional<StoreError> load_failure(const protocol::ProtocolAddress& address) {
    auto transaction = alice_.store().transaction();
    auto session = alice_.store().sessions().load_session(address);
    auto failure = transaction.failure();
    EXPECT_EQ(session.has_value(), !failure.has_value());
    return failure;
  }

  std::string session_where(const std::string& name) {
    return "FROM sessions WHERE name = CAST('" + name + "' AS BLOB)";
  }

  ScratchFolder home_;
  StoreParty alice_;
  TestParty bob_;
  TestParty carol_;
};

TEST_F(StoreLimitsTest, OversizedStoredRowIsRefusedBeforeDecrypting) {
  RawDatabase raw(alice_.store().path());
  const std::size_t oversized = kMaxStoredRecordSize + kSealedRowOverhead + 1;
  raw.exec("UPDATE sessions SET record = zeroblob(" + std::to_string(oversized) + ") WHERE name = CAST('bob' AS BLOB)");
  EXPECT_EQ(load_failure(bob_.address()), StoreError::kCorrupt);
  EXPECT_EQ(load_failure(carol_.address()), std::nullopt);
}

TEST_F(StoreLimitsTest, SwappedRowsDoNotOpen) {
  RawDatabase raw(alice_.store().path());
  const std::string bob_record = raw.query("SELECT hex(record) " + session_where("bob"));
  ASSERT_FALSE(bob_record.empty());
  raw.exec("UPDATE sessions SET record = x'" + bob_record + "' WHERE name = CAST('carol' AS BLOB)");
  EXPECT_EQ(load_failure(carol_.address()), StoreError::kCorrupt) << "bob's record in carol's row";
  EXPECT_EQ(load_failure(bob_.address()), std::nullopt);

  // The same within a table keyed by a number: prekey 1's record moved to id 2.
  alice_.bundle(true);
  alice_.bundle(true);
  raw.exec("UPDATE prekeys SET record = (SELECT record FROM prekeys WHERE id = 1) WHERE id = 2");
  auto transaction = alice_.store().transaction();
  EXPECT_TRUE(alice_.store().prekeys().load_prekey(1).has_value());
  EXPECT_FALSE(alice_.store().prekeys().load_prekey(2).has_value());
  EXPECT_EQ(transaction.failure(), StoreError::kCorrupt);
}

TEST_F(StoreLimitsTest, AlteredOrTruncatedRowsDoNotOpen) {
  RawDatabase raw(alice_.store().path());
  const std::string record = raw.query("SELECT hex(record) " + session_where("bob"));
  const std::size_t size = record.size() / 2;
  ASSERT_GT(size, kSealedRowOverhead);
  // One bit flipped in the middle of the ciphertext.
  std::string flipped = record;
  flipped[record.size() / 2] = flipped[record.size() / 2] == '0' ? '1' : '0';
  raw.exec("UPDATE sessions SET record = x'" + flipped + "' WHERE name = CAST('bob' AS BLOB)");
  EXPECT_EQ(load_failure(bob_.address()), StoreError::kCorrupt);
  // Shorter than a sealed value can be; and a sealed value of another format.
  raw.exec("UPDATE sessions SET record = x'01020304' WHERE name = CAST('bob' AS BLOB)");
  EXPECT_EQ(load_failure(bob_.address()), StoreError::kCorrupt);
  raw.exec("UPDATE sessions SET record = x'02" + record.substr(2) + "' WHERE name = CAST('bob' AS BLOB)");
  EXPECT_EQ(load_failure(bob_.address()), StoreError::kCorrupt);
  // Not a blob at all.
  raw.exec("UPDATE sessions SET record = 42 WHERE name = CAST('bob' AS BLOB)");
  EXPECT_EQ(load_failure(bob_.address()), StoreError::kCorrupt);
  raw.exec("UPDATE sessions SET record = x'" + record + "' WHERE name = CAST('bob' AS BLOB)");
  EXPECT_EQ(load_failure(bob_.address()), std::nullopt);
}

TEST_F(StoreLimitsTest, RecordSizeLimitHoldsOnWriteAndOnRead) {
  // A store whose limit is below a fresh session record's size refuses to write it...
  ScratchFolder other_home;
  StoreOptions small = cheap_options();
  small.max_record_size = 200;
  crypto::SeededRng rng(54);
  auto created =
      ClientStore::create(other_home.path(), passphrase("pass"), protocol::IdentityKeyPair::generate(rng), 9, small);
  ASSERT_TRUE(created.ok());
  {
    auto transaction = (*created)->transaction();
    auto stores = (*created)->protocol_stores();
    ASSERT_TRUE(protocol::process_prekey_bundle(stores, bob_.address(), bob_.bundle(), rng).ok());
    auto committed = transaction.commit();
    ASSERT_FALSE(committed.ok());
    EXPECT_EQ(committed.error(), StoreError::kTooLarge);
  }
  // ...and alice's store, reopened with that limit, refuses to read hers (stored under a larger one).
  alice_.close();
  auto reopened = ClientStore::open(home_.path(), passphrase("pass"), small);
  ASSERT_TRUE(reopened.ok());
  auto transaction = (*reopened)->transaction();
  EXPECT_FALSE((*reopened)->sessions().load_session(bob_.address()).has_value());
  EXPECT_EQ(transaction.failure(), StoreError::kCorrupt);
}

TEST_F(StoreLimitsTest, NamesAndGroupIdsAreBounded) {
  const protocol::ProtocolAddress overlong{std::string(kMaxAddressNameSize + 1, 'n'), 1};
  const protocol::ProtocolAddress longest{std::string(kMaxAddressNameSize, 'n'), 1};
  auto session = [&] {
    auto transaction = alice_.store().transaction();
    auto loaded = alice_.store().sessions().load_session(bob_.address());
    EXPECT_TRUE(transaction.commit().ok());
    return *loaded;
  }();
  {
    auto transaction = alice_.store().transaction();
    EXPECT_FALSE(alice_.store().sessions().load_session(overlong).has_value());  // cannot exist: not a failure
    EXPECT_FALSE(transaction.failure().has_value());
    alice_.store().sessions().store_session(overlong, session);
    EXPECT_EQ(transaction.commit().error(), StoreError::kTooLarge);
  }
  {
    auto transaction = alice_.store().transaction();
    alice_.store().sessions().store_session(longest, session);
    EXPECT_TRUE(alice_.store().sessions().load_session(longest).has_value());
    EXPECT_TRUE(transaction.commit().ok());
  }
  {
    auto transaction = alice_.store().transaction();
    const protocol::SenderKeyName group{Bytes(kMaxGroupIdSize + 1, 7), alice_.address()};
    // The protocol cannot see the refused write; the transaction does.
    (void)protocol::create_sender_key_distribution(alice_.store().sender_keys(), group, alice_.rng());
    EXPECT_EQ(transaction.commit().error(), StoreError::kTooLarge);
  }
}

TEST_F(StoreLimitsTest, DamagedKeyRowsAreCorruptOrWrongKey) {
  alice_.close();
  RawDatabase raw(home_.path() / "store.sqlite3");
  const std::string wrapped = raw.query("SELECT hex(wrapped_key) FROM store_key");
  raw.exec("UPDATE store_key SET wrapped_key = x'00'");
  EXPECT_EQ(ClientStore::open(home_.path(), passphrase("pass"), cheap_options()).error(), StoreError::kCorrupt);
  raw.exec("UPDATE store_key SET wrapped_key = x'" + wrapped + "', method = 7");
  EXPECT_EQ(ClientStore::open(home_.path(), passphrase("pass"), cheap_options()).error(), StoreError::kCorrupt);
  raw.exec("UPDATE store_key SET method = 1");
  const std::string identity = raw.query("SELECT hex(record) FROM local_identity");
  raw.exec("UPDATE local_identity SET record = x'01" + std::string(identity.size() - 2, 'a') + "'");
  EXPECT_EQ(ClientStore::open(home_.path(), passphrase("pass"), cheap_options()).error(), StoreError::kCorrupt);
  raw.exec("UPDATE local_identity SET record = x'" + identity + "'");
  EXPECT_TRUE(ClientStore::open(home_.path(), passphrase("pass"), cheap_options()).ok());
}

}  // namespace
}  // namespace hush::client::test
