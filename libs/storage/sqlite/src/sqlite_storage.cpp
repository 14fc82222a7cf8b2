// Opening the SQLite backend: data folder, pragmas (WAL, synchronous=FULL), migrations, the
// read-only second connection, and the Storage object that hands out the four stores.
#include "hush/storage/sqlite_storage.hpp"

#include <string>
#include <system_error>

#include "database.hpp"
#include "schema.hpp"

namespace hush::storage {
namespace sqlite {
namespace {

class SqliteStorage final : public Storage {
 public:
  explicit SqliteStorage(std::unique_ptr<Database> database)
      : database_(std::move(database)),
        accounts_(*database_),
        keys_(*database_),
        messages_(*database_),
        media_(*database_) {}
  AccountStore& accounts() override { return accounts_; }
  KeyDirectory& keys() override { return keys_; }
  MessageQueues& messages() override { return messages_; }
  MediaStore& media() override { return media_; }
  const Options& options() const override { return database_->limits(); }

 private:
  std::unique_ptr<Database> database_;
  Accounts accounts_;
  Keys keys_;
  Messages messages_;
  Media media_;
};

// WAL lets the reader run while a write syncs; FULL syncs the WAL on every commit, so a commit
// that returned survives power loss (the server acknowledges a sender only after it).
Result<void, StorageError> configure_writer(Connection& writer, const SqliteOptions& options) {
  Statement journal = writer.prepare("PRAGMA journal_mode = WAL");
  auto row = journal.step();
  if (!row.ok()) return fail(row.error());
  if (!*row || journal.column_text(0) != "wal") return fail(StorageError::kIo);
  HUSH_TRY(writer.exec("PRAGMA synchronous = FULL; PRAGMA trusted_schema = OFF; PRAGMA foreign_keys = OFF"));
  HUSH_TRY(writer.exec(("PRAGMA wal_autocheckpoint = " + std::to_string(options.checkpoint_pages)).c_str()));
  return {};
}

// A negative cache_size is in KiB rather than pages.
Result<void, StorageError> set_page_cache(Connection& connection, const SqliteOptions& options) {
  return connection.exec(("PRAGMA cache_size = -" + std::to_string(options.page_cache_bytes / 1024)).c_str());
}

}  // namespace

Result<std::unique_ptr<Database>, StorageError> Database::open(const std::filesystem::path& data_folder,
                                                               const SqliteOptions& options) {
  std::error_code error;
  std::filesystem::create_directories(data_folder, error);
  if (error) return fail(StorageError::kIo);
  const std::filesystem::path path = data_folder / options.file_name;
  // A new file is readable by its owner only: it holds routing metadata, and SQLite would otherwise
  // create it with the umask's permissions (typically 0644).
  auto writer = Connection::open(path, ::hush::sqlite::OpenMode::kCreatePrivate, options.busy_timeout);
  if (!writer.ok()) return fail(writer.error());
  HUSH_TRY(configure_writer(**writer, options));
  HUSH_TRY(set_page_cache(**writer, options));
  HUSH_TRY(migrate(**writer));

  auto reader = Connection::open(path, ::hush::sqlite::OpenMode::kReadOnly, options.busy_timeout);
  if (!reader.ok()) return fail(reader.error());
  HUSH_TRY((*reader)->exec("PRAGMA trusted_schema = OFF"));
  HUSH_TRY(set_page_cache(**reader, options));
  return std::unique_ptr<Database>(new Database(options.limits, std::move(*writer), std::move(*reader)));
}

Result<bool, StorageError> device_exists(Connection& connection, DeviceAddress address) {
  Statement statement = connection.prepare("SELECT 1 FROM devices WHERE account_id = ?1 AND device_id = ?2");
  statement.bind(1, to_column(address.account)).bind(2, to_column(address.device));
  return statement.step();
}

}  // namespace sqlite

Result<std::unique_ptr<Storage>, StorageError> open_sqlite_storage(const std::filesystem::path& data_folder,
                                                                   const SqliteOptions& options) {
  auto database = sqlite::Database::open(data_folder, options);
  if (!database.ok()) return fail(database.error());
  return std::unique_ptr<Storage>(std::make_unique<sqlite::SqliteStorage>(std::move(*database)));
}

}  // namespace hush::storage
