// ServerConnection: one TLS WebSocket connection to hushd (docs/protocol.md, part 2), trusting
// either a pinned certificate (SHA-256 of its DER encoding, as hushd prints it) or a CA file. It
// owns the framing (wire/frame_codec), matching responses to requests by id, and the bounded queue
// of pushes; it does not own what the requests mean (account/, messenger/) or reconnecting.
//
// Single-threaded and synchronous: every call runs the connection's own event loop on the calling
// thread until its answer arrives or its deadline passes; nothing happens between calls (the
// server's pushes wait in the TCP buffers). Not thread-safe: one thread uses a connection at a time.
// Boost.Beast stays in src/ (pimpl), so including this header costs nothing.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/client/transport/circumvention.hpp"
#include "hush/client/transport/connect_failure.hpp"
#include "hush/client/transport/transport_error.hpp"
#include "hush/crypto/hash.hpp"
#include "hush/wire/api.pb.h"

namespace hush::client {

// Trust the server whose leaf certificate has exactly this SHA-256 fingerprint (of its DER
// encoding), whatever its issuer, names or dates: what a self-hosted hushd prints at start.
struct PinnedCertificate {
  crypto::Sha256Digest fingerprint{};
};

// Trust certificates issued by the CAs in a PEM file, for the server address's host name (or the
// SNI name when fronting: FrontingSettings).
struct CaFile {
  std::filesystem::path path;
};

using ServerTrust = std::variant<PinnedCertificate, CaFile>;

// Where hushd listens: "wss://HOST:PORT/".
struct ServerAddress {
  std::string host;
  std::uint16_t port = 0;
};

// Parses "wss://HOST:PORT" (an optional trailing "/"; IPv6 literals in brackets). nullopt for
// anything else, including another scheme or a missing port.
std::optional<ServerAddress> parse_server_url(std::string_view url);

// "wss://HOST:PORT" (an IPv6 literal in brackets): what parse_server_url reads back.
std::string format_server_url(const ServerAddress& address);

// 64 lower-case hex digits.
std::string format_fingerprint(const crypto::Sha256Digest& fingerprint);

// Parses 64 hex digits (case-insensitive; ':' separators allowed) as a certificate fingerprint.
std::optional<crypto::Sha256Digest> parse_fingerprint(std::string_view text);

struct ConnectionOptions {
  // Bound on resolving, TCP connect, TLS and WebSocket handshakes and the Challenge together.
  // Default 10 seconds.
  std::chrono::milliseconds connect_timeout{10000};
  // Default bound on waiting for a response in call(); a write that cannot complete within it
  // closes the connection. Default 10 seconds.
  std::chrono::milliseconds request_timeout{10000};
  // Pushes kept while the caller waits for a response. When full, the connection stops reading
  // (the server then sees a slow consumer) until next_push() takes some. Default 4,096: the
  // frames are at most kMaxFrameSize, but envelopes of text are 1 KiB.
  std::size_t max_queued_pushes = 4096;
  // Heartbeat: while next_push() waits and nothing has been read for `heartbeat_interval`, a Ping
  // goes out; when nothing at all comes back within `heartbeat_timeout`, the connection is taken
  // for dead (a stalled TCP connection never errors: the censor's favourite) and closed with
  // kStalled, so the caller reconnects instead of waiting forever. Defaults 25 s (under common
  // NAT and proxy idle timeouts, and under hushd's 60 s idle_timeout) and 10 s; an interval of
  // zero turns it off.
  std::chrono::milliseconds heartbeat_interval{25000};
  std::chrono::milliseconds heartbeat_timeout{10000};
  // The proxy to reach the server through (circumvention.hpp). Default none: a direct TCP
  // connection. A ProxySettings of kind kNone is the same as none.
  std::optional<ProxySettings> proxy;
  // The TCP address, TLS SNI and WebSocket Host, when they must differ from the server address
  // (circumvention.hpp). Default: all three from the server address.
  FrontingSettings fronting;
};

// What a failed connect() learned beyond its TransportError, for a person or a probe working out
// what blocks the way.
struct ConnectDiagnostics {
  // With kProxyRefused or kProxyAuthFailed, the proxy's answer: the SOCKS5 reply code (RFC 1928
  // §6: 0x01 general failure ... 0x08 address type not supported; Tor adds 0xF0-0xF7 for onion
  // services), 0xFF (no acceptable authentication method), the RFC 1929 status, or the HTTP status
  // (403, 407, 502, ...). 0 otherwise.
  int proxy_reply = 0;
  // The step that failed (kNone when connect() succeeded or refused its arguments), and what the
  // network did there as a failure string (connect_failure.hpp: "connection_refused",
  // "ssl_invalid_certificate", "generic_timeout_error", ...; "" when connect() succeeded). A
  // timeout is charged to the step that was running when the connect deadline passed.
  ConnectStep failed_step = ConnectStep::kNone;
  std::string failure{};  // (an initializer, so that brace-initializing the fields above stays warning-free)
  // How long each step took, indexed by ConnectStep, for the steps that completed (on success and
  // on failure); nullopt for a step not reached, failed, or not needed (the proxy's without one).
  std::array<std::optional<std::chrono::milliseconds>, kConnectStepCount> step_time{};
};

// The SHA-256 fingerprint of the leaf certificate `address` presents, from a TLS handshake that
// trusts nothing and sends nothing else: what a first registration pins when the user has neither
// a CA file nor the fingerprint hushd printed (trust on first use; the caller shows it so that the
// user can compare). It goes through `options.proxy` and `options.fronting` as connect() does,
// bounded by `timeout` (the options' timeouts are not used). Errors: kInvalidArgument,
// kResolveFailed, kConnectFailed, kHandshakeFailed, kTimeout, and the proxy errors.
Result<crypto::Sha256Digest, TransportError> probe_certificate(const ServerAddress& address,
                                                               std::chrono::milliseconds timeout,
                                                               const ConnectionOptions& options = {});

// The checks connect() makes on `address` and `options` before anything is sent (the server's
// host and port, the proxy, the fronting settings: circumvention.hpp), for code that stores
// settings to use later and wants to refuse bad ones at once. kInvalidArgument when one fails.
Result<void, TransportError> check_connection_settings(const ServerAddress& address, const ConnectionOptions& options);

class ServerConnection {
 public:
  // Connects (through options.proxy, to options.fronting's address when set), checks the
  // certificate against `trust`, upgrades to a WebSocket and waits for the Challenge, all within
  // options.connect_timeout. `diagnostics`, when given, is filled in (step times also on success). Errors:
  // kInvalidArgument, kCaFileUnreadable, kResolveFailed, kConnectFailed (to the proxy when there is
  // one), kProxyRefused, kProxyAuthFailed, kProxyProtocol, kCertificateRejected, kHandshakeFailed,
  // kNoChallenge, kTimeout.
  static Result<std::unique_ptr<ServerConnection>, TransportError> connect(const ServerAddress& address,
                                                                           const ServerTrust& trust,
                                                                           const ConnectionOptions& options = {},
                                                                           ConnectDiagnostics* diagnostics = nullptr);
  ~ServerConnection();
  ServerConnection(const ServerConnection&) = delete;
  ServerConnection& operator=(const ServerConnection&) = delete;

