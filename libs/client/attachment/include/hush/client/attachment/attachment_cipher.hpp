// The encrypted attachment blob, in Signal's attachment format: a fresh 64-byte key per
// attachment (AES-256 key || HMAC-SHA256 key), and
//
//   blob = IV (16) || AES-256-CBC-PKCS#7(key[0:32], IV, plaintext || zeros) || HMAC-SHA256(key[32:64], IV ||
//   ciphertext) (32)
//
// where the zeros pad the plaintext to padded_size(size), so that the server and the network see
// only a size bucket. The digest is SHA-256 of the whole blob. The key, the digest and the
// plaintext size travel inside the end-to-end message; the blob goes to the server.
// Owns: the format, the size buckets, streaming encryption and verified decryption of files.
// Does not own: uploading, downloading or resuming (libs/client/messenger), the message that
// carries the key (wire/content.proto), or what the file is (file_facts.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/client/attachment/attachment_error.hpp"
#include "hush/crypto/hash.hpp"
#include "hush/crypto/random.hpp"
#include "hush/crypto/secret.hpp"

namespace hush::client {

inline constexpr std::size_t kAttachmentKeySize = 64;  // AES-256 key (32) || HMAC-SHA256 key (32)
inline constexpr std::size_t kAttachmentIvSize = 16;
inline constexpr std::size_t kAttachmentMacSize = 32;

// The largest plaintext, 2 GiB: more than any photo, voice note or phone video a person sends in
// one piece (a minute of 4K video is about 400 MB), yet every size and offset stays within 31 bits
// for servers and clients that count in signed 32-bit integers, and the bucket table stays short.
// A server may enforce a lower limit of its own.
inline constexpr std::uint64_t kMaxAttachmentSize = std::uint64_t{2} << 30;

// The smallest bucket: every plaintext of up to 541 bytes is padded to 541 (Signal's rule).
inline constexpr std::uint64_t kMinPaddedSize = 541;

// What padded_size and blob_size return for a size over kMaxAttachmentSize: no bucket exists, and
// no file can have this size, so a size check against it always fails.
inline constexpr std::uint64_t kNoBucket = std::numeric_limits<std::uint64_t>::max();

// The unit in which the file functions read and write: their memory does not grow with the file.
inline constexpr std::size_t kAttachmentChunkSize = 64 * 1024;

using AttachmentKey = crypto::SecretArray<kAttachmentKeySize>;
using AttachmentIv = std::array<std::uint8_t, kAttachmentIvSize>;

// Signal's size buckets: max(541, floor(1.05^ceil(log(n) / log(1.05)))), i.e. the smallest
// floor(1.05^k) that is at least n and at least 541, so padding costs at most 5% (and never
// less than n). Computed exactly (floor(105^k / 100^k) from a table built at compile time), not
// with floating point, so that every platform agrees on every bucket: the receiver checks the
// blob's size against it. 0 -> 541, 541 -> 541, 542 -> 568, 1,000,000 -> 1,041,743. Monotonic.
// The last bucket, 2,210,450,988, is above the limit; kNoBucket for n > kMaxAttachmentSize.
std::uint64_t padded_size(std::uint64_t plaintext_size);

// The blob's size for a plaintext of `plaintext_size` bytes: IV + the padded plaintext's CBC
// ciphertext (PKCS#7 always adds 1 to 16 bytes) + MAC. kNoBucket for n > kMaxAttachmentSize.
std::uint64_t blob_size(std::uint64_t plaintext_size);

// What the sender puts in the message (key, digest, size) and keeps for itself.
struct EncryptedAttachment {
  AttachmentKey key;                        // fresh per attachment; secret
  crypto::Sha256Digest digest{};            // SHA-256 of the whole blob: the receiver's download check
  crypto::Sha256Digest plaintext_sha256{};  // SHA-256 of the plaintext (duplicate detection, integrity)
  std::uint64_t size = 0;                   // plaintext bytes
  std::uint64_t blob_size = 0;              // == hush::client::blob_size(size)
};

// Digests of one finished blob.
struct AttachmentDigests {
  crypto::Sha256Digest blob{};       // SHA-256 of the blob (EncryptedAttachment::digest)
  crypto::Sha256Digest plaintext{};  // SHA-256 of the plaintext alone
};

// Encrypts one attachment chunk by chunk into the blob format, with a caller's key and IV (the
// file functions draw both from an Rng; tests pin them). Memory does not depend on the size.
// Usage: update() for each chunk of plaintext, optionally pad() until it returns false (to bound
// the memory the zero padding takes), then finish(). Every call appends blob bytes to `out` in
// order; concatenated, they are the blob. Move-only; not thread-safe.
class AttachmentEncryptor {
 public:
  // Throws std::invalid_argument when plaintext_size > kMaxAttachmentSize (a caller's bug: the
  // limit is checked before anything is read). The key is copied; the caller may wipe its own.
  AttachmentEncryptor(const AttachmentKey& key, const AttachmentIv& iv, std::uint64_t plaintext_size);
  AttachmentEncryptor(AttachmentEncryptor&&) noexcept;
  AttachmentEncryptor& operator=(AttachmentEncryptor&&) noexcept;
  ~AttachmentEncryptor();

