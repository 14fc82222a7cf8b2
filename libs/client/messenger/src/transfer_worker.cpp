// TransferWorker: one thread running transfer jobs over one transfers-only connection. An upload
// goes from the server's committed offset with a window of chunks in flight, so that the rate is
// not one round trip per chunk; a download appends to a staging file that resumes from its own
// length and is checked (size, digest, MAC) in full before anything is decrypted. Memory use does
// not depend on the file's size.
#include "transfer_worker.hpp"

#include <sodium.h>

#include <algorithm>
#include <fstream>
#include <system_error>

#include "hush/client/attachment/attachment_cipher.hpp"
#include "hush/wire/frame_codec.hpp"
#include "server_status.hpp"

namespace hush::client::detail {

namespace api = wire::api;

namespace {

// Chunks in flight during a transfer: 32 x 15 KiB keeps a loopback or LAN link busy while the
// server syncs each chunk; well under ServerConnection::kMaxStartedRequests.
constexpr std::size_t kTransferWindow = 32;
// Times one transfer may pause for the server's media rate limit (retry_after_ms) before it gives
// up for now (kTransport: the message stays queued, the download pending). Each pause is at least a
// millisecond and a 2 GiB file is 140,000 chunks: 10,000 pauses let a transfer at several times a
// server's chunk rate finish, while a server that refuses everything ends it within seconds.
constexpr int kMaxTransferPauses = 10000;
// FinishUpload reads the whole blob back to check its digest: 2 GiB takes seconds, longer than a
// chunk's answer may (the connection's request_timeout).
constexpr std::chrono::milliseconds kFinishUploadTimeout{60000};
// Silence, with chunks in flight, after which the worker pings the transfer connection: a healthy
// link at 24 kbit/s answers a 15 KiB chunk in 5 s, so a Ping after 1 s costs one small frame on a
// slow link and finds a one-sided cut within about a second.
constexpr std::chrono::milliseconds kStallProbeAfter{1000};

// A LIMIT_EXCEEDED that says when to come back (media_chunks_per_second).
std::uint64_t file_size_or_zero(const std::filesystem::path& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? 0 : size;
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
  // The answer to the oldest request still in flight (there must be one), within `timeout`; after
  // kStallProbeAfter of silence a Ping checks that the connection is alive (wait_alive).
  Result<api::Response, ClientError> next(std::chrono::milliseconds timeout) {
    auto response = connection_.wait_alive(started_.front(), timeout, kStallProbeAfter);
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

// `folder/name`, or `folder/stem-N.ext` for the first N that does not exist yet. Only the worker
// creates files in the attachments folder, so the name is still free when the file is written.
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

}  // namespace

TransferJob::~TransferJob() {
  if (!key.empty()) sodium_memzero(key.data(), key.size());
}

TransferWorker::TransferWorker() : thread_([this] { run(); }) {}

TransferWorker::~TransferWorker() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void TransferWorker::submit(TransferJob job) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
  }
  changed_.notify_all();
}

void TransferWorker::set_connection(std::unique_ptr<ServerConnection> connection) {
  {
    std::lock_guard lock(mutex_);
    if (connection_ != nullptr) return;  // the running job's connection is never swapped under it
    connection_ = std::move(connection);
  }
  changed_.notify_all();
}

void TransferWorker::fail_queued(const ClientError& error) {
  {
    std::lock_guard lock(mutex_);
    for (const TransferJob& job : queue_) {
      TransferOutcome outcome;
      outcome.direction = job.direction;
      outcome.peer = job.peer;
      outcome.message_id = job.message_id;
      outcome.error = error;
      outcomes_.push_back(std::move(outcome));
    }
    queue_.clear();
  }
  changed_.notify_all();
}

bool TransferWorker::has_job(TransferJob::Direction direction, const std::string& peer, ByteView message_id) const {
  auto same = [&](const TransferJob& job) {
    return job.direction == direction && job.peer == peer &&
           std::equal(job.message_id.begin(), job.message_id.end(), message_id.begin(), message_id.end());
  };
  std::lock_guard lock(mutex_);
  if (running_ && same(*running_)) return true;
  return std::any_of(queue_.begin(), queue_.end(), same);
}

bool TransferWorker::busy(TransferJob::Direction direction) const {
  std::lock_guard lock(mutex_);
  if (running_ && running_->direction == direction) return true;
  return std::any_of(queue_.begin(), queue_.end(), [&](const TransferJob& job) { return job.direction == direction; });
}

bool TransferWorker::needs_connection() const {
  std::lock_guard lock(mutex_);
  return connection_ == nullptr && !queue_.empty();
}

bool TransferWorker::idle() const {
  std::lock_guard lock(mutex_);
  return queue_.empty() && !running_;
}

std::vector<TransferOutcome> TransferWorker::take_outcomes() {
  std::lock_guard lock(mutex_);
  return std::exchange(outcomes_, {});
}

bool TransferWorker::wait_for_outcome(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return !outcomes_.empty(); });
}

