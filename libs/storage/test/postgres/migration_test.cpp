// PostgreSQL only: the schema is created on first open, left alone on later ones, migrated once when
// nodes start together, and refused when a newer hushd wrote it; options out of range are refused.
#include <gtest/gtest.h>

#include <thread>

#include "postgres/postgres_nodes.hpp"

namespace hush::storage::test {
namespace {

using PostgresMigration = PostgresNodes;

std::string version_of(ScratchSchema& schema) {
  auto rows = schema.query("SELECT version FROM hush_schema_version");
  return rows.size() == 1 ? rows[0][0] : "rows: " + std::to_string(rows.size());
}

TEST_F(PostgresMigration, ReopeningKeepsDataAndTheVersion) {
  DeviceAddress alice{};
  {
    auto node = open_node();
    alice = make_device(*node, "alice");
    ASSERT_TRUE(node->messages().enqueue(std::vector<Envelope>{envelope(alice, std::nullopt, 1)}).ok());
  }
  EXPECT_EQ(version_of(schema()), std::to_string(kPostgresSchemaVersion));
  auto node = open_node();
  EXPECT_EQ(node->accounts().find_account("alice")->id, alice.account);
  EXPECT_EQ(*node->messages().depth(alice), 1u);
  EXPECT_EQ(version_of(schema()), std::to_string(kPostgresSchemaVersion));
}

TEST_F(PostgresMigration, NodesStartingTogetherMigrateOnce) {
  constexpr int kNodes = 4;
  std::vector<std::thread> threads;
  std::vector<StorageError> errors;
  std::mutex mutex;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&] {
      auto opened = open_postgres_storage(node_options());
      std::lock_guard<std::mutex> lock(mutex);
      if (!opened.ok()) errors.push_back(opened.error());
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(version_of(schema()), std::to_string(kPostgresSchemaVersion));
}

TEST_F(PostgresMigration, ANewerSchemaIsRefused) {
  open_node().reset();
  schema().query("UPDATE hush_schema_version SET version = " + std::to_string(kPostgresSchemaVersion + 1));
  EXPECT_EQ(open_postgres_storage(node_options()).error(), StorageError::kIncompatibleSchema);
}

TEST_F(PostgresMigration, TablesOfSomethingElseAreCorrupt) {
  schema().query("CREATE TABLE accounts (name TEXT)");
  EXPECT_EQ(open_postgres_storage(node_options()).error(), StorageError::kCorrupt);
}

TEST_F(PostgresMigration, OptionsOutOfRangeAreRefused) {
  PostgresOptions options = node_options();
  options.wake_channel = "hush-wake";  // '-' is not in the alphabet
  EXPECT_EQ(open_postgres_storage(options).error(), StorageError::kInvalidArgument);
  options = node_options();
  options.wake_channel = std::string(64, 'w');
  EXPECT_EQ(open_postgres_storage(options).error(), StorageError::kInvalidArgument);
  options = node_options();
  options.connections = 0;
  EXPECT_EQ(open_postgres_storage(options).error(), StorageError::kInvalidArgument);
  options = node_options();
  options.conninfo.clear();
  EXPECT_EQ(open_postgres_storage(options).error(), StorageError::kInvalidArgument);
}

}  // namespace
}  // namespace hush::storage::test
