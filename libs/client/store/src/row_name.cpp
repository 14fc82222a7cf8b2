// RowName: the unambiguous encoding of a row's table and key columns, used as associated data.
#include "hush/client/store/row_name.hpp"

namespace hush::client {
namespace {

// Names "hush-client-store" and the sealed-row format version (record_cipher.hpp).
constexpr std::string_view kDomain = "hush-client-store/1";

void append_u32(Bytes& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 24));
  out.push_back(static_cast<std::uint8_t>(value >> 16));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

}  // namespace

RowName::RowName(std::string_view table) {
  append(encoded_, as_bytes(kDomain));
  add(as_bytes(table));
}

RowName& RowName::add(ByteView part) {
  append_u32(encoded_, static_cast<std::uint32_t>(part.size()));
  append(encoded_, part);
  return *this;
}

RowName& RowName::add(std::uint32_t part) {
  Bytes encoded;
  append_u32(encoded, part);
  return add(ByteView(encoded));
}

}  // namespace hush::client
