// Receiving: each pushed envelope is checked against stored message ids, decrypted, applied
// (stored, or a receipt or deletion applied to what is stored) and committed in one store
// transaction, and acknowledged only after that commit. A message that cannot be decrypted is
// recorded as "undecryptable" rather than lost; one from a device whose identity key changed is
// held, sealed, until the user accepts the new key; a store failure acknowledges nothing, so the
// server delivers the envelope again.
#include <algorithm>
#include <system_error>

#include "compose.hpp"
#include "contact_table.hpp"
#include "group_table.hpp"
#include "hush/client/attachment/attachment_cipher.hpp"
#include "hush/client/contact_link/contact_link.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "hush/client/store/limits.hpp"
#include "hush/protocol/messages.hpp"
#include "hush/protocol/sender_keys.hpp"
#include "hush/protocol/session_cipher.hpp"
#include "hush/wire/client_store.pb.h"
#include "hush/wire/content_codec.hpp"
#include "hush/wire/username.hpp"
#include "message_table.hpp"
#include "outbox_table.hpp"
#include "transfer_worker.hpp"

namespace hush::client {

namespace api = wire::api;
namespace content = wire::content;

namespace {

// The blob id the server gives (16 random bytes), as in api.proto.
constexpr std::size_t kMediaIdSize = 16;
// Envelopes acknowledged by one Acknowledge at most (about 5 KB of sequence numbers).
constexpr int kMaxAcknowledgedAtOnce = 512;

bool valid_pointer(const content::AttachmentPointer& pointer) {
  return pointer.id().size() == kMediaIdSize && pointer.key().size() == kAttachmentKeySize &&
         pointer.digest().size() == crypto::Sha256Digest{}.size() && pointer.size() > 0 &&
         pointer.size() <= kMaxAttachmentSize && pointer.file_name().size() <= kMaxCaptionSize &&
         pointer.caption().size() <= kMaxCaptionSize && pointer.content_type().size() <= kMaxCaptionSize;
}

// A text's reply: the answered message's id and author, when both are well formed (else the text
// stands alone).
void read_reply(const content::DataMessage& data, Message& message) {
  if (!data.has_quote() || data.quote().message_id().size() != wire::kMessageIdSize ||
      !wire::valid_username(data.quote().author())) {
    return;
  }
  message.reply_to.assign(data.quote().message_id().begin(), data.quote().message_id().end());
  message.reply_author = data.quote().author();
}

// What one decrypted content changes in the store, and what is reported for it.
struct Applied {
  std::vector<Message> events;
  std::vector<std::filesystem::path> files_to_remove;  // after the commit
};

Message incoming(const detail::HeldEnvelope& envelope, const content::Content& decoded, std::string kind) {
  Message message;
  message.id = envelope.message_id;
  message.peer = envelope.sender;
  message.peer_device = envelope.sender_device;
  message.timestamp_ms = decoded.timestamp_ms();
  message.kind = std::move(kind);
  message.state = MessageState::kReceived;
  return message;
}

// Stores an envelope that could not be read as a history row of kind "undecryptable".
Message record_undecryptable(StoreTransaction& transaction, const detail::HeldEnvelope& envelope, std::string reason,
                             std::uint64_t now_ms) {
  Message message;
  message.id = envelope.message_id;
  message.peer = envelope.sender;
  message.peer_device = envelope.sender_device;
  message.timestamp_ms = envelope.server_time_ms;
  message.kind = "undecryptable";
  message.body = std::move(reason);
  (void)detail::insert_message(transaction, message, now_ms);
  return message;
}

// A group update from `envelope.sender` over the pairwise session, checked against the state
// held and taken, or refused (a "group_rejected" row in the sender's conversation).
Applied apply_group_update(StoreTransaction& transaction, Account& account, const detail::HeldEnvelope& envelope,
                           const content::Content& decoded) {
  Applied applied;
  ClientStore& store = account.store();
  const std::uint64_t now = account.now_ms();
  const std::string& self = account.username();
  auto refuse = [&](std::string why) {
    Message message = incoming(envelope, decoded, "group_rejected");
    message.body = std::move(why);
    (void)detail::insert_message(transaction, message, now);
    applied.events.push_back(std::move(message));
    return std::move(applied);
  };
  auto proposed = parse_group_state(as_bytes(decoded.group_update().state()));
  if (!proposed.ok()) return refuse(to_string(proposed.error()));
  auto held = detail::find_group(transaction, proposed->id);
  if (!held.ok()) return applied;  // the transaction is poisoned: nothing is acknowledged
  Result<GroupState, GroupError> accepted = fail(GroupError::kBadSignature);
  if (envelope.sender == self) {
    // Another device of ours relays a state it took (a change made there, or a sync).
    accepted =
        accept_own_update(*held, decoded.group_update(), self, store.identities().identity_key_pair().public_key);
    if (!accepted.ok()) return applied;  // stale: nothing new
  } else {
    const auto identity = store.identities().identity({envelope.sender, envelope.sender_device});
    if (!identity) return refuse("bad_group_signature");
    accepted = accept_update(*held, decoded.group_update(), envelope.sender, *identity, self);
    if (!accepted.ok()) return refuse(to_string(accepted.error()));
  }
  (void)detail::put_group(transaction, *accepted, now);
  Message message = incoming(envelope, decoded, "group");
  message.peer = detail::group_peer(accepted->id);
  message.author = envelope.sender;
  message.body = detail::describe_group_change(*held, *accepted);
  (void)detail::insert_message(transaction, message, now);
  applied.events.push_back(std::move(message));
  if (*held && accepted->is_member(self) && !detail::names_missing((*held)->members, accepted->members).empty()) {
    // Someone left: whoever it was must not read our next messages. A new key for those who stay.
    const protocol::SenderKeyName own{accepted->id, {self, account.device_id()}};
    if (store.sender_keys().load_sender_key(own)) {
      (void)protocol::rotate_sender_key(store.sender_keys(), own, account.rng());
      (void)detail::forget_shares(transaction, accepted->id);
    }
  }
  return applied;
}

// A receipt: the messages it names move on. In a group, per member, and the history row once
// every member other than us got as far.
Applied apply_receipt(StoreTransaction& transaction, const detail::HeldEnvelope& envelope,
                      const content::Content& decoded, const std::string& self) {
  Applied applied;
  const std::string& sender = envelope.sender;
  Message event = incoming(envelope, decoded, "receipt");
  const bool read = decoded.receipt().type() == content::ReceiptMessage::READ;
  const MessageState state = read ? MessageState::kRead : MessageState::kDelivered;
  event.body = read ? "read" : "delivered";
  const ByteView group = as_bytes(decoded.receipt().group_id());
  std::optional<GroupState> group_state;
  if (!group.empty()) {
    auto found = detail::find_group(transaction, group);
    if (!found.ok() || !*found) return applied;
    group_state = std::move(**found);
    event.peer = detail::group_peer(group);
    event.author = sender;
  }
  for (const std::string& target : decoded.receipt().message_ids()) {
    if (target.size() != wire::kMessageIdSize) continue;
    const Bytes id(target.begin(), target.end());
    if (!group_state) {
      (void)detail::advance_state(transaction, true, sender, id, state);
    } else {
      auto own = detail::find_message(transaction, true, event.peer, id);
      if (!own.ok() || !*own) continue;  // not a message of ours in this group
      (void)detail::record_group_receipt(transaction, group, id, sender, state);
      auto receipts = detail::group_receipts(transaction, group, id);
      if (!receipts.ok()) continue;
      std::size_t as_far = 0;
      for (const auto& [member, reached] : *receipts) {
        if (member != self && group_state->is_member(member) && reached >= state) ++as_far;
      }
      const std::size_t others = group_state->members.size() - (group_state->is_member(self) ? 1 : 0);
      if (as_far >= others) (void)detail::advance_state(transaction, true, event.peer, id, state);
    }
    event.target_ids.push_back(id);
  }
  applied.events.push_back(std::move(event));
  return applied;
}

// What another device of our account sent: stored as our own outgoing message (state sent), so
// that every device shows the same history. A deletion erases our copy; a file's row names the
// file as sent elsewhere (no local path).
Applied apply_transcript(StoreTransaction& transaction, Account& account, const content::Content& decoded) {
  Applied applied;
  const std::string& to = decoded.sent_transcript().destination();
  auto inner = wire::decode_content(as_bytes(decoded.sent_transcript().content()));
  if (!inner.ok() || !inner->has_data() || to.size() > kMaxAddressNameSize) return applied;
  const bool group = detail::group_of_peer(to).has_value();
  if (!group && !wire::valid_username(to)) return applied;
  const std::uint64_t now = account.now_ms();
  const content::DataMessage& data = inner->data();
  Message message;
  message.id.assign(inner->message_id().begin(), inner->message_id().end());
  message.outgoing = true;
  message.peer = to;
  message.timestamp_ms = inner->timestamp_ms();
  message.state = MessageState::kSent;
  auto known = detail::find_message(transaction, true, to, message.id);
  if (!known.ok() || *known) return applied;  // already here (a transcript sent again)
  std::optional<wire::client_store::AttachmentRecord> record;
  if (data.has_delete_()) {
    const Bytes target(data.delete_().target_message_id().begin(), data.delete_().target_message_id().end());
    (void)detail::erase_message(transaction, true, to, target);
    message.kind = "delete";
    message.target_id = target;
    applied.events.push_back(std::move(message));
    return applied;
  }
  if (data.expire_timer_update()) {
    if (group) return applied;  // a group's timer travels in its state
    (void)detail::set_expire_timer(transaction, to, data.expire_timer_seconds(), now);
    message.kind = "timer";
    message.expire_timer_seconds = data.expire_timer_seconds();
  } else if (data.has_reaction()) {
    message.kind = "reaction";
    message.body = data.reaction().remove() ? "" : data.reaction().emoji();
    message.target_id.assign(data.reaction().target_message_id().begin(), data.reaction().target_message_id().end());
  } else if (data.attachments_size() > 0 && valid_pointer(data.attachments(0))) {
    message.kind = "file";
    message.body = data.attachments(0).caption();
    record.emplace();
    *record->mutable_pointer() = data.attachments(0);
    record->set_blob_size(blob_size(data.attachments(0).size()));
  } else if (data.has_location()) {
    message.kind = "location";
    message.body = data.location().name();
    message.location = Location{data.location().latitude(), data.location().longitude(), data.location().name()};
  } else if (!data.text().empty() && data.text().size() <= kMaxTextSize) {
    message.kind = "text";
    message.body = data.text();
    read_reply(data, message);
  } else {
    return applied;
  }
  if (message.kind != "timer" && data.expire_timer_seconds() > 0) {
    message.expire_timer_seconds = data.expire_timer_seconds();
    message.expires_ms = now + std::uint64_t{message.expire_timer_seconds} * 1000;
  }
  if (!group) (void)detail::touch_contact(transaction, to, now);
  (void)detail::insert_message(transaction, message, now);
  if (record) {
    (void)detail::put_attachment(transaction, true, to, message.id, TransferState::kDone, "", *record);
    message.attachment = detail::attachment_from_record(*record, TransferState::kDone, "");
  }
  applied.events.push_back(std::move(message));
  return applied;
}

// `conversation`: where the message belongs — its sender's name, or a group's conversation when
// it came encrypted with the sender's Sender Key for that group.
Applied apply_content(StoreTransaction& transaction, Account& account, const detail::HeldEnvelope& envelope,
                      const content::Content& decoded, const std::string& conversation) {
  Applied applied;
  const std::string& sender = envelope.sender;
  const bool in_group = conversation != sender;
  const std::uint64_t now = account.now_ms();
  if (decoded.has_receipt())
    return in_group ? applied : apply_receipt(transaction, envelope, decoded, account.username());
  if (decoded.has_typing()) {
    // Reported, never kept. In a group it must name the group its key is for.
    const ByteView group = as_bytes(decoded.typing().group_id());
    if (in_group != !group.empty() || (in_group && detail::group_peer(group) != conversation)) return applied;
    Message event = incoming(envelope, decoded, "typing");
    event.peer = conversation;
    if (in_group) event.author = sender;
    event.body = decoded.typing().action() == content::TypingMessage::STOPPED ? "stopped" : "started";
    applied.events.push_back(std::move(event));
    return applied;
  }
  if (decoded.has_sync_request()) {
    // A new device of ours asks for the groups: each one's state, signed by us, to our account.
    if (in_group || sender != account.username()) return applied;
    auto groups = detail::list_groups(transaction);
    if (!groups.ok()) return applied;
    ClientStore& store = account.store();
    for (const GroupState& group : *groups) {
      content::Content update = detail::new_content(account);
      *update.mutable_group_update() =
          sign_update(group, sender, store.identities().identity_key_pair().private_key, account.rng());
      (void)detail::enqueue(transaction, sender, as_bytes(update.message_id()), as_bytes(update.SerializeAsString()),
                            now);
    }
    return applied;
  }
  if (decoded.has_sent_transcript()) {
    // Only another device of our own account may tell us what we sent.
    return in_group || sender != account.username() ? applied : apply_transcript(transaction, account, decoded);
  }
  if (decoded.has_group_update())
    return in_group ? applied : apply_group_update(transaction, account, envelope, decoded);
  if (decoded.has_group_sender_key()) {
    // Another member's chain for a group: kept for its messages (checked against the group's
    // membership when one comes). Nothing to report.
    if (in_group) return applied;
    const auto& shared = decoded.group_sender_key();
    const protocol::SenderKeyName name{Bytes(shared.group_id().begin(), shared.group_id().end()),
                                       {sender, envelope.sender_device}};
    (void)protocol::process_sender_key_distribution(account.store().sender_keys(), name,
                                                    as_bytes(shared.distribution()));
    return applied;
  }
  if (in_group && decoded.has_data() && decoded.data().has_group() &&
      detail::group_peer(as_bytes(decoded.data().group().group_id())) != conversation) {
    return applied;  // names another group than its key's: not this group's message
  }
  Message message = incoming(envelope, decoded, "unsupported");
  message.peer = conversation;
  if (in_group) message.author = sender;
  std::optional<wire::client_store::AttachmentRecord> record;
  bool wants_receipt = false;
  if (decoded.has_data()) {
    const content::DataMessage& data = decoded.data();
    if (data.has_delete_()) {
      const Bytes target(data.delete_().target_message_id().begin(), data.delete_().target_message_id().end());
      // Only the author may delete: the target must be a message this sender sent us (in a
      // group: wrote in it).
      auto found = detail::find_message(transaction, false, conversation, target);
      if (found.ok() && *found && (*found)->kind != "deleted" && (!in_group || (*found)->author == sender)) {
        if ((*found)->attachment && !(*found)->attachment->path.empty()) {
          applied.files_to_remove.push_back((*found)->attachment->path);
        }
        (void)detail::erase_message(transaction, false, conversation, target);
        Message event = incoming(envelope, decoded, "delete");
        event.peer = conversation;
        if (in_group) event.author = sender;
        event.target_id = target;
        applied.events.push_back(std::move(event));
      }
      return applied;
    }
    if (data.expire_timer_update() && !in_group) {
      // Either side sets the conversation's timer (decode_content checked its range).
      (void)detail::set_expire_timer(transaction, sender, data.expire_timer_seconds(), now);
      message.kind = "timer";
      message.expire_timer_seconds = data.expire_timer_seconds();
    } else if (data.has_reaction()) {
      const auto& reaction = data.reaction();
      if (reaction.target_message_id().size() == wire::kMessageIdSize && reaction.emoji().size() <= kMaxReactionSize) {
        message.kind = "reaction";
        message.body = reaction.remove() ? "" : reaction.emoji();
        message.target_id.assign(reaction.target_message_id().begin(), reaction.target_message_id().end());
      }
    } else if (data.attachments_size() > 0) {
      const content::AttachmentPointer& pointer = data.attachments(0);
      if (valid_pointer(pointer)) {
        message.kind = "file";
        message.body = pointer.caption();
        record.emplace();
        *record->mutable_pointer() = pointer;
        record->set_blob_size(blob_size(pointer.size()));
        wants_receipt = true;
      } else {
        message.kind = "undecryptable";
        message.body = "invalid_attachment";
      }
    } else if (data.has_location()) {
      const auto& location = data.location();
      if (location.name().size() <= kMaxCaptionSize) {
        message.kind = "location";
        message.body = location.name();
        message.location = Location{location.latitude(), location.longitude(), location.name()};
        wants_receipt = true;
      }
    } else if (!data.text().empty() && data.text().size() <= kMaxTextSize) {
      message.kind = "text";
      message.body = data.text();
      read_reply(data, message);
      wants_receipt = true;
    }
  }
  if (wants_receipt && decoded.data().expire_timer_seconds() > 0) {
    // Written under a timer: it counts down from its arrival here.
    message.expire_timer_seconds = decoded.data().expire_timer_seconds();
    message.expires_ms = now + std::uint64_t{message.expire_timer_seconds} * 1000;
  }
  (void)detail::touch_contact(transaction, sender, now);
  (void)detail::insert_message(transaction, message, now);
  if (record) {
    (void)detail::put_attachment(transaction, false, conversation, message.id, TransferState::kPending, "", *record);
    message.attachment = detail::attachment_from_record(*record, TransferState::kPending, "");
  }
  if (wants_receipt) {
    const auto group = detail::group_of_peer(conversation);
    (void)detail::enqueue_receipt(transaction, account, sender, {message.id}, content::ReceiptMessage::DELIVERY,
                                  group ? ByteView(*group) : ByteView());
  }
  applied.events.push_back(std::move(message));
  return applied;
}

// A group message: decrypted with the sender's Sender Key for the one group it is a member of
// (by our state) whose chain has the message's key id; `conversation` becomes that group's.
// kNoSenderKey when none has: a removed member's message, or one whose key has not come yet.
Result<crypto::SecretBytes, protocol::ProtocolError> open_group_message(StoreTransaction& transaction,
                                                                        ClientStore& store,
                                                                        const detail::HeldEnvelope& envelope,
                                                                        const std::string& self,
                                                                        std::string& conversation) {
  auto message = protocol::SenderKeyMessage::parse(envelope.content);
  if (!message.ok()) return fail(message.error());
  auto groups = detail::list_groups(transaction);
  if (!groups.ok()) return fail(protocol::ProtocolError::kCorruptRecord);
  for (const GroupState& group : *groups) {
    if (!group.is_member(envelope.sender) || !group.is_member(self)) continue;
    const protocol::SenderKeyName name{group.id, {envelope.sender, envelope.sender_device}};
    auto record = store.sender_keys().load_sender_key(name);
    if (!record || record->find(message->key_id()) == nullptr) continue;
    conversation = detail::group_peer(group.id);
    return protocol::group_decrypt(store.sender_keys(), name, envelope.content);
  }
  return fail(protocol::ProtocolError::kNoSenderKey);
}

}  // namespace

Result<api::Response, ClientError> Messenger::call(api::Request request) {
  ServerConnection& connection = account_.connection();
  auto id = connection.start(std::move(request));
  if (!id.ok()) return fail(ClientError::transport(id.error()));
  while (true) {
    auto response = connection.wait(*id);
    if (response.ok()) return std::move(*response);
    if (response.error() != TransportError::kPushQueueFull) return fail(ClientError::transport(response.error()));
    HUSH_TRY(handle_queued_pushes());
  }
}

Result<void, ClientError> Messenger::handle_queued_pushes() {
  ServerConnection& connection = account_.connection();
  // All of them off the queue first, so that the acknowledgement's answer has room to arrive.
  std::vector<api::Push> pushes;
  for (std::size_t left = connection.queued_pushes(); left > 0; --left) {
    auto push = connection.next_push(std::chrono::milliseconds(0));
    if (!push.ok()) break;
    pushes.push_back(std::move(*push));
  }
  api::Acknowledge pending;
  for (const api::Push& push : pushes) {
    auto events = push.has_envelope() ? handle_envelope(push.envelope(), &pending) : handle_push(push);
    if (!events.ok()) {
      acknowledge_stored(pending);
      return fail(events.error());  // not acknowledged: it comes again
    }
    for (Message& event : *events) later_.push_back(std::move(event));
    if (pending.sequences_size() >= kMaxAcknowledgedAtOnce) acknowledge_stored(pending);
  }
  acknowledge_stored(pending);
  return {};
}

void Messenger::acknowledge_stored(api::Acknowledge& pending) {
  if (pending.sequences_size() == 0 && pending.notices_size() == 0) return;
  // Durable: now the server may forget them. A failure (the connection dropped, a rate limit)
  // only means they come again, are recognised as duplicates and acknowledged then.
  (void)acknowledge(pending);
  pending.Clear();
}

Result<void, ClientError> Messenger::acknowledge(const api::Acknowledge& acknowledge) {
  api::Request request;
  *request.mutable_acknowledge() = acknowledge;
  auto response = account_.connection().call(std::move(request));
  if (!response.ok()) return fail(ClientError::transport(response.error()));
  if (response->status().code() != api::Status::OK) return fail(ClientError::server(response->status().reason()));
  return {};
}

Result<std::vector<Message>, ClientError> Messenger::handle_envelope(const api::Envelope& envelope,
                                                                     api::Acknowledge* batch) {
  api::Acknowledge ack;
  ack.add_sequences(envelope.sequence());
  if (batch) batch->add_sequences(envelope.sequence());
  detail::HeldEnvelope opened;
  opened.sender = envelope.sender();
  opened.sender_device = envelope.sender_device();
  opened.message_id.assign(envelope.message_id().begin(), envelope.message_id().end());
  opened.type = envelope.type();
  opened.server_time_ms = envelope.server_time_ms();
  opened.content.assign(envelope.content().begin(), envelope.content().end());
  // An envelope the store cannot even name is acknowledged and dropped: the server vouched for the
  // sender's name and the id's size, so only a broken server sends one.
  if (opened.sender.empty() || opened.sender.size() > kMaxAddressNameSize ||
      opened.message_id.size() != wire::kMessageIdSize || opened.sender_device == 0 ||
      opened.content.size() > detail::kMaxHeldContent) {
    if (!batch) HUSH_TRY(acknowledge(ack));
    return std::vector<Message>();
  }
  if (opened.sender == account_.username()) siblings_ = true;  // another device of ours wrote
  auto events = open_envelope(opened, true);
  if (!events.ok()) {
    if (batch) batch->mutable_sequences()->RemoveLast();  // not stored: it must come again
    return fail(events.error());
  }
  if (batch) return events;  // the caller acknowledges the batch
  // Durable: now the server may forget it. What was stored is reported even when the
  // acknowledgement does not go through (the connection dropped, a rate limit): the envelope then
  // comes again, is recognised as a duplicate and acknowledged, and is never reported a second
  // time, so this is the one chance. A dropped connection shows at the next read.
  (void)acknowledge(ack);
  return events;
}

Result<std::vector<Message>, ClientError> Messenger::open_envelope(const detail::HeldEnvelope& envelope, bool live) {
  ClientStore& store = account_.store();
  const std::string& sender = envelope.sender;
  Applied applied;
  {
    auto transaction = store.transaction();
    auto duplicate = detail::has_message(transaction, false, sender, envelope.message_id);
    if (!duplicate.ok()) return fail(ClientError::store(duplicate.error()));
    if (*duplicate) {
      if (!live) (void)detail::release_held(transaction, envelope.sequence);
      if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
      return std::vector<Message>();
    }
    const protocol::ProtocolAddress address{sender, envelope.sender_device};
    auto stores = store.protocol_stores();
    const bool prekey_type = envelope.type == static_cast<std::uint32_t>(protocol::MessageType::kPreKey);
    const bool known_type = prekey_type || envelope.type == static_cast<std::uint32_t>(protocol::MessageType::kSignal);
    const bool group_type = envelope.type == static_cast<std::uint32_t>(protocol::MessageType::kSenderKey);
    std::string conversation = sender;

    // The identity a PreKeySignalMessage introduces, checked against a contact link's fingerprint.
    std::optional<protocol::IdentityKey> introduced;
    if (prekey_type) {
      if (auto parsed = protocol::PreKeySignalMessage::parse(envelope.content); parsed.ok()) {
        introduced = parsed->identity_key();
      }
    }
    auto expected = detail::link_fingerprint(transaction, sender);
    if (!expected.ok()) return fail(ClientError::store(expected.error()));
    const bool link_mismatch = *expected && introduced && !detail::fingerprint_matches(**expected, *introduced);

    // The last-resort key is reusable: put it back if this message's session consumed it.
    std::optional<protocol::PreKeyRecord> last_resort;
    if (prekey_type) last_resort = store.prekeys().load_prekey(account_.last_resort_id());
    auto plaintext =
        link_mismatch
            ? Result<crypto::SecretBytes, protocol::ProtocolError>(fail(protocol::ProtocolError::kUntrustedIdentity))
        : known_type
            ? protocol::decrypt(stores, address, static_cast<protocol::MessageType>(envelope.type), envelope.content)
        : group_type
            ? open_group_message(transaction, store, envelope, account_.username(), conversation)
            : Result<crypto::SecretBytes, protocol::ProtocolError>(fail(protocol::ProtocolError::kInvalidMessage));

    if (!plaintext.ok() && plaintext.error() == protocol::ProtocolError::kUntrustedIdentity && introduced) {
      // A new identity key: the message waits, sealed, until the user accepts it.
      if (!live) {
        (void)transaction.commit();
        return std::vector<Message>();
      }
      (void)detail::hold_envelope(transaction, envelope);
      auto notice = detail::note_identity_change(transaction, account_, sender, envelope.sender_device, *introduced);
      if (!notice.ok()) return fail(ClientError::store(notice.error()));
      if (*notice) applied.events.push_back(std::move(**notice));
    } else if (plaintext.ok()) {
      if (last_resort && !store.prekeys().load_prekey(last_resort->id)) store.prekeys().store_prekey(*last_resort);
      auto decoded = wire::decode_content(plaintext->view());
      const ByteView content_id = decoded.ok() ? as_bytes(decoded->message_id()) : ByteView();
      if (decoded.ok() &&
          std::equal(envelope.message_id.begin(), envelope.message_id.end(), content_id.begin(), content_id.end())) {
        applied = apply_content(transaction, account_, envelope, *decoded, conversation);
      } else {
        applied.events.push_back(record_undecryptable(transaction, envelope, "invalid_content", account_.now_ms()));
      }
      if (*expected && introduced) {
        // The link's fingerprint is confirmed by the first session: the contact is verified.
        (void)detail::set_link_fingerprint(transaction, sender, std::nullopt);
        auto identities = detail::device_identities(transaction, store, sender);
        if (identities.ok()) (void)detail::set_verified(transaction, sender, *identities);
      }
    } else if (plaintext.error() != protocol::ProtocolError::kDuplicateMessage) {
      // Recorded, not lost. (A duplicate is a replay of a message already read under another id.)
      applied.events.push_back(
          record_undecryptable(transaction, envelope, protocol::to_string(plaintext.error()), account_.now_ms()));
    }
    if (!live) (void)detail::release_held(transaction, envelope.sequence);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  }
  std::error_code ignored;
  for (const auto& path : applied.files_to_remove) std::filesystem::remove(path, ignored);
  return std::move(applied.events);
}

Result<std::vector<Message>, ClientError> Messenger::receive(std::chrono::milliseconds idle,
                                                             const ReceiveOptions& options) {
  using Clock = std::chrono::steady_clock;
  // How long the loop reads the connection at a time while transfers run, so that their ends are
  // recorded (and progress reported) promptly.
  constexpr std::chrono::milliseconds kTransferSlice{50};
  if (!account_.connected()) return fail(ClientError::not_connected());
  std::vector<Message> received;
  // What was stored and acknowledged is returned even when a later step fails (the connection
  // drops while waiting, receipts or downloads cannot go out): it would not come again. The
  // failure then shows at the next call; receipts stay queued, downloads pending.
  // Envelopes stored and not yet acknowledged: one Acknowledge for what a burst queued, rather
  // than one each, which would exceed the server's request rate.
  api::Acknowledge pending;
  auto stop = [&](const ClientError& error) -> Result<std::vector<Message>, ClientError> {
    acknowledge_stored(pending);
    if (received.empty()) return fail(error);
    return std::move(received);
  };
  if (auto expired = expire_messages(); !expired.ok()) return fail(expired.error());
  if (options.download_attachments) {
    if (auto started = start_downloads(); !started.ok()) return stop(started.error());
  }
  auto report_progress = [&] {
    auto now = transfers_ ? transfers_->take_progress() : std::nullopt;
    if (options.progress && now && now->direction == detail::TransferJob::Direction::kDown) {
      options.progress(now->done, now->total);
    }
  };
  auto quiet_since = Clock::now();
  while (true) {
    auto settled = settle_transfers();
    if (!settled.ok()) return stop(settled.error());
    if (*settled) {
      if (auto flushed = flush_outbox(); !flushed.ok()) return stop(flushed.error());
    }
    for (Message& event : later_) received.push_back(std::move(event));
    later_.clear();
    report_progress();
    const bool waiting = options.download_attachments && options.wait_for_downloads && transfers_ &&
                         transfers_->busy(detail::TransferJob::Direction::kDown);
    const auto quiet = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - quiet_since);
    if (quiet >= idle && !waiting) break;
    auto wait = waiting ? kTransferSlice : idle - quiet;
    if (transferring()) wait = std::min(wait, kTransferSlice);
    auto push = account_.connection().next_push(wait);
    if (!push.ok()) {
      if (push.error() == TransportError::kTimeout) continue;
      return stop(ClientError::transport(push.error()));
    }
    quiet_since = Clock::now();
    auto events = push->has_envelope() ? handle_envelope(push->envelope(), &pending) : handle_push(*push);
    if (!events.ok()) return stop(events.error());
    if (pending.sequences_size() >= kMaxAcknowledgedAtOnce || account_.connection().queued_pushes() == 0) {
      acknowledge_stored(pending);
    }
    for (Message& event : *events) {
      if (options.download_attachments && event.attachment && !event.outgoing &&
          event.attachment->transfer == TransferState::kPending) {
        if (auto started = start_download(event.peer, event.id); !started.ok()) return stop(started.error());
        connect_transfers();
      }
      received.push_back(std::move(event));
    }
  }
  report_progress();
  // Delivery receipts for what arrived.
  if (auto flushed = flush_outbox(); !flushed.ok()) return stop(flushed.error());
  // A download that ended within this call updates the message it returns rather than coming twice.
  std::vector<Message> merged;
  for (Message& event : received) {
    if (event.update) {
      auto first = std::find_if(merged.begin(), merged.end(), [&](const Message& earlier) {
        return !earlier.update && !earlier.outgoing && earlier.peer == event.peer && earlier.id == event.id;
      });
      if (first != merged.end()) {
        first->attachment = std::move(event.attachment);
        continue;
      }
    }
    merged.push_back(std::move(event));
  }
  return merged;
}

