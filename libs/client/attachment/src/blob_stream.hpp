// Private to the attachment component: the receiving side of the blob format as two streaming
// passes fed the blob's bytes in order, in chunks of any size. The file functions drive them from
// a file; fuzz/fuzz_attachment_decrypt drives them from memory. BlobVerifier checks size, digest
// and MAC without decrypting; BlobDecryptor decrypts, and checks the MAC again and the padding.
// A caller uses BlobDecryptor's output only after BlobVerifier passed on the same bytes and the
// decryptor's own finish() succeeded.
#pragma once

#include <cstdint>
#include <optional>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/client/attachment/attachment_cipher.hpp"
#include "hush/crypto/aes_cbc.hpp"
#include "hush/crypto/hash.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::client::detail {

// Splits a stream of blob bytes into its three sections by position.
class BlobSections {
 public:
  enum class Section { kIv, kCiphertext, kMac };

  // `total` is blob_size(plaintext_size), at least 16 + 16 + 32.
  explicit BlobSections(std::uint64_t total) : total_(total) {}

  // Calls visit(section, bytes) for each section `chunk` covers, in order. Bytes past the end of
  // the blob are not visited; they make overflowed() true.
  template <class Visit>
  void feed(ByteView chunk, Visit&& visit) {
    while (!chunk.empty()) {
      if (position_ >= total_) {
        overflowed_ = true;
        return;
      }
      const std::uint64_t mac_start = total_ - kAttachmentMacSize;
      Section section = Section::kMac;
      std::uint64_t end = total_;
      if (position_ < kAttachmentIvSize) {
        section = Section::kIv;
        end = kAttachmentIvSize;
      } else if (position_ < mac_start) {
        section = Section::kCiphertext;
        end = mac_start;
      }
      const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), end - position_));
      visit(section, chunk.first(take));
      position_ += take;
      chunk = chunk.subspan(take);
    }
  }

  // True when exactly `total` bytes were fed.
  bool complete() const { return position_ == total_ && !overflowed_; }

 private:
  std::uint64_t total_;
  std::uint64_t position_ = 0;
  bool overflowed_ = false;
};

// Pass one: size, digest, MAC.
class BlobVerifier {
 public:
  // `key` must be kAttachmentKeySize bytes (checked by the caller); plaintext_size at most
  // kMaxAttachmentSize.
  BlobVerifier(ByteView key, std::uint64_t plaintext_size);

  void update(ByteView blob_bytes);
  // kSizeMismatch unless exactly blob_size(plaintext_size) bytes were fed, then kDigestMismatch,
  // then kBadMac (both compared in constant time).
  Result<void, AttachmentError> finish(const crypto::Sha256Digest& digest);

 private:
  BlobSections sections_;
  crypto::Sha256 blob_hash_;
  crypto::HmacSha256 mac_;
  std::array<std::uint8_t, kAttachmentMacSize> received_mac_{};
  std::size_t received_mac_size_ = 0;
};

// Pass two: decryption. Plaintext released by update() is unauthenticated until finish().
class BlobDecryptor {
 public:
  // As BlobVerifier.
  BlobDecryptor(ByteView key, std::uint64_t plaintext_size);

  // Appends the plaintext decrypted so far (never more than plaintext_size bytes in all; the
  // zero padding is checked, not released) to `plaintext`.
  void update(ByteView blob_bytes, crypto::SecretBytes& plaintext);
  // Appends the rest of the plaintext and returns its SHA-256: kSizeMismatch unless exactly the
  // blob's size was fed, kBadMac, then kBadPadding (PKCS#7 malformed, the padded plaintext not
  // padded_size(plaintext_size) bytes, or a non-zero padding byte).
  Result<crypto::Sha256Digest, AttachmentError> finish(crypto::SecretBytes& plaintext);

 private:
  void release(ByteView decrypted, crypto::SecretBytes& plaintext);

  crypto::SecretArray<32> cipher_key_;
  std::uint64_t plaintext_size_;
  BlobSections sections_;
  crypto::HmacSha256 mac_;
  AttachmentIv iv_{};
  std::size_t iv_size_ = 0;
  std::optional<crypto::Aes256CbcDecryptor> cipher_;
  std::array<std::uint8_t, kAttachmentMacSize> received_mac_{};
  std::size_t received_mac_size_ = 0;
  crypto::SecretBytes scratch_;    // one chunk's decryption, before it is split
  std::uint64_t decrypted_ = 0;    // padded plaintext bytes decrypted so far
  std::uint8_t padding_bits_ = 0;  // OR of every zero-padding byte
  crypto::Sha256 plaintext_hash_;
};

}  // namespace hush::client::detail
