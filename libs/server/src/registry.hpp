// The delivery registry: which connections are authenticated as which device, so that a stored
// envelope (or a keys_low notice) reaches the device at once. Holds weak references and no lock
// while a session is called (boostorg/beast's "no lock held while sending").
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "hush/storage/types.hpp"
#include "session.hpp"

namespace hush::server {

// Thread-safe.
class DeliveryRegistry {
 public:
  void add(storage::DeviceAddress device, const std::shared_ptr<Session>& session);
  void remove(storage::DeviceAddress device, const Session* session);

  // The live sessions of `device` (usually one; a device may briefly have two while it
  // reconnects). Call their methods after this returns: no lock is held then.
  std::vector<std::shared_ptr<Session>> sessions(storage::DeviceAddress device);

  // Every live session with the device it is logged in as (for a resync after missed wakes).
  std::vector<std::pair<storage::DeviceAddress, std::shared_ptr<Session>>> all();

 private:
  std::mutex mutex_;
  std::multimap<storage::DeviceAddress, std::weak_ptr<Session>> sessions_;
};

}  // namespace hush::server
