// X3DH session setup on the initiator's side: check a prekey bundle (signature, trust) and
// create a session whose messages go out as PreKeySignalMessages until the peer replies.
// The responder's side happens inside session_cipher's decrypt_prekey_message.
#pragma once

#include "hush/base/result.hpp"
#include "hush/crypto/random.hpp"
#include "hush/protocol/address.hpp"
#include "hush/protocol/error.hpp"
#include "hush/protocol/keys.hpp"
#include "hush/protocol/stores.hpp"

namespace hush::protocol {

// Errors: kUntrustedIdentity when the bundle's identity differs from the one we trust for
// `remote`; kInvalidSignature for a bad signed-prekey signature; kInvalidKey for a low-order key.
// On success the session is stored (an existing one is archived) and the identity saved.
Result<void, ProtocolError> process_prekey_bundle(ProtocolStores& stores, const ProtocolAddress& remote,
                                                  const PreKeyBundle& bundle, crypto::Rng& rng);

}  // namespace hush::protocol
