// Parsing and formatting of command-line values (arguments.hpp).
#include "arguments.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <system_error>

namespace hush::cli {

namespace {

// Parses all of `text` as a decimal number (no spaces, no leading '+').
std::optional<double> parse_decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Bytes> parse_message_id(std::string_view text) {
  if (text.size() != 2 * kMessageIdSize) return std::nullopt;
  return from_hex(text);
}

bool valid_coordinates(double latitude, double longitude) {
  return std::isfinite(latitude) && std::isfinite(longitude) && latitude >= -90 && latitude <= 90 &&
         longitude >= -180 && longitude <= 180;
}

std::optional<client::Location> parse_coordinates(std::string_view text) {
  const auto comma = text.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const auto latitude = parse_decimal(text.substr(0, comma));
  const auto longitude = parse_decimal(text.substr(comma + 1));
  if (!latitude || !longitude || !valid_coordinates(*latitude, *longitude)) return std::nullopt;
  client::Location location;
  location.latitude = *latitude;
  location.longitude = *longitude;
  return location;
}

std::optional<std::chrono::milliseconds> seconds_to_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxTimeoutSeconds) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

std::string format_safety_number_groups(std::string_view display) {
  std::string digits;
  for (const char c : display) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits += c;
    } else if (c != ' ') {
      return std::string(display);
    }
  }
  if (digits.size() != 60) return std::string(display);
  std::string grouped;
  for (std::size_t i = 0; i < digits.size(); i += 5) {
    if (!grouped.empty()) grouped += ' ';
    grouped += digits.substr(i, 5);
  }
  return grouped;
}

std::string safety_number_qr_payload(ByteView scannable) {
  return to_hex(scannable);
}

Result<client::Endpoint, std::string> parse_endpoint_arguments(const std::string& url,
                                                               const std::optional<std::string>& via,
                                                               const std::optional<std::string>& sni,
                                                               const std::optional<std::string>& host) {
  client::Endpoint endpoint;
  const auto address = client::parse_server_url(url);
  if (!address) return fail("URL: expected wss://HOST:PORT, got " + url);
  endpoint.address = *address;
  if (via) {
    endpoint.via = client::parse_proxy_url(*via);
    if (!endpoint.via) return fail(std::string("--via: expected socks5://[USER:PASS@]HOST:PORT or http://HOST:PORT"));
  }
  endpoint.sni = sni;
  endpoint.host = host;
  if (!client::check_endpoint(endpoint).ok()) {
    if (sni &&
        !client::check_endpoint(client::Endpoint{endpoint.address, endpoint.via, sni, std::nullopt, std::nullopt})
             .ok()) {
      return fail(std::string("--sni: expected a DNS name (not an address), or \"\" for none"));
    }
    if (host) return fail(std::string("--host: expected NAME or NAME:PORT"));
    return fail(std::string("--via: the proxy's credentials are not usable"));
  }
  return endpoint;
}

std::string connect_report_text(const client::ConnectReport& report) {
  std::string text;
  for (const client::EndpointAttempt& attempt : report.attempts) {
    if (!text.empty()) text += "; ";
    text += "endpoint " + std::to_string(attempt.number) + " (" + client::describe(attempt.endpoint) +
            "): " + (attempt.error ? client::to_string(*attempt.error) : "connected");
    // What the network did, where: "connection_reset at tls_handshake" says more than handshake_failed.
    const client::ConnectDiagnostics& diagnostics = attempt.diagnostics;
    if (attempt.error && !diagnostics.failure.empty()) {
      text += " (" + diagnostics.failure;
      if (diagnostics.failed_step != client::ConnectStep::kNone) {
        text += std::string(" at ") + client::to_string(diagnostics.failed_step);
      }
      text += ")";
    }
    if (attempt.diagnostics.proxy_reply != 0)
      text += " (proxy said " + std::to_string(attempt.diagnostics.proxy_reply) + ")";
  }
  return text;
}

namespace {

struct TimerUnit {
  char suffix;
  std::uint32_t seconds;
};
// Largest first, for expire_timer_text.
constexpr TimerUnit kTimerUnits[] = {{'w', 7 * 86400}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};

}  // namespace

std::optional<std::chrono::seconds> parse_expire_timer(std::string_view text) {
  if (text == "off" || text == "0") return std::chrono::seconds(0);
  if (text.size() < 2 || text.size() > 9) return std::nullopt;
  const char suffix = text.back();
  const std::string_view digits = text.substr(0, text.size() - 1);
  std::uint64_t value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  for (const TimerUnit& unit : kTimerUnits) {
    if (unit.suffix == suffix) return std::chrono::seconds(static_cast<std::int64_t>(value * unit.seconds));
  }
  return std::nullopt;
}

std::string expire_timer_text(std::uint32_t seconds) {
  if (seconds == 0) return "off";
  for (const TimerUnit& unit : kTimerUnits) {
    if (seconds % unit.seconds == 0) return std::to_string(seconds / unit.seconds) + unit.suffix;
  }
  return std::to_string(seconds) + "s";
}

}  // namespace hush::cli
