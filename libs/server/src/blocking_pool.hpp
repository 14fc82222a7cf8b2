// Threads for the storage calls that wait on the disk (a synced write: registration, key upload,
// bundle claim, device removal, media), so that no network thread ever blocks on an fsync and the
// hundreds of connections it serves keep moving. The connection that made such a request reads
// nothing more until it is answered, which keeps its requests in order (connection.cpp).
// Owns its threads and queue; not what the jobs do. Beast-free.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hush::server {

class BlockingPool {
 public:
  // Storage writes serialise on the database's writer anyway; a few threads let a read-heavy
  // job (or a second database) overlap with a write. Default 4.
  static constexpr std::size_t kDefaultThreads = 4;

  explicit BlockingPool(std::size_t threads = kDefaultThreads);
  ~BlockingPool();  // calls stop()
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs `job` on one of the pool's threads, in submission order across the pool's queue.
  // Thread-safe. After stop(), `job` runs at once on the caller's thread (it still answers).
  void post(std::function<void()> job);

  // Runs every job already posted, then joins the threads. Idempotent.
  void stop();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace hush::server
