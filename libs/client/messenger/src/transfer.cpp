// Attachment transfer: an encrypted blob goes up from its staging file in chunks, resuming from the
// server's committed offset, with a window of chunks in flight so that the rate is not one round
// trip per chunk; it comes down the same way into a staging file that resumes from its own length,
// and is checked (size, digest, MAC) in full before anything is decrypted into the attachments
// folder. Memory use does not depend on the file's size.
#include <algorithm>
#include <deque>
#include <fstream>
#include <system_error>
#include <thread>

#include "hush/client/attachment/attachment_cipher.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "hush/wire/client_store.pb.h"
#include "hush/wire/frame_codec.hpp"
#include "message_table.hpp"

namespace hush::client {

namespace api = wire::api;
namespace content = wire::content;

namespace {

// Chunks in flight during a transfer: 32 x 15 KiB keeps a loopback or LAN link busy while the
// server syncs each chunk; well under ServerConnection::kMaxStartedRequests.
constexpr std::size_t kTransferWindow = 32;
// Times one transfer may pause for the server's media rate limit (retry_after_ms) before it gives
// up for now (kTransport: the message stays queued, the download pending). Each pause is at least a
// millisecond and a 2 GiB file is 140,000 chunks: 10,000 pauses let a transfer at several times a
// server's chunk rate finish, while a server that refuses everything ends it within seconds.
constexpr int kMaxTransferPauses = 10000;
// Longest file name kept from a sender, in bytes, before the extension is cut short.
constexpr std::size_t kMaxSavedNameSize = 100;

ClientError transfer_failure(std::string detail) {
  return ClientError{ClientErrorKind::kServer, std::move(detail)};
}

// A LIMIT_EXCEEDED that says when to come back (media_chunks_per_second).
bool asks_to_wait(const api::Status& status) {
  return status.code() == api::Status::LIMIT_EXCEEDED && status.retry_after_ms() > 0;
}

ClientError status_failure(const api::Status& status) {
  if (status.code() == api::Status::UNAVAILABLE || status.code() == api::Status::INTERNAL ||
      (status.code() == api::Status::LIMIT_EXCEEDED && status.retry_after_ms() > 0)) {
    return ClientError{ClientErrorKind::kTransport, status.reason().empty() ? "unavailable" : status.reason()};
  }
  return ClientError::server(status.reason().empty() ? api::Status::Code_Name(status.code()) : status.reason());
}

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

// `folder/name`, or `folder/stem-N.ext` for the first N that does not exist yet.
std::filesystem::path unused_path(const std::filesystem::path& folder, const std::string& name) {
  std::error_code error;
  std::filesystem::path candidate = folder / name;
  const std::string stem = std::filesystem::path(name).stem().string();
  const std::string extension = std::filesystem::path(name).extension().string();
  for (int n = 1; std::filesystem::exists(candidate, error); ++n) {
    candidate = folder / (stem + "-" + std::to_string(n) + extension);
  }
  return candidate;
}

// Requests in flight on one connection, whose answers are taken in the order they were started.
class Pipeline {
 public:
  explicit Pipeline(ServerConnection& connection) : connection_(connection) {}
  bool has_room() const { return started_.size() < kTransferWindow; }
  Result<void, ClientError> start(api::Request request) {
    auto id = connection_.start(std::move(request));
    if (!id.ok()) return fail(ClientError::transport(id.error()));
    started_.push_back(*id);
    return {};
  }
  // The answer to the oldest request still in flight (there must be one).
  Result<api::Response, ClientError> next() {
    auto response = connection_.wait(started_.front());
    started_.pop_front();
    if (!response.ok()) return fail(ClientError::transport(response.error()));
    return std::move(*response);
  }
  // Takes and drops every answer still due (after a refusal the requests behind it fail too).
  void drain() {
    for (const std::uint64_t id : started_) (void)connection_.wait(id);
    started_.clear();
  }

