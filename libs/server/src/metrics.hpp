// Server counters for Prometheus (GET /metrics on the server's own port) and their rendering in the
// text exposition format. Owns counts only: never usernames, addresses, ids or contents, so the
// page can be shown to an operator without revealing who talks to whom. Not the HTTP serving
// (connection.cpp) nor who may read the page (Options::metrics_loopback_only).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hush/wire/api.pb.h"

namespace hush::server {

namespace api = wire::api;

// Thread safety: every method may be called from any thread; counters are relaxed atomics (a
// scrape may see one counter a little ahead of another, never a torn value).
class Metrics {
 public:
  // What a request's answer adds to the counters, taken from the request before it is handled.
  struct RequestInfo {
    int kind = 0;                    // api::Request::BodyCase (the body's field number)
    std::uint64_t acknowledged = 0;  // sequences in an Acknowledge
    std::uint64_t chunk_bytes = 0;   // data bytes in an AppendChunk
  };
  static RequestInfo describe(const api::Request& request);

  // Counts one answered request under its kind and status code; a successful Acknowledge adds its
  // sequences to envelopes acknowledged, a successful AppendChunk its bytes to media stored, and a
  // "storage_unavailable" answer one storage error.
  void count_response(const RequestInfo& request, const api::Status& status);

  // Counts a closed connection under `reason` (a Push.closing reason or a reason of
  // connection_closed log lines); reasons outside kCloseReasons count as "other".
  void count_close(std::string_view reason);

  // One group commit of `envelopes`: its size goes into the batch-size histogram.
  void count_commit_batch(std::size_t envelopes);

  // Which storage call failed, for hushd_storage_errors_total{operation}.
  enum class StorageOperation { kRequest, kCommit, kDelivery, kHealth, kCount };
  void count_storage_error(StorageOperation operation);

  // Plain counters, incremented by the code that sees the event.
  std::atomic<std::uint64_t> connections_total{0};         // accepted TCP connections
  std::atomic<std::int64_t> connections_authenticated{0};  // gauge: logged-in connections open now
  std::atomic<std::uint64_t> frames_in{0};                 // WebSocket messages read
  std::atomic<std::uint64_t> frames_out{0};                // WebSocket messages written
  std::atomic<std::uint64_t> envelopes_stored{0};          // newly stored (durable) envelopes
  std::atomic<std::uint64_t> envelopes_duplicate{0};       // resends of an id already stored
  std::atomic<std::uint64_t> envelopes_delivered{0};       // envelopes pushed to a connected device
  std::atomic<std::uint64_t> envelopes_expired{0};         // removed undelivered by the sweeper
  std::atomic<std::uint64_t> http_requests{0};             // plain HTTPS requests (/metrics, /health, ...)

  // The names closes are counted under, in the order they are rendered.
  static constexpr std::array<std::string_view, 15> kCloseReasons = {"peer_closed",
                                                                     "tls_handshake_failed",
                                                                     "websocket_handshake_failed",
                                                                     "malformed_frame",
                                                                     "frame_too_large",
                                                                     "unexpected_frame",
                                                                     "idle_timeout",
                                                                     "slow_consumer",
                                                                     "service_restart",
                                                                     "device_removed",
                                                                     "connections_per_ip",
                                                                     "http_served",
                                                                     "http_forbidden",
                                                                     "bug",
                                                                     "other"};

  // The whole page in the text exposition format (version 0.0.4). `connections_open` comes from
  // the connection tracker (the one place that knows it exactly).
  std::string render(std::size_t connections_open) const;

 private:
  // Request kinds are field numbers of Request.body (10..24 today); room for growth.
  static constexpr std::size_t kMaxKinds = 64;
  static constexpr std::size_t kCodes = api::Status::Code_ARRAYSIZE;
  // Batch-size histogram bounds (envelopes); the last bucket is +Inf.
  static constexpr std::array<std::uint64_t, 8> kBatchBounds = {1, 2, 4, 16, 64, 256, 1024, 4096};

  std::array<std::array<std::atomic<std::uint64_t>, kCodes>, kMaxKinds> requests_{};
  std::array<std::atomic<std::uint64_t>, kCloseReasons.size()> closes_{};
  std::array<std::atomic<std::uint64_t>, kBatchBounds.size() + 1> batch_buckets_{};
  std::atomic<std::uint64_t> batch_count_{0};
  std::atomic<std::uint64_t> batch_envelopes_{0};
  std::atomic<std::uint64_t> envelopes_acknowledged_{0};
  std::atomic<std::uint64_t> media_bytes_stored_{0};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(StorageOperation::kCount)> storage_errors_{};
};

}  // namespace hush::server
