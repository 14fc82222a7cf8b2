// Messenger: everything a person does with an account except drawing a screen — messages of every
// kind to every device of a recipient, the durable outbox they leave through, attachments
// (encrypted, padded, uploaded and downloaded in resumable chunks), delivery and read receipts,
// contacts, safety numbers and identity changes.
//
// Sending: a message is first committed to the outbox with its history row (state kPending); then
// the outbox is flushed: per message, sessions are built from fetched bundles where needed, the
// content is encrypted once per device in one store transaction, committed, and sent in one Send;
// a STALE_DEVICES answer fixes the sessions and the send is retried once with the same id. A crash
// or a lost connection anywhere leaves the message in the outbox: the next flush (every log_in via
// connect(), and every send) encrypts it again and the server and the recipient drop the duplicate
// by message id. Attachments are encrypted to a staging file in the home, uploaded in chunks from
// the server's committed offset (resumable), and their pointer travels inside the message.
//
// Receiving: each pushed envelope is checked against stored message ids, decrypted, stored and
// committed in one store transaction, and acknowledged only after that commit; a delivery receipt
// goes back through the outbox. Attachments are downloaded to a staging file (resumable),
// checked (digest and MAC) before anything is decrypted, and decrypted into HOME/attachments.
//
// Not thread-safe; synchronous (see ServerConnection). Calls that talk to the server need the
// account logged in.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/client/account/account.hpp"
#include "hush/client/groups/group_state.hpp"
#include "hush/client/messenger/message.hpp"

namespace hush::wire::content {
class Content;
class AttachmentPointer;
}  // namespace hush::wire::content
namespace hush::wire::client_store {
class AttachmentRecord;
}  // namespace hush::wire::client_store

namespace hush::client {

namespace detail {
struct OutboxEntry;
struct HeldEnvelope;
class TransferWorker;
}  // namespace detail

// Largest text accepted by send_text, in bytes. Longer texts go as attachments (as Signal does
// above 2 KiB); 4 KiB keeps one envelope per device well inside a 64 KiB Send frame for accounts
// with up to a dozen devices.
inline constexpr std::size_t kMaxTextSize = 4096;
// Largest caption and location label, in bytes (same reasoning).
inline constexpr std::size_t kMaxCaptionSize = 1024;
// The part of a replied-to text a reply carries, in bytes (a line's worth: what a screen shows).
inline constexpr std::size_t kQuoteExcerptSize = 100;
// Largest reaction, in bytes: one emoji with modifiers is at most a few dozen.
inline constexpr std::size_t kMaxReactionSize = 64;

// Called while an attachment's bytes move: bytes done so far and the total (blob bytes).
using TransferProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

struct FileOptions {
  std::string caption;
  bool voice_note = false;
  // The name shown to the recipient; default the file's own name.
  std::optional<std::string> file_name;
  TransferProgress progress;
};

struct ReceiveOptions {
  // Download (and decrypt) attachments of new messages, and retry pending ones, on the transfer
  // connection. When false they stay kPending until a later receive() with true.
  bool download_attachments = true;
  // Return only once the downloads this call started have ended (done or failed), with the
  // messages' attachments as they ended. When false receive() returns after `idle` as usual and a
  // later receive() reports each finished download again (Message::update).
  bool wait_for_downloads = true;
  TransferProgress progress;
};

struct MessengerOptions {
  // How long a message may wait in the outbox (server unreachable, blocked, refusing for now)
  // before it is marked kFailed with "gave_up" and dropped from the outbox. Default one day, as
  // Signal keeps trying; checked at every flush.
  std::chrono::milliseconds give_up{std::chrono::hours(24)};
};

// A message waiting in the outbox.
struct QueuedMessage {
  std::string recipient;
  Bytes id;
  std::string kind;  // the history row's kind, or "receipt"
  MessageState state = MessageState::kPending;
  std::uint64_t queued_ms = 0;
};

struct SafetyNumber {
  std::string display;  // 60 digits in 12 groups of 5, separated by single spaces
  Bytes scannable;      // for a QR code (protocol::Fingerprint::scannable)
};

class Messenger {
 public:
  // `account` must outlive the messenger. Does not connect.
  explicit Messenger(Account& account, MessengerOptions options = {});
  // Stops a running transfer (it resumes next time) and closes the transfer connection.
  ~Messenger();
  Messenger(const Messenger&) = delete;
  Messenger& operator=(const Messenger&) = delete;

