// A protocol address: (account name, device id). Every session, sender key and trust decision
// is per address, from the first line (ARCHITECTURE.md decision 3).
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace hush::protocol {

struct ProtocolAddress {
  std::string name;
  std::uint32_t device_id = 1;

  friend auto operator<=>(const ProtocolAddress&, const ProtocolAddress&) = default;
  friend bool operator==(const ProtocolAddress&, const ProtocolAddress&) = default;
};

}  // namespace hush::protocol
