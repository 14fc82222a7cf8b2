// Encrypting to and decrypting from one peer device with its Double Ratchet session.
// Every function loads the record, works on a copy, and stores it back only on success, so a
// forged, corrupt or replayed message leaves stored state exactly as it was.
#pragma once

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/crypto/random.hpp"
#include "hush/crypto/secret.hpp"
#include "hush/protocol/address.hpp"
#include "hush/protocol/error.hpp"
#include "hush/protocol/messages.hpp"
#include "hush/protocol/stores.hpp"

namespace hush::protocol {

struct CiphertextMessage {
  MessageType type;  // kPreKey until the peer has replied, then kSignal
  Bytes serialized;
};

// Errors: kNoSession; kUntrustedIdentity when the session's identity is no longer trusted.
// `rng` makes our next ratchet key when the peer has ratcheted since we last sent.
Result<CiphertextMessage, ProtocolError> encrypt(ProtocolStores& stores, const ProtocolAddress& remote,
                                                 ByteView plaintext, crypto::Rng& rng);

// Decrypts a SignalMessage (type 2). Decryption draws no randomness: a new ratchet key is made
// by the next encrypt.
Result<crypto::SecretBytes, ProtocolError> decrypt_signal_message(ProtocolStores& stores, const ProtocolAddress& remote,
                                                                  ByteView serialized);

// Decrypts a PreKeySignalMessage (type 3), building the responder's session if needed and, on
// success, consuming the one-time prekey it names.
Result<crypto::SecretBytes, ProtocolError> decrypt_prekey_message(ProtocolStores& stores, const ProtocolAddress& remote,
                                                                  ByteView serialized);

// Dispatches on `type` (2 or 3; anything else is kInvalidMessage).
Result<crypto::SecretBytes, ProtocolError> decrypt(ProtocolStores& stores, const ProtocolAddress& remote,
                                                   MessageType type, ByteView serialized);

}  // namespace hush::protocol
