// In-memory implementations of every store interface, for tests, fuzzers, benchmarks and demos.
// Not thread-safe. InMemoryProtocolStore bundles one device's stores.
#pragma once

#include <map>

#include "hush/protocol/stores.hpp"

namespace hush::protocol {

class InMemoryIdentityKeyStore final : public IdentityKeyStore {
 public:
  InMemoryIdentityKeyStore(IdentityKeyPair identity, std::uint32_t registration_id)
      : identity_(std::move(identity)), registration_id_(registration_id) {}
  const IdentityKeyPair& identity_key_pair() const override { return identity_; }
  std::uint32_t local_registration_id() const override { return registration_id_; }
  bool is_trusted_identity(const ProtocolAddress& address, const IdentityKey& key, Direction) const override;
  bool save_identity(const ProtocolAddress& address, const IdentityKey& key) override;
  std::optional<IdentityKey> identity(const ProtocolAddress& address) const override;

 private:
  IdentityKeyPair identity_;
  std::uint32_t registration_id_;
  std::map<ProtocolAddress, IdentityKey> known_;
};

class InMemoryPreKeyStore final : public PreKeyStore {
 public:
  std::optional<PreKeyRecord> load_prekey(std::uint32_t id) const override;
  void store_prekey(const PreKeyRecord& record) override { records_[record.id] = record; }
  void remove_prekey(std::uint32_t id) override { records_.erase(id); }
  std::size_t size() const { return records_.size(); }

 private:
  std::map<std::uint32_t, PreKeyRecord> records_;
};

class InMemorySignedPreKeyStore final : public SignedPreKeyStore {
 public:
  std::optional<SignedPreKeyRecord> load_signed_prekey(std::uint32_t id) const override;
  void store_signed_prekey(const SignedPreKeyRecord& record) override { records_[record.id] = record; }

 private:
  std::map<std::uint32_t, SignedPreKeyRecord> records_;
};

class InMemorySessionStore final : public SessionStore {
 public:
  std::optional<SessionRecord> load_session(const ProtocolAddress& address) const override;
  void store_session(const ProtocolAddress& address, const SessionRecord& record) override {
    records_.insert_or_assign(address, record);
  }

 private:
  std::map<ProtocolAddress, SessionRecord> records_;
};

class InMemorySenderKeyStore final : public SenderKeyStore {
 public:
  std::optional<SenderKeyRecord> load_sender_key(const SenderKeyName& name) const override;
  void store_sender_key(const SenderKeyName& name, const SenderKeyRecord& record) override {
    records_.insert_or_assign(name, record);
  }

 private:
  std::map<SenderKeyName, SenderKeyRecord> records_;
};

// Everything one device stores, in memory.
class InMemoryProtocolStore {
 public:
  InMemoryProtocolStore(IdentityKeyPair identity, std::uint32_t registration_id)
      : identities(std::move(identity), registration_id) {}
  InMemoryProtocolStore(const InMemoryProtocolStore&) = delete;
  InMemoryProtocolStore& operator=(const InMemoryProtocolStore&) = delete;

  ProtocolStores stores() { return {identities, prekeys, signed_prekeys, sessions}; }

  InMemoryIdentityKeyStore identities;
  InMemoryPreKeyStore prekeys;
  InMemorySignedPreKeyStore signed_prekeys;
  InMemorySessionStore sessions;
  InMemorySenderKeyStore sender_keys;
};

}  // namespace hush::protocol
