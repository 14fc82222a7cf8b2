// One-time prekeys and signed prekeys: fixed-size records (record_codec.hpp), sealed, keyed by id.
#include "protocol_stores.hpp"

namespace hush::client::detail {
namespace {

// The sealed record of row `id` of a prekey table, opened; nullopt when there is no such row.
template <class Record, class Decode>
Result<std::optional<Record>, StoreError> load_fixed(StoreState& state, StoreConnection& connection,
                                                     std::string_view select_sql, const RowName& row, std::uint32_t id,
                                                     std::size_t size, Decode decode) {
  StoreStatement select = connection.prepare(select_sql);
  auto found = select.bind(1, std::int64_t{id}).step();
  if (!found.ok()) return fail(found.error());
  if (!*found) return std::optional<Record>();
  auto plaintext = state.open(row, select.column_view(0), size);
  if (!plaintext.ok()) return fail(plaintext.error());
  auto record = decode(id, plaintext->view());
  if (!record.ok()) return fail(record.error());
  return std::optional<Record>(std::move(*record));
}

}  // namespace

std::optional<protocol::PreKeyRecord> SqlitePreKeyStore::load_prekey(std::uint32_t id) const {
  return state_.read<protocol::PreKeyRecord>([&](StoreConnection& connection) {
    return load_fixed<protocol::PreKeyRecord>(state_, connection, "SELECT record FROM prekeys WHERE id = ?1",
                                              prekey_row(id), id, kPreKeySize, decode_prekey);
  });
}

void SqlitePreKeyStore::store_prekey(const protocol::PreKeyRecord& record) {
  state_.write([&](StoreConnection& connection) {
    const Bytes sealed = state_.seal(prekey_row(record.id), encode_prekey(record).view());
    return connection.prepare("INSERT OR REPLACE INTO prekeys (id, record) VALUES (?1, ?2)")
        .bind(1, std::int64_t{record.id})
        .bind(2, ByteView(sealed))
        .run();
  });
}

void SqlitePreKeyStore::remove_prekey(std::uint32_t id) {
  state_.write([&](StoreConnection& connection) {
    return connection.prepare("DELETE FROM prekeys WHERE id = ?1").bind(1, std::int64_t{id}).run();
  });
}

std::optional<protocol::SignedPreKeyRecord> SqliteSignedPreKeyStore::load_signed_prekey(std::uint32_t id) const {
  return state_.read<protocol::SignedPreKeyRecord>([&](StoreConnection& connection) {
    return load_fixed<protocol::SignedPreKeyRecord>(state_, connection,
                                                    "SELECT record FROM signed_prekeys WHERE id = ?1",
                                                    signed_prekey_row(id), id, kSignedPreKeySize, decode_signed_prekey);
  });
}

void SqliteSignedPreKeyStore::store_signed_prekey(const protocol::SignedPreKeyRecord& record) {
  state_.write([&](StoreConnection& connection) {
    const Bytes sealed = state_.seal(signed_prekey_row(record.id), encode_signed_prekey(record).view());
    return connection.prepare("INSERT OR REPLACE INTO signed_prekeys (id, record) VALUES (?1, ?2)")
        .bind(1, std::int64_t{record.id})
        .bind(2, ByteView(sealed))
        .run();
  });
}

}  // namespace hush::client::detail
