// The PostgreSQL test helpers: the cluster from the environment, scratch schemas through libpq.
#include "postgres/postgres_test_support.hpp"

#include <libpq-fe.h>
#include <stdlib.h>

#include <memory>
#include <random>
#include <stdexcept>

namespace hush::storage::test {
namespace {

struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};

bool is_uri(const std::string& conninfo) {
  return conninfo.rfind("postgres://", 0) == 0 || conninfo.rfind("postgresql://", 0) == 0;
}

// Adds settings to a conninfo of either form. Values here are [a-z0-9_] and "-c search_path=..."
std::string with_settings(const std::string& conninfo, const std::string& schema) {
  if (is_uri(conninfo)) {
    const char separator = conninfo.find('?') == std::string::npos ? '?' : '&';
    return conninfo + separator + "options=-c%20search_path%3D" + schema + "&application_name=" + schema;
  }
  return conninfo + " options='-c search_path=" + schema + "' application_name=" + schema;
}

std::vector<std::vector<std::string>> run(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, ConnectionCloser> connection(PQconnectdb(conninfo.c_str()));
  if (!connection || PQstatus(connection.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to the test cluster (HUSH_TEST_POSTGRES)");
  }
  // NOTICEs ("drop cascades to ...") are not failures: not printed.
  PQsetNoticeProcessor(
      connection.get(), [](void*, const char*) {}, nullptr);
  std::unique_ptr<PGresult, ResultClearer> result(PQexec(connection.get(), sql.c_str()));
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error(std::string("test SQL failed: ") + PQerrorMessage(connection.get()));
  }
  std::vector<std::vector<std::string>> rows;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    std::vector<std::string> columns;
    for (int column = 0; column < PQnfields(result.get()); ++column) {
      columns.emplace_back(PQgetvalue(result.get(), row, column));
    }
    rows.push_back(std::move(columns));
  }
  return rows;
}

std::string random_schema_name() {
  static constexpr char kDigits[] = "0123456789abcdef";
  constexpr int kRandomDigits = 16;  // 64 bits: tests running at once never pick the same name
  std::random_device random;
  std::string name = "hush_test_";
  for (int i = 0; i < kRandomDigits; ++i) name += kDigits[random() % 16];
  return name;
}

}  // namespace

std::optional<std::string> test_postgres_conninfo() {
  const char* conninfo = getenv("HUSH_TEST_POSTGRES");
  if (conninfo == nullptr || *conninfo == '\0') return std::nullopt;
  return std::string(conninfo);
}

bool postgres_required() {
  const char* required = getenv("HUSH_REQUIRE_POSTGRES");
  return required != nullptr && std::string(required) == "1";
}

ScratchSchema::ScratchSchema(std::string cluster_conninfo)
    : cluster_conninfo_(std::move(cluster_conninfo)), name_(random_schema_name()) {
  run(cluster_conninfo_, "CREATE SCHEMA " + name_);
  conninfo_ = with_settings(cluster_conninfo_, name_);
}

ScratchSchema::~ScratchSchema() {
  try {
    run(cluster_conninfo_, "DROP SCHEMA " + name_ + " CASCADE");
  } catch (const std::exception&) {
    // Left behind in a throwaway cluster: harmless.
  }
}

std::vector<std::vector<std::string>> ScratchSchema::query(const std::string& sql) const {
  return run(conninfo_, sql);
}

}  // namespace hush::storage::test
