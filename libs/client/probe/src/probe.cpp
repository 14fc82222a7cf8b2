// The probe's steps (probe.hpp): each endpoint's connection from its ConnectDiagnostics, the SNI
// control, then the account's steps through each endpoint that connected, logged in through that
// one alone. Media transfers resume across resets as the messenger's do (AppendChunk at the
// committed offset, ReadMedia at any), through the same endpoint.
#include "hush/client/probe/probe.hpp"

#include <algorithm>
#include <deque>
#include <thread>

#include "hush/client/transport/connect_failure.hpp"
#include "hush/crypto/hash.hpp"
#include "hush/wire/frame_codec.hpp"

namespace hush::client {

namespace api = wire::api;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

// Silence, with chunks in flight, after which the large transfer pings its connection: a reset
// that reached only the server is then found within about a second, not a step timeout.
constexpr std::chrono::milliseconds kStallProbeAfter{1000};

// Chunks in flight during a probe transfer: enough to fill a link with a few hundred ms of round
// trip (8 x 15 KiB), few enough that a cut loses little.
constexpr std::size_t kMediaWindow = 8;
constexpr std::size_t kMessageIdSize = 16;
// wire/api.proto OutgoingEnvelope.type: a SignalMessage.
constexpr std::uint32_t kSignalMessageType = 2;
constexpr std::uint64_t kBitsPerByte = 8;

milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

ProbeStep probe_step_of(ConnectStep step) {
  switch (step) {
    case ConnectStep::kNone:
    case ConnectStep::kResolve: return ProbeStep::kDns;
    case ConnectStep::kTcpConnect:
    case ConnectStep::kProxyHandshake: return ProbeStep::kTcpConnect;
    case ConnectStep::kTlsHandshake: return ProbeStep::kTlsHandshake;
    case ConnectStep::kWebSocketUpgrade:
    case ConnectStep::kChallenge: return ProbeStep::kWebSocketUpgrade;
  }
  return ProbeStep::kDns;
}

// The failure string of a TransportError when the connection had none to give.
std::string_view failure_of(TransportError error) {
  switch (error) {
    case TransportError::kResolveFailed: return failure::kDnsLookup;
    case TransportError::kCertificateRejected: return failure::kSslInvalidCertificate;
    case TransportError::kHandshakeFailed: return failure::kSslFailedHandshake;
    case TransportError::kNoChallenge: return failure::kWebSocketUpgradeFailed;
    case TransportError::kTimeout:
    case TransportError::kStalled: return failure::kReadWriteStall;
    case TransportError::kClosed: return failure::kEof;
    case TransportError::kProxyRefused: return failure::kProxyRefused;
    case TransportError::kProxyAuthFailed: return failure::kProxyAuthFailed;
    case TransportError::kProxyProtocol: return failure::kProxyProtocol;
    case TransportError::kTransportUnavailable: return failure::kTransportUnavailable;
    default: return failure::kUnknown;
  }
}

// The failure string of a failed request on `connection`: what closed it, or a stall.
std::string request_failure(const ServerConnection& connection, TransportError error) {
  if (error == TransportError::kTimeout) return std::string(failure::kReadWriteStall);
  if (!connection.failure().empty()) return connection.failure();
  return std::string(failure_of(error));
}

// The failure string of a failed log_in_through(), whose connection attempt `report` recorded: how
// the connection failed when it did not connect, else what the server or the connection said.
std::string login_failure(const ClientError& error, const ConnectReport& report) {
  if (error.kind == ClientErrorKind::kTransport && report.connected == 0 && !report.attempts.empty() &&
      report.attempts.back().error) {
    const EndpointAttempt& attempt = report.attempts.back();
    return attempt.diagnostics.failure.empty() ? std::string(failure_of(*attempt.error)) : attempt.diagnostics.failure;
  }
  if (error.kind == ClientErrorKind::kServer) return std::string(failure::kAuthenticationFailed);
  if (error.kind != ClientErrorKind::kTransport) return std::string(failure::kUnknown);
  for (const TransportError candidate :
       {TransportError::kTimeout, TransportError::kStalled, TransportError::kClosed, TransportError::kProtocol}) {
    if (error.detail == to_string(candidate)) return std::string(failure_of(candidate));
  }
  return std::string(failure::kUnknown);
}

// The connection's steps from what connect() recorded; `error` when it failed after `total`.
void add_connect_steps(EndpointReport& report, const ConnectDiagnostics& diagnostics,
                       const std::optional<TransportError>& error, milliseconds total) {
  std::array<std::optional<milliseconds>, kProbeStepCount> times{};
  for (std::size_t i = 0; i < kConnectStepCount; ++i) {
    if (!diagnostics.step_time[i]) continue;
    auto& time = times[static_cast<std::size_t>(probe_step_of(static_cast<ConnectStep>(i)))];
    time = time.value_or(milliseconds{0}) + *diagnostics.step_time[i];
  }
  const std::optional<ProbeStep> failed =
      error ? std::optional<ProbeStep>(probe_step_of(diagnostics.failed_step)) : std::nullopt;
  milliseconds before{0};
  for (const ProbeStep step :
       {ProbeStep::kDns, ProbeStep::kTcpConnect, ProbeStep::kTlsHandshake, ProbeStep::kWebSocketUpgrade}) {
    StepResult result;
    result.step = step;
    if (failed && *failed == step) {
      result.ok = false;
      result.elapsed = std::max(milliseconds{0}, total - before);
      result.failure = diagnostics.failure.empty() ? std::string(failure_of(*error)) : diagnostics.failure;
      report.steps.push_back(std::move(result));
      return;
    }
    result.ok = true;
    result.elapsed = times[static_cast<std::size_t>(step)].value_or(milliseconds{0});
    before += *result.elapsed;
    report.steps.push_back(std::move(result));
  }
}

// The account's steps on the connection it logged in on through endpoint number `endpoint`; after
// a cut it logs in again through that endpoint only, so the transfer stays on the path under test.
class AccountSteps {
 public:
  AccountSteps(Account& account, std::size_t endpoint, crypto::Rng& rng, const ProbeOptions& options)
      : account_(account), endpoint_(endpoint), rng_(rng), options_(options) {}

