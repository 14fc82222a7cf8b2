// Internal: the five protocol store interfaces on the client database. Each call is one or two
// statements inside the caller's StoreTransaction (store_state.hpp enforces the contract); every
// record is sealed (record_cipher.hpp) and bound to its row; every stored value is bounded before
// it is opened or parsed.
#pragma once

#include "hush/protocol/stores.hpp"
#include "store_state.hpp"

namespace hush::client::detail {

class SqliteIdentityKeyStore final : public protocol::IdentityKeyStore {
 public:
  explicit SqliteIdentityKeyStore(StoreState& state) : state_(state) {}
  const protocol::IdentityKeyPair& identity_key_pair() const override { return state_.identity().identity; }
  std::uint32_t local_registration_id() const override { return state_.identity().registration_id; }
  // Fails closed: false when the read failed (the transaction is then poisoned).
  bool is_trusted_identity(const protocol::ProtocolAddress& address, const protocol::IdentityKey& key,
                           protocol::Direction direction) const override;
  bool save_identity(const protocol::ProtocolAddress& address, const protocol::IdentityKey& key) override;
  std::optional<protocol::IdentityKey> identity(const protocol::ProtocolAddress& address) const override;

 private:
  StoreState& state_;
};

class SqlitePreKeyStore final : public protocol::PreKeyStore {
 public:
  explicit SqlitePreKeyStore(StoreState& state) : state_(state) {}
  std::optional<protocol::PreKeyRecord> load_prekey(std::uint32_t id) const override;
  void store_prekey(const protocol::PreKeyRecord& record) override;
  void remove_prekey(std::uint32_t id) override;

 private:
  StoreState& state_;
};

class SqliteSignedPreKeyStore final : public protocol::SignedPreKeyStore {
 public:
  explicit SqliteSignedPreKeyStore(StoreState& state) : state_(state) {}
  std::optional<protocol::SignedPreKeyRecord> load_signed_prekey(std::uint32_t id) const override;
  void store_signed_prekey(const protocol::SignedPreKeyRecord& record) override;

 private:
  StoreState& state_;
};

class SqliteSessionStore final : public protocol::SessionStore {
 public:
  explicit SqliteSessionStore(StoreState& state) : state_(state) {}
  std::optional<protocol::SessionRecord> load_session(const protocol::ProtocolAddress& address) const override;
  void store_session(const protocol::ProtocolAddress& address, const protocol::SessionRecord& record) override;

 private:
  StoreState& state_;
};

class SqliteSenderKeyStore final : public protocol::SenderKeyStore {
 public:
  explicit SqliteSenderKeyStore(StoreState& state) : state_(state) {}
  std::optional<protocol::SenderKeyRecord> load_sender_key(const protocol::SenderKeyName& name) const override;
  void store_sender_key(const protocol::SenderKeyName& name, const protocol::SenderKeyRecord& record) override;

 private:
  StoreState& state_;
};

// The names sealed rows are bound to (row_name.hpp), one per table.
RowName identity_row(const protocol::ProtocolAddress& address);
RowName prekey_row(std::uint32_t id);
RowName signed_prekey_row(std::uint32_t id);
RowName session_row(const protocol::ProtocolAddress& address);
RowName sender_key_row(const protocol::SenderKeyName& name);
RowName local_identity_row();

}  // namespace hush::client::detail
