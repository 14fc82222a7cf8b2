// Private to the attachment component: an image's size from its header, and its thumbnail, with
// stb_image (PNG, JPEG, GIF, BMP), stb_image_resize and stb_image_write, reading through a file
// descriptor (never a whole large file into memory before the pixel limit is checked).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "hush/base/bytes.hpp"
#include "hush/client/attachment/file_facts.hpp"

namespace hush::client::detail {

// True for the content types stb_image decodes (PNG, JPEG, GIF, BMP). stb_image also guesses
// TGA and others from weak signatures; only these types are handed to it.
bool is_decodable_image(std::string_view content_type);

struct ImageHeader {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  bool has_alpha = false;
};

// The header of the image in the regular file `fd` of `file_size` bytes (stbi_info), or nullopt.
std::optional<ImageHeader> read_image_header(int fd, std::uint64_t file_size);

// A JPEG thumbnail of that image, within the options' limits: decoded only when width * height
// is at most max_thumbnail_source_pixels, scaled so its longer side is at most
// thumbnail_max_side, transparent pixels composed on white, encoded at the first quality of
// kThumbnailQualities whose output fits max_thumbnail_size. Empty when any step fails or none
// fits.
Bytes make_thumbnail(int fd, std::uint64_t file_size, const ImageHeader& header, const InspectOptions& options);

// JPEG qualities tried in order, best first. At 128 pixels, 75 is about 3 KiB for a photo; 20 is
// about 1 KiB and still recognisable.
inline constexpr int kThumbnailQualities[] = {75, 60, 45, 30, 20};

}  // namespace hush::client::detail
