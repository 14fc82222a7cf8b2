// SQLite only: the database holds what the server was given — ciphertext and routing — and
// nothing else (ARCHITECTURE.md decision 4). Storage never sees plaintext, so this is a guard
// against a future change that would, say, log envelope contents into a table. The test first
// shows that the scan does find stored ciphertext, so that it can fail.
#include <gtest/gtest.h>

#include "hush/storage/sqlite_storage.hpp"
#include "storage_test_support.hpp"

namespace hush::storage::test {
namespace {

// A stand-in for encryption: what matters is that the stored bytes are not the marker's.
Bytes scramble(ByteView plaintext) {
  Bytes out(plaintext.begin(), plaintext.end());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] ^= static_cast<std::uint8_t>(0x5C + i);
  return out;
}

Bytes all_database_files(const std::filesystem::path& folder) {
  Bytes all;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) append(all, read_file(entry.path()));
  return all;
}

TEST(SqliteNoPlaintext, DatabaseFilesContainCiphertextButNotTheMarker) {
  const std::string marker = "HUSH-PLAINTEXT-MARKER: meet me at the old bridge at noon";
  ScratchFolder folder;
  auto opened = open_sqlite_storage(folder.path());
  ASSERT_TRUE(opened.ok());
  Storage& storage = **opened;
  auto account = storage.accounts().create_account("alice", std::nullopt, at(0));
  ASSERT_TRUE(account.ok());
  DeviceAddress alice{account->id, storage.accounts().add_device(account->id, new_device(1), at(0))->id};
  Envelope sent = envelope(alice, std::nullopt, 1);
  sent.ciphertext = scramble(as_bytes(marker));
  ASSERT_TRUE(storage.messages().enqueue(std::vector<Envelope>{sent}).ok());
  ASSERT_TRUE(storage.media().create_upload(filled<16>(1), alice.account, marker.size(), at(0), at(10)).ok());
  ASSERT_TRUE(storage.media().append(filled<16>(1), 0, scramble(as_bytes(marker))).ok());

  // While open (WAL and main file) and after close (checkpointed into the main file).
  Bytes files = all_database_files(folder.path());
  EXPECT_TRUE(contains(files, sent.ciphertext)) << "the scan must see stored envelopes";
  EXPECT_FALSE(contains(files, as_bytes(marker)));
  opened->reset();
  files = all_database_files(folder.path());
  EXPECT_TRUE(contains(files, sent.ciphertext));
  EXPECT_FALSE(contains(files, as_bytes(marker)));
}

}  // namespace
}  // namespace hush::storage::test
