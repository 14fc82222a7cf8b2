// Fuzzes what a user types to reach a server (libs/client/transport): parse_server_url and
// parse_fingerprint. The first byte picks the parser. A parsed URL has a host and a port and
// parses again, from its canonical form, to the same address; a parsed fingerprint printed as hex
// parses back to itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "hush/base/bytes.hpp"
#include "hush/client/transport/server_connection.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hush;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    auto address = client::parse_server_url(text);
    if (!address) return 0;
    HUSH_FUZZ_CHECK(!address->host.empty());
    HUSH_FUZZ_CHECK(address->port != 0);
    const bool v6 = address->host.find(':') != std::string::npos;
    const std::string canonical =
        "wss://" + (v6 ? "[" + address->host + "]" : address->host) + ":" + std::to_string(address->port);
    auto again = client::parse_server_url(canonical);
    HUSH_FUZZ_CHECK(again.has_value());
    HUSH_FUZZ_CHECK(again->host == address->host && again->port == address->port);
  } else {
    auto fingerprint = client::parse_fingerprint(text);
    if (!fingerprint) return 0;
    auto again = client::parse_fingerprint(to_hex(ByteView(fingerprint->data(), fingerprint->size())));
    HUSH_FUZZ_CHECK(again.has_value() && *again == *fingerprint);
  }
  return 0;
}
