// Initiator-side X3DH: bundle checks and session creation.
#include "hush/protocol/session_builder.hpp"

#include "hush/protocol/ratchet.hpp"

namespace hush::protocol {

Result<void, ProtocolError> process_prekey_bundle(ProtocolStores& stores, const ProtocolAddress& remote,
                                                  const PreKeyBundle& bundle, crypto::Rng& rng) {
  if (!stores.identities.is_trusted_identity(remote, bundle.identity_key, Direction::kSending)) {
    return fail(ProtocolError::kUntrustedIdentity);
  }
  if (!verify_signed_prekey(bundle.identity_key, bundle.signed_prekey, bundle.signed_prekey_signature)) {
    return fail(ProtocolError::kInvalidSignature);
  }
  if (bundle.one_time_prekey.has_value() != bundle.one_time_prekey_id.has_value()) {
    return fail(ProtocolError::kInvalidKey);
  }

  // The X3DH base key and the first sending ratchet key, generated together (one shared inversion).
  const std::vector<crypto::KeyPair> fresh = crypto::KeyPair::generate_many(2, rng);
  const crypto::KeyPair& base_key = fresh[0];
  const IdentityKeyPair& our_identity = stores.identities.identity_key_pair();
  auto state =
      initialize_alice_session(AliceParameters{our_identity, base_key, bundle.identity_key, bundle.signed_prekey,
                                               bundle.one_time_prekey, bundle.signed_prekey, fresh[1]});
  if (!state) return fail(state.error());
  state->pending_prekey = PendingPreKey{bundle.one_time_prekey_id, bundle.signed_prekey_id, base_key.public_key};
  state->local_registration_id = stores.identities.local_registration_id();
  state->remote_registration_id = bundle.registration_id;
  state->alice_base_key = base_key.public_key;

  SessionRecord record = stores.sessions.load_session(remote).value_or(SessionRecord{});
  record.promote_state(std::move(*state));
  stores.sessions.store_session(remote, record);
  stores.identities.save_identity(remote, bundle.identity_key);
  return {};
}

}  // namespace hush::protocol
