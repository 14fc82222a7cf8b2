// DeliveryRegistry: a multimap from device address to weak session references under one mutex.
#include "registry.hpp"

namespace hush::server {

void DeliveryRegistry::add(storage::DeviceAddress device, const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex_);
  sessions_.emplace(device, session);
}

void DeliveryRegistry::remove(storage::DeviceAddress device, const Session* session) {
  std::lock_guard lock(mutex_);
  auto [begin, end] = sessions_.equal_range(device);
  for (auto it = begin; it != end;) {
    auto live = it->second.lock();
    if (!live || live.get() == session) {
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<std::shared_ptr<Session>> DeliveryRegistry::sessions(storage::DeviceAddress device) {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lock(mutex_);
  auto [begin, end] = sessions_.equal_range(device);
  for (auto it = begin; it != end; ++it) {
    if (auto live = it->second.lock()) out.push_back(std::move(live));
  }
  return out;
}

std::vector<std::pair<storage::DeviceAddress, std::shared_ptr<Session>>> DeliveryRegistry::all() {
  std::vector<std::pair<storage::DeviceAddress, std::shared_ptr<Session>>> out;
  std::lock_guard lock(mutex_);
  for (const auto& [device, weak] : sessions_) {
    if (auto live = weak.lock()) out.emplace_back(device, std::move(live));
  }
  return out;
}

}  // namespace hush::server
