// PostgreSQL only: the database holds what the server was given — ciphertext and routing — and
// nothing else (ARCHITECTURE.md decision 4), as test/sqlite/no_plaintext_test.cpp checks for SQLite.
// Every row of every table of the schema is dumped as text (bytea as hex); the test first shows
// that the dump does contain the stored ciphertext, so that it can fail.
#include <gtest/gtest.h>

#include "postgres/postgres_nodes.hpp"

namespace hush::storage::test {
namespace {

using PostgresNoPlaintext = PostgresNodes;

// A stand-in for encryption: what matters is that the stored bytes are not the marker's.
Bytes scramble(ByteView plaintext) {
  Bytes out(plaintext.begin(), plaintext.end());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] ^= static_cast<std::uint8_t>(0x5C + i);
  return out;
}

std::string dump(ScratchSchema& schema) {
  std::string all;
  for (const auto& table : schema.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")) {
    for (const auto& row : schema.query("SELECT t::text FROM " + table[0] + " t")) all += row[0] + "\n";
  }
  return all;
}

TEST_F(PostgresNoPlaintext, TablesContainCiphertextButNotTheMarker) {
  const std::string marker = "HUSH-PLAINTEXT-MARKER: meet me at the old bridge at noon";
  auto node = open_node();
  DeviceAddress alice = make_device(*node, "alice");
  Envelope sent = envelope(alice, std::nullopt, 1);
  sent.ciphertext = scramble(as_bytes(marker));
  ASSERT_TRUE(node->messages().enqueue(std::vector<Envelope>{sent}).ok());
  ASSERT_TRUE(node->media().create_upload(filled<16>(1), alice.account, marker.size(), at(0), at(10)).ok());
  ASSERT_TRUE(node->media().append(filled<16>(1), 0, scramble(as_bytes(marker))).ok());
  // A group message to three devices: its body is stored once (message_bodies).
  Fanout group;
  group.sender = alice;
  group.id = message_id(2);
  group.body = scramble(as_bytes(marker + " (to the group)"));
  group.recipients = {alice, make_device(*node, "bob"), make_device(*node, "carol")};
  ASSERT_TRUE(node->messages().fan_out(group).ok());

  const std::string tables = dump(schema());
  EXPECT_NE(tables.find(to_hex(sent.ciphertext)), std::string::npos) << "the dump must show stored envelopes";
  const std::size_t body_at = tables.find(to_hex(group.body));
  EXPECT_NE(body_at, std::string::npos) << "the dump must show stored fan-out bodies";
  EXPECT_EQ(tables.find(to_hex(group.body), body_at + 1), std::string::npos) << "a fan-out body is stored once";
  EXPECT_EQ(tables.find(to_hex(as_bytes(marker))), std::string::npos);
  EXPECT_EQ(tables.find(marker), std::string::npos);
}

}  // namespace
}  // namespace hush::storage::test
