// Server: the io_context and its threads, the TLS context, the acceptor coroutine, the expiry
// sweeper, signals and graceful shutdown. Wires Router, Committer, BlockingPool and the
// registries together.
#include "hush/server/server.hpp"

#include "network_pch.hpp"

#include <atomic>
#include <condition_variable>
#include <thread>

#include "blocking_pool.hpp"
#include "committer.hpp"
#include "connection.hpp"
#include "connection_tracker.hpp"
#include "hush/wire/frame_codec.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "registry.hpp"
#include "router.hpp"

namespace hush::server {

namespace asio = boost::asio;
using asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// Envelopes in one group commit at most (Committer's bound).
constexpr std::size_t kMaxCommitBatch = 4096;

struct Server::Impl {
  Impl(Options options_in, storage::Storage& storage_in)
      : options(std::move(options_in)),
        storage(storage_in),
        logger(options.log_sink),
        committer(storage.messages(), kMaxCommitBatch, &metrics),
        router(options, storage, registry, committer, logger, rng, &blocking),
        tracker(options.limits.connections_per_ip),
        sweep_timer(io) {}

  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::make_strand(io), kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        logger.event("accept_failed", {{"error", ec.message()}});
        continue;
      }
      boost::system::error_code endpoint_error;
      const auto remote = socket.remote_endpoint(endpoint_error);
      std::string ip = endpoint_error ? std::string("unknown") : remote.address().to_string();
      metrics.connections_total.fetch_add(1, std::memory_order_relaxed);
      if (!tracker.reserve(ip)) {
        metrics.count_close("connections_per_ip");
        logger.event("connection_refused", {{"reason", "connections_per_ip"}});
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      start_connection(std::move(socket), tls, context, std::move(ip));
    }
  }

  awaitable<void> sweep_loop() {
    for (;;) {
      sweep_timer.expires_after(options.sweep_interval);
      auto [ec] = co_await sweep_timer.async_wait(kTuple);
      if (ec || stopping) co_return;
      // On the blocking pool (the sweep writes); a sweep still running is not started twice.
      if (sweeping.exchange(true)) continue;
      blocking.post([this] {
        metrics.envelopes_expired.fetch_add(router.sweep(router.now()), std::memory_order_relaxed);
        sweeping = false;
      });
    }
  }

  Options options;
  storage::Storage& storage;
  Logger logger;
  Metrics metrics;
  crypto::SystemRng rng;
  DeliveryRegistry registry;
  BlockingPool blocking;
  Committer committer;
  Router router;
  ConnectionTracker tracker;
  ServerContext context{options, router, logger, rng, tracker, metrics, storage};
  // Declared before `io`: connections still owned by pending handlers are destroyed with `io`.
  asio::ssl::context tls{asio::ssl::context::tls_server};
  asio::io_context io;
  std::optional<asio::ip::tcp::acceptor> acceptor;
  asio::steady_timer sweep_timer;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::atomic<std::uint16_t> port{0};
  std::atomic<bool> stopping{false};
  std::atomic<bool> sweeping{false};
  std::mutex stop_mutex;
  std::condition_variable stopped_signal;
  bool started = false;
  bool stopped = false;
};

Server::Server(Options options, storage::Storage& storage)
    : impl_(std::make_unique<Impl>(std::move(options), storage)) {}

Server::~Server() {
  stop();
}

std::string Server::start() {
  Impl& s = *impl_;
  boost::system::error_code ec;
  s.tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1,
                    ec);
  s.tls.use_certificate_chain_file(s.options.tls_certificate_file.string(), ec);
  if (ec) return "cannot load TLS certificate " + s.options.tls_certificate_file.string() + ": " + ec.message();
  s.tls.use_private_key_file(s.options.tls_private_key_file.string(), asio::ssl::context::pem, ec);
  if (ec) return "cannot load TLS private key " + s.options.tls_private_key_file.string() + ": " + ec.message();
  if (SSL_CTX_set_block_padding(s.tls.native_handle(), wire::kTlsRecordPadding) != 1) {
    return "cannot set TLS record padding";
  }

  const auto address = asio::ip::make_address(s.options.listen_address, ec);
  if (ec) return "invalid listen address " + s.options.listen_address;
  asio::ip::tcp::acceptor acceptor(s.io);
  const asio::ip::tcp::endpoint endpoint(address, s.options.listen_port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return "cannot listen on " + s.options.listen_address + ":" + std::to_string(s.options.listen_port) + ": " +
           ec.message();
  s.port = acceptor.local_endpoint().port();
  s.acceptor.emplace(std::move(acceptor));

  // With storage shared by several servers, its wakes drive delivery (Router::on_wakes).
  if (storage::WakeSource* wakes = s.storage.wakes()) {
    auto listening = wakes->start([&s](std::span<const storage::Wake> batch) { s.router.on_wakes(batch); });
    if (!listening.ok())
      return "cannot listen for storage wakes: " + std::string(storage::to_string(listening.error()));
  }

  s.work.emplace(s.io.get_executor());
  asio::co_spawn(s.io, s.accept_loop(), asio::detached);
  asio::co_spawn(s.io, s.sweep_loop(), asio::detached);
  std::size_t threads = s.options.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (std::size_t i = 0; i < threads; ++i) {
    s.threads.emplace_back([&s] {
      for (;;) {
        try {
          s.io.run();
          return;
        } catch (const std::exception& e) {
          s.logger.event("bug_io_exception", {{"what", e.what()}});
        }
      }
    });
  }
  s.started = true;
  s.logger.event("listening", {{"address", s.options.listen_address},
                               {"port", std::to_string(s.port.load())},
                               {"threads", std::to_string(threads)}});
  return {};
}

std::uint16_t Server::port() const {
  return impl_->port;
}

std::size_t Server::connection_count() const {
  return impl_->tracker.count();
}

void Server::stop() {
  Impl& s = *impl_;
  std::unique_lock lock(s.stop_mutex);
  if (s.stopped) return;
  s.stopped = true;
  s.stopping = true;
  if (!s.started) return;
  // 1. Stop accepting. 2. Tell every connection; wait a bounded time. 3. Finish commits (their
  // answers still reach connections that are open). 4. Stop the threads.
  s.tracker.refuse_new();
  if (storage::WakeSource* wakes = s.storage.wakes()) wakes->stop();
  asio::post(s.io, [&s] {
    boost::system::error_code ignored;
    if (s.acceptor) s.acceptor->close(ignored);
    s.sweep_timer.cancel();
  });
  for (const auto& session : s.tracker.all()) session->close("service_restart");
  const bool all_closed = s.tracker.wait_empty(s.options.shutdown_grace);
  s.blocking.stop();
  s.committer.stop();
  s.work.reset();
  s.io.stop();
  for (std::thread& thread : s.threads) thread.join();
  s.threads.clear();
  s.logger.event("stopped", {{"all_connections_closed", all_closed ? "true" : "false"}});
  s.stopped_signal.notify_all();
}

void Server::run_until_signal() {
  Impl& s = *impl_;
  asio::signal_set signals(s.io, SIGINT, SIGTERM);
  std::atomic<bool> signalled{false};
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    s.logger.event("signal_received");
    std::lock_guard lock(s.stop_mutex);
    signalled = true;
    s.stopped_signal.notify_all();
  });
  {
    std::unique_lock lock(s.stop_mutex);
    s.stopped_signal.wait(lock, [&] { return signalled.load() || s.stopped; });
  }
  stop();
  boost::system::error_code ignored;
  signals.cancel(ignored);
}

}  // namespace hush::server
