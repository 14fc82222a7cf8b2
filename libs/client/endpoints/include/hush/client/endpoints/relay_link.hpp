// Relay and bridge links: the text (and QR code) an operator shares so that a user adds a way
// around a block in one step, before or after registering (ARCHITECTURE.md decision 7):
//
//   hush-relay://RELAY_HOST:PORT/SERVER_HOST:PORT#PIN
//   hush-bridge://BRIDGE_HOST:PORT/SERVER_HOST:PORT?cert=CERT&iat-mode=N#PIN
//
// A relay (`hushd relay`) forwards TCP to exactly one hush server; a bridge (`hushd bridge`) is
// obfs4 in front of one, reached through a local obfs4proxy client with the bridge's CERT (70
// characters of base64) and iat-mode (0, 1 or 2). Both carry the server's address (its TLS name
// and WebSocket Host) and PIN, the SHA-256 fingerprint of its certificate (64 lower-case hex
// digits), so a user who has nothing else can register through the link. This file owns the
// format and its strict, bounded parser; not running relays or obfs4proxy (libs/relay, libs/pt)
// nor the endpoint it becomes (endpoint_list.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "hush/base/result.hpp"
#include "hush/client/transport/server_connection.hpp"
#include "hush/crypto/hash.hpp"
#include "hush/pt/obfs4.hpp"

namespace hush::client {

// Longest link parse_relay_link() looks at. Two host:port parts of at most 294 characters each
// (parse_server_url's bound less its scheme), the cert and pin: under 800; 1,024 leaves no room
// for anything a valid link cannot hold, and keeps its QR code readable.
inline constexpr std::size_t kMaxRelayLinkSize = 1024;

using pt::kMaxObfs4IatMode;  // 2
using pt::kObfs4CertSize;    // 70

struct RelayLink {
  enum class Kind { kRelay, kObfs4Bridge };
  Kind kind = Kind::kRelay;
  // Where the client's TCP connection goes: the relay, or the bridge (through obfs4proxy).
  ServerAddress via;
  // The hush server behind it, and the fingerprint of its certificate.
  ServerAddress server;
  crypto::Sha256Digest pin{};
  // kObfs4Bridge only.
  std::string obfs4_cert;
  int obfs4_iat_mode = 0;
};

enum class RelayLinkError {
  kTooLong,  // longer than kMaxRelayLinkSize
  kScheme,   // neither "hush-relay://" nor "hush-bridge://"
  kVia,      // the relay's or bridge's HOST:PORT
  kServer,   // the server's HOST:PORT (after the first '/')
  kObfs4,    // a bridge link without exactly "?cert=CERT&iat-mode=N", or a relay link with a query
  kPin,      // no '#' followed by exactly 64 lower-case hex digits at the end
};

// "too_long", "scheme", "via", "server", "obfs4", "pin" (stable).
const char* to_string(RelayLinkError error);

Result<RelayLink, RelayLinkError> parse_relay_link(std::string_view text);

// The endpoint a link stands for: its address is the relay or bridge (the TCP connection goes
// there; TLS still names the account's server), with the bridge's obfs4 arguments.
struct Endpoint;
Endpoint endpoint_from(const RelayLink& link);

// The link's one text form; parse_relay_link(format_relay_link(l)) == l for every link it accepts.
std::string format_relay_link(const RelayLink& link);

}  // namespace hush::client
