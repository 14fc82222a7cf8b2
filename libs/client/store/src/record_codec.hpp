// Internal: the plaintext forms of the fixed-size records the store seals — the local identity, a
// one-time prekey, a signed prekey, a remote identity key. Each decoder accepts exactly its size
// and nothing else (kCorrupt). Session and sender-key records use the protocol's own storage format
// (libs/wire storage.proto), bounded by StoreOptions::max_record_size.
#pragma once

#include <cstdint>

#include "hush/base/result.hpp"
#include "hush/client/store/error.hpp"
#include "hush/crypto/secret.hpp"
#include "hush/protocol/keys.hpp"

namespace hush::client::detail {

struct LocalIdentity {
  protocol::IdentityKeyPair identity;
  std::uint32_t registration_id = 0;
};

// registration id (4, big-endian) || public key (32) || private key (32)
inline constexpr std::size_t kLocalIdentitySize = 4 + 32 + 32;
// public key (32) || private key (32)
inline constexpr std::size_t kPreKeySize = 32 + 32;
// public key (32) || private key (32) || signature (64) || timestamp ms (8, big-endian)
inline constexpr std::size_t kSignedPreKeySize = 32 + 32 + 64 + 8;
// public key (32)
inline constexpr std::size_t kRemoteIdentitySize = 32;

crypto::SecretBytes encode_local_identity(const LocalIdentity& identity);
Result<LocalIdentity, StoreError> decode_local_identity(ByteView plaintext);

// The id is the row's key, not part of the record.
crypto::SecretBytes encode_prekey(const protocol::PreKeyRecord& record);
Result<protocol::PreKeyRecord, StoreError> decode_prekey(std::uint32_t id, ByteView plaintext);

crypto::SecretBytes encode_signed_prekey(const protocol::SignedPreKeyRecord& record);
Result<protocol::SignedPreKeyRecord, StoreError> decode_signed_prekey(std::uint32_t id, ByteView plaintext);

Bytes encode_remote_identity(const protocol::IdentityKey& key);
Result<protocol::IdentityKey, StoreError> decode_remote_identity(ByteView plaintext);

}  // namespace hush::client::detail
