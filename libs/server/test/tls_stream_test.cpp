// TlsStream over real loopback sockets against an implementation it does not share code with
// (asio::ssl::stream as the client): data both ways, large and many small writes, buffered
// plaintext, a WebSocket session and plain HTTPS on top, clean and abrupt endings, garbage instead
// of a handshake, cancellation, the deadline, and a client-requested TLS 1.3 key update.
#include "tls_stream.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <functional>
#include <random>
#include <thread>

#include "hush/crypto/tls_identity.hpp"

namespace hush::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using namespace asio::experimental::awaitable_operators;
using asio::awaitable;
using asio::ip::tcp;
using boost::system::error_code;
using ClientStream = asio::ssl::stream<tcp::socket>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// Bounds every test: a hang fails it instead of blocking the suite.
constexpr std::chrono::seconds kTestDeadline{30};
constexpr std::size_t kMebibyte = 1024 * 1024;

std::string random_text(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string text(size, '\0');
  for (char& c : text) c = static_cast<char>(generator());
  return text;
}

const crypto::TlsIdentity& identity() {
  static const crypto::TlsIdentity generated = [] {
    auto made = crypto::generate_self_signed_tls_identity("hushd", {"localhost"}, {"127.0.0.1"}, 1);
    if (!made.ok()) throw std::runtime_error("cannot generate a TLS identity");
    return *made;
  }();
  return generated;
}

// Waits `duration` on the calling coroutine's executor.
awaitable<void> pause(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(kTuple);
}

class TlsStreamTest : public ::testing::Test {
 protected:
  TlsStreamTest() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    server_tls_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                            asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                            asio::ssl::context::no_tlsv1_1);
    server_tls_.use_certificate_chain(asio::buffer(identity().certificate_pem));
    server_tls_.use_private_key(asio::buffer(identity().private_key_pem), asio::ssl::context::pem);
    client_tls_.add_certificate_authority(asio::buffer(identity().certificate_pem));
    client_tls_.set_verify_mode(asio::ssl::verify_peer);
  }

  struct Sockets {
    tcp::socket server;
    tcp::socket client;
  };
  // A connected pair, each socket on its own strand (as hushd's connections are).
  Sockets connect() {
    tcp::socket client(asio::make_strand(io_));
    client.connect(acceptor_.local_endpoint());
    tcp::socket server = acceptor_.accept(asio::make_strand(io_));
    return {std::move(server), std::move(client)};
  }

  // Runs `body(socket)` as a coroutine on the socket's executor (its strand).
  template <typename Body>
  void spawn(tcp::socket socket, Body body) {
    const auto executor = socket.get_executor();
    ++running_;
    asio::co_spawn(
        executor,
        [body = std::move(body), socket = std::move(socket)]() mutable -> awaitable<void> {
          co_await body(std::move(socket));
        },
        [this](std::exception_ptr error) {
          if (error) {
            try {
              std::rethrow_exception(error);
            } catch (const std::exception& e) {
              ADD_FAILURE() << "coroutine threw: " << e.what();
            }
          }
          --running_;
        });
  }

  // Runs the io_context on `threads` threads until every spawned coroutine has finished; a
  // coroutine still running at kTestDeadline fails the test.
  void run(int threads = 1) {
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) pool.emplace_back([this] { io_.run_for(kTestDeadline); });
    for (std::thread& thread : pool) thread.join();
    EXPECT_EQ(running_.load(), 0) << "a coroutine did not finish: hang";
    io_.stop();
  }

  awaitable<error_code> client_handshake(ClientStream& client) {
    auto [ec] = co_await client.async_handshake(asio::ssl::stream_base::client, kTuple);
    co_return ec;
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::ssl::context server_tls_{asio::ssl::context::tls_server};
  asio::ssl::context client_tls_{asio::ssl::context::tls_client};
  std::atomic<int> running_{0};
};

