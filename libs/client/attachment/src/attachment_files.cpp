// The file functions of attachment_cipher.hpp: encrypt_file streams a plaintext file through
// AttachmentEncryptor into a temporary file; verify_blob and decrypt_file stream a blob through
// the passes of blob_stream.hpp. Each reads and writes kAttachmentChunkSize bytes at a time.
#include <array>

#include "blob_stream.hpp"
#include "file_io.hpp"
#include "hush/client/attachment/attachment_cipher.hpp"

namespace hush::client {
namespace {

using detail::BlobDecryptor;
using detail::BlobVerifier;
using detail::OpenedFile;
using detail::TempFile;

// Reads the blob of `expected_size` bytes in chunks, handing each to `consume`. kSizeMismatch
// when the file is shorter or longer than expected (it may have changed since it was opened).
template <class Consume>
Result<void, AttachmentError> stream_blob(int fd, std::uint64_t expected_size, Consume&& consume) {
  Bytes chunk(kAttachmentChunkSize);
  std::uint64_t offset = 0;
  while (offset < expected_size) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), expected_size - offset));
    auto got = detail::read_at(fd, offset, MutableByteView(chunk).first(want));
    if (!got.ok()) return fail(got.error());
    if (*got != want) return fail(AttachmentError::kSizeMismatch);
    HUSH_TRY(consume(ByteView(chunk).first(want)));
    offset += want;
  }
  std::uint8_t extra = 0;
  auto past_end = detail::read_at(fd, offset, MutableByteView(&extra, 1));
  if (!past_end.ok()) return fail(past_end.error());
  if (*past_end != 0) return fail(AttachmentError::kSizeMismatch);
  return {};
}

// The checks every receiving function starts with: key length, size limit, the blob is a
// regular file of exactly blob_size(plaintext_size) bytes.
Result<OpenedFile, AttachmentError> open_blob(const std::filesystem::path& blob, ByteView key,
                                              std::uint64_t plaintext_size) {
  if (key.size() != kAttachmentKeySize) return fail(AttachmentError::kBadKey);
  if (plaintext_size > kMaxAttachmentSize) return fail(AttachmentError::kTooLarge);
  auto opened = detail::open_regular_file(blob);
  if (!opened.ok()) return fail(opened.error());
  if (opened->size != blob_size(plaintext_size)) return fail(AttachmentError::kSizeMismatch);
  return opened;
}

Result<void, AttachmentError> verify_opened(const OpenedFile& file, ByteView key, const crypto::Sha256Digest& digest,
                                            std::uint64_t plaintext_size) {
  BlobVerifier verifier(key, plaintext_size);
  HUSH_TRY(stream_blob(file.fd.get(), file.size, [&](ByteView bytes) -> Result<void, AttachmentError> {
    verifier.update(bytes);
    return {};
  }));
  return verifier.finish(digest);
}

}  // namespace

Result<EncryptedAttachment, AttachmentError> encrypt_file(const std::filesystem::path& plaintext,
                                                          const std::filesystem::path& blob_out, crypto::Rng& rng) {
  auto source = detail::open_regular_file(plaintext);
  if (!source.ok()) return fail(source.error());
  const std::uint64_t size = source->size;
  if (size > kMaxAttachmentSize) return fail(AttachmentError::kTooLarge);

  EncryptedAttachment result;
  rng.fill(result.key.mutable_view());
  AttachmentIv iv{};
  rng.fill(iv);
  AttachmentEncryptor encryptor(result.key, iv, size);

  auto temp = TempFile::create_beside(blob_out);
  if (!temp.ok()) return fail(temp.error());
  crypto::SecretBytes chunk(kAttachmentChunkSize);
  Bytes out;
  out.reserve(kAttachmentChunkSize + 2 * kAttachmentIvSize + kAttachmentMacSize);
  // One byte more than the size: a file that grew while it was read is caught here.
  std::uint64_t offset = 0;
  while (offset <= size) {
    auto got = detail::read_at(source->fd.get(), offset, chunk.mutable_view());
    if (!got.ok()) return fail(got.error());
    if (*got == 0) break;
    out.clear();
    encryptor.update(chunk.view().first(*got), out);
    HUSH_TRY(detail::write_all(temp->fd(), out));
    offset += *got;
  }
  // The zero padding, a chunk at a time (it is up to 5% of the size).
  for (bool more = true; more;) {
    out.clear();
    more = encryptor.pad(out);
    HUSH_TRY(detail::write_all(temp->fd(), out));
  }
  out.clear();
  auto digests = encryptor.finish(out);  // kSizeMismatch when the file changed size
  if (!digests.ok()) return fail(digests.error());
  HUSH_TRY(detail::write_all(temp->fd(), out));
  HUSH_TRY(temp->commit());

  result.digest = digests->blob;
  result.plaintext_sha256 = digests->plaintext;
  result.size = size;
  result.blob_size = blob_size(size);
  return result;
}

Result<void, AttachmentError> verify_blob(const std::filesystem::path& blob, ByteView key,
                                          const crypto::Sha256Digest& digest, std::uint64_t plaintext_size) {
  auto opened = open_blob(blob, key, plaintext_size);
  if (!opened.ok()) return fail(opened.error());
  return verify_opened(*opened, key, digest, plaintext_size);
}

Result<crypto::Sha256Digest, AttachmentError> decrypt_file(const std::filesystem::path& blob, ByteView key,
                                                           const crypto::Sha256Digest& digest,
                                                           std::uint64_t plaintext_size,
                                                           const std::filesystem::path& out) {
  // Pass one, before anything is written: size, digest, MAC.
  auto opened = open_blob(blob, key, plaintext_size);
  if (!opened.ok()) return fail(opened.error());
  HUSH_TRY(verify_opened(*opened, key, digest, plaintext_size));

  // Pass two over the same descriptor, into a temporary file that only commit() makes `out`.
  auto temp = TempFile::create_beside(out);
  if (!temp.ok()) return fail(temp.error());
  BlobDecryptor decryptor(key, plaintext_size);
  crypto::SecretBytes plaintext;
  HUSH_TRY(stream_blob(opened->fd.get(), opened->size, [&](ByteView bytes) -> Result<void, AttachmentError> {
    plaintext.resize(0);
    decryptor.update(bytes, plaintext);
    return detail::write_all(temp->fd(), plaintext.view());
  }));
  plaintext.resize(0);
  auto plaintext_sha256 = decryptor.finish(plaintext);
  if (!plaintext_sha256.ok()) return fail(plaintext_sha256.error());
  HUSH_TRY(detail::write_all(temp->fd(), plaintext.view()));
  HUSH_TRY(temp->commit());
  return *plaintext_sha256;
}

}  // namespace hush::client
