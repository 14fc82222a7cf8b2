// The name a sealed row is bound to: its table and its key columns, encoded without ambiguity
// (each part length-prefixed) and used as the AEAD's associated data. A sealed value copied into
// another row, another table or another store fails to open, so rows cannot be swapped.
#pragma once

#include <cstdint>
#include <string_view>

#include "hush/base/bytes.hpp"

namespace hush::client {

class RowName {
 public:
  // Starts the name of a row of `table` (the SQL table name).
  explicit RowName(std::string_view table);

  // Appends one key column. Every row of a table must use the same sequence of part kinds.
  RowName& add(ByteView part);
  RowName& add(std::string_view part) { return add(as_bytes(part)); }
  RowName& add(std::uint32_t part);

  // "hush-client-store/1", then each of table and parts as a 4-byte big-endian length and bytes.
  ByteView associated_data() const { return encoded_; }

 private:
  Bytes encoded_;
};

}  // namespace hush::client