  // Appends the blob bytes for `plaintext` (the IV first, on the first call). Bytes beyond the
  // declared plaintext_size are not encrypted; finish() then fails with kSizeMismatch.
  void update(ByteView plaintext, Bytes& out);

  // Appends the ciphertext of up to kAttachmentChunkSize bytes of the zero padding; true while
  // padding remains. Only valid once all plaintext_size bytes were given (otherwise it does
  // nothing and returns false, and finish() reports kSizeMismatch).
  bool pad(Bytes& out);

  // Appends the rest of the padding, the last block and the MAC; returns the digests.
  // kSizeMismatch (and nothing appended) when the plaintext given was not plaintext_size bytes.
  // The object is used up either way: calling anything again is a bug (std::logic_error).
  Result<AttachmentDigests, AttachmentError> finish(Bytes& out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Encrypts the file at `plaintext` into a blob at `blob_out` with a fresh key and IV from `rng`
// (which must be a CSPRNG in production). Streams in kAttachmentChunkSize chunks. blob_out is
// written through a temporary file beside it (mode 0600), fsync'd and renamed into place, so it
// is either the whole blob or untouched. Empty files are allowed (they become a 541-byte bucket).
// Errors: kNotRegularFile (a folder, FIFO, device...; a symbolic link to a regular file is
// followed), kTooLarge (over kMaxAttachmentSize), kSizeMismatch (the file changed size while it
// was read), kIo.
Result<EncryptedAttachment, AttachmentError> encrypt_file(const std::filesystem::path& plaintext,
                                                          const std::filesystem::path& blob_out, crypto::Rng& rng);

// Checks a downloaded blob without decrypting it, in one streaming pass: its size equals
// blob_size(plaintext_size) (kSizeMismatch), its SHA-256 equals `digest` (kDigestMismatch), and
// its MAC verifies under key[32:64] (kBadMac); digest and MAC compared in constant time. Also
// kBadKey (key not 64 bytes), kTooLarge (plaintext_size over the limit), kNotRegularFile, kIo.
Result<void, AttachmentError> verify_blob(const std::filesystem::path& blob, ByteView key,
                                          const crypto::Sha256Digest& digest, std::uint64_t plaintext_size);

// Verifies the blob as verify_blob does (a whole pass; nothing is written before the digest and
// MAC check), then decrypts it streaming into a temporary file beside `out` (mode 0600), checking
// the MAC again (the blob may have changed between the passes), the PKCS#7 padding and that the
// zero padding is all zeros (kBadPadding: only a sender holding the key can cause it); then
// fsyncs it and renames it to `out`, replacing any file there. Returns the plaintext's SHA-256.
// On failure nothing new is left at `out` (an existing file there is left as it was) and the
// temporary file is removed. Errors as verify_blob, plus kBadPadding.
Result<crypto::Sha256Digest, AttachmentError> decrypt_file(const std::filesystem::path& blob, ByteView key,
                                                           const crypto::Sha256Digest& digest,
                                                           std::uint64_t plaintext_size,
                                                           const std::filesystem::path& out);

}  // namespace hush::client
