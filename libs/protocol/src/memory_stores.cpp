// In-memory stores.
#include "hush/protocol/memory_stores.hpp"

namespace hush::protocol {

bool InMemoryIdentityKeyStore::is_trusted_identity(const ProtocolAddress& address, const IdentityKey& key,
                                                   Direction) const {
  auto it = known_.find(address);
  return it == known_.end() || it->second == key;
}

bool InMemoryIdentityKeyStore::save_identity(const ProtocolAddress& address, const IdentityKey& key) {
  auto [it, inserted] = known_.try_emplace(address, key);
  if (inserted) return false;
  bool changed = !(it->second == key);
  it->second = key;
  return changed;
}

std::optional<IdentityKey> InMemoryIdentityKeyStore::identity(const ProtocolAddress& address) const {
  auto it = known_.find(address);
  if (it == known_.end()) return std::nullopt;
  return it->second;
}

std::optional<PreKeyRecord> InMemoryPreKeyStore::load_prekey(std::uint32_t id) const {
  auto it = records_.find(id);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

std::optional<SignedPreKeyRecord> InMemorySignedPreKeyStore::load_signed_prekey(std::uint32_t id) const {
  auto it = records_.find(id);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

std::optional<SessionRecord> InMemorySessionStore::load_session(const ProtocolAddress& address) const {
  auto it = records_.find(address);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

std::optional<SenderKeyRecord> InMemorySenderKeyStore::load_sender_key(const SenderKeyName& name) const {
  auto it = records_.find(name);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

}  // namespace hush::protocol
