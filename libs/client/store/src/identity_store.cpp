// Remote identity keys (trust on first use) and the names of every sealed row. A remote key is not
// secret, but it is sealed like the rest: swapping the key trusted for a contact in the file would
// be a silent man-in-the-middle. (Deleting the row is not detected this way: the next key is then
// trusted on first use, as after a reinstall.)
#include "hush/client/store/limits.hpp"
#include "protocol_stores.hpp"

namespace hush::client::detail {
namespace {

std::int64_t device_column(const protocol::ProtocolAddress& address) {
  return std::int64_t{address.device_id};
}

// The stored key, or nullopt when none is. A name over kMaxAddressNameSize cannot have been stored.
Result<std::optional<protocol::IdentityKey>, StoreError> load_identity(StoreState& state, StoreConnection& connection,
                                                                       const protocol::ProtocolAddress& address) {
  using Found = std::optional<protocol::IdentityKey>;
  if (address.name.size() > kMaxAddressNameSize) return Found();
  StoreStatement select = connection.prepare("SELECT record FROM identities WHERE name = ?1 AND device_id = ?2");
  auto row = select.bind(1, as_bytes(address.name)).bind(2, device_column(address)).step();
  if (!row.ok()) return fail(row.error());
  if (!*row) return Found();
  auto plaintext = state.open(identity_row(address), select.column_view(0), kRemoteIdentitySize);
  if (!plaintext.ok()) return fail(plaintext.error());
  auto key = decode_remote_identity(plaintext->view());
  if (!key.ok()) return fail(key.error());
  return Found(*key);
}

}  // namespace

RowName identity_row(const protocol::ProtocolAddress& address) {
  RowName name("identities");
  name.add(std::string_view(address.name)).add(address.device_id);
  return name;
}

RowName prekey_row(std::uint32_t id) {
  RowName name("prekeys");
  name.add(id);
  return name;
}

RowName signed_prekey_row(std::uint32_t id) {
  RowName name("signed_prekeys");
  name.add(id);
  return name;
}

RowName session_row(const protocol::ProtocolAddress& address) {
  RowName name("sessions");
  name.add(std::string_view(address.name)).add(address.device_id);
  return name;
}

RowName sender_key_row(const protocol::SenderKeyName& sender) {
  RowName name("sender_keys");
  name.add(ByteView(sender.group_id)).add(std::string_view(sender.sender.name)).add(sender.sender.device_id);
  return name;
}

RowName local_identity_row() {
  return RowName("local_identity");
}

bool SqliteIdentityKeyStore::is_trusted_identity(const protocol::ProtocolAddress& address,
                                                 const protocol::IdentityKey& key, protocol::Direction) const {
  auto known = state_.read<protocol::IdentityKey>(
      [&](StoreConnection& connection) { return load_identity(state_, connection, address); });
  if (state_.failure()) return false;
  return !known || *known == key;
}

bool SqliteIdentityKeyStore::save_identity(const protocol::ProtocolAddress& address, const protocol::IdentityKey& key) {
  auto known = state_.read<protocol::IdentityKey>(
      [&](StoreConnection& connection) { return load_identity(state_, connection, address); });
  if (state_.failure()) return false;
  if (known && *known == key) return false;
  state_.write([&](StoreConnection& connection) -> Result<void, StoreError> {
    if (address.name.size() > kMaxAddressNameSize) return fail(StoreError::kTooLarge);
    const Bytes sealed = state_.seal(identity_row(address), encode_remote_identity(key));
    return connection
        .prepare(
            "INSERT INTO identities (name, device_id, record) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (name, device_id) DO UPDATE SET record = excluded.record")
        .bind(1, as_bytes(address.name))
        .bind(2, device_column(address))
        .bind(3, ByteView(sealed))
        .run();
  });
  return known.has_value();
}

std::optional<protocol::IdentityKey> SqliteIdentityKeyStore::identity(const protocol::ProtocolAddress& address) const {
  return state_.read<protocol::IdentityKey>(
      [&](StoreConnection& connection) { return load_identity(state_, connection, address); });
}

}  // namespace hush::client::detail
