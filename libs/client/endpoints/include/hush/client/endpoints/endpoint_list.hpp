// The endpoint list: the ways this device reaches its server (ARCHITECTURE.md decision 7), tried
// first to last, kept per home in HOME/endpoints.json so that it exists before registration (the
// encrypted store does not yet). It owns what an endpoint is, its checks, the file's format
// (docs in README.md), and reading and writing the file. It does not own connecting (failover.hpp)
// nor the server's trust (the account's, the same for every endpoint).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/client/transport/circumvention.hpp"
#include "hush/client/transport/server_connection.hpp"

namespace hush::client {

// Most endpoints a list holds. Every connection attempt may try each one for a whole
// connect_timeout, so a longer list only delays the error a user sees; 16 is room for a direct
// address, a few proxies and fronts, and Tor.
inline constexpr std::size_t kMaxEndpoints = 16;
// Largest endpoints file read (bytes). 16 endpoints with proxy URLs of kMaxProxyUrlSize take
// under 48 KiB; anything larger is not a file hush wrote.
inline constexpr std::size_t kMaxEndpointsFileSize = 64 * 1024;
// Deepest JSON nesting the file may have: an object holding an array of objects.
inline constexpr int kMaxEndpointsFileDepth = 3;
// The file, in the home folder, and the format version it carries ("version").
inline constexpr std::string_view kEndpointsFileName = "endpoints.json";
inline constexpr int kEndpointsFileVersion = 1;

// An obfs4 bridge's arguments (`hushd bridge` prints them in its link): the endpoint's address is
// the bridge, reached through a local obfs4proxy client (libs/pt) that the account runs.
struct Obfs4Bridge {
  std::string cert;  // 70 characters of base64 (pt::kObfs4CertSize)
  int iat_mode = 0;  // 0..2

  friend bool operator==(const Obfs4Bridge&, const Obfs4Bridge&) = default;
};

// "cert=CERT;iat-mode=N", the form the endpoints file keeps; and back (nullopt unless exactly it).
std::string format_obfs4_arguments(const Obfs4Bridge& bridge);
std::optional<Obfs4Bridge> parse_obfs4_arguments(std::string_view text);

// One way to reach the server. `address` is where the TCP connection goes (or what the proxy is
// asked to connect to); the server itself stays the account's: unless `sni` or `host` say
// otherwise, TLS names it, the WebSocket's Host names it and a CA-issued certificate must be for
// it (connection_options()). So another address of the same server, a proxy, or a front are each
// one endpoint.
struct Endpoint {
  ServerAddress address;
  // The proxy to go through (never of kind kNone); nullopt: a direct connection.
  std::optional<ProxySettings> via;
  // The TLS server name instead of the server's host; "" sends none (FrontingSettings::sni).
  std::optional<std::string> sni;
  // The WebSocket request's Host header instead of the server's HOST:PORT.
  std::optional<std::string> host;
  // An obfs4 bridge at `address`, reached through obfs4proxy (never together with `via`).
  std::optional<Obfs4Bridge> obfs4;

  bool operator==(const Endpoint& other) const;
};

enum class EndpointsError {
  kIo,               // the file or the home folder could not be read or written
  kCorrupt,          // the file is not an endpoint list (detail says where)
  kTooLarge,         // the file is larger than kMaxEndpointsFileSize
  kTooMany,          // the list would hold more than kMaxEndpoints
  kInvalidEndpoint,  // an endpoint's address, proxy, SNI or Host is malformed
  kNotFound,         // no endpoint with that number
  kDuplicate,        // the same endpoint is in the list already
};

// "io", "corrupt", "too_large", "too_many", "invalid_endpoint", "not_found", "duplicate" (stable).
const char* to_string(EndpointsError error);

struct EndpointsFailure {
  EndpointsError error = EndpointsError::kIo;
  // For a person: what is wrong and where, naming the file when there is one. Never a password.
  std::string detail;
};

// kInvalidEndpoint unless `endpoint` passes the checks connect() makes (a host and a port, a proxy
// of a known kind with usable credentials, SNI a DNS name or "", Host a name[:port]).
Result<void, EndpointsFailure> check_endpoint(const Endpoint& endpoint);

// What connect() needs to go through `endpoint` to `server`: `base` (timeouts, limits) with its
// proxy and fronting replaced by the endpoint's.
ConnectionOptions connection_options(const Endpoint& endpoint, const ServerAddress& server, ConnectionOptions base);

// The endpoint that `options` describe for `server`: its proxy, its fronting's SNI and Host, and
// its fronting's connect address (else the server's) as the address. What an account without a
// list uses, and what a registration puts first in the list.
Endpoint endpoint_from(const ServerAddress& server, const ConnectionOptions& options);

// The endpoint as one line for a person, the password masked: "wss://HOST:PORT via
// socks5://USER:***@HOST:PORT sni NAME host NAME" (the parts that are set).
std::string describe(const Endpoint& endpoint);

// The file's text for `endpoints` (which the caller has checked), and the list a text holds.
// parse_endpoints is strict and bounded: kTooLarge over kMaxEndpointsFileSize; kCorrupt for
// anything but {"version": 1, "endpoints": [{"url": ..., "via"?: ..., "sni"?: ..., "host"?: ...},
// ...]} with valid values (no other member, no member twice, strings only, at most
// kMaxEndpoints entries, no duplicates); the detail names the entry and the member.
std::string serialize_endpoints(const std::vector<Endpoint>& endpoints);
Result<std::vector<Endpoint>, EndpointsFailure> parse_endpoints(std::string_view text);

// HOME/endpoints.json.
std::filesystem::path endpoints_file(const std::filesystem::path& home);

// The home's list, first to last; empty when there is no file. A file that cannot be read or
// parsed is an error naming it (never replaced: it may hold the only way out of a censored
// network).
Result<std::vector<Endpoint>, EndpointsFailure> load_endpoints(const std::filesystem::path& home);

// Replaces the home's list with `endpoints` (checked first): written to a temporary file (mode
// 0600: a proxy URL may hold a password), flushed to disk, renamed over the file, and the folder
// flushed, so that a crash leaves the old list or the new one. Creates the home (mode 0700) when
// it is missing.
Result<void, EndpointsFailure> save_endpoints(const std::filesystem::path& home,
                                              const std::vector<Endpoint>& endpoints);

// Appends `endpoint` to the home's list; returns its number (from 1). kDuplicate when it is
// there already, kTooMany when the list is full.
Result<std::size_t, EndpointsFailure> add_endpoint(const std::filesystem::path& home, const Endpoint& endpoint);

// Removes endpoint number `number` (from 1) and returns it. kNotFound when there is none.
Result<Endpoint, EndpointsFailure> remove_endpoint(const std::filesystem::path& home, std::size_t number);

// Makes `endpoint` number 1, moving it there when it is in the list already. kTooMany when it is
// not and the list is full.
Result<void, EndpointsFailure> put_endpoint_first(const std::filesystem::path& home, const Endpoint& endpoint);

}  // namespace hush::client
