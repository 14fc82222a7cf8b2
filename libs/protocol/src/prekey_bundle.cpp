// A device's PreKeyBundle, assembled from its stores.
#include "hush/protocol/prekey_bundle.hpp"

namespace hush::protocol {

Result<PreKeyBundle, ProtocolError> build_prekey_bundle(const ProtocolStores& stores, std::uint32_t device_id,
                                                        std::uint32_t signed_prekey_id,
                                                        std::optional<std::uint32_t> one_time_prekey_id) {
  const std::optional<SignedPreKeyRecord> signed_prekey = stores.signed_prekeys.load_signed_prekey(signed_prekey_id);
  if (!signed_prekey) return fail(ProtocolError::kInvalidSignedPreKeyId);
  PreKeyBundle bundle;
  if (one_time_prekey_id) {
    const std::optional<PreKeyRecord> one_time_prekey = stores.prekeys.load_prekey(*one_time_prekey_id);
    if (!one_time_prekey) return fail(ProtocolError::kInvalidPreKeyId);
    bundle.one_time_prekey_id = one_time_prekey->id;
    bundle.one_time_prekey = one_time_prekey->key_pair.public_key;
  }
  bundle.registration_id = stores.identities.local_registration_id();
  bundle.device_id = device_id;
  bundle.signed_prekey_id = signed_prekey->id;
  bundle.signed_prekey = signed_prekey->key_pair.public_key;
  bundle.signed_prekey_signature = signed_prekey->signature;
  bundle.identity_key = stores.identities.identity_key_pair().public_key;
  return bundle;
}

}  // namespace hush::protocol
