// Sender-key chains, records and the group cipher.
#include "hush/protocol/sender_keys.hpp"

#include <array>

#include "hush/crypto/aes_cbc.hpp"
#include "hush/crypto/hash.hpp"
#include "hush/protocol/limits.hpp"
#include "hush/protocol/messages.hpp"
#include "hush/protocol/stores.hpp"
#include "hush/wire/storage.pb.h"
#include "proto_wipe.hpp"

namespace hush::protocol {

namespace pb = hush::wire::storage;

namespace {
constexpr std::string_view kGroupInfo = "WhisperGroup";
constexpr std::uint8_t kMessageKeySeed = 0x01;
constexpr std::uint8_t kChainKeySeed = 0x02;
constexpr std::array<std::uint8_t, 32> kZeroSalt{};
}  // namespace

std::pair<SenderMessageKey, SenderChainKey> SenderChainKey::step() const {
  crypto::HmacSha256 hmac(seed.view());
  const std::uint8_t message_seed = kMessageKeySeed;
  hmac.update({&message_seed, 1});
  crypto::SecretArray<32> message_seed_key = hmac.final();
  hmac.reset();
  const std::uint8_t chain_seed = kChainKeySeed;
  hmac.update({&chain_seed, 1});

  std::pair<SenderMessageKey, SenderChainKey> out;
  out.second.seed = hmac.final();
  out.second.iteration = iteration + 1;

  crypto::SecretArray<48> derived;
  crypto::hkdf_sha256(message_seed_key.view(), kZeroSalt, as_bytes(kGroupInfo), derived.mutable_view());
  out.first.iteration = iteration;
  out.first.iv.assign(derived.view().first(16));
  out.first.cipher_key.assign(derived.view().subspan(16, 32));
  return out;
}

SenderChainKey SenderChainKey::next() const {
  crypto::HmacSha256 hmac(seed.view());
  const std::uint8_t chain_seed = kChainKeySeed;
  hmac.update({&chain_seed, 1});
  return SenderChainKey{iteration + 1, hmac.final()};
}

SenderKeyState* SenderKeyRecord::find(std::uint32_t key_id) {
  for (auto& state : states_) {
    if (state.key_id == key_id) return &state;
  }
  return nullptr;
}

void SenderKeyRecord::add_state(SenderKeyState state) {
  for (auto it = states_.begin(); it != states_.end(); ++it) {
    if (it->key_id != state.key_id) continue;
    if (it->signing_public == state.signing_public) return;  // replayed distribution: keep our chain
    states_.erase(it);
    break;
  }
  states_.insert(states_.begin(), std::move(state));
  if (states_.size() > kMaxSenderKeyStates) states_.pop_back();
}

crypto::SecretBytes SenderKeyRecord::serialize() const {
  pb::SenderKeyRecord record;
  record.set_format_version(kSenderKeyRecordFormatVersion);
  for (const auto& state : states_) {
    auto* out = record.add_states();
    out->set_key_id(state.key_id);
    out->mutable_chain_key()->set_index(state.chain_key.iteration);
    out->mutable_chain_key()->set_key(state.chain_key.seed.data(), state.chain_key.seed.size());
    out->set_signing_public(state.signing_public.raw().data(), state.signing_public.raw().size());
    if (state.signing_private) {
      out->set_signing_private(state.signing_private->secret().data(), state.signing_private->secret().size());
    }
    for (const auto& key : state.skipped) {
      auto* skipped = out->add_skipped();
      skipped->set_index(key.iteration);
      skipped->set_cipher_key(key.cipher_key.data(), key.cipher_key.size());
      skipped->set_iv(key.iv.data(), key.iv.size());
    }
  }
  crypto::SecretBytes out(record.ByteSizeLong());
  record.SerializeToArray(out.data(), static_cast<int>(out.size()));
  detail::wipe_proto(record);
  return out;
}

Result<SenderKeyRecord, ProtocolError> SenderKeyRecord::deserialize(ByteView serialized) {
  if (serialized.size() > kMaxRecordSize) return fail(ProtocolError::kCorruptRecord);
  pb::SenderKeyRecord record;
  bool ok = record.ParseFromArray(serialized.data(), static_cast<int>(serialized.size())) &&
            record.format_version() == kSenderKeyRecordFormatVersion &&
            static_cast<std::size_t>(record.states_size()) <= kMaxSenderKeyStates;
  SenderKeyRecord out;
  for (int i = 0; ok && i < record.states_size(); ++i) {
    const auto& in = record.states(i);
    SenderKeyState state;
    state.key_id = in.key_id();
    state.chain_key.iteration = in.chain_key().index();
    auto signing_public = crypto::PublicKey::from_raw(as_bytes(in.signing_public()));
    ok = state.chain_key.seed.assign(as_bytes(in.chain_key().key())) && signing_public.ok() &&
         static_cast<std::size_t>(in.skipped_size()) <= kMaxSenderMessageKeys;
    if (!ok) break;
    state.signing_public = *signing_public;
    if (!in.signing_private().empty()) {
      auto signing_private = crypto::PrivateKey::from_bytes(as_bytes(in.signing_private()));
      if (!(ok = signing_private.ok())) break;
      state.signing_private = *signing_private;
    }
    for (const auto& skipped_in : in.skipped()) {
      SenderMessageKey key;
      key.iteration = skipped_in.index();
      if (!(ok =
                key.cipher_key.assign(as_bytes(skipped_in.cipher_key())) && key.iv.assign(as_bytes(skipped_in.iv())))) {
        break;
      }
      // A kept key is for an iteration the chain has already passed; anything else is a record
      // that would let a message decrypt twice (or under the wrong key).
      if (!(ok = key.iteration < state.chain_key.iteration)) break;
      state.skipped.push_back(std::move(key));
    }
    if (!ok) break;
    out.states_.push_back(std::move(state));
  }
  detail::wipe_proto(record);
  if (!ok) return fail(ProtocolError::kCorruptRecord);
  return out;
}

namespace {

SenderKeyState new_own_state(crypto::Rng& rng) {
  SenderKeyState state;
  state.key_id = rng.uniform(0x7FFFFFFF);
  rng.fill(state.chain_key.seed.mutable_view());
  crypto::KeyPair signing = crypto::KeyPair::generate(rng);
  state.signing_public = signing.public_key;
  state.signing_private = signing.private_key;
  return state;
}

crypto::SecretBytes distribution_for(const SenderKeyState& state) {
  return SenderKeyDistributionMessage::create(state.key_id, state.chain_key.iteration, state.chain_key.seed,
                                              state.signing_public)
      .serialized();
}

// The message key for `iteration`, advancing the chain and keeping skipped keys (bounded).
Result<SenderMessageKey, ProtocolError> take_message_key(SenderKeyState& state, std::uint32_t iteration) {
  if (state.chain_key.iteration > iteration) {
    for (auto it = state.skipped.begin(); it != state.skipped.end(); ++it) {
      if (it->iteration == iteration) {
        SenderMessageKey key = std::move(*it);
        state.skipped.erase(it);
        return key;
      }
    }
    return fail(ProtocolError::kDuplicateMessage);
  }
  if (iteration - state.chain_key.iteration > kMaxSenderKeyForwardJump) {
    return fail(ProtocolError::kTooFarInFuture);
  }
  while (state.chain_key.iteration < iteration) {
    if (iteration - state.chain_key.iteration > kMaxSenderMessageKeys) {
      state.chain_key = state.chain_key.next();  // its message key would be dropped anyway
      continue;
    }
    auto [key, next] = state.chain_key.step();
    state.skipped.push_back(std::move(key));
    state.chain_key = std::move(next);
  }
  if (state.skipped.size() > kMaxSenderMessageKeys) {
    state.skipped.erase(
        state.skipped.begin(),
        state.skipped.begin() + static_cast<std::ptrdiff_t>(state.skipped.size() - kMaxSenderMessageKeys));
  }
  auto [key, next] = state.chain_key.step();
  state.chain_key = std::move(next);
  return std::move(key);
}

}  // namespace

Result<crypto::SecretBytes, ProtocolError> create_sender_key_distribution(SenderKeyStore& store,
                                                                          const SenderKeyName& own_name,
                                                                          crypto::Rng& rng) {
  SenderKeyRecord record = store.load_sender_key(own_name).value_or(SenderKeyRecord{});
  if (record.empty() || !record.current()->signing_private) {
    record.add_state(new_own_state(rng));
    store.store_sender_key(own_name, record);
  }
  return distribution_for(*record.current());
}

Result<crypto::SecretBytes, ProtocolError> rotate_sender_key(SenderKeyStore& store, const SenderKeyName& own_name,
                                                             crypto::Rng& rng) {
  SenderKeyRecord record;
  record.add_state(new_own_state(rng));
  store.store_sender_key(own_name, record);
  return distribution_for(*record.current());
}

Result<void, ProtocolError> process_sender_key_distribution(SenderKeyStore& store, const SenderKeyName& sender,
                                                            ByteView serialized_distribution) {
  auto distribution = SenderKeyDistributionMessage::parse(serialized_distribution);
  if (!distribution) return fail(distribution.error());
  SenderKeyRecord record = store.load_sender_key(sender).value_or(SenderKeyRecord{});
  SenderKeyState state;
  state.key_id = distribution->key_id();
  state.chain_key.iteration = distribution->iteration();
  state.chain_key.seed = distribution->chain_key();
  state.signing_public = distribution->signing_key();
  record.add_state(std::move(state));
  store.store_sender_key(sender, record);
  return {};
}

Result<Bytes, ProtocolError> group_encrypt(SenderKeyStore& store, const SenderKeyName& own_name, ByteView plaintext,
                                           crypto::Rng& rng) {
  auto record = store.load_sender_key(own_name);
  if (!record || record->empty() || !record->current()->signing_private) {
    return fail(ProtocolError::kNoSenderKey);
  }
  SenderKeyState& state = *record->current();
  auto [key, next] = state.chain_key.step();
  auto ciphertext = crypto::aes256_cbc_encrypt(key.cipher_key.view(), key.iv.view(), plaintext);
  if (!ciphertext) return fail(ProtocolError::kInvalidMessage);
  auto message =
      SenderKeyMessage::create(state.key_id, key.iteration, std::move(*ciphertext), *state.signing_private, rng);
  state.chain_key = std::move(next);
  store.store_sender_key(own_name, *record);
  return message.serialized();
}

Result<crypto::SecretBytes, ProtocolError> group_decrypt(SenderKeyStore& store, const SenderKeyName& sender,
                                                         ByteView serialized_message) {
  auto message = SenderKeyMessage::parse(serialized_message);
  if (!message) return fail(message.error());
  auto record = store.load_sender_key(sender);
  if (!record) return fail(ProtocolError::kNoSenderKey);
  SenderKeyState* state = record->find(message->key_id());
  if (!state) return fail(ProtocolError::kNoSenderKey);
  if (!message->verify_signature(state->signing_public)) return fail(ProtocolError::kInvalidSignature);
  auto key = take_message_key(*state, message->iteration());
  if (!key) return fail(key.error());
  auto plaintext = crypto::aes256_cbc_decrypt(key->cipher_key.view(), key->iv.view(), message->ciphertext());
  if (!plaintext) return fail(ProtocolError::kInvalidMessage);
  store.store_sender_key(sender, *record);
  return std::move(*plaintext);
}

}  // namespace hush::protocol
