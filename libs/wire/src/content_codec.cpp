// Padding and bounded decoding of content::Content.
#include "hush/wire/content_codec.hpp"

#include <bit>

#include "padding.hpp"

namespace hush::wire {

const char* to_string(WireError error) {
  switch (error) {
    case WireError::kTooLarge: return "too_large";
    case WireError::kMalformed: return "malformed";
    case WireError::kInvalidField: return "invalid_field";
  }
  return "unknown";
}

std::size_t padded_size(std::size_t size) {
  std::size_t step = kSmallBucket;
  if (size > kSmallBucketLimit) step = std::bit_floor(size) / 8;
  return (size + step - 1) / step * step;
}

namespace {

Result<void, WireError> validate(const content::Content& content) {
  if (content.message_id().size() != kMessageIdSize) return fail(WireError::kInvalidField);
  if (content.has_data()) {
    const auto& data = content.data();
    if (data.attachments_size() > kMaxAttachments) return fail(WireError::kInvalidField);
    for (const auto& attachment : data.attachments()) {
      if (attachment.thumbnail().size() > kMaxThumbnailSize) return fail(WireError::kInvalidField);
    }
    const std::uint32_t timer = data.expire_timer_seconds();
    if (timer != 0 && (timer < kMinExpireTimerSeconds || timer > kMaxExpireTimerSeconds)) {
      return fail(WireError::kInvalidField);
    }
  }
  if (content.has_receipt() && content.receipt().message_ids_size() > kMaxReceiptIds) {
    return fail(WireError::kInvalidField);
  }
  if (content.has_sent_transcript()) {
    const auto& transcript = content.sent_transcript();
    if (transcript.destination().empty() || transcript.destination().size() > kMaxTranscriptDestinationSize ||
        transcript.content().empty()) {
      return fail(WireError::kInvalidField);
    }
  }
  // A group id is 16 bytes wherever it is named (absent: not about a group).
  auto group_id_ok = [](const std::string& id, bool required) {
    return id.size() == kGroupIdSize || (!required && id.empty());
  };
  if ((content.has_data() && content.data().has_group() && !group_id_ok(content.data().group().group_id(), true)) ||
      (content.has_receipt() && !group_id_ok(content.receipt().group_id(), false)) ||
      (content.has_typing() && !group_id_ok(content.typing().group_id(), false)) ||
      (content.has_group_sender_key() && !group_id_ok(content.group_sender_key().group_id(), true))) {
    return fail(WireError::kInvalidField);
  }
  return {};
}

}  // namespace

namespace {
std::optional<detail::PaddingPlan> content_padding(std::size_t unpadded) {
  return detail::plan_padding(unpadded, kMaxContentSize, [](std::size_t size) { return padded_size(size); });
}
}  // namespace

Result<Bytes, WireError> encode_content(const content::Content& content) {
  HUSH_TRY(validate(content));
  content::Content copy = content;
  copy.clear_padding();
  auto plan = content_padding(copy.ByteSizeLong());
  if (!plan) return fail(WireError::kTooLarge);
  copy.set_padding(std::string(plan->zeros, '\0'));
  Bytes out(plan->padded_size);
  if (!copy.SerializeToArray(out.data(), static_cast<int>(out.size()))) {
    return fail(WireError::kMalformed);
  }
  return out;
}

Result<content::Content, WireError> decode_content(ByteView encoded) {
  detail::quiet_protobuf_utf8_errors();
  if (encoded.size() > kMaxContentSize) return fail(WireError::kTooLarge);
  content::Content content;
  if (!content.ParseFromArray(encoded.data(), static_cast<int>(encoded.size()))) {
    return fail(WireError::kMalformed);
  }
  HUSH_TRY(validate(content));
  content.clear_padding();
  // Refuse what encode_content could not produce again (a forwarded message must re-encode).
  if (!content_padding(content.ByteSizeLong())) return fail(WireError::kTooLarge);
  return content;
}

}  // namespace hush::wire
