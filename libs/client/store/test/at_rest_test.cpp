// Secrets at rest: after a conversation (pairwise and group), neither the database file nor its
// write-ahead log holds, in clear, the identity private key, a prekey or signed-prekey private key,
// a root, chain or sender chain key, a message text, or the passphrase.
#include <gtest/gtest.h>

#include <vector>

#include "hush/protocol/sender_keys.hpp"
#include "store_test_support.hpp"

namespace hush::client::test {
namespace {

using protocol::testing::TestParty;

struct Secret {
  std::string what;
  Bytes bytes;
};

// The files SQLite keeps for the store: the database and, while it is open, its WAL.
std::vector<std::pair<std::string, Bytes>> store_files(const std::filesystem::path& database) {
  std::vector<std::pair<std::string, Bytes>> files;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::filesystem::path path = database.string() + suffix;
    if (std::filesystem::exists(path)) files.emplace_back(path.filename().string(), read_file(path));
  }
  return files;
}

void expect_none_in_clear(const std::filesystem::path& database, const std::vector<Secret>& secrets) {
  const auto files = store_files(database);
  ASSERT_FALSE(files.empty());
  std::size_t scanned = 0;
  for (const auto& [name, content] : files) {
    scanned += content.size();
    for (const Secret& secret : secrets) {
      ASSERT_GE(secret.bytes.size(), 16u) << secret.what;
      EXPECT_FALSE(contains(content, secret.bytes)) << secret.what << " in clear in " << name;
    }
  }
  EXPECT_GT(scanned, 4096u);
}

Bytes bytes_of(ByteView view) {
  return Bytes(view.begin(), view.end());
}

TEST(StoreAtRest, NoKeyOrTextInClearInTheFiles) {
  ScratchFolder home;
  const std::string pass = "a passphrase nobody should find on disk";
  StoreParty alice("alice", 1, home.path(), passphrase(pass), 31);
  TestParty bob("bob", 1, 32);

  // Pairwise: a session in each direction, several ratchet steps.
  alice.start_session_with(bob.address(), bob.bundle());
  std::vector<std::string> texts;
  for (int i = 0; i < 4; ++i) {
    texts.push_back("message text number " + std::to_string(i) + " from alice");
    ASSERT_TRUE(decrypt_in_memory(bob, alice.address(), alice.encrypt_to(bob.address(), texts.back())).ok());
    texts.push_back("reply text number " + std::to_string(i) + " from bob");
    ASSERT_TRUE(alice.decrypt_from(bob.address(), encrypt_from_memory(bob, alice.address(), texts.back())).ok());
  }
  const protocol::PreKeyBundle own_bundle = alice.bundle(true);  // a stored one-time prekey

  // Group: alice's own sender key.
  const protocol::SenderKeyName group{to_bytes("group-0123456789abcdef"), alice.address()};
  std::vector<Secret> secrets;
  {
    auto transaction = alice.store().transaction();
    ASSERT_TRUE(protocol::create_sender_key_distribution(alice.store().sender_keys(), group, alice.rng()).ok());
    auto sender_key = alice.store().sender_keys().load_sender_key(group);
    ASSERT_TRUE(sender_key.has_value());
    secrets.push_back({"sender chain key", bytes_of(sender_key->current()->chain_key.seed.view())});
    secrets.push_back({"sender signing key", bytes_of(sender_key->current()->signing_private->secret().view())});

    auto session = alice.store().sessions().load_session(bob.address());
    ASSERT_TRUE(session.has_value());
    const protocol::SessionState& state = *session->current();
    secrets.push_back({"root key", bytes_of(state.root_key.key.view())});
    ASSERT_TRUE(state.sender_chain.has_value());
    secrets.push_back({"sending chain key", bytes_of(state.sender_chain->chain_key.key.view())});
    secrets.push_back({"ratchet private key", bytes_of(state.sender_chain->ratchet_key.private_key.secret().view())});
    for (const protocol::ReceiverChain& chain : state.receiver_chains) {
      secrets.push_back({"receiving chain key", bytes_of(chain.chain_key.key.view())});
    }
    auto prekey = alice.store().prekeys().load_prekey(*own_bundle.one_time_prekey_id);
    ASSERT_TRUE(prekey.has_value());
    secrets.push_back({"one-time prekey private key", bytes_of(prekey->key_pair.private_key.secret().view())});
    auto signed_prekey = alice.store().signed_prekeys().load_signed_prekey(7);
    ASSERT_TRUE(signed_prekey.has_value());
    secrets.push_back({"signed prekey private key", bytes_of(signed_prekey->key_pair.private_key.secret().view())});
    ASSERT_TRUE(transaction.commit().ok());
  }
  secrets.push_back(
      {"identity private key", bytes_of(alice.store().identities().identity_key_pair().private_key.secret().view())});
  secrets.push_back({"passphrase", to_bytes(pass)});
  for (const std::string& text : texts) secrets.push_back({"message text", to_bytes(text)});

  // While open (recent pages in the WAL) and after closing (checkpointed into the database).
  expect_none_in_clear(alice.store().path(), secrets);
  const std::filesystem::path database = alice.store().path();
  alice.close();
  expect_none_in_clear(database, secrets);

  // The scan would see them: a public key, stored in clear as part of nothing, is a control that
  // the scanner reads the file. The remote identity key is sealed too, so it must not appear either.
  const auto files = store_files(database);
  const Bytes bob_identity = bytes_of(bob.stores().identities.identity_key_pair().public_key.raw());
  for (const auto& [name, content] : files) EXPECT_FALSE(contains(content, bob_identity)) << name;
  RawDatabase raw(database);
  raw.exec("CREATE TABLE control (value BLOB)");
  raw.exec("INSERT INTO control VALUES (x'" + to_hex(secrets.front().bytes) + "')");
  raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  EXPECT_TRUE(contains(read_file(database), secrets.front().bytes)) << "the scan must be able to find a key";
}

}  // namespace
}  // namespace hush::client::test
