// Internal: the store's `groups` table (schema version 5): the last accepted state of every group
// this account is or was in, sealed to its row. All inside a transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/client/groups/group_state.hpp"
#include "hush/client/messenger/message.hpp"
#include "hush/client/store/transaction.hpp"

namespace hush::client::detail {

// Stores `state` as the group's current state (replacing what was held).
Result<void, StoreError> put_group(StoreTransaction& transaction, const GroupState& state, std::uint64_t now_ms);
// The group's state; nullopt when it is not known.
Result<std::optional<GroupState>, StoreError> find_group(StoreTransaction& transaction, ByteView id);
// Every group held, oldest first.
Result<std::vector<GroupState>, StoreError> list_groups(StoreTransaction& transaction);

// The key id of our Sender Key that `member` was last sent for the group; nullopt when none.
Result<std::optional<std::uint32_t>, StoreError> shared_key(StoreTransaction& transaction, ByteView group,
                                                            const std::string& member);
Result<void, StoreError> set_shared_key(StoreTransaction& transaction, ByteView group, const std::string& member,
                                        std::uint32_t key_id);
// Forgets whom the key was sent to: every member of the group (after a rotation), or one.
Result<void, StoreError> forget_shares(StoreTransaction& transaction, ByteView group,
                                       const std::optional<std::string>& member = std::nullopt);

// Per-member receipts of our group message `message_id`: `state` (kDelivered or kRead) for
// `member`, never moving back; and all of them, by member.
Result<void, StoreError> record_group_receipt(StoreTransaction& transaction, ByteView group, ByteView message_id,
                                              const std::string& member, MessageState state);
Result<std::vector<std::pair<std::string, MessageState>>, StoreError> group_receipts(StoreTransaction& transaction,
                                                                                     ByteView group,
                                                                                     ByteView message_id);

// The names of `from` that are not in `in` (both sorted).
std::vector<std::string> names_missing(const std::vector<std::string>& from, const std::vector<std::string>& in);
// What changed from `before` (nullopt: the group is new here) to `after`, as a history row's
// body: "created \"name\"", "added carol, dave; removed erin", "renamed to \"x\"", ...
std::string describe_group_change(const std::optional<GroupState>& before, const GroupState& after);

// The peer a group's conversation is stored under: "#" and the id in lower-case hex.
std::string group_peer(ByteView id);
// The group id a peer names, nullopt when it is an account.
std::optional<Bytes> group_of_peer(std::string_view peer);

}  // namespace hush::client::detail
