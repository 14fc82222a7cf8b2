// inspect_file (file_facts.hpp): opens the file once, checks it is regular, then asks libmagic
// for the type, stb for an image's size and thumbnail, and media_duration_ms for a duration.
#include "hush/client/attachment/file_facts.hpp"

#include <algorithm>

#include "content_type.hpp"
#include "file_io.hpp"
#include "hush/client/attachment/media_duration.hpp"
#include "image_facts.hpp"

namespace hush::client {

FileFacts inspect_file(const std::filesystem::path& path, const InspectOptions& options) {
  FileFacts facts;
  auto opened = detail::open_regular_file(path);
  if (!opened.ok()) return facts;
  const int fd = opened->fd.get();
  const std::uint64_t size = opened->size;

  Bytes head(static_cast<std::size_t>(std::min<std::uint64_t>(size, kContentSniffSize)));
  auto got = detail::read_at(fd, 0, head);
  if (!got.ok()) return facts;
  head.resize(*got);
  facts.content_type = detail::sniff_content_type(head, path);

  if (detail::is_decodable_image(facts.content_type)) {
    if (const auto header = detail::read_image_header(fd, size)) {
      facts.width = header->width;
      facts.height = header->height;
      facts.thumbnail = detail::make_thumbnail(fd, size, *header, options);
    }
  }

  const ByteReader read_at = [fd](std::uint64_t offset, MutableByteView out) {
    auto read = detail::read_at(fd, offset, out);
    return read.ok() && *read == out.size();
  };
  facts.duration_ms = media_duration_ms(read_at, size).value_or(0);
  return facts;
}

}  // namespace hush::client
