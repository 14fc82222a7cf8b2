// The client side of the SOCKS5 (RFC 1928, with RFC 1929 username/password) and HTTP CONNECT
// (RFC 9110 §9.3.6) handshakes, over any byte stream: request builders, reply parsers and the two
// exchanges. It owns the bytes of the handshakes; the socket, the deadline and the TLS that follows
// belong to server_connection.cpp. Boost-free, so that tests and fuzz targets drive it directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/client/transport/circumvention.hpp"
#include "hush/client/transport/transport_error.hpp"

namespace hush::client::proxy {

// Longest HTTP response head (status line, fields and the empty line) read from a CONNECT proxy.
// An answer to CONNECT takes a few hundred bytes; 8 KiB is what servers commonly allow for a
// request head. A longer head is refused rather than buffered: it is not a proxy worth waiting on.
inline constexpr std::size_t kMaxHttpResponseHead = 8 * 1024;

// Longest SOCKS5 reply to CONNECT: version, code, reserved, type, a 255-byte name and its length,
// and the port.
inline constexpr std::size_t kMaxSocks5Reply = 4 + 1 + 255 + 2;

// The connection to the proxy, as the handshakes use it. Implementations bound each call by the
// connect deadline.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Writes all of `bytes`.
  virtual Result<void, TransportError> write(ByteView bytes) = 0;
  // Reads at least one byte and at most `out.size()` (never 0) and returns how many. An error
  // when the stream ended (kProxyProtocol: the proxy hung up instead of answering) or failed.
  virtual Result<std::size_t, TransportError> read_some(MutableByteView out) = 0;
};

// Why a handshake failed: the error, and for kProxyRefused and kProxyAuthFailed the proxy's code
// (ConnectDiagnostics::proxy_reply).
struct HandshakeFailure {
  TransportError error = TransportError::kProxyProtocol;
  int reply = 0;
};

// What the bytes a proxy has sent so far amount to. Parsers look only at what they are given and
// decide as early as the bytes allow, so a proxy that sends garbage and waits is caught at once.
struct ReplyParse {
  enum Status {
    kIncomplete,  // more bytes are needed: at least `size` in all
    kAccepted,    // the reply is the first `size` bytes and says go on
    kRefused,     // the proxy will not connect (`code`)
    kAuthFailed,  // the proxy wants other credentials (`code`)
    kMalformed,   // not the protocol, or too long
  };
  Status status = kMalformed;
  std::size_t size = 0;
  int code = 0;
};

// The greeting: version 5 offering exactly one method, username/password (0x02) when
// `with_credentials`, else no authentication (0x00).
Bytes socks5_greeting(bool with_credentials);
// The server's method selection (2 bytes): accepted when it picks the method offered; kAuthFailed
// with code 0xFF when it accepts none.
ReplyParse parse_socks5_method_reply(ByteView bytes, bool with_credentials);
// The RFC 1929 request; nullopt unless both are 1 to 255 bytes.
std::optional<Bytes> socks5_credentials(std::string_view username, std::string_view password);
// The RFC 1929 status (2 bytes, version 0x01): accepted for 0, otherwise kAuthFailed with it.
ReplyParse parse_socks5_auth_reply(ByteView bytes);
// CONNECT to `host`: ATYP 1 or 4 for an IPv4 or IPv6 literal, 3 (the proxy resolves it) for a
// name. nullopt unless host_name::is_host(host) and port is not 0.
std::optional<Bytes> socks5_connect_request(std::string_view host, std::uint16_t port);
// The reply to CONNECT (RFC 1928 §6): version 5, then the reply code (kRefused when not 0,
// decided from the first two bytes), reserved (ignored), and a bound address of type 1, 3 (1 to
// 255 bytes) or 4 with a port, which is read and dropped.
ReplyParse parse_socks5_connect_reply(ByteView bytes);

// "CONNECT host:port HTTP/1.1", "Host: host:port" and, with a username, "Proxy-Authorization:
// Basic base64(username:password)". nullopt unless host_name::is_host(host), port is not 0, and
// the username has no ':' (RFC 7617).
std::optional<std::string> http_connect_request(std::string_view host, std::uint16_t port, const std::string& username,
                                                const std::string& password);
// A response head ("HTTP/1.x NNN reason" CRLF, fields, CRLF CRLF) within kMaxHttpResponseHead:
// kAccepted for 2xx (`size` is the head's, whatever follows it), kAuthFailed for 407, kRefused for
// any other status from 100 to 599 (`code` is the status). kMalformed as soon as the bytes cannot
// begin such a head, for a field line without a name and ':', a bare CR or LF, a control
// character, or no end of head within the bound.
ReplyParse parse_http_connect_response(ByteView bytes);

// The exchanges, on a stream connected to the proxy, asking it for `host`:`port`. Only what
// `proxy` needs is read from it (kind, username, password). Errors: kInvalidArgument (a malformed
// host or credentials), kProxyRefused, kProxyAuthFailed, kProxyProtocol (including bytes after
// the HTTP response head: the server speaks only after our TLS ClientHello), and the stream's own.
Result<void, HandshakeFailure> socks5_connect(ByteStream& stream, const ProxySettings& proxy, std::string_view host,
                                              std::uint16_t port);
Result<void, HandshakeFailure> http_connect(ByteStream& stream, const ProxySettings& proxy, std::string_view host,
                                            std::uint16_t port);
// socks5_connect or http_connect by `proxy.kind`; kInvalidArgument for kNone.
Result<void, HandshakeFailure> handshake(ByteStream& stream, const ProxySettings& proxy, std::string_view host,
                                         std::uint16_t port);

}  // namespace hush::client::proxy
