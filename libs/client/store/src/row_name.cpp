// RowName: the unambiguous encoding of a row's table and key columns, used as associated data.
#include "hush/client/store/row_name.hpp"

#include <array>

namespace hush::client {
namespace {

// Names "hush-client-store" and the sealed-row format version (record_cipher.hpp).
constexpr std::string_view kDomain = "hush-client-store/1";

std::array<std::uint8_t, 4> big_endian(std::uint32_t value) {
  return {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
          static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
}

}  // namespace

// The domain is copied in by the constructor rather than appended to an empty vector: g++ 12
// at -O3 warns falsely (-Wstringop-overflow) about growing an empty vector here.
RowName::RowName(std::string_view table) : encoded_(kDomain.begin(), kDomain.end()) {
  add(as_bytes(table));
}

RowName& RowName::add(ByteView part) {
  const auto length = big_endian(static_cast<std::uint32_t>(part.size()));
  append(encoded_, length);
  append(encoded_, part);
  return *this;
}

RowName& RowName::add(std::uint32_t part) {
  const auto encoded = big_endian(part);
  return add(ByteView(encoded));
}

}  // namespace hush::client
