// One storage backend: the four stores over one database, as the server receives it. Backends
// (memory_storage.hpp, sqlite_storage.hpp) construct it; the server depends on this header only.
#pragma once

#include "hush/storage/accounts.hpp"
#include "hush/storage/key_directory.hpp"
#include "hush/storage/media_store.hpp"
#include "hush/storage/message_queue.hpp"
#include "hush/storage/options.hpp"
#include "hush/storage/wakes.hpp"

namespace hush::storage {

// Thread safety: the stores may be used from any thread; they live as long as the Storage.
// Operations on different stores are independent (removing a device still deletes its keys and
// queue atomically: that is one call on AccountStore).
class Storage {
 public:
  virtual ~Storage() = default;
  virtual AccountStore& accounts() = 0;
  virtual KeyDirectory& keys() = 0;
  virtual MessageQueues& messages() = 0;
  virtual MediaStore& media() = 0;

  // The limits this backend enforces, as it was opened with them. The server reads them here to
  // check requests early and to report a limit's value by name, so they cannot drift from what
  // the backend actually enforces.
  virtual const Options& options() const = 0;

  // Wakes between the servers sharing this database (wakes.hpp), or nullptr for a backend that one
  // process owns alone (memory, SQLite): the server then pushes what it commits straight to its own
  // connections. With wakes, several servers may share the backend and each pushes on wakes only.
  virtual WakeSource* wakes() { return nullptr; }
};

}  // namespace hush::storage
