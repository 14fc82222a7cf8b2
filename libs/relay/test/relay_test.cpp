// The relay against a plain TCP target on loopback: bytes both ways bit-exact, a half-close passed
// on, the connection limit, the idle timeout, an unreachable target, and stop() closing what is open.
#include "hush/relay/relay.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <thread>
#include <vector>

namespace hush::relay {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

// A target that echoes everything back, and after the client's EOF sends "bye" and closes.
class EchoTarget {
 public:
  EchoTarget() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] {
      for (;;) {
        boost::system::error_code ec;
        tcp::socket socket(io_);
        acceptor_.accept(socket, ec);
        if (ec || stopping_) return;
        ++accepted_;
        workers_.emplace_back([socket = std::move(socket)]() mutable {
          std::vector<char> buffer(64 * 1024);
          boost::system::error_code read_ec;
          for (;;) {
            const std::size_t n = socket.read_some(asio::buffer(buffer), read_ec);
            if (read_ec) break;
            asio::write(socket, asio::buffer(buffer.data(), n), read_ec);
            if (read_ec) return;
          }
          if (read_ec == asio::error::eof) asio::write(socket, asio::buffer(std::string("bye")), read_ec);
        });
      }
    });
  }
  ~EchoTarget() {
    // A blocking accept() is not interrupted by close() from another thread: wake it with a
    // connection of our own.
    stopping_ = true;
    {
      boost::system::error_code ignored;
      tcp::socket wake(io_);
      wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()), ignored);
      thread_.join();
    }
    for (auto& worker : workers_) worker.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int accepted() const { return accepted_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::vector<std::thread> workers_;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stopping_{false};
};

RelayOptions options_to(std::uint16_t target_port) {
  RelayOptions options;
  options.target_host = "127.0.0.1";
  options.target_port = target_port;
  return options;
}

// Reads until EOF or an error; what arrived.
std::string read_to_end(tcp::socket& socket) {
  std::string out;
  std::vector<char> buffer(64 * 1024);
  boost::system::error_code ec;
  for (;;) {
    const std::size_t n = socket.read_some(asio::buffer(buffer), ec);
    if (ec) break;
    out.append(buffer.data(), n);
  }
  return out;
}

// Sets a receive timeout so that a test never hangs on a relay that fails to close.
void bound_reads(tcp::socket& socket, std::chrono::milliseconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

tcp::socket connect_to(asio::io_context& io, std::uint16_t port) {
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  bound_reads(socket, 10s);
  return socket;
}

TEST(Relay, CarriesBytesBothWaysAndPassesTheHalfClose) {
  EchoTarget target;
  Relay relay(options_to(target.port()));
  ASSERT_EQ(relay.start(), "");
  asio::io_context io;
  tcp::socket socket = connect_to(io, relay.port());
  std::string sent(1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>(i * 131 + 7);
  std::thread writer([&] {
    asio::write(socket, asio::buffer(sent));
    socket.shutdown(tcp::socket::shutdown_send);
  });
  const std::string received = read_to_end(socket);
  writer.join();
  EXPECT_EQ(received, sent + "bye");  // every byte back, then what the target said after our EOF
  EXPECT_EQ(target.accepted(), 1);
}

TEST(Relay, RefusesConnectionsBeyondTheLimit) {
  EchoTarget target;
  RelayOptions options = options_to(target.port());
  options.max_connections = 2;
  Relay relay(options);
  ASSERT_EQ(relay.start(), "");
  asio::io_context io;
  tcp::socket first = connect_to(io, relay.port());
  tcp::socket second = connect_to(io, relay.port());
  // Both carried: an echo proves each reached the target.
  for (tcp::socket* socket : {&first, &second}) {
    asio::write(*socket, asio::buffer(std::string("ping")));
    std::string reply(4, '\0');
    asio::read(*socket, asio::buffer(reply));
    EXPECT_EQ(reply, "ping");
  }
  EXPECT_EQ(relay.connection_count(), 2u);
  tcp::socket third = connect_to(io, relay.port());
  EXPECT_EQ(read_to_end(third), "");  // closed at once, nothing forwarded
  EXPECT_EQ(target.accepted(), 2);
}

TEST(Relay, ClosesIdleConnections) {
  EchoTarget target;
  RelayOptions options = options_to(target.port());
  options.idle_timeout = 300ms;
  Relay relay(options);
  ASSERT_EQ(relay.start(), "");
  asio::io_context io;
  tcp::socket socket = connect_to(io, relay.port());
  asio::write(socket, asio::buffer(std::string("x")));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(read_to_end(socket), "x");  // the echo, then the close when nothing more moves
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(Relay, ClosesTheClientWhenTheTargetIsUnreachable) {
  std::uint16_t closed_port = 0;
  {
    asio::io_context io;
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = probe.local_endpoint().port();
  }
  Relay relay(options_to(closed_port));
  ASSERT_EQ(relay.start(), "");
  asio::io_context io;
  tcp::socket socket = connect_to(io, relay.port());
  EXPECT_EQ(read_to_end(socket), "");
}

TEST(Relay, StopClosesOpenConnectionsAndNeedsATarget) {
  EchoTarget target;
  Relay relay(options_to(target.port()));
  ASSERT_EQ(relay.start(), "");
  asio::io_context io;
  tcp::socket socket = connect_to(io, relay.port());
  asio::write(socket, asio::buffer(std::string("ping")));
  std::string reply(4, '\0');
  asio::read(socket, asio::buffer(reply));
  relay.stop();
  EXPECT_EQ(read_to_end(socket), "");
  EXPECT_EQ(relay.connection_count(), 0u);

  Relay nowhere(RelayOptions{});
  EXPECT_NE(nowhere.start().find("no target"), std::string::npos);
}

}  // namespace
}  // namespace hush::relay
