// Internal: building the Content of each kind of message, and queueing receipts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/client/account/account.hpp"
#include "hush/client/messenger/message.hpp"
#include "hush/client/store/transaction.hpp"
#include "hush/protocol/keys.hpp"
#include "hush/wire/content.pb.h"

namespace hush::client::detail {

// A Content with a fresh random id and the sender's clock.
wire::content::Content new_content(Account& account);

// Queues one receipt of `type` for `ids` to `peer` in the outbox (no history row); with
// `group_id`, for messages `peer` wrote in that group's conversation.
Result<void, StoreError> enqueue_receipt(StoreTransaction& transaction, Account& account, const std::string& peer,
                                         const std::vector<Bytes>& ids, wire::content::ReceiptMessage::Type type,
                                         ByteView group_id = {});

// A new identity key seen for (name, device): recorded as an unaccepted change and, unless the
// same key was already pending, added to the history as an "identity_changed" row, which is
// returned (to report); nullopt when it was already known.
Result<std::optional<Message>, StoreError> note_identity_change(StoreTransaction& transaction, Account& account,
                                                                const std::string& name, std::uint32_t device_id,
                                                                const protocol::IdentityKey& key);

}  // namespace hush::client::detail
