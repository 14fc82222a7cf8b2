// Session records and sender-key records: the protocol's own storage format (libs/wire
// storage.proto), sealed, bounded by StoreOptions::max_record_size both ways.
#include "hush/client/store/limits.hpp"
#include "protocol_stores.hpp"

namespace hush::client::detail {
namespace {

// Opens and parses a sealed record; kCorrupt when it does not open or parse.
template <class Record>
Result<std::optional<Record>, StoreError> parse_record(const StoreState& state, const RowName& row, ByteView sealed) {
  auto plaintext = state.open(row, sealed, state.options().max_record_size);
  if (!plaintext.ok()) return fail(plaintext.error());
  auto record = Record::deserialize(plaintext->view());
  if (!record.ok()) return fail(StoreError::kCorrupt);
  return std::optional<Record>(std::move(*record));
}

// The sealed form of a record, or kTooLarge beyond the store's record limit.
template <class Record>
Result<Bytes, StoreError> seal_record(StoreState& state, const RowName& row, const Record& record) {
  const crypto::SecretBytes serialized = record.serialize();
  if (serialized.size() > state.options().max_record_size) return fail(StoreError::kTooLarge);
  return state.seal(row, serialized.view());
}

}  // namespace

std::optional<protocol::SessionRecord> SqliteSessionStore::load_session(
    const protocol::ProtocolAddress& address) const {
  using Found = std::optional<protocol::SessionRecord>;
  return state_.read<protocol::SessionRecord>([&](StoreConnection& connection) -> Result<Found, StoreError> {
    if (address.name.size() > kMaxAddressNameSize) return Found();
    StoreStatement select = connection.prepare("SELECT record FROM sessions WHERE name = ?1 AND device_id = ?2");
    auto found = select.bind(1, as_bytes(address.name)).bind(2, std::int64_t{address.device_id}).step();
    if (!found.ok()) return fail(found.error());
    if (!*found) return Found();
    return parse_record<protocol::SessionRecord>(state_, session_row(address), select.column_view(0));
  });
}

void SqliteSessionStore::store_session(const protocol::ProtocolAddress& address,
                                       const protocol::SessionRecord& record) {
  state_.write([&](StoreConnection& connection) -> Result<void, StoreError> {
    if (address.name.size() > kMaxAddressNameSize) return fail(StoreError::kTooLarge);
    auto sealed = seal_record(state_, session_row(address), record);
    if (!sealed.ok()) return fail(sealed.error());
    return connection
        .prepare(
            "INSERT INTO sessions (name, device_id, record) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (name, device_id) DO UPDATE SET record = excluded.record")
        .bind(1, as_bytes(address.name))
        .bind(2, std::int64_t{address.device_id})
        .bind(3, ByteView(*sealed))
        .run();
  });
}

std::optional<protocol::SenderKeyRecord> SqliteSenderKeyStore::load_sender_key(
    const protocol::SenderKeyName& name) const {
  using Found = std::optional<protocol::SenderKeyRecord>;
  return state_.read<protocol::SenderKeyRecord>([&](StoreConnection& connection) -> Result<Found, StoreError> {
    if (name.group_id.size() > kMaxGroupIdSize || name.sender.name.size() > kMaxAddressNameSize) return Found();
    StoreStatement select = connection.prepare(
        "SELECT record FROM sender_keys WHERE group_id = ?1 AND sender_name = ?2 AND sender_device = ?3");
    auto found = select.bind(1, ByteView(name.group_id))
                     .bind(2, as_bytes(name.sender.name))
                     .bind(3, std::int64_t{name.sender.device_id})
                     .step();
    if (!found.ok()) return fail(found.error());
    if (!*found) return Found();
    return parse_record<protocol::SenderKeyRecord>(state_, sender_key_row(name), select.column_view(0));
  });
}

void SqliteSenderKeyStore::store_sender_key(const protocol::SenderKeyName& name,
                                            const protocol::SenderKeyRecord& record) {
  state_.write([&](StoreConnection& connection) -> Result<void, StoreError> {
    if (name.group_id.size() > kMaxGroupIdSize || name.sender.name.size() > kMaxAddressNameSize) {
      return fail(StoreError::kTooLarge);
    }
    auto sealed = seal_record(state_, sender_key_row(name), record);
    if (!sealed.ok()) return fail(sealed.error());
    return connection
        .prepare(
            "INSERT INTO sender_keys (group_id, sender_name, sender_device, record) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT (group_id, sender_name, sender_device) DO UPDATE SET record = excluded.record")
        .bind(1, ByteView(name.group_id))
        .bind(2, as_bytes(name.sender.name))
        .bind(3, std::int64_t{name.sender.device_id})
        .bind(4, ByteView(*sealed))
        .run();
  });
}

}  // namespace hush::client::detail
