// The fault proxy's faults, each on its own, against an echo server on 127.0.0.1: bytes pass
// untouched, cuts reset both sides within their drawn lifetime (the same seed drawing the same
// lifetimes), stalls hold bytes without closing, slices make many small writes, throttling and
// latency slow a transfer down, a dead target resets at once, and faults change on open
// connections. Timing checks are lower bounds (a timer cannot fire early) or generous upper ones.
#include "fault_proxy.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <string>

namespace hush::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Upper bound on anything a test waits for: far above what a loaded sanitizer build needs.
constexpr std::chrono::milliseconds kPatience = 10s;

int listen_on_loopback(std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  ::listen(fd, 16);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

// Echoes every byte back on every connection until the peer closes or resets; counts resets.
class EchoServer {
 public:
  EchoServer() {
    listener_ = listen_on_loopback(port_);
    acceptor_ = std::thread([this] {
      while (!stopping_) {
        pollfd waiting{listener_, POLLIN, 0};
        if (::poll(&waiting, 1, 20) <= 0) continue;
        const int fd = ::accept(listener_, nullptr, nullptr);
        if (fd < 0) continue;
        std::lock_guard lock(mutex_);
        sessions_.emplace_back([this, fd] { echo(fd); });
      }
    });
  }
  ~EchoServer() {
    stopping_ = true;
    acceptor_.join();
    for (auto& session : sessions_) session.join();
    ::close(listener_);
  }
  std::uint16_t port() const { return port_; }
  int resets() const { return resets_; }

 private:
  void echo(int fd) {
    char buffer[4096];
    while (!stopping_) {
      pollfd readable{fd, POLLIN, 0};
      if (::poll(&readable, 1, 20) <= 0) continue;
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
      if (got < 0 && errno == ECONNRESET) ++resets_;
      if (got <= 0) break;
      if (::send(fd, buffer, static_cast<std::size_t>(got), MSG_NOSIGNAL) != got) break;
    }
    ::close(fd);
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> resets_{0};
  std::mutex mutex_;
  std::vector<std::thread> sessions_;
  std::thread acceptor_;
};

// A blocking client socket connected to 127.0.0.1:port.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }

  bool send_all(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Reads until `size` bytes arrived, the peer closed or reset (error() says which), or `timeout`.
  std::string receive(std::size_t size, std::chrono::milliseconds timeout = kPatience) {
    std::string got;
    const auto deadline = Clock::now() + timeout;
    while (got.size() < size) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      pollfd readable{fd_, POLLIN, 0};
      if (left <= 0 || ::poll(&readable, 1, static_cast<int>(left)) <= 0) break;
      char buffer[65536];
      const ssize_t n = ::recv(fd_, buffer, std::min(sizeof buffer, size - got.size()), 0);
      if (n <= 0) {
        error_ = n == 0 ? 0 : errno;
        closed_ = true;
        break;
      }
      got.append(buffer, static_cast<std::size_t>(n));
    }
    return got;
  }
  bool closed() const { return closed_; }
  int error() const { return error_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  int error_ = 0;
};

std::string random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 engine(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(engine());
  return bytes;
}

TEST(FaultProxy, ForwardsBytesUntouchedAndCountsThem) {
  constexpr std::size_t kSize = 1024 * 1024 + 13;
  EchoServer echo;
  FaultProxy proxy(echo.port(), 1);
  Client client(proxy.port());
  ASSERT_TRUE(client.connected());
  const std::string bytes = random_bytes(kSize, 1);
  std::thread sender([&] { client.send_all(bytes); });
  EXPECT_EQ(client.receive(kSize), bytes);
  sender.join();
  // The proxy counts a write just after send() returns, so the client can read the last bytes
  // a moment before they are counted.
  ProxyCounters counters = proxy.counters();
  for (const auto deadline = Clock::now() + kPatience; counters.bytes_to_client < kSize && Clock::now() < deadline;
       counters = proxy.counters()) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(counters.connections, 1u);
  EXPECT_EQ(counters.cuts, 0u);
  EXPECT_EQ(counters.bytes_to_target, kSize);
  EXPECT_EQ(counters.bytes_to_client, kSize);
}

TEST(FaultProxy, CutsResetBothSidesAfterTheDrawnLifetime) {
  constexpr auto kLifetime = 200ms;
  EchoServer echo;
  FaultProxy proxy(echo.port(), 2, Faults{kLifetime, kLifetime});
  const auto start = Clock::now();
  Client client(proxy.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all("ping"));
  EXPECT_EQ(client.receive(4), "ping");
  EXPECT_EQ(client.receive(1), "");  // nothing more: the cut ends it
  EXPECT_GE(Clock::now() - start, kLifetime);
  EXPECT_TRUE(client.closed());
  EXPECT_EQ(client.error(), ECONNRESET) << "a cut is a reset, not a FIN";
  EXPECT_EQ(proxy.counters().cuts, 1u);
  for (const auto deadline = Clock::now() + kPatience; echo.resets() == 0 && Clock::now() < deadline;) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(echo.resets(), 1) << "the target side is reset too";
}

TEST(FaultProxy, LifetimesAreDrawnInTheRangeFromTheSeed) {
  constexpr auto kMin = 50ms;
  constexpr auto kMax = 150ms;
  constexpr int kConnections = 5;
  EchoServer echo;
  std::vector<std::chrono::milliseconds> drawn[2];
  for (auto& lifetimes : drawn) {
    FaultProxy proxy(echo.port(), 42, Faults{kMin, kMax});
    for (int i = 0; i < kConnections; ++i) {
      Client client(proxy.port());
      ASSERT_TRUE(client.connected());
      const auto start = Clock::now();
      EXPECT_EQ(client.receive(1), "");
      EXPECT_EQ(client.error(), ECONNRESET);
      EXPECT_GE(Clock::now() - start + proxy.kPollSlice, kMin);
    }
    lifetimes = proxy.lifetimes_drawn();
    EXPECT_EQ(proxy.counters().cuts, static_cast<std::uint64_t>(kConnections));
  }
  ASSERT_EQ(drawn[0].size(), static_cast<std::size_t>(kConnections));
  EXPECT_EQ(drawn[0], drawn[1]) << "the same seed draws the same lifetimes";
  for (const auto lifetime : drawn[0]) {
    EXPECT_GE(lifetime, kMin);
    EXPECT_LE(lifetime, kMax);
  }
  FaultProxy other(echo.port(), 43, Faults{kMin, kMax});
  for (int i = 0; i < kConnections; ++i) {
    Client client(other.port());
    EXPECT_EQ(client.receive(1), "");
  }
  EXPECT_NE(other.lifetimes_drawn(), drawn[0]) << "another seed, other lifetimes";
}

TEST(FaultProxy, AStallForADurationHoldsBytesThenDeliversThem) {
  constexpr auto kStall = 300ms;
  EchoServer echo;
  FaultProxy proxy(echo.port(), 3);
  Client client(proxy.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all("a"));
  ASSERT_EQ(client.receive(1), "a");  // the connection is up (and registered with the proxy)
  const auto start = Clock::now();
  proxy.stall(kStall);
  ASSERT_TRUE(client.send_all("held"));
  EXPECT_EQ(client.receive(4), "held");
  EXPECT_GE(Clock::now() - start, kStall);
  EXPECT_FALSE(client.closed());
  EXPECT_EQ(proxy.counters().cuts, 0u);
}

TEST(FaultProxy, AStallUntilCutNeverClosesByItselfButACutEndsIt) {
  constexpr auto kQuiet = 500ms;
  EchoServer echo;
  FaultProxy proxy(echo.port(), 4);
  Client client(proxy.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all("a"));
  ASSERT_EQ(client.receive(1), "a");
  proxy.stall(std::nullopt);
  ASSERT_TRUE(client.send_all("lost in the void"));
  EXPECT_EQ(client.receive(1, kQuiet), "");
  EXPECT_FALSE(client.closed()) << "a stall does not close: the peer must notice by itself";
  // A connection accepted during the stall flows.
  Client later(proxy.port());
  ASSERT_TRUE(later.send_all("b"));
  EXPECT_EQ(later.receive(1), "b");
  proxy.cut_all();
  EXPECT_EQ(client.receive(1), "");
  EXPECT_TRUE(client.closed());
  EXPECT_EQ(client.error(), ECONNRESET);
  // cut_all() cuts every open connection: `later` too, within a poll slice.
  for (const auto deadline = Clock::now() + kPatience; proxy.counters().cuts < 2 && Clock::now() < deadline;) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(proxy.counters().cuts, 2u);
}

TEST(FaultProxy, SlicingMakesManySmallWritesAndKeepsTheBytes) {
  constexpr std::size_t kSlice = 7;
  constexpr std::size_t kSize = 20 * 1024;
  EchoServer echo;
  Faults faults;
  faults.slice = kSlice;
  FaultProxy proxy(echo.port(), 5, faults);
  Client client(proxy.port());
  const std::string bytes = random_bytes(kSize, 5);
  ASSERT_TRUE(client.send_all(bytes));
  EXPECT_EQ(client.receive(kSize), bytes);
  // Both directions, at most kSlice bytes a write.
  EXPECT_GE(proxy.counters().writes, 2 * kSize / kSlice);
}

TEST(FaultProxy, ThrottlingHoldsTheRate) {
  constexpr std::uint64_t kRate = 100 * 1024;
  constexpr std::size_t kSize = 200 * 1024;
  // 200 KiB at 100 KiB/s takes two seconds each way (the two directions overlap); allow for the
  // first slice going at once.
  constexpr auto kAtLeast = 1500ms;
  EchoServer echo;
  Faults faults;
  faults.bytes_per_second = kRate;
  FaultProxy proxy(echo.port(), 6, faults);
  Client client(proxy.port());
  const std::string bytes = random_bytes(kSize, 6);
  const auto start = Clock::now();
  std::thread sender([&] { client.send_all(bytes); });
  EXPECT_EQ(client.receive(kSize), bytes);
  sender.join();
  EXPECT_GE(Clock::now() - start, kAtLeast);
}

TEST(FaultProxy, LatencyDelaysEveryChunkEachWay) {
  constexpr auto kLatency = 200ms;
  EchoServer echo;
  Faults faults;
  faults.latency = kLatency;
  FaultProxy proxy(echo.port(), 7, faults);
  Client client(proxy.port());
  const auto start = Clock::now();
  ASSERT_TRUE(client.send_all("x"));
  EXPECT_EQ(client.receive(1), "x");
  EXPECT_GE(Clock::now() - start, 2 * kLatency);
}

TEST(FaultProxy, ADeadTargetResetsTheClientAtOnce) {
  std::uint16_t dead_port = 0;
  ::close(listen_on_loopback(dead_port));  // a port nothing listens on
  FaultProxy proxy(dead_port, 8);
  Client client(proxy.port());
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.receive(1), "");
  EXPECT_TRUE(client.closed());
  EXPECT_EQ(client.error(), ECONNRESET);
  EXPECT_EQ(proxy.counters().target_failures, 1u);
}

TEST(FaultProxy, FaultsChangeOnOpenConnections) {
  constexpr auto kLifetime = 100ms;
  EchoServer echo;
  FaultProxy proxy(echo.port(), 9);
  Client client(proxy.port());
  ASSERT_TRUE(client.send_all("a"));
  ASSERT_EQ(client.receive(1), "a");
  EXPECT_EQ(proxy.open_connections(), 1u);
  proxy.set_faults(Faults{kLifetime, kLifetime});
  EXPECT_EQ(client.receive(1), "");
  EXPECT_EQ(client.error(), ECONNRESET);
  EXPECT_EQ(proxy.counters().cuts, 1u);
  proxy.set_faults(Faults{});
  Client after(proxy.port());
  ASSERT_TRUE(after.send_all("b"));
  EXPECT_EQ(after.receive(1), "b");
  EXPECT_EQ(after.receive(1, 3 * kLifetime), "");
  EXPECT_FALSE(after.closed()) << "cuts are off again";
}

}  // namespace
}  // namespace hush::test
