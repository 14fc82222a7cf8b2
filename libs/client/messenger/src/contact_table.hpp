// Internal: the store's `contacts`, `identity_changes` and `held_envelopes` tables (schema version
// 3), secret and trust-bearing columns sealed to their row. All inside a transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/client/messenger/message.hpp"
#include "hush/client/store/client_store.hpp"
#include "hush/client/store/transaction.hpp"
#include "hush/crypto/hash.hpp"
#include "hush/protocol/keys.hpp"

namespace hush::client::detail {

// Largest stored verified-key list: 33-byte keys of up to this many devices.
inline constexpr std::size_t kMaxVerifiedDevices = 256;

// (device id, identity key) of every device of a contact whose identity the store holds.
using DeviceIdentities = std::vector<std::pair<std::uint32_t, protocol::IdentityKey>>;

// True when `identity` hashes to `fingerprint` (a contact link's), compared in constant time.
bool fingerprint_matches(const crypto::Sha256Digest& fingerprint, const protocol::IdentityKey& identity);

// Adds `name` to the contacts unless it is there.
Result<void, StoreError> touch_contact(StoreTransaction& transaction, const std::string& name, std::uint64_t now_ms);
// Every contact, by name, with verified / identity_changed / awaiting_link_check filled in.
Result<std::vector<Contact>, StoreError> list_contacts(StoreTransaction& transaction, ClientStore& store);
Result<bool, StoreError> is_contact(StoreTransaction& transaction, const std::string& name);
// The conversation's disappearing-message timer in seconds (0 = off; 0 for no contact row).
Result<void, StoreError> set_expire_timer(StoreTransaction& transaction, const std::string& name, std::uint32_t seconds,
                                          std::uint64_t now_ms);
Result<std::uint32_t, StoreError> expire_timer(StoreTransaction& transaction, const std::string& name);

// The identities the store holds for `name`'s devices (IdentityKeyStore rows), by device id.
Result<DeviceIdentities, StoreError> device_identities(StoreTransaction& transaction, ClientStore& store,
                                                       const std::string& name);
// Verified: the identities the user compared (nullopt clears it).
Result<void, StoreError> set_verified(StoreTransaction& transaction, const std::string& name,
                                      const std::optional<DeviceIdentities>& identities);
Result<std::optional<DeviceIdentities>, StoreError> verified_identities(StoreTransaction& transaction,
                                                                        const std::string& name);

// The identity fingerprint a contact link named, until a session confirms it (nullopt clears it).
Result<void, StoreError> set_link_fingerprint(StoreTransaction& transaction, const std::string& name,
                                              const std::optional<crypto::Sha256Digest>& fingerprint);
Result<std::optional<crypto::Sha256Digest>, StoreError> link_fingerprint(StoreTransaction& transaction,
                                                                         const std::string& name);

// A new identity key seen for (name, device) that the user has not accepted. A second change for
// the same device replaces the first.
Result<void, StoreError> record_identity_change(StoreTransaction& transaction, const std::string& name,
                                                std::uint32_t device_id, const protocol::IdentityKey& key,
                                                std::uint64_t now_ms);
Result<DeviceIdentities, StoreError> identity_changes(StoreTransaction& transaction, const std::string& name);
Result<void, StoreError> clear_identity_changes(StoreTransaction& transaction, const std::string& name);

// An envelope kept until its sender's identity change is accepted.
struct HeldEnvelope {
  std::int64_t sequence = 0;
  std::string sender;
  std::uint32_t sender_device = 0;
  Bytes message_id;
  std::uint32_t type = 0;
  std::uint64_t server_time_ms = 0;
  Bytes content;
};
// Largest held ciphertext: an envelope is at most a frame.
inline constexpr std::size_t kMaxHeldContent = 64 * 1024;
Result<void, StoreError> hold_envelope(StoreTransaction& transaction, const HeldEnvelope& envelope);
Result<std::vector<HeldEnvelope>, StoreError> held_envelopes(StoreTransaction& transaction, const std::string& sender);
Result<void, StoreError> release_held(StoreTransaction& transaction, std::int64_t sequence);

}  // namespace hush::client::detail
