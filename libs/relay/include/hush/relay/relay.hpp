// A hush relay (ARCHITECTURE.md decision 7): a TCP forwarder that anyone can run on a machine the
// censor does not block, and that carries a client's connection to exactly one hush server. It
// splices bytes both ways and never looks inside: the TLS session stays between the client and
// hushd, so the relay sees neither keys nor messages, only how many bytes pass. It is not an open
// proxy: the destination is fixed at start. Owns sockets, buffers and timeouts; not the link users
// share (libs/client/transport relay_link.hpp) nor the command line (apps/hushd `hushd relay`).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace hush::relay {

struct RelayOptions {
  // Where clients connect. Port 0 picks a free port (see Relay::port()). Default 127.0.0.1:0;
  // a relay for others listens on "0.0.0.0" or "::".
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 0;

  // The one hush server every connection is carried to: a DNS name (resolved for each connection,
  // so a changed address is followed) or an IP literal, and its TLS port. Required.
  std::string target_host;
  std::uint16_t target_port = 0;

  // Connections carried at once; one more is accepted and closed at once. Each holds two sockets
  // and two buffers of kBufferSize. Default 4,096.
  std::size_t max_connections = 4096;

  // Bound on resolving and connecting to the target for one client. Default 10 s.
  std::chrono::milliseconds connect_timeout{10'000};

  // A connection with no byte in either direction for this long is closed. hush clients send a
  // heartbeat after 25 s of quiet, so a live connection is never idle this long. Default 120 s.
  std::chrono::milliseconds idle_timeout{120'000};

  // Threads running the sockets. Default 1: a relay moves bytes, it does not compute.
  std::size_t threads = 1;
};

// Bytes read at once per direction of a connection: one TLS record at most, so a record is never
// held back waiting for the next.
inline constexpr std::size_t kRelayBufferSize = 16 * 1024 + 64;

// Thread-safe; start() once, stop() any number of times (the destructor calls it).
class Relay {
 public:
  explicit Relay(RelayOptions options);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Binds and starts the threads. "" on success, otherwise what failed (address in use, a missing
  // target).
  std::string start();

  // The port bound (useful with listen_port 0); 0 before start().
  std::uint16_t port() const;

  // Connections being carried now.
  std::size_t connection_count() const;

  // Stops accepting, closes every connection, joins the threads.
  void stop();

  // Blocks until SIGTERM or SIGINT (or stop()), then stops.
  void run_until_signal();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hush::relay