std::optional<TransferProgressNow> TransferWorker::take_progress() {
  std::lock_guard lock(mutex_);
  if (!progress_changed_) return std::nullopt;
  progress_changed_ = false;
  return progress_;
}

bool TransferWorker::stopping() const {
  std::lock_guard lock(mutex_);
  return stop_;
}

void TransferWorker::pause(std::chrono::milliseconds length) {
  const auto until = std::chrono::steady_clock::now() + length;
  std::unique_lock lock(mutex_);
  changed_.wait_until(lock, until, [this] { return stop_; });
}

void TransferWorker::report_progress(std::uint64_t done) {
  std::lock_guard lock(mutex_);
  if (progress_) progress_->done = done;
  progress_changed_ = true;
}

void TransferWorker::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stop_ || (!queue_.empty() && connection_ != nullptr); });
    if (stop_) return;
    running_ = std::move(queue_.front());
    queue_.pop_front();
    progress_ = TransferProgressNow{running_->direction, running_->peer, running_->message_id, running_->committed,
                                    running_->total};
    progress_changed_ = true;
    ServerConnection& connection = *connection_;
    lock.unlock();
    TransferOutcome outcome = execute(*running_, connection);
    // A connection that failed a job is not trusted with the next: a request that timed out
    // leaves it open but stalled (a censor's reset that reached only the server, a dead path).
    // The messenger opens the next one.
    const bool discard = connection.closed() || (outcome.error && outcome.error->kind == ClientErrorKind::kTransport);
    if (discard) connection.abort();  // no close handshake on a stalled connection
    lock.lock();
    if (discard) connection_.reset();
    running_.reset();  // progress_ keeps the job's last figure until taken
    outcomes_.push_back(std::move(outcome));
    changed_.notify_all();
  }
}

TransferOutcome TransferWorker::execute(TransferJob& job, ServerConnection& connection) {
  TransferOutcome outcome =
      job.direction == TransferJob::Direction::kUp ? upload(job, connection) : download(job, connection);
  outcome.direction = job.direction;
  outcome.peer = job.peer;
  outcome.message_id = job.message_id;
  outcome.started_at = job.committed;
  return outcome;
}

TransferOutcome TransferWorker::upload(TransferJob& job, ServerConnection& connection) {
  TransferOutcome outcome;
  std::ifstream blob(job.staging, std::ios::binary);
  if (!blob || file_size_or_zero(job.staging) != job.total) {
    outcome.error = ClientError::server("staging_missing");
    return outcome;
  }
  const std::uint64_t started_at = job.committed;
  std::uint64_t committed = job.committed;
  std::uint64_t next = committed;
  blob.seekg(static_cast<std::streamoff>(next));
  Pipeline in_flight(connection);
  Bytes chunk(wire::kMediaChunkSize);
  int pauses = 0;
  auto end = [&](ClientError error) {
    outcome.error = std::move(error);
    outcome.progressed = committed > started_at;
    return outcome;
  };
  auto restart_at = [&](std::uint64_t offset) {
    next = offset;
    blob.clear();
    blob.seekg(static_cast<std::streamoff>(next));
  };
  bool finished = false;
  while (committed < job.total && !finished) {
    if (stopping()) {
      in_flight.drain();
      return end(ClientError{ClientErrorKind::kTransport, "stopped"});
    }
    while (in_flight.has_room() && next < job.total) {
      const std::size_t length = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), job.total - next));
      if (!blob.read(reinterpret_cast<char*>(chunk.data()), static_cast<std::streamsize>(length))) {
        in_flight.drain();
        return end(ClientError::server("staging_unreadable"));
      }
      api::Request append;
      append.mutable_append_chunk()->set_media_id(job.media_id);
      append.mutable_append_chunk()->set_offset(next);
      append.mutable_append_chunk()->set_data(reinterpret_cast<const char*>(chunk.data()), length);
      if (auto started = in_flight.start(std::move(append)); !started.ok()) return end(started.error());
      next += length;
    }
    auto response = in_flight.next(kTransferRequestTimeout);
    if (!response.ok()) return end(response.error());
    const api::Status& status = response->status();
    if (status.code() == api::Status::OK) {
      committed = response->upload_offset().committed();
      report_progress(committed);
      continue;
    }
    if (detail::asks_to_wait(status) && ++pauses <= kMaxTransferPauses) {
      // Over the server's chunk rate: the chunks behind this one fail too. Wait, then go on from
      // what is committed.
      in_flight.drain();
      pause(std::chrono::milliseconds(status.retry_after_ms()));
      restart_at(committed);
      continue;
    }
    if (status.code() != api::Status::CONFLICT || !response->has_upload_offset()) {
      in_flight.drain();
      return end(detail::status_failure(status));
    }
    // Out of step (a resend after a lost answer): drain, then go on from the server's offset.
    in_flight.drain();
    finished = response->upload_offset().finished();
    committed = response->upload_offset().committed();
    restart_at(committed);
  }
  if (!finished) {
    api::Request finish;
    finish.mutable_finish_upload()->set_media_id(job.media_id);
    finish.mutable_finish_upload()->set_sha256(job.digest);
    auto response = connection.call(std::move(finish), kFinishUploadTimeout);
    if (!response.ok()) return end(ClientError::transport(response.error()));
    if (response->status().code() != api::Status::OK) return end(detail::status_failure(response->status()));
  }
  outcome.progressed = true;
  return outcome;
}

