// The Double Ratchet session cipher: choosing the chain and message key for each message, the
// DH ratchet step, skipped keys, and responder-side X3DH for PreKeySignalMessages.
#include "hush/protocol/session_cipher.hpp"

#include <algorithm>
#include <optional>

#include "hush/crypto/aes_cbc.hpp"
#include "hush/protocol/limits.hpp"
#include "hush/protocol/ratchet.hpp"

namespace hush::protocol {
namespace {

// The receiver chain for `their_ratchet_key`, creating it with the receiving half of a DH
// ratchet step when the peer has ratcheted. The sending half waits for our next encrypt
// (SessionState::sending_ratchet_pending).
Result<ReceiverChain*, ProtocolError> receiver_chain_for(SessionState& state,
                                                         const crypto::PublicKey& their_ratchet_key) {
  if (ReceiverChain* chain = state.find_receiver_chain(their_ratchet_key)) return chain;

  auto receiving = state.root_key.create_chain(their_ratchet_key, state.sender_chain->ratchet_key.private_key);
  if (!receiving) return fail(receiving.error());
  if (!state.sending_ratchet_pending) {
    // As libsignal: previous counter = index of the last message sent on the old chain.
    const std::uint32_t sent = state.sender_chain->chain_key.index;
    state.previous_counter = sent > 0 ? sent - 1 : 0;
    state.sending_ratchet_pending = true;
  }
  state.root_key = std::move(receiving->first);
  state.add_receiver_chain(ReceiverChain{their_ratchet_key, std::move(receiving->second), {}});
  return &state.receiver_chains.front();
}

// The sending half of the DH ratchet step: a fresh ratchet key and a sending chain under the
// peer's newest ratchet key.
Result<void, ProtocolError> complete_sending_ratchet(SessionState& state, crypto::Rng& rng) {
  crypto::KeyPair our_new_ratchet = crypto::KeyPair::generate(rng);
  auto sending = state.root_key.create_chain(state.receiver_chains.front().ratchet_key, our_new_ratchet.private_key);
  if (!sending) return fail(sending.error());
  state.root_key = std::move(sending->first);
  state.sender_chain = SenderChain{std::move(our_new_ratchet), std::move(sending->second)};
  state.sending_ratchet_pending = false;
  return {};
}

// The message keys for `counter`: a stored skipped key, or the chain advanced to it.
Result<MessageKeys, ProtocolError> message_keys_for(ReceiverChain& chain, std::uint32_t counter) {
  if (chain.chain_key.index > counter) {
    auto it = std::find_if(chain.skipped.begin(), chain.skipped.end(),
                           [&](const MessageKeys& keys) { return keys.counter == counter; });
    if (it == chain.skipped.end()) return fail(ProtocolError::kDuplicateMessage);
    MessageKeys keys = std::move(*it);
    chain.skipped.erase(it);
    return keys;
  }
  if (counter - chain.chain_key.index > kMaxForwardJump) return fail(ProtocolError::kTooFarInFuture);
  while (chain.chain_key.index < counter) {
    if (counter - chain.chain_key.index > kMaxMessageKeys) {
      chain.chain_key = chain.chain_key.next();  // its message key would be dropped anyway
      continue;
    }
    auto [keys, next] = chain.chain_key.step();
    chain.skipped.push_back(std::move(keys));
    chain.chain_key = std::move(next);
  }
  if (chain.skipped.size() > kMaxMessageKeys) {
    chain.skipped.erase(chain.skipped.begin(),
                        chain.skipped.begin() + static_cast<std::ptrdiff_t>(chain.skipped.size() - kMaxMessageKeys));
  }
  auto [keys, next] = chain.chain_key.step();
  chain.chain_key = std::move(next);
  return std::move(keys);
}

// Decrypts with one session state, mutating it (the caller passes a copy).
Result<crypto::SecretBytes, ProtocolError> decrypt_with_state(SessionState& state, const SignalMessage& message) {
  if (!state.sender_chain || message.version() != state.version) return fail(ProtocolError::kBadMac);
  auto chain = receiver_chain_for(state, message.ratchet_key());
  if (!chain) return fail(chain.error());
  auto keys = message_keys_for(**chain, message.counter());
  if (!keys) return fail(keys.error());
  if (!message.verify_mac(state.remote_identity, state.local_identity, keys->mac_key)) {
    return fail(ProtocolError::kBadMac);
  }
  auto plaintext = crypto::aes256_cbc_decrypt(keys->cipher_key.view(), keys->iv.view(), message.ciphertext());
  if (!plaintext) return fail(ProtocolError::kInvalidMessage);
  state.pending_prekey.reset();
  return std::move(*plaintext);
}

// Tries the current state, then each archived one (a simultaneous start leaves the peer's
// messages on a state we archived). A bad MAC or a counter out of that state's reach means
// "not this state": the search goes on. Any other error (a duplicate, a low-order key) means the
// state owns the message, and ends the search. With no success, the first such verdict is
// reported, else kBadMac.
Result<crypto::SecretBytes, ProtocolError> decrypt_with_record(SessionRecord& record, const SignalMessage& message) {
  auto not_this_state = [](ProtocolError error) {
    return error == ProtocolError::kBadMac || error == ProtocolError::kTooFarInFuture;
  };
  std::optional<ProtocolError> first_error;
  if (SessionState* current = record.current()) {
    // `record` is the caller's copy, stored only on success: with no archived state to fall
    // back to, the current state can be worked on in place.
    if (record.previous().empty()) return decrypt_with_state(*current, message);
    SessionState attempt = *current;
    auto plaintext = decrypt_with_state(attempt, message);
    if (plaintext) {
      *current = std::move(attempt);
      return plaintext;
    }
    if (!not_this_state(plaintext.error())) return plaintext;
    first_error = plaintext.error();
  }
  for (std::size_t i = 0; i < record.previous().size(); ++i) {
    SessionState attempt = record.previous()[i];
    auto plaintext = decrypt_with_state(attempt, message);
    if (plaintext) {
      record.previous()[i] = std::move(attempt);
      record.promote_previous(i);
      return plaintext;
    }
    if (!not_this_state(plaintext.error())) return plaintext;
    if (!first_error || *first_error == ProtocolError::kBadMac) first_error = plaintext.error();
  }
  return fail(first_error.value_or(ProtocolError::kBadMac));
}

// Responder-side X3DH: adds a session built from `message` to `record` unless one already
// exists for its base key. Returns the one-time prekey id to consume once decryption succeeds.
Result<std::optional<std::uint32_t>, ProtocolError> build_responder_session(ProtocolStores& stores,
                                                                            SessionRecord& record,
                                                                            const PreKeySignalMessage& message) {
  if (record.has_session_state(message.version(), message.base_key())) return std::optional<std::uint32_t>{};

  auto signed_prekey = stores.signed_prekeys.load_signed_prekey(message.signed_prekey_id());
  if (!signed_prekey) return fail(ProtocolError::kInvalidSignedPreKeyId);
  std::optional<PreKeyRecord> one_time_prekey;
  if (message.prekey_id()) {
    one_time_prekey = stores.prekeys.load_prekey(*message.prekey_id());
    if (!one_time_prekey) return fail(ProtocolError::kInvalidPreKeyId);
  }
  auto state =
      initialize_bob_session(BobParameters{stores.identities.identity_key_pair(), signed_prekey->key_pair,
                                           one_time_prekey ? &one_time_prekey->key_pair : nullptr,
                                           signed_prekey->key_pair, message.identity_key(), message.base_key()});
  if (!state) return fail(state.error());
  state->local_registration_id = stores.identities.local_registration_id();
  state->remote_registration_id = message.registration_id();
  state->alice_base_key = message.base_key();
  record.promote_state(std::move(*state));

  if (message.prekey_id() && *message.prekey_id() != kMediumMaxValue) return message.prekey_id();
  return std::optional<std::uint32_t>{};
}

}  // namespace

Result<CiphertextMessage, ProtocolError> encrypt(ProtocolStores& stores, const ProtocolAddress& remote,
                                                 ByteView plaintext, crypto::Rng& rng) {
  auto record = stores.sessions.load_session(remote);
  if (!record || !record->current() || !record->current()->sender_chain) return fail(ProtocolError::kNoSession);
  SessionState& state = *record->current();
  if (!stores.identities.is_trusted_identity(remote, state.remote_identity, Direction::kSending)) {
    return fail(ProtocolError::kUntrustedIdentity);
  }
  if (state.sending_ratchet_pending) HUSH_TRY(complete_sending_ratchet(state, rng));

  SenderChain& sender = *state.sender_chain;
  auto [keys, next] = sender.chain_key.step();
  auto ciphertext = crypto::aes256_cbc_encrypt(keys.cipher_key.view(), keys.iv.view(), plaintext);
  if (!ciphertext) return fail(ProtocolError::kInvalidMessage);
  SignalMessage message =
      SignalMessage::create(sender.ratchet_key.public_key, keys.counter, state.previous_counter, std::move(*ciphertext),
                            keys.mac_key, state.local_identity, state.remote_identity);
  sender.chain_key = std::move(next);

  CiphertextMessage out;
  if (state.pending_prekey) {
    const PendingPreKey& pending = *state.pending_prekey;
    auto prekey_message =
        PreKeySignalMessage::create(state.local_registration_id, pending.prekey_id, pending.signed_prekey_id,
                                    pending.base_key, state.local_identity, std::move(message));
    out = {MessageType::kPreKey, prekey_message.serialized()};
  } else {
    out = {MessageType::kSignal, message.serialized()};
  }
  stores.sessions.store_session(remote, *record);
  return out;
}

Result<crypto::SecretBytes, ProtocolError> decrypt_signal_message(ProtocolStores& stores, const ProtocolAddress& remote,
                                                                  ByteView serialized) {
  auto message = SignalMessage::parse(serialized);
  if (!message) return fail(message.error());
  auto record = stores.sessions.load_session(remote);
  if (!record || (!record->has_current() && record->previous().empty())) return fail(ProtocolError::kNoSession);

  auto plaintext = decrypt_with_record(*record, *message);
  if (!plaintext) return plaintext;
  if (!stores.identities.is_trusted_identity(remote, record->current()->remote_identity, Direction::kReceiving)) {
    return fail(ProtocolError::kUntrustedIdentity);
  }
  stores.sessions.store_session(remote, *record);
  return plaintext;
}

Result<crypto::SecretBytes, ProtocolError> decrypt_prekey_message(ProtocolStores& stores, const ProtocolAddress& remote,
                                                                  ByteView serialized) {
  auto message = PreKeySignalMessage::parse(serialized);
  if (!message) return fail(message.error());
  if (!stores.identities.is_trusted_identity(remote, message->identity_key(), Direction::kReceiving)) {
    return fail(ProtocolError::kUntrustedIdentity);
  }
  SessionRecord record = stores.sessions.load_session(remote).value_or(SessionRecord{});
  auto consumed_prekey = build_responder_session(stores, record, *message);
  if (!consumed_prekey) return fail(consumed_prekey.error());
  auto plaintext = decrypt_with_record(record, message->message());
  if (!plaintext) return plaintext;

  stores.sessions.store_session(remote, record);
  stores.identities.save_identity(remote, message->identity_key());
  if (*consumed_prekey) stores.prekeys.remove_prekey(**consumed_prekey);
  return plaintext;
}

Result<crypto::SecretBytes, ProtocolError> decrypt(ProtocolStores& stores, const ProtocolAddress& remote,
                                                   MessageType type, ByteView serialized) {
  switch (type) {
    case MessageType::kSignal: return decrypt_signal_message(stores, remote, serialized);
    case MessageType::kPreKey: return decrypt_prekey_message(stores, remote, serialized);
    default: return fail(ProtocolError::kInvalidMessage);
  }
}

}  // namespace hush::protocol
