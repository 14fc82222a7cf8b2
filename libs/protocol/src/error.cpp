// Names of protocol errors.
#include "hush/protocol/error.hpp"

namespace hush::protocol {

const char* to_string(ProtocolError error) {
  switch (error) {
    case ProtocolError::kInvalidMessage: return "invalid_message";
    case ProtocolError::kMessageTooLarge: return "message_too_large";
    case ProtocolError::kLegacyMessage: return "legacy_message";
    case ProtocolError::kInvalidVersion: return "invalid_version";
    case ProtocolError::kInvalidKey: return "invalid_key";
    case ProtocolError::kInvalidSignature: return "invalid_signature";
    case ProtocolError::kBadMac: return "bad_mac";
    case ProtocolError::kDuplicateMessage: return "duplicate_message";
    case ProtocolError::kTooFarInFuture: return "too_far_in_future";
    case ProtocolError::kNoSession: return "no_session";
    case ProtocolError::kInvalidPreKeyId: return "invalid_prekey_id";
    case ProtocolError::kInvalidSignedPreKeyId: return "invalid_signed_prekey_id";
    case ProtocolError::kUntrustedIdentity: return "untrusted_identity";
    case ProtocolError::kNoSenderKey: return "no_sender_key";
    case ProtocolError::kCorruptRecord: return "corrupt_record";
    case ProtocolError::kFingerprintVersionMismatch: return "fingerprint_version_mismatch";
    case ProtocolError::kFingerprintIdentityMismatch: return "fingerprint_identity_mismatch";
  }
  return "unknown";
}

}  // namespace hush::protocol
