// Parsing and formatting of the values a person types or reads on the hush command line: message
// ids, coordinates, durations in seconds, safety numbers, endpoints. Pure functions, tested in
// test/arguments_test.cpp; what the values mean belongs to libs/client.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/client/endpoints/failover.hpp"
#include "hush/client/messenger/message.hpp"

namespace hush::cli {

// Size of a message id in bytes (32 hex digits), as send prints it and history --json shows it.
inline constexpr std::size_t kMessageIdSize = 16;

// Longest wait `--timeout` and the daemon's `receive` accept: a day. Longer is a typo, and the
// milliseconds must not overflow.
inline constexpr double kMaxTimeoutSeconds = 86400;

// 32 hex digits (either case) as a message id; nullopt otherwise.
std::optional<Bytes> parse_message_id(std::string_view text);

// "LAT,LON" in decimal degrees (latitude in [-90, 90], longitude in [-180, 180]); nullopt
// otherwise. The label is not part of it.
std::optional<client::Location> parse_coordinates(std::string_view text);

// True when the coordinates are finite and in range (the same bounds as parse_coordinates).
bool valid_coordinates(double latitude, double longitude);

// A number of seconds in [0, kMaxTimeoutSeconds], fractions allowed, as milliseconds (rounded
// up, so that 0.0001 still waits); nullopt for anything else (negative, NaN, too large).
std::optional<std::chrono::milliseconds> seconds_to_duration(double seconds);

// The safety number's digits as 12 groups of 5 separated by spaces, whatever spacing `display`
// had; `display` unchanged when it does not hold exactly 60 digits.
std::string format_safety_number_groups(std::string_view display);

// The text a safety number's QR code holds: its scannable bytes as lower-case hex, as hush writes
// every id (docs/cli.md documents the choice; any scanner app shows hex as text).
std::string safety_number_qr_payload(ByteView scannable);

// The endpoint `URL [--via PROXY] [--sni NAME] [--host NAME]` describe (`endpoints add`,
// `register`); otherwise a message for the user naming the option (never repeating a proxy URL:
// it may hold a password). An empty --sni means "send no SNI".
Result<client::Endpoint, std::string> parse_endpoint_arguments(const std::string& url,
                                                               const std::optional<std::string>& via,
                                                               const std::optional<std::string>& sni,
                                                               const std::optional<std::string>& host);

// "endpoint 1 (wss://... via socks5://u:***@...): connect_failed; endpoint 2 (...): connected",
// every attempt of `report` in order, passwords masked.
std::string connect_report_text(const client::ConnectReport& report);

// A disappearing-message timer: "off" (or "0"), or a whole number with a unit s, m, h, d or w
// ("30s", "5m", "1h", "1d", "4w"). nullopt when it is neither (the range is the library's check).
std::optional<std::chrono::seconds> parse_expire_timer(std::string_view text);
// The shortest exact form: "off", "90s", "5m", "1h", "4w".
std::string expire_timer_text(std::uint32_t seconds);

}  // namespace hush::cli
