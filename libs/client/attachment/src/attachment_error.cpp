// Names and sentences of the attachment component's errors.
#include "hush/client/attachment/attachment_error.hpp"

namespace hush::client {

const char* to_string(AttachmentError error) {
  switch (error) {
    case AttachmentError::kIo: return "io";
    case AttachmentError::kNotRegularFile: return "not_regular_file";
    case AttachmentError::kTooLarge: return "too_large";
    case AttachmentError::kSizeMismatch: return "size_mismatch";
    case AttachmentError::kDigestMismatch: return "digest_mismatch";
    case AttachmentError::kBadMac: return "bad_mac";
    case AttachmentError::kBadPadding: return "bad_padding";
    case AttachmentError::kBadKey: return "bad_key";
  }
  return "unknown";
}

const char* describe(AttachmentError error) {
  switch (error) {
    case AttachmentError::kIo: return "the file could not be read, written or synced to disk";
    case AttachmentError::kNotRegularFile:
      return "that is not a regular file (a folder, device or pipe cannot be sent)";
    case AttachmentError::kTooLarge: return "the file is larger than an attachment may be (2 GiB)";
    case AttachmentError::kSizeMismatch:
      return "the attachment does not have the size it should (an incomplete download, or a file that changed "
             "while it was read)";
    case AttachmentError::kDigestMismatch: return "the downloaded attachment was altered or damaged";
    case AttachmentError::kBadMac: return "the downloaded attachment does not match its key; it was altered or damaged";
    case AttachmentError::kBadPadding: return "the attachment was encrypted incorrectly by its sender";
    case AttachmentError::kBadKey: return "the attachment's key is malformed";
  }
  return "unknown attachment error";
}

}  // namespace hush::client
