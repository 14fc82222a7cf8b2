// Sending: every message is committed to the outbox with its history row first, then the outbox
// is flushed. One entry is sent as: sessions from fetched bundles where there are none (checked
// against a contact link's fingerprint), its attachment uploaded if it is not yet, one envelope
// per recipient device encrypted in one store transaction, committed before the Send;
// STALE_DEVICES fixes the sessions it names and the send is retried once with the same id.
#include <algorithm>

#include "compose.hpp"
#include "contact_table.hpp"
#include "group_table.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "hush/client/store/limits.hpp"
#include "hush/protocol/session_builder.hpp"
#include "hush/protocol/session_cipher.hpp"
#include "hush/wire/content_codec.hpp"
#include "message_table.hpp"
#include "outbox_table.hpp"
#include "server_status.hpp"
#include "transfer_worker.hpp"

namespace hush::client {

namespace api = wire::api;

namespace {

// Sends made for one message: the first, and one retry after fixing sessions (STALE_DEVICES).
constexpr int kSendAttempts = 2;
// Outbox entries read per store transaction while flushing.
constexpr std::size_t kFlushBatch = 32;

// Receipts to one peer merged into one message while flushing: a burst of arrivals queues a
// delivery receipt each, and a Send each would exceed the server's request rate.
constexpr int kMaxMergedReceiptIds = 512;

// An outbox entry as flushed: merged receipts go as one entry, and all their rows leave together.
struct FlushItem {
  detail::OutboxEntry entry;
  std::vector<std::int64_t> sequences;  // the outbox rows it stands for
};

// The group an outbox entry carries an update of; nullopt for anything else.
std::optional<Bytes> updated_group(const detail::OutboxEntry& entry) {
  wire::content::Content content;
  if (!content.ParseFromArray(entry.content.data(), static_cast<int>(entry.content.size())) ||
      !content.has_group_update()) {
    return std::nullopt;
  }
  auto state = parse_group_state(as_bytes(content.group_update().state()));
  if (!state.ok()) return std::nullopt;
  return state->id;
}

std::optional<wire::content::Content> receipt_of(const detail::OutboxEntry& entry) {
  wire::content::Content content;
  if (!content.ParseFromArray(entry.content.data(), static_cast<int>(entry.content.size())) || !content.has_receipt()) {
    return std::nullopt;
  }
  return content;
}

// The entries in order, with receipts of one type to one peer merged into the first of them
// under a fresh id (a merge that is sent again after a lost answer is a new message: receipts
// applied twice change nothing, while one id reused for different contents would be dropped by the
// server as a duplicate).
std::vector<FlushItem> merge_receipts(std::vector<detail::OutboxEntry> entries, Account& account) {
  std::vector<std::optional<wire::content::Content>> receipts;
  for (const auto& entry : entries) receipts.push_back(receipt_of(entry));
  std::vector<bool> merged(entries.size(), false);
  std::vector<FlushItem> items;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (merged[i]) continue;
    const std::int64_t sequence = entries[i].sequence;
    FlushItem item{std::move(entries[i]), {sequence}};
    if (receipts[i]) {
      wire::content::Content combined = detail::new_content(account);
      *combined.mutable_receipt() = receipts[i]->receipt();
      for (std::size_t j = i + 1; j < entries.size(); ++j) {
        if (merged[j] || !receipts[j] || entries[j].recipient != item.entry.recipient ||
            receipts[j]->receipt().type() != combined.receipt().type() ||
            receipts[j]->receipt().group_id() != combined.receipt().group_id() ||
            combined.receipt().message_ids_size() + receipts[j]->receipt().message_ids_size() > kMaxMergedReceiptIds) {
          continue;
        }
        for (const auto& id : receipts[j]->receipt().message_ids()) combined.mutable_receipt()->add_message_ids(id);
        item.sequences.push_back(entries[j].sequence);
        item.entry.queued_ms = std::max(item.entry.queued_ms, entries[j].queued_ms);  // gives up as its newest part
        merged[j] = true;
      }
      if (item.sequences.size() > 1) {
        item.entry.message_id.assign(combined.message_id().begin(), combined.message_id().end());
        const std::string serialized = combined.SerializeAsString();
        item.entry.content.assign(serialized.begin(), serialized.end());
      }
    }
    items.push_back(std::move(item));
  }
  return items;
}

ClientError protocol_failure(protocol::ProtocolError error) {
  if (error == protocol::ProtocolError::kUntrustedIdentity) {
    return {ClientErrorKind::kUntrustedIdentity, "identity_changed"};
  }
  return {ClientErrorKind::kProtocol, protocol::to_string(error)};
}

// A server's bundle in the protocol's form; nullopt when a key or signature is malformed.
std::optional<protocol::PreKeyBundle> from_wire(const api::PreKeyBundle& bundle) {
  auto identity = crypto::PublicKey::deserialize(as_bytes(bundle.identity_key()));
  auto signed_prekey = crypto::PublicKey::deserialize(as_bytes(bundle.signed_prekey().public_key()));
  const std::string& signature = bundle.signed_prekey().signature();
  if (!identity.ok() || !signed_prekey.ok() || signature.size() != crypto::kSignatureSize || bundle.device_id() == 0) {
    return std::nullopt;
  }
  protocol::PreKeyBundle out;
  out.registration_id = bundle.registration_id();
  out.device_id = bundle.device_id();
  out.identity_key = *identity;
  out.signed_prekey_id = bundle.signed_prekey().id();
  out.signed_prekey = *signed_prekey;
  std::copy(signature.begin(), signature.end(), out.signed_prekey_signature.begin());
  if (bundle.has_one_time_prekey()) {
    auto one_time = crypto::PublicKey::deserialize(as_bytes(bundle.one_time_prekey().public_key()));
    if (!one_time.ok()) return std::nullopt;
    out.one_time_prekey_id = bundle.one_time_prekey().id();
    out.one_time_prekey = *one_time;
  }
  return out;
}

// A server refusal that will not change by retrying: the message fails with that reason.
bool permanent(const ClientError& error) {
  return error.kind == ClientErrorKind::kServer || error.kind == ClientErrorKind::kProtocol ||
         error.kind == ClientErrorKind::kInvalidArgument;
}

}  // namespace