  // The account it sends and receives as.
  Account& account() { return account_; }

  // Logs the account in (Account::log_in) and flushes the outbox. The first call a program makes.
  Result<void, ClientError> connect();

  // Each send queues the message durably (outbox and history, state kPending), then flushes the
  // outbox, and returns the message id once the server holds it. Errors: kInvalidArgument (empty
  // or oversized text, caption, emoji; a recipient name the store cannot hold; a file that cannot
  // be read or exceeds the attachment limit) — nothing queued; kServer ("unknown_account", ...) —
  // the message is kFailed with that reason; kUntrustedIdentity ("identity_changed") — the message
  // stays queued until trust_identity(); kTransport — it stays queued and goes at the next flush.
  Result<Bytes, ClientError> send_text(const std::string& recipient, std::string_view text);
  // A text replying to message `target` (of either direction) in the conversation with
  // `recipient` (an account or a group's): it carries the target's id, author and the first
  // kQuoteExcerptSize bytes of its text. kInvalidArgument "unknown_target" when it is not there.
  Result<Bytes, ClientError> send_reply(const std::string& recipient, ByteView target, std::string_view text);
  // A file is encrypted to a staging file in the home and uploaded on a second connection of
  // this device (Account::open_transfer_connection) by a thread of its own, so that no message
  // waits behind it; its message goes once the upload is complete. send_file() returns then (it
  // keeps the message connection alive meanwhile; pushes wait for the next receive()).
  // queue_file() returns once the message is queued and its upload started; it goes
  // during a later call (receive(), flush_outbox(), any send) after the upload ended. An upload
  // cut short resumes on a new connection while it makes progress, else at the next flush.
  Result<Bytes, ClientError> send_file(const std::string& recipient, const std::filesystem::path& file,
                                       const FileOptions& options = {});
  Result<Bytes, ClientError> queue_file(const std::string& recipient, const std::filesystem::path& file,
                                        const FileOptions& options = {});
  // Whether an upload or download is queued or running.
  bool transferring() const;
  // Waits until every upload and download under way ended, keeping the message connection alive
  // (pushes wait for the next receive()), and sends the messages whose uploads ended. Errors: kTransport (the message
  // connection failed; transfers go on), kStore.
  Result<void, ClientError> finish_transfers();
  Result<Bytes, ClientError> send_location(const std::string& recipient, const Location& location);
  // A reaction to message `target` (of either direction) in the conversation with `recipient`;
  // an empty emoji removes ours.
  Result<Bytes, ClientError> send_reaction(const std::string& recipient, ByteView target, std::string_view emoji);
  // Deletes our own message `target` for everyone: the recipient's copy (body and file) is erased,
  // and ours. kInvalidArgument when `target` is not an outgoing message to `recipient`.
  Result<Bytes, ClientError> delete_for_everyone(const std::string& recipient, ByteView target);

  // Tells `peer` (an account, or a group's conversation: every member) that we started or stopped
  // typing. Ephemeral: not stored, not queued — when it cannot go now it is dropped (kTransport).
  // Reported by receive() as kind "typing" (body "started" or "stopped"), never stored.
  Result<void, ClientError> send_typing(const std::string& peer, bool started);

  // Disappearing messages: sets the conversation's timer (0 = off, else 30 s to 4 weeks:
  // wire::kMinExpireTimerSeconds..kMaxExpireTimerSeconds; kInvalidArgument "expire_timer"
  // otherwise) here and, through an encrypted message (history kind "timer"), at the peer; either
  // side may change it. Texts, files and locations written while a timer is set carry it and are
  // deleted from every store that holds them that long after they were sent (ours, counted from
  // the server's acceptance) or arrived (the peer's), with their attachments' files in the home
  // (a sent file's original stays where it was). The server's copy is gone at delivery, or at its
  // queue expiry at the latest.
  Result<Bytes, ClientError> set_expire_timer(const std::string& peer, std::chrono::seconds timer);
  // Deletes the messages whose time is up (receive() and history() do it first); how many.
  Result<std::size_t, ClientError> expire_messages();

