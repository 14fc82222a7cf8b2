// Helpers shared by the storage tests.
#include "storage_test_support.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <iterator>

namespace hush::storage::test {

Timestamp at(std::int64_t seconds) {
  return Timestamp{std::chrono::milliseconds{1704067200000} + std::chrono::seconds{seconds}};
}

Bytes pattern(std::size_t size, std::uint8_t seed) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>((i * 31 + seed * 17 + (i >> 8)) | 1);
  return out;
}

NewDevice new_device(std::uint8_t seed) {
  NewDevice device;
  device.registration_id = 1000u + seed;
  device.identity_key = filled<33>(seed);
  device.identity_key[0] = 0x05;
  device.auth_key = filled<32>(static_cast<std::uint8_t>(seed + 100));
  device.name = "device " + std::to_string(seed);
  return device;
}

PreKey prekey(std::uint32_t id) {
  PreKey key;
  key.id = id;
  key.public_key = filled<33>(static_cast<std::uint8_t>(id));
  key.public_key[0] = 0x05;
  key.public_key[1] = static_cast<std::uint8_t>(id >> 8);
  return key;
}

MessageId message_id(std::uint32_t n) {
  MessageId id{};
  for (std::size_t i = 0; i < 4; ++i) id[i] = static_cast<std::uint8_t>(n >> (8 * i));
  id[15] = 0xAA;
  return id;
}

Envelope envelope(DeviceAddress recipient, std::optional<DeviceAddress> sender, std::uint32_t id, Timestamp expires_at,
                  std::size_t size) {
  Envelope out;
  out.recipient = recipient;
  out.sender = sender;
  out.id = message_id(id);
  out.server_time = at(1);
  out.expires_at = expires_at;
  out.ciphertext = pattern(size, static_cast<std::uint8_t>(id));
  return out;
}

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::filesystem::path& path, ByteView content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
}

bool contains(ByteView haystack, ByteView needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

}  // namespace hush::storage::test