Result<void, ClientError> Messenger::fetch_sessions(const std::string& recipient, std::uint32_t device_id) {
  api::Request request;
  request.mutable_fetch_bundles()->set_username(recipient);
  request.mutable_fetch_bundles()->set_device_id(device_id);
  auto response = call(std::move(request));
  if (!response.ok()) return fail(response.error());
  if (response->status().code() != api::Status::OK) return fail(ClientError::server(response->status().reason()));
  ClientStore& store = account_.store();
  auto transaction = store.transaction();
  auto stores = store.protocol_stores();
  auto expected = detail::link_fingerprint(transaction, recipient);
  if (!expected.ok()) return fail(ClientError::store(expected.error()));
  bool link_confirmed = false;
  bool identity_changed = false;
  for (const api::PreKeyBundle& wire_bundle : response->bundles().bundles()) {
    const auto bundle = from_wire(wire_bundle);
    if (!bundle) return fail(ClientError{ClientErrorKind::kProtocol, "invalid_bundle"});
    if (*expected) {
      // The contact link named the identity this account must have: anything else is refused.
      if (!detail::fingerprint_matches(**expected, bundle->identity_key)) {
        return fail(ClientError{ClientErrorKind::kUntrustedIdentity, "identity_mismatch"});
      }
      link_confirmed = true;
    }
    // Our own account lists this device too: it never gets a session with itself.
    if (recipient == account_.username() && bundle->device_id == account_.device_id()) continue;
    const protocol::ProtocolAddress address{recipient, bundle->device_id};
    auto built = protocol::process_prekey_bundle(stores, address, *bundle, account_.rng());
    if (built.ok()) continue;
    if (built.error() != protocol::ProtocolError::kUntrustedIdentity) return fail(protocol_failure(built.error()));
    // A changed identity: recorded for the user, never used until accepted (trust_identity()).
    auto notice =
        detail::note_identity_change(transaction, account_, recipient, bundle->device_id, bundle->identity_key);
    if (!notice.ok()) return fail(ClientError::store(notice.error()));
    identity_changed = true;
  }
  if (link_confirmed && !identity_changed) {
    (void)detail::set_link_fingerprint(transaction, recipient, std::nullopt);
    auto identities = detail::device_identities(transaction, store, recipient);
    if (identities.ok()) (void)detail::set_verified(transaction, recipient, *identities);
  }
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  if (identity_changed) return fail(ClientError{ClientErrorKind::kUntrustedIdentity, "identity_changed"});
  return {};
}

