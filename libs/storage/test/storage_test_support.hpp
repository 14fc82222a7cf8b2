// Helpers shared by the storage tests: scratch folders, fixed times, and builders for devices,
// keys and envelopes with recognisable contents.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "hush/storage/storage.hpp"
#include "scratch_folder.hpp"

namespace hush::storage::test {

using hush::test::ScratchFolder;

// A time `seconds` after an arbitrary fixed origin (2024-01-01).
Timestamp at(std::int64_t seconds);

// Bytes 0..size-1 of a pattern that differs per seed (and is not all zeros).
Bytes pattern(std::size_t size, std::uint8_t seed);

template <std::size_t N>
std::array<std::uint8_t, N> filled(std::uint8_t seed) {
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 7);
  return out;
}

NewDevice new_device(std::uint8_t seed);
PreKey prekey(std::uint32_t id);
MessageId message_id(std::uint32_t n);
Envelope envelope(DeviceAddress recipient, std::optional<DeviceAddress> sender, std::uint32_t id,
                  Timestamp expires_at = at(1000000), std::size_t size = 200);

// The whole content of a file, or empty if it does not exist.
Bytes read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, ByteView content);
bool contains(ByteView haystack, ByteView needle);

}  // namespace hush::storage::test
