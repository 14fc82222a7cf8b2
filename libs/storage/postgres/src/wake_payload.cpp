// Packing wakes into NOTIFY payloads and parsing them back (format in wake_payload.hpp). The parser
// reads what any client of the database may send on the channel, so it accepts only the format.
#include "wake_payload.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <tuple>

namespace hush::storage::postgres {
namespace {

constexpr std::string_view kPrefix = "w1";
// Digits of 2^64 - 1 and of 2^32 - 1: longer numbers cannot be ids.
constexpr std::size_t kMaxAccountDigits = 20;
constexpr std::size_t kMaxDeviceDigits = 10;

std::optional<char> kind_letter(WakeKind kind) {
  switch (kind) {
    case WakeKind::kEnvelopes: return 'e';
    case WakeKind::kNotices: return 'n';
    case WakeKind::kDeviceRemoved: return 'r';
    case WakeKind::kKeysClaimed: return 'k';
    case WakeKind::kResync: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<WakeKind> kind_of(char letter) {
  switch (letter) {
    case 'e': return WakeKind::kEnvelopes;
    case 'n': return WakeKind::kNotices;
    case 'r': return WakeKind::kDeviceRemoved;
    case 'k': return WakeKind::kKeysClaimed;
    default: return std::nullopt;
  }
}

// A decimal number of 1 to max_digits digits, at most `max`; nullopt otherwise.
std::optional<std::uint64_t> parse_number(std::string_view digits, std::size_t max_digits, std::uint64_t max) {
  if (digits.empty() || digits.size() > max_digits) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (max - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<Wake> parse_item(std::string_view item) {
  if (item.size() < 4) return std::nullopt;  // the shortest: "e1.1"
  auto kind = kind_of(item[0]);
  if (!kind) return std::nullopt;
  item.remove_prefix(1);
  const std::size_t dot = item.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto account = parse_number(item.substr(0, dot), kMaxAccountDigits, std::numeric_limits<std::uint64_t>::max());
  auto device =
      parse_number(item.substr(dot + 1), kMaxDeviceDigits, std::uint64_t{std::numeric_limits<std::uint32_t>::max()});
  if (!account || !device) return std::nullopt;
  return Wake{*kind, DeviceAddress{*account, static_cast<DeviceId>(*device)}};
}

}  // namespace

std::vector<std::string> pack_wakes(std::span<const Wake> wakes) {
  std::vector<Wake> distinct(wakes.begin(), wakes.end());
  auto key = [](const Wake& wake) { return std::tuple(wake.kind, wake.device.account, wake.device.device); };
  std::sort(distinct.begin(), distinct.end(), [&](const Wake& a, const Wake& b) { return key(a) < key(b); });
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());

  std::vector<std::string> payloads;
  std::string current;
  for (const Wake& wake : distinct) {
    auto letter = kind_letter(wake.kind);
    if (!letter) continue;
    std::string item = " ";
    item += *letter;
    item += std::to_string(wake.device.account) + "." + std::to_string(wake.device.device);
    if (!current.empty() && current.size() + item.size() > kMaxWakePayloadSize) {
      payloads.push_back(std::move(current));
      current.clear();
    }
    if (current.empty()) current = kPrefix;
    current += item;
  }
  if (!current.empty()) payloads.push_back(std::move(current));
  return payloads;
}

std::optional<std::vector<Wake>> parse_wake_payload(std::string_view payload) {
  if (payload.size() > kMaxWakePayloadSize) return std::nullopt;
  if (payload.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  payload.remove_prefix(kPrefix.size());
  std::vector<Wake> wakes;
  while (!payload.empty()) {
    if (payload[0] != ' ') return std::nullopt;
    payload.remove_prefix(1);
    const std::size_t end = std::min(payload.find(' '), payload.size());
    auto wake = parse_item(payload.substr(0, end));
    if (!wake) return std::nullopt;
    wakes.push_back(*wake);
    payload.remove_prefix(end);
  }
  return wakes;
}

}  // namespace hush::storage::postgres
