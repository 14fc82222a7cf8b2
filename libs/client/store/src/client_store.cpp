// Creating and opening a client store: the home folder, the database file and its pragmas, the
// schema, the key hierarchy (store_key.hpp), the device's identity, and the five protocol stores.
#include "hush/client/store/client_store.hpp"

#include <sys/stat.h>

#include <system_error>

#include "hush/sqlite/migrations.hpp"
#include "protocol_stores.hpp"
#include "schema.hpp"
#include "store_key.hpp"
#include "store_state.hpp"

namespace hush::client {
namespace detail {

// The five protocol stores over one StoreState, owned by the ClientStore.
struct Stores {
  explicit Stores(StoreState& state)
      : identities(state), prekeys(state), signed_prekeys(state), sessions(state), sender_keys(state) {}
  SqliteIdentityKeyStore identities;
  SqlitePreKeyStore prekeys;
  SqliteSignedPreKeyStore signed_prekeys;
  SqliteSessionStore sessions;
  SqliteSenderKeyStore sender_keys;
};

namespace {

// WAL, so readers never wait for the writer; FULL, so a commit is synced when it returns (the client
// acknowledges a message only after that); secure_delete, so that freed pages (an old sealed record)
// are zeroed in the database file rather than left for whoever later learns the data key.
Result<void, StoreError> configure(StoreConnection& connection) {
  StoreStatement journal = connection.prepare("PRAGMA journal_mode = WAL");
  auto row = journal.step();
  if (!row.ok()) return fail(row.error());
  if (!*row || journal.column_text(0) != "wal") return fail(StoreError::kIo);
  return connection.exec(
      "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA trusted_schema = OFF; "
      "PRAGMA foreign_keys = OFF");
}

Result<void, StoreError> check_options(const StoreOptions& options) {
  if (options.file_name.empty() || options.max_record_size == 0 || options.max_record_size > kMaxStoredRecordSize) {
    return fail(StoreError::kInvalidArgument);
  }
  return {};
}

// Creates `home` readable by its owner only when it does not exist; an existing folder is left as is.
Result<void, StoreError> ensure_home(const std::filesystem::path& home) {
  std::error_code error;
  if (std::filesystem::is_directory(home, error)) return {};
  if (!std::filesystem::create_directories(home, error) || error) return fail(StoreError::kIo);
  if (::chmod(home.c_str(), 0700) != 0) return fail(StoreError::kIo);
  return {};
}

Result<LocalIdentity, StoreError> load_local_identity(StoreConnection& connection, const RecordCipher& cipher) {
  StoreStatement select = connection.prepare("SELECT record FROM local_identity WHERE id = 1");
  auto found = select.step();
  if (!found.ok()) return fail(found.error());
  if (!*found) return fail(StoreError::kCorrupt);  // store_key is written with it, in one transaction
  auto plaintext = cipher.open(local_identity_row(), select.column_view(0), kLocalIdentitySize);
  if (!plaintext.ok()) return fail(plaintext.error());
  return decode_local_identity(plaintext->view());
}

Result<void, StoreError> insert_local_identity(StoreConnection& connection, const RecordCipher& cipher,
                                               const LocalIdentity& identity) {
  crypto::SystemRng rng;
  const Bytes sealed = cipher.seal(local_identity_row(), encode_local_identity(identity).view(), rng);
  return connection.prepare("INSERT INTO local_identity (id, record) VALUES (1, ?1)").bind(1, ByteView(sealed)).run();
}

}  // namespace
}  // namespace detail

Result<std::unique_ptr<ClientStore>, StoreError> ClientStore::create(const std::filesystem::path& home,
                                                                     const Unlock& unlock,
                                                                     const protocol::IdentityKeyPair& identity,
                                                                     std::uint32_t registration_id,
                                                                     const StoreOptions& options) {
  HUSH_TRY(detail::check_options(options));
  HUSH_TRY(detail::check_new_unlock(unlock, options.kdf));
  HUSH_TRY(detail::ensure_home(home));
  const std::filesystem::path path = home / options.file_name;
  auto connection = StoreConnection::open(path, sqlite::OpenMode::kCreatePrivate, options.busy_timeout);
  if (!connection.ok()) return fail(connection.error());
  StoreConnection& database = **connection;
  // Recognise the file before changing anything in it (WAL mode is a change): another program's
  // database is refused as it was found.
  auto version = sqlite::schema_version(database);
  if (!version.ok()) return fail(version.error());
  HUSH_TRY(detail::configure(database));
  HUSH_TRY(sqlite::migrate(database, detail::client_migrations()));
  // Refuse before paying for the key derivation; checked again under the write lock below.
  auto existing = detail::read_store_key_row(database);
  if (!existing.ok()) return fail(existing.error());
  if (existing->has_value()) return fail(StoreError::kAlreadyExists);

  crypto::SystemRng rng;
  auto key = detail::new_store_key(unlock, options.kdf, rng);
  if (!key.ok()) return fail(key.error());
  const detail::RecordCipher cipher(key->data_key);
  detail::LocalIdentity local{identity, registration_id};
  auto written = database.transaction(true, [&]() -> Result<void, StoreError> {
    auto raced = detail::read_store_key_row(database);
    if (!raced.ok()) return fail(raced.error());
    if (raced->has_value()) return fail(StoreError::kAlreadyExists);
    HUSH_TRY(detail::insert_store_key_row(database, key->row));
    return detail::insert_local_identity(database, cipher, local);
  });
  if (!written.ok()) return fail(written.error());
  auto state =
      std::make_unique<detail::StoreState>(path, std::move(*connection), key->data_key, std::move(local), options);
  return std::unique_ptr<ClientStore>(new ClientStore(std::move(state)));
}

Result<std::unique_ptr<ClientStore>, StoreError> ClientStore::open(const std::filesystem::path& home,
                                                                   const Unlock& unlock, const StoreOptions& options) {
  HUSH_TRY(detail::check_options(options));
  const std::filesystem::path path = home / options.file_name;
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return fail(error ? StoreError::kIo : StoreError::kNotFound);
  auto connection = StoreConnection::open(path, sqlite::OpenMode::kReadWrite, options.busy_timeout);
  if (!connection.ok()) return fail(connection.error());
  StoreConnection& database = **connection;
  auto version = sqlite::schema_version(database);
  if (!version.ok()) return fail(version.error());
  // An empty database was never set up: left untouched (setting WAL mode would write to it).
  if (*version == 0) return fail(StoreError::kNotFound);
  HUSH_TRY(detail::configure(database));
  HUSH_TRY(sqlite::migrate(database, detail::client_migrations()));

  auto row = detail::read_store_key_row(database);
  if (!row.ok()) return fail(row.error());
  if (!row->has_value()) return fail(StoreError::kNotFound);
  auto data_key = detail::open_store_key(unlock, **row);
  if (!data_key.ok()) return fail(data_key.error());
  auto identity = detail::load_local_identity(database, detail::RecordCipher(*data_key));
  if (!identity.ok()) return fail(identity.error());
  auto state =
      std::make_unique<detail::StoreState>(path, std::move(*connection), *data_key, std::move(*identity), options);
  return std::unique_ptr<ClientStore>(new ClientStore(std::move(state)));
}

ClientStore::ClientStore(std::unique_ptr<detail::StoreState> state)
    : state_(std::move(state)), stores_(std::make_unique<detail::Stores>(*state_)) {}

ClientStore::~ClientStore() = default;

StoreTransaction ClientStore::transaction() {
  state_->begin();
  return StoreTransaction(*state_);
}

protocol::IdentityKeyStore& ClientStore::identities() {
  return stores_->identities;
}
protocol::PreKeyStore& ClientStore::prekeys() {
  return stores_->prekeys;
}
protocol::SignedPreKeyStore& ClientStore::signed_prekeys() {
  return stores_->signed_prekeys;
}
protocol::SessionStore& ClientStore::sessions() {
  return stores_->sessions;
}
protocol::SenderKeyStore& ClientStore::sender_keys() {
  return stores_->sender_keys;
}

const std::filesystem::path& ClientStore::path() const {
  return state_->path();
}

}  // namespace hush::client