TEST_F(TlsStreamTest, HandshakeThenDataBothWays) {
  auto [server_socket, client_socket] = connect();
  error_code server_handshake, client_handshake_error, server_read, client_read;
  std::string server_got, client_got;
  int version = 0;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    std::tie(server_handshake) = co_await server.async_handshake(kTuple);
    version = SSL_version(server.native_handle());
    std::string buffer(64, '\0');
    auto [ec, read] = co_await server.async_read_some(asio::buffer(buffer), kTuple);
    server_read = ec;
    server_got = buffer.substr(0, read);
    co_await asio::async_write(server, asio::buffer(std::string_view("pong")), kTuple);
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    ClientStream client(std::move(socket), client_tls_);
    client_handshake_error = co_await client_handshake(client);
    co_await asio::async_write(client, asio::buffer(std::string_view("ping")), kTuple);
    std::string buffer(4, '\0');
    std::tie(client_read, std::ignore) = co_await asio::async_read(client, asio::buffer(buffer), kTuple);
    client_got = buffer;
  });
  run();
  EXPECT_FALSE(server_handshake) << server_handshake.message();
  EXPECT_FALSE(client_handshake_error) << client_handshake_error.message();
  EXPECT_EQ(version, TLS1_3_VERSION);
  EXPECT_FALSE(server_read) << server_read.message();
  EXPECT_EQ(server_got, "ping");
  EXPECT_FALSE(client_read) << client_read.message();
  EXPECT_EQ(client_got, "pong");
}

// One MiB from the server (async_write: many write_some calls, many would-block waits), then one
// MiB each way at once: a write and a read pending together on the same stream. Small socket
// buffers make every write wait for writability many times.
TEST_F(TlsStreamTest, OneMebibyteEachWayAlsoAtOnce) {
  const std::string down = random_text(kMebibyte, 1);
  const std::string up = random_text(kMebibyte, 2);
  auto [server_socket, client_socket] = connect();
  for (tcp::socket* socket : {&server_socket, &client_socket}) {
    socket->set_option(asio::socket_base::send_buffer_size(32 * 1024));
    socket->set_option(asio::socket_base::receive_buffer_size(32 * 1024));
  }
  std::string server_got(kMebibyte, '\0'), client_got_first(kMebibyte, '\0'), client_got_second(kMebibyte, '\0');
  std::vector<error_code> errors;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    auto [handshake] = co_await server.async_handshake(kTuple);
    errors.push_back(handshake);
    auto [first, written] = co_await asio::async_write(server, asio::buffer(down), kTuple);
    errors.push_back(first);
    EXPECT_EQ(written, kMebibyte);
    auto write = [&]() -> awaitable<void> {
      auto [ec, n] = co_await asio::async_write(server, asio::buffer(down), kTuple);
      errors.push_back(ec);
    };
    auto read = [&]() -> awaitable<void> {
      auto [ec, n] = co_await asio::async_read(server, asio::buffer(server_got), kTuple);
      errors.push_back(ec);
    };
    co_await (write() && read());
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    ClientStream client(std::move(socket), client_tls_);
    errors.push_back(co_await client_handshake(client));
    // Let the server fill the socket buffers and wait for writability first.
    co_await pause(std::chrono::milliseconds(50));
    auto [first, read_first] = co_await asio::async_read(client, asio::buffer(client_got_first), kTuple);
    errors.push_back(first);
    auto write = [&]() -> awaitable<void> {
      auto [ec, n] = co_await asio::async_write(client, asio::buffer(up), kTuple);
      errors.push_back(ec);
    };
    auto read = [&]() -> awaitable<void> {
      auto [ec, n] = co_await asio::async_read(client, asio::buffer(client_got_second), kTuple);
      errors.push_back(ec);
    };
    co_await (write() && read());
  });
  run();
  ASSERT_EQ(errors.size(), 8u);
  for (const error_code& ec : errors) EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(client_got_first == down);
  EXPECT_TRUE(client_got_second == down);
  EXPECT_TRUE(server_got == up);
}

