// Helpers for tests against PostgreSQL: the throwaway cluster named by HUSH_TEST_POSTGRES (started
// with scripts/postgres), and a scratch schema per test, so tests running at once never share
// tables. Reusable by any test that needs a PostgreSQL storage.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hush::storage::test {

inline constexpr const char* kNoPostgresMessage = "HUSH_TEST_POSTGRES not set: start a cluster with scripts/postgres";

// The libpq conninfo of the test cluster (HUSH_TEST_POSTGRES), or nullopt when it is not set.
std::optional<std::string> test_postgres_conninfo();

// Whether running without a cluster is a failure (HUSH_REQUIRE_POSTGRES=1, as CI sets it) rather
// than a skip.
bool postgres_required();

// In a test body or SetUp(): skips the test without a cluster (fails it when one is required).
#define HUSH_REQUIRE_TEST_POSTGRES()                                                                       \
  do {                                                                                                     \
    if (!::hush::storage::test::test_postgres_conninfo()) {                                                \
      if (::hush::storage::test::postgres_required()) FAIL() << ::hush::storage::test::kNoPostgresMessage; \
      GTEST_SKIP() << ::hush::storage::test::kNoPostgresMessage;                                           \
    }                                                                                                      \
  } while (0)

// A schema with a fresh random name in the test cluster, created by the constructor and dropped
// with everything in it by the destructor (close the storages using it first). Throws
// std::runtime_error when the cluster cannot be reached.
class ScratchSchema {
 public:
  explicit ScratchSchema(std::string cluster_conninfo);
  ~ScratchSchema();
  ScratchSchema(const ScratchSchema&) = delete;
  ScratchSchema& operator=(const ScratchSchema&) = delete;

  const std::string& name() const { return name_; }

  // The cluster's conninfo with this schema as search_path and the schema's name as
  // application_name (so a test can find its own server processes in pg_stat_activity).
  const std::string& conninfo() const { return conninfo_; }

  // Runs `sql` on a new connection to the schema; each row of the last statement's result, its
  // columns as text. Throws std::runtime_error on failure.
  std::vector<std::vector<std::string>> query(const std::string& sql) const;

 private:
  std::string cluster_conninfo_;
  std::string name_;
  std::string conninfo_;
};

}  // namespace hush::storage::test
