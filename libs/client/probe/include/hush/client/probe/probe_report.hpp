// The report of a connectivity probe (probe.hpp): per endpoint, the steps from DNS to a large media
// transfer with OONI-style failure strings (transport/connect_failure.hpp), what was compared
// against (the control), a plain-language verdict and the endpoint that works; and its two forms,
// the JSON object of `hush probe --json` (docs/cli.md: a contract other tools read) and the table
// a person reads. Pure: no I/O, so that the verdict is tested on made-up results. It does not own
// running the steps (probe.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hush::client {

// The steps of one endpoint, in order. A proxy's handshake counts as part of tcp_connect, the
// Challenge as part of websocket_upgrade.
enum class ProbeStep {
  kDns,
  kTcpConnect,
  kTlsHandshake,
  kWebSocketUpgrade,
  kAuthentication,
  kMessageRoundTrip,
  kMediaSmall,
  kMediaLarge,
};
inline constexpr std::size_t kProbeStepCount = 8;

// "dns", "tcp_connect", "tls_handshake", "websocket_upgrade", "authentication",
// "message_round_trip", "media_small", "media_large" (stable: the JSON's names).
const char* to_string(ProbeStep step);

// Why a step was not run although nothing before it failed (StepResult::skipped).
inline constexpr std::string_view kSkippedNotRegistered =
    "not_registered";  // no account: registration reachability only

struct StepResult {
  StepResult() = default;
  explicit StepResult(ProbeStep which) : step(which) {}

  ProbeStep step = ProbeStep::kDns;
  // true: passed; false: failed (`failure` says how; no later step is run); nullopt: not run
  // (`skipped` says why).
  std::optional<bool> ok;
  std::optional<std::chrono::milliseconds> elapsed;
  std::string failure;  // a failure string when ok == false, else ""
  std::string skipped;  // kSkipped* when ok == nullopt, else ""
  // Media steps: how often the connection was cut and the transfer resumed, and the blob's size.
  std::uint32_t resets = 0;
  std::uint64_t bytes = 0;
};

struct EndpointReport {
  std::size_t index = 0;    // its place in the endpoint list, from 1
  std::string url;          // "wss://HOST:PORT": where the TCP connection (or the proxy) goes
  std::string transport;    // "direct", "socks5", "http_connect", "fronted" or "obfs4"
  std::string description;  // describe(endpoint): the proxy's password masked
  // The steps run, in order, up to and including the first that failed; then the ones not run
  // for another reason, with ok == nullopt.
  std::vector<StepResult> steps;
  // Media up and down during media_large, in kilobits (1,000 bits) per second; nullopt when it
  // did not complete.
  std::optional<std::uint64_t> throughput_kbps;
  // With resets during media_large: the bytes moved on each cut connection, on average (the
  // censor's "cut after N bytes"); nullopt without resets.
  std::optional<std::uint64_t> bytes_before_reset;

  // The first failed step and its failure, if any.
  const StepResult* failed() const;
  // Connected up to the WebSocket (and its Challenge), and no step failed.
  bool works() const;
  // works(), and the account's steps ran here too (through media_large).
  bool fully_tested() const;
};

// One control: a TLS handshake with the same endpoint (same address, same proxy) under an
// innocuous server name, after the real one failed at tls_handshake (OONI's SNI blocking test).
struct SniControl {
  std::size_t index = 0;  // the endpoint
  std::string sni;        // the innocuous name sent
  bool ok = false;
  std::optional<std::chrono::milliseconds> elapsed;
  std::string failure;
};

struct ProbeControl {
  // An endpoint that reached the server (its Challenge): the server itself is up, so failures
  // elsewhere are the network's. nullopt when none did.
  std::optional<std::size_t> server_reached_through;
  std::vector<SniControl> sni_checks;

  bool empty() const { return !server_reached_through && sni_checks.empty(); }
};

struct ProbeReport {
  bool registered = true;  // false: no account, the steps stop after websocket_upgrade
  std::vector<EndpointReport> endpoints;
  ProbeControl control;
  // Set by conclude().
  std::string verdict;
  std::optional<std::size_t> working_endpoint;
};

// Picks the working endpoint (the first fully tested one: every step passed, through media_large;
// else the first that works) and writes the verdict: per blocked endpoint, the step and what it
// means (blackholed, SNI filtered, intercepted, cut after N KB, ...), the controls' evidence, then
// which endpoint to use (and whether hush's failover reaches it by itself).
void conclude(ProbeReport& report);

// The JSON object of `hush probe --json` (one line, no trailing newline): {"endpoints": [{"index",
// "url", "transport", "steps": [{"step", "ok", "ms", "failure", ["skipped"], ["resets", "bytes"]}],
// "failed_step", "failure", "throughput_kbps"}], "control", "verdict", "working_endpoint"}.
std::string to_json(const ProbeReport& report);

// For a person: one line per endpoint, a column per step ("ok 12ms", "FAIL connection_reset",
// "-" not run), then the controls and the verdict.
std::string to_text(const ProbeReport& report);

}  // namespace hush::client