// Thousands of small frames each written as a header buffer plus a payload buffer (as Beast's
// WebSocket writes them), read by the client in order.
TEST_F(TlsStreamTest, ManySmallWritesArriveInOrder) {
  constexpr int kFrames = 5000;
  std::string expected;
  std::vector<std::string> payloads;
  for (int i = 0; i < kFrames; ++i) {
    payloads.push_back(random_text(1 + static_cast<std::size_t>(i) % 300, static_cast<unsigned>(i)));
    const std::uint16_t size = static_cast<std::uint16_t>(payloads.back().size());
    expected.push_back(static_cast<char>(size >> 8));
    expected.push_back(static_cast<char>(size & 0xff));
    expected += payloads.back();
  }
  auto [server_socket, client_socket] = connect();
  std::string client_got(expected.size(), '\0');
  error_code server_error, client_error;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    std::tie(server_error) = co_await server.async_handshake(kTuple);
    for (int i = 0; i < kFrames && !server_error; ++i) {
      const std::array<unsigned char, 2> header{static_cast<unsigned char>(payloads[i].size() >> 8),
                                                static_cast<unsigned char>(payloads[i].size() & 0xff)};
      const std::array<asio::const_buffer, 2> frame{asio::buffer(header), asio::buffer(payloads[i])};
      std::tie(server_error, std::ignore) = co_await asio::async_write(server, frame, kTuple);
    }
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    ClientStream client(std::move(socket), client_tls_);
    client_error = co_await client_handshake(client);
    if (!client_error)
      std::tie(client_error, std::ignore) = co_await asio::async_read(client, asio::buffer(client_got), kTuple);
  });
  run();
  EXPECT_FALSE(server_error) << server_error.message();
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_TRUE(client_got == expected);
}

// Reads into a 7-byte buffer: after the first read, the rest of each record is OpenSSL's buffered
// plaintext, and must be returned without waiting on a socket that has nothing more to say.
TEST_F(TlsStreamTest, BufferedPlaintextIsReadWithoutWaiting) {
  const std::string message = random_text(10'000, 3);
  auto [server_socket, client_socket] = connect();
  std::string server_got, echoed(message.size(), '\0');
  error_code server_error, client_error;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    std::tie(server_error) = co_await server.async_handshake(kTuple);
    std::array<char, 7> small{};
    while (!server_error && server_got.size() < message.size()) {
      auto [ec, read] = co_await server.async_read_some(asio::buffer(small), kTuple);
      server_error = ec;
      server_got.append(small.data(), read);
    }
    if (!server_error)
      std::tie(server_error, std::ignore) = co_await asio::async_write(server, asio::buffer(server_got), kTuple);
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    ClientStream client(std::move(socket), client_tls_);
    client_error = co_await client_handshake(client);
    // One write: the client then waits for the echo, so nothing more arrives at the server.
    if (!client_error)
      std::tie(client_error, std::ignore) = co_await asio::async_write(client, asio::buffer(message), kTuple);
    if (!client_error)
      std::tie(client_error, std::ignore) = co_await asio::async_read(client, asio::buffer(echoed), kTuple);
  });
  run();
  EXPECT_FALSE(server_error) << server_error.message();
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_TRUE(server_got == message);
  EXPECT_TRUE(echoed == message);
}

// websocket::stream<TlsStream> accepting the way connection.cpp does (TLS handshake, HTTP request
// read with http::async_read, accept with that request), a Beast client over asio::ssl::stream,
// io_context on two threads. Many small messages and a 1 MiB one are echoed; the client closes.
TEST_F(TlsStreamTest, WebSocketSessionEchoesAndClientCloses) {
  constexpr int kMessages = 200;
  const std::string large = random_text(kMebibyte, 4);
  auto [server_socket, client_socket] = connect();
  error_code server_error, server_ending, client_error, client_close;
  int echoed = 0;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    websocket::stream<TlsStream> ws(std::move(socket), server_tls_);
    if (std::tie(server_error) = co_await ws.next_layer().async_handshake(kTuple); server_error) co_return;
    beast::flat_buffer http_buffer;
    http::request_parser<http::empty_body> parser;
    if (std::tie(server_error, std::ignore) = co_await http::async_read(ws.next_layer(), http_buffer, parser, kTuple);
        server_error) {
      co_return;
    }
    EXPECT_TRUE(websocket::is_upgrade(parser.get()));
    if (std::tie(server_error) = co_await ws.async_accept(parser.get(), kTuple); server_error) co_return;
    ws.binary(true);
    for (;;) {
      beast::flat_buffer buffer;
      auto [ec, read] = co_await ws.async_read(buffer, kTuple);
      if (ec) {
        server_ending = ec;
        co_return;
      }
      if (std::tie(server_error, std::ignore) = co_await ws.async_write(buffer.data(), kTuple); server_error) co_return;
    }
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    websocket::stream<ClientStream> ws(std::move(socket), client_tls_);
    if ((client_error = co_await client_handshake(ws.next_layer()))) co_return;
    if (std::tie(client_error) = co_await ws.async_handshake("localhost", "/", kTuple); client_error) co_return;
    ws.binary(true);
    for (int i = 0; i <= kMessages; ++i) {
      const std::string message = i == kMessages ? large : "message " + std::to_string(i);
      if (std::tie(client_error, std::ignore) = co_await ws.async_write(asio::buffer(message), kTuple); client_error) {
        co_return;
      }
      beast::flat_buffer buffer;
      if (std::tie(client_error, std::ignore) = co_await ws.async_read(buffer, kTuple); client_error) co_return;
      if (beast::buffers_to_string(buffer.data()) == message) ++echoed;
    }
    std::tie(client_close) = co_await ws.async_close(websocket::close_code::normal, kTuple);
  });
  run(2);
  EXPECT_FALSE(server_error) << server_error.message();
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_EQ(echoed, kMessages + 1);
  EXPECT_EQ(server_ending, websocket::error::closed) << server_ending.message();
  EXPECT_FALSE(client_close) << client_close.message();
}

