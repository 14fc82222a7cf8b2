// The data key and the row that protects it: creation under a passphrase or key file, unsealing
// with the error a person can act on, and the store_key row's bounded decoding.
#include "store_key.hpp"

#include <type_traits>
#include <variant>

#include "hush/client/store/limits.hpp"
#include "key_file.hpp"
#include "record_cipher.hpp"

namespace hush::client::detail {
namespace {

// A sealed data key: exactly the key's size once opened.
constexpr std::size_t kWrappedKeySize = crypto::kAeadKeySize + kSealedRowOverhead;

RowName store_key_row_name(UnlockMethod method) {
  RowName name("store_key");
  name.add(static_cast<std::uint32_t>(method));
  return name;
}

UnlockMethod method_of(const Unlock& unlock) {
  return std::holds_alternative<Passphrase>(unlock) ? UnlockMethod::kPassphrase : UnlockMethod::kKeyFile;
}

bool kdf_in_bounds(const crypto::Argon2idParameters& kdf) {
  return kdf.operations >= kMinKdfOperations && kdf.operations <= kMaxKdfOperations &&
         kdf.memory_bytes >= kMinKdfMemory && kdf.memory_bytes <= kMaxKdfMemory;
}

Result<void, StoreError> check_passphrase(const Passphrase& passphrase) {
  if (passphrase.bytes.empty() || passphrase.bytes.size() > kMaxPassphraseSize) {
    return fail(StoreError::kInvalidArgument);
  }
  return {};
}

// The key that seals the data key.
Result<crypto::AeadKey, StoreError> unlock_key(const Unlock& unlock, ByteView salt,
                                               const crypto::Argon2idParameters& kdf) {
  if (const auto* key_file = std::get_if<KeyFile>(&unlock)) return read_key_file(key_file->path);
  const auto& passphrase = std::get<Passphrase>(unlock);
  HUSH_TRY(check_passphrase(passphrase));
  auto derived = crypto::argon2id(passphrase.bytes.view(), salt, kdf, crypto::kAeadKeySize);
  if (!derived.ok()) {
    // Bounds were checked before; what remains is memory the system would not give.
    return fail(derived.error() == crypto::CryptoError::kOutOfMemory ? StoreError::kIo : StoreError::kCorrupt);
  }
  crypto::AeadKey key;
  key.assign(derived->view());
  return key;
}

}  // namespace

Result<void, StoreError> check_new_unlock(const Unlock& unlock, const crypto::Argon2idParameters& kdf) {
  if (const auto* passphrase = std::get_if<Passphrase>(&unlock)) {
    if (!kdf_in_bounds(kdf)) return fail(StoreError::kInvalidArgument);
    return check_passphrase(*passphrase);
  }
  auto key = read_key_file(std::get<KeyFile>(unlock).path);
  if (!key.ok()) return fail(key.error());
  return {};
}

Result<NewStoreKey, StoreError> new_store_key(const Unlock& unlock, const crypto::Argon2idParameters& kdf,
                                              crypto::Rng& rng) {
  NewStoreKey created;
  created.row.method = method_of(unlock);
  if (created.row.method == UnlockMethod::kPassphrase) {
    if (!kdf_in_bounds(kdf)) return fail(StoreError::kInvalidArgument);
    created.row.salt.resize(crypto::kArgon2idSaltSize);
    rng.fill(created.row.salt);
    created.row.kdf = kdf;
  }
  auto key = unlock_key(unlock, created.row.salt, created.row.kdf);
  if (!key.ok()) return fail(key.error());
  rng.fill(created.data_key.mutable_view());
  created.row.wrapped_key =
      RecordCipher(*key).seal(store_key_row_name(created.row.method), created.data_key.view(), rng);
  return created;
}

Result<crypto::AeadKey, StoreError> open_store_key(const Unlock& unlock, const StoreKeyRow& row) {
  if (row.method != method_of(unlock)) return fail(StoreError::kWrongUnlockMethod);
  if (row.wrapped_key.size() != kWrappedKeySize) return fail(StoreError::kCorrupt);
  if (row.method == UnlockMethod::kPassphrase &&
      (row.salt.size() != crypto::kArgon2idSaltSize || !kdf_in_bounds(row.kdf))) {
    return fail(StoreError::kCorrupt);
  }
  auto key = unlock_key(unlock, row.salt, row.kdf);
  if (!key.ok()) return fail(key.error());
  // The check value: only the right unlock key authenticates the sealed data key.
  auto opened = RecordCipher(*key).open(store_key_row_name(row.method), row.wrapped_key, crypto::kAeadKeySize);
  if (!opened.ok()) {
    return fail(row.method == UnlockMethod::kPassphrase ? StoreError::kWrongPassphrase : StoreError::kWrongKeyFile);
  }
  crypto::AeadKey data_key;
  if (!data_key.assign(opened->view())) return fail(StoreError::kCorrupt);
  return data_key;
}

Result<void, StoreError> insert_store_key_row(StoreConnection& connection, const StoreKeyRow& row) {
  StoreStatement insert = connection.prepare(
      "INSERT INTO store_key (id, method, salt, kdf_operations, kdf_memory, wrapped_key) "
      "VALUES (1, ?1, ?2, ?3, ?4, ?5)");
  insert.bind(1, std::int64_t{static_cast<std::uint8_t>(row.method)}).bind(5, ByteView(row.wrapped_key));
  if (row.method == UnlockMethod::kPassphrase) {
    insert.bind(2, ByteView(row.salt))
        .bind(3, static_cast<std::int64_t>(row.kdf.operations))
        .bind(4, static_cast<std::int64_t>(row.kdf.memory_bytes));
  } else {
    insert.bind_null(2).bind_null(3).bind_null(4);
  }
  return insert.run();
}

Result<std::optional<StoreKeyRow>, StoreError> read_store_key_row(StoreConnection& connection) {
  StoreStatement select =
      connection.prepare("SELECT method, salt, kdf_operations, kdf_memory, wrapped_key FROM store_key WHERE id = 1");
  auto found = select.step();
  if (!found.ok()) return fail(found.error());
  if (!*found) return std::optional<StoreKeyRow>();
  StoreKeyRow row;
  const std::int64_t method = select.column_int(0);
  if (method == static_cast<std::int64_t>(UnlockMethod::kPassphrase)) {
    row.method = UnlockMethod::kPassphrase;
    const std::int64_t operations = select.column_int(2);
    const std::int64_t memory = select.column_int(3);
    if (select.column_size(1) != crypto::kArgon2idSaltSize || operations <= 0 || memory <= 0 ||
        static_cast<std::uint64_t>(memory) > kMaxKdfMemory) {
      return fail(StoreError::kCorrupt);
    }
    row.salt = select.column_blob(1);
    row.kdf = {static_cast<std::uint64_t>(operations), static_cast<std::size_t>(memory)};
  } else if (method == static_cast<std::int64_t>(UnlockMethod::kKeyFile)) {
    row.method = UnlockMethod::kKeyFile;
  } else {
    return fail(StoreError::kCorrupt);
  }
  if (select.column_size(4) != kWrappedKeySize) return fail(StoreError::kCorrupt);
  row.wrapped_key = select.column_blob(4);
  return std::optional<StoreKeyRow>(std::move(row));
}

}  // namespace hush::client::detail