  // Groups (the rules are libs/client/groups'). A group lives on its members' devices: each change
  // is the whole new state signed by an admin's identity key, sent to every member (and to a
  // removed one) over the pairwise sessions and checked by each before it is taken. A group's
  // conversation is the peer group_peer(id) ("#" + the id in hex): send_text, send_file,
  // queue_file, send_location, send_reaction, delete_for_everyone, mark_read, history and
  // set_expire_timer take it as they take an account's name. Its messages are encrypted once with
  // this device's Sender Key and sent with one SendToMany to every member device; the key goes to
  // each member over the pairwise session first, and is replaced by a new one whenever a member is
  // removed or leaves, so that they cannot read what follows. Errors: kInvalidArgument
  // ("group_name", "member", "not_admin", "not_a_member", "unknown_group", "ambiguous_group",
  // and the rules' names: "invalid_group_state", ...).
  static std::string group_peer(ByteView group_id);
  // Creates a group with us as its admin; returns its state (revision 1).
  Result<GroupState, ClientError> create_group(const std::string& name, const std::vector<std::string>& members);
  // Admins only; each returns the new state.
  Result<GroupState, ClientError> add_group_member(ByteView group_id, const std::string& member);
  Result<GroupState, ClientError> remove_group_member(ByteView group_id, const std::string& member);
  Result<GroupState, ClientError> add_group_admin(ByteView group_id, const std::string& member);
  Result<GroupState, ClientError> rename_group(ByteView group_id, const std::string& name);
  // Takes us out (any member; the last admin must name another first). Our copy stays, no longer
  // a member: history remains, sending fails with "not_a_member".
  Result<GroupState, ClientError> leave_group(ByteView group_id);
  // On a newly linked device: asks the account's other devices for its groups; each answers, at
  // its next receive(), with every group's state signed by the account, which this device takes
  // at its next receive(). Needs the account logged in.
  Result<void, ClientError> request_sync();
  // Every group held (member or not any more), oldest first.
  Result<std::vector<GroupState>, ClientError> groups();
  // A group as a person names it: its id in hex (or its conversation's peer), or the name of
  // exactly one group held ("unknown_group", "ambiguous_group").
  Result<GroupState, ClientError> find_group(std::string_view id_or_name);
  // Per member, how far our group message `id` came (kDelivered, kRead); members not listed have
  // not confirmed it yet. Its history row's state moves on once every member got as far.
  Result<std::vector<std::pair<std::string, MessageState>>, ClientError> group_receipts(ByteView group_id, ByteView id);

  // Sends every queued message it can, oldest first; one that fails for good, or that waited
  // longer than MessengerOptions::give_up ("gave_up"), is marked kFailed and removed. Errors: kTransport (the rest stay
  // queued). Recipients with an unaccepted identity change are skipped.
  Result<void, ClientError> flush_outbox();
  // Messages still in the outbox.
  Result<std::size_t, ClientError> outbox_size();
  // The outbox, oldest first.
  Result<std::vector<QueuedMessage>, ClientError> queued();

  // Handles pushes until none arrives for `idle`: envelopes (stored, then acknowledged; a
  // delivery receipt queued for each new message), receipts (states updated), delivery failures
  // (message kFailed "expired", then acknowledged), keys_low (refill). Returns what is new, in
  // arrival order: messages, receipts and identity changes, then messages reported again because
  // their attachment's download ended (Message::update). Also sends the messages whose uploads
  // ended. Errors: kStore (the envelope was not acknowledged: it comes again), kTransport.
  Result<std::vector<Message>, ClientError> receive(std::chrono::milliseconds idle, const ReceiveOptions& options = {});

  // Handles one push the caller read itself (account.connection().next_push()) as receive() does,
  // without flushing receipts or downloading: for programs that pump the connection themselves.
  Result<std::vector<Message>, ClientError> handle_push(const wire::api::Push& push);

  // Marks every received message from `peer` not yet read as read and sends one read receipt for
  // them (queued in the outbox). Returns how many were marked.
  Result<std::size_t, ClientError> mark_read(const std::string& peer);