// The server closes: close frame, then async_teardown(TlsStream) (close_notify, TCP teardown).
TEST_F(TlsStreamTest, WebSocketServerClosesThroughTeardown) {
  auto [server_socket, client_socket] = connect();
  error_code server_error, server_close, client_error, client_ending;
  std::string client_got;
  bool server_socket_closed = false;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    websocket::stream<TlsStream> ws(std::move(socket), server_tls_);
    if (std::tie(server_error) = co_await ws.next_layer().async_handshake(kTuple); server_error) co_return;
    if (std::tie(server_error) = co_await ws.async_accept(kTuple); server_error) co_return;
    if (std::tie(server_error, std::ignore) = co_await ws.async_write(asio::buffer(std::string_view("bye")), kTuple);
        server_error) {
      co_return;
    }
    std::tie(server_close) = co_await ws.async_close(websocket::close_code::going_away, kTuple);
    server_socket_closed = !beast::get_lowest_layer(ws).is_open();
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    websocket::stream<ClientStream> ws(std::move(socket), client_tls_);
    if ((client_error = co_await client_handshake(ws.next_layer()))) co_return;
    if (std::tie(client_error) = co_await ws.async_handshake("localhost", "/", kTuple); client_error) co_return;
    beast::flat_buffer buffer;
    if (std::tie(client_error, std::ignore) = co_await ws.async_read(buffer, kTuple); client_error) co_return;
    client_got = beast::buffers_to_string(buffer.data());
    buffer.clear();
    std::tie(client_ending, std::ignore) = co_await ws.async_read(buffer, kTuple);
  });
  run(2);
  EXPECT_FALSE(server_error) << server_error.message();
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_EQ(client_got, "bye");
  EXPECT_EQ(client_ending, websocket::error::closed) << client_ending.message();
  EXPECT_FALSE(server_close) << server_close.message();
  EXPECT_TRUE(server_socket_closed);
}

// A plain HTTPS exchange as connection.cpp's serve_http does it: request, response, close_notify.
TEST_F(TlsStreamTest, PlainHttpsRequestAndResponse) {
  auto [server_socket, client_socket] = connect();
  error_code server_error, server_shutdown, client_error;
  std::string body;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    if (std::tie(server_error) = co_await server.async_handshake(kTuple); server_error) co_return;
    beast::flat_buffer buffer;
    http::request<http::empty_body> request;
    if (std::tie(server_error, std::ignore) = co_await http::async_read(server, buffer, request, kTuple);
        server_error) {
      co_return;
    }
    http::response<http::string_body> response{http::status::ok, request.version()};
    response.keep_alive(false);
    response.body() = "ok\n";
    response.prepare_payload();
    if (std::tie(server_error, std::ignore) = co_await http::async_write(server, response, kTuple); server_error) {
      co_return;
    }
    std::tie(server_shutdown) = co_await server.async_shutdown(kTuple);
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    ClientStream client(std::move(socket), client_tls_);
    if ((client_error = co_await client_handshake(client))) co_return;
    http::request<http::empty_body> request{http::verb::get, "/health", 11};
    request.set(http::field::host, "localhost");
    if (std::tie(client_error, std::ignore) = co_await http::async_write(client, request, kTuple); client_error) {
      co_return;
    }
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    if (std::tie(client_error, std::ignore) = co_await http::async_read(client, buffer, response, kTuple);
        client_error) {
      co_return;
    }
    body = response.body();
  });
  run();
  EXPECT_FALSE(server_error) << server_error.message();
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_FALSE(server_shutdown) << server_shutdown.message();
  EXPECT_EQ(body, "ok\n");
}

