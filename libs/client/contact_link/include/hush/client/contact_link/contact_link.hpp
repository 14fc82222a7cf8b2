// Contact links: the text (and QR code) that lets someone add a contact and check its identity in
// one step, "hush://HOST:PORT/USERNAME#FINGERPRINT". This file owns the link's format, its strict
// parser and the identity fingerprint it carries; it does not own showing the link as a QR code
// (terminal_qr/), saving the contact, or what to do when the identity does not match (messenger/).
//
// FINGERPRINT is SHA-256 over the contact's 33-byte serialized identity public key (0x05 || 32
// bytes), written as unpadded base64url (RFC 4648 section 5): always 43 characters. README.md has
// the grammar.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "hush/base/result.hpp"
#include "hush/client/transport/server_connection.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/hash.hpp"

namespace hush::client {

// Longest text parse_contact_link() looks at; anything longer is kTooLong before any other check.
// The longest link that can be valid is 378 bytes (a server part of at most 294 characters, the
// bound of parse_server_url, a 32-character username and the 43-character fingerprint), so 512
// leaves room without letting a pasted megabyte be scanned. A valid link's QR code is then at most
// version 15 (77x77 modules) at error correction M.
inline constexpr std::size_t kMaxContactLinkSize = 512;

// Length of the fingerprint's text: 32 bytes as unpadded base64url.
inline constexpr std::size_t kContactLinkFingerprintSize = 43;

struct ContactLink {
  // The contact's hushd. parse_contact_link() gives its host in lower case.
  ServerAddress server;
  // The contact's account name on that server: 3 to 32 characters of a-z, 0-9, '_' and '.'.
  std::string username;
  // identity_fingerprint() of the contact's identity public key.
  crypto::Sha256Digest identity_fingerprint{};
};

// SHA-256 of identity.serialize() (33 bytes). Public: it identifies a key, it protects nothing.
crypto::Sha256Digest identity_fingerprint(const crypto::PublicKey& identity);

// The link's one text form. The host is written in lower case (host names and IPv6 literals are
// case-insensitive), an IPv6 literal in brackets, the port in decimal without leading zeros.
// Precondition: `link` names a server parse_server_url accepts, a non-zero port and a valid
// username; otherwise the link could not be read back, which is a bug of the caller:
// std::invalid_argument is thrown. For every text x that parse_contact_link accepts,
// format_contact_link(parse_contact_link(x)) == x.
std::string format_contact_link(const ContactLink& link);

enum class ContactLinkError {
  kTooLong,      // longer than kMaxContactLinkSize bytes
  kScheme,       // does not start with "hush://" (lower case)
  kServer,       // the part before the first '/' is not HOST:PORT in its one form
  kUsername,     // no '/' after the server, or the username breaks the rules
  kFingerprint,  // no '#' after the username, or not exactly 43 characters of unpadded base64url
                 // of 32 bytes (also: anything after them, a query string, percent-encoding)
};

// A short, stable, lower_snake_case name, for logs and --json output.
const char* to_string(ContactLinkError error);

// One sentence for a person, e.g. "the contact link does not start with hush://".
const char* describe(ContactLinkError error);

// Reads a contact link as format_contact_link() writes it, and only that form: lower-case scheme
// and host, no leading zeros in the port, no query, no percent-encoding, no whitespace, nothing
// after the fingerprint. Checks are made left to right, so the error names the first part that is
// wrong. Never throws, never reads outside `text`.
Result<ContactLink, ContactLinkError> parse_contact_link(std::string_view text);

// True when `identity` is the key the link vouches for. Compares in constant time.
bool matches(const ContactLink& link, const crypto::PublicKey& identity);

}  // namespace hush::client
