// Errors of the Signal Protocol component. Each names what was wrong with a message, a bundle or
// stored state, so the caller can report it precisely. None carries secret data, and none is sent
// back to the peer: a decryption failure is reported locally only.
#pragma once

namespace hush::protocol {

enum class ProtocolError {
  kInvalidMessage,         // malformed: truncated, garbage, missing fields, bad lengths, bad padding
  kMessageTooLarge,        // larger than kMaxSerializedMessageSize
  kLegacyMessage,          // version older than 3
  kInvalidVersion,         // version newer than 3
  kInvalidKey,             // a key is malformed, or agreement with it gave a low-order result
  kInvalidSignature,       // signed prekey or sender-key message signature does not verify
  kBadMac,                 // no session state authenticates the message
  kDuplicateMessage,       // this counter was already decrypted (or its key was dropped)
  kTooFarInFuture,         // counter jump beyond kMaxForwardJump
  kNoSession,              // no session with this address
  kInvalidPreKeyId,        // the one-time prekey named is gone (consumed, or never ours)
  kInvalidSignedPreKeyId,  // the signed prekey named is unknown
  kUntrustedIdentity,      // the peer's identity key changed and was not approved
  kNoSenderKey,            // no sender-key state for this group sender / key id
  kCorruptRecord,          // a stored record does not parse or violates a limit
  kFingerprintVersionMismatch,
  kFingerprintIdentityMismatch,
};

// A short, stable, lower_snake_case name, for logs and for the CLI's --json output.
const char* to_string(ProtocolError error);

}  // namespace hush::protocol