// The synchronous teardown waits for nothing: close_notify goes out, the socket is closed.
TEST_F(TlsStreamTest, SynchronousTeardownSendsCloseNotifyAndCloses) {
  auto [server_socket, client_socket] = connect();
  error_code server_error, teardown_error, client_error, client_read;
  bool socket_closed = false;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    if (std::tie(server_error) = co_await server.async_handshake(kTuple); server_error) co_return;
    teardown(beast::role_type::server, server, teardown_error);
    socket_closed = !server.next_layer().is_open();
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    ClientStream client(std::move(socket), client_tls_);
    if ((client_error = co_await client_handshake(client))) co_return;
    std::array<char, 16> buffer{};
    std::tie(client_read, std::ignore) = co_await client.async_read_some(asio::buffer(buffer), kTuple);
  });
  run();
  EXPECT_FALSE(server_error) << server_error.message();
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_FALSE(teardown_error) << teardown_error.message();
  EXPECT_TRUE(socket_closed);
  EXPECT_EQ(client_read, asio::error::eof) << client_read.message();
}

// The client sends close_notify: the server's read ends with eof; the server's own close_notify
// completes the client's shutdown.
TEST_F(TlsStreamTest, ClientCloseNotifyReadsAsEof) {
  auto [server_socket, client_socket] = connect();
  error_code server_error, server_read, server_shutdown, client_error, client_shutdown;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    if (std::tie(server_error) = co_await server.async_handshake(kTuple); server_error) co_return;
    std::array<char, 16> buffer{};
    std::tie(server_read, std::ignore) = co_await server.async_read_some(asio::buffer(buffer), kTuple);
    std::tie(server_shutdown) = co_await server.async_shutdown(kTuple);
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    ClientStream client(std::move(socket), client_tls_);
    if ((client_error = co_await client_handshake(client))) co_return;
    std::tie(client_shutdown) = co_await client.async_shutdown(kTuple);
  });
  run();
  EXPECT_FALSE(server_error) << server_error.message();
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_EQ(server_read, asio::error::eof) << server_read.message();
  EXPECT_FALSE(server_shutdown) << server_shutdown.message();
  EXPECT_FALSE(client_shutdown) << client_shutdown.message();
}

// The server's shutdown completes once its close_notify is written, though the client neither
// reads nor answers until later; the client then reads eof.
TEST_F(TlsStreamTest, ServerShutdownDoesNotWaitForThePeer) {
  auto [server_socket, client_socket] = connect();
  error_code server_error, server_shutdown, client_error, client_read;
  bool server_done_before_client_read = false;
  bool client_reading = false;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    if (std::tie(server_error) = co_await server.async_handshake(kTuple); server_error) co_return;
    std::tie(server_shutdown) = co_await server.async_shutdown(kTuple);
    server_done_before_client_read = !client_reading;
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    ClientStream client(std::move(socket), client_tls_);
    if ((client_error = co_await client_handshake(client))) co_return;
    co_await pause(std::chrono::milliseconds(300));
    client_reading = true;
    std::array<char, 16> buffer{};
    std::tie(client_read, std::ignore) = co_await client.async_read_some(asio::buffer(buffer), kTuple);
  });
  run();
  EXPECT_FALSE(server_error) << server_error.message();
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_FALSE(server_shutdown) << server_shutdown.message();
  EXPECT_TRUE(server_done_before_client_read);
  EXPECT_EQ(client_read, asio::error::eof) << client_read.message();
}