 private:
  ServerConnection& connection_;
  std::deque<std::uint64_t> started_;
};

std::uint64_t file_size_or_zero(const std::filesystem::path& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : size;
}

}  // namespace

Result<content::AttachmentPointer, ClientError> Messenger::upload_attachment(const std::string& recipient, ByteView id,
                                                                             const TransferProgress& progress) {
  ClientStore& store = account_.store();
  auto save = [&](const wire::client_store::AttachmentRecord& record, TransferState state,
                  std::string_view failure) -> Result<void, ClientError> {
    auto transaction = store.transaction();
    (void)detail::put_attachment(transaction, true, recipient, id, state, failure, record);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    return {};
  };
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
  const std::uint64_t total = record.blob_size();
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
    create.mutable_create_upload()->set_size(total);
    auto response = connection.call(std::move(create));
    if (!response.ok()) return fail(ClientError::transport(response.error()));
    if (response->status().code() != api::Status::OK) return fail(status_failure(response->status()));
    pointer.set_id(response->upload_created().media_id());
    HUSH_TRY(save(record, TransferState::kPending, ""));  // a crash from here on resumes this upload
  }

  if (!finished) {
    std::ifstream blob(record.staging_path(), std::ios::binary);
    if (!blob || file_size_or_zero(record.staging_path()) != total) return fail(transfer_failure("staging_missing"));
    std::uint64_t next = committed;
    blob.seekg(static_cast<std::streamoff>(next));
    Pipeline in_flight(connection);
    Bytes chunk(wire::kMediaChunkSize);
    int pauses = 0;
    while (committed < total) {
      while (in_flight.has_room() && next < total) {
        const std::size_t length = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), total - next));
        if (!blob.read(reinterpret_cast<char*>(chunk.data()), static_cast<std::streamsize>(length))) {
          return fail(transfer_failure("staging_unreadable"));
        }
        api::Request append;
        append.mutable_append_chunk()->set_media_id(pointer.id());
        append.mutable_append_chunk()->set_offset(next);
        append.mutable_append_chunk()->set_data(reinterpret_cast<const char*>(chunk.data()), length);
        HUSH_TRY(in_flight.start(std::move(append)));
        next += length;
      }
      auto response = in_flight.next();
      if (!response.ok()) return fail(response.error());
      if (response->status().code() == api::Status::OK) {
        committed = response->upload_offset().committed();
        if (progress) progress(committed, total);
        continue;
      }
      if (asks_to_wait(response->status()) && ++pauses <= kMaxTransferPauses) {
        // Over the server's chunk rate: the chunks behind this one fail too. Wait, then go on
        // from what is committed.
        in_flight.drain();
        std::this_thread::sleep_for(std::chrono::milliseconds(response->status().retry_after_ms()));
        next = committed;
        blob.clear();
        blob.seekg(static_cast<std::streamoff>(next));
        continue;
      }
      if (response->status().code() != api::Status::CONFLICT || !response->has_upload_offset()) {
        return fail(status_failure(response->status()));
      }
      // Out of step (a resend after a lost answer): drain, then go on from the server's offset.
      in_flight.drain();
      if (response->upload_offset().finished()) break;
      committed = response->upload_offset().committed();
      next = committed;
      blob.clear();
      blob.seekg(static_cast<std::streamoff>(next));
    }
    api::Request finish;
    finish.mutable_finish_upload()->set_media_id(pointer.id());
    finish.mutable_finish_upload()->set_sha256(pointer.digest());
    auto response = connection.call(std::move(finish));
    if (!response.ok()) return fail(ClientError::transport(response.error()));
    if (response->status().code() != api::Status::OK) return fail(status_failure(response->status()));
  }
  std::error_code ignored;
  std::filesystem::remove(record.staging_path(), ignored);
  record.clear_staging_path();
  HUSH_TRY(save(record, TransferState::kDone, ""));
  return pointer;
}