  // Every stored message exchanged with `peer`, oldest first by the sender's timestamp (then by
  // arrival): a file shows where it was written even when texts written after it arrived first.
  Result<std::vector<Message>, ClientError> history(const std::string& peer);
  // One stored message by direction, peer and id.
  Result<std::optional<Message>, ClientError> find_message(bool outgoing, const std::string& peer, ByteView id);

  // Contacts: everyone added by name or link, or who exchanged a message with us.
  Result<std::vector<Contact>, ClientError> contacts();
  Result<void, ClientError> add_contact(const std::string& name);
  // Adds the contact a `hush://HOST:PORT/NAME#FINGERPRINT` link names (on this account's server;
  // kInvalidArgument "other_server" otherwise). Its first session must carry that identity, or the
  // send fails with kUntrustedIdentity "identity_mismatch"; when it does, the contact is verified.
  Result<Contact, ClientError> add_contact_link(std::string_view link);
  // Approves a new device of this account from the code it shows (Account::approve_link), giving
  // it the contacts (the first kMaxLinkedContacts, by name). The new device then receives every
  // message sent to the account. Needs the account logged in.
  Result<void, ClientError> add_device(std::string_view code);

  // This account's own contact link.
  Result<std::string, ClientError> own_contact_link();

  // The safety number of the conversation with `peer` (its device 1's identity against ours).
  // Fetches the peer's keys from the server when no session exists yet. kNotFound-like
  // kServer "unknown_account" when there is no such account.
  Result<SafetyNumber, ClientError> safety_number(const std::string& peer);
  // Records that the user compared the safety number: the contact is verified while every
  // device's identity stays as it is now. Accepts a pending identity change as trust_identity()
  // does, and returns the held messages that released.
  Result<std::vector<Message>, ClientError> mark_verified(const std::string& peer);
  // Accepts `peer`'s changed identity key(s): held messages are decrypted (and returned, as
  // receive() would), sessions are rebuilt, queued messages to it are sent. Clears `verified`.
  Result<std::vector<Message>, ClientError> trust_identity(const std::string& peer);

  // The folder incoming attachments are decrypted into: HOME/attachments.
  std::filesystem::path attachments_folder() const;

