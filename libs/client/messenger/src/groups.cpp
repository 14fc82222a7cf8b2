// Groups in the messenger: changes made here (signed by our identity key, stored, and sent to
// every member over the pairwise sessions), and group messages: our Sender Key shared with each
// member first, then every message encrypted once and sent with one SendToMany. What a member may
// change is libs/client/groups' to say; receiving updates and group messages is in receive.cpp.
#include <algorithm>
#include <iterator>
#include <set>

#include "compose.hpp"
#include "group_table.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "hush/protocol/messages.hpp"
#include "hush/protocol/sender_keys.hpp"
#include "hush/wire/content_codec.hpp"
#include "hush/wire/username.hpp"
#include "message_table.hpp"
#include "outbox_table.hpp"
#include "server_status.hpp"

namespace hush::client {

namespace api = wire::api;
namespace content = wire::content;

namespace {

ClientError invalid(std::string detail) {
  return ClientError{ClientErrorKind::kInvalidArgument, std::move(detail)};
}

}  // namespace

namespace detail {

std::vector<std::string> names_missing(const std::vector<std::string>& from, const std::vector<std::string>& in) {
  std::vector<std::string> missing;
  std::set_difference(from.begin(), from.end(), in.begin(), in.end(), std::back_inserter(missing));
  return missing;
}

std::string describe_group_change(const std::optional<GroupState>& before, const GroupState& after) {
  auto joined = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
  };
  if (!before) return after.revision == 1 ? "created \"" + after.name + "\"" : "joined \"" + after.name + "\"";
  std::vector<std::string> parts;
  if (after.name != before->name) parts.push_back("renamed to \"" + after.name + "\"");
  if (auto added = names_missing(after.members, before->members); !added.empty()) {
    parts.push_back("added " + joined(added));
  }
  if (auto removed = names_missing(before->members, after.members); !removed.empty()) {
    parts.push_back("removed " + joined(removed));
  }
  if (auto admins = names_missing(after.admins, before->admins); !admins.empty()) {
    parts.push_back("made admin " + joined(admins));
  }
  if (after.expire_timer_seconds != before->expire_timer_seconds) {
    parts.push_back(after.expire_timer_seconds == 0 ? "timer off"
                                                    : "timer " + std::to_string(after.expire_timer_seconds) + " s");
  }
  if (parts.empty()) return "updated";
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : "; ") + part;
  return out;
}

}  // namespace detail

std::string Messenger::group_peer(ByteView group_id) {
  return detail::group_peer(group_id);
}

Result<GroupState, ClientError> Messenger::create_group(const std::string& name,
                                                        const std::vector<std::string>& members) {
  for (const auto& member : members) {
    if (!wire::valid_username(member)) return fail(invalid("member"));
  }
  if (name.empty() || name.size() > kMaxGroupNameSize) return fail(invalid("group_name"));
  auto state = new_group(account_.username(), name, members, account_.rng());
  if (!state.ok()) return fail(invalid(to_string(state.error())));
  HUSH_TRY(publish_group(std::nullopt, *state));
  return std::move(*state);
}

Result<GroupState, ClientError> Messenger::change_group(
    ByteView group_id, bool admins_only, const std::function<Result<void, ClientError>(GroupState&)>& change,
    Bytes* update_id) {
  std::optional<GroupState> held;
  {
    auto transaction = account_.store().transaction();
    auto found = detail::find_group(transaction, group_id);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    if (!found.ok()) return fail(ClientError::store(found.error()));
    held = std::move(*found);
  }
  if (!held) return fail(invalid("unknown_group"));
  const std::string& self = account_.username();
  if (!held->is_member(self)) return fail(invalid("not_a_member"));
  if (admins_only && !held->is_admin(self)) return fail(invalid("not_admin"));
  GroupState next = *held;
  HUSH_TRY(change(next));
  next.revision = held->revision + 1;
  auto valid = checked(std::move(next));
  if (!valid.ok()) return fail(invalid(to_string(valid.error())));
  auto published = publish_group(held, *valid);
  if (!published.ok()) return fail(published.error());
  if (update_id != nullptr) *update_id = std::move(*published);
  return std::move(*valid);
}

