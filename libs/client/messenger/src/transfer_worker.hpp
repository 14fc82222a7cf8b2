// TransferWorker: moves attachment blobs to and from the server on a thread and a connection of
// their own (Account::open_transfer_connection: a transfers-only login of this device), so that a
// large file never holds up a message — neither in the messenger's thread nor on the wire, where a
// text would otherwise queue behind a window of chunks. It knows staging files, media ids and
// offsets; it never touches the store: the messenger records what it reports (transfer.cpp).
//
// Jobs run one at a time, in submission order. A job whose connection fails ends with a kTransport
// outcome that says how far it got (`progressed`); the messenger decides whether to resume it on a
// new connection. Thread-safe; the messenger is its only user.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hush/base/bytes.hpp"
#include "hush/client/account/client_error.hpp"
#include "hush/client/transport/server_connection.hpp"

namespace hush::client::detail {

// How long the transfer connection waits for one chunk's answer before it is taken for stalled
// (dropped, and the transfer resumed on a new one when it got anywhere): 5 s is a 15 KiB chunk at
// 24 kbit/s, below which media are impractical anyway; half the 10 s a message request may take.
inline constexpr std::chrono::milliseconds kTransferRequestTimeout{5000};

struct TransferJob {
  enum class Direction { kUp, kDown };
  Direction direction = Direction::kUp;
  // Names the attachment: which message of which conversation (outgoing for kUp).
  std::string peer;
  Bytes message_id;
  std::string media_id;
  std::filesystem::path staging;  // the encrypted blob: read (kUp) or appended to (kDown)
  std::uint64_t total = 0;        // blob bytes
  std::uint64_t committed = 0;    // kUp: the server's committed offset to go on from
  std::string digest;             // the blob's SHA-256 (kUp: sent with FinishUpload; kDown: checked)
  // kDown: how the blob is opened once complete, and where the plaintext goes.
  std::string key;  // 64 bytes; wiped with the job
  std::uint64_t plaintext_size = 0;
  std::filesystem::path out_folder;  // the attachments folder
  std::string out_name;              // a safe file name; "-N" is added before the extension when taken

  TransferJob() = default;
  TransferJob(const TransferJob&) = default;
  TransferJob& operator=(const TransferJob&) = default;
  ~TransferJob();
};

struct TransferOutcome {
  TransferJob::Direction direction = TransferJob::Direction::kUp;
  std::string peer;
  Bytes message_id;
  // nullopt: done. kTransport: the connection failed or the server asked to come back later (the
  // blob is resumable). Anything else: the transfer will never complete ("unknown_media",
  // "digest_mismatch", ...).
  std::optional<ClientError> error;
  bool progressed = false;       // bytes were committed (kUp, as far as answers came) or stored (kDown)
  std::uint64_t started_at = 0;  // the offset the attempt started from
  // kDown, when done: the decrypted file and its plaintext's SHA-256.
  std::filesystem::path path;
  Bytes plaintext_sha256;
};

// How far the running job has come, in blob bytes.
struct TransferProgressNow {
  TransferJob::Direction direction = TransferJob::Direction::kUp;
  std::string peer;
  Bytes message_id;
  std::uint64_t done = 0;
  std::uint64_t total = 0;
};

class TransferWorker {
 public:
  TransferWorker();
  // Stops the running job at its next chunk and joins the thread; queued jobs are dropped (their
  // blobs resume next time).
  ~TransferWorker();
  TransferWorker(const TransferWorker&) = delete;
  TransferWorker& operator=(const TransferWorker&) = delete;

  // Queues `job`. It waits for a connection (set_connection) if the worker has none.
  void submit(TransferJob job);
  // The connection jobs run on, replacing a failed one.
  void set_connection(std::unique_ptr<ServerConnection> connection);
  // Ends every queued job with `error` (no connection could be opened for them).
  void fail_queued(const ClientError& error);

  // Whether the attachment (direction, peer, message) is queued or running.
  bool has_job(TransferJob::Direction direction, const std::string& peer, ByteView message_id) const;
  // Whether a job in `direction` is queued or running.
  bool busy(TransferJob::Direction direction) const;
  // Whether jobs wait for a connection the worker does not have.
  bool needs_connection() const;
  bool idle() const;
  // The outcomes since the last call, in completion order.
  std::vector<TransferOutcome> take_outcomes();
  // Waits until an outcome is ready or `timeout` passes; true when one is.
  bool wait_for_outcome(std::chrono::milliseconds timeout);
  // How far the running job (or the last one) has come, when that changed since the last call.
  std::optional<TransferProgressNow> take_progress();

 private:
  void run();
  TransferOutcome execute(TransferJob& job, ServerConnection& connection);
  TransferOutcome upload(TransferJob& job, ServerConnection& connection);
  TransferOutcome download(TransferJob& job, ServerConnection& connection);
  void report_progress(std::uint64_t done);
  // Sleeps `length` (a server's retry_after_ms), or until the worker stops.
  void pause(std::chrono::milliseconds length);
  bool stopping() const;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<TransferJob> queue_;
  std::optional<TransferJob> running_;
  std::unique_ptr<ServerConnection> connection_;
  std::vector<TransferOutcome> outcomes_;
  std::optional<TransferProgressNow> progress_;
  bool progress_changed_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace hush::client::detail
