// The `groups` table: a group's state sealed to its row, so that a swapped row cannot change who
// the user believes is in a group.
#include "group_table.hpp"

#include "hush/client/store/row_name.hpp"

namespace hush::client::detail {

namespace {

RowName group_row(ByteView id) {
  RowName row("groups");
  row.add(id);
  return row;
}

Result<GroupState, StoreError> open_group(StoreTransaction& transaction, ByteView id, ByteView sealed) {
  auto opened = transaction.open(group_row(id), sealed, kMaxGroupStateSize);
  if (!opened.ok()) return fail(opened.error());
  auto state = parse_group_state(opened->view());
  if (!state.ok() || !std::equal(id.begin(), id.end(), state->id.begin(), state->id.end())) {
    return fail(StoreError::kCorrupt);
  }
  return std::move(*state);
}

}  // namespace

Result<void, StoreError> put_group(StoreTransaction& transaction, const GroupState& state, std::uint64_t now_ms) {
  const Bytes sealed = transaction.seal(group_row(state.id), as_bytes(serialize(state)));
  return transaction.run([&](StoreConnection& db) {
    return db
        .prepare(
            "INSERT INTO groups (id, record, updated_ms) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET record = "
            "excluded.record, updated_ms = excluded.updated_ms")
        .bind(1, ByteView(state.id))
        .bind(2, ByteView(sealed))
        .bind(3, static_cast<std::int64_t>(now_ms))
        .run();
  });
}

Result<std::optional<GroupState>, StoreError> find_group(StoreTransaction& transaction, ByteView id) {
  std::optional<GroupState> found;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT record FROM groups WHERE id = ?1");
    auto row = select.bind(1, id).step();
    if (!row.ok()) return fail(row.error());
    if (!*row) return {};
    auto state = open_group(transaction, id, select.column_view(0));
    if (!state.ok()) return fail(state.error());
    found = std::move(*state);
    return {};
  });
  if (!ran.ok()) return fail(ran.error());
  return found;
}

Result<std::vector<GroupState>, StoreError> list_groups(StoreTransaction& transaction) {
  std::vector<GroupState> groups;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT id, record FROM groups ORDER BY rowid");
    while (true) {
      auto row = select.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) return {};
      const Bytes id(select.column_view(0).begin(), select.column_view(0).end());
      auto state = open_group(transaction, id, select.column_view(1));
      if (!state.ok()) return fail(state.error());
      groups.push_back(std::move(*state));
    }
  });
  if (!ran.ok()) return fail(ran.error());
  return groups;
}

Result<std::optional<std::uint32_t>, StoreError> shared_key(StoreTransaction& transaction, ByteView group,
                                                            const std::string& member) {
  std::optional<std::uint32_t> key_id;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select = db.prepare("SELECT key_id FROM group_key_shares WHERE group_id = ?1 AND member = ?2");
    auto row = select.bind(1, group).bind(2, as_bytes(member)).step();
    if (!row.ok()) return fail(row.error());
    if (*row) key_id = static_cast<std::uint32_t>(select.column_int(0));
    return {};
  });
  if (!ran.ok()) return fail(ran.error());
  return key_id;
}

Result<void, StoreError> set_shared_key(StoreTransaction& transaction, ByteView group, const std::string& member,
                                        std::uint32_t key_id) {
  return transaction.run([&](StoreConnection& db) {
    return db
        .prepare(
            "INSERT INTO group_key_shares (group_id, member, key_id) VALUES (?1, ?2, ?3) ON CONFLICT (group_id, "
            "member) DO UPDATE SET key_id = excluded.key_id")
        .bind(1, group)
        .bind(2, as_bytes(member))
        .bind(3, std::int64_t{key_id})
        .run();
  });
}

Result<void, StoreError> forget_shares(StoreTransaction& transaction, ByteView group,
                                       const std::optional<std::string>& member) {
  return transaction.run([&](StoreConnection& db) {
    if (!member) return db.prepare("DELETE FROM group_key_shares WHERE group_id = ?1").bind(1, group).run();
    return db.prepare("DELETE FROM group_key_shares WHERE group_id = ?1 AND member = ?2")
        .bind(1, group)
        .bind(2, as_bytes(*member))
        .run();
  });
}

Result<void, StoreError> record_group_receipt(StoreTransaction& transaction, ByteView group, ByteView message_id,
                                              const std::string& member, MessageState state) {
  return transaction.run([&](StoreConnection& db) {
    return db
        .prepare(
            "INSERT INTO group_receipts (group_id, message_id, member, state) VALUES (?1, ?2, ?3, ?4) ON CONFLICT "
            "(group_id, message_id, member) DO UPDATE SET state = max(state, excluded.state)")
        .bind(1, group)
        .bind(2, message_id)
        .bind(3, as_bytes(member))
        .bind(4, static_cast<std::int64_t>(state))
        .run();
  });
}

Result<std::vector<std::pair<std::string, MessageState>>, StoreError> group_receipts(StoreTransaction& transaction,
                                                                                     ByteView group,
                                                                                     ByteView message_id) {
  std::vector<std::pair<std::string, MessageState>> receipts;
  auto ran = transaction.run([&](StoreConnection& db) -> Result<void, StoreError> {
    auto select =
        db.prepare("SELECT member, state FROM group_receipts WHERE group_id = ?1 AND message_id = ?2 ORDER BY member");
    select.bind(1, group).bind(2, message_id);
    while (true) {
      auto row = select.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) return {};
      const std::int64_t state = select.column_int(1);
      if (state != static_cast<std::int64_t>(MessageState::kDelivered) &&
          state != static_cast<std::int64_t>(MessageState::kRead)) {
        return fail(StoreError::kCorrupt);
      }
      receipts.emplace_back(select.column_text(0), static_cast<MessageState>(state));
    }
  });
  if (!ran.ok()) return fail(ran.error());
  return receipts;
}

std::string group_peer(ByteView id) {
  return "#" + to_hex(id);
}

std::optional<Bytes> group_of_peer(std::string_view peer) {
  if (peer.size() != 1 + 2 * kGroupIdSize || peer.front() != '#') return std::nullopt;
  return from_hex(peer.substr(1));
}

}  // namespace hush::client::detail
