// Fuzzes wire::decode_content. On success encode_content must succeed, its output must sit on a
// padding bucket, and decoding it must give back the same message (padding aside).
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "hush/wire/content_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hush;
  auto decoded = wire::decode_content(ByteView(data, size));
  if (!decoded) return 0;
  HUSH_FUZZ_CHECK(decoded->padding().empty());

  auto encoded = wire::encode_content(*decoded);
  HUSH_FUZZ_CHECK(encoded.ok());
  HUSH_FUZZ_CHECK(encoded->size() <= wire::kMaxContentSize);
  HUSH_FUZZ_CHECK(encoded->size() % 16 == 0);
  HUSH_FUZZ_CHECK(wire::padded_size(encoded->size()) == encoded->size());

  auto again = wire::decode_content(*encoded);
  HUSH_FUZZ_CHECK(again.ok());
  wire::content::Content first = *decoded;
  wire::content::Content second = *again;
  first.clear_padding();
  second.clear_padding();
  HUSH_FUZZ_CHECK(first.SerializeAsString() == second.SerializeAsString());
  return 0;
}
