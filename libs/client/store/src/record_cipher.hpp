// Internal: sealing and opening of secret column values under one key. A sealed value is
//   format (1 byte, kSealedRowFormat) || nonce (24) || XChaCha20-Poly1305 ciphertext || tag (16)
// with the row's RowName as associated data. Used with the data key for rows, and with the unlock
// key for the data key itself (store_key.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "hush/base/result.hpp"
#include "hush/client/store/error.hpp"
#include "hush/client/store/row_name.hpp"
#include "hush/crypto/aead.hpp"
#include "hush/crypto/random.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::client::detail {

inline constexpr std::uint8_t kSealedRowFormat = 1;

class RecordCipher {
 public:
  explicit RecordCipher(const crypto::AeadKey& key) : key_(key) {}

  Bytes seal(const RowName& row, ByteView plaintext, crypto::Rng& rng) const;

  // kCorrupt when `sealed` is shorter than kSealedRowOverhead, longer than max_plaintext_size plus
  // that (checked before any work), of another format, or does not authenticate for `row`.
  Result<crypto::SecretBytes, StoreError> open(const RowName& row, ByteView sealed,
                                               std::size_t max_plaintext_size) const;

 private:
  crypto::AeadKey key_;
};

}  // namespace hush::client::detail
