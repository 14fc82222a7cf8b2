// Errors of the attachment component. Each names one outcome a caller handles differently or
// reports to a person; describe() gives the sentence to show. None carries a key or file content.
// A blob that fails verification is reported by which check failed (size, digest, MAC, padding):
// all four mean "do not use this download", and none of them reveals anything about the plaintext.
#pragma once

namespace hush::client {

enum class AttachmentError {
  kIo,              // a file could not be opened, read, written, synced or renamed
  kNotRegularFile,  // the path names a folder, a device, a FIFO or a socket, not a regular file
  kTooLarge,        // the plaintext (or the size a message claims for it) is over kMaxAttachmentSize
  kSizeMismatch,    // the blob is not blob_size(plaintext_size) bytes, or a file changed size while read
  kDigestMismatch,  // the blob's SHA-256 is not the digest the message carried
  kBadMac,          // the blob's HMAC-SHA256 does not verify under the key's MAC half
  kBadPadding,      // the decrypted blob's PKCS#7 padding or zero padding is malformed
  kBadKey,          // the key is not kAttachmentKeySize (64) bytes
};

// A short, stable, lower_snake_case name, for logs and --json output.
const char* to_string(AttachmentError error);

// One sentence for a person, e.g. "the downloaded attachment was altered or damaged".
const char* describe(AttachmentError error);

}  // namespace hush::client