  StepResult message_round_trip() {
    StepResult result(ProbeStep::kMessageRoundTrip);
    const auto start = Clock::now();
    Bytes content(kProbeMessageSize);
    Bytes message_id(kMessageIdSize);
    rng_.fill(content);
    rng_.fill(message_id);
    api::Request request;
    auto* send = request.mutable_send();
    send->set_recipient(account_.username());
    send->set_message_id(std::string(message_id.begin(), message_id.end()));
    auto* envelope = send->add_envelopes();
    envelope->set_device_id(account_.device_id());
    envelope->set_type(kSignalMessageType);
    envelope->set_content(std::string(content.begin(), content.end()));
    ServerConnection& connection = account_.connection();
    auto response = connection.call(std::move(request), options_.step_timeout);
    result.elapsed = since(start);
    if (!response.ok()) {
      result.ok = false;
      result.failure = request_failure(connection, response.error());
      return result;
    }
    // A device is never a recipient of its own sends: hushd refuses the envelope as addressed to
    // an extra device, stores nothing, and says so.
    const auto& extra = response->send_result().extra_devices();
    const bool refused_as_expected = response->status().code() == api::Status::STALE_DEVICES &&
                                     std::find(extra.begin(), extra.end(), account_.device_id()) != extra.end();
    result.ok = refused_as_expected;
    if (!refused_as_expected) result.failure = std::string(failure::kUnknown);
    return result;
  }

  // Uploads `size` random bytes and reads them back, resuming across resets.
  StepResult media(ProbeStep step, std::size_t size) {
    StepResult result(step);
    result.bytes = size;
    const auto start = Clock::now();
    deadline_ = start + options_.media_timeout;
    resets_ = 0;
    segment_bytes_ = 0;
    cut_bytes_.clear();
    Bytes blob(size);
    rng_.fill(blob);
    auto outcome = transfer(blob);
    result.elapsed = since(start);
    result.resets = resets_;
    result.ok = outcome.empty();
    result.failure = outcome;
    return result;
  }

  // Media bytes moved up and down per second of the last media(), in kbit/s.
  static std::uint64_t kbps(std::uint64_t bytes, milliseconds elapsed) {
    return bytes * kBitsPerByte / static_cast<std::uint64_t>(std::max<std::int64_t>(1, elapsed.count()));
  }
  // The average bytes moved on each connection that was cut, nullopt without cuts.
  std::optional<std::uint64_t> bytes_before_reset() const {
    if (cut_bytes_.empty()) return std::nullopt;
    std::uint64_t total = 0;
    for (const std::uint64_t bytes : cut_bytes_) total += bytes;
    return total / cut_bytes_.size();
  }

