// Starts the coroutine that serves one accepted TCP connection: TLS handshake, then either one
// plain HTTPS request (GET /metrics, GET /health) or the WebSocket accept, Challenge push, then
// frames in and out (connection.cpp). Only the network translation units
// include this header (it pulls in Asio).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <string>

#include "connection_tracker.hpp"
#include "hush/crypto/random.hpp"
#include "hush/server/options.hpp"
#include "hush/storage/storage.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "router.hpp"

namespace hush::server {

// What every connection shares; outlives all connections.
struct ServerContext {
  const Options& options;
  Router& router;
  Logger& logger;
  crypto::Rng& rng;
  ConnectionTracker& tracker;
  Metrics& metrics;
  storage::Storage& storage;  // only for GET /health
};

// `socket` must have a strand executor; its slot in the tracker is reserved for `remote_ip`.
void start_connection(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls, ServerContext& context,
                      std::string remote_ip);

}  // namespace hush::server
