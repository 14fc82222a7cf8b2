// Internal: reading a key file, refusing one that others could read or write. The checks are made
// on the opened descriptor (fstat), so the file checked is the file read.
#pragma once

#include <filesystem>

#include "hush/base/result.hpp"
#include "hush/client/store/error.hpp"
#include "hush/crypto/aead.hpp"

namespace hush::client::detail {

// kKeyFileUnreadable (missing, unreadable), kKeyFileInvalid (not a regular file, or not exactly
// kKeyFileSize bytes), kKeyFileInsecure (any group or other permission bit, or another owner).
Result<crypto::AeadKey, StoreError> read_key_file(const std::filesystem::path& path);

}  // namespace hush::client::detail
