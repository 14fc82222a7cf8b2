// Chain, message and root key derivations; X3DH initialisation for both roles.
#include "hush/protocol/ratchet.hpp"

#include <algorithm>
#include <array>

#include "hush/crypto/hash.hpp"
#include "hush/protocol/session_state.hpp"

namespace hush::protocol {
namespace {

constexpr std::uint8_t kMessageKeySeed = 0x01;
constexpr std::uint8_t kChainKeySeed = 0x02;
constexpr std::string_view kMessageKeysInfo = "WhisperMessageKeys";
constexpr std::string_view kRatchetInfo = "WhisperRatchet";
constexpr std::string_view kTextInfo = "WhisperText";
constexpr std::array<std::uint8_t, 32> kZeroSalt{};

std::pair<RootKey, ChainKey> split_root_and_chain(const crypto::SecretArray<64>& derived) {
  RootKey root;
  ChainKey chain;
  root.key.assign(derived.view().first(32));
  chain.key.assign(derived.view().subspan(32, 32));
  chain.index = 0;
  return {std::move(root), std::move(chain)};
}

// HKDF over 0xFF×32 ‖ the X3DH agreements (X3DH "discontinuity bytes" then DH1..DH4).
Result<std::pair<RootKey, ChainKey>, ProtocolError> derive_initial_keys(
    std::initializer_list<std::pair<const crypto::PrivateKey*, const crypto::PublicKey*>> agreements) {
  crypto::SecretBytes secrets(32 + 32 * agreements.size());
  std::fill_n(secrets.data(), 32, std::uint8_t{0xFF});
  std::size_t offset = 32;
  for (const auto& [ours, theirs] : agreements) {
    auto shared = crypto::agree(*ours, *theirs);
    if (!shared) return fail(ProtocolError::kInvalidKey);
    std::copy_n(shared->data(), 32, secrets.data() + offset);
    offset += 32;
  }
  crypto::SecretArray<64> derived;
  crypto::hkdf_sha256(secrets.view(), kZeroSalt, as_bytes(kTextInfo), derived.mutable_view());
  return split_root_and_chain(derived);
}

}  // namespace

std::pair<MessageKeys, ChainKey> ChainKey::step() const {
  crypto::HmacSha256 hmac(key.view());
  const std::uint8_t message_seed = kMessageKeySeed;
  hmac.update({&message_seed, 1});
  crypto::SecretArray<32> seed = hmac.final();
  hmac.reset();
  const std::uint8_t chain_seed = kChainKeySeed;
  hmac.update({&chain_seed, 1});

  std::pair<MessageKeys, ChainKey> out;
  out.second.key = hmac.final();
  out.second.index = index + 1;

  crypto::SecretArray<80> derived;
  crypto::hkdf_sha256(seed.view(), kZeroSalt, as_bytes(kMessageKeysInfo), derived.mutable_view());
  out.first.cipher_key.assign(derived.view().first(32));
  out.first.mac_key.assign(derived.view().subspan(32, 32));
  out.first.iv.assign(derived.view().subspan(64, 16));
  out.first.counter = index;
  return out;
}

ChainKey ChainKey::next() const {
  crypto::HmacSha256 hmac(key.view());
  const std::uint8_t chain_seed = kChainKeySeed;
  hmac.update({&chain_seed, 1});
  return ChainKey{hmac.final(), index + 1};
}

Result<std::pair<RootKey, ChainKey>, ProtocolError> RootKey::create_chain(
    const crypto::PublicKey& their_ratchet_key, const crypto::PrivateKey& our_ratchet_key) const {
  auto shared = crypto::agree(our_ratchet_key, their_ratchet_key);
  if (!shared) return fail(ProtocolError::kInvalidKey);
  crypto::SecretArray<64> derived;
  crypto::hkdf_sha256(shared->view(), key.view(), as_bytes(kRatchetInfo), derived.mutable_view());
  return split_root_and_chain(derived);
}

Result<SessionState, ProtocolError> initialize_alice_session(const AliceParameters& p) {
  const crypto::PrivateKey& identity = p.our_identity.private_key;
  const crypto::PrivateKey& base = p.our_base_key.private_key;
  auto initial =
      p.their_one_time_prekey
          ? derive_initial_keys({{&identity, &p.their_signed_prekey},
                                 {&base, &p.their_identity},
                                 {&base, &p.their_signed_prekey},
                                 {&base, &*p.their_one_time_prekey}})
          : derive_initial_keys(
                {{&identity, &p.their_signed_prekey}, {&base, &p.their_identity}, {&base, &p.their_signed_prekey}});
  if (!initial) return fail(initial.error());
  auto& [root, receiving] = *initial;

  auto sending = root.create_chain(p.their_ratchet_key, p.our_ratchet_key.private_key);
  if (!sending) return fail(sending.error());

  SessionState state;
  state.local_identity = p.our_identity.public_key;
  state.remote_identity = p.their_identity;
  state.add_receiver_chain(ReceiverChain{p.their_ratchet_key, std::move(receiving), {}});
  state.sender_chain = SenderChain{p.our_ratchet_key, std::move(sending->second)};
  state.root_key = std::move(sending->first);
  return state;
}

Result<SessionState, ProtocolError> initialize_bob_session(const BobParameters& p) {
  const crypto::PrivateKey& signed_prekey = p.our_signed_prekey.private_key;
  auto initial = p.our_one_time_prekey ? derive_initial_keys({{&signed_prekey, &p.their_identity},
                                                              {&p.our_identity.private_key, &p.their_base_key},
                                                              {&signed_prekey, &p.their_base_key},
                                                              {&p.our_one_time_prekey->private_key, &p.their_base_key}})
                                       : derive_initial_keys({{&signed_prekey, &p.their_identity},
                                                              {&p.our_identity.private_key, &p.their_base_key},
                                                              {&signed_prekey, &p.their_base_key}});
  if (!initial) return fail(initial.error());

  SessionState state;
  state.local_identity = p.our_identity.public_key;
  state.remote_identity = p.their_identity;
  state.sender_chain = SenderChain{p.our_ratchet_key, std::move(initial->second)};
  state.root_key = std::move(initial->first);
  return state;
}

}  // namespace hush::protocol
