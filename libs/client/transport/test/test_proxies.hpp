// Minimal SOCKS5 (RFC 1928/1929) and HTTP CONNECT proxies on 127.0.0.1 for tests, written with
// threads and plain sockets, independently of src/proxy_handshake: each connection does the
// proxy's side of the handshake, records what the client asked for, connects to the target and
// copies bytes both ways. Behaviours: credentials required, refusal, garbage, silence.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hush/client/transport/circumvention.hpp"

namespace hush::client::test {

struct ProxyBehaviour {
  // When not empty, required: SOCKS5 then selects only method 0x02 (answering 0xFF to a client
  // that does not offer it) and checks RFC 1929; HTTP checks "Proxy-Authorization: Basic" and
  // answers 407 otherwise.
  std::string username;
  std::string password;
  // When not 0, answered to the CONNECT request instead of connecting: the SOCKS5 reply code or
  // the HTTP status.
  int refuse = 0;
  // When not empty, sent instead of the first answer (SOCKS5: the method selection; HTTP: the
  // response), and nothing more.
  std::string garbage;
  // Reads the request and never answers.
  bool silent = false;
};

// What one client asked for.
struct ProxyRequest {
  std::string methods;   // SOCKS5: the methods offered, one byte each
  std::string username;  // SOCKS5 (RFC 1929)
  std::string password;
  int address_type = 0;  // SOCKS5 ATYP: 1 IPv4, 3 name, 4 IPv6
  std::string host;      // the name, or the address as text
  std::uint16_t port = 0;
  std::string head;  // HTTP: the request head as received
};

// The bytes one finished tunnel carried, each way, after the proxy's own handshake.
struct TunnelBytes {
  std::string to_target;
  std::string from_target;
};

class TestProxy {
 public:
  TestProxy(ProxySettings::Kind kind, ProxyBehaviour behaviour = {});
  ~TestProxy();  // stops accepting, shuts every connection down, joins
  TestProxy(const TestProxy&) = delete;
  TestProxy& operator=(const TestProxy&) = delete;

  std::uint16_t port() const;
  // Settings that reach this proxy, with these credentials.
  ProxySettings settings(std::string username = "", std::string password = "") const;
  // One entry per connection whose request was read, in order.
  std::vector<ProxyRequest> requests() const;
  // One entry per tunnel that has ended, in the order they ended.
  std::vector<TunnelBytes> tunnels() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hush::client::test
