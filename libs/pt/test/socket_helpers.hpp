// Test-only blocking sockets: a TCP echo server on loopback, a SOCKS5 client (RFC 1928 CONNECT
// with RFC 1929 username/password), and bounded reads with poll. Written here, not taken from
// the transport library, so that the test checks obfs4proxy against an independent client.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hush::pt::test {

// Echoes every byte back on each accepted connection, until destroyed.
class EchoServer {
 public:
  EchoServer();
  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  void accept_loop();
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<int> connections_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// A connected TCP socket (closed by the destructor); -1 when the connection failed.
class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  ~Socket();
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

Socket connect_tcp(const std::string& host, std::uint16_t port);
bool send_all(int fd, const std::string& data);
// Reads exactly `size` bytes unless `timeout` passes between two reads; returns what arrived.
std::string receive(int fd, std::size_t size, std::chrono::milliseconds timeout);
// Counts the bytes that arrive within `window` (end of stream or a reset end the count early).
std::size_t bytes_arriving_within(int fd, std::chrono::milliseconds window);

// SOCKS5 CONNECT to an IPv4 target through the proxy on `fd`, authenticating with username and
// password (method 0x02). Returns the reply code (0 = succeeded), or -1 when the proxy refused
// the method, the credentials, or broke the protocol.
int socks5_connect(int fd, const std::string& target_ipv4, std::uint16_t target_port, const std::string& username,
                   const std::string& password);

}  // namespace hush::pt::test
