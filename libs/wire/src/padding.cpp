// Padding-field arithmetic, and the protobuf log filter.
#include "padding.hpp"

#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <string>

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

void filtered_log(google::protobuf::LogLevel level, const char* filename, int line, const std::string& message) {
  if (message.find("invalid UTF-8") != std::string::npos) return;
  static const char* const kLevels[] = {"INFO", "WARNING", "ERROR", "FATAL"};
  std::fprintf(stderr, "[libprotobuf %s %s:%d] %s\n", kLevels[level], filename, line, message.c_str());
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

void quiet_protobuf_utf8_errors() {
  static const bool installed = [] {
    google::protobuf::SetLogHandler(&filtered_log);
    return true;
  }();
  (void)installed;
}

}  // namespace hush::wire::detail
