// The `contacts`, `identity_changes` and `held_envelopes` tables. Verified key lists, link
// fingerprints, new identity keys and held ciphertexts are sealed to their row: a swapped value
// would be a silent change of whom the user trusts.
#include "contact_table.hpp"

#include <algorithm>

#include "hush/client/contact_link/contact_link.hpp"
#include "hush/client/store/limits.hpp"
#include "hush/client/store/row_name.hpp"
#include "hush/wire/content_codec.hpp"
#include "message_table.hpp"

namespace hush::client::detail {

namespace {

constexpr std::size_t kKeySize = crypto::kSerializedPublicKeySize;
constexpr std::size_t kDeviceEntrySize = 4 + kKeySize;

RowName contact_row(std::string_view column, std::string_view name) {
  RowName row("contacts");
  row.add(column).add(name);
  return row;
}

RowName change_row(std::string_view name, std::uint32_t device_id) {
  RowName row("identity_changes");
  row.add(name).add(device_id);
  return row;
}

RowName held_row(std::string_view sender, std::uint32_t device, ByteView message_id) {
  RowName row("held_envelopes");
  row.add(sender).add(device).add(message_id);
  return row;
}

Bytes encode_identities(const DeviceIdentities& identities) {
  Bytes out;
  out.reserve(identities.size() * kDeviceEntrySize);
  for (const auto& [device, key] : identities) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(device >> shift));
    const auto serialized = key.serialize();
    out.insert(out.end(), serialized.begin(), serialized.end());
  }
  return out;
}

Result<DeviceIdentities, StoreError> decode_identities(ByteView bytes) {
  if (bytes.size() % kDeviceEntrySize != 0) return fail(StoreError::kCorrupt);
  DeviceIdentities identities;
  for (std::size_t at = 0; at < bytes.size(); at += kDeviceEntrySize) {
    std::uint32_t device = 0;
    for (std::size_t i = 0; i < 4; ++i) device = (device << 8) | bytes[at + i];
    auto key = crypto::PublicKey::deserialize(bytes.subspan(at + 4, kKeySize));
    if (!key.ok()) return fail(StoreError::kCorrupt);
    identities.emplace_back(device, *key);
  }
  return identities;
}

// One sealed nullable column of a contact, opened.
Result<std::optional<crypto::SecretBytes>, StoreError> contact_column(StoreTransaction& transaction,
                                                                      const std::string& name, std::string_view column,
                                                                      std::size_t max_size) {
  std::optional<crypto::SecretBytes> value;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT " + std::string(column) + " FROM contacts WHERE name = ?1");
    select.bind(1, as_bytes(name));
    auto row = select.step();
    if (!row.ok()) return fail(row.error());
    if (!*row || select.column_is_null(0)) return {};
    auto opened = transaction.open(contact_row(column, name), select.column_view(0), max_size);
    if (!opened.ok()) return fail(opened.error());
    value = std::move(*opened);
    return {};
  });
  if (!ran.ok()) return fail(ran.error());
  return value;
}

Result<void, StoreError> set_contact_column(StoreTransaction& transaction, const std::string& name,
                                            std::string_view column, const std::optional<Bytes>& plaintext) {
  std::optional<Bytes> sealed;
  if (plaintext) sealed = transaction.seal(contact_row(column, name), *plaintext);
  return transaction.run([&](StoreConnection& db) {
    auto update = db.prepare("UPDATE contacts SET " + std::string(column) + " = ?2 WHERE name = ?1");
    update.bind(1, as_bytes(name));
    if (sealed) {
      update.bind(2, ByteView(*sealed));
    } else {
      update.bind_null(2);
    }
    return update.run();
  });
}

}  // namespace

bool fingerprint_matches(const crypto::Sha256Digest& fingerprint, const protocol::IdentityKey& identity) {
  return crypto::constant_time_equal(identity_fingerprint(identity), fingerprint);
}

Result<void, StoreError> touch_contact(StoreTransaction& transaction, const std::string& name, std::uint64_t now_ms) {
  if (name.size() > kMaxAddressNameSize) return fail(StoreError::kTooLarge);
  return transaction.run([&](StoreConnection& db) {
    return db.prepare("INSERT OR IGNORE INTO contacts (name, added_ms) VALUES (?1, ?2)")
        .bind(1, as_bytes(name))
        .bind(2, static_cast<std::int64_t>(now_ms))
        .run();
  });
}

Result<void, StoreError> set_expire_timer(StoreTransaction& transaction, const std::string& name, std::uint32_t seconds,
                                          std::uint64_t now_ms) {
  HUSH_TRY(touch_contact(transaction, name, now_ms));
  return transaction.run([&](StoreConnection& db) {
    return db.prepare("UPDATE contacts SET expire_timer = ?2 WHERE name = ?1")
        .bind(1, as_bytes(name))
        .bind(2, std::int64_t{seconds})
        .run();
  });
}

