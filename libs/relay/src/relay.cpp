// Relay: an acceptor coroutine and, per client, a coroutine that connects to the target and then
// pumps both directions until both have ended (a half-close is passed on), the idle watchdog fires,
// or the relay stops.
#include "hush/relay/relay.hpp"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace hush::relay {

namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;
}  // namespace

// One client's connection and its way to the target. Only touched on its strand.
struct Link {
  explicit Link(tcp::socket client_in) : client(std::move(client_in)), upstream(client.get_executor()) {}
  tcp::socket client;
  tcp::socket upstream;
  Clock::time_point last_activity = Clock::now();

  void close() {
    boost::system::error_code ignored;
    client.close(ignored);
    upstream.close(ignored);
  }
};

struct Relay::Impl {
  explicit Impl(RelayOptions options_in) : options(std::move(options_in)) {}

  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::make_strand(io), kTuple);
      if (ec) {
        if (!acceptor->is_open()) co_return;
        continue;
      }
      auto link = std::make_shared<Link>(std::move(socket));
      {
        std::lock_guard lock(mutex);
        if (stopping || links.size() >= options.max_connections) {
          link->close();
          continue;
        }
        links.push_back(link);
      }
      auto executor = link->client.get_executor();
      asio::co_spawn(executor, carry(link), [this, link](std::exception_ptr) {
        link->close();
        std::lock_guard lock(mutex);
        links.remove(link);
      });
    }
  }

  // Connects to the target within connect_timeout, then relays until done.
  awaitable<void> carry(std::shared_ptr<Link> link) {
    tcp::resolver resolver(link->client.get_executor());
    asio::steady_timer deadline(link->client.get_executor());
    deadline.expires_after(options.connect_timeout);
    auto connect = [&]() -> awaitable<bool> {
      auto [resolve_ec, endpoints] =
          co_await resolver.async_resolve(options.target_host, std::to_string(options.target_port), kTuple);
      if (resolve_ec) co_return false;
      auto [connect_ec, endpoint] = co_await asio::async_connect(link->upstream, endpoints, kTuple);
      co_return !connect_ec;
    };
    auto expired = [&]() -> awaitable<void> { co_await deadline.async_wait(kTuple); };
    auto connected = co_await (connect() || expired());
    if (connected.index() != 0 || !std::get<0>(connected)) co_return;
    boost::system::error_code ignored;
    link->upstream.set_option(tcp::no_delay(true), ignored);
    link->client.set_option(tcp::no_delay(true), ignored);
    link->last_activity = Clock::now();
    co_await ((pump(link, link->client, link->upstream) && pump(link, link->upstream, link->client)) || watchdog(link));
  }

  // Copies `from` to `to` until `from` ends, then ends `to`'s sending side.
  static awaitable<void> pump(std::shared_ptr<Link> link, tcp::socket& from, tcp::socket& to) {
    std::array<std::uint8_t, kRelayBufferSize> buffer;
    for (;;) {
      auto [read_ec, read] = co_await from.async_read_some(asio::buffer(buffer), kTuple);
      if (read_ec) break;
      link->last_activity = Clock::now();
      auto [write_ec, written] = co_await asio::async_write(to, asio::buffer(buffer.data(), read), kTuple);
      if (write_ec) {
        link->close();  // the other side is gone: nothing more can be carried either way
        co_return;
      }
    }
    boost::system::error_code ignored;
    to.shutdown(tcp::socket::shutdown_send, ignored);
  }

  // Returns (ending the connection) once nothing has moved for idle_timeout.
  awaitable<void> watchdog(std::shared_ptr<Link> link) {
    asio::steady_timer timer(link->client.get_executor());
    for (;;) {
      const auto due = link->last_activity + options.idle_timeout;
      if (Clock::now() >= due) co_return;
      timer.expires_at(due);
      auto [ec] = co_await timer.async_wait(kTuple);
      if (ec) co_return;
    }
  }

  RelayOptions options;
  asio::io_context io;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::atomic<std::uint16_t> port{0};
  mutable std::mutex mutex;
  std::list<std::shared_ptr<Link>> links;
  bool stopping = false;
  bool started = false;
  std::mutex stop_mutex;
  std::condition_variable stopped_signal;
  bool stopped = false;
};

Relay::Relay(RelayOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Relay::~Relay() {
  stop();
}

std::string Relay::start() {
  Impl& s = *impl_;
  if (s.options.target_host.empty() || s.options.target_port == 0) return "no target: give --to HOST:PORT";
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(s.options.listen_address, ec);
  if (ec) return "invalid listen address " + s.options.listen_address;
  tcp::acceptor acceptor(s.io);
  const tcp::endpoint endpoint(address, s.options.listen_port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return "cannot listen on " + s.options.listen_address + ":" + std::to_string(s.options.listen_port) + ": " +
           ec.message();
  }
  s.port = acceptor.local_endpoint().port();
  s.acceptor.emplace(std::move(acceptor));
  s.work.emplace(s.io.get_executor());
  asio::co_spawn(s.io, s.accept_loop(), asio::detached);
  const std::size_t threads = std::max<std::size_t>(1, s.options.threads);
  for (std::size_t i = 0; i < threads; ++i) s.threads.emplace_back([&s] { s.io.run(); });
  s.started = true;
  return {};
}

std::uint16_t Relay::port() const {
  return impl_->port;
}

std::size_t Relay::connection_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->links.size();
}

void Relay::stop() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.stop_mutex);
    if (s.stopped) return;
    s.stopped = true;
  }
  s.stopped_signal.notify_all();
  if (!s.started) return;
  std::vector<std::shared_ptr<Link>> open;
  {
    std::lock_guard lock(s.mutex);
    s.stopping = true;
    open.assign(s.links.begin(), s.links.end());
  }
  asio::post(s.io, [&s] {
    boost::system::error_code ignored;
    s.acceptor->close(ignored);
  });
  for (const auto& link : open) {
    asio::post(link->client.get_executor(), [link] { link->close(); });
  }
  s.work.reset();
  for (std::thread& thread : s.threads) thread.join();
  s.threads.clear();
}

void Relay::run_until_signal() {
  Impl& s = *impl_;
  asio::io_context signal_io;
  asio::signal_set signals(signal_io, SIGINT, SIGTERM);
  bool signalled = false;
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    std::lock_guard lock(s.stop_mutex);
    signalled = true;
    s.stopped_signal.notify_all();
  });
  std::thread signal_thread([&] { signal_io.run(); });
  {
    std::unique_lock lock(s.stop_mutex);
    s.stopped_signal.wait(lock, [&] { return signalled || s.stopped; });
  }
  signal_io.stop();
  signal_thread.join();
  stop();
}

}  // namespace hush::relay
