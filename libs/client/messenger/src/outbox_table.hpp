// Internal: the store's `outbox` table (schema version 3): messages committed locally and not yet
// accepted by the server, each the encoded Content to send, sealed to its row. All inside a
// transaction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/client/store/transaction.hpp"

namespace hush::client::detail {

// Largest stored Content: a text or caption, a pointer with its thumbnail, and room to spare.
inline constexpr std::size_t kMaxOutboxContent = 64 * 1024;

struct OutboxEntry {
  std::int64_t sequence = 0;
  std::string recipient;
  Bytes message_id;
  std::uint64_t queued_ms = 0;  // when it was queued (milliseconds since the epoch)
  Bytes content;                // a serialized wire::content::Content, not yet padded
};

// Queues `content` for `recipient`; a second entry with the same recipient and id is ignored.
Result<void, StoreError> enqueue(StoreTransaction& transaction, const std::string& recipient, ByteView message_id,
                                 ByteView content, std::uint64_t now_ms);
// Up to `limit` entries, oldest first, after `after` (a sequence; 0 for the start).
Result<std::vector<OutboxEntry>, StoreError> outbox_entries(StoreTransaction& transaction, std::int64_t after,
                                                            std::size_t limit);
Result<void, StoreError> dequeue(StoreTransaction& transaction, std::int64_t sequence);
Result<std::size_t, StoreError> outbox_count(StoreTransaction& transaction);

}  // namespace hush::client::detail
