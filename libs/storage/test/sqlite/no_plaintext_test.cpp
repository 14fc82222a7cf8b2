// SQLite only: the database holds what the server was given — ciphertext and routing — and
// nothing else (ARCHITECTURE.md decision 4). Storage never sees plaintext, so this is a guard
// against a future change that would, say, log envelope contents into a table. The test first
// shows that the scan does find stored ciphertext, so that it can fail.
#include <gtest/gtest.h>

#include <algorithm>

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
  // A group message: its body is stored once (message_bodies), beside the envelopes.
  Fanout group;
  group.sender = alice;
  group.id = message_id(2);
  group.body = scramble(as_bytes(marker + " (to the group)"));
  group.recipients = {alice};
  ASSERT_TRUE(storage.messages().fan_out(group).ok());

  // While open (WAL and main file) and after close (checkpointed into the main file).
  Bytes files = all_database_files(folder.path());
  EXPECT_TRUE(contains(files, sent.ciphertext)) << "the scan must see stored envelopes";
  EXPECT_TRUE(contains(files, group.body)) << "the scan must see stored fan-out bodies";
  EXPECT_FALSE(contains(files, as_bytes(marker)));
  opened->reset();
  files = all_database_files(folder.path());
  EXPECT_TRUE(contains(files, sent.ciphertext));
  EXPECT_TRUE(contains(files, group.body));
  EXPECT_FALSE(contains(files, as_bytes(marker)));
}

// How many times `needle` occurs in `haystack` (possibly overlapping).
std::size_t occurrences(ByteView haystack, ByteView needle) {
  std::size_t count = 0;
  for (auto at = haystack.begin();; ++at) {
    at = std::search(at, haystack.end(), needle.begin(), needle.end());
    if (at == haystack.end()) return count;
    ++count;
  }
}

TEST(SqliteFanout, ABodyForManyDevicesIsWrittenOnce) {
  ScratchFolder folder;
  // Two pages and more, so a copy per device would show; no slice repeats within it (pattern() does).
  Bytes body(8 * 1024);
  std::uint32_t state = 2463534242u;
  for (std::uint8_t& byte : body) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    byte = static_cast<std::uint8_t>(state >> 24);
  }
  {
    auto opened = open_sqlite_storage(folder.path());
    ASSERT_TRUE(opened.ok());
    Storage& storage = **opened;
    Fanout group;
    group.sender = {1, 1};
    group.id = message_id(1);
    group.body = body;
    for (int i = 0; i < 40; ++i) {
      auto account = storage.accounts().create_account("member" + std::to_string(i), std::nullopt, at(0));
      ASSERT_TRUE(account.ok());
      group.recipients.push_back({account->id, storage.accounts().add_device(account->id, new_device(1), at(0))->id});
    }
    auto fanned_out = storage.messages().fan_out(group);
    ASSERT_TRUE(fanned_out.ok());
    for (const EnqueueOutcome& outcome : *fanned_out) {
      ASSERT_TRUE(outcome.ok() && outcome->status == EnqueueStatus::kStored);
    }
    EXPECT_EQ(storage.messages().fetch(group.recipients.back(), 0, 1)->at(0).envelope.ciphertext, body);
  }
  // Checkpointed into the main file at close. A large blob is split across overflow pages, so look
  // for short slices of it: each is there once (one that straddles a page boundary not at all),
  // not 40 times.
  const Bytes file = read_file(folder.path() / "hush.sqlite3");
  std::size_t found_once = 0;
  for (std::size_t offset = 0; offset < body.size(); offset += 1024) {
    const ByteView slice(body.data() + offset, 16);
    const std::size_t count = occurrences(file, slice);
    EXPECT_LE(count, 1u) << "slice at " << offset;
    found_once += count;
  }
  EXPECT_GE(found_once, 6u);
}

}  // namespace
}  // namespace hush::storage::test
