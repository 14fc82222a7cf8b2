// Linking a new device to an account (docs/protocol.md, "Linking a device"): the code a new
// device shows, and the payload an existing device seals to it. The new device picks a link id
// and a one-time X25519 key and shows both as a code; the existing device seals the account's
// identity key pair, a one-time token and the contacts to that key (X25519 with its own one-time
// key, HKDF-SHA256, XChaCha20-Poly1305 bound to the link id) and posts it with ApproveLink; the
// new device fetches it (FetchLink), opens it and registers with the token (LinkDevice). The
// server relays the sealed bytes and never holds a key that opens them. Account::link_new and
// Account::approve_link run the exchange.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/random.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::client {

inline constexpr std::size_t kLinkIdSize = 16;
inline constexpr std::size_t kLinkTokenSize = 32;
// Contacts a link carries at most: 256 names of up to 32 bytes keep the sealed payload well under
// the server's max_link_payload (16 KiB by default).
inline constexpr std::size_t kMaxLinkedContacts = 256;
// The largest sealed payload opened: the server's default max_link_payload.
inline constexpr std::size_t kMaxSealedLinkSize = 16 * 1024;
// How long a new device waits for the approval by default: the server keeps a link 10 minutes.
inline constexpr std::chrono::minutes kDefaultLinkWait{10};
// "hush-link:" and 96 hex digits (the link id, then the key's 32 bytes).
inline constexpr std::string_view kLinkCodePrefix = "hush-link:";

struct LinkCode {
  Bytes link_id;          // kLinkIdSize bytes
  crypto::PublicKey key;  // the new device's one-time key
  friend bool operator==(const LinkCode&, const LinkCode&) = default;
};

std::string format_link_code(const LinkCode& code);
// nullopt for anything format_link_code cannot have made (surrounding spaces are ignored; hex in
// either case).
std::optional<LinkCode> parse_link_code(std::string_view text);

// The payload sealed to `code.key`: a fresh one-time key's public half, then the AEAD of
// `payload` bound to the link id.
Bytes seal_link_payload(const LinkCode& code, ByteView payload, crypto::Rng& rng);
// The payload, or nullopt when `sealed` was not made for this key and link id (or is malformed,
// or longer than kMaxSealedLinkSize).
std::optional<crypto::SecretBytes> open_link_payload(const LinkCode& code, const crypto::PrivateKey& key,
                                                     ByteView sealed);

}  // namespace hush::client
