// Internal: filling a protobuf message's `padding` bytes field so that the encoded message is
// exactly a target size (shared by the content and frame codecs).
#pragma once

#include <cstddef>
#include <optional>

namespace hush::wire::detail {

// The number n of zero bytes for a padding field (tag + length varint + n bytes) that fills
// exactly `room` bytes, if one exists. n is at least 1: proto3 omits an empty bytes field.
std::optional<std::size_t> padding_bytes_for(std::size_t room);

}  // namespace hush::wire::detail