Result<GroupState, ClientError> Messenger::add_group_member(ByteView group_id, const std::string& member) {
  if (!wire::valid_username(member)) return fail(invalid("member"));
  return change_group(group_id, true, [&](GroupState& state) -> Result<void, ClientError> {
    if (state.is_member(member)) return fail(invalid("already_member"));
    if (state.members.size() >= kMaxGroupMembers) return fail(invalid("max_group_members"));
    state.members.push_back(member);
    return {};
  });
}

Result<GroupState, ClientError> Messenger::remove_group_member(ByteView group_id, const std::string& member) {
  if (member == account_.username()) return fail(invalid("member"));  // leave_group() takes us out
  return change_group(group_id, true, [&](GroupState& state) -> Result<void, ClientError> {
    if (!state.is_member(member)) return fail(invalid("not_a_member"));
    std::erase(state.members, member);
    std::erase(state.admins, member);
    return {};
  });
}

Result<GroupState, ClientError> Messenger::add_group_admin(ByteView group_id, const std::string& member) {
  return change_group(group_id, true, [&](GroupState& state) -> Result<void, ClientError> {
    if (!state.is_member(member)) return fail(invalid("not_a_member"));
    if (!state.is_admin(member)) state.admins.push_back(member);
    return {};
  });
}

Result<GroupState, ClientError> Messenger::rename_group(ByteView group_id, const std::string& name) {
  if (name.empty() || name.size() > kMaxGroupNameSize) return fail(invalid("group_name"));
  return change_group(group_id, true, [&](GroupState& state) -> Result<void, ClientError> {
    state.name = name;
    return {};
  });
}

Result<GroupState, ClientError> Messenger::leave_group(ByteView group_id) {
  const std::string self = account_.username();
  return change_group(group_id, false, [&](GroupState& state) -> Result<void, ClientError> {
    std::erase(state.members, self);
    std::erase(state.admins, self);
    // The last admin would leave a group nobody may change: they name another first.
    if (state.admins.empty() && !state.members.empty()) return fail(invalid("last_admin"));
    return {};
  });
}

Result<Bytes, ClientError> Messenger::set_group_timer(ByteView group_id, std::uint32_t seconds) {
  Bytes update_id;
  auto changed = change_group(
      group_id, true,
      [&](GroupState& state) -> Result<void, ClientError> {
        state.expire_timer_seconds = seconds;
        return {};
      },
      &update_id);
  if (!changed.ok()) return fail(changed.error());
  return update_id;
}

Result<Bytes, ClientError> Messenger::publish_group(const std::optional<GroupState>& before, const GroupState& after) {
  const std::string& self = account_.username();
  ClientStore& store = account_.store();
  content::Content update = detail::new_content(account_);
  *update.mutable_group_update() =
      sign_update(after, self, store.identities().identity_key_pair().private_key, account_.rng());
  const Bytes id(update.message_id().begin(), update.message_id().end());
  const std::string serialized = update.SerializeAsString();
  // Everyone in the group before or after: a removed member learns it.
  std::set<std::string> recipients(after.members.begin(), after.members.end());
  if (before) recipients.insert(before->members.begin(), before->members.end());
  recipients.erase(self);
  // Our other devices take the change too (as a state relayed by our account).
  if (auto siblings = has_siblings(); siblings.ok() && *siblings) recipients.insert(self);
  const bool someone_left = before && !detail::names_missing(before->members, after.members).empty();
  {
    auto transaction = store.transaction();
    (void)detail::put_group(transaction, after, account_.now_ms());
    Message row;
    row.id = id;
    row.outgoing = true;
    row.peer = detail::group_peer(after.id);
    row.timestamp_ms = update.timestamp_ms();
    row.kind = "group";
    row.body = detail::describe_group_change(before, after);
    row.state = recipients.empty() ? MessageState::kSent : MessageState::kPending;
    (void)detail::insert_message(transaction, row, account_.now_ms());
    for (const auto& member : recipients) {
      (void)detail::enqueue(transaction, member, id, as_bytes(serialized), account_.now_ms());
    }
    if (someone_left && after.is_member(self)) {
      // Whoever left must not read what follows: a new key, sent afresh to those who stay.
      const protocol::SenderKeyName own{after.id, {self, account_.device_id()}};
      if (!protocol::rotate_sender_key(store.sender_keys(), own, account_.rng()).ok()) {
        return fail(ClientError::store(StoreError::kCorrupt));
      }
      (void)detail::forget_shares(transaction, after.id);
    }
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  }
  // Queued durably: a connection that fails now only delays it to the next flush.
  if (account_.connected()) {
    auto flushed = flush_outbox();
    if (!flushed.ok() && flushed.error().kind != ClientErrorKind::kTransport) return fail(flushed.error());
  }
  return id;
}

