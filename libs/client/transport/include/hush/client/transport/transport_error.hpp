// Errors of the client's connection to hushd. Each names an outcome a caller handles differently
// (retry later, tell the user the certificate changed, fix the command line); none carries data
// (a proxy's reply code is reported beside it, in ConnectDiagnostics).
#pragma once

namespace hush::client {

enum class TransportError {
  kInvalidArgument,       // an empty host, port 0, a malformed name, proxy or fronting setting
  kCaFileUnreadable,      // the CA file is missing or holds no usable certificate
  kResolveFailed,         // the host name does not resolve
  kConnectFailed,         // no TCP connection to any address of the host
  kCertificateRejected,   // the server's certificate is not the pinned one, or no trusted CA issued it
  kHandshakeFailed,       // TLS or WebSocket handshake failed for another reason
  kNoChallenge,           // the server's first frame was not a Challenge
  kTimeout,               // the wait's deadline passed
  kClosed,                // the connection is closed (see closing_reason())
  kStalled,               // nothing came back to a heartbeat within heartbeat_timeout: closed
  kProtocol,              // the server sent a frame that does not decode
  kTooLarge,              // the request does not fit kMaxFrameSize
  kPushQueueFull,         // max_queued_pushes pushes are unread, so no response can be read
  kProxyRefused,          // the proxy answered but would not connect to the server (a SOCKS5 reply
                          // code other than success, an HTTP status other than 2xx and 407)
  kProxyAuthFailed,       // the proxy wants credentials it was not given, or refused those given
                          // (SOCKS5 method 0xFF or RFC 1929 failure, HTTP 407)
  kProxyProtocol,         // the proxy's answer is not SOCKS5 or HTTP as specified, is too long, or
                          // the proxy closed the connection instead of answering
  kTransportUnavailable,  // a pluggable transport (obfs4proxy) the endpoint needs could not be started
};

// A short, stable, lower_snake_case name.
const char* to_string(TransportError error);

}  // namespace hush::client
