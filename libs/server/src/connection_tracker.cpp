// ConnectionTracker: counts per address and a map of live sessions under one mutex.
#include "connection_tracker.hpp"

namespace hush::server {

bool ConnectionTracker::reserve(const std::string& ip) {
  std::lock_guard lock(mutex_);
  if (refusing_) return false;
  std::size_t& count = per_ip_[ip];
  if (count >= per_ip_limit_) {
    if (count == 0) per_ip_.erase(ip);
    return false;
  }
  ++count;
  ++open_;
  return true;
}

void ConnectionTracker::attach(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex_);
  sessions_[session.get()] = session;
}

void ConnectionTracker::release(const std::string& ip, const Session* session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
  if (auto it = per_ip_.find(ip); it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
  if (open_ > 0) --open_;
  changed_.notify_all();
}

void ConnectionTracker::refuse_new() {
  std::lock_guard lock(mutex_);
  refusing_ = true;
}

std::vector<std::shared_ptr<Session>> ConnectionTracker::all() {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lock(mutex_);
  for (auto& [key, weak] : sessions_) {
    if (auto live = weak.lock()) out.push_back(std::move(live));
  }
  return out;
}

std::size_t ConnectionTracker::count() {
  std::lock_guard lock(mutex_);
  return open_;
}

bool ConnectionTracker::wait_empty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return open_ == 0; });
}

}  // namespace hush::server
