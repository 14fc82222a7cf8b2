// Internal: the store's `messages` table (schema version 2), bodies sealed to their row, and the
// two queries on the protocol's `sessions` table the messenger needs beyond the SessionStore
// interface (which devices of an account have a session; dropping one). All inside a transaction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "hush/client/store/transaction.hpp"

namespace hush::client::detail {

// Largest stored body read back: a text is at most kMaxTextSize, an error name is short.
inline constexpr std::size_t kMaxStoredBody = kMaxTextSize;

// Inserts `message` unless one with the same direction, peer and id is stored (kept as it was).
Result<void, StoreError> insert_message(StoreTransaction& transaction, const Message& message, std::uint64_t now_ms);
// True when an incoming (or outgoing) message with this peer and id is stored.
Result<bool, StoreError> has_message(StoreTransaction& transaction, bool outgoing, const std::string& peer,
                                     ByteView id);
// Every message with `peer`, in the order they were stored.
Result<std::vector<Message>, StoreError> list_messages(StoreTransaction& transaction, const std::string& peer);

// The device ids of `name` that have a stored session.
Result<std::vector<std::uint32_t>, StoreError> session_devices(StoreTransaction& transaction, const std::string& name);
// Removes the session with (name, device_id), if any.
Result<void, StoreError> delete_session(StoreTransaction& transaction, const std::string& name,
                                        std::uint32_t device_id);

}  // namespace hush::client::detail
