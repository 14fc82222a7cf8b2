// TestProxy over POSIX sockets: one accepting thread, one thread per connection. Stopping shuts
// every socket down, which ends the blocking calls; each connection closes its own sockets.
#include "test_proxies.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace hush::client::test {

namespace {

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

bool read_exact(int fd, std::string& out, std::size_t size) {
  out.assign(size, '\0');
  std::size_t have = 0;
  while (have < size) {
    const ssize_t got = ::recv(fd, out.data() + have, size - have, 0);
    if (got <= 0) return false;
    have += static_cast<std::size_t>(got);
  }
  return true;
}

// Reads until the peer closes (a proxy that has said its last word waits for the client to go).
void drain(int fd) {
  char buffer[4096];
  while (::recv(fd, buffer, sizeof buffer, 0) > 0) {
  }
}

std::string base64(const std::string& text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(size));
  return out;
}

// Copies bytes both ways until either side closes.
// Copies bytes both ways between the client `a` and the target `b` until either ends; returns
// what went each way.
TunnelBytes relay(int a, int b) {
  std::array<pollfd, 2> fds{{{a, POLLIN, 0}, {b, POLLIN, 0}}};
  TunnelBytes carried;
  std::array<std::string*, 2> copies{&carried.to_target, &carried.from_target};
  char buffer[16384];
  for (;;) {
    if (::poll(fds.data(), fds.size(), -1) < 0) return carried;
    for (std::size_t i = 0; i < 2; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t got = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
      if (got <= 0) return carried;
      const std::string_view bytes(buffer, static_cast<std::size_t>(got));
      copies[i]->append(bytes);
      if (!send_all(fds[1 - i].fd, bytes)) return carried;
    }
  }
}

}  // namespace

struct TestProxy::Impl {
  ProxySettings::Kind kind;
  ProxyBehaviour behaviour;
  int listener = -1;
  std::uint16_t port = 0;
  std::thread acceptor;

  mutable std::mutex mutex;
  std::vector<ProxyRequest> requests;
  std::vector<TunnelBytes> tunnels;
  std::set<int> open_sockets;  // shut down when stopping
  std::vector<std::thread> connections;
  bool stopping = false;

  // Registers a socket so that stopping can shut it down; false (and closed) when stopping.
  bool track(int fd) {
    std::lock_guard lock(mutex);
    if (stopping) {
      ::close(fd);
      return false;
    }
    open_sockets.insert(fd);
    return true;
  }
  void close_socket(int fd) {
    std::lock_guard lock(mutex);
    open_sockets.erase(fd);
    ::close(fd);
  }
  void keep(TunnelBytes carried) {
    std::lock_guard lock(mutex);
    tunnels.push_back(std::move(carried));
  }
  void record(ProxyRequest request) {
    std::lock_guard lock(mutex);
    requests.push_back(std::move(request));
  }

