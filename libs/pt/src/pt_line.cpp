// parse_pt_line and the address syntax (pt_line.hpp): pt-spec version 1, §3.3 (the transport's
// stdout lines) and §3.3.3 (SMETHOD ARGS). Every input is bounded before it is looked at; nothing
// here allocates more than the line's own size, plus kMaxPtArgs pairs.
#include "hush/pt/pt_line.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>

namespace hush::pt {

namespace {

constexpr std::uint32_t kMaxPort = 65535;
constexpr std::size_t kMaxPortDigits = 5;
constexpr int kMaxVersionDigits = 3;  // kMaxPtVersion = 999
constexpr int kIpv4Parts = 4;
constexpr int kMaxIpv4PartDigits = 3;
constexpr int kMaxIpv4Part = 255;
constexpr std::size_t kIpv6TextCapacity = INET6_ADDRSTRLEN;  // inet_pton needs a NUL-terminated copy
constexpr unsigned char kDelete = 0x7F;
constexpr unsigned char kFirstPrintable = 0x20;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// pt-spec §3.3: KeywordChar is an alphanumeric, '-' or '_'.
bool is_keyword(std::string_view word) {
  if (word.empty()) return false;
  for (const char c : word) {
    if (!is_letter(c) && !is_digit(c) && c != '-' && c != '_') return false;
  }
  return true;
}

// pt-spec §3.1: transport names are C identifiers.
bool is_transport_name(std::string_view name) {
  if (name.empty() || is_digit(name.front())) return false;
  for (const char c : name) {
    if (!is_letter(c) && !is_digit(c) && c != '_') return false;
  }
  return true;
}

bool is_proxy_type(std::string_view type) {
  if (type.empty()) return false;
  for (const char c : type) {
    if (!(c >= 'a' && c <= 'z') && !is_digit(c)) return false;
  }
  return true;
}

// Decimal without leading zeros (but "0" itself), at most max_digits digits.
std::optional<std::uint32_t> parse_decimal(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  if (text.size() > 1 && text.front() == '0') return std::nullopt;
  std::uint32_t value = 0;
  for (const char c : text) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return value;
}

bool is_ipv4(std::string_view text) {
  int parts = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = text.find('.', start);
    const std::string_view part = text.substr(start, dot == std::string_view::npos ? text.npos : dot - start);
    const auto value = parse_decimal(part, kMaxIpv4PartDigits);
    if (!value || *value > kMaxIpv4Part) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    if (parts == kIpv4Parts) return false;
    start = dot + 1;
  }
  return parts == kIpv4Parts;
}

bool is_ipv6(std::string_view text) {
  // inet_pton reads up to a NUL: one inside the text would hide what follows it.
  if (text.empty() || text.size() >= kIpv6TextCapacity || text.find('\0') != text.npos) return false;
  std::array<char, kIpv6TextCapacity> copy{};
  text.copy(copy.data(), text.size());
  in6_addr address{};
  return inet_pton(AF_INET6, copy.data(), &address) == 1;
}

// Splits off the first field up to ' '; the rest (after the space) stays in `text`. A field is
// empty when the line has two spaces in a row, starts or ends with one.
std::string_view next_field(std::string_view& text) {
  const std::size_t space = text.find(' ');
  const std::string_view field = text.substr(0, space);
  text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
  return field;
}

// ARGS:k=v,k=v (pt-spec §3.3.3): '\' escapes '\', '=' and ','; no other escape.
bool parse_args(std::string_view text, std::vector<std::pair<std::string, std::string>>& args) {
  std::string key;
  std::string value;
  bool in_value = false;
  auto finish_pair = [&]() {
    if (!in_value || key.empty() || args.size() == kMaxPtArgs) return false;
    for (const auto& [existing, unused] : args) {
      if (existing == key) return false;
    }
    args.emplace_back(std::move(key), std::move(value));
    key.clear();
    value.clear();
    in_value = false;
    return true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      if (i + 1 == text.size()) return false;
      c = text[++i];
      if (c != '\\' && c != '=' && c != ',') return false;
      (in_value ? value : key).push_back(c);
    } else if (c == '=') {
      if (in_value) return false;  // a second '=' in one pair must be escaped
      in_value = true;
    } else if (c == ',') {
      if (!finish_pair()) return false;
    } else {
      (in_value ? value : key).push_back(c);
    }
  }
  return finish_pair();
}

}  // namespace

