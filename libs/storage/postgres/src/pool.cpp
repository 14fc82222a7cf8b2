// The PostgreSQL backend's connection pool: connections are opened on demand up to the pool size,
// lent to one call at a time, and closed instead of returned when they broke.
#include "database.hpp"

namespace hush::storage::postgres {

Pool::Lease::~Lease() {
  if (connection_) pool_->give_back(std::move(connection_));
}

Result<Pool::Lease, StorageError> Pool::borrow() {
  std::unique_lock<std::mutex> lock(mutex_);
  available_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
  if (!idle_.empty()) {
    std::unique_ptr<Connection> connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(connection));
  }
  ++open_;
  lock.unlock();
  // Connecting takes a round trip or more: not under the mutex.
  ConnectionHandle handle = connect(settings_);
  if (!handle) {
    lock.lock();
    --open_;
    available_.notify_one();
    return fail(StorageError::kIo);
  }
  return Lease(*this, std::make_unique<Connection>(std::move(handle)));
}

void Pool::give_back(std::unique_ptr<Connection> connection) {
  const bool broken = connection->broken();
  if (broken) connection.reset();  // closed outside the mutex
  std::lock_guard<std::mutex> lock(mutex_);
  if (broken) {
    --open_;
  } else {
    idle_.push_back(std::move(connection));
  }
  available_.notify_one();
}

}  // namespace hush::storage::postgres