 private:
  // "" when the blob went up, came back and matched; otherwise the failure string.
  std::string transfer(const Bytes& blob) {
    std::string media_id;
    std::string outcome = upload(blob, media_id);
    if (!outcome.empty()) return outcome;
    Bytes back;
    outcome = download(media_id, blob.size(), back);
    if (!outcome.empty()) return outcome;
    return back == blob ? "" : std::string(failure::kUnknown);
  }

  // After a failed request: "" when the connection was cut and the account is logged in again
  // through the same endpoint (the caller resumes), else the failure that ends the step.
  std::string recover(TransportError error) {
    ServerConnection& connection = account_.connection();
    const std::string why = request_failure(connection, error);
    // A request that times out is treated as a cut too: a censor's reset that reaches only the
    // server leaves the client waiting on a connection that is gone.
    if (error != TransportError::kClosed && error != TransportError::kStalled && error != TransportError::kTimeout) {
      return why;
    }
    ++resets_;
    cut_bytes_.push_back(segment_bytes_);
    segment_bytes_ = 0;
    if (resets_ > options_.max_resets) return why;
    while (Clock::now() < deadline_) {
      auto logged_in = account_.log_in_through(endpoint_);
      if (logged_in.ok()) return "";
      if (logged_in.error().kind != ClientErrorKind::kTransport) {
        return login_failure(logged_in.error(), account_.last_connect_report());
      }
    }
    return std::string(failure::kGenericTimeout);
  }

  bool expired() const { return Clock::now() >= deadline_; }

  // One request answered within the step timeout, recovering from cuts; the failure or "".
  std::string call(const api::Request& request, api::Response& response) {
    while (!expired()) {
      auto answer = account_.connection().call(request, options_.step_timeout);
      if (answer.ok()) {
        response = std::move(*answer);
        return "";
      }
      if (auto why = recover(answer.error()); !why.empty()) return why;
    }
    return std::string(failure::kGenericTimeout);
  }

  std::string upload(const Bytes& blob, std::string& media_id) {
    api::Request create;
    create.mutable_create_upload()->set_size(blob.size());
    api::Response created;
    if (auto why = call(create, created); !why.empty()) return why;
    if (created.status().code() != api::Status::OK) return std::string(failure::kUnknown);
    media_id = created.upload_created().media_id();
    std::uint64_t committed = 0;
    bool resumed = false;
    while (committed < blob.size()) {
      if (expired()) return std::string(failure::kGenericTimeout);
      if (resumed) {
        api::Request status;
        status.mutable_upload_status()->set_media_id(media_id);
        api::Response offset;
        if (auto why = call(status, offset); !why.empty()) return why;
        if (offset.status().code() != api::Status::OK) return std::string(failure::kUnknown);
        committed = offset.upload_offset().committed();
        resumed = false;
        continue;
      }
      ServerConnection& connection = account_.connection();
      std::deque<std::pair<std::uint64_t, std::size_t>> in_flight;  // request id, chunk length
      std::uint64_t next = committed;
      std::optional<TransportError> broken;
      bool out_of_step = false;
      while ((committed < blob.size() || !in_flight.empty()) && !broken && !out_of_step) {
        while (in_flight.size() < kMediaWindow && next < blob.size()) {
          const std::size_t length = std::min<std::size_t>(wire::kMediaChunkSize, blob.size() - next);
          api::Request append;
          append.mutable_append_chunk()->set_media_id(media_id);
          append.mutable_append_chunk()->set_offset(next);
          append.mutable_append_chunk()->set_data(reinterpret_cast<const char*>(blob.data() + next), length);
          auto id = connection.start(std::move(append));
          if (!id.ok()) {
            broken = id.error();
            break;
          }
          segment_bytes_ += length;
          in_flight.emplace_back(*id, length);
          next += length;
        }
        if (broken || in_flight.empty()) break;
        auto answer = connection.wait_alive(in_flight.front().first, options_.step_timeout, kStallProbeAfter);
        in_flight.pop_front();
        if (!answer.ok()) {
          broken = answer.error();
          break;
        }
        const api::Status& status = answer->status();
        if (status.code() == api::Status::OK) {
          committed = answer->upload_offset().committed();
        } else if (status.code() == api::Status::LIMIT_EXCEEDED && status.retry_after_ms() > 0) {
          std::this_thread::sleep_for(milliseconds(status.retry_after_ms()));
          out_of_step = true;
        } else if (status.code() == api::Status::CONFLICT && answer->has_upload_offset()) {
          out_of_step = true;
        } else {
          return std::string(failure::kUnknown);
        }
      }
      // A broken connection is given up at once: its answers will not come (a timed-out one would
      // make each wait below take the whole step timeout).
      if (broken) connection.abort();
      for (const auto& [id, length] : in_flight) (void)connection.wait(id, options_.step_timeout);
      if (broken) {
        if (auto why = recover(*broken); !why.empty()) return why;
      }
      if (broken || out_of_step) resumed = true;
    }
    api::Request finish;
    finish.mutable_finish_upload()->set_media_id(media_id);
    const auto digest = crypto::sha256(blob);
    finish.mutable_finish_upload()->set_sha256(std::string(digest.begin(), digest.end()));
    api::Response finished;
    if (auto why = call(finish, finished); !why.empty()) return why;
    return finished.status().code() == api::Status::OK ? "" : std::string(failure::kUnknown);
  }

