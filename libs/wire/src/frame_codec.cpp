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

namespace {
std::optional<detail::PaddingPlan> frame_padding(std::size_t unpadded) {
  return detail::plan_padding(unpadded, kMaxFrameSize, [](std::size_t size) { return frame_size_for(size); });
}
}  // namespace

Result<Bytes, WireError> encode_frame(const api::Frame& frame) {
  if (frame.kind_case() == api::Frame::KIND_NOT_SET) return fail(WireError::kInvalidField);
  api::Frame copy = frame;
  copy.clear_padding();
  auto plan = frame_padding(copy.ByteSizeLong());
  if (!plan) return fail(WireError::kTooLarge);
  copy.set_padding(std::string(plan->zeros, '\0'));
  Bytes out(plan->padded_size);
  if (!copy.SerializeToArray(out.data(), static_cast<int>(out.size()))) return fail(WireError::kMalformed);
  return out;
}

Result<api::Frame, WireError> decode_frame(ByteView encoded) {
  detail::quiet_protobuf_utf8_errors();
  if (encoded.size() > kMaxFrameSize) return fail(WireError::kTooLarge);
  api::Frame frame;
  if (!frame.ParseFromArray(encoded.data(), static_cast<int>(encoded.size()))) return fail(WireError::kMalformed);
  if (frame.kind_case() == api::Frame::KIND_NOT_SET) return fail(WireError::kInvalidField);
  frame.clear_padding();
  // Refuse what encode_frame could not produce again, so both sides accept the same frames.
  if (!frame_padding(frame.ByteSizeLong())) return fail(WireError::kTooLarge);
  return frame;
}

}  // namespace hush::wire