// The client's TCP connection ends without close_notify: a FIN reads as stream_truncated, a reset
// as connection_reset. Neither hangs.
TEST_F(TlsStreamTest, AbruptClientCloseEndsTheRead) {
  for (const bool reset : {false, true}) {
    SCOPED_TRACE(reset ? "reset" : "fin");
    auto [server_socket, client_socket] = connect();
    error_code server_error, server_read, client_error;
    bool server_done = false;
    spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
      TlsStream server(std::move(socket), server_tls_);
      if (std::tie(server_error) = co_await server.async_handshake(kTuple); server_error) co_return;
      std::array<char, 16> buffer{};
      std::tie(server_read, std::ignore) = co_await server.async_read_some(asio::buffer(buffer), kTuple);
      server_done = true;
    });
    spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
      ClientStream client(std::move(socket), client_tls_);
      if ((client_error = co_await client_handshake(client))) co_return;
      co_await pause(std::chrono::milliseconds(20));
      if (reset) {
        client.lowest_layer().set_option(asio::socket_base::linger(true, 0));
        client.lowest_layer().close();
        co_return;
      }
      // A FIN. (Closing would send a reset: the server's session tickets lie unread.)
      client.lowest_layer().shutdown(tcp::socket::shutdown_send);
      while (!server_done) co_await pause(std::chrono::milliseconds(20));
    });
    run();
    io_.restart();
    EXPECT_FALSE(server_error) << server_error.message();
    EXPECT_FALSE(client_error) << client_error.message();
    if (reset) {
      EXPECT_EQ(server_read, asio::error::connection_reset) << server_read.message();
    } else {
      EXPECT_EQ(server_read, asio::ssl::error::stream_truncated) << server_read.message();
    }
  }
}

// A write to a connection the client reset fails with an error; it must not raise SIGPIPE (which
// would end this test process, as it would end hushd).
TEST_F(TlsStreamTest, WriteToAResetConnectionFailsWithoutSignal) {
  const std::string flood = random_text(16 * kMebibyte, 7);
  auto [server_socket, client_socket] = connect();
  error_code server_error, server_write, write_again, shutdown_after, client_error;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    if (std::tie(server_error) = co_await server.async_handshake(kTuple); server_error) co_return;
    for (int i = 0; i < 100 && !server_write; ++i) {
      std::tie(server_write, std::ignore) = co_await asio::async_write(server, asio::buffer(flood), kTuple);
    }
    // What a careless caller does next (serve_http shuts down after a failed write): the socket is
    // now EPIPE territory.
    std::tie(write_again, std::ignore) = co_await asio::async_write(server, asio::buffer(flood), kTuple);
    std::tie(shutdown_after) = co_await server.async_shutdown(kTuple);
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    ClientStream client(std::move(socket), client_tls_);
    if ((client_error = co_await client_handshake(client))) co_return;
    std::array<char, 4096> buffer{};
    std::tie(client_error, std::ignore) = co_await client.async_read_some(asio::buffer(buffer), kTuple);
    client.lowest_layer().set_option(asio::socket_base::linger(true, 0));
    client.lowest_layer().close();
  });
  run();
  EXPECT_FALSE(server_error) << server_error.message();
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_TRUE(server_write == asio::error::connection_reset || server_write == asio::error::broken_pipe)
      << server_write.message();
  EXPECT_TRUE(write_again) << "a write after the reset succeeded";
  EXPECT_TRUE(shutdown_after) << "a shutdown after the reset succeeded";
}

// Not TLS at all: an HTTP request, random bytes, or a client that connects and leaves. Each ends
// the handshake with an error (an OpenSSL one, or stream_truncated for the silent client).
TEST_F(TlsStreamTest, GarbageInsteadOfAHandshakeFails) {
  const std::vector<std::string> inputs = {"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", random_text(4096, 5), ""};
  for (const std::string& input : inputs) {
    SCOPED_TRACE(input.substr(0, 16));
    auto [server_socket, client_socket] = connect();
    error_code server_handshake;
    spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
      TlsStream server(std::move(socket), server_tls_);
      server.expires_after(std::chrono::seconds(10));  // destroyed while still set: must be harmless
      std::tie(server_handshake) = co_await server.async_handshake(kTuple);
    });
    spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
      if (!input.empty()) co_await asio::async_write(socket, asio::buffer(input), kTuple);
      socket.shutdown(tcp::socket::shutdown_send);
      std::array<char, 512> buffer{};
      for (;;) {  // until the server closes
        auto [ec, read] = co_await socket.async_read_some(asio::buffer(buffer), kTuple);
        if (ec) break;
      }
    });
    run();
    io_.restart();
    ASSERT_TRUE(server_handshake);
    if (input.empty()) {
      EXPECT_EQ(server_handshake, asio::ssl::error::stream_truncated) << server_handshake.message();
    } else {
      EXPECT_EQ(server_handshake.category(), asio::error::get_ssl_category()) << server_handshake.message();
    }
  }
}