  std::string download(const std::string& media_id, std::size_t size, Bytes& back) {
    back.clear();
    while (back.size() < size) {
      if (expired()) return std::string(failure::kGenericTimeout);
      ServerConnection& connection = account_.connection();
      std::deque<std::uint64_t> in_flight;
      std::uint64_t next = back.size();
      std::optional<TransportError> broken;
      while (back.size() < size && !broken) {
        while (in_flight.size() < kMediaWindow && next < size) {
          api::Request read;
          read.mutable_read_media()->set_media_id(media_id);
          read.mutable_read_media()->set_offset(next);
          read.mutable_read_media()->set_length(static_cast<std::uint32_t>(wire::kMediaChunkSize));
          auto id = connection.start(std::move(read));
          if (!id.ok()) {
            broken = id.error();
            break;
          }
          in_flight.push_back(*id);
          next += std::min<std::uint64_t>(wire::kMediaChunkSize, size - next);
        }
        if (broken || in_flight.empty()) break;
        auto answer = connection.wait_alive(in_flight.front(), options_.step_timeout, kStallProbeAfter);
        in_flight.pop_front();
        if (!answer.ok()) {
          broken = answer.error();
          break;
        }
        if (answer->status().code() == api::Status::LIMIT_EXCEEDED && answer->status().retry_after_ms() > 0) {
          std::this_thread::sleep_for(milliseconds(answer->status().retry_after_ms()));
          break;  // the reads behind it are dropped; go on from what arrived
        }
        const api::MediaChunk& chunk = answer->media_chunk();
        if (answer->status().code() != api::Status::OK || chunk.offset() != back.size() || chunk.data().empty() ||
            back.size() + chunk.data().size() > size) {
          return std::string(failure::kUnknown);
        }
        back.insert(back.end(), chunk.data().begin(), chunk.data().end());
        segment_bytes_ += chunk.data().size();
      }
      if (broken) connection.abort();
      for (const std::uint64_t id : in_flight) (void)connection.wait(id, options_.step_timeout);
      if (broken) {
        if (auto why = recover(*broken); !why.empty()) return why;
      }
    }
    return "";
  }

  Account& account_;
  const std::size_t endpoint_;
  crypto::Rng& rng_;
  const ProbeOptions& options_;
  Clock::time_point deadline_{};
  std::uint32_t resets_ = 0;
  std::uint64_t segment_bytes_ = 0;
  std::vector<std::uint64_t> cut_bytes_;
};

void skip_account_steps(EndpointReport& report, std::string_view why) {
  for (const ProbeStep step :
       {ProbeStep::kAuthentication, ProbeStep::kMessageRoundTrip, ProbeStep::kMediaSmall, ProbeStep::kMediaLarge}) {
    StepResult result(step);
    result.skipped = std::string(why);
    report.steps.push_back(std::move(result));
  }
}

// The account's steps through `endpoint` alone, whose connection's steps worked: authentication
// (logging in through it, its connection included), then message_round_trip, media_small and
// media_large on that connection, up to the first that fails. The caller disconnects the account.
void run_account_steps(EndpointReport& endpoint, Account& account, crypto::Rng& rng, const ProbeOptions& options) {
  StepResult authentication(ProbeStep::kAuthentication);
  const auto start = Clock::now();
  auto logged_in = account.log_in_through(endpoint.index);
  authentication.elapsed = since(start);
  authentication.ok = logged_in.ok();
  if (!logged_in.ok()) authentication.failure = login_failure(logged_in.error(), account.last_connect_report());
  endpoint.steps.push_back(std::move(authentication));
  if (!logged_in.ok()) return;
  AccountSteps steps(account, endpoint.index, rng, options);
  endpoint.steps.push_back(steps.message_round_trip());
  if (endpoint.failed() != nullptr) return;
  endpoint.steps.push_back(steps.media(ProbeStep::kMediaSmall, options.small_blob_size));
  if (endpoint.failed() != nullptr) return;
  StepResult large = steps.media(ProbeStep::kMediaLarge, options.large_blob_size);
  endpoint.bytes_before_reset = steps.bytes_before_reset();
  if (large.ok == true && large.elapsed) {
    endpoint.throughput_kbps = AccountSteps::kbps(2 * large.bytes, *large.elapsed);
  }
  endpoint.steps.push_back(std::move(large));
}

}  // namespace