Result<std::uint32_t, StoreError> expire_timer(StoreTransaction& transaction, const std::string& name) {
  std::uint32_t seconds = 0;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT expire_timer FROM contacts WHERE name = ?1");
    auto row = select.bind(1, as_bytes(name)).step();
    if (!row.ok()) return fail(row.error());
    if (!*row) return {};
    const std::int64_t stored = select.column_int(0);
    if (stored < 0 || stored > std::int64_t{wire::kMaxExpireTimerSeconds}) return fail(StoreError::kCorrupt);
    seconds = static_cast<std::uint32_t>(stored);
    return {};
  });
  if (!ran.ok()) return fail(ran.error());
  return seconds;
}

Result<bool, StoreError> is_contact(StoreTransaction& transaction, const std::string& name) {
  bool found = false;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT 1 FROM contacts WHERE name = ?1");
    auto row = select.bind(1, as_bytes(name)).step();
    if (!row.ok()) return fail(row.error());
    found = *row;
    return {};
  });
  if (!ran.ok()) return fail(ran.error());
  return found;
}

Result<std::vector<Contact>, StoreError> list_contacts(StoreTransaction& transaction, ClientStore& store) {
  std::vector<Contact> contacts;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare(
        "SELECT c.name, c.added_ms, c.link_fingerprint IS NOT NULL, EXISTS (SELECT 1 FROM identity_changes i WHERE "
        "i.name = c.name), c.expire_timer FROM contacts c ORDER BY c.name");
    while (true) {
      auto row = select.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) return {};
      if (select.column_size(0) > kMaxAddressNameSize) return fail(StoreError::kCorrupt);
      Contact contact;
      contact.name = select.column_text(0);
      contact.added_ms = static_cast<std::uint64_t>(select.column_int(1));
      contact.awaiting_link_check = select.column_int(2) != 0;
      contact.identity_changed = select.column_int(3) != 0;
      const std::int64_t timer = select.column_int(4);
      if (timer < 0 || timer > std::int64_t{wire::kMaxExpireTimerSeconds}) return fail(StoreError::kCorrupt);
      contact.expire_timer_seconds = static_cast<std::uint32_t>(timer);
      contacts.push_back(std::move(contact));
    }
  });
  if (!ran.ok()) return fail(ran.error());
  for (Contact& contact : contacts) {
    auto verified = verified_identities(transaction, contact.name);
    if (!verified.ok()) return fail(verified.error());
    if (!*verified) continue;
    auto current = device_identities(transaction, store, contact.name);
    if (!current.ok()) return fail(current.error());
    contact.verified = !contact.identity_changed && !current->empty() && **verified == *current;
  }
  return contacts;
}

Result<DeviceIdentities, StoreError> device_identities(StoreTransaction& transaction, ClientStore& store,
                                                       const std::string& name) {
  auto devices = stored_devices(transaction, "identities", name);
  if (!devices.ok()) return fail(devices.error());
  DeviceIdentities identities;
  for (const std::uint32_t device : *devices) {
    auto key = store.identities().identity(protocol::ProtocolAddress{name, device});
    if (auto failure = transaction.failure()) return fail(*failure);
    if (key) identities.emplace_back(device, *key);
  }
  return identities;
}

Result<void, StoreError> set_verified(StoreTransaction& transaction, const std::string& name,
                                      const std::optional<DeviceIdentities>& identities) {
  if (identities && identities->size() > kMaxVerifiedDevices) return fail(StoreError::kTooLarge);
  return set_contact_column(transaction, name, "verified",
                            identities ? std::optional<Bytes>(encode_identities(*identities)) : std::nullopt);
}

Result<std::optional<DeviceIdentities>, StoreError> verified_identities(StoreTransaction& transaction,
                                                                        const std::string& name) {
  auto column = contact_column(transaction, name, "verified", kMaxVerifiedDevices * kDeviceEntrySize);
  if (!column.ok()) return fail(column.error());
  if (!*column) return std::optional<DeviceIdentities>();
  auto decoded = decode_identities((*column)->view());
  if (!decoded.ok()) return fail(decoded.error());
  return std::optional<DeviceIdentities>(std::move(*decoded));
}

Result<void, StoreError> set_link_fingerprint(StoreTransaction& transaction, const std::string& name,
                                              const std::optional<crypto::Sha256Digest>& fingerprint) {
  return set_contact_column(
      transaction, name, "link_fingerprint",
      fingerprint ? std::optional<Bytes>(Bytes(fingerprint->begin(), fingerprint->end())) : std::nullopt);
}

Result<std::optional<crypto::Sha256Digest>, StoreError> link_fingerprint(StoreTransaction& transaction,
                                                                         const std::string& name) {
  auto column = contact_column(transaction, name, "link_fingerprint", crypto::Sha256Digest{}.size());
  if (!column.ok()) return fail(column.error());
  if (!*column) return std::optional<crypto::Sha256Digest>();
  crypto::Sha256Digest digest{};
  if ((*column)->view().size() != digest.size()) return fail(StoreError::kCorrupt);
  std::copy((*column)->view().begin(), (*column)->view().end(), digest.begin());
  return std::optional<crypto::Sha256Digest>(digest);
}