  // A connection to host:port, trying every address it resolves to; -1 when none answers.
  int connect_to(const std::string& host, std::uint16_t target_port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), std::to_string(target_port).c_str(), &hints, &found) != 0) return -1;
    int fd = -1;
    for (addrinfo* at = found; at != nullptr && fd < 0; at = at->ai_next) {
      fd = ::socket(at->ai_family, at->ai_socktype, at->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, at->ai_addr, at->ai_addrlen) != 0) {
        ::close(fd);
        fd = -1;
      }
    }
    ::freeaddrinfo(found);
    if (fd >= 0 && !track(fd)) return -1;
    return fd;
  }

  void serve(int client) {
    if (kind == ProxySettings::kSocks5) {
      serve_socks5(client);
    } else {
      serve_http(client);
    }
    close_socket(client);
  }

  void serve_socks5(int client) {
    ProxyRequest request;
    std::string bytes;
    if (!read_exact(client, bytes, 2) || bytes[0] != 5 ||
        !read_exact(client, request.methods, static_cast<std::uint8_t>(bytes[1])))
      return;
    if (!behaviour.garbage.empty() || behaviour.silent) {
      record(request);
      if (!behaviour.silent) send_all(client, behaviour.garbage);
      return drain(client);
    }
    const char method = behaviour.username.empty() ? 0x00 : 0x02;
    if (request.methods.find(method) == std::string::npos) {
      record(request);
      send_all(client, std::string{5, '\xFF'});
      return drain(client);
    }
    if (!send_all(client, std::string{5, method})) return;
    if (method == 0x02) {
      std::string username_size, password_size;
      if (!read_exact(client, bytes, 1) || !read_exact(client, username_size, 1) ||
          !read_exact(client, request.username, static_cast<std::uint8_t>(username_size[0])) ||
          !read_exact(client, password_size, 1) ||
          !read_exact(client, request.password, static_cast<std::uint8_t>(password_size[0]))) {
        return;
      }
      if (request.username != behaviour.username || request.password != behaviour.password) {
        record(request);
        send_all(client, std::string{1, 1});
        return drain(client);
      }
      if (!send_all(client, std::string{1, 0})) return;
    }
    // VER CMD RSV ATYP DST.ADDR DST.PORT
    if (!read_exact(client, bytes, 4) || bytes[0] != 5 || bytes[1] != 1) return;
    request.address_type = bytes[3];
    std::string address;
    if (request.address_type == 1 || request.address_type == 4) {
      const bool v4 = request.address_type == 1;
      if (!read_exact(client, address, v4 ? 4 : 16)) return;
      char text[INET6_ADDRSTRLEN] = {};
      ::inet_ntop(v4 ? AF_INET : AF_INET6, address.data(), text, sizeof text);
      request.host = text;
    } else if (request.address_type == 3) {
      if (!read_exact(client, bytes, 1) || !read_exact(client, request.host, static_cast<std::uint8_t>(bytes[0])))
        return;
    } else {
      return;
    }
    if (!read_exact(client, bytes, 2)) return;
    request.port =
        static_cast<std::uint16_t>(static_cast<std::uint8_t>(bytes[0]) << 8 | static_cast<std::uint8_t>(bytes[1]));
    record(request);
    const std::string bound{0, 1, 127, 0, 0, 1, 0, 0};
    if (behaviour.refuse != 0) {
      send_all(client, std::string{5, static_cast<char>(behaviour.refuse)} + bound);
      return drain(client);
    }
    const int target = connect_to(request.host, request.port);
    if (target < 0) {
      send_all(client, std::string{5, 5} + bound);
      return;
    }
    if (send_all(client, std::string{5, 0} + bound)) keep(relay(client, target));
    close_socket(target);
  }

  void serve_http(int client) {
    ProxyRequest request;
    std::string byte;
    while (request.head.size() < 65536 && !request.head.ends_with("\r\n\r\n")) {
      if (!read_exact(client, byte, 1)) return;
      request.head += byte;
    }
    // "CONNECT host:port HTTP/1.1"
    const auto space = request.head.find(' ');
    const auto end = request.head.find(' ', space + 1);
    const std::string authority = request.head.substr(space + 1, end - space - 1);
    const auto colon = authority.rfind(':');
    request.host = authority.substr(0, colon);
    if (request.host.starts_with('[')) request.host = request.host.substr(1, request.host.size() - 2);
    request.port = static_cast<std::uint16_t>(std::stoi(authority.substr(colon + 1)));
    record(request);
    if (!behaviour.garbage.empty() || behaviour.silent) {
      if (!behaviour.silent) send_all(client, behaviour.garbage);
      return drain(client);
    }
    if (!behaviour.username.empty() &&
        request.head.find("\r\nProxy-Authorization: Basic " + base64(behaviour.username + ":" + behaviour.password) +
                          "\r\n") == std::string::npos) {
      send_all(client, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n");
      return drain(client);
    }
    if (behaviour.refuse != 0) {
      send_all(client, "HTTP/1.1 " + std::to_string(behaviour.refuse) + " Refused\r\nContent-Length: 0\r\n\r\n");
      return drain(client);
    }
    const int target = connect_to(request.host, request.port);
    if (target < 0) {
      send_all(client, "HTTP/1.1 502 Bad Gateway\r\n\r\n");
      return;
    }
    if (send_all(client, "HTTP/1.1 200 Connection established\r\n\r\n")) keep(relay(client, target));
    close_socket(target);
  }

  void accept_loop() {
    for (;;) {
      const int client = ::accept(listener, nullptr, nullptr);
      if (client < 0) return;
      if (!track(client)) return;
      std::lock_guard lock(mutex);
      connections.emplace_back([this, client] { serve(client); });
    }
  }
};

TestProxy::TestProxy(ProxySettings::Kind kind, ProxyBehaviour behaviour) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.kind = kind;
  s.behaviour = std::move(behaviour);
  s.listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (s.listener < 0 || ::bind(s.listener, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::listen(s.listener, 16) != 0 || ::getsockname(s.listener, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    throw std::runtime_error("test proxy: cannot listen");
  }
  s.port = ntohs(address.sin_port);
  s.acceptor = std::thread([&s] { s.accept_loop(); });
}

TestProxy::~TestProxy() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mutex);
    s.stopping = true;
    ::shutdown(s.listener, SHUT_RDWR);
    for (const int fd : s.open_sockets) ::shutdown(fd, SHUT_RDWR);
  }
  s.acceptor.join();
  for (auto& connection : s.connections) connection.join();  // no more are added once stopping
  ::close(s.listener);
}

std::uint16_t TestProxy::port() const {
  return impl_->port;
}

ProxySettings TestProxy::settings(std::string username, std::string password) const {
  return {impl_->kind, "127.0.0.1", impl_->port, std::move(username), std::move(password)};
}

std::vector<TunnelBytes> TestProxy::tunnels() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->tunnels;
}

std::vector<ProxyRequest> TestProxy::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

}  // namespace hush::client::test
