// Fuzzes linking a device (libs/client/account device_link.hpp). The first byte picks the decoder:
// even: parse_link_code on the rest as text pasted or scanned — an accepted code formats back to a
// code that parses to the same link id and key; odd: open_link_payload on the rest as the sealed
// bytes a server relays, for a fixed code and key — it must refuse anything over
// kMaxSealedLinkSize and, lacking the key's partner, anything at all.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "hush/client/account/device_link.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hush;
  if (size == 0) return 0;
  const ByteView rest(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    const std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
    auto code = client::parse_link_code(text);
    if (!code) return 0;
    HUSH_FUZZ_CHECK(code->link_id.size() == client::kLinkIdSize);
    HUSH_FUZZ_CHECK(client::parse_link_code(client::format_link_code(*code)) == code);
    return 0;
  }
  static const crypto::PrivateKey key = *crypto::PrivateKey::from_bytes(Bytes(32, 0x42));
  static const client::LinkCode code{Bytes(client::kLinkIdSize, 7), key.public_key()};
  HUSH_FUZZ_CHECK(!client::open_link_payload(code, key, rest));
  return 0;
}
