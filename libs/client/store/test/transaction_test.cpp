// The transaction contract (transaction.hpp): reads see the transaction's writes; nothing is
// applied without commit(); a failed write — injected by a trigger, as SQLite would fail on a full
// disk — poisons the transaction, skips what follows, and commit() rolls everything back and says
// why; so "decrypt, store the message, then acknowledge" is one atomic local step.
#include <gtest/gtest.h>

#include <stdexcept>

#include "store_test_support.hpp"

namespace hush::client::test {
namespace {

using protocol::CiphertextMessage;
using protocol::testing::TestParty;

// The caller's own write of a decrypted message, as the messenger will make it: sealed, in the
// same transaction as the protocol's state. The test creates the table itself.
Result<void, StoreError> save_message(StoreTransaction& transaction, std::int64_t id, std::string_view text) {
  RowName row("test_inbox");
  row.add(static_cast<std::uint32_t>(id));
  const Bytes sealed = transaction.seal(row, as_bytes(text));
  return transaction.run([&](StoreConnection& connection) {
    return connection.prepare("INSERT INTO test_inbox (id, body) VALUES (?1, ?2)")
        .bind(1, id)
        .bind(2, ByteView(sealed))
        .run();
  });
}

class StoreTransactionTest : public ::testing::Test {
 protected:
  StoreTransactionTest() : bob_("bob", 1, home_.path(), passphrase("pass"), 11), alice_("alice", 1, 12) {
    RawDatabase(bob_.store().path()).exec("CREATE TABLE test_inbox (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    auto stores = alice_.stores();
    EXPECT_TRUE(protocol::process_prekey_bundle(stores, bob_.address(), bob_.bundle(), alice_.rng()).ok());
    prekey_id_ = bob_.last_prekey_id();
    first_ = encrypt_from_memory(alice_, bob_.address(), "first message");
  }

  // Decrypts `message` and saves it in one transaction; returns the commit's outcome.
  Result<void, StoreError> receive(const CiphertextMessage& message, std::int64_t id) {
    auto transaction = bob_.store().transaction();
    auto stores = bob_.store().protocol_stores();
    auto plaintext = protocol::decrypt(stores, alice_.address(), message.type, message.serialized);
    EXPECT_TRUE(plaintext.ok());
    if (plaintext.ok()) (void)save_message(transaction, id, hush::to_string(plaintext->view()));
    return transaction.commit();
  }

  // What bob's store holds about alice, read in a transaction of its own.
  struct Snapshot {
    bool session = false;
    bool identity = false;
    bool prekey = false;
    std::string inbox_rows;
  };
  Snapshot snapshot() {
    Snapshot result;
    {
      auto transaction = bob_.store().transaction();
      result.session = bob_.store().sessions().load_session(alice_.address()).has_value();
      result.identity = bob_.store().identities().identity(alice_.address()).has_value();
      result.prekey = bob_.store().prekeys().load_prekey(prekey_id_).has_value();
      EXPECT_TRUE(transaction.commit().ok());
    }
    result.inbox_rows = RawDatabase(bob_.store().path()).query("SELECT count(*) FROM test_inbox");
    return result;
  }

  ScratchFolder home_;
  StoreParty bob_;
  TestParty alice_;
  std::uint32_t prekey_id_ = 0;
  CiphertextMessage first_;
};

TEST_F(StoreTransactionTest, FailedMessageWriteRollsBackTheRatchetStep) {
  RawDatabase raw(bob_.store().path());
  raw.exec("CREATE TRIGGER inject_fault BEFORE INSERT ON test_inbox BEGIN SELECT RAISE(ABORT, 'injected'); END");
  auto failed = receive(first_, 1);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error(), StoreError::kIo);
  const Snapshot after_failure = snapshot();
  EXPECT_FALSE(after_failure.session);
  EXPECT_FALSE(after_failure.identity);
  EXPECT_TRUE(after_failure.prekey) << "the one-time prekey is still there for the retry";
  EXPECT_EQ(after_failure.inbox_rows, "0");

