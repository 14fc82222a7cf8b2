// Wakes between the hushd nodes that share one database (ARCHITECTURE.md decision 8): when one node
// stores an envelope for a device, records a delivery failure notice for it or removes it, every
// node learns it, so the node holding that device's connection reads storage at once. Owns the
// signal only ("look at this device again"), never data: what changed is read from the stores.
// Single-process backends (memory, SQLite) have no wakes: their one server sees its own writes.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "hush/base/result.hpp"
#include "hush/storage/error.hpp"
#include "hush/storage/types.hpp"

namespace hush::storage {

enum class WakeKind : std::uint8_t {
  kEnvelopes = 1,      // envelopes were stored for `device`: read its queue from the cursor
  kNotices = 2,        // a delivery failure notice was recorded for `device` (the sender)
  kDeviceRemoved = 3,  // `device` was removed: close its connections
  kResync = 4,         // wakes may have been missed (the backend reconnected): re-read every device;
                       // `device` is meaningless
  kKeysClaimed = 5,    // a prekey of `device` was claimed: its server checks whether its stock runs low
};

struct Wake {
  WakeKind kind = WakeKind::kEnvelopes;
  DeviceAddress device;

  friend bool operator==(const Wake&, const Wake&) = default;
};

// Thread safety: start() and stop() from one thread; the listener is called from the backend's
// own thread, one batch at a time, never concurrently with itself.
class WakeSource {
 public:
  using Listener = std::function<void(std::span<const Wake>)>;

  virtual ~WakeSource() = default;

  // Starts delivering wakes to `listener` until stop() (or the Storage's destruction, which
  // stops first). A write is announced in the same transaction that makes it durable, so a wake
  // is never delivered for a write that did not commit, and every committed write is announced —
  // to every node, this one included. When the backend loses its listening connection it
  // reconnects and then delivers one kResync, since wakes sent meanwhile are lost.
  // Errors: kIo (cannot listen), kConflict (already started).
  virtual Result<void, StorageError> start(Listener listener) = 0;

  // Stops; no listener call is running or will run when it returns. Idempotent.
  virtual void stop() = 0;
};

}  // namespace hush::storage
