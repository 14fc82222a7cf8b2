// Padded, bounded encoding of api::Frame.
#include "hush/wire/frame_codec.hpp"

#include "padding.hpp"

namespace hush::wire {

std::size_t frame_size_for(std::size_t size) {
  for (std::size_t bucket : kFrameSizes) {
    if (size <= bucket) return bucket;
  }
  return 0;
}

Result<Bytes, WireError> encode_frame(const api::Frame& frame) {
  if (frame.kind_case() == api::Frame::KIND_NOT_SET) return fail(WireError::kInvalidField);
  api::Frame copy = frame;
  copy.clear_padding();
  const std::size_t unpadded = copy.ByteSizeLong();
  // The padding field needs at least 3 bytes; if a bucket cannot be filled exactly (the length
  // varint changes width at the boundary), the next bucket is used.
  for (std::size_t bucket : kFrameSizes) {
    if (bucket < unpadded + 3) continue;
    if (auto zeros = detail::padding_bytes_for(bucket - unpadded)) {
      copy.set_padding(std::string(*zeros, '\0'));
      Bytes out(bucket);
      if (!copy.SerializeToArray(out.data(), static_cast<int>(out.size()))) return fail(WireError::kMalformed);
      return out;
    }
  }
  return fail(WireError::kTooLarge);
}

Result<api::Frame, WireError> decode_frame(ByteView encoded) {
  if (encoded.size() > kMaxFrameSize) return fail(WireError::kTooLarge);
  api::Frame frame;
  if (!frame.ParseFromArray(encoded.data(), static_cast<int>(encoded.size()))) return fail(WireError::kMalformed);
  if (frame.kind_case() == api::Frame::KIND_NOT_SET) return fail(WireError::kInvalidField);
  frame.clear_padding();
  return frame;
}

}  // namespace hush::wire
