// Metrics: counting with relaxed atomics, and the Prometheus text page. Label values are names
// from api.proto's descriptors and fixed lists here, never data from a client.
#include "metrics.hpp"

#include <algorithm>
#include <cctype>

namespace hush::server {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(std::to_string(value)).append("\n");
}

void single(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            std::uint64_t value) {
  header(out, name, type, help);
  sample(out, name, "", value);
}

constexpr std::array<std::string_view, 4> kStorageOperationNames = {"request", "commit", "delivery", "health"};

}  // namespace

Metrics::RequestInfo Metrics::describe(const api::Request& request) {
  RequestInfo info;
  info.kind = static_cast<int>(request.body_case());
  if (request.has_acknowledge()) info.acknowledged = static_cast<std::uint64_t>(request.acknowledge().sequences_size());
  if (request.has_append_chunk()) info.chunk_bytes = request.append_chunk().data().size();
  return info;
}

void Metrics::count_response(const RequestInfo& request, const api::Status& status) {
  const auto kind = static_cast<std::size_t>(std::clamp(request.kind, 0, static_cast<int>(kMaxKinds) - 1));
  const auto code =
      static_cast<std::size_t>(std::clamp(static_cast<int>(status.code()), 0, static_cast<int>(kCodes) - 1));
  requests_[kind][code].fetch_add(1, kRelaxed);
  if (status.code() == api::Status::OK) {
    envelopes_acknowledged_.fetch_add(request.acknowledged, kRelaxed);
    media_bytes_stored_.fetch_add(request.chunk_bytes, kRelaxed);
  } else if (status.reason() == "storage_unavailable") {
    count_storage_error(StorageOperation::kRequest);
  }
}

void Metrics::count_close(std::string_view reason) {
  const auto* found = std::find(kCloseReasons.begin(), kCloseReasons.end(), reason);
  if (found == kCloseReasons.end()) found = kCloseReasons.end() - 1;  // "other"
  closes_[static_cast<std::size_t>(found - kCloseReasons.begin())].fetch_add(1, kRelaxed);
}

void Metrics::count_commit_batch(std::size_t envelopes) {
  const auto* bucket = std::lower_bound(kBatchBounds.begin(), kBatchBounds.end(), envelopes);
  batch_buckets_[static_cast<std::size_t>(bucket - kBatchBounds.begin())].fetch_add(1, kRelaxed);
  batch_count_.fetch_add(1, kRelaxed);
  batch_envelopes_.fetch_add(envelopes, kRelaxed);
}

void Metrics::count_storage_error(StorageOperation operation) {
  storage_errors_[static_cast<std::size_t>(operation)].fetch_add(1, kRelaxed);
}

std::string Metrics::render(std::size_t connections_open) const {
  std::string out;
  out.reserve(8192);
  single(out, "hushd_connections_open", "gauge", "Connections open now (TLS accepted, not yet closed).",
         connections_open);
  single(out, "hushd_connections_total", "counter", "TCP connections accepted since start.",
         connections_total.load(kRelaxed));
  single(out, "hushd_connections_authenticated", "gauge", "Connections logged in as a device now.",
         static_cast<std::uint64_t>(std::max<std::int64_t>(0, connections_authenticated.load(kRelaxed))));
  single(out, "hushd_frames_in_total", "counter", "WebSocket frames read from clients.", frames_in.load(kRelaxed));
  single(out, "hushd_frames_out_total", "counter", "WebSocket frames written to clients.", frames_out.load(kRelaxed));

  header(out, "hushd_requests_total", "counter", "Requests answered, by request type and status code.");
  const google::protobuf::Descriptor* request_type = api::Request::descriptor();
  for (std::size_t kind = 0; kind < kMaxKinds; ++kind) {
    for (std::size_t code = 0; code < kCodes; ++code) {
      const std::uint64_t value = requests_[kind][code].load(kRelaxed);
      if (value == 0) continue;
      const auto* field = request_type->FindFieldByNumber(static_cast<int>(kind));
      const std::string type = field != nullptr ? field->name() : (kind == 0 ? "none" : "unknown");
      const std::string status = lower(api::Status::Code_Name(static_cast<api::Status::Code>(code)));
      sample(out, "hushd_requests_total", "type=\"" + type + "\",status=\"" + status + "\"", value);
    }
  }

  single(out, "hushd_envelopes_stored_total", "counter", "Envelopes newly stored (durable before the sender's answer).",
         envelopes_stored.load(kRelaxed));
  single(out, "hushd_envelopes_duplicate_total", "counter",
         "Envelopes resent with an id already stored (answered again, not stored twice).",
         envelopes_duplicate.load(kRelaxed));
  single(out, "hushd_envelopes_delivered_total", "counter", "Envelopes pushed to a connected device.",
         envelopes_delivered.load(kRelaxed));
  single(out, "hushd_envelopes_acknowledged_total", "counter",
         "Sequences acknowledged by devices in successful Acknowledge requests.",
         envelopes_acknowledged_.load(kRelaxed));
  single(out, "hushd_envelopes_expired_total", "counter", "Envelopes removed undelivered by the expiry sweep.",
         envelopes_expired.load(kRelaxed));
  single(out, "hushd_media_bytes_stored_total", "counter", "Media bytes appended by successful AppendChunk requests.",
         media_bytes_stored_.load(kRelaxed));

  header(out, "hushd_commit_batch_envelopes", "histogram",
         "Envelopes stored per group commit (one storage transaction and fsync each, with the "
         "acknowledgements gathered alongside; 0 for acknowledgements only).");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBatchBounds.size(); ++i) {
    cumulative += batch_buckets_[i].load(kRelaxed);
    sample(out, "hushd_commit_batch_envelopes_bucket", "le=\"" + std::to_string(kBatchBounds[i]) + "\"", cumulative);
  }
  cumulative += batch_buckets_[kBatchBounds.size()].load(kRelaxed);
  sample(out, "hushd_commit_batch_envelopes_bucket", "le=\"+Inf\"", cumulative);
  sample(out, "hushd_commit_batch_envelopes_sum", "", batch_envelopes_.load(kRelaxed));
  sample(out, "hushd_commit_batch_envelopes_count", "", cumulative);

  header(out, "hushd_storage_errors_total", "counter", "Storage calls that failed, by the operation that made them.");
  for (std::size_t i = 0; i < kStorageOperationNames.size(); ++i) {
    sample(out, "hushd_storage_errors_total", "operation=\"" + std::string(kStorageOperationNames[i]) + "\"",
           storage_errors_[i].load(kRelaxed));
  }

  header(out, "hushd_connections_closed_total", "counter", "Connections closed, by reason.");
  for (std::size_t i = 0; i < kCloseReasons.size(); ++i) {
    sample(out, "hushd_connections_closed_total", "reason=\"" + std::string(kCloseReasons[i]) + "\"",
           closes_[i].load(kRelaxed));
  }
  single(out, "hushd_http_requests_total", "counter", "Plain HTTPS requests (/metrics, /health, others).",
         http_requests.load(kRelaxed));
  return out;
}

}  // namespace hush::server
