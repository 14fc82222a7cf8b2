// Prekey ids and the wire form of prekeys (public halves only).
#include "prekey_upload.hpp"

#include "hush/protocol/limits.hpp"

namespace hush::client::detail {

std::uint32_t next_prekey_id(std::uint32_t start, std::uint32_t count) {
  constexpr std::uint64_t kRange = protocol::kMediumMaxValue - 1;
  const std::uint64_t zero_based = (std::uint64_t{start == 0 ? 1u : start} - 1 + count) % kRange;
  return static_cast<std::uint32_t>(zero_based + 1);
}

wire::api::PreKey to_wire(const protocol::PreKeyRecord& record) {
  const auto public_key = record.key_pair.public_key.serialize();
  wire::api::PreKey key;
  key.set_id(record.id);
  key.set_public_key(std::string(public_key.begin(), public_key.end()));
  return key;
}

wire::api::SignedPreKey to_wire(const protocol::SignedPreKeyRecord& record) {
  const auto public_key = record.key_pair.public_key.serialize();
  wire::api::SignedPreKey key;
  key.set_id(record.id);
  key.set_public_key(std::string(public_key.begin(), public_key.end()));
  key.set_signature(std::string(record.signature.begin(), record.signature.end()));
  return key;
}

}  // namespace hush::client::detail