// Closing the socket while a read and a write are both waiting ends both with operation_aborted;
// an operation started afterwards fails at once instead of touching the old descriptor.
TEST_F(TlsStreamTest, ClosingTheSocketAbortsPendingOperations) {
  const std::string flood = random_text(16 * kMebibyte, 6);
  auto [server_socket, client_socket] = connect();
  error_code server_error, server_read, server_write, read_after_close, client_error;
  bool client_may_leave = false;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    if (std::tie(server_error) = co_await server.async_handshake(kTuple); server_error) co_return;
    auto read = [&]() -> awaitable<void> {
      std::array<char, 16> buffer{};
      std::tie(server_read, std::ignore) = co_await server.async_read_some(asio::buffer(buffer), kTuple);
    };
    auto write = [&]() -> awaitable<void> {  // the client does not read: this write stalls
      std::tie(server_write, std::ignore) = co_await asio::async_write(server, asio::buffer(flood), kTuple);
    };
    auto close = [&]() -> awaitable<void> {
      co_await pause(std::chrono::milliseconds(200));
      server.next_layer().close();
    };
    co_await (read() && write() && close());
    std::array<char, 16> buffer{};
    std::tie(read_after_close, std::ignore) = co_await server.async_read_some(asio::buffer(buffer), kTuple);
    client_may_leave = true;
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    ClientStream client(std::move(socket), client_tls_);
    if ((client_error = co_await client_handshake(client))) co_return;
    while (!client_may_leave) co_await pause(std::chrono::milliseconds(20));
  });
  run();
  EXPECT_FALSE(server_error) << server_error.message();
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_EQ(server_read, asio::error::operation_aborted) << server_read.message();
  EXPECT_EQ(server_write, asio::error::operation_aborted) << server_write.message();
  EXPECT_EQ(read_after_close, asio::error::bad_descriptor) << read_after_close.message();
}

// Per-operation cancellation of a waiting read leaves the stream usable: the next read gets data.
TEST_F(TlsStreamTest, CancelledReadLeavesTheStreamUsable) {
  auto [server_socket, client_socket] = connect();
  error_code server_error, cancelled_read, next_read, client_error;
  std::string server_got;
  bool cancelled = false;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    if (std::tie(server_error) = co_await server.async_handshake(kTuple); server_error) co_return;
    asio::cancellation_signal signal;
    std::array<char, 16> buffer{};
    auto read = [&]() -> awaitable<void> {
      std::tie(cancelled_read, std::ignore) =
          co_await server.async_read_some(asio::buffer(buffer), asio::bind_cancellation_slot(signal.slot(), kTuple));
    };
    auto cancel = [&]() -> awaitable<void> {
      co_await pause(std::chrono::milliseconds(100));
      signal.emit(asio::cancellation_type::terminal);
    };
    co_await (read() && cancel());
    cancelled = true;
    auto [ec, read_bytes] = co_await server.async_read_some(asio::buffer(buffer), kTuple);
    next_read = ec;
    server_got.assign(buffer.data(), read_bytes);
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    ClientStream client(std::move(socket), client_tls_);
    if ((client_error = co_await client_handshake(client))) co_return;
    while (!cancelled) co_await pause(std::chrono::milliseconds(20));
    std::tie(client_error, std::ignore) =
        co_await asio::async_write(client, asio::buffer(std::string_view("still here")), kTuple);
    co_await pause(std::chrono::milliseconds(50));
  });
  run();
  EXPECT_FALSE(server_error) << server_error.message();
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_EQ(cancelled_read, asio::error::operation_aborted) << cancelled_read.message();
  EXPECT_FALSE(next_read) << next_read.message();
  EXPECT_EQ(server_got, "still here");
}

