// Opening the PostgreSQL backend: options checked, first connection, migrations, and the Storage
// object that hands out the four stores and the wakes. Also the helpers the stores share: the
// commit that announces wakes, and the device locks.
#include "hush/storage/postgres_storage.hpp"

#include <algorithm>

#include "database.hpp"
#include "postgres_wakes.hpp"
#include "schema.hpp"
#include "wake_payload.hpp"

namespace hush::storage {
namespace postgres {
namespace {

// PostgreSQL's identifiers (and so channel names) are at most NAMEDATALEN - 1 = 63 bytes.
constexpr std::size_t kMaxChannelLength = 63;

bool valid_channel(const std::string& channel) {
  if (channel.empty() || channel.size() > kMaxChannelLength) return false;
  return std::all_of(channel.begin(), channel.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

class PostgresStorage final : public Storage {
 public:
  explicit PostgresStorage(std::unique_ptr<Database> database)
      : database_(std::move(database)),
        accounts_(*database_),
        keys_(*database_),
        messages_(*database_),
        media_(*database_),
        wakes_(database_->settings(), database_->wake_channel()) {}
  ~PostgresStorage() override { wakes_.stop(); }
  AccountStore& accounts() override { return accounts_; }
  KeyDirectory& keys() override { return keys_; }
  MessageQueues& messages() override { return messages_; }
  MediaStore& media() override { return media_; }
  const Options& options() const override { return database_->limits(); }
  WakeSource* wakes() override { return &wakes_; }

 private:
  std::unique_ptr<Database> database_;
  Accounts accounts_;
  Keys keys_;
  Messages messages_;
  Media media_;
  PostgresWakes wakes_;
};

}  // namespace

Result<std::unique_ptr<Database>, StorageError> Database::open(const PostgresOptions& options) {
  if (options.conninfo.empty() || options.connections == 0 || !valid_channel(options.wake_channel)) {
    return fail(StorageError::kInvalidArgument);
  }
  std::unique_ptr<Database> database(new Database(options));
  {
    auto lease = database->pool_.borrow();
    if (!lease.ok()) return fail(lease.error());
    HUSH_TRY(migrate(**lease));
  }  // the connection stays open, in the pool
  return database;
}

Result<void, StorageError> Database::commit(Transaction& transaction) {
  // One round trip: the notifications, then COMMIT (which delivers them, or nothing if it fails).
  // Payloads are [a-z0-9. ] only and the channel [A-Za-z0-9_]: safe inside quotes.
  std::string sql;
  for (const std::string& payload : pack_wakes(transaction.wakes())) {
    sql += sql.empty() ? "SELECT " : ", ";
    sql += "pg_notify('" + wake_channel_ + "', '" + payload + "')";
  }
  if (!sql.empty()) sql += "; ";
  sql += "COMMIT";
  auto committed = transaction.connection().exec(sql);
  if (!committed.ok()) return fail(committed.error());
  // COMMIT of a transaction that had failed reports ROLLBACK, without an error.
  if (committed->command_status() != "COMMIT") return fail(StorageError::kIo);
  return {};
}

Result<std::vector<LockedDevice>, StorageError> lock_devices(Connection& connection,
                                                             std::vector<DeviceAddress> devices) {
  std::sort(devices.begin(), devices.end());
  devices.erase(std::unique(devices.begin(), devices.end()), devices.end());
  std::vector<LockedDevice> locked;
  if (devices.empty()) return locked;
  std::vector<std::int64_t> accounts;
  std::vector<std::int64_t> ids;
  for (const DeviceAddress& device : devices) {
    accounts.push_back(to_column(device.account));
    ids.push_back(std::int64_t{device.device});
  }
  auto rows = connection.run(
      "SELECT d.account_id, d.device_id, d.queue_depth FROM devices d "
      "JOIN unnest($1::int8[], $2::int8[]) AS wanted (account_id, device_id) "
      "ON d.account_id = wanted.account_id AND d.device_id = wanted.device_id "
      "ORDER BY d.account_id, d.device_id FOR NO KEY UPDATE OF d",
      Params().integers(accounts).integers(ids));
  if (!rows.ok()) return fail(rows.error());
  for (int row = 0; row < rows->size(); ++row) {
    const std::int64_t depth = rows->integer_or_zero(row, 2);
    if (depth < 0) return fail(StorageError::kCorrupt);
    locked.push_back(LockedDevice{DeviceAddress{static_cast<AccountId>(rows->integer_or_zero(row, 0)),
                                                static_cast<DeviceId>(rows->integer_or_zero(row, 1))},
                                  depth});
  }
  return locked;
}

Result<bool, StorageError> device_exists(Connection& connection, DeviceAddress address) {
  auto rows = connection.run("SELECT 1 FROM devices WHERE account_id = $1 AND device_id = $2 FOR KEY SHARE",
                             Params().integer(address.account).integer(address.device));
  if (!rows.ok()) return fail(rows.error());
  return !rows->empty();
}

}  // namespace postgres

Result<std::unique_ptr<Storage>, StorageError> open_postgres_storage(const PostgresOptions& options) {
  auto database = postgres::Database::open(options);
  if (!database.ok()) return fail(database.error());
  return std::unique_ptr<Storage>(std::make_unique<postgres::PostgresStorage>(std::move(*database)));
}

}  // namespace hush::storage