  // The nonce of the connection's Challenge: what RegisterAccount and Authenticate sign.
  const Bytes& challenge_nonce() const { return nonce_; }

  // Sends `request` with a fresh id and waits up to `timeout` (request_timeout when zero) for the
  // response with that id; pushes arriving meanwhile are queued for next_push(). A response that
  // arrives after its call timed out is dropped. Errors: kTooLarge (the request does not fit a
  // frame), kTimeout (the connection stays open), kPushQueueFull (max_queued_pushes pushes wait for
  // next_push(): the response cannot be read before them; the connection stays open), kClosed, kProtocol (the server
  // sent an undecodable frame: the connection is closed).
  Result<wire::api::Response, TransportError> call(wire::api::Request request,
                                                   std::chrono::milliseconds timeout = std::chrono::milliseconds{0});

  // Pipelining: start() sends `request` with a fresh id and returns the id without waiting;
  // wait() then waits for that id's response as call() does (responses to other started requests
  // that arrive first are kept until waited for). After kPushQueueFull the request stays started:
  // take pushes with next_push() and wait() for it again (a burst of pushes must not cost the
  // answer); after any other outcome it is forgotten. At most kMaxStartedRequests may be outstanding
  // (kInvalidArgument beyond). For transfers, where a round trip per chunk would bound the rate.
  Result<std::uint64_t, TransportError> start(wire::api::Request request);
  Result<wire::api::Response, TransportError> wait(std::uint64_t id,
                                                   std::chrono::milliseconds timeout = std::chrono::milliseconds{0});
  // Waits up to `timeout` for a started request's answer: nullopt when none came yet (the request
  // stays started, to be waited for again). Errors as wait(), but never kTimeout. For a transfer
  // that checks, while it waits, whether the connection is still alive.
  Result<std::optional<wire::api::Response>, TransportError> poll(std::uint64_t id, std::chrono::milliseconds timeout);
  // wait() for a transfer: after `probe_after` of silence a Ping goes out (its answer dropped), so
  // that a connection a censor cut towards the server only — the client just waits — draws the
  // reset at once instead of the whole `timeout`. Errors as wait().
  Result<wire::api::Response, TransportError> wait_alive(std::uint64_t id, std::chrono::milliseconds timeout,
                                                         std::chrono::milliseconds probe_after);
  static constexpr std::size_t kMaxStartedRequests = 64;

  // The next push, queued or read within `timeout`, sending heartbeats meanwhile (see
  // ConnectionOptions). Errors: kTimeout (nothing arrived; the connection stays open), kStalled
  // (the server stopped answering: the connection is closed), kClosed, kProtocol.
  Result<wire::api::Push, TransportError> next_push(std::chrono::milliseconds timeout);

  // Pushes read and not yet taken by next_push().
  std::size_t queued_pushes() const;

  // True once the connection is closed (by either side or after a failure).
  bool closed() const;
  // The reason of the server's Closing push, "" if none came.
  const std::string& closing_reason() const;
  // Once closed() by a failure, what the network did as a failure string (connect_failure.hpp):
  // "connection_reset", "eof_error" (the server closed), "read_write_stall" (kStalled or a write
  // that timed out), "unknown_failure" (a frame that did not decode); "" while open and after
  // close().
  const std::string& failure() const;

  // Closes the socket at once, without the WebSocket close handshake: for a connection found
  // stalled, where the handshake would only wait out its bound. Idempotent.
  void abort();
  // Closes the WebSocket (bounded by request_timeout) and the socket. Idempotent.
  void close();

 private:
  friend Result<crypto::Sha256Digest, TransportError> probe_certificate(const ServerAddress&, std::chrono::milliseconds,
                                                                        const ConnectionOptions&);
  struct Impl;
  explicit ServerConnection(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
  Bytes nonce_;
  std::uint64_t next_id_ = 1;
};

}  // namespace hush::client
