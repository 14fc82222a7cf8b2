// Fuzzes the pluggable-transport stdout line parser (libs/pt): parse_pt_line and parse_pt_address.
// Nothing over kMaxPtLineSize parses; a parsed line has the fields its kind promises (a C
// identifier for a method, a port 1..65535, at most kMaxPtArgs distinct non-empty keys); and a
// method line written back canonically (ARGS re-escaped) parses to the same line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "hush/pt/pt_line.hpp"

namespace {

std::string escape_arg(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\' || c == '=' || c == ',') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// The line as a transport would write it, for the kinds that carry structured fields.
std::string canonical(const hush::pt::PtLine& line) {
  using hush::pt::PtLineKind;
  const std::string address = hush::pt::format_pt_address(line.address);
  if (line.kind == PtLineKind::kClientMethod) return "CMETHOD " + line.method + " " + line.proxy_type + " " + address;
  std::string out = "SMETHOD " + line.method + " " + address;
  for (std::size_t i = 0; i < line.args.size(); ++i) {
    out += (i == 0 ? " ARGS:" : ",") + escape_arg(line.args[i].first) + "=" + escape_arg(line.args[i].second);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hush::pt::PtLineKind;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto address = hush::pt::parse_pt_address(text)) {
    HUSH_FUZZ_CHECK(address->port != 0 && hush::pt::is_ip_literal(address->host));
    HUSH_FUZZ_CHECK(hush::pt::format_pt_address(*address) == text);
  }

  auto line = hush::pt::parse_pt_line(text);
  if (!line) {
    HUSH_FUZZ_CHECK((line.error() == hush::pt::PtLineError::kTooLong) == (size > hush::pt::kMaxPtLineSize));
    return 0;
  }
  HUSH_FUZZ_CHECK(size <= hush::pt::kMaxPtLineSize);
  HUSH_FUZZ_CHECK(line->version >= 0 && line->version <= hush::pt::kMaxPtVersion);
  HUSH_FUZZ_CHECK(line->args.size() <= hush::pt::kMaxPtArgs);
  for (std::size_t i = 0; i < line->args.size(); ++i) {
    HUSH_FUZZ_CHECK(!line->args[i].first.empty());
    for (std::size_t j = 0; j < i; ++j) HUSH_FUZZ_CHECK(line->args[i].first != line->args[j].first);
  }
  if (line->kind == PtLineKind::kClientMethod || line->kind == PtLineKind::kServerMethod) {
    HUSH_FUZZ_CHECK(!line->method.empty() && line->address.port != 0);
    auto again = hush::pt::parse_pt_line(canonical(*line));
    HUSH_FUZZ_CHECK(again.ok());
    HUSH_FUZZ_CHECK(again->kind == line->kind && again->method == line->method);
    HUSH_FUZZ_CHECK(again->proxy_type == line->proxy_type && again->address == line->address);
    HUSH_FUZZ_CHECK(again->args == line->args);
  }
  return 0;
}
