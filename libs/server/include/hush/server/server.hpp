// hushd's relay server as one object: listens for TLS WebSocket connections, serves api.proto over
// a storage backend, and shuts down gracefully. Owns threads, sockets and sessions; not the
// database (passed in) nor configuration files and command lines (apps/hushd).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "hush/server/options.hpp"
#include "hush/storage/storage.hpp"

namespace hush::server {

class Server {
 public:
  // `storage` must outlive the Server. Nothing happens until start().
  Server(Options options, storage::Storage& storage);
  ~Server();  // calls stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the TLS identity, binds, and starts Options::threads threads. Returns an empty string
  // on success, otherwise a description of what failed (bad certificate, address in use).
  std::string start();

  // The port actually bound (useful with listen_port 0). 0 before start().
  std::uint16_t port() const;

  // Stops accepting, tells every connection "service_restart", waits up to
  // Options::shutdown_grace for them to close, finishes pending commits, joins the threads.
  // Idempotent; thread-safe.
  void stop();

  // Blocks until the process receives SIGTERM or SIGINT (or stop() is called), then stops.
  void run_until_signal();

  // Counters, for tests and metrics.
  std::size_t connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hush::server
