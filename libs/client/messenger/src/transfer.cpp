// Attachment transfers, the messenger's side: what the store says about each attachment, and the
// jobs handed to the transfer worker (transfer_worker.hpp), which moves the bytes on a connection
// and a thread of its own. An upload's media id is created on the message connection and committed
// before any chunk moves (a crash resumes it); the worker's outcomes are recorded here, on the
// messenger's thread: a finished upload lets its message go at the next flush, a finished download
// is reported again by receive() (Message::update).
#include <algorithm>
#include <system_error>

#include "hush/client/attachment/attachment_cipher.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "hush/wire/client_store.pb.h"
#include "message_table.hpp"
#include "server_status.hpp"
#include "transfer_worker.hpp"

namespace hush::client {

namespace api = wire::api;
namespace content = wire::content;

namespace {

// Longest file name kept from a sender, in bytes, before the extension is cut short.
constexpr std::size_t kMaxSavedNameSize = 100;
// While a call waits for a transfer: how often it looks at the worker (and reports progress), and
// how often it pings the message connection, which nothing else uses meanwhile, so that the
// server's idle timeout (60 s by default) does not close it. Pushes wait in the connection, not
// acknowledged, for the next receive() (unless a burst fills its queue: see Messenger::call).
constexpr std::chrono::milliseconds kTransferPollSlice{50};
constexpr std::chrono::seconds kTransferKeepAlive{20};
// Download attempts in a row that store nothing before one waits for the next receive().
constexpr int kMaxFruitlessDownloadAttempts = 3;

// A name from another person made safe to create in our folder: no separators, no leading dot,
// only printable ASCII letters, digits and ". _ -" kept.
std::string safe_file_name(const std::string& given, ByteView id) {
  std::string name;
  for (const char c : given) {
    const bool keep =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    name.push_back(keep ? c : '_');
  }
  while (!name.empty() && name.front() == '.') name.erase(name.begin());
  if (name.empty()) name = "attachment-" + to_hex(id.first(4));
  if (name.size() > kMaxSavedNameSize) name = name.substr(name.size() - kMaxSavedNameSize);
  return name;
}

using Direction = detail::TransferJob::Direction;

}  // namespace

Messenger::Messenger(Account& account, MessengerOptions options) : account_(account), options_(options) {}

Messenger::~Messenger() = default;

detail::TransferWorker& Messenger::transfers() {
  if (!transfers_) transfers_ = std::make_unique<detail::TransferWorker>();
  return *transfers_;
}

bool Messenger::transferring() const {
  return transfers_ && !transfers_->idle();
}

void Messenger::connect_transfers() {
  if (!transfers_ || !transfers_->needs_connection()) return;
  auto opened = account_.open_transfer_connection(detail::kTransferRequestTimeout);
  if (!opened.ok()) return transfers_->fail_queued(opened.error());
  transfers_->set_connection(std::move(*opened));
}

Result<std::optional<content::AttachmentPointer>, ClientError> Messenger::uploaded_pointer(
    const std::string& recipient, ByteView id, std::optional<std::uint64_t> only_past) {
  const std::pair<std::string, Bytes> key{recipient, Bytes(id.begin(), id.end())};
  if (auto failed = failed_uploads_.find(key); failed != failed_uploads_.end()) {
    const ClientError error = failed->second;
    failed_uploads_.erase(failed);
    return fail(error);
  }
  ClientStore& store = account_.store();
  wire::client_store::AttachmentRecord record;
  {
    auto transaction = store.transaction();
    auto found = detail::get_attachment(transaction, true, recipient, id);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    if (!found.ok()) return fail(ClientError::store(found.error()));
    if (!*found) return fail(ClientError{ClientErrorKind::kInvalidArgument, "missing_attachment"});
    record = std::move(**found);
  }
  content::AttachmentPointer& pointer = *record.mutable_pointer();
  // Uploaded: the staging file is gone once the server finished the blob.
  if (!pointer.id().empty() && record.staging_path().empty()) return std::optional(pointer);
  if (transfers_ && transfers_->has_job(Direction::kUp, recipient, id))
    return std::optional<content::AttachmentPointer>();

  auto save = [&](TransferState state) -> Result<void, ClientError> {
    auto transaction = store.transaction();
    (void)detail::put_attachment(transaction, true, recipient, id, state, "", record);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    return {};
  };
  ServerConnection& connection = account_.connection();
  std::uint64_t committed = 0;
  bool finished = false;
  if (!pointer.id().empty()) {
    // Resuming: where did the server get to?
    api::Request status;
    status.mutable_upload_status()->set_media_id(pointer.id());
    auto response = connection.call(std::move(status));
    if (!response.ok()) return fail(ClientError::transport(response.error()));
    if (response->status().code() == api::Status::OK) {
      committed = response->upload_offset().committed();
      finished = response->upload_offset().finished();
    } else {
      pointer.clear_id();  // expired or never created: start again
    }
  }
  if (pointer.id().empty()) {
    api::Request create;
    create.mutable_create_upload()->set_size(record.blob_size());
    auto response = connection.call(std::move(create));
    if (!response.ok()) return fail(ClientError::transport(response.error()));
    if (response->status().code() != api::Status::OK) return fail(detail::status_failure(response->status()));
    pointer.set_id(response->upload_created().media_id());
    HUSH_TRY(save(TransferState::kPending));  // a crash from here on resumes this upload
  }
  // A resume after a cut only when the server got further than the attempt started: its answers
  // may have been lost with the connection, its committed offset is the truth.
  if (only_past && !finished && committed <= *only_past) return std::optional<content::AttachmentPointer>();
  if (finished) {
    std::error_code ignored;
    std::filesystem::remove(record.staging_path(), ignored);
    record.clear_staging_path();
    HUSH_TRY(save(TransferState::kDone));
    return std::optional(pointer);
  }
  detail::TransferJob job;
  job.direction = Direction::kUp;
  job.peer = recipient;
  job.message_id = key.second;
  job.media_id = pointer.id();
  job.staging = record.staging_path();
  job.total = record.blob_size();
  job.committed = committed;
  job.digest = pointer.digest();
  transfers().submit(std::move(job));
  connect_transfers();
  return std::optional<content::AttachmentPointer>();
}

Result<void, ClientError> Messenger::start_download(const std::string& peer, ByteView id) {
  if (transfers_ && transfers_->has_job(Direction::kDown, peer, id)) return {};
  wire::client_store::AttachmentRecord record;
  {
    auto transaction = account_.store().transaction();
    auto found = detail::get_attachment(transaction, false, peer, id);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    if (!found.ok()) return fail(ClientError::store(found.error()));
    if (!*found) return {};
    record = std::move(**found);
  }
  std::error_code error;
  const std::filesystem::path staging_folder = account_.home() / "staging";
  std::filesystem::create_directories(staging_folder, error);
  std::filesystem::permissions(staging_folder, std::filesystem::perms::owner_all, error);
  const content::AttachmentPointer& pointer = record.pointer();
  detail::TransferJob job;
  job.direction = Direction::kDown;
  job.peer = peer;
  job.message_id.assign(id.begin(), id.end());
  job.media_id = pointer.id();
  job.staging = staging_folder / (to_hex(id) + ".download");
  job.total = record.blob_size();
  job.digest = pointer.digest();
  job.key = pointer.key();
  job.plaintext_size = pointer.size();
  job.out_folder = attachments_folder();
  job.out_name = safe_file_name(pointer.file_name(), id);
  transfers().submit(std::move(job));
  return {};
}

Result<void, ClientError> Messenger::start_downloads() {
  std::vector<std::pair<std::string, Bytes>> pending;
  {
    auto transaction = account_.store().transaction();
    auto found = detail::pending_downloads(transaction);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    if (!found.ok()) return fail(ClientError::store(found.error()));
    pending = std::move(*found);
  }
  for (const auto& [peer, id] : pending) HUSH_TRY(start_download(peer, id));
  connect_transfers();
  return {};
}

Result<bool, ClientError> Messenger::settle_transfers() {
  if (!transfers_) return false;
  bool uploaded = false;
  ClientStore& store = account_.store();
  for (detail::TransferOutcome& outcome : transfers_->take_outcomes()) {
    const bool up = outcome.direction == Direction::kUp;
    if (outcome.error && outcome.error->kind == ClientErrorKind::kTransport) {
      // Resumable. It goes on at once on a new connection while it gets anywhere; otherwise the
      // next flush or receive() tries again.
      if (up) {
        auto pointer = uploaded_pointer(outcome.peer, outcome.message_id, outcome.started_at);
        if (!pointer.ok()) return fail(pointer.error());
        uploaded = uploaded || pointer->has_value();
      } else {
        // A cut can come before an attempt stores anything (right after the login, or while the
        // first chunk is on its way): a few such attempts in a row are tried again at once too.
        int& fruitless = fruitless_downloads_[{outcome.peer, outcome.message_id}];
        fruitless = outcome.progressed ? 0 : fruitless + 1;
        if (fruitless < kMaxFruitlessDownloadAttempts) {
          HUSH_TRY(start_download(outcome.peer, outcome.message_id));
          connect_transfers();
        } else {
          fruitless_downloads_.erase({outcome.peer, outcome.message_id});
        }
      }
      continue;
    }
    if (!up) fruitless_downloads_.erase({outcome.peer, outcome.message_id});
    auto transaction = store.transaction();
    auto found = detail::get_attachment(transaction, up, outcome.peer, outcome.message_id);
    if (!found.ok()) return fail(ClientError::store(found.error()));
    if (!*found) continue;  // deleted for everyone meanwhile
    wire::client_store::AttachmentRecord& record = **found;
    std::error_code ignored;
    if (up) {
      if (outcome.error) {
        // Never completes: the message fails with the reason at the next flush.
        failed_uploads_.insert_or_assign({outcome.peer, outcome.message_id}, *outcome.error);
        (void)detail::put_attachment(transaction, true, outcome.peer, outcome.message_id, TransferState::kFailed,
                                     outcome.error->detail, record);
      } else {
        std::filesystem::remove(record.staging_path(), ignored);
        record.clear_staging_path();
        (void)detail::put_attachment(transaction, true, outcome.peer, outcome.message_id, TransferState::kDone, "",
                                     record);
      }
      uploaded = true;
    } else if (outcome.error) {
      (void)detail::put_attachment(transaction, false, outcome.peer, outcome.message_id, TransferState::kFailed,
                                   outcome.error->detail, record);
    } else {
      record.set_path(outcome.path.string());
      record.set_plaintext_sha256(std::string(outcome.plaintext_sha256.begin(), outcome.plaintext_sha256.end()));
      (void)detail::put_attachment(transaction, false, outcome.peer, outcome.message_id, TransferState::kDone, "",
                                   record);
    }
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    if (!up) {
      auto stored = find_message(false, outcome.peer, outcome.message_id);
      if (!stored.ok()) return fail(stored.error());
      if (*stored) {
        (*stored)->update = true;
        later_.push_back(std::move(**stored));
      }
    }
  }
  return uploaded;
}

Result<void, ClientError> Messenger::wait_a_moment(std::chrono::steady_clock::time_point& last_ping) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ping >= kTransferKeepAlive) {
    last_ping = now;
    api::Request ping;
    ping.mutable_ping();
    HUSH_TRY(call(std::move(ping)));
  }
  (void)transfers_->wait_for_outcome(kTransferPollSlice);
  return {};
}

