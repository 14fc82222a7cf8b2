// Image size and thumbnails through stb (image_facts.hpp). libstb (Debian's libstb.so) provides
// the implementations; this file only includes the declarations. stb reads through callbacks on
// our descriptor, so the file is opened once and checked to be regular before any of it is read.
#include "image_facts.hpp"

#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

#include <algorithm>
#include <climits>
#include <memory>

#include "file_io.hpp"

namespace hush::client::detail {
namespace {

// stb's callback reader over a descriptor, by position (pread), so skips are free.
struct DescriptorStream {
  int fd;
  std::uint64_t size;
  std::uint64_t position = 0;

  static int read(void* user, char* data, int size) {
    auto* self = static_cast<DescriptorStream*>(user);
    if (size <= 0) return 0;
    auto got = read_at(self->fd, self->position,
                       MutableByteView(reinterpret_cast<std::uint8_t*>(data), static_cast<std::size_t>(size)));
    if (!got.ok()) return 0;
    self->position += *got;
    return static_cast<int>(*got);
  }
  static void skip(void* user, int n) {
    auto* self = static_cast<DescriptorStream*>(user);
    if (n >= 0) {
      self->position += static_cast<std::uint64_t>(n);
    } else {
      const std::uint64_t back = static_cast<std::uint64_t>(-static_cast<std::int64_t>(n));
      self->position = back > self->position ? 0 : self->position - back;
    }
  }
  static int eof(void* user) {
    const auto* self = static_cast<const DescriptorStream*>(user);
    return self->position >= self->size ? 1 : 0;
  }
};

constexpr stbi_io_callbacks kCallbacks{&DescriptorStream::read, &DescriptorStream::skip, &DescriptorStream::eof};

struct PixelsDeleter {
  void operator()(stbi_uc* pixels) const { stbi_image_free(pixels); }
};
using Pixels = std::unique_ptr<stbi_uc, PixelsDeleter>;

// Composes RGBA pixels on white into RGB, in place (the output is never ahead of the input).
void flatten_on_white(std::uint8_t* pixels, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* in = pixels + 4 * i;
    std::uint8_t* out = pixels + 3 * i;
    const unsigned alpha = in[3];
    for (int c = 0; c < 3; ++c) {
      out[c] = static_cast<std::uint8_t>((in[c] * alpha + 255u * (255u - alpha) + 127u) / 255u);
    }
  }
}

void append_to_bytes(void* context, void* data, int size) {
  auto* out = static_cast<Bytes*>(context);
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

}  // namespace

bool is_decodable_image(std::string_view content_type) {
  return content_type == "image/png" || content_type == "image/jpeg" || content_type == "image/gif" ||
         content_type == "image/bmp" || content_type == "image/x-ms-bmp";
}

std::optional<ImageHeader> read_image_header(int fd, std::uint64_t file_size) {
  DescriptorStream stream{fd, file_size};
  int width = 0;
  int height = 0;
  int channels = 0;
  if (stbi_info_from_callbacks(&kCallbacks, &stream, &width, &height, &channels) != 1 || width <= 0 || height <= 0) {
    return std::nullopt;
  }
  return ImageHeader{static_cast<std::uint32_t>(width), static_cast<std::uint32_t>(height),
                     channels == 2 || channels == 4};
}

Bytes make_thumbnail(int fd, std::uint64_t file_size, const ImageHeader& header, const InspectOptions& options) {
  const std::uint64_t pixel_count = std::uint64_t{header.width} * header.height;
  if (pixel_count > options.max_thumbnail_source_pixels || options.thumbnail_max_side == 0) return {};

  DescriptorStream stream{fd, file_size};
  int width = 0;
  int height = 0;
  int channels_in_file = 0;
  const int channels = header.has_alpha ? 4 : 3;
  Pixels pixels(stbi_load_from_callbacks(&kCallbacks, &stream, &width, &height, &channels_in_file, channels));
  // The decoder must agree with the header the limit was checked against.
  if (!pixels || width != static_cast<int>(header.width) || height != static_cast<int>(header.height)) return {};
  if (channels == 4) flatten_on_white(pixels.get(), pixel_count);

  const std::uint32_t longer = std::max(header.width, header.height);
  const std::uint32_t side = std::min(longer, options.thumbnail_max_side);
  const auto scaled = [&](std::uint32_t length) {
    return static_cast<int>(std::max<std::uint64_t>(1, (std::uint64_t{length} * side + longer / 2) / longer));
  };
  const int thumb_width = scaled(header.width);
  const int thumb_height = scaled(header.height);
  Bytes resized(static_cast<std::size_t>(thumb_width) * static_cast<std::size_t>(thumb_height) * 3);
  if (stbir_resize_uint8(pixels.get(), width, height, 0, resized.data(), thumb_width, thumb_height, 0, 3) != 1) {
    return {};
  }
  pixels.reset();

  for (int quality : kThumbnailQualities) {
    Bytes jpeg;
    if (stbi_write_jpg_to_func(&append_to_bytes, &jpeg, thumb_width, thumb_height, 3, resized.data(), quality) != 1) {
      return {};
    }
    if (jpeg.size() <= options.max_thumbnail_size) return jpeg;
  }
  return {};
}

}  // namespace hush::client::detail
