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

using detail::padding_bytes_for;

Result<void, WireError> validate(const content::Content& content) {
  if (content.message_id().size() != kMessageIdSize) return fail(WireError::kInvalidField);
  if (content.has_data()) {
    const auto& data = content.data();
    if (data.attachments_size() > kMaxAttachments) return fail(WireError::kInvalidField);
    for (const auto& attachment : data.attachments()) {
      if (attachment.thumbnail().size() > kMaxThumbnailSize) return fail(WireError::kInvalidField);
    }
  }
  if (content.has_receipt() && content.receipt().message_ids_size() > kMaxReceiptIds) {
    return fail(WireError::kInvalidField);
  }
  return {};
}

}  // namespace

Result<Bytes, WireError> encode_content(const content::Content& content) {
  HUSH_TRY(validate(content));
  content::Content copy = content;
  copy.clear_padding();
  const std::size_t unpadded = copy.ByteSizeLong();
  // The padding field needs at least 3 bytes; a few room sizes cannot be filled exactly (the
  // length varint grows), in which case the next bucket is used.
  std::size_t target = padded_size(unpadded + 3);
  std::optional<std::size_t> zeros = padding_bytes_for(target - unpadded);
  if (!zeros) {
    target = padded_size(target + 1);
    zeros = padding_bytes_for(target - unpadded);
  }
  if (!zeros || target > kMaxContentSize) return fail(WireError::kTooLarge);
  copy.set_padding(std::string(*zeros, '\0'));
  Bytes out(copy.ByteSizeLong());
  if (!copy.SerializeToArray(out.data(), static_cast<int>(out.size()))) {
    return fail(WireError::kMalformed);
  }
  return out;
}

Result<content::Content, WireError> decode_content(ByteView encoded) {
  if (encoded.size() > kMaxContentSize) return fail(WireError::kTooLarge);
  content::Content content;
  if (!content.ParseFromArray(encoded.data(), static_cast<int>(encoded.size()))) {
    return fail(WireError::kMalformed);
  }
  HUSH_TRY(validate(content));
  content.clear_padding();
  return content;
}

}  // namespace hush::wire
