// Fuzzes contact links (libs/client/contact_link): parse_contact_link on text as pasted or scanned.
// An accepted link has a valid username and a non-zero port, and format_contact_link writes the
// input back byte for byte (one text form per link); a refused one is refused with one of the five
// errors, and anything over kMaxContactLinkSize with kTooLong.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "hush/client/contact_link/contact_link.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hush;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto link = client::parse_contact_link(text);
  if (!link) {
    const auto error = link.error();
    HUSH_FUZZ_CHECK((error == client::ContactLinkError::kTooLong) == (size > client::kMaxContactLinkSize));
    HUSH_FUZZ_CHECK(std::string_view(client::to_string(error)) != "unknown");
    return 0;
  }
  HUSH_FUZZ_CHECK(size <= client::kMaxContactLinkSize);
  HUSH_FUZZ_CHECK(!link->server.host.empty() && link->server.port != 0);
  HUSH_FUZZ_CHECK(link->username.size() >= 3 && link->username.size() <= 32);
  HUSH_FUZZ_CHECK(client::format_contact_link(*link) == text);
  return 0;
}