Result<void, ClientError> Messenger::request_sync() {
  content::Content request = detail::new_content(account_);
  request.mutable_sync_request();
  {
    auto transaction = account_.store().transaction();
    (void)detail::enqueue(transaction, account_.username(), as_bytes(request.message_id()),
                          as_bytes(request.SerializeAsString()), account_.now_ms());
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  }
  siblings_ = true;
  return flush_outbox();
}

Result<std::vector<GroupState>, ClientError> Messenger::groups() {
  auto transaction = account_.store().transaction();
  auto listed = detail::list_groups(transaction);
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  if (!listed.ok()) return fail(ClientError::store(listed.error()));
  return std::move(*listed);
}

Result<GroupState, ClientError> Messenger::find_group(std::string_view id_or_name) {
  auto all = groups();
  if (!all.ok()) return fail(all.error());
  std::optional<Bytes> id = detail::group_of_peer(id_or_name);
  if (!id && id_or_name.size() == 2 * kGroupIdSize) id = from_hex(id_or_name);
  std::vector<GroupState*> named;
  for (GroupState& state : *all) {
    if (id && state.id == *id) return std::move(state);
    if (state.name == id_or_name) named.push_back(&state);
  }
  if (named.empty()) return fail(invalid("unknown_group"));
  if (named.size() > 1) return fail(invalid("ambiguous_group"));
  return std::move(*named.front());
}

Result<std::vector<std::pair<std::string, MessageState>>, ClientError> Messenger::group_receipts(ByteView group_id,
                                                                                                 ByteView id) {
  auto transaction = account_.store().transaction();
  auto receipts = detail::group_receipts(transaction, group_id, id);
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  if (!receipts.ok()) return fail(ClientError::store(receipts.error()));
  return std::move(*receipts);
}

Result<void, ClientError> Messenger::share_sender_key(ByteView group_id, const std::string& member) {
  ClientStore& store = account_.store();
  const protocol::SenderKeyName own{Bytes(group_id.begin(), group_id.end()),
                                    {account_.username(), account_.device_id()}};
  content::Content distribution = detail::new_content(account_);
  std::uint32_t key_id = 0;
  {
    auto transaction = store.transaction();
    auto shared = detail::shared_key(transaction, group_id, member);
    if (!shared.ok()) return fail(ClientError::store(shared.error()));
    auto message = protocol::create_sender_key_distribution(store.sender_keys(), own, account_.rng());
    if (!message.ok()) return fail(ClientError{ClientErrorKind::kProtocol, protocol::to_string(message.error())});
    auto record = store.sender_keys().load_sender_key(own);
    if (!record || !record->current()) return fail(ClientError::store(StoreError::kCorrupt));
    key_id = record->current()->key_id;
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    if (*shared && **shared == key_id) return {};  // it has this key already
    distribution.mutable_group_sender_key()->set_group_id(std::string(group_id.begin(), group_id.end()));
    distribution.mutable_group_sender_key()->set_distribution(
        std::string(message->view().begin(), message->view().end()));
  }
  // Straight to the member's devices over the pairwise sessions, ahead of the group message that
  // needs it (the server keeps each device's queue in order). Not through the outbox: a failure
  // fails the group message, which shares again at its next flush.
  HUSH_TRY(send_now(member, distribution));
  auto transaction = store.transaction();
  (void)detail::set_shared_key(transaction, group_id, member, key_id);
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  return {};
}

