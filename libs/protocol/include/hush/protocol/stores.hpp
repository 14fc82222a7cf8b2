// The storage the protocol needs, as five small interfaces. The protocol reads state, computes,
// and writes back only when the whole operation succeeded; implementations decide durability
// (memory_stores.hpp for tests and benchmarks; the client's SQLite store for real devices).
// Implementations must return copies: the protocol mutates what it loads before deciding.
#pragma once

#include <cstdint>
#include <optional>

#include "hush/protocol/address.hpp"
#include "hush/protocol/keys.hpp"
#include "hush/protocol/sender_keys.hpp"
#include "hush/protocol/session_state.hpp"

namespace hush::protocol {

enum class Direction { kSending, kReceiving };

class IdentityKeyStore {
 public:
  virtual ~IdentityKeyStore() = default;
  virtual const IdentityKeyPair& identity_key_pair() const = 0;
  virtual std::uint32_t local_registration_id() const = 0;
  // Trust on first use: an address never seen is trusted; a known address is trusted only with
  // the key saved for it. A changed key stays untrusted until the user approves it by calling
  // save_identity with the new key.
  virtual bool is_trusted_identity(const ProtocolAddress& address, const IdentityKey& key,
                                   Direction direction) const = 0;
  // Records `key` for `address`; returns true when it replaced a different key.
  virtual bool save_identity(const ProtocolAddress& address, const IdentityKey& key) = 0;
  virtual std::optional<IdentityKey> identity(const ProtocolAddress& address) const = 0;
};

class PreKeyStore {
 public:
  virtual ~PreKeyStore() = default;
  virtual std::optional<PreKeyRecord> load_prekey(std::uint32_t id) const = 0;
  virtual void store_prekey(const PreKeyRecord& record) = 0;
  virtual void remove_prekey(std::uint32_t id) = 0;
};

class SignedPreKeyStore {
 public:
  virtual ~SignedPreKeyStore() = default;
  virtual std::optional<SignedPreKeyRecord> load_signed_prekey(std::uint32_t id) const = 0;
  virtual void store_signed_prekey(const SignedPreKeyRecord& record) = 0;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  virtual std::optional<SessionRecord> load_session(const ProtocolAddress& address) const = 0;
  virtual void store_session(const ProtocolAddress& address, const SessionRecord& record) = 0;
};

class SenderKeyStore {
 public:
  virtual ~SenderKeyStore() = default;
  virtual std::optional<SenderKeyRecord> load_sender_key(const SenderKeyName& name) const = 0;
  virtual void store_sender_key(const SenderKeyName& name, const SenderKeyRecord& record) = 0;
};

// The stores one device's pairwise sessions use, passed together.
struct ProtocolStores {
  IdentityKeyStore& identities;
  PreKeyStore& prekeys;
  SignedPreKeyStore& signed_prekeys;
  SessionStore& sessions;
};

}  // namespace hush::protocol
