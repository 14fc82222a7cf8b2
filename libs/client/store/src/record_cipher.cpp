// Sealing of secret column values: format byte, then libs/crypto's aead_seal bound to the row name.
#include "record_cipher.hpp"

#include "hush/client/store/limits.hpp"

namespace hush::client::detail {

Bytes RecordCipher::seal(const RowName& row, ByteView plaintext, crypto::Rng& rng) const {
  Bytes sealed{kSealedRowFormat};
  append(sealed, crypto::aead_seal(key_, plaintext, row.associated_data(), rng));
  return sealed;
}

Result<crypto::SecretBytes, StoreError> RecordCipher::open(const RowName& row, ByteView sealed,
                                                           std::size_t max_plaintext_size) const {
  if (sealed.size() < kSealedRowOverhead || sealed.size() - kSealedRowOverhead > max_plaintext_size) {
    return fail(StoreError::kCorrupt);
  }
  if (sealed[0] != kSealedRowFormat) return fail(StoreError::kCorrupt);
  auto opened = crypto::aead_open(key_, sealed.subspan(1), row.associated_data());
  if (!opened.ok()) return fail(StoreError::kCorrupt);
  return std::move(*opened);
}

}  // namespace hush::client::detail
