// FaultProxy: one acceptor thread, and one thread per connection that polls both sockets (both
// non-blocking) and moves bytes through a queue per direction, where latency, throttling, slicing,
// stalls and cuts are applied.
#include "fault_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <stdexcept>
#include <string>

namespace hush::test {

namespace {

using Clock = std::chrono::steady_clock;

// Bytes read from a socket at once.
constexpr std::size_t kReadSize = 64 * 1024;
// Bytes a direction holds before it stops reading: enough for a window of media chunks, small
// enough that a stalled or throttled peer pushes back on the sender as a real network does.
constexpr std::size_t kMaxQueued = 1024 * 1024;
// Connections waiting to be accepted.
constexpr int kListenBacklog = 64;

void set_non_blocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
}

void set_no_delay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Closes with a TCP reset instead of a FIN: what a censor's injected RST looks like to the peer.
void reset_and_close(int fd) {
  if (fd < 0) return;
  linger abortive{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
  ::close(fd);
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// A connected socket to 127.0.0.1:port, or -1.
int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const sockaddr_in address = loopback(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Bytes read from one socket, waiting to be written to the other.
struct Chunk {
  std::string bytes;
  std::size_t offset = 0;
  Clock::time_point ready;  // latency: not written before
};

struct Direction {
  int from = -1;
  int to = -1;
  std::atomic<std::uint64_t>* forwarded = nullptr;
  std::deque<Chunk> queue;
  std::size_t queued = 0;
  bool end_of_input = false;       // `from` sent FIN
  bool shut_down = false;          // and `to` was told so, once the queue emptied
  Clock::time_point next_write{};  // throttle: not before

  bool done() const { return shut_down; }
};

enum class Step { kGoOn, kClosed, kReset };

}  // namespace

struct FaultProxy::Connection {
  int client = -1;
  int target = -1;
  std::chrono::milliseconds lifetime{0};  // drawn at accept (0: no cuts then)
  std::thread thread;
  std::atomic<bool> finished{false};
  // Set by other threads under mutex_:
  Clock::time_point stalled_until{};  // stalled while now < it; max(): until cut
  bool cut_requested = false;
};

FaultProxy::FaultProxy(std::uint16_t target_port, std::uint64_t seed, Faults faults)
    : target_port_(target_port), faults_(faults), engine_(seed) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) throw std::runtime_error("fault proxy: socket");
  int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  if (::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, kListenBacklog) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(listener_);
    throw std::runtime_error("fault proxy: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  acceptor_.join();
  ::close(listener_);
  std::list<std::unique_ptr<Connection>> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(connections_);
  }
  for (auto& connection : left) connection->thread.join();
}

void FaultProxy::set_faults(const Faults& faults) {
  std::lock_guard lock(mutex_);
  faults_ = faults;
  ++faults_generation_;
}

Faults FaultProxy::faults() const {
  std::lock_guard lock(mutex_);
  return faults_;
}

void FaultProxy::stall(std::optional<std::chrono::milliseconds> duration) {
  std::lock_guard lock(mutex_);
  const auto until = duration ? Clock::now() + *duration : Clock::time_point::max();
  for (auto& connection : connections_) connection->stalled_until = until;
}

void FaultProxy::cut_all() {
  std::lock_guard lock(mutex_);
  for (auto& connection : connections_) connection->cut_requested = true;
}

std::size_t FaultProxy::open_connections() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(connections_.begin(), connections_.end(),
                                                [](const auto& connection) { return !connection->finished; }));
}

ProxyCounters FaultProxy::counters() const {
  return {accepted_.load(),        target_failures_.load(), cuts_.load(),
          bytes_to_target_.load(), bytes_to_client_.load(), writes_.load()};
}

std::vector<std::chrono::milliseconds> FaultProxy::lifetimes_drawn() const {
  std::lock_guard lock(mutex_);
  return lifetimes_;
}

std::chrono::milliseconds FaultProxy::draw_lifetime_locked() {
  if (!faults_.cuts()) return std::chrono::milliseconds{0};
  const auto low = std::min(faults_.cut_min, faults_.cut_max).count();
  const auto high = std::max(faults_.cut_min, faults_.cut_max).count();
  const std::chrono::milliseconds lifetime{std::uniform_int_distribution<std::int64_t>(low, high)(engine_)};
  lifetimes_.push_back(lifetime);
  return lifetime;
}

