// Fuzzes wire::decode_frame, the first decoder every client <-> server WebSocket message meets.
// On success encode_frame must succeed, produce exactly one of kFrameSizes, and decode back to
// the same frame (padding aside).
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "hush/wire/frame_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hush;
  auto decoded = wire::decode_frame(ByteView(data, size));
  if (!decoded) return 0;
  HUSH_FUZZ_CHECK(decoded->padding().empty());
  HUSH_FUZZ_CHECK(decoded->kind_case() != wire::api::Frame::KIND_NOT_SET);

  auto encoded = wire::encode_frame(*decoded);
  HUSH_FUZZ_CHECK(encoded.ok());
  HUSH_FUZZ_CHECK(std::find(wire::kFrameSizes.begin(), wire::kFrameSizes.end(), encoded->size()) !=
                  wire::kFrameSizes.end());

  auto again = wire::decode_frame(*encoded);
  HUSH_FUZZ_CHECK(again.ok());
  wire::api::Frame first = *decoded;
  wire::api::Frame second = *again;
  first.clear_padding();
  second.clear_padding();
  HUSH_FUZZ_CHECK(first.SerializeAsString() == second.SerializeAsString());
  return 0;
}
