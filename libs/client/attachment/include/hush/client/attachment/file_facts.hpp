// What the sender learns cheaply about a file before sending it: its content type, an image's
// size and a small JPEG thumbnail, a recording's duration. These facts travel inside the
// end-to-end message beside the attachment key, so the receiver can show the attachment before
// downloading it. Owns: sniffing (libmagic), image headers and thumbnails (stb). Does not own:
// encryption (attachment_cipher.hpp), the container parsers (media_duration.hpp), video frames
// (no thumbnail for videos), or EXIF orientation (a portrait photo's facts are those of its
// stored pixels, as stb_image decodes them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "hush/base/bytes.hpp"

namespace hush::client {

// An image with more pixels than this gets no thumbnail (its width and height are still
// reported): decoding takes 3 to 4 bytes per pixel, so 40 megapixels cost up to 160 MB for a
// moment. Phone cameras take 12 to 50 megapixels; larger images are rare enough to go without.
inline constexpr std::uint64_t kMaxThumbnailSourcePixels = 40'000'000;

// The thumbnail's longer side, in pixels (smaller images keep their size: nothing is enlarged).
inline constexpr std::uint32_t kThumbnailMaxSide = 128;

// The largest thumbnail, in bytes. It travels inside the end-to-end message, which must fit one
// 64 KiB frame per recipient device next to the text, the key and the other facts; 6 KiB leaves
// room and is plenty for a 128-pixel JPEG (typically 2 to 4 KiB at quality 75).
inline constexpr std::size_t kMaxThumbnailSize = 6 * 1024;

// How much of the file's beginning libmagic sees. Type signatures sit in the first bytes; text
// detection looks at this much.
inline constexpr std::size_t kContentSniffSize = 64 * 1024;

// The limits inspect_file works with; tests lower them to reach them with small files.
struct InspectOptions {
  std::uint64_t max_thumbnail_source_pixels = kMaxThumbnailSourcePixels;  // see the constant
  std::uint32_t thumbnail_max_side = kThumbnailMaxSide;                   // see the constant; at least 1
  std::size_t max_thumbnail_size = kMaxThumbnailSize;                     // see the constant
};

struct FileFacts {
  // A MIME type ("image/png", "text/plain"); "application/octet-stream" when unknown.
  std::string content_type = "application/octet-stream";
  // An image's size in pixels (PNG, JPEG, GIF, BMP: what stb_image reads; not WebP or HEIC); 0 when unknown.
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  // The duration of an MP4, M4A, MOV or 3GP file (movie header) or a WAVE file; 0 when unknown.
  std::uint32_t duration_ms = 0;
  // A JPEG of at most max_thumbnail_size bytes, longer side at most thumbnail_max_side pixels,
  // transparent pixels on white; empty for anything but a decodable image within the pixel limit,
  // or when even the lowest quality does not fit.
  Bytes thumbnail;
};

// Never fails: a file that cannot be opened, is not a regular file, or is not understood gives
// the default facts (octet-stream, zeros, no thumbnail). Reads the first kContentSniffSize bytes,
// an image's header, a container's box headers, and for a thumbnail the whole image; never the
// whole of a large video. Content type from libmagic's default database (MAGIC_MIME_TYPE), loaded
// once per process; if it cannot be loaded, from the file name's extension (a short table).
// Thread safety: callable from several threads; libmagic lookups are serialised by a mutex.
// stb_image is not hardened against hostile images: inspect the sender's own files, never
// attachments received from others (forward their received facts instead).
FileFacts inspect_file(const std::filesystem::path& path, const InspectOptions& options = {});

}  // namespace hush::client
