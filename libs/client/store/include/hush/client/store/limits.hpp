// Every limit of the client store, with the trade-off it makes. A value read back from disk is
// checked against the same limit as a value written, so a damaged or planted row is refused
// before it is decrypted or parsed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hush/crypto/aead.hpp"
#include "hush/crypto/password_hash.hpp"
#include "hush/protocol/limits.hpp"

namespace hush::client {

// Largest session or sender-key record stored (before sealing). The protocol refuses to parse
// larger ones (protocol::kMaxRecordSize); a sealed row longer than this plus kSealedRowOverhead
// is refused as corrupt without being decrypted. StoreOptions::max_record_size may lower it.
inline constexpr std::size_t kMaxStoredRecordSize = protocol::kMaxRecordSize;

// What sealing adds to a row's plaintext: a format byte, the nonce and the tag.
inline constexpr std::size_t kSealedRowOverhead = 1 + crypto::kAeadSealOverhead;

// Longest address name (a username, with room for other forms) and group id stored. The server
// caps usernames at 64 bytes and group ids are 32 random bytes; these bound what a hostile peer can
// make the store index.
inline constexpr std::size_t kMaxAddressNameSize = 256;
inline constexpr std::size_t kMaxGroupIdSize = 256;

// Longest passphrase accepted, in bytes. Argon2id hashes any length; this only keeps a pasted file
// from being taken as a passphrase.
inline constexpr std::size_t kMaxPassphraseSize = 1024;

// A key file holds exactly this many random bytes.
inline constexpr std::size_t kKeyFileSize = 32;

// Argon2id cost for a passphrase-protected store: RFC 9106's second recommended option (t = 3,
// m = 64 MiB, for settings without gigabytes to spare: a bot on a small VPS, a phone), with
// libsodium's single lane. 0.07 s on the development machine (libsodium 1.0.18, AVX2), a few times
// that on a slow core; paid once per open, and by an attacker once per guess. The cost is stored
// with the salt, so a later default can be higher without breaking existing stores.
inline constexpr crypto::Argon2idParameters kDefaultKdf{3, 64u * 1024 * 1024};

// Bounds on the cost parameters, chosen at create() and read back at open(). The lower bounds are
// libsodium's; a stored cost above the upper bounds is refused as corrupt, so that a planted store
// cannot make open() take minutes or all the memory (1 GiB is libsodium's "sensitive" level).
inline constexpr std::uint64_t kMinKdfOperations = crypto::kArgon2idMinOperations;
inline constexpr std::uint64_t kMaxKdfOperations = 16;
inline constexpr std::size_t kMinKdfMemory = crypto::kArgon2idMinMemory;
inline constexpr std::size_t kMaxKdfMemory = 1024u * 1024 * 1024;

}  // namespace hush::client
