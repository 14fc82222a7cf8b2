// HushParty and bundle conversions.
#include "hush_party.hpp"

#include <cstdlib>

namespace hush::test {

HushParty::HushParty(std::string name, std::uint32_t device_id, std::uint64_t rng_seed)
    : address_{std::move(name), device_id} {
  if (rng_seed) {
    rng_ = std::make_unique<crypto::SeededRng>(rng_seed);
  } else {
    rng_ = std::make_unique<crypto::SystemRng>();
  }
  protocol::IdentityKeyPair identity = protocol::IdentityKeyPair::generate(*rng_);
  store_ = std::make_unique<protocol::InMemoryProtocolStore>(identity, protocol::generate_registration_id(*rng_));
  signed_prekey_ = protocol::generate_signed_prekey(identity, 1, 1700000000000, *rng_);
  store_->signed_prekeys.store_signed_prekey(signed_prekey_);
}

Bytes HushParty::identity_public() const {
  auto key = store_->identities.identity_key_pair().public_key.serialize();
  return Bytes(key.begin(), key.end());
}

protocol::PreKeyBundle HushParty::make_bundle(bool with_one_time_prekey) {
  std::optional<std::uint32_t> one_time_prekey_id;
  if (with_one_time_prekey) {
    protocol::PreKeyRecord prekey = protocol::generate_prekeys(next_prekey_id_++, 1, *rng_).front();
    store_->prekeys.store_prekey(prekey);
    one_time_prekey_id = prekey.id;
  }
  auto bundle =
      protocol::build_prekey_bundle(store_->stores(), address_.device_id, signed_prekey_.id, one_time_prekey_id);
  if (!bundle) std::abort();  // the keys were stored just above: a bug here
  return *bundle;
}

Result<void, protocol::ProtocolError> HushParty::process_bundle(const protocol::ProtocolAddress& peer,
                                                                const protocol::PreKeyBundle& bundle) {
  auto s = stores();
  return protocol::process_prekey_bundle(s, peer, bundle, *rng_);
}

Result<protocol::CiphertextMessage, protocol::ProtocolError> HushParty::encrypt(const protocol::ProtocolAddress& peer,
                                                                                ByteView plaintext) {
  auto s = stores();
  return protocol::encrypt(s, peer, plaintext, *rng_);
}

Result<crypto::SecretBytes, protocol::ProtocolError> HushParty::decrypt(const protocol::ProtocolAddress& peer, int type,
                                                                        ByteView serialized) {
  auto s = stores();
  return protocol::decrypt(s, peer, static_cast<protocol::MessageType>(type), serialized);
}

namespace {
Bytes serialized(const crypto::PublicKey& key) {
  auto bytes = key.serialize();
  return Bytes(bytes.begin(), bytes.end());
}
crypto::PublicKey parse(const Bytes& bytes) {
  auto key = crypto::PublicKey::deserialize(bytes);
  if (!key) std::abort();
  return *key;
}
}  // namespace

LspcBundle to_lspc(const protocol::PreKeyBundle& bundle) {
  LspcBundle out;
  out.registration_id = bundle.registration_id;
  out.device_id = bundle.device_id;
  out.one_time_prekey_id = bundle.one_time_prekey_id;
  if (bundle.one_time_prekey) out.one_time_prekey = serialized(*bundle.one_time_prekey);
  out.signed_prekey_id = bundle.signed_prekey_id;
  out.signed_prekey = serialized(bundle.signed_prekey);
  out.signed_prekey_signature.assign(bundle.signed_prekey_signature.begin(), bundle.signed_prekey_signature.end());
  out.identity_key = serialized(bundle.identity_key);
  return out;
}

protocol::PreKeyBundle from_lspc(const LspcBundle& bundle) {
  protocol::PreKeyBundle out;
  out.registration_id = bundle.registration_id;
  out.device_id = bundle.device_id;
  out.one_time_prekey_id = bundle.one_time_prekey_id;
  if (!bundle.one_time_prekey.empty()) out.one_time_prekey = parse(bundle.one_time_prekey);
  out.signed_prekey_id = bundle.signed_prekey_id;
  out.signed_prekey = parse(bundle.signed_prekey);
  if (bundle.signed_prekey_signature.size() != out.signed_prekey_signature.size()) std::abort();
  std::copy(bundle.signed_prekey_signature.begin(), bundle.signed_prekey_signature.end(),
            out.signed_prekey_signature.begin());
  out.identity_key = parse(bundle.identity_key);
  return out;
}

}  // namespace hush::test
