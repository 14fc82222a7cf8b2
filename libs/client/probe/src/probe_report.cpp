// The probe's report: which endpoint works, the verdict in plain words, and the report as JSON (the
// contract of `hush probe --json`, docs/cli.md) and as a table.
#include "hush/client/probe/probe_report.hpp"

#include <algorithm>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hush/client/transport/connect_failure.hpp"

namespace hush::client {

namespace {

constexpr std::uint64_t kBytesPerKilobyte = 1000;

// What a failure at `step` means, for a person.
std::string meaning(ProbeStep step, const std::string& failure) {
  const auto is = [&failure](std::string_view name) { return failure == name; };
  switch (step) {
    case ProbeStep::kDns:
      if (is(failure::kDnsNxdomain)) return "its name does not resolve: DNS blocking, or a wrong name";
      return "resolving its name fails: DNS blocking or no working resolver";
    case ProbeStep::kTcpConnect:
      if (is(failure::kGenericTimeout))
        return "TCP connections to it get no answer: the address is blackholed (or the host is down)";
      if (is(failure::kConnectionRefused))
        return "its port refuses connections: nothing listens there, or a firewall rejects them";
      if (is(failure::kConnectionReset)) return "TCP connections to it are reset";
      if (is(failure::kHostUnreachable) || is(failure::kNetworkUnreachable)) return "there is no route to it";
      if (is(failure::kTransportUnavailable))
        return "obfs4proxy could not be started (is the obfs4proxy package installed?)";
      if (is(failure::kProxyRefused)) return "the proxy refuses to connect to the server";
      if (is(failure::kProxyAuthFailed)) return "the proxy refuses the credentials";
      if (is(failure::kProxyProtocol)) return "the proxy does not answer as a SOCKS5 or HTTP proxy";
      return "the TCP connection fails";
    case ProbeStep::kTlsHandshake:
      if (is(failure::kConnectionReset))
        return "the TLS handshake is reset: typical of filtering on the server name (SNI)";
      if (is(failure::kSslInvalidCertificate))
        return "the certificate presented is not the server's: the connection is intercepted, or the pin is out of "
               "date";
      if (is(failure::kGenericTimeout))
        return "the TLS handshake gets no answer: the connection opens, then traffic is dropped";
      if (is(failure::kEof)) return "the connection is closed during the TLS handshake";
      return "the TLS handshake fails";
    case ProbeStep::kWebSocketUpgrade:
      if (is(failure::kGenericTimeout) || is(failure::kReadWriteStall)) return "the WebSocket upgrade gets no answer";
      if (is(failure::kWebSocketUpgradeFailed))
        return "something other than hushd answers the WebSocket upgrade (a middlebox, or a wrong Host)";
      return "the WebSocket upgrade fails";
    case ProbeStep::kAuthentication:
      if (is(failure::kAuthenticationFailed))
        return "the server refuses this device's login (removed device or wrong account?)";
      return "logging in fails";
    case ProbeStep::kMessageRoundTrip: return "a message gets no answer";
    case ProbeStep::kMediaSmall: return "messages get through but even a small file does not";
    case ProbeStep::kMediaLarge: return "messages and small files get through but a large file does not";
  }
  return "it fails";
}

std::string kilobytes(std::uint64_t bytes) {
  return std::to_string(std::max<std::uint64_t>(1, (bytes + kBytesPerKilobyte / 2) / kBytesPerKilobyte)) + " KB";
}

std::string name_of(const EndpointReport& endpoint) {
  return "endpoint " + std::to_string(endpoint.index) + " (" + endpoint.transport + " " + endpoint.url + ")";
}

const SniControl* sni_control_for(const ProbeReport& report, std::size_t index) {
  for (const SniControl& check : report.control.sni_checks) {
    if (check.index == index) return &check;
  }
  return nullptr;
}

nlohmann::json ms_or_null(const std::optional<std::chrono::milliseconds>& elapsed) {
  return elapsed ? nlohmann::json(elapsed->count()) : nlohmann::json(nullptr);
}

}  // namespace

const char* to_string(ProbeStep step) {
  switch (step) {
    case ProbeStep::kDns: return "dns";
    case ProbeStep::kTcpConnect: return "tcp_connect";
    case ProbeStep::kTlsHandshake: return "tls_handshake";
    case ProbeStep::kWebSocketUpgrade: return "websocket_upgrade";
    case ProbeStep::kAuthentication: return "authentication";
    case ProbeStep::kMessageRoundTrip: return "message_round_trip";
    case ProbeStep::kMediaSmall: return "media_small";
    case ProbeStep::kMediaLarge: return "media_large";
  }
  return "dns";
}

const StepResult* EndpointReport::failed() const {
  for (const StepResult& step : steps) {
    if (step.ok == false) return &step;
  }
  return nullptr;
}

bool EndpointReport::works() const {
  if (failed() != nullptr) return false;
  return std::any_of(steps.begin(), steps.end(), [](const StepResult& step) {
    return step.step == ProbeStep::kWebSocketUpgrade && step.ok == true;
  });
}

bool EndpointReport::fully_tested() const {
  return works() && std::any_of(steps.begin(), steps.end(), [](const StepResult& step) {
           return step.step == ProbeStep::kMediaLarge && step.ok == true;
         });
}

void conclude(ProbeReport& report) {
  report.working_endpoint.reset();
  for (const EndpointReport& endpoint : report.endpoints) {
    if (endpoint.fully_tested()) {
      report.working_endpoint = endpoint.index;
      break;
    }
  }
  if (!report.working_endpoint) {
    for (const EndpointReport& endpoint : report.endpoints) {
      if (endpoint.works()) {
        report.working_endpoint = endpoint.index;
        break;
      }
    }
  }

  std::vector<std::string> sentences;
  std::size_t blocked = 0;
  for (const EndpointReport& endpoint : report.endpoints) {
    if (const StepResult* step = endpoint.failed()) {
      ++blocked;
      std::string sentence = "Endpoint " + std::to_string(endpoint.index) + " (" + endpoint.transport + " " +
                             endpoint.url + ") fails at " + to_string(step->step) + " (" + step->failure +
                             "): " + meaning(step->step, step->failure);
      if (step->step == ProbeStep::kTlsHandshake) {
        if (const SniControl* control = sni_control_for(report, endpoint.index)) {
          sentence += control->ok ? "; a handshake with the innocuous name " + control->sni +
                                        " succeeds, so the server's name is being filtered"
                                  : "; a handshake with the innocuous name " + control->sni + " fails too (" +
                                        control->failure + "), so the address itself is blocked or down";
        }
      }
      if (step->step == ProbeStep::kMediaLarge && endpoint.bytes_before_reset) {
        sentence += "; connections are cut after about " + kilobytes(*endpoint.bytes_before_reset);
      }
      sentences.push_back(sentence + ".");
      continue;
    }
    for (const StepResult& step : endpoint.steps) {
      if (step.step == ProbeStep::kMediaLarge && step.ok == true && step.resets > 0) {
        std::string sentence = "On " + name_of(endpoint) + ", connections are cut";
        if (endpoint.bytes_before_reset) sentence += " after about " + kilobytes(*endpoint.bytes_before_reset);
        sentence += " (" + std::to_string(step.resets) + (step.resets == 1 ? " reset" : " resets") +
                    "): large files slow down but get through.";
        sentences.push_back(sentence);
      }
    }
  }

  if (report.endpoints.empty()) {
    sentences.emplace_back("There is no endpoint to probe: add one with `hush endpoints add`.");
  } else if (report.working_endpoint) {
    const EndpointReport& working =
        *std::find_if(report.endpoints.begin(), report.endpoints.end(),
                      [&report](const EndpointReport& endpoint) { return endpoint.index == *report.working_endpoint; });
    std::string sentence;
    if (working.fully_tested()) {
      sentence = blocked == 0 && report.endpoints.size() == 1
                     ? "Nothing is blocked: messages and media get through " + name_of(working) + "."
                     : "Messages and media get through " + name_of(working) + ".";
    } else if (!report.registered) {
      sentence = "The server is reachable for registration through " + name_of(working) +
                 " (this home has no account yet, so the probe stopped after the WebSocket upgrade).";
    } else {
      sentence = "The server is reachable through " + name_of(working) +
                 " (connected up to the WebSocket; the account's steps did not run there).";
    }
    if (working.index != report.endpoints.front().index) {
      // hush moves on to the next endpoint only when a connection fails: an earlier endpoint that
      // connects but then fails (at media, say) is the one it keeps using.
      const bool failover_reaches_it =
          std::all_of(report.endpoints.begin(), report.endpoints.end(), [&working](const EndpointReport& endpoint) {
            const StepResult* step = endpoint.failed();
            return endpoint.index >= working.index || (step != nullptr && step->step <= ProbeStep::kWebSocketUpgrade);
          });
      sentence += failover_reaches_it
                      ? " hush fails over to it by itself; `hush endpoints remove` and `add` can put it first."
                      : " hush keeps to an earlier endpoint that connects: put this one first (`hush endpoints "
                        "remove` the earlier ones, then `add` them after it).";
    }
    sentences.push_back(sentence);
  } else {
    std::string sentence = "No endpoint works from this network";
    sentence +=
        blocked == report.endpoints.size()
            ? ": every way to the server is blocked, or the server is down. Add another way in: a relay or obfs4 "
              "bridge link (hush endpoints add-relay), a fronted endpoint or a proxy (hush endpoints add)."
            : ".";
    sentences.push_back(sentence);
  }

  report.verdict.clear();
  for (const std::string& sentence : sentences) {
    if (!report.verdict.empty()) report.verdict += " ";
    report.verdict += sentence;
  }
}

std::string to_json(const ProbeReport& report) {
  nlohmann::json endpoints = nlohmann::json::array();
  for (const EndpointReport& endpoint : report.endpoints) {
    nlohmann::json steps = nlohmann::json::array();
    for (const StepResult& step : endpoint.steps) {
      nlohmann::json item = {
          {"step", to_string(step.step)},
          {"ok", step.ok ? nlohmann::json(*step.ok) : nlohmann::json(nullptr)},
          {"ms", ms_or_null(step.elapsed)},
          {"failure", step.failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(step.failure)}};
      if (!step.ok) item["skipped"] = step.skipped;
      if (step.step == ProbeStep::kMediaLarge) {
        item["resets"] = step.resets;
        item["bytes"] = step.bytes;
      }
      steps.push_back(std::move(item));
    }
    const StepResult* failed = endpoint.failed();
    endpoints.push_back({{"index", endpoint.index},
                         {"url", endpoint.url},
                         {"transport", endpoint.transport},
                         {"steps", std::move(steps)},
                         {"failed_step", failed ? nlohmann::json(to_string(failed->step)) : nlohmann::json(nullptr)},
                         {"failure", failed ? nlohmann::json(failed->failure) : nlohmann::json(nullptr)},
                         {"throughput_kbps", endpoint.throughput_kbps ? nlohmann::json(*endpoint.throughput_kbps)
                                                                      : nlohmann::json(nullptr)}});
  }
  nlohmann::json control = nullptr;
  if (!report.control.empty()) {
    nlohmann::json checks = nlohmann::json::array();
    for (const SniControl& check : report.control.sni_checks) {
      checks.push_back({{"index", check.index},
                        {"kind", "innocuous_sni"},
                        {"sni", check.sni},
                        {"step", "tls_handshake"},
                        {"ok", check.ok},
                        {"ms", ms_or_null(check.elapsed)},
                        {"failure", check.failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(check.failure)}});
    }
    control = {{"server_reached_through", report.control.server_reached_through
                                              ? nlohmann::json(*report.control.server_reached_through)
                                              : nlohmann::json(nullptr)},
               {"sni_checks", std::move(checks)}};
  }
  const nlohmann::json object = {{"endpoints", std::move(endpoints)},
                                 {"control", std::move(control)},
                                 {"registered", report.registered},
                                 {"verdict", report.verdict},
                                 {"working_endpoint", report.working_endpoint ? nlohmann::json(*report.working_endpoint)
                                                                              : nlohmann::json(nullptr)}};
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string to_text(const ProbeReport& report) {
  constexpr int kColumn = 22;
  std::ostringstream out;
  for (const EndpointReport& endpoint : report.endpoints) {
    out << endpoint.index << "  " << endpoint.transport << "  " << endpoint.description << "\n";
    for (const StepResult& step : endpoint.steps) {
      out << "     " << std::left << std::setw(kColumn) << to_string(step.step);
      if (step.ok == true) {
        out << "ok";
        if (step.elapsed) out << "  " << step.elapsed->count() << " ms";
        if (step.step == ProbeStep::kMediaLarge) {
          out << "  " << step.bytes << " bytes, " << step.resets << (step.resets == 1 ? " reset" : " resets");
          if (endpoint.throughput_kbps) out << ", " << *endpoint.throughput_kbps << " kbit/s";
        }
      } else if (step.ok == false) {
        out << "FAILED  " << step.failure;
        if (step.elapsed) out << "  after " << step.elapsed->count() << " ms";
      } else {
        out << "-  not run (" << step.skipped << ")";
      }
      out << "\n";
    }
  }
  for (const SniControl& check : report.control.sni_checks) {
    out << "control: endpoint " << check.index << ", TLS handshake with the innocuous name " << check.sni << ": "
        << (check.ok ? std::string("ok") : "FAILED " + check.failure) << "\n";
  }
  out << "verdict: " << report.verdict << "\n";
  return out.str();
}

}  // namespace hush::client