Result<void, ClientError> Messenger::settle_and_send() {
  auto settled = settle_transfers();
  if (!settled.ok()) return fail(settled.error());
  if (*settled) HUSH_TRY(flush_outbox());
  return {};
}

Result<void, ClientError> Messenger::wait_for_upload(const std::string& recipient, ByteView id,
                                                     const TransferProgress& progress) {
  const Bytes message_id(id.begin(), id.end());
  auto last_ping = std::chrono::steady_clock::now();
  auto report = [&] {
    auto now = transfers_ ? transfers_->take_progress() : std::nullopt;
    if (progress && now && now->direction == Direction::kUp && now->peer == recipient &&
        now->message_id == message_id) {
      progress(now->done, now->total);
    }
  };
  while (transfers_ && transfers_->has_job(Direction::kUp, recipient, id)) {
    HUSH_TRY(wait_a_moment(last_ping));
    report();
    HUSH_TRY(settle_and_send());
  }
  report();
  return settle_and_send();  // the outcome of a job that ended after the last look
}

Result<void, ClientError> Messenger::finish_transfers() {
  if (!account_.connected()) return fail(ClientError::not_connected());
  auto last_ping = std::chrono::steady_clock::now();
  while (transferring()) {
    HUSH_TRY(wait_a_moment(last_ping));
    HUSH_TRY(settle_and_send());
  }
  return settle_and_send();
}

Result<std::size_t, ClientError> Messenger::expire_messages() {
  detail::ExpiredMessages expired;
  {
    auto transaction = account_.store().transaction();
    auto erased = detail::erase_expired(transaction, account_.now_ms());
    if (!erased.ok()) return fail(ClientError::store(erased.error()));
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    expired = std::move(*erased);
  }
  // After the commit: a crash in between leaves a file no row names, never a row without its file.
  std::error_code ignored;
  for (const auto& file : expired.files) std::filesystem::remove(file, ignored);
  return expired.count;
}

std::filesystem::path Messenger::attachments_folder() const {
  return account_.home() / "attachments";
}

}  // namespace hush::client
