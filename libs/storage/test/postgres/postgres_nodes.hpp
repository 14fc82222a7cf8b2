// A fixture for PostgreSQL-only tests: a scratch schema and any number of Storage objects ("nodes")
// opened on it, as several hushd processes would share one database.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "hush/storage/postgres_storage.hpp"
#include "postgres/postgres_test_support.hpp"
#include "storage_test_support.hpp"

namespace hush::storage::test {

class PostgresNodes : public ::testing::Test {
 protected:
  void SetUp() override {
    HUSH_REQUIRE_TEST_POSTGRES();
    schema_ = std::make_unique<ScratchSchema>(*test_postgres_conninfo());
  }

  // The options of a node on the scratch schema; its wake channel is the schema's own, so tests
  // running at once on one cluster do not wake each other.
  PostgresOptions node_options(const Options& limits = Options{}) const {
    PostgresOptions options;
    options.limits = limits;
    options.conninfo = schema_->conninfo();
    options.wake_channel = schema_->name();
    return options;
  }

  std::unique_ptr<Storage> open_node(const PostgresOptions& options) {
    auto opened = open_postgres_storage(options);
    if (!opened.ok()) throw std::runtime_error(std::string("open failed: ") + to_string(opened.error()));
    return std::move(opened).value();
  }
  std::unique_ptr<Storage> open_node() { return open_node(node_options()); }

  static DeviceAddress make_device(Storage& storage, const std::string& username) {
    auto created = storage.accounts().create_account_with_device(username, std::nullopt, new_device(1), at(0));
    if (!created.ok()) throw std::runtime_error("create failed: " + std::string(to_string(created.error())));
    return DeviceAddress{created->account.id, created->device.id};
  }

  ScratchSchema& schema() { return *schema_; }

 private:
  std::unique_ptr<ScratchSchema> schema_;
};

}  // namespace hush::storage::test