Result<void, ClientError> Messenger::download_attachment(const std::string& peer, ByteView id,
                                                         const TransferProgress& progress) {
  ClientStore& store = account_.store();
  wire::client_store::AttachmentRecord record;
  {
    auto transaction = store.transaction();
    auto found = detail::get_attachment(transaction, false, peer, id);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    if (!found.ok()) return fail(ClientError::store(found.error()));
    if (!*found) return {};
    record = std::move(**found);
  }
  auto save = [&](TransferState state, std::string_view failure) -> Result<void, ClientError> {
    auto transaction = store.transaction();
    (void)detail::put_attachment(transaction, false, peer, id, state, failure, record);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    return {};
  };
  const content::AttachmentPointer& pointer = record.pointer();
  const std::uint64_t total = record.blob_size();
  std::error_code error;
  const std::filesystem::path staging_folder = account_.home() / "staging";
  std::filesystem::create_directories(staging_folder, error);
  std::filesystem::permissions(staging_folder, std::filesystem::perms::owner_all, error);
  const std::filesystem::path staging = staging_folder / (to_hex(id) + ".download");

  std::uint64_t offset = file_size_or_zero(staging);
  if (offset > total) {
    std::filesystem::remove(staging, error);
    offset = 0;
  }
  {
    std::ofstream blob(staging, std::ios::binary | std::ios::app);
    if (!blob) return fail(ClientError{ClientErrorKind::kStore, "io"});
    std::filesystem::permissions(staging, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 error);
    ServerConnection& connection = account_.connection();
    Pipeline in_flight(connection);
    std::uint64_t next = offset;
    int pauses = 0;
    while (offset < total) {
      while (in_flight.has_room() && next < total) {
        const std::uint64_t length = std::min<std::uint64_t>(wire::kMediaChunkSize, total - next);
        api::Request read;
        read.mutable_read_media()->set_media_id(pointer.id());
        read.mutable_read_media()->set_offset(next);
        read.mutable_read_media()->set_length(static_cast<std::uint32_t>(length));
        HUSH_TRY(in_flight.start(std::move(read)));
        next += length;
      }
      auto response = in_flight.next();
      if (!response.ok()) return fail(response.error());
      const api::Status& status = response->status();
      if (asks_to_wait(status) && ++pauses <= kMaxTransferPauses) {
        in_flight.drain();
        std::this_thread::sleep_for(std::chrono::milliseconds(status.retry_after_ms()));
        next = offset;
        continue;
      }
      if (status.code() != api::Status::OK) {
        const ClientError failure = status_failure(status);
        if (failure.kind == ClientErrorKind::kTransport) return fail(failure);
        in_flight.drain();
        blob.close();
        std::filesystem::remove(staging, error);
        HUSH_TRY(save(TransferState::kFailed, failure.detail));
        return {};
      }
      const api::MediaChunk& chunk = response->media_chunk();
      if (chunk.offset() != offset || chunk.data().empty() || chunk.total_size() != total ||
          chunk.data().size() > total - offset) {
        in_flight.drain();
        blob.close();
        std::filesystem::remove(staging, error);
        HUSH_TRY(save(TransferState::kFailed, "size_mismatch"));
        return {};
      }
      blob.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
      if (!blob) return fail(ClientError{ClientErrorKind::kStore, "io"});
      offset += chunk.data().size();
      if (progress) progress(offset, total);
    }
  }
  // Checked in full (size, digest, MAC) before a byte is decrypted.
  const std::filesystem::path folder = attachments_folder();
  std::filesystem::create_directories(folder, error);
  std::filesystem::permissions(folder, std::filesystem::perms::owner_all, error);
  const std::filesystem::path out = unused_path(folder, safe_file_name(pointer.file_name(), id));
  crypto::Sha256Digest digest{};
  std::copy(pointer.digest().begin(), pointer.digest().end(), digest.begin());
  auto decrypted = decrypt_file(staging, as_bytes(pointer.key()), digest, pointer.size(), out);
  std::filesystem::remove(staging, error);
  if (!decrypted.ok()) return save(TransferState::kFailed, to_string(decrypted.error()));
  record.set_path(out.string());
  record.set_plaintext_sha256(std::string(decrypted->begin(), decrypted->end()));
  return save(TransferState::kDone, "");
}

Result<void, ClientError> Messenger::download_pending(const ReceiveOptions& options) {
  std::vector<std::pair<std::string, Bytes>> pending;
  {
    auto transaction = account_.store().transaction();
    auto found = detail::pending_downloads(transaction);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    if (!found.ok()) return fail(ClientError::store(found.error()));
    pending = std::move(*found);
  }
  for (const auto& [peer, id] : pending) HUSH_TRY(download_attachment(peer, id, options.progress));
  return {};
}

std::filesystem::path Messenger::attachments_folder() const {
  return account_.home() / "attachments";
}

}  // namespace hush::client
