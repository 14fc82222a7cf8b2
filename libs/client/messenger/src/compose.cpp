// Composing: each kind of message as a Content plus its history row, handed to queue(). A file is
// inspected (type, dimensions, duration, thumbnail) and encrypted to a staging file here, before
// anything is queued, so that the outbox entry is complete and an upload can resume from it.
#include "compose.hpp"

#include <map>
#include <system_error>

#include "contact_table.hpp"
#include "group_table.hpp"
#include "hush/client/attachment/attachment_cipher.hpp"
#include "hush/client/attachment/file_facts.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "hush/client/store/limits.hpp"
#include "hush/wire/client_store.pb.h"
#include "hush/wire/content_codec.hpp"
#include "message_table.hpp"
#include "outbox_table.hpp"

namespace hush::client {

namespace content = wire::content;

namespace detail {

content::Content new_content(Account& account) {
  Bytes id(wire::kMessageIdSize);
  account.rng().fill(id);
  content::Content out;
  out.set_message_id(std::string(id.begin(), id.end()));
  out.set_timestamp_ms(account.now_ms());
  return out;
}

Result<void, StoreError> enqueue_receipt(StoreTransaction& transaction, Account& account, const std::string& peer,
                                         const std::vector<Bytes>& ids, content::ReceiptMessage::Type type,
                                         ByteView group_id) {
  if (ids.empty()) return {};
  content::Content receipt = new_content(account);
  receipt.mutable_receipt()->set_type(type);
  receipt.mutable_receipt()->set_group_id(std::string(group_id.begin(), group_id.end()));
  for (const Bytes& id : ids) receipt.mutable_receipt()->add_message_ids(std::string(id.begin(), id.end()));
  const Bytes id(receipt.message_id().begin(), receipt.message_id().end());
  const std::string serialized = receipt.SerializeAsString();
  return enqueue(transaction, peer, id, as_bytes(serialized), account.now_ms());
}

Result<std::optional<Message>, StoreError> note_identity_change(StoreTransaction& transaction, Account& account,
                                                                const std::string& name, std::uint32_t device_id,
                                                                const protocol::IdentityKey& key) {
  auto known = identity_changes(transaction, name);
  if (!known.ok()) return fail(known.error());
  for (const auto& [device, pending] : *known) {
    if (device == device_id && pending == key) return std::optional<Message>();
  }
  HUSH_TRY(record_identity_change(transaction, name, device_id, key, account.now_ms()));
  Message notice;
  notice.id.resize(wire::kMessageIdSize);
  account.rng().fill(notice.id);
  notice.peer = name;
  notice.peer_device = device_id;
  notice.timestamp_ms = account.now_ms();
  notice.kind = "identity_changed";
  HUSH_TRY(touch_contact(transaction, name, account.now_ms()));
  HUSH_TRY(insert_message(transaction, notice, account.now_ms()));
  return std::optional<Message>(std::move(notice));
}

}  // namespace detail

namespace {

// At most `size` bytes of `text`, never cutting a UTF-8 sequence in two.
std::string utf8_prefix(const std::string& text, std::size_t size) {
  if (text.size() <= size) return text;
  while (size > 0 && (static_cast<unsigned char>(text[size]) & 0xC0) == 0x80) --size;
  return text.substr(0, size);
}

// The history row of a composed content.
Message outgoing_message(const std::string& recipient, const content::Content& composed, std::string kind) {
  Message message;
  message.id.assign(composed.message_id().begin(), composed.message_id().end());
  message.outgoing = true;
  message.peer = recipient;
  message.timestamp_ms = composed.timestamp_ms();
  message.kind = std::move(kind);
  return message;
}

ClientError invalid(std::string what) {
  return ClientError{ClientErrorKind::kInvalidArgument, std::move(what)};
}

}  // namespace

Result<Bytes, ClientError> Messenger::send_text(const std::string& recipient, std::string_view text) {
  if (text.empty() || text.size() > kMaxTextSize) return fail(invalid("text"));
  content::Content composed = detail::new_content(account_);
  composed.mutable_data()->set_text(std::string(text));
  Message message = outgoing_message(recipient, composed, "text");
  message.body = std::string(text);
  return queue(std::move(message), composed);
}

Result<Bytes, ClientError> Messenger::send_reply(const std::string& recipient, ByteView target, std::string_view text) {
  if (text.empty() || text.size() > kMaxTextSize) return fail(invalid("text"));
  std::optional<Message> quoted;
  for (const bool outgoing : {true, false}) {
    auto found = find_message(outgoing, recipient, target);
    if (!found.ok()) return fail(found.error());
    if (*found && (*found)->kind != "deleted") quoted = std::move(*found);
    if (quoted) break;
  }
  if (!quoted) return fail(invalid("unknown_target"));
  const std::string author = quoted->outgoing                               ? account_.username()
                             : detail::group_of_peer(recipient).has_value() ? quoted->author
                                                                            : recipient;
  content::Content composed = detail::new_content(account_);
  composed.mutable_data()->set_text(std::string(text));
  auto* quote = composed.mutable_data()->mutable_quote();
  quote->set_message_id(std::string(target.begin(), target.end()));
  quote->set_author(author);
  if (quoted->kind == "text") quote->set_text(utf8_prefix(quoted->body, kQuoteExcerptSize));
  Message message = outgoing_message(recipient, composed, "text");
  message.body = std::string(text);
  message.reply_to.assign(target.begin(), target.end());
  message.reply_author = author;
  return queue(std::move(message), composed);
}

Result<Bytes, ClientError> Messenger::send_location(const std::string& recipient, const Location& location) {
  if (!(location.latitude >= -90 && location.latitude <= 90 && location.longitude >= -180 &&
        location.longitude <= 180)) {
    return fail(invalid("location"));
  }
  if (location.name.size() > kMaxCaptionSize) return fail(invalid("location_name"));
  content::Content composed = detail::new_content(account_);
  auto* wire_location = composed.mutable_data()->mutable_location();
  wire_location->set_latitude(location.latitude);
  wire_location->set_longitude(location.longitude);
  wire_location->set_name(location.name);
  Message message = outgoing_message(recipient, composed, "location");
  message.body = location.name;
  message.location = location;
  return queue(std::move(message), composed);
}

Result<Bytes, ClientError> Messenger::send_reaction(const std::string& recipient, ByteView target,
                                                    std::string_view emoji) {
  if (target.size() != wire::kMessageIdSize) return fail(invalid("target"));
  if (emoji.size() > kMaxReactionSize) return fail(invalid("emoji"));
  content::Content composed = detail::new_content(account_);
  auto* reaction = composed.mutable_data()->mutable_reaction();
  reaction->set_emoji(std::string(emoji));
  reaction->set_target_message_id(std::string(target.begin(), target.end()));
  reaction->set_remove(emoji.empty());
  Message message = outgoing_message(recipient, composed, "reaction");
  message.body = std::string(emoji);
  message.target_id.assign(target.begin(), target.end());
  return queue(std::move(message), composed);
}

Result<Bytes, ClientError> Messenger::delete_for_everyone(const std::string& recipient, ByteView target) {
  auto stored = find_message(true, recipient, target);
  if (!stored.ok()) return fail(stored.error());
  if (!*stored || (*stored)->kind == "deleted") return fail(invalid("target"));
  content::Content composed = detail::new_content(account_);
  composed.mutable_data()->mutable_delete_()->set_target_message_id(std::string(target.begin(), target.end()));
  {
    auto transaction = account_.store().transaction();
    (void)detail::erase_message(transaction, true, recipient, target);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  }
  Message message = outgoing_message(recipient, composed, "delete");
  message.target_id.assign(target.begin(), target.end());
  return queue(std::move(message), composed);
}

Result<void, ClientError> Messenger::send_typing(const std::string& peer, bool started) {
  if (peer.empty() || peer.size() > kMaxAddressNameSize) return fail(invalid("recipient"));
  if (!account_.connected()) return fail(ClientError::not_connected());
  content::Content typing = detail::new_content(account_);
  typing.mutable_typing()->set_action(started ? content::TypingMessage::STARTED : content::TypingMessage::STOPPED);
  if (auto group = detail::group_of_peer(peer)) {
    typing.mutable_typing()->set_group_id(std::string(group->begin(), group->end()));
  }
  // Never written to the outbox: a late "typing" is noise.
  return send_now(peer, typing);
}

Result<Bytes, ClientError> Messenger::set_expire_timer(const std::string& peer, std::chrono::seconds timer) {
  const auto seconds = timer.count();
  if (seconds != 0 && (seconds < wire::kMinExpireTimerSeconds || seconds > wire::kMaxExpireTimerSeconds)) {
    return fail(invalid("expire_timer"));
  }
  if (peer.empty() || peer.size() > kMaxAddressNameSize) return fail(invalid("recipient"));
  // A group's timer is part of its state: an admin changes it with a signed update.
  if (auto group = detail::group_of_peer(peer)) return set_group_timer(*group, static_cast<std::uint32_t>(seconds));
  {
    auto transaction = account_.store().transaction();
    (void)detail::set_expire_timer(transaction, peer, static_cast<std::uint32_t>(seconds), account_.now_ms());
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  }
  content::Content composed = detail::new_content(account_);
  composed.mutable_data()->set_expire_timer_update(true);
  composed.mutable_data()->set_expire_timer_seconds(static_cast<std::uint32_t>(seconds));
  Message message = outgoing_message(peer, composed, "timer");
  message.expire_timer_seconds = static_cast<std::uint32_t>(seconds);
  return queue(std::move(message), composed);
}

Result<Bytes, ClientError> Messenger::send_file(const std::string& recipient, const std::filesystem::path& file,
                                                const FileOptions& options) {
  return queue_attachment(recipient, file, options, true);
}

Result<Bytes, ClientError> Messenger::queue_file(const std::string& recipient, const std::filesystem::path& file,
                                                 const FileOptions& options) {
  return queue_attachment(recipient, file, options, false);
}

Result<Bytes, ClientError> Messenger::queue_attachment(const std::string& recipient, const std::filesystem::path& file,
                                                       const FileOptions& options, bool wait) {
  if (options.caption.size() > kMaxCaptionSize) return fail(invalid("caption"));
  std::error_code error;
  const std::filesystem::path source = std::filesystem::absolute(file, error);
  if (error || !std::filesystem::is_regular_file(source, error)) return fail(invalid("file_not_found"));
  std::string file_name = options.file_name.value_or(source.filename().string());
  if (file_name.size() > kMaxCaptionSize) return fail(invalid("file_name"));

  content::Content composed = detail::new_content(account_);
  const Bytes id(composed.message_id().begin(), composed.message_id().end());
  const std::filesystem::path staging = account_.home() / "staging";
  std::filesystem::create_directories(staging, error);
  std::filesystem::permissions(staging, std::filesystem::perms::owner_all, error);
  const std::filesystem::path blob = staging / (to_hex(id) + ".upload");

  const FileFacts facts = inspect_file(source);
  auto encrypted = encrypt_file(source, blob, account_.rng());
  if (!encrypted.ok()) return fail(invalid(std::string("file_") + to_string(encrypted.error())));

  wire::client_store::AttachmentRecord record;
  content::AttachmentPointer& pointer = *record.mutable_pointer();
  pointer.set_key(std::string(encrypted->key.view().begin(), encrypted->key.view().end()));
  pointer.set_digest(std::string(encrypted->digest.begin(), encrypted->digest.end()));
  pointer.set_size(encrypted->size);
  pointer.set_content_type(facts.content_type);
  pointer.set_file_name(file_name);
  pointer.set_width(facts.width);
  pointer.set_height(facts.height);
  pointer.set_duration_ms(facts.duration_ms);
  pointer.set_caption(options.caption);
  pointer.set_flags(options.voice_note ? content::AttachmentPointer::VOICE_NOTE : content::AttachmentPointer::NONE);
  pointer.set_thumbnail(std::string(facts.thumbnail.begin(), facts.thumbnail.end()));
  record.set_path(source.string());
  record.set_plaintext_sha256(std::string(encrypted->plaintext_sha256.begin(), encrypted->plaintext_sha256.end()));
  record.set_blob_size(encrypted->blob_size);
  record.set_staging_path(blob.string());

  // The outbox holds the pointer without the server's blob id; send_entry() fills it in after
  // the upload.
  *composed.mutable_data()->add_attachments() = pointer;
  Message message = outgoing_message(recipient, composed, "file");
  message.body = options.caption;
  auto queued = queue(std::move(message), composed, &record, wait ? &options.progress : nullptr);
  if (!queued.ok() && queued.error().kind == ClientErrorKind::kStore) std::filesystem::remove(blob, error);
  return queued;
}

Result<std::size_t, ClientError> Messenger::mark_read(const std::string& peer) {
  std::size_t marked = 0;
  {
    auto transaction = account_.store().transaction();
    auto unread = detail::unread_ids(transaction, peer);
    if (!unread.ok()) return fail(ClientError::store(unread.error()));
    for (const Bytes& id : *unread) {
      (void)detail::advance_state(transaction, false, peer, id, MessageState::kRead);
    }
    if (auto group = detail::group_of_peer(peer)) {
      // In a group, each author is told over the pairwise session.
      std::map<std::string, std::vector<Bytes>> by_author;
      for (const Bytes& id : *unread) {
        auto found = detail::find_message(transaction, false, peer, id);
        if (found.ok() && *found && !(*found)->author.empty()) by_author[(*found)->author].push_back(id);
      }
      for (const auto& [author, ids] : by_author) {
        (void)detail::enqueue_receipt(transaction, account_, author, ids, content::ReceiptMessage::READ, *group);
      }
    } else {
      (void)detail::enqueue_receipt(transaction, account_, peer, *unread, content::ReceiptMessage::READ);
    }
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    marked = unread->size();
  }
  if (marked > 0 && account_.connected()) HUSH_TRY(flush_outbox());
  return marked;
}

}  // namespace hush::client
