// A TLS WebSocket server on 127.0.0.1 that plays hushd as far as one connection needs (a
// Challenge, then an OK response to every request) and records what each client sent: the TLS
// server name (OpenSSL's servername callback) and the WebSocket request's Host header. For the
// fronting tests, which hushd itself does not expose. Beast stays in fake_server.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hush/crypto/hash.hpp"

namespace hush::client::test {

class FakeServer {
 public:
  // Listens on an ephemeral port with a fresh self-signed certificate for "localhost" and
  // 127.0.0.1, serving one connection at a time on its own thread.
  FakeServer();
  ~FakeServer();  // stops accepting, ends the current connection, joins
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  std::uint16_t port() const;
  const crypto::Sha256Digest& fingerprint() const;
  const std::string& certificate_pem() const;

  struct Seen {
    std::optional<std::string> sni;  // nullopt: the ClientHello named no server
    std::string host;                // the Host header
  };
  // One entry per connection whose WebSocket request was read, in order.
  std::vector<Seen> seen() const;

  // While silent, requests are read but never answered and nothing is sent: a stalled server, as
  // a censor's middlebox that stops forwarding without closing makes it look.
  void set_silent(bool silent);
  // Requests read so far, over all connections.
  std::size_t requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hush::client::test