 private:
  // send.cpp: queue a composed message and flush; send one outbox entry; sessions from bundles.
  // With an attachment and `wait_for_upload`: returns once the upload ended, reporting progress to it.
  Result<Bytes, ClientError> queue(Message message, const wire::content::Content& content,
                                   const wire::client_store::AttachmentRecord* attachment = nullptr,
                                   const TransferProgress* wait_for_upload = nullptr);
  // True when sent; false while its attachment's upload runs.
  Result<bool, ClientError> send_entry(const detail::OutboxEntry& entry);
  // Sends `content` at once as send_entry() does, never writing it to the outbox (typing, a
  // Sender Key ahead of the group message that needs it).
  Result<void, ClientError> send_now(const std::string& recipient, const wire::content::Content& content);
  Result<void, ClientError> fetch_sessions(const std::string& recipient, std::uint32_t device_id);
  // What a STALE_DEVICES answer named for account `name`: extra devices lose their session, stale
  // ones are rebuilt from a fresh bundle, missing ones get one.
  Result<void, ClientError> fix_sessions(const std::string& name, const std::vector<std::uint32_t>& extra,
                                         const std::vector<std::uint32_t>& stale,
                                         const std::vector<std::uint32_t>& missing);
  // receive.cpp: one envelope (live or held) decrypted, stored and reported.
  // With `batch`, its acknowledgement is added there (when stored) instead of sent.
  Result<std::vector<Message>, ClientError> handle_envelope(const wire::api::Envelope& envelope,
                                                            wire::api::Acknowledge* batch = nullptr);
  Result<std::vector<Message>, ClientError> open_envelope(const detail::HeldEnvelope& envelope, bool live);
  Result<void, ClientError> acknowledge(const wire::api::Acknowledge& acknowledge);
  // A request on the message connection, its answer awaited. When a burst of pushes fills the
  // connection's queue before the answer comes, they are handled (stored, acknowledged, kept in
  // later_ for the next receive()) and the wait goes on, instead of the call failing and the
  // connection being dropped and every unacknowledged envelope sent again.
  Result<wire::api::Response, ClientError> call(wire::api::Request request);
  // Handles the pushes queued on the message connection, reporting through later_.
  Result<void, ClientError> handle_queued_pushes();
  // Sends one Acknowledge for the stored envelopes `pending` holds, and empties it.
  void acknowledge_stored(wire::api::Acknowledge& pending);
  // compose.cpp: an attachment encrypted to its staging file and queued with its message.
  Result<Bytes, ClientError> queue_attachment(const std::string& recipient, const std::filesystem::path& file,
                                              const FileOptions& options, bool wait);
  // transfer.cpp: the transfer worker and what its outcomes change in the store.
  detail::TransferWorker& transfers();
  // Opens the transfer connection when jobs wait for one (failing them when it cannot).
  void connect_transfers();
  // The finished upload's pointer; nullopt while the upload runs (started here when it was not;
  // with `only_past`, only when the server's committed offset is beyond it).
  Result<std::optional<wire::content::AttachmentPointer>, ClientError> uploaded_pointer(
      const std::string& recipient, ByteView id, std::optional<std::uint64_t> only_past = std::nullopt);
  Result<void, ClientError> start_download(const std::string& peer, ByteView id);
  Result<void, ClientError> start_downloads();
  // Records the worker's outcomes; true when an upload ended (its message can go, or fail).
  Result<bool, ClientError> settle_transfers();
  // Waits a little for the worker, pinging the message connection when `last_ping` is old.
  Result<void, ClientError> wait_a_moment(std::chrono::steady_clock::time_point& last_ping);
  // Records the worker's outcomes and sends the messages whose uploads ended.
  Result<void, ClientError> settle_and_send();
  // Until the upload of message `id` to `recipient` ended, reading the message connection.
  Result<void, ClientError> wait_for_upload(const std::string& recipient, ByteView id,
                                            const TransferProgress& progress);
  // groups.cpp: a change we make (as an admin, unless `admins_only` is false), checked, then
  // published.
  Result<GroupState, ClientError> change_group(ByteView group_id, bool admins_only,
                                               const std::function<Result<void, ClientError>(GroupState&)>& change,
                                               Bytes* update_id = nullptr);
  // Stores `after`, adds its history row and queues the signed update to everyone in the group
  // before or after; rotates our Sender Key when someone left. Then flushes. The update's id.
  Result<Bytes, ClientError> publish_group(const std::optional<GroupState>& before, const GroupState& after);
  Result<Bytes, ClientError> set_group_timer(ByteView group_id, std::uint32_t seconds);
  // One outbox entry to a group's conversation: our Sender Key to members that lack it, then
  // the content encrypted once and sent with SendToMany. True when sent.
  Result<bool, ClientError> send_group_entry(const detail::OutboxEntry& entry, wire::content::Content content);
  // Our Sender Key for the group sent to `member` over the pairwise session, unless it has it.
  Result<void, ClientError> share_sender_key(ByteView group_id, const std::string& member);
  // Queues a SentTranscript of `content` (a data message just accepted for `destination`) to this
  // account's other devices, when it has any: an outbox entry to our own account.
  Result<void, ClientError> queue_transcript(const std::string& destination, const wire::content::Content& content);
  // Whether the account has other devices (sessions with them, else ListDevices once).
  Result<bool, ClientError> has_siblings();
  // identity.cpp: the identities of `peer` known, fetching them when none are.
  Result<void, ClientError> ensure_identities(const std::string& peer);

  Account& account_;
  MessengerOptions options_;
  // Created with the first transfer; its thread and connection live as long as the messenger.
  std::unique_ptr<detail::TransferWorker> transfers_;
  // Messages whose download ended outside receive() (the next receive() reports them again), and
  // pushes handled by call() to make room for its answer (the next receive() reports them).
  std::vector<Message> later_;
  // Download attempts in a row that stored nothing, by (peer, message id) (settle_transfers()).
  std::map<std::pair<std::string, Bytes>, int> fruitless_downloads_;
  // Whether the account has other devices, once known (has_siblings()).
  std::optional<bool> siblings_;
  // Uploads that will never complete, by (recipient, message id): their messages fail at the next flush.
  std::map<std::pair<std::string, Bytes>, ClientError> failed_uploads_;
};

}  // namespace hush::client