Result<Bytes, ClientError> Messenger::queue(Message message, const wire::content::Content& content,
                                            const wire::client_store::AttachmentRecord* attachment,
                                            const TransferProgress* wait_for_upload) {
  if (message.peer.empty() || message.peer.size() > kMaxAddressNameSize) {
    return fail(ClientError{ClientErrorKind::kInvalidArgument, "recipient"});
  }
  // Texts, files and locations are written under the conversation's disappearing-message timer.
  std::optional<wire::content::Content> timed;
  if (message.kind == "text" || message.kind == "file" || message.kind == "location") {
    auto transaction = account_.store().transaction();
    auto timer = detail::expire_timer(transaction, message.peer);
    if (auto group = detail::group_of_peer(message.peer)) {
      // A group's timer is in its state.
      auto state = detail::find_group(transaction, *group);
      if (!state.ok()) return fail(ClientError::store(state.error()));
      if (!*state) return fail(ClientError{ClientErrorKind::kInvalidArgument, "unknown_group"});
      timer = (*state)->expire_timer_seconds;
    }
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    if (!timer.ok()) return fail(ClientError::store(timer.error()));
    if (*timer > 0) {
      timed = content;
      timed->mutable_data()->set_expire_timer_seconds(*timer);
      message.expire_timer_seconds = *timer;
    }
  }
  const wire::content::Content& sent = timed ? *timed : content;
  if (auto encoded = wire::encode_content(sent); !encoded.ok()) {
    return fail(ClientError{ClientErrorKind::kInvalidArgument, wire::to_string(encoded.error())});
  }
  const std::string serialized = sent.SerializeAsString();
  {
    auto transaction = account_.store().transaction();
    message.outgoing = true;
    message.state = MessageState::kPending;
    // A deletion changes the history (erase_message) rather than adding to it.
    if (message.kind != "delete") (void)detail::insert_message(transaction, message, account_.now_ms());
    if (attachment != nullptr) {
      (void)detail::put_attachment(transaction, true, message.peer, message.id, TransferState::kPending, "",
                                   *attachment);
    }
    (void)detail::enqueue(transaction, message.peer, message.id, as_bytes(serialized), account_.now_ms());
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  }
  if (!account_.connected()) return fail(ClientError::not_connected());
  auto flushed = flush_outbox();
  if (!flushed.ok()) return fail(flushed.error());
  if (attachment != nullptr && wait_for_upload != nullptr) {
    HUSH_TRY(this->wait_for_upload(message.peer, message.id, *wait_for_upload));
  }
  auto stored = find_message(true, message.peer, message.id);
  if (!stored.ok()) return fail(stored.error());
  if (!*stored) return message.id;  // a receipt has no history row
  switch ((*stored)->state) {
    case MessageState::kFailed:
      if ((*stored)->failure == "identity_mismatch") {
        return fail(ClientError{ClientErrorKind::kUntrustedIdentity, "identity_mismatch"});
      }
      return fail(ClientError::server((*stored)->failure));
    case MessageState::kPending: {
      if (attachment != nullptr) {
        if (transfers_ && transfers_->has_job(detail::TransferJob::Direction::kUp, message.peer, message.id)) {
          return message.id;  // queue_file(): it goes once uploaded
        }
        auto transaction = account_.store().transaction();
        auto changes = detail::identity_changes(transaction, message.peer);
        if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
        if (!changes.ok()) return fail(ClientError::store(changes.error()));
        // The upload stopped without getting anywhere: it resumes at the next flush.
        if (changes->empty()) return fail(ClientError{ClientErrorKind::kTransport, "upload_interrupted"});
      }
      return fail(ClientError{ClientErrorKind::kUntrustedIdentity, "identity_changed"});
    }
    default: return message.id;
  }
}

