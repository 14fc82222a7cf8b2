// Private to the attachment component: a file's MIME type from its first bytes (libmagic), or
// from its name when libmagic's database cannot be loaded.
#pragma once

#include <filesystem>
#include <string>

#include "hush/base/bytes.hpp"

namespace hush::client::detail {

inline constexpr const char* kUnknownContentType = "application/octet-stream";

// libmagic's MIME type (MAGIC_MIME_TYPE) for `head`, the file's first bytes; the default
// database is loaded at the first call. Falls back to content_type_from_name(path) when the
// database could not be loaded or libmagic gives no answer. "application/x-empty" and
// "inode/..." answers become kUnknownContentType. Thread-safe (one mutex around libmagic).
std::string sniff_content_type(ByteView head, const std::filesystem::path& path);

// The type for the extension of `path` (case-insensitive) from a short table of what people
// send (images, audio, video, PDF, text, archives); kUnknownContentType otherwise.
std::string content_type_from_name(const std::filesystem::path& path);

}  // namespace hush::client::detail
