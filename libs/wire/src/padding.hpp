// Internal: filling a protobuf message's `padding` bytes field so that the encoded message is
// exactly a target size (shared by the content and frame codecs), and quieting libprotobuf's
// error log for peer-controlled input.
#pragma once

#include <cstddef>
#include <optional>

namespace hush::wire::detail {

// The number n of zero bytes for a padding field (tag + length varint + n bytes) that fills
// exactly `room` bytes, if one exists. n is at least 1: proto3 omits an empty bytes field.
std::optional<std::size_t> padding_bytes_for(std::size_t room);

struct PaddingPlan {
  std::size_t padded_size = 0;  // the encoded size, one of the codec's buckets
  std::size_t zeros = 0;        // bytes in the padding field
};

// The smallest bucket (as `next_bucket` enumerates them, up to `max_size`) that a message of
// `unpadded` bytes can be padded to exactly; nullopt when none fits. Encoders use it to pad,
// decoders to refuse what could not be re-encoded, so both accept exactly the same sizes.
template <class NextBucket>
std::optional<PaddingPlan> plan_padding(std::size_t unpadded, std::size_t max_size, NextBucket next_bucket) {
  for (std::size_t bucket = next_bucket(unpadded + 3); bucket != 0 && bucket <= max_size;
       bucket = next_bucket(bucket + 1)) {
    if (auto zeros = padding_bytes_for(bucket - unpadded)) return PaddingPlan{bucket, *zeros};
  }
  return std::nullopt;
}

// libprotobuf logs an ERROR line for every proto3 string field with invalid UTF-8 before it fails
// the parse; that input comes from peers, and error logs are for bugs. Installs (once) a log
// handler that drops exactly those lines and passes every other one to stderr.
void quiet_protobuf_utf8_errors();

}  // namespace hush::wire::detail
