// The backends the conformance suite runs against: memory (reference) and SQLite (a fresh database
// file per test). A PostgreSQL backend adds one entry here.
#include "conformance/conformance.hpp"
#include "hush/storage/memory_storage.hpp"
#include "hush/storage/sqlite_storage.hpp"

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

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

}  // namespace

void ConformanceTest::reopen_empty(const Options& options) {
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
  INSTANTIATE_TEST_SUITE_P(Backends, fixture, ::testing::Values(memory_backend(), sqlite_backend()), backend_name)

HUSH_INSTANTIATE_FOR_BACKENDS(AccountsConformance);
HUSH_INSTANTIATE_FOR_BACKENDS(KeyDirectoryConformance);
HUSH_INSTANTIATE_FOR_BACKENDS(MessageQueueConformance);
HUSH_INSTANTIATE_FOR_BACKENDS(MediaStoreConformance);

}  // namespace hush::storage::test
