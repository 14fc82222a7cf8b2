// Test-only blocking sockets (socket_helpers.hpp).
#include "socket_helpers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace hush::pt::test {

namespace {

constexpr std::chrono::milliseconds kAcceptPollInterval{50};
constexpr std::chrono::milliseconds kSocksReplyTimeout{5000};
constexpr std::size_t kChunkSize = 16384;
constexpr std::uint8_t kSocksVersion = 0x05;
constexpr std::uint8_t kMethodUsernamePassword = 0x02;
constexpr std::uint8_t kAuthVersion = 0x01;
constexpr std::uint8_t kCommandConnect = 0x01;
constexpr std::uint8_t kAddressIpv4 = 0x01;
constexpr std::size_t kIpv4ReplySize = 10;  // VER REP RSV ATYP, 4 address bytes, 2 port bytes
constexpr int kByteBits = 8;
constexpr unsigned kByteMask = 0xFF;

void echo(int fd) {
  std::array<char, kChunkSize> chunk{};
  while (true) {
    const ssize_t got = read(fd, chunk.data(), chunk.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;
    if (!send_all(fd, std::string(chunk.data(), static_cast<std::size_t>(got)))) return;
  }
}

}  // namespace

EchoServer::EchoServer() {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener_, SOMAXCONN) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return;  // port() stays 0: the test fails on it
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

void EchoServer::accept_loop() {
  while (!stopping_) {
    pollfd readable{listener_, POLLIN, 0};
    if (poll(&readable, 1, static_cast<int>(kAcceptPollInterval.count())) <= 0) continue;
    const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mutex_);
    connections_.push_back(fd);
    threads_.emplace_back([fd] { echo(fd); });
  }
}

EchoServer::~EchoServer() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  for (const int fd : connections_) shutdown(fd, SHUT_RDWR);
  for (auto& thread : threads_) thread.join();
  for (const int fd : connections_) close(fd);
  if (listener_ >= 0) close(listener_);
}

Socket::~Socket() {
  if (fd_ >= 0) close(fd_);
}

Socket connect_tcp(const std::string& host, std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) return Socket{};
  Socket socket_holder(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!socket_holder.valid()) return Socket{};
  if (connect(socket_holder.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return Socket{};
  return socket_holder;
}

bool send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t done = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (done < 0 && errno == EINTR) continue;
    if (done <= 0) return false;
    sent += static_cast<std::size_t>(done);
  }
  return true;
}

std::string receive(int fd, std::size_t size, std::chrono::milliseconds timeout) {
  std::string out;
  std::array<char, kChunkSize> chunk{};
  while (out.size() < size) {
    pollfd readable{fd, POLLIN, 0};
    if (poll(&readable, 1, static_cast<int>(timeout.count())) <= 0) break;
    const ssize_t got = read(fd, chunk.data(), std::min(chunk.size(), size - out.size()));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    out.append(chunk.data(), static_cast<std::size_t>(got));
  }
  return out;
}

std::size_t bytes_arriving_within(int fd, std::chrono::milliseconds window) {
  const auto deadline = std::chrono::steady_clock::now() + window;
  std::size_t total = 0;
  std::array<char, kChunkSize> chunk{};
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return total;
    pollfd readable{fd, POLLIN, 0};
    const int ready = poll(&readable, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return total;
    const ssize_t got = read(fd, chunk.data(), chunk.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return total;
    total += static_cast<std::size_t>(got);
  }
}

int socks5_connect(int fd, const std::string& target_ipv4, std::uint16_t target_port, const std::string& username,
                   const std::string& password) {
  // RFC 1928 §3: offer only username/password.
  if (!send_all(fd, std::string{static_cast<char>(kSocksVersion), 1, static_cast<char>(kMethodUsernamePassword)})) {
    return -1;
  }
  const std::string method = receive(fd, 2, kSocksReplyTimeout);
  if (method.size() != 2 || method[0] != kSocksVersion || method[1] != kMethodUsernamePassword) return -1;
  // RFC 1929 §2: VER ULEN UNAME PLEN PASSWD.
  std::string auth{static_cast<char>(kAuthVersion), static_cast<char>(username.size())};
  auth += username;
  auth.push_back(static_cast<char>(password.size()));
  auth += password;
  if (!send_all(fd, auth)) return -1;
  const std::string auth_reply = receive(fd, 2, kSocksReplyTimeout);
  if (auth_reply.size() != 2 || auth_reply[1] != 0) return -1;
  // RFC 1928 §4: CONNECT to an IPv4 address.
  in_addr address{};
  if (inet_pton(AF_INET, target_ipv4.c_str(), &address) != 1) return -1;
  std::string request{static_cast<char>(kSocksVersion), static_cast<char>(kCommandConnect), 0,
                      static_cast<char>(kAddressIpv4)};
  request.append(reinterpret_cast<const char*>(&address), sizeof address);
  request.push_back(static_cast<char>((target_port >> kByteBits) & kByteMask));
  request.push_back(static_cast<char>(target_port & kByteMask));
  if (!send_all(fd, request)) return -1;
  const std::string reply = receive(fd, kIpv4ReplySize, kSocksReplyTimeout);
  if (reply.size() < 2 || reply[0] != kSocksVersion) return -1;
  return static_cast<unsigned char>(reply[1]);
}

}  // namespace hush::pt::test