std::string format_pt_address(const PtAddress& address) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

bool is_ip_literal(std::string_view host) {
  return is_ipv4(host) || is_ipv6(host);
}

std::optional<PtAddress> parse_pt_address(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const auto port = parse_decimal(text.substr(colon + 1), kMaxPortDigits);
  if (!port || *port == 0 || *port > kMaxPort) return std::nullopt;
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
    if (!is_ipv6(host)) return std::nullopt;
  } else if (!is_ipv4(host)) {
    return std::nullopt;
  }
  return PtAddress{std::string(host), static_cast<std::uint16_t>(*port)};
}

Result<PtLine, PtLineError> parse_pt_line(std::string_view line) {
  if (line.size() > kMaxPtLineSize) return fail(PtLineError::kTooLong);
  for (const char c : line) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < kFirstPrintable || byte == kDelete) return fail(PtLineError::kMalformed);
  }
  const auto malformed = fail(PtLineError::kMalformed);
  std::string_view rest = line;
  const std::string_view keyword = next_field(rest);
  if (!is_keyword(keyword)) return malformed;

  PtLine out;
  if (keyword == "VERSION") {
    const auto version = parse_decimal(rest, kMaxVersionDigits);
    if (!version) return malformed;
    out.kind = PtLineKind::kVersion;
    out.version = static_cast<int>(*version);
  } else if (keyword == "VERSION-ERROR" || keyword == "ENV-ERROR") {
    out.kind = keyword == "VERSION-ERROR" ? PtLineKind::kVersionError : PtLineKind::kEnvError;
    out.message = std::string(rest);
  } else if (keyword == "CMETHOD") {
    const std::string_view name = next_field(rest);
    const std::string_view type = next_field(rest);
    const auto address = parse_pt_address(rest);
    if (!is_transport_name(name) || !is_proxy_type(type) || !address) return malformed;
    out.kind = PtLineKind::kClientMethod;
    out.method = std::string(name);
    out.proxy_type = std::string(type);
    out.address = *address;
  } else if (keyword == "SMETHOD") {
    const std::string_view name = next_field(rest);
    const std::size_t space = rest.find(' ');
    const auto address = parse_pt_address(rest.substr(0, space));
    if (!is_transport_name(name) || !address) return malformed;
    if (space != std::string_view::npos) {
      // One option at most, and only ARGS (the only one pt-spec version 1 defines).
      static constexpr std::string_view kArgsPrefix = "ARGS:";
      const std::string_view option = rest.substr(space + 1);
      if (option.substr(0, kArgsPrefix.size()) != kArgsPrefix || option.find(' ') != std::string_view::npos) {
        return malformed;
      }
      if (!parse_args(option.substr(kArgsPrefix.size()), out.args)) return malformed;
    }
    out.kind = PtLineKind::kServerMethod;
    out.method = std::string(name);
    out.address = *address;
  } else if (keyword == "CMETHOD-ERROR" || keyword == "SMETHOD-ERROR") {
    const std::string_view name = next_field(rest);
    if (!is_transport_name(name)) return malformed;
    out.kind = keyword == "CMETHOD-ERROR" ? PtLineKind::kClientMethodError : PtLineKind::kServerMethodError;
    out.method = std::string(name);
    out.message = std::string(rest);
  } else if (keyword == "CMETHODS" || keyword == "SMETHODS") {
    if (rest != "DONE") return malformed;
    out.kind = keyword == "CMETHODS" ? PtLineKind::kClientMethodsDone : PtLineKind::kServerMethodsDone;
  } else if (keyword == "LOG") {
    out.kind = PtLineKind::kLog;
  } else if (keyword == "STATUS") {
    out.kind = PtLineKind::kStatus;
  } else {
    out.kind = PtLineKind::kUnknown;
  }
  return out;
}

}  // namespace hush::pt
