// The two receiving passes over a blob (blob_stream.hpp): verification (SHA-256 of everything,
// HMAC-SHA256 of IV || ciphertext against the last 32 bytes) and decryption (AES-256-CBC,
// PKCS#7, then the zero padding up to padded_size checked and withheld).
#include "blob_stream.hpp"

#include <algorithm>
#include <cstring>

namespace hush::client::detail {
namespace {

using Section = BlobSections::Section;

ByteView cipher_half(ByteView key) {
  return key.first(32);
}
ByteView mac_half(ByteView key) {
  return key.subspan(32, 32);
}

void collect(std::array<std::uint8_t, kAttachmentMacSize>& into, std::size_t& size, ByteView bytes) {
  const std::size_t take = std::min(bytes.size(), into.size() - size);
  std::copy_n(bytes.begin(), take, into.begin() + static_cast<std::ptrdiff_t>(size));
  size += take;
}

bool mac_matches(crypto::HmacSha256& mac, const std::array<std::uint8_t, kAttachmentMacSize>& received) {
  const crypto::SecretArray<32> computed = mac.final();
  return crypto::constant_time_equal(computed.view(), received);
}

}  // namespace

BlobVerifier::BlobVerifier(ByteView key, std::uint64_t plaintext_size)
    : sections_(blob_size(plaintext_size)), mac_(mac_half(key)) {}

void BlobVerifier::update(ByteView blob_bytes) {
  sections_.feed(blob_bytes, [&](Section section, ByteView bytes) {
    blob_hash_.update(bytes);
    if (section == Section::kMac) {
      collect(received_mac_, received_mac_size_, bytes);
    } else {
      mac_.update(bytes);
    }
  });
}

Result<void, AttachmentError> BlobVerifier::finish(const crypto::Sha256Digest& digest) {
  if (!sections_.complete()) return fail(AttachmentError::kSizeMismatch);
  const crypto::Sha256Digest computed = blob_hash_.final();
  if (!crypto::constant_time_equal(computed, digest)) return fail(AttachmentError::kDigestMismatch);
  if (!mac_matches(mac_, received_mac_)) return fail(AttachmentError::kBadMac);
  return {};
}

BlobDecryptor::BlobDecryptor(ByteView key, std::uint64_t plaintext_size)
    : cipher_key_(cipher_half(key)),
      plaintext_size_(plaintext_size),
      sections_(blob_size(plaintext_size)),
      mac_(mac_half(key)) {}

void BlobDecryptor::update(ByteView blob_bytes, crypto::SecretBytes& plaintext) {
  sections_.feed(blob_bytes, [&](Section section, ByteView bytes) {
    switch (section) {
      case Section::kIv:
        mac_.update(bytes);
        std::copy(bytes.begin(), bytes.end(), iv_.begin() + static_cast<std::ptrdiff_t>(iv_size_));
        iv_size_ += bytes.size();
        if (iv_size_ == iv_.size()) cipher_.emplace(*crypto::Aes256CbcDecryptor::create(cipher_key_.view(), iv_));
        break;
      case Section::kCiphertext:
        mac_.update(bytes);
        cipher_->update(bytes, scratch_);
        release(scratch_.view(), plaintext);
        scratch_.resize(0);
        break;
      case Section::kMac: collect(received_mac_, received_mac_size_, bytes); break;
    }
  });
}

void BlobDecryptor::release(ByteView decrypted, crypto::SecretBytes& plaintext) {
  const std::uint64_t plaintext_left = plaintext_size_ - std::min(decrypted_, plaintext_size_);
  const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(decrypted.size(), plaintext_left));
  if (take > 0) {
    const std::size_t start = plaintext.size();
    plaintext.resize(start + take);
    std::memcpy(plaintext.data() + start, decrypted.data(), take);
    plaintext_hash_.update(decrypted.first(take));
  }
  for (std::uint8_t byte : decrypted.subspan(take)) padding_bits_ |= byte;
  decrypted_ += decrypted.size();
}

Result<crypto::Sha256Digest, AttachmentError> BlobDecryptor::finish(crypto::SecretBytes& plaintext) {
  if (!sections_.complete() || !cipher_) return fail(AttachmentError::kSizeMismatch);
  if (!mac_matches(mac_, received_mac_)) return fail(AttachmentError::kBadMac);
  auto last = cipher_->finish(scratch_);
  cipher_.reset();
  if (!last.ok()) return fail(AttachmentError::kBadPadding);
  release(scratch_.view(), plaintext);
  scratch_.resize(0);
  if (decrypted_ != padded_size(plaintext_size_) || padding_bits_ != 0) return fail(AttachmentError::kBadPadding);
  return plaintext_hash_.final();
}

}  // namespace hush::client::detail
