// FaultProxy: a TCP proxy on 127.0.0.1 in front of one target port that does to the bytes what a
// hostile network does (issue 5; research/censorship-resilience.md §5.4, toxiproxy's "toxics"):
// cuts each connection with a TCP reset after a random lifetime, stalls (stops forwarding without
// closing), slices writes into small pieces, throttles and delays. Seeded, so a run's lifetimes are
// reproducible; faults can change while connections are open. It owns sockets and threads only;
// what the endpoints say to each other is not its business. Test code: not part of any product.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

namespace hush::test {

// What the proxy does to every connection. The default forwards bytes untouched.
struct Faults {
  // Each connection is cut (both sides reset: SO_LINGER 0, then close) after a lifetime drawn
  // uniformly from [cut_min, cut_max], counted from its accept or from the moment cuts were turned
  // on. Both zero (the default): never cut.
  std::chrono::milliseconds cut_min{0};
  std::chrono::milliseconds cut_max{0};
  // Largest write, in bytes, into either socket (TCP_NODELAY is set, so each goes out as its own
  // segment and the reader sees partial frames). 0 (the default): whole chunks as read.
  std::size_t slice = 0;
  // Bytes per second forwarded in each direction of each connection. 0 (the default): unlimited.
  std::uint64_t bytes_per_second = 0;
  // Time each chunk read waits before it is forwarded. 0 (the default): none.
  std::chrono::milliseconds latency{0};

  bool cuts() const { return cut_max.count() > 0; }
};

// What the proxy has done so far.
struct ProxyCounters {
  std::uint64_t connections = 0;      // accepted from clients
  std::uint64_t target_failures = 0;  // accepted, but the target refused: reset at once
  std::uint64_t cuts = 0;             // connections reset by a cut (timed or cut_all())
  std::uint64_t bytes_to_target = 0;  // forwarded from clients to the target
  std::uint64_t bytes_to_client = 0;  // forwarded from the target to clients
  std::uint64_t writes = 0;           // send() calls that forwarded bytes (slicing makes more)
};

// Thread-safe: every public function may be called from any thread while traffic flows.
class FaultProxy {
 public:
  // Listens on 127.0.0.1 on an ephemeral port and forwards to 127.0.0.1:target_port. `seed` drives
  // the cut lifetimes. Throws std::runtime_error when it cannot listen.
  FaultProxy(std::uint16_t target_port, std::uint64_t seed, Faults faults = {});
  // Stops accepting, resets every open connection and joins every thread.
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::uint16_t port() const { return port_; }

  // Replaces the faults; open connections follow the new ones within kPollSlice (a cut lifetime is
  // drawn again when cut_min or cut_max change).
  void set_faults(const Faults& faults);
  Faults faults() const;

  // Stops forwarding on every connection open now, without closing them: for `duration`, or with
  // nullopt until they are cut (by their lifetime or cut_all()). Connections accepted later flow.
  void stall(std::optional<std::chrono::milliseconds> duration);
  // Resets every connection open now.
  void cut_all();
  // Connections open now.
  std::size_t open_connections() const;

  ProxyCounters counters() const;
  // Every cut lifetime drawn so far, in order: the same seed and the same sequence of accepts and
  // set_faults() give the same list.
  std::vector<std::chrono::milliseconds> lifetimes_drawn() const;

  // How long a connection's thread waits at most before it looks at the faults and at stop again.
  static constexpr std::chrono::milliseconds kPollSlice{20};

 private:
  struct Connection;
  void accept_loop();
  void run(Connection& connection);
  // Called with mutex_ held: a lifetime in [cut_min, cut_max] from the seeded engine.
  std::chrono::milliseconds draw_lifetime_locked();
  void reap_finished_locked();

  std::uint16_t target_port_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mutex_;
  Faults faults_;
  std::uint64_t faults_generation_ = 0;
  std::mt19937_64 engine_;
  std::list<std::unique_ptr<Connection>> connections_;
  std::vector<std::chrono::milliseconds> lifetimes_;

  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> target_failures_{0};
  std::atomic<std::uint64_t> cuts_{0};
  std::atomic<std::uint64_t> bytes_to_target_{0};
  std::atomic<std::uint64_t> bytes_to_client_{0};
  std::atomic<std::uint64_t> writes_{0};

  std::thread acceptor_;
};

}  // namespace hush::test
