// What the request handlers and the delivery registry need from a connection, without knowing
// it is a TLS WebSocket (so that they compile without Beast). Owns nothing; implemented by
// connection.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hush/base/bytes.hpp"
#include "hush/storage/types.hpp"
#include "hush/storage/wakes.hpp"
#include "hush/wire/api.pb.h"

namespace hush::server {

namespace api = wire::api;

// Thread safety: every method may be called from any thread; each posts to the connection's
// strand and returns at once.
class Session {
 public:
  virtual ~Session() = default;

  // Queues a push frame (keys_low, delivery_failed). A connection whose queue is full closes with
  // "slow_consumer".
  virtual void send_push(api::Push push) = 0;

  // `envelope` was just stored (durably) for this session's device, by the commit thread, which
  // calls this in sequence order. A session that has pushed its whole queue pushes it at once
  // without reading storage; one still working through its queue (or whose outgoing queue is
  // full) ignores the copy and reads it from storage by its cursor, in order.
  virtual void deliver(api::Envelope envelope) = 0;

  // Another server sharing the storage (or this one, when storage announces its own writes)
  // changed this session's device (storage/wakes.hpp): kEnvelopes reads the queue from the
  // cursor, kNotices pushes the delivery failure notices recorded since the last one pushed,
  // kResync does both. kDeviceRemoved is handled by the caller (close()).
  virtual void wake(storage::WakeKind kind) = 0;

  // Sends Push.closing with `reason` and closes the connection.
  virtual void close(std::string reason) = 0;
};

// State of one connection that the handlers read and change. Only touched on the connection's
// strand (requests are handled there, one at a time).
struct SessionState {
  Bytes challenge_nonce;                         // the Challenge pushed when the connection opened
  std::optional<storage::DeviceAddress> device;  // set by RegisterAccount / Authenticate
  std::string username;                          // of `device`
  bool transfers_only = false;                   // Authenticate.transfers_only: media and Ping only, no pushes
  std::string remote_ip;                         // for per-address limits and logs
};

}  // namespace hush::server