Result<std::vector<Message>, ClientError> Messenger::handle_push(const api::Push& push) {
  if (push.has_envelope()) return handle_envelope(push.envelope());
  if (push.has_delivery_failed()) {
    // The server gave up on an envelope (expired undelivered): the message failed, never silently.
    const api::DeliveryFailed& failed = push.delivery_failed();
    {
      auto transaction = account_.store().transaction();
      (void)detail::advance_state(transaction, true, failed.recipient(), as_bytes(failed.message_id()),
                                  MessageState::kFailed, failed.reason().empty() ? "expired" : failed.reason());
      if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    }
    api::Acknowledge ack;
    ack.add_notices(failed.notice());
    HUSH_TRY(acknowledge(ack));
    return std::vector<Message>();
  }
  auto handled = account_.handle_push(push);
  if (!handled.ok()) return fail(handled.error());
  return std::vector<Message>();
}

Result<std::vector<Message>, ClientError> Messenger::history(const std::string& peer) {
  HUSH_TRY(expire_messages());
  auto transaction = account_.store().transaction();
  auto messages = detail::list_messages(transaction, peer);
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  if (!messages.ok()) return fail(ClientError::store(messages.error()));
  return std::move(*messages);
}

Result<std::optional<Message>, ClientError> Messenger::find_message(bool outgoing, const std::string& peer,
                                                                    ByteView id) {
  auto transaction = account_.store().transaction();
  auto found = detail::find_message(transaction, outgoing, peer, id);
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  if (!found.ok()) return fail(ClientError::store(found.error()));
  return std::move(*found);
}

}  // namespace hush::client