std::string transport_name(const Endpoint& endpoint) {
  if (endpoint.obfs4) return "obfs4";
  if (endpoint.via) return endpoint.via->kind == ProxySettings::kHttpConnect ? "http_connect" : "socks5";
  if (endpoint.sni || endpoint.host) return "fronted";
  return "direct";
}

ProbeReport run_probe(const ProbeTarget& target, Account* account, PluggableTransports* transports, crypto::Rng& rng,
                      const ProbeOptions& options) {
  ProbeReport report;
  report.registered = account != nullptr;
  std::vector<Endpoint> endpoints = target.endpoints;
  if (endpoints.empty()) endpoints.push_back(endpoint_from(target.server, target.base));
  ConnectionOptions base = target.base;
  base.connect_timeout = options.step_timeout;
  base.request_timeout = options.step_timeout;

  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const Endpoint& endpoint = endpoints[i];
    EndpointReport result;
    result.index = i + 1;
    result.url = format_server_url(endpoint.address);
    result.transport = transport_name(endpoint);
    result.description = describe(endpoint);
    ConnectionOptions connection = connection_options(endpoint, target.server, base);
    if (endpoint.obfs4) {
      auto proxy = transports != nullptr
                       ? transports->obfs4_proxy(*endpoint.obfs4)
                       : Result<ProxySettings, TransportError>(fail(TransportError::kTransportUnavailable));
      if (!proxy.ok()) {
        StepResult step(ProbeStep::kTcpConnect);
        step.ok = false;
        step.elapsed = milliseconds{0};
        step.failure = std::string(failure_of(proxy.error()));
        result.steps.push_back(std::move(step));
        report.endpoints.push_back(std::move(result));
        continue;
      }
      connection.proxy = *proxy;
    }
    ConnectDiagnostics diagnostics;
    const auto start = Clock::now();
    auto connected = ServerConnection::connect(target.server, target.trust, connection, &diagnostics);
    const milliseconds total = since(start);
    std::optional<TransportError> error;
    if (connected.ok()) {
      (*connected)->close();
      if (!report.control.server_reached_through) report.control.server_reached_through = result.index;
    } else {
      error = connected.error();
    }
    add_connect_steps(result, diagnostics, error, total);
    if (const StepResult* failed = result.failed(); failed && failed->step == ProbeStep::kTlsHandshake) {
      // The control: the same path under an innocuous name (OONI ts-024).
      ConnectionOptions control = connection;
      control.fronting.sni = options.control_sni;
      SniControl check;
      check.index = result.index;
      check.sni = options.control_sni;
      const auto control_start = Clock::now();
      auto seen = probe_certificate(target.server, options.step_timeout, control);
      check.elapsed = since(control_start);
      check.ok = seen.ok();
      if (!seen.ok()) check.failure = std::string(failure_of(seen.error()));
      report.control.sni_checks.push_back(std::move(check));
    }
    report.endpoints.push_back(std::move(result));
  }

  for (EndpointReport& endpoint : report.endpoints) {
    if (!endpoint.works()) continue;
    if (account == nullptr) {
      skip_account_steps(endpoint, kSkippedNotRegistered);
      continue;
    }
    // Through endpoint.index, its number in the home's list (target.endpoints is that list; with
    // none, number 1 is the account's server itself for the account too).
    run_account_steps(endpoint, *account, rng, options);
    account->disconnect();
  }
  conclude(report);
  return report;
}

}  // namespace hush::client