Result<void, StoreError> record_identity_change(StoreTransaction& transaction, const std::string& name,
                                                std::uint32_t device_id, const protocol::IdentityKey& key,
                                                std::uint64_t now_ms) {
  const auto serialized = key.serialize();
  const Bytes sealed = transaction.seal(change_row(name, device_id), ByteView(serialized));
  return transaction.run([&](StoreConnection& db) {
    return db
        .prepare(
            "INSERT INTO identity_changes (name, device_id, seen_ms, record) VALUES (?1, ?2, ?3, ?4) ON CONFLICT "
            "(name, device_id) DO UPDATE SET seen_ms = excluded.seen_ms, record = excluded.record")
        .bind(1, as_bytes(name))
        .bind(2, std::int64_t{device_id})
        .bind(3, static_cast<std::int64_t>(now_ms))
        .bind(4, ByteView(sealed))
        .run();
  });
}

Result<DeviceIdentities, StoreError> identity_changes(StoreTransaction& transaction, const std::string& name) {
  DeviceIdentities changes;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT device_id, record FROM identity_changes WHERE name = ?1 ORDER BY device_id");
    select.bind(1, as_bytes(name));
    while (true) {
      auto row = select.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) return {};
      auto device = device_id_column(select, 0);
      if (!device.ok()) return fail(device.error());
      auto opened = transaction.open(change_row(name, *device), select.column_view(1), kKeySize);
      if (!opened.ok()) return fail(opened.error());
      auto key = crypto::PublicKey::deserialize(opened->view());
      if (!key.ok()) return fail(StoreError::kCorrupt);
      changes.emplace_back(*device, *key);
    }
  });
  if (!ran.ok()) return fail(ran.error());
  return changes;
}

Result<void, StoreError> clear_identity_changes(StoreTransaction& transaction, const std::string& name) {
  return transaction.run([&](StoreConnection& db) {
    return db.prepare("DELETE FROM identity_changes WHERE name = ?1").bind(1, as_bytes(name)).run();
  });
}

Result<void, StoreError> hold_envelope(StoreTransaction& transaction, const HeldEnvelope& envelope) {
  if (envelope.content.size() > kMaxHeldContent) return fail(StoreError::kTooLarge);
  const Bytes sealed =
      transaction.seal(held_row(envelope.sender, envelope.sender_device, envelope.message_id), envelope.content);
  return transaction.run([&](StoreConnection& db) {
    return db
        .prepare(
            "INSERT INTO held_envelopes (sender, sender_device, message_id, type, server_time_ms, record) VALUES (?1, "
            "?2, ?3, ?4, ?5, ?6)")
        .bind(1, as_bytes(envelope.sender))
        .bind(2, std::int64_t{envelope.sender_device})
        .bind(3, ByteView(envelope.message_id))
        .bind(4, std::int64_t{envelope.type})
        .bind(5, static_cast<std::int64_t>(envelope.server_time_ms))
        .bind(6, ByteView(sealed))
        .run();
  });
}

Result<std::vector<HeldEnvelope>, StoreError> held_envelopes(StoreTransaction& transaction, const std::string& sender) {
  std::vector<HeldEnvelope> held;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare(
        "SELECT sequence, sender_device, message_id, type, server_time_ms, record FROM held_envelopes WHERE sender = "
        "?1 ORDER BY sequence");
    select.bind(1, as_bytes(sender));
    while (true) {
      auto row = select.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) return {};
      if (select.column_size(2) != wire::kMessageIdSize) return fail(StoreError::kCorrupt);
      HeldEnvelope envelope;
      envelope.sequence = select.column_int(0);
      envelope.sender = sender;
      envelope.sender_device = static_cast<std::uint32_t>(select.column_int(1));
      envelope.message_id = select.column_blob(2);
      envelope.type = static_cast<std::uint32_t>(select.column_int(3));
      envelope.server_time_ms = static_cast<std::uint64_t>(select.column_int(4));
      auto content = transaction.open(held_row(sender, envelope.sender_device, envelope.message_id),
                                      select.column_view(5), kMaxHeldContent);
      if (!content.ok()) return fail(content.error());
      envelope.content.assign(content->view().begin(), content->view().end());
      held.push_back(std::move(envelope));
    }
  });
  if (!ran.ok()) return fail(ran.error());
  return held;
}

Result<void, StoreError> release_held(StoreTransaction& transaction, std::int64_t sequence) {
  return transaction.run([&](StoreConnection& db) {
    return db.prepare("DELETE FROM held_envelopes WHERE sequence = ?1").bind(1, sequence).run();
  });
}

}  // namespace hush::client::detail
