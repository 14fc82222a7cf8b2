// Fuzzes the endpoint list file (libs/client/endpoints): parse_endpoints. Nothing over
// kMaxEndpointsFileSize parses; a parsed list holds at most kMaxEndpoints valid, distinct
// endpoints; and it is written and parsed again to the same list, and written again to the same
// text (the file's format is canonical once hush has written it).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "hush/client/endpoints/endpoint_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hush::client;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto endpoints = parse_endpoints(text);
  if (!endpoints.ok()) {
    HUSH_FUZZ_CHECK(size <= kMaxEndpointsFileSize || endpoints.error().error == EndpointsError::kTooLarge);
    return 0;
  }
  HUSH_FUZZ_CHECK(size <= kMaxEndpointsFileSize);
  HUSH_FUZZ_CHECK(endpoints->size() <= kMaxEndpoints);
  for (std::size_t i = 0; i < endpoints->size(); ++i) {
    HUSH_FUZZ_CHECK(check_endpoint((*endpoints)[i]).ok());
    HUSH_FUZZ_CHECK(std::count(endpoints->begin(), endpoints->end(), (*endpoints)[i]) == 1);
  }
  const std::string written = serialize_endpoints(*endpoints);
  auto again = parse_endpoints(written);
  HUSH_FUZZ_CHECK(again.ok());
  HUSH_FUZZ_CHECK(*again == *endpoints);
  HUSH_FUZZ_CHECK(serialize_endpoints(*again) == written);
  return 0;
}