Result<void, ClientError> Messenger::flush_outbox() {
  if (!account_.connected()) return fail(ClientError::not_connected());
  ClientStore& store = account_.store();
  std::int64_t after = 0;
  while (true) {
    std::vector<detail::OutboxEntry> entries;
    {
      auto transaction = store.transaction();
      auto read = detail::outbox_entries(transaction, after, kFlushBatch);
      if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
      if (!read.ok()) return fail(ClientError::store(read.error()));
      entries = std::move(*read);
    }
    if (entries.empty()) return {};
    after = entries.back().sequence;
    for (const FlushItem& item : merge_receipts(std::move(entries), account_)) {
      const detail::OutboxEntry& entry = item.entry;
      auto dequeue_all = [&](StoreTransaction& transaction) {
        for (std::int64_t sequence : item.sequences) (void)detail::dequeue(transaction, sequence);
      };
      const auto waited = std::chrono::milliseconds(account_.now_ms() - std::min(entry.queued_ms, account_.now_ms()));
      if (waited > options_.give_up) {
        // Kept trying long enough: the user learns it failed instead of a message arriving days late.
        auto transaction = store.transaction();
        (void)detail::advance_state(transaction, true, entry.recipient, entry.message_id, MessageState::kFailed,
                                    "gave_up");
        dequeue_all(transaction);
        if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
        continue;
      }
      bool blocked = false;
      {
        auto transaction = store.transaction();
        auto changes = detail::identity_changes(transaction, entry.recipient);
        if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
        if (!changes.ok()) return fail(ClientError::store(changes.error()));
        blocked = !changes->empty();
      }
      if (blocked) continue;  // waits for trust_identity()
      auto sent = send_entry(entry);
      if (sent.ok() && !*sent) continue;  // its upload is still running
      if (!sent.ok() &&
          (sent.error().kind == ClientErrorKind::kTransport || sent.error().kind == ClientErrorKind::kStore)) {
        return fail(sent.error());
      }
      if (!sent.ok() && sent.error().kind == ClientErrorKind::kUntrustedIdentity &&
          sent.error().detail == "identity_changed") {
        continue;  // recorded by fetch_sessions; stays queued
      }
      auto transaction = store.transaction();
      if (sent.ok()) {
        // A contact from the first message the server accepted for it (not from a typo it refused).
        if (entry.recipient != account_.username() && !detail::group_of_peer(entry.recipient)) {
          (void)detail::touch_contact(transaction, entry.recipient, account_.now_ms());
        }
        (void)detail::advance_state(transaction, true, entry.recipient, entry.message_id, MessageState::kSent);
        (void)detail::start_expiry(transaction, entry.recipient, entry.message_id, account_.now_ms());
        // A group update goes to each member as an entry of its own; its row is the group's.
        if (auto group = updated_group(entry)) {
          (void)detail::advance_state(transaction, true, detail::group_peer(*group), entry.message_id,
                                      MessageState::kSent);
        }
      } else if (permanent(sent.error()) || sent.error().kind == ClientErrorKind::kUntrustedIdentity) {
        (void)detail::advance_state(transaction, true, entry.recipient, entry.message_id, MessageState::kFailed,
                                    sent.error().detail);
      }
      dequeue_all(transaction);
      if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    }
  }
}