Result<bool, ClientError> Messenger::send_group_entry(const detail::OutboxEntry& entry, content::Content content) {
  ClientStore& store = account_.store();
  const Bytes group_id = *detail::group_of_peer(entry.recipient);
  std::optional<GroupState> state;
  {
    auto transaction = store.transaction();
    auto found = detail::find_group(transaction, group_id);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    if (!found.ok()) return fail(ClientError::store(found.error()));
    state = std::move(*found);
  }
  const std::string& self = account_.username();
  if (!state) return fail(invalid("unknown_group"));
  if (!state->is_member(self)) return fail(invalid("not_a_member"));
  if (content.has_data()) {
    content.mutable_data()->mutable_group()->set_group_id(std::string(group_id.begin(), group_id.end()));
    content.mutable_data()->mutable_group()->set_revision(state->revision);
  }
  auto encoded = wire::encode_content(content);
  if (!encoded.ok()) return fail(invalid(wire::to_string(encoded.error())));
  std::vector<std::string> members;
  for (const auto& member : state->members) {
    if (member != self) members.push_back(member);
  }
  if (members.empty()) {  // nobody else to tell but our other devices
    HUSH_TRY(queue_transcript(entry.recipient, content));
    return true;
  }
  const protocol::SenderKeyName own{group_id, {self, account_.device_id()}};
  std::set<std::string> gone;  // accounts that no longer exist: skipped
  for (int attempt = 0; attempt < 2; ++attempt) {
    for (const auto& member : members) {
      if (!gone.contains(member)) HUSH_TRY(share_sender_key(group_id, member));
    }
    api::Request request;
    auto* send = request.mutable_send_to_many();
    send->set_message_id(std::string(entry.message_id.begin(), entry.message_id.end()));
    send->set_type(static_cast<std::uint32_t>(protocol::MessageType::kSenderKey));
    {
      auto transaction = store.transaction();
      for (const auto& member : members) {
        if (gone.contains(member)) continue;
        auto devices = detail::session_devices(transaction, member);
        if (!devices.ok()) return fail(ClientError::store(devices.error()));
        auto* recipient = send->add_recipients();
        recipient->set_username(member);
        for (const std::uint32_t device : *devices) {
          const auto session = store.sessions().load_session({member, device});
          if (!session || !session->has_current()) continue;
          auto* listed = recipient->add_devices();
          listed->set_device_id(device);
          listed->set_registration_id(session->current()->remote_registration_id);
        }
      }
      auto ciphertext = protocol::group_encrypt(store.sender_keys(), own, *encoded, account_.rng());
      if (!ciphertext.ok())
        return fail(ClientError{ClientErrorKind::kProtocol, protocol::to_string(ciphertext.error())});
      send->set_body(std::string(ciphertext->begin(), ciphertext->end()));
      // The chain's step is on disk before the ciphertext leaves.
      if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    }
    if (send->recipients_size() == 0) return true;
    auto response = call(std::move(request));
    if (!response.ok()) return fail(response.error());
    const api::Status& status = response->status();
    if (status.code() == api::Status::OK) {
      HUSH_TRY(queue_transcript(entry.recipient, content));
      return true;
    }
    if (status.code() != api::Status::STALE_DEVICES) return fail(detail::status_failure(status));
    // Fix what the server named, then share the key with the devices that lacked it.
    for (const api::AccountMismatch& mismatch : response->send_to_many_result().mismatches()) {
      const std::string& member = mismatch.username();
      if (mismatch.unknown_account()) {
        gone.insert(member);
        continue;
      }
      {
        auto transaction = store.transaction();
        (void)detail::forget_shares(transaction, group_id, member);
        if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
      }
      HUSH_TRY(fix_sessions(member, {mismatch.extra_devices().begin(), mismatch.extra_devices().end()},
                            {mismatch.stale_devices().begin(), mismatch.stale_devices().end()},
                            {mismatch.missing_devices().begin(), mismatch.missing_devices().end()}));
    }
  }
  return fail(ClientError::server("stale_devices"));
}

}  // namespace hush::client
