// The backends the conformance suite runs against: memory (reference), SQLite (a fresh database
// file per test) and PostgreSQL (a fresh schema per test in the cluster HUSH_TEST_POSTGRES names;
// skipped without one, failed when HUSH_REQUIRE_POSTGRES=1).
#include "conformance/conformance.hpp"
#include "hush/storage/memory_storage.hpp"
#include "hush/storage/postgres_storage.hpp"
#include "hush/storage/sqlite_storage.hpp"
#include "postgres/postgres_test_support.hpp"

namespace hush::storage::test {
namespace {

Backend memory_backend() {
  return {"memory", [](const Options& options, const std::filesystem::path&) { return make_memory_storage(options); }};
}

Backend sqlite_backend() {
  return {"sqlite", [](const Options& options, const std::filesystem::path& folder) {
            SqliteOptions sqlite_options;
            sqlite_options.limits = options;
            auto opened = open_sqlite_storage(folder, sqlite_options);
            if (!opened.ok()) throw std::runtime_error(std::string("open failed: ") + to_string(opened.error()));
            return std::move(opened).value();
          }};
}

constexpr const char* kPostgresName = "postgres";

// A PostgreSQL storage with the scratch schema it lives in: the storage closes, then the schema is
// dropped.
class SchemaStorage final : public Storage {
 public:
  SchemaStorage(std::unique_ptr<ScratchSchema> schema, std::unique_ptr<Storage> storage)
      : schema_(std::move(schema)), storage_(std::move(storage)) {}
  AccountStore& accounts() override { return storage_->accounts(); }
  KeyDirectory& keys() override { return storage_->keys(); }
  MessageQueues& messages() override { return storage_->messages(); }
  MediaStore& media() override { return storage_->media(); }
  const Options& options() const override { return storage_->options(); }
  WakeSource* wakes() override { return storage_->wakes(); }

 private:
  std::unique_ptr<ScratchSchema> schema_;  // declared first: outlives the storage
  std::unique_ptr<Storage> storage_;
};

Backend postgres_backend() {
  return {kPostgresName, [](const Options& options, const std::filesystem::path&) -> std::unique_ptr<Storage> {
            auto schema = std::make_unique<ScratchSchema>(test_postgres_conninfo().value());
            PostgresOptions postgres_options;
            postgres_options.limits = options;
            postgres_options.conninfo = schema->conninfo();
            postgres_options.wake_channel = schema->name();
            auto opened = open_postgres_storage(postgres_options);
            if (!opened.ok()) throw std::runtime_error(std::string("open failed: ") + to_string(opened.error()));
            return std::make_unique<SchemaStorage>(std::move(schema), std::move(opened).value());
          }};
}

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

}  // namespace

void ConformanceTest::reopen_empty(const Options& options) {
  if (GetParam().name == kPostgresName) HUSH_REQUIRE_TEST_POSTGRES();
  storage_.reset();
  folder_ = std::make_unique<ScratchFolder>();
  storage_ = GetParam().open(options, folder_->path());
}

DeviceAddress ConformanceTest::make_device(const std::string& username) {
  auto account = accounts().create_account(username, std::nullopt, at(0));
  if (!account.ok()) throw std::runtime_error("create_account failed: " + std::string(to_string(account.error())));
  auto device = accounts().add_device(account->id, new_device(1), at(0));
  if (!device.ok()) throw std::runtime_error("add_device failed: " + std::string(to_string(device.error())));
  return DeviceAddress{account->id, device->id};
}

#define HUSH_INSTANTIATE_FOR_BACKENDS(fixture) \
  INSTANTIATE_TEST_SUITE_P(Backends, fixture,  \
                           ::testing::Values(memory_backend(), sqlite_backend(), postgres_backend()), backend_name)

HUSH_INSTANTIATE_FOR_BACKENDS(AccountsConformance);
HUSH_INSTANTIATE_FOR_BACKENDS(LinksConformance);
HUSH_INSTANTIATE_FOR_BACKENDS(KeyDirectoryConformance);
HUSH_INSTANTIATE_FOR_BACKENDS(MessageQueueConformance);
HUSH_INSTANTIATE_FOR_BACKENDS(FanoutConformance);
HUSH_INSTANTIATE_FOR_BACKENDS(MediaStoreConformance);

}  // namespace hush::storage::test