Result<std::size_t, ClientError> Messenger::outbox_size() {
  auto transaction = account_.store().transaction();
  auto count = detail::outbox_count(transaction);
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  if (!count.ok()) return fail(ClientError::store(count.error()));
  return *count;
}

Result<std::vector<QueuedMessage>, ClientError> Messenger::queued() {
  std::vector<QueuedMessage> listed;
  auto transaction = account_.store().transaction();
  std::int64_t after = 0;
  while (true) {
    auto entries = detail::outbox_entries(transaction, after, kFlushBatch);
    if (!entries.ok()) return fail(ClientError::store(entries.error()));
    if (entries->empty()) break;
    for (const detail::OutboxEntry& entry : *entries) {
      after = entry.sequence;
      // Receipts and deletions have no history row of their own: named by their content.
      wire::content::Content content;
      const bool parsed = content.ParseFromArray(entry.content.data(), static_cast<int>(entry.content.size()));
      const char* kind = !parsed                          ? "unknown"
                         : content.has_receipt()          ? "receipt"
                         : content.has_group_update()     ? "group"
                         : content.has_group_sender_key() ? "sender_key"
                         : content.has_sent_transcript()  ? "transcript"
                         : content.has_sync_request()     ? "sync"
                                                          : "delete";
      QueuedMessage item{entry.recipient, entry.message_id, kind, MessageState::kPending, entry.queued_ms};
      auto stored = detail::find_message(transaction, true, entry.recipient, entry.message_id);
      if (!stored.ok()) return fail(ClientError::store(stored.error()));
      if (*stored) {
        item.kind = (*stored)->kind;
        item.state = (*stored)->state;
      }
      listed.push_back(std::move(item));
    }
  }
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  return listed;
}

Result<bool, ClientError> Messenger::send_entry(const detail::OutboxEntry& entry) {
  wire::content::Content content;
  if (!content.ParseFromArray(entry.content.data(), static_cast<int>(entry.content.size()))) {
    return fail(ClientError{ClientErrorKind::kInvalidArgument, "corrupt_outbox_entry"});
  }
  const std::string& recipient = entry.recipient;
  // A file goes up before its message, on the transfer connection: the pointer the recipient needs
  // is known only afterwards. Until then the message waits in the outbox and the rest go by.
  if (content.has_data() && content.data().attachments_size() > 0 && content.data().attachments(0).id().empty()) {
    auto pointer = uploaded_pointer(recipient, entry.message_id);
    if (!pointer.ok()) return fail(pointer.error());
    if (!*pointer) return false;
    *content.mutable_data()->mutable_attachments(0) = std::move(**pointer);
  }
  if (detail::group_of_peer(recipient)) return send_group_entry(entry, std::move(content));
  auto encoded = wire::encode_content(content);
  if (!encoded.ok()) return fail(ClientError{ClientErrorKind::kInvalidArgument, wire::to_string(encoded.error())});

  ClientStore& store = account_.store();
  for (int attempt = 0; attempt < kSendAttempts; ++attempt) {
    bool has_sessions = false;
    {
      auto transaction = store.transaction();
      auto devices = detail::session_devices(transaction, recipient);
      if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
      if (!devices.ok()) return fail(ClientError::store(devices.error()));
      has_sessions = !devices->empty();
    }
    if (!has_sessions) HUSH_TRY(fetch_sessions(recipient, 0));
    api::Request request;
    auto* send = request.mutable_send();
    send->set_recipient(recipient);
    send->set_message_id(std::string(entry.message_id.begin(), entry.message_id.end()));
    {
      auto transaction = store.transaction();
      auto stores = store.protocol_stores();
      auto devices = detail::session_devices(transaction, recipient);
      if (!devices.ok()) return fail(ClientError::store(devices.error()));
      for (const std::uint32_t device : *devices) {
        const protocol::ProtocolAddress address{recipient, device};
        const auto session = store.sessions().load_session(address);
        if (!session || !session->has_current()) continue;  // an archived-only record: no session to send with
        auto ciphertext = protocol::encrypt(stores, address, *encoded, account_.rng());
        if (!ciphertext.ok()) return fail(protocol_failure(ciphertext.error()));
        auto* envelope = send->add_envelopes();
        envelope->set_device_id(device);
        envelope->set_registration_id(session->current()->remote_registration_id);
        envelope->set_type(static_cast<std::uint32_t>(ciphertext->type));
        envelope->set_content(std::string(ciphertext->serialized.begin(), ciphertext->serialized.end()));
      }
      // The ratchet steps are on disk before any ciphertext leaves.
      if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    }
    auto response = call(std::move(request));
    if (!response.ok()) return fail(response.error());
    const api::Status& status = response->status();
    if (status.code() == api::Status::OK) {
      HUSH_TRY(queue_transcript(recipient, content));
      return true;
    }
    // The server's own trouble (kTransport) leaves the message queued.
    if (status.code() != api::Status::STALE_DEVICES || attempt + 1 == kSendAttempts) {
      return fail(detail::status_failure(status));
    }
    const api::SendResult& result = response->send_result();
    HUSH_TRY(fix_sessions(recipient, {result.extra_devices().begin(), result.extra_devices().end()},
                          {result.stale_devices().begin(), result.stale_devices().end()},
                          {result.missing_devices().begin(), result.missing_devices().end()}));
  }
  return fail(ClientError::server("stale_devices"));
}

