// Loading of the known-answer vectors under tests/vectors/ (JSON, hex-encoded byte strings) for
// the crypto tests.
#pragma once

#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "hush/base/bytes.hpp"

namespace hush::crypto::test {

// Parses tests/vectors/<file_name>; throws (failing the test) when it is missing or malformed.
inline nlohmann::json load_vectors(const std::string& file_name) {
  const std::string path = std::string(HUSH_SOURCE_DIR) + "/tests/vectors/" + file_name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in);
}

// Decodes a hex string from a vector file; throws on malformed hex.
inline Bytes hex(const nlohmann::json& value) {
  auto decoded = from_hex(value.get<std::string>());
  if (!decoded) throw std::runtime_error("bad hex in vector file: " + value.get<std::string>());
  return *decoded;
}

inline Bytes hex(std::string_view text) {
  auto decoded = from_hex(text);
  if (!decoded) throw std::runtime_error("bad hex literal");
  return *decoded;
}

}  // namespace hush::crypto::test
