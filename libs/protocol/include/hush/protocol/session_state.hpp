// Session state and session records: what one device remembers about a Double Ratchet session
// with one peer device, and the archive of previous sessions with that device. The in-memory
// form holds secrets in self-wiping types; serialize() writes libs/wire storage.proto.
// Does not own: the ratchet's arithmetic (ratchet.hpp) or decryption policy (session_cipher).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/secret.hpp"
#include "hush/protocol/error.hpp"
#include "hush/protocol/keys.hpp"
#include "hush/protocol/ratchet.hpp"

namespace hush::protocol {

// Bumped whenever storage.proto's SessionRecord changes meaning.
inline constexpr std::uint32_t kSessionRecordFormatVersion = 1;

struct SenderChain {
  crypto::KeyPair ratchet_key;
  ChainKey chain_key;
};

struct ReceiverChain {
  crypto::PublicKey ratchet_key;
  ChainKey chain_key;
  std::vector<MessageKeys> skipped;  // keys of messages not yet received, oldest first
};

// Set on the initiator's side until the first reply arrives: every message goes out as a
// PreKeySignalMessage carrying these, so the responder can build the session from any of them.
struct PendingPreKey {
  std::optional<std::uint32_t> prekey_id;
  std::uint32_t signed_prekey_id = 0;
  crypto::PublicKey base_key;
};

struct SessionState {
  std::uint32_t version = 3;
  IdentityKey local_identity;
  IdentityKey remote_identity;
  RootKey root_key;
  std::uint32_t previous_counter = 0;
  std::optional<SenderChain> sender_chain;
  // Set when the peer has ratcheted and we have not sent since: root_key already includes the
  // receiving step, and the next encrypt makes our new ratchet key and sending chain. Deferring
  // that half of the DH ratchet step to the first send saves a key generation and an agreement
  // for every peer ratchet we only read, and keeps the new private key alive for less time. The
  // messages on the wire are the same as when the step is done on receipt.
  bool sending_ratchet_pending = false;
  std::vector<ReceiverChain> receiver_chains;  // newest first, at most kMaxReceiverChains
  std::optional<PendingPreKey> pending_prekey;
  std::uint32_t remote_registration_id = 0;
  std::uint32_t local_registration_id = 0;
  crypto::PublicKey alice_base_key;

  ReceiverChain* find_receiver_chain(const crypto::PublicKey& ratchet_key);
  // Adds a chain as the newest; drops the oldest beyond kMaxReceiverChains.
  void add_receiver_chain(ReceiverChain chain);
};

class SessionRecord {
 public:
  bool has_current() const { return current_.has_value(); }
  SessionState* current() { return current_ ? &*current_ : nullptr; }
  const SessionState* current() const { return current_ ? &*current_ : nullptr; }
  std::vector<SessionState>& previous() { return previous_; }
  const std::vector<SessionState>& previous() const { return previous_; }

  // True when the current or an archived state was built from this base key (the responder
  // has already processed a PreKeySignalMessage of this session).
  bool has_session_state(std::uint32_t version, const crypto::PublicKey& alice_base_key) const;

  // Makes `state` current, archiving the old current state (oldest archived dropped beyond
  // kMaxArchivedStates).
  void promote_state(SessionState state);
  // Moves archived state `index` back to current, archiving the current one.
  void promote_previous(std::size_t index);

  crypto::SecretBytes serialize() const;
  static Result<SessionRecord, ProtocolError> deserialize(ByteView serialized);

 private:
  std::optional<SessionState> current_;
  std::vector<SessionState> previous_;
};

}  // namespace hush::protocol
