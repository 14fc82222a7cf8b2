// Session state bookkeeping and the session record's storage format (storage.proto).
#include "hush/protocol/session_state.hpp"

#include <algorithm>

#include "hush/protocol/limits.hpp"
#include "hush/wire/storage.pb.h"
#include "proto_wipe.hpp"

namespace hush::protocol {

namespace pb = hush::wire::storage;

ReceiverChain* SessionState::find_receiver_chain(const crypto::PublicKey& ratchet_key) {
  for (auto& chain : receiver_chains) {
    if (chain.ratchet_key == ratchet_key) return &chain;
  }
  return nullptr;
}

void SessionState::add_receiver_chain(ReceiverChain chain) {
  receiver_chains.insert(receiver_chains.begin(), std::move(chain));
  if (receiver_chains.size() > kMaxReceiverChains) receiver_chains.resize(kMaxReceiverChains);
}

bool SessionRecord::has_session_state(std::uint32_t version, const crypto::PublicKey& alice_base_key) const {
  auto matches = [&](const SessionState& state) {
    return state.version == version && state.alice_base_key == alice_base_key;
  };
  if (current_ && matches(*current_)) return true;
  return std::any_of(previous_.begin(), previous_.end(), matches);
}

void SessionRecord::promote_state(SessionState state) {
  if (current_) {
    previous_.insert(previous_.begin(), std::move(*current_));
    if (previous_.size() > kMaxArchivedStates) previous_.pop_back();
  }
  current_ = std::move(state);
}

void SessionRecord::promote_previous(std::size_t index) {
  SessionState state = std::move(previous_.at(index));
  previous_.erase(previous_.begin() + static_cast<std::ptrdiff_t>(index));
  promote_state(std::move(state));
}

// ---- storage format ----
namespace {

std::string raw(const crypto::PublicKey& key) {
  return std::string(key.raw().begin(), key.raw().end());
}
template <std::size_t N>
std::string raw(const crypto::SecretArray<N>& secret) {
  return std::string(reinterpret_cast<const char*>(secret.data()), N);
}

void write_chain_key(const ChainKey& chain, pb::ChainKey* out) {
  out->set_index(chain.index);
  out->set_key(raw(chain.key));
}

void write_message_keys(const MessageKeys& keys, pb::MessageKeys* out) {
  out->set_index(keys.counter);
  out->set_cipher_key(raw(keys.cipher_key));
  out->set_mac_key(raw(keys.mac_key));
  out->set_iv(raw(keys.iv));
}

void write_state(const SessionState& state, pb::SessionState* out) {
  out->set_session_version(state.version);
  out->set_local_identity(raw(state.local_identity));
  out->set_remote_identity(raw(state.remote_identity));
  out->set_root_key(raw(state.root_key.key));
  out->set_previous_counter(state.previous_counter);
  if (state.sender_chain) {
    auto* sender = out->mutable_sender_chain();
    sender->set_ratchet_public(raw(state.sender_chain->ratchet_key.public_key));
    sender->set_ratchet_private(raw(state.sender_chain->ratchet_key.private_key.secret()));
    write_chain_key(state.sender_chain->chain_key, sender->mutable_chain_key());
  }
  for (const auto& chain : state.receiver_chains) {
    auto* receiver = out->add_receiver_chains();
    receiver->set_ratchet_public(raw(chain.ratchet_key));
    write_chain_key(chain.chain_key, receiver->mutable_chain_key());
    for (const auto& keys : chain.skipped) write_message_keys(keys, receiver->add_skipped());
  }
  if (state.pending_prekey) {
    auto* pending = out->mutable_pending_pre_key();
    pending->set_has_pre_key_id(state.pending_prekey->prekey_id.has_value());
    pending->set_pre_key_id(state.pending_prekey->prekey_id.value_or(0));
    pending->set_signed_pre_key_id(state.pending_prekey->signed_prekey_id);
    pending->set_base_key(raw(state.pending_prekey->base_key));
  }
  out->set_remote_registration_id(state.remote_registration_id);
  out->set_local_registration_id(state.local_registration_id);
  out->set_alice_base_key(raw(state.alice_base_key));
  out->set_sending_ratchet_pending(state.sending_ratchet_pending);
}

// Readers: each field is checked for its exact size; any violation is kCorruptRecord.
bool read_public(const std::string& bytes, crypto::PublicKey& out) {
  auto key = crypto::PublicKey::from_raw(as_bytes(bytes));
  if (!key) return false;
  out = *key;
  return true;
}

template <std::size_t N>
bool read_secret(const std::string& bytes, crypto::SecretArray<N>& out) {
  return out.assign(as_bytes(bytes));
}

bool read_chain_key(const pb::ChainKey& in, ChainKey& out) {
  out.index = in.index();
  return read_secret(in.key(), out.key);
}

bool read_message_keys(const pb::MessageKeys& in, MessageKeys& out) {
  out.counter = in.index();
  return read_secret(in.cipher_key(), out.cipher_key) && read_secret(in.mac_key(), out.mac_key) &&
         read_secret(in.iv(), out.iv);
}

bool read_state(const pb::SessionState& in, SessionState& out) {
  out.version = in.session_version();
  if (!read_public(in.local_identity(), out.local_identity) ||
      !read_public(in.remote_identity(), out.remote_identity) || !read_secret(in.root_key(), out.root_key.key)) {
    return false;
  }
  out.previous_counter = in.previous_counter();
  if (in.has_sender_chain()) {
    SenderChain sender;
    auto private_key = crypto::PrivateKey::from_bytes(as_bytes(in.sender_chain().ratchet_private()));
    if (!private_key || !read_public(in.sender_chain().ratchet_public(), sender.ratchet_key.public_key) ||
        !read_chain_key(in.sender_chain().chain_key(), sender.chain_key)) {
      return false;
    }
    sender.ratchet_key.private_key = *private_key;
    out.sender_chain = std::move(sender);
  }
  if (static_cast<std::size_t>(in.receiver_chains_size()) > kMaxReceiverChains) return false;
  for (const auto& chain_in : in.receiver_chains()) {
    if (static_cast<std::size_t>(chain_in.skipped_size()) > kMaxMessageKeys) return false;
    ReceiverChain chain;
    if (!read_public(chain_in.ratchet_public(), chain.ratchet_key) ||
        !read_chain_key(chain_in.chain_key(), chain.chain_key)) {
      return false;
    }
    for (const auto& keys_in : chain_in.skipped()) {
      MessageKeys keys;
      // Kept keys are for counters the chain has passed; anything else is inconsistent.
      if (!read_message_keys(keys_in, keys) || keys.counter >= chain.chain_key.index) return false;
      chain.skipped.push_back(std::move(keys));
    }
    out.receiver_chains.push_back(std::move(chain));
  }
  if (in.has_pending_pre_key()) {
    PendingPreKey pending;
    if (in.pending_pre_key().has_pre_key_id()) pending.prekey_id = in.pending_pre_key().pre_key_id();
    pending.signed_prekey_id = in.pending_pre_key().signed_pre_key_id();
    if (!read_public(in.pending_pre_key().base_key(), pending.base_key)) return false;
    out.pending_prekey = pending;
  }
  out.remote_registration_id = in.remote_registration_id();
  out.local_registration_id = in.local_registration_id();
  out.sending_ratchet_pending = in.sending_ratchet_pending();
  if (out.sending_ratchet_pending && (out.receiver_chains.empty() || !out.sender_chain)) return false;
  return in.alice_base_key().empty() || read_public(in.alice_base_key(), out.alice_base_key);
}

}  // namespace

crypto::SecretBytes SessionRecord::serialize() const {
  pb::SessionRecord record;
  record.set_format_version(kSessionRecordFormatVersion);
  if (current_) write_state(*current_, record.mutable_current());
  for (const auto& state : previous_) write_state(state, record.add_previous());
  crypto::SecretBytes out(record.ByteSizeLong());
  record.SerializeToArray(out.data(), static_cast<int>(out.size()));
  detail::wipe_proto(record);
  return out;
}

Result<SessionRecord, ProtocolError> SessionRecord::deserialize(ByteView serialized) {
  if (serialized.size() > kMaxRecordSize) return fail(ProtocolError::kCorruptRecord);
  pb::SessionRecord record;
  if (!record.ParseFromArray(serialized.data(), static_cast<int>(serialized.size())) ||
      record.format_version() != kSessionRecordFormatVersion ||
      static_cast<std::size_t>(record.previous_size()) > kMaxArchivedStates) {
    detail::wipe_proto(record);
    return fail(ProtocolError::kCorruptRecord);
  }
  SessionRecord out;
  bool ok = true;
  if (record.has_current()) {
    SessionState state;
    ok = read_state(record.current(), state);
    out.current_ = std::move(state);
  }
  for (const auto& previous : record.previous()) {
    if (!ok) break;
    SessionState state;
    ok = read_state(previous, state);
    out.previous_.push_back(std::move(state));
  }
  detail::wipe_proto(record);
  if (!ok) return fail(ProtocolError::kCorruptRecord);
  return out;
}

}  // namespace hush::protocol