// A client that connects and says nothing: the deadline closes the socket, the handshake ends
// with beast::error::timeout (what connection.cpp counts as an expected ending).
TEST_F(TlsStreamTest, DeadlineEndsAStalledHandshake) {
  auto [server_socket, client_socket] = connect();
  error_code server_handshake;
  bool server_done = false;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    server.expires_after(std::chrono::milliseconds(100));
    std::tie(server_handshake) = co_await server.async_handshake(kTuple);
    server_done = true;
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    while (!server_done) co_await pause(std::chrono::milliseconds(20));
    socket.close();
  });
  run();
  EXPECT_EQ(server_handshake, beast::error::timeout) << server_handshake.message();
}

// expires_never() after the handshake: the connection outlives the old deadline.
TEST_F(TlsStreamTest, ExpiresNeverDisarmsTheDeadline) {
  auto [server_socket, client_socket] = connect();
  error_code server_error, server_read, client_error;
  std::string server_got;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    server.expires_after(std::chrono::milliseconds(100));
    server.expires_after(std::chrono::milliseconds(150));  // replaces the first
    if (std::tie(server_error) = co_await server.async_handshake(kTuple); server_error) co_return;
    server.expires_never();
    std::array<char, 16> buffer{};
    auto [ec, read] = co_await server.async_read_some(asio::buffer(buffer), kTuple);
    server_read = ec;
    server_got.assign(buffer.data(), read);
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    ClientStream client(std::move(socket), client_tls_);
    if ((client_error = co_await client_handshake(client))) co_return;
    co_await pause(std::chrono::milliseconds(400));
    std::tie(client_error, std::ignore) =
        co_await asio::async_write(client, asio::buffer(std::string_view("late")), kTuple);
  });
  run();
  EXPECT_FALSE(server_error) << server_error.message();
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_FALSE(server_read) << server_read.message();
  EXPECT_EQ(server_got, "late");
}

// The client asks for a TLS 1.3 key update: the server's read must also write (its own KeyUpdate);
// data keeps flowing both ways under the new keys.
TEST_F(TlsStreamTest, ClientKeyUpdateIsAnswered) {
  auto [server_socket, client_socket] = connect();
  error_code server_error, client_error;
  std::string server_got, client_got;
  spawn(std::move(server_socket), [&](tcp::socket socket) -> awaitable<void> {
    TlsStream server(std::move(socket), server_tls_);
    if (std::tie(server_error) = co_await server.async_handshake(kTuple); server_error) co_return;
    for (int round = 0; round < 3 && !server_error; ++round) {
      std::array<char, 16> buffer{};
      auto [ec, read] = co_await asio::async_read(server, asio::buffer(buffer, 5), kTuple);
      server_error = ec;
      server_got.append(buffer.data(), read);
      if (!server_error)
        std::tie(server_error, std::ignore) = co_await asio::async_write(server, asio::buffer(buffer, 5), kTuple);
    }
  });
  spawn(std::move(client_socket), [&](tcp::socket socket) -> awaitable<void> {
    ClientStream client(std::move(socket), client_tls_);
    if ((client_error = co_await client_handshake(client))) co_return;
    for (int round = 0; round < 3 && !client_error; ++round) {
      if (SSL_key_update(client.native_handle(), SSL_KEY_UPDATE_REQUESTED) != 1) {
        ADD_FAILURE() << "SSL_key_update refused";
        co_return;
      }
      const std::string message = "key" + std::to_string(round) + "!";
      if (std::tie(client_error, std::ignore) = co_await asio::async_write(client, asio::buffer(message), kTuple);
          client_error) {
        co_return;
      }
      std::array<char, 5> buffer{};
      std::tie(client_error, std::ignore) = co_await asio::async_read(client, asio::buffer(buffer), kTuple);
      client_got.append(buffer.data(), buffer.size());
    }
  });
  run();
  EXPECT_FALSE(server_error) << server_error.message();
  EXPECT_FALSE(client_error) << client_error.message();
  EXPECT_EQ(server_got, "key0!key1!key2!");
  EXPECT_EQ(client_got, "key0!key1!key2!");
}

}  // namespace
}  // namespace hush::server
