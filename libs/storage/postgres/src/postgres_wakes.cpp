// The PostgreSQL backend's WakeSource: LISTEN on a dedicated connection, one thread that waits on
// its socket and on an eventfd, bounded parsing of every payload, reconnection then kResync.
#include "postgres_wakes.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "wake_payload.hpp"

namespace hush::storage::postgres {

ConnectionHandle PostgresWakes::listen() const {
  ConnectionHandle connection = connect(settings_);
  if (!connection) return nullptr;
  // The channel was checked to be [A-Za-z0-9_] on open; quoted, its case is kept, as pg_notify's.
  ResultHandle listening(PQexec(connection.get(), ("LISTEN \"" + channel_ + "\"").c_str()));
  if (!listening || PQresultStatus(listening.get()) != PGRES_COMMAND_OK) return nullptr;
  return connection;
}

Result<void, StorageError> PostgresWakes::start(Listener listener) {
  if (thread_.joinable()) return fail(StorageError::kConflict);
  ConnectionHandle connection = listen();
  if (!connection) return fail(StorageError::kIo);
  stop_event_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_event_ < 0) return fail(StorageError::kIo);
  connection_ = std::move(connection);
  listener_ = std::move(listener);
  thread_ = std::thread([this] { run(); });
  return {};
}

void PostgresWakes::stop() {
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  while (write(stop_event_, &one, sizeof one) < 0 && errno == EINTR) {
  }
  thread_.join();
  close(stop_event_);
  stop_event_ = -1;
  connection_.reset();
  listener_ = nullptr;
}

bool PostgresWakes::wait_unless_stopped(std::chrono::milliseconds delay) const {
  pollfd stop{stop_event_, POLLIN, 0};
  for (;;) {
    const int ready = poll(&stop, 1, static_cast<int>(delay.count()));
    if (ready < 0 && errno == EINTR) continue;
    return ready == 0;
  }
}

bool PostgresWakes::receive() {
  if (PQconsumeInput(connection_.get()) == 0) return false;
  std::vector<Wake> wakes;
  while (PGnotify* notification = PQnotifies(connection_.get())) {
    auto parsed = parse_wake_payload(notification->extra != nullptr ? notification->extra : "");
    PQfreemem(notification);
    if (!parsed) {
      ++ignored_payloads_;  // not ours, or damaged: never guessed at
      continue;
    }
    wakes.insert(wakes.end(), parsed->begin(), parsed->end());
  }
  if (!wakes.empty()) listener_(wakes);
  return PQstatus(connection_.get()) == CONNECTION_OK;
}

void PostgresWakes::run() {
  std::chrono::milliseconds delay = kFirstReconnectDelay;
  for (;;) {
    if (!connection_) {
      if (!wait_unless_stopped(delay)) return;
      connection_ = listen();
      if (!connection_) {
        delay = std::min(delay * 2, kMaxReconnectDelay);
        continue;
      }
      delay = kFirstReconnectDelay;
      // Wakes sent while the connection was down are lost: every device must be looked at again.
      const Wake resync{WakeKind::kResync, DeviceAddress{}};
      listener_(std::span<const Wake>(&resync, 1));
    }
    const int socket = PQsocket(connection_.get());
    if (socket < 0) {
      connection_.reset();
      continue;
    }
    pollfd ready[2] = {{socket, POLLIN, 0}, {stop_event_, POLLIN, 0}};
    if (poll(ready, 2, -1) < 0) {
      if (errno == EINTR) continue;
      connection_.reset();
      continue;
    }
    if (ready[1].revents != 0) return;
    if (ready[0].revents != 0 && !receive()) connection_.reset();
  }
}

}  // namespace hush::storage::postgres