Result<void, ClientError> Messenger::send_now(const std::string& recipient, const wire::content::Content& content) {
  detail::OutboxEntry entry;
  entry.recipient = recipient;
  entry.message_id.assign(content.message_id().begin(), content.message_id().end());
  entry.queued_ms = account_.now_ms();
  const std::string serialized = content.SerializeAsString();
  entry.content.assign(serialized.begin(), serialized.end());
  auto sent = send_entry(entry);
  if (!sent.ok()) return fail(sent.error());
  return {};
}

Result<bool, ClientError> Messenger::has_siblings() {
  if (siblings_) return *siblings_;
  {
    auto transaction = account_.store().transaction();
    auto devices = detail::session_devices(transaction, account_.username());
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    if (!devices.ok()) return fail(ClientError::store(devices.error()));
    if (!devices->empty()) return *(siblings_ = true);
  }
  auto devices = account_.list_devices();
  if (!devices.ok()) return fail(devices.error());
  siblings_ = devices->size() > 1;
  return *siblings_;
}

Result<void, ClientError> Messenger::queue_transcript(const std::string& destination,
                                                      const wire::content::Content& content) {
  if (!content.has_data() || destination == account_.username()) return {};
  // Not known now (the connection dropped after the send): this one is not told to the others,
  // rather than the message being sent again.
  auto siblings = has_siblings();
  if (!siblings.ok() || !*siblings) return {};
  wire::content::Content transcript = detail::new_content(account_);
  transcript.mutable_sent_transcript()->set_destination(destination);
  wire::content::Content sent = content;
  sent.clear_padding();
  transcript.mutable_sent_transcript()->set_content(sent.SerializeAsString());
  const std::string serialized = transcript.SerializeAsString();
  auto transaction = account_.store().transaction();
  (void)detail::enqueue(transaction, account_.username(), as_bytes(transcript.message_id()), as_bytes(serialized),
                        account_.now_ms());
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  return {};
}

Result<void, ClientError> Messenger::fix_sessions(const std::string& name, const std::vector<std::uint32_t>& extra,
                                                  const std::vector<std::uint32_t>& stale,
                                                  const std::vector<std::uint32_t>& missing) {
  {
    auto transaction = account_.store().transaction();
    for (const std::uint32_t device : extra) (void)detail::delete_session(transaction, name, device);
    for (const std::uint32_t device : stale) (void)detail::delete_session(transaction, name, device);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  }
  for (const std::uint32_t device : stale) HUSH_TRY(fetch_sessions(name, device));
  for (const std::uint32_t device : missing) HUSH_TRY(fetch_sessions(name, device));
  return {};
}

}  // namespace hush::client
