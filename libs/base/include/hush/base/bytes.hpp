// Byte containers and views used across hush, and hex encoding for logs of public data and
// for test vectors. Secret material does not live here: see hush/crypto/secret.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hush {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;
using MutableByteView = std::span<std::uint8_t>;

// Views the characters of a string as bytes (no copy).
inline ByteView as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

inline Bytes to_bytes(std::string_view text) {
  ByteView view = as_bytes(text);
  return Bytes(view.begin(), view.end());
}

inline std::string to_string(ByteView bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Appends `tail` to `out`.
inline void append(Bytes& out, ByteView tail) {
  out.insert(out.end(), tail.begin(), tail.end());
}

// Concatenates any number of byte ranges.
template <class... Views>
Bytes concat(const Views&... views) {
  Bytes out;
  out.reserve((ByteView(views).size() + ... + 0));
  (append(out, ByteView(views)), ...);
  return out;
}

// Lower-case hexadecimal.
std::string to_hex(ByteView bytes);

// Parses hexadecimal (either case, even length); nullopt on any other character or odd length.
std::optional<Bytes> from_hex(std::string_view hex);
// The value of one hex digit (either case), or -1 for any other character.
int hex_digit_value(char c);

}  // namespace hush