  // The server redelivers (nothing was acknowledged); without the fault the same message succeeds.
  raw.exec("DROP TRIGGER inject_fault");
  ASSERT_TRUE(receive(first_, 1).ok());
  const Snapshot after_retry = snapshot();
  EXPECT_TRUE(after_retry.session);
  EXPECT_TRUE(after_retry.identity);
  EXPECT_FALSE(after_retry.prekey);
  EXPECT_EQ(after_retry.inbox_rows, "1");
}

TEST_F(StoreTransactionTest, FailedProtocolWritePoisonsAndSkipsTheRest) {
  RawDatabase raw(bob_.store().path());
  raw.exec("CREATE TRIGGER inject_fault BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'injected'); END");
  {
    auto transaction = bob_.store().transaction();
    auto stores = bob_.store().protocol_stores();
    // The protocol cannot see the failed store_session (the interface returns void) and succeeds.
    auto plaintext = protocol::decrypt(stores, alice_.address(), first_.type, first_.serialized);
    ASSERT_TRUE(plaintext.ok());
    ASSERT_TRUE(transaction.failure().has_value());
    EXPECT_EQ(*transaction.failure(), StoreError::kIo);
    // Poisoned: reads give nothing (and fail closed), the caller's write is skipped.
    EXPECT_FALSE(bob_.store().prekeys().load_prekey(prekey_id_).has_value());
    EXPECT_FALSE(bob_.store().identities().is_trusted_identity(
        alice_.address(), alice_.stores().identities.identity_key_pair().public_key, protocol::Direction::kReceiving));
    auto skipped = save_message(transaction, 1, "first message");
    ASSERT_FALSE(skipped.ok());
    EXPECT_EQ(skipped.error(), StoreError::kIo);
    auto committed = transaction.commit();
    ASSERT_FALSE(committed.ok());
    EXPECT_EQ(committed.error(), StoreError::kIo);
    EXPECT_EQ(transaction.failure(), StoreError::kIo);
  }
  const Snapshot after = snapshot();
  EXPECT_FALSE(after.session);
  EXPECT_FALSE(after.identity);
  EXPECT_TRUE(after.prekey);
  EXPECT_EQ(after.inbox_rows, "0");
}

TEST_F(StoreTransactionTest, ReadsSeeOwnWritesAndNothingStaysWithoutCommit) {
  const protocol::PreKeyRecord extra = protocol::generate_prekeys(500, 1, bob_.rng()).front();
  {
    auto transaction = bob_.store().transaction();
    bob_.store().prekeys().store_prekey(extra);
    auto loaded = bob_.store().prekeys().load_prekey(500);
    ASSERT_TRUE(loaded.has_value());
    EXPECT_EQ(loaded->key_pair.public_key, extra.key_pair.public_key);
    EXPECT_TRUE(loaded->key_pair.private_key.secret() == extra.key_pair.private_key.secret());
    bob_.store().prekeys().remove_prekey(prekey_id_);
    EXPECT_FALSE(bob_.store().prekeys().load_prekey(prekey_id_).has_value());
  }  // destroyed without commit: rolled back
  auto transaction = bob_.store().transaction();
  EXPECT_FALSE(bob_.store().prekeys().load_prekey(500).has_value());
  EXPECT_TRUE(bob_.store().prekeys().load_prekey(prekey_id_).has_value());
  transaction.rollback();
  EXPECT_FALSE(transaction.failure().has_value());
}

TEST_F(StoreTransactionTest, AccessOutsideATransactionIsABug) {
  EXPECT_THROW((void)bob_.store().sessions().load_session(alice_.address()), std::logic_error);
  EXPECT_THROW(bob_.store().prekeys().remove_prekey(1), std::logic_error);
  // Read at open: usable anywhere.
  EXPECT_NO_THROW((void)bob_.store().identities().identity_key_pair());

  auto transaction = bob_.store().transaction();
  EXPECT_THROW((void)bob_.store().transaction(), std::logic_error);
  ASSERT_TRUE(transaction.commit().ok());
  EXPECT_THROW((void)transaction.commit(), std::logic_error);
  EXPECT_THROW((void)transaction.run([](StoreConnection&) { return Result<void, StoreError>(); }), std::logic_error);
  EXPECT_THROW((void)bob_.store().prekeys().load_prekey(1), std::logic_error);
}

TEST_F(StoreTransactionTest, AnotherWriterBeyondBusyTimeoutPoisonsWithBusy) {
  bob_.close();
  StoreOptions options = cheap_options();
  options.busy_timeout = std::chrono::milliseconds(50);
  auto opened = ClientStore::open(home_.path(), passphrase("pass"), options);
  ASSERT_TRUE(opened.ok());
  RawDatabase other_process((*opened)->path());
  other_process.exec("BEGIN IMMEDIATE");
  {
    auto transaction = (*opened)->transaction();
    EXPECT_EQ(transaction.failure(), StoreError::kBusy);
    EXPECT_FALSE((*opened)->prekeys().load_prekey(prekey_id_).has_value());
    auto committed = transaction.commit();
    ASSERT_FALSE(committed.ok());
    EXPECT_EQ(committed.error(), StoreError::kBusy);
  }
  other_process.exec("ROLLBACK");
  auto transaction = (*opened)->transaction();
  EXPECT_TRUE((*opened)->prekeys().load_prekey(prekey_id_).has_value());
  EXPECT_TRUE(transaction.commit().ok());
}

TEST_F(StoreTransactionTest, SealedCallerRowsOpenOnlyForTheirRow) {
  auto transaction = bob_.store().transaction();
  RowName row("test_inbox");
  row.add(std::uint32_t{1});
  RowName other("test_inbox");
  other.add(std::uint32_t{2});
  const Bytes sealed = transaction.seal(row, to_bytes("secret text"));
  EXPECT_FALSE(contains(sealed, to_bytes("secret text")));
  auto opened = transaction.open(row, sealed, 100);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(hush::to_string(opened->view()), "secret text");
  EXPECT_EQ(transaction.open(other, sealed, 100).error(), StoreError::kCorrupt);
  EXPECT_EQ(transaction.open(row, sealed, 10).error(), StoreError::kCorrupt);  // over its size limit
  EXPECT_TRUE(transaction.commit().ok());
}

}  // namespace
}  // namespace hush::client::test
