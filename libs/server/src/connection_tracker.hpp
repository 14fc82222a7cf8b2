// Every open connection, for the per-address limit and for shutdown ("tell everyone
// service_restart, then wait a bounded time"). Holds weak references; thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "session.hpp"

namespace hush::server {

class ConnectionTracker {
 public:
  explicit ConnectionTracker(std::size_t per_ip_limit) : per_ip_limit_(per_ip_limit) {}

  // Reserves a slot for a connection from `ip`; false when the address has per_ip_limit already
  // or the server is stopping (refuse_new()).
  bool reserve(const std::string& ip);
  // Fills a reserved slot with its session (for shutdown).
  void attach(const std::shared_ptr<Session>& session);
  // Frees the slot of a connection that ended (attached or not).
  void release(const std::string& ip, const Session* session);

  void refuse_new();
  std::vector<std::shared_ptr<Session>> all();
  std::size_t count();
  // True when every connection ended before `timeout`.
  bool wait_empty(std::chrono::milliseconds timeout);

 private:
  const std::size_t per_ip_limit_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool refusing_ = false;
  std::size_t open_ = 0;
  std::map<std::string, std::size_t> per_ip_;
  std::map<const Session*, std::weak_ptr<Session>> sessions_;
};

}  // namespace hush::server