TransferOutcome TransferWorker::download(TransferJob& job, ServerConnection& connection) {
  TransferOutcome outcome;
  std::error_code error;
  std::uint64_t offset = file_size_or_zero(job.staging);
  if (offset > job.total) {
    std::filesystem::remove(job.staging, error);
    offset = 0;
  }
  const std::uint64_t started_at = offset;
  auto end = [&](ClientError failure) {
    outcome.error = std::move(failure);
    outcome.progressed = offset > started_at;
    // A blob the server will never give whole is of no use: the next attempt starts clean.
    if (outcome.error->kind != ClientErrorKind::kTransport) std::filesystem::remove(job.staging, error);
    return outcome;
  };
  {
    std::ofstream blob(job.staging, std::ios::binary | std::ios::app);
    if (!blob) return end(ClientError{ClientErrorKind::kTransport, "staging_io"});
    std::filesystem::permissions(job.staging, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                 error);
    Pipeline in_flight(connection);
    std::uint64_t next = offset;
    int pauses = 0;
    while (offset < job.total) {
      if (stopping()) {
        in_flight.drain();
        return end(ClientError{ClientErrorKind::kTransport, "stopped"});
      }
      while (in_flight.has_room() && next < job.total) {
        const std::uint64_t length = std::min<std::uint64_t>(wire::kMediaChunkSize, job.total - next);
        api::Request read;
        read.mutable_read_media()->set_media_id(job.media_id);
        read.mutable_read_media()->set_offset(next);
        read.mutable_read_media()->set_length(static_cast<std::uint32_t>(length));
        if (auto started = in_flight.start(std::move(read)); !started.ok()) return end(started.error());
        next += length;
      }
      auto response = in_flight.next(kTransferRequestTimeout);
      if (!response.ok()) return end(response.error());
      const api::Status& status = response->status();
      if (detail::asks_to_wait(status) && ++pauses <= kMaxTransferPauses) {
        in_flight.drain();
        pause(std::chrono::milliseconds(status.retry_after_ms()));
        next = offset;
        continue;
      }
      if (status.code() != api::Status::OK) {
        in_flight.drain();
        blob.close();
        return end(detail::status_failure(status));
      }
      const api::MediaChunk& chunk = response->media_chunk();
      if (chunk.offset() != offset || chunk.data().empty() || chunk.total_size() != job.total ||
          chunk.data().size() > job.total - offset) {
        in_flight.drain();
        blob.close();
        return end(ClientError::server("size_mismatch"));
      }
      blob.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
      if (!blob) {
        in_flight.drain();
        return end(ClientError{ClientErrorKind::kTransport, "staging_io"});
      }
      offset += chunk.data().size();
      report_progress(offset);
    }
  }
  outcome.progressed = true;
  // Checked in full (size, digest, MAC) before a byte is decrypted.
  crypto::Sha256Digest digest{};
  if (job.digest.size() != digest.size()) return end(ClientError::server("digest_mismatch"));
  std::copy(job.digest.begin(), job.digest.end(), digest.begin());
  std::filesystem::create_directories(job.out_folder, error);
  std::filesystem::permissions(job.out_folder, std::filesystem::perms::owner_all, error);
  const std::filesystem::path out = unused_path(job.out_folder, job.out_name);
  auto decrypted = decrypt_file(job.staging, as_bytes(job.key), digest, job.plaintext_size, out);
  std::filesystem::remove(job.staging, error);
  if (!decrypted.ok()) {
    outcome.error = ClientError::server(to_string(decrypted.error()));
    return outcome;
  }
  outcome.path = out;
  outcome.plaintext_sha256.assign(decrypted->begin(), decrypted->end());
  return outcome;
}

}  // namespace hush::client::detail
