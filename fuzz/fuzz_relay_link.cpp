// parse_relay_link on arbitrary text: never crashes, and every link it accepts formats back to
// itself and parses again to the same link.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hush/client/endpoints/relay_link.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto link = hush::client::parse_relay_link(text);
  if (!link.ok()) return 0;
  const std::string formatted = hush::client::format_relay_link(*link);
  auto again = hush::client::parse_relay_link(formatted);
  if (!again.ok() || hush::client::format_relay_link(*again) != formatted) std::abort();
  return 0;
}
