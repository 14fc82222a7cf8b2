// Padding-field arithmetic.
#include "padding.hpp"

namespace hush::wire::detail {
namespace {

std::size_t varint_size(std::size_t value) {
  std::size_t bytes = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++bytes;
  }
  return bytes;
}

}  // namespace

std::optional<std::size_t> padding_bytes_for(std::size_t room) {
  // A one-byte tag (field 15, wire type 2), then the length varint, then the bytes.
  for (std::size_t length_bytes = 1; length_bytes <= 3; ++length_bytes) {
    if (room < 2 + length_bytes) return std::nullopt;
    std::size_t n = room - 1 - length_bytes;
    if (varint_size(n) == length_bytes) return n;
  }
  return std::nullopt;
}

}  // namespace hush::wire::detail