void FaultProxy::reap_finished_locked() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if ((*it)->finished) {
      (*it)->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void FaultProxy::accept_loop() {
  while (!stopping_) {
    pollfd waiting{listener_, POLLIN, 0};
    if (::poll(&waiting, 1, static_cast<int>(kPollSlice.count())) <= 0) continue;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    ++accepted_;
    std::lock_guard lock(mutex_);
    reap_finished_locked();
    auto connection = std::make_unique<Connection>();
    connection->client = client;
    connection->lifetime = draw_lifetime_locked();
    Connection& started = *connection;
    connections_.push_back(std::move(connection));
    started.thread = std::thread([this, &started] {
      run(started);
      started.finished = true;
    });
  }
}

void FaultProxy::run(Connection& connection) {
  connection.target = connect_to(target_port_);
  if (connection.target < 0) {
    ++target_failures_;
    reset_and_close(connection.client);
    return;
  }
  for (const int fd : {connection.client, connection.target}) {
    set_non_blocking(fd);
    set_no_delay(fd);
  }
  Direction up;
  up.from = connection.client;
  up.to = connection.target;
  up.forwarded = &bytes_to_target_;
  Direction down;
  down.from = connection.target;
  down.to = connection.client;
  down.forwarded = &bytes_to_client_;
  Direction* directions[] = {&up, &down};

  Faults faults;
  std::uint64_t generation = 0;
  Clock::time_point cut_at = Clock::time_point::max();
  {
    std::lock_guard lock(mutex_);
    faults = faults_;
    generation = faults_generation_;
    if (connection.lifetime.count() > 0) cut_at = Clock::now() + connection.lifetime;
  }

  // Writes what is due in one direction; kReset when the peer is gone.
  auto write_due = [&](Direction& direction, Clock::time_point now) {
    while (!direction.queue.empty()) {
      Chunk& chunk = direction.queue.front();
      if (chunk.ready > now || direction.next_write > now) return Step::kGoOn;
      std::size_t length = chunk.bytes.size() - chunk.offset;
      if (faults.slice > 0) length = std::min(length, faults.slice);
      if (faults.bytes_per_second > 0) {
        // At most one poll slice's worth at once, so that the rate is smooth.
        const auto per_slice = std::max<std::uint64_t>(1, faults.bytes_per_second * kPollSlice.count() / 1000);
        length = static_cast<std::size_t>(std::min<std::uint64_t>(length, per_slice));
      }
      const ssize_t written = ::send(direction.to, chunk.bytes.data() + chunk.offset, length, MSG_NOSIGNAL);
      if (written < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? Step::kGoOn : Step::kReset;
      const auto count = static_cast<std::size_t>(written);
      *direction.forwarded += count;
      ++writes_;
      chunk.offset += count;
      direction.queued -= count;
      if (faults.bytes_per_second > 0) {
        const auto cost = std::chrono::microseconds(count * 1'000'000 / faults.bytes_per_second);
        direction.next_write = std::max(direction.next_write, now) + cost;
      }
      if (chunk.offset == chunk.bytes.size()) direction.queue.pop_front();
    }
    if (direction.end_of_input && !direction.shut_down) {
      ::shutdown(direction.to, SHUT_WR);
      direction.shut_down = true;
    }
    return Step::kGoOn;
  };
  auto read_some = [&](Direction& direction, Clock::time_point now) {
    Chunk chunk;
    chunk.bytes.resize(kReadSize);
    const ssize_t got = ::recv(direction.from, chunk.bytes.data(), chunk.bytes.size(), 0);
    if (got < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? Step::kGoOn : Step::kReset;
    if (got == 0) {
      direction.end_of_input = true;
      return Step::kGoOn;
    }
    chunk.bytes.resize(static_cast<std::size_t>(got));
    chunk.ready = now + faults.latency;
    direction.queued += chunk.bytes.size();
    direction.queue.push_back(std::move(chunk));
    return Step::kGoOn;
  };

  Step outcome = Step::kGoOn;
  while (outcome == Step::kGoOn) {
    if (stopping_) {
      outcome = Step::kReset;
      break;
    }
    Clock::time_point now = Clock::now();
    bool stalled = false;
    {
      std::lock_guard lock(mutex_);
      if (generation != faults_generation_) {
        const bool cuts_changed = faults.cut_min != faults_.cut_min || faults.cut_max != faults_.cut_max;
        faults = faults_;
        generation = faults_generation_;
        if (cuts_changed) {
          const auto lifetime = draw_lifetime_locked();
          cut_at = lifetime.count() > 0 ? now + lifetime : Clock::time_point::max();
        }
      }
      stalled = now < connection.stalled_until;
      if (connection.cut_requested) cut_at = now;
    }
    if (now >= cut_at) {
      ++cuts_;
      outcome = Step::kReset;
      break;
    }
    if (!stalled) {
      for (Direction* direction : directions) {
        if (write_due(*direction, now) == Step::kReset) outcome = Step::kReset;
      }
      if (outcome != Step::kGoOn) break;
      if (up.done() && down.done()) {
        outcome = Step::kClosed;
        break;
      }
    }

    // Wait for input, room to write, or the next timer, whichever comes first.
    Clock::time_point wake = std::min(cut_at, now + kPollSlice);
    pollfd fds[2] = {{connection.client, 0, 0}, {connection.target, 0, 0}};
    if (!stalled) {
      for (Direction* direction : directions) {
        pollfd& from = direction->from == connection.client ? fds[0] : fds[1];
        pollfd& to = direction->to == connection.client ? fds[0] : fds[1];
        if (!direction->end_of_input && direction->queued < kMaxQueued) from.events |= POLLIN;
        if (direction->queue.empty()) continue;
        const auto due = std::max(direction->queue.front().ready, direction->next_write);
        if (due <= now) {
          to.events |= POLLOUT;
        } else {
          wake = std::min(wake, due);
        }
      }
    }
    for (pollfd& fd : fds) {
      if (fd.events == 0) fd.fd = -1;  // ignored: a peer's hangup must not wake a stalled loop
    }
    const auto timeout = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
    if (::poll(fds, 2, static_cast<int>(std::max<std::int64_t>(0, timeout))) <= 0) continue;
    now = Clock::now();
    for (Direction* direction : directions) {
      const pollfd& from = direction->from == connection.client ? fds[0] : fds[1];
      if ((from.events & POLLIN) && (from.revents & (POLLIN | POLLHUP | POLLERR))) {
        if (read_some(*direction, now) == Step::kReset) outcome = Step::kReset;
      }
    }
  }
  if (outcome == Step::kReset) {
    reset_and_close(connection.client);
    reset_and_close(connection.target);
  } else {
    ::close(connection.client);
    ::close(connection.target);
  }
}

}  // namespace hush::test
