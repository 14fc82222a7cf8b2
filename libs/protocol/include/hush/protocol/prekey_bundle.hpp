// Assembling the PreKeyBundle a device publishes from its own stores: identity key and
// registration id, a signed prekey and optionally a one-time prekey, named by id. Owns the
// assembly only; the bundle type is in keys.hpp, key generation in keys.hpp, checking a peer's
// bundle and starting a session from it in session_builder.hpp.
#pragma once

#include <cstdint>
#include <optional>

#include "hush/base/result.hpp"
#include "hush/protocol/error.hpp"
#include "hush/protocol/keys.hpp"
#include "hush/protocol/stores.hpp"

namespace hush::protocol {

// The bundle of device `device_id` (the stores do not know the device's own id): the identity
// key and registration id of `stores.identities`, the signed prekey `signed_prekey_id` of
// `stores.signed_prekeys` with its signature, and, when `one_time_prekey_id` is given, that
// prekey of `stores.prekeys`. Only public keys are copied. Reads only: a one-time prekey stays
// stored until a session uses it (session_cipher removes it then).
// Errors: kInvalidSignedPreKeyId, kInvalidPreKeyId when the named key is not stored.
Result<PreKeyBundle, ProtocolError> build_prekey_bundle(const ProtocolStores& stores, std::uint32_t device_id,
                                                        std::uint32_t signed_prekey_id,
                                                        std::optional<std::uint32_t> one_time_prekey_id);

}  // namespace hush::protocol
