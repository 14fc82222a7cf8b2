// Duration of ISO-BMFF and RIFF WAVE files (media_duration.hpp). Every read is of a fixed small
// size at an offset checked against the enclosing box or the file; every box or chunk visited
// counts against kMaxMediaBoxesVisited. Integers are big-endian in ISO-BMFF, little-endian in RIFF.
#include "hush/client/attachment/media_duration.hpp"

#include <array>
#include <limits>

namespace hush::client {
namespace {

constexpr std::uint32_t fourcc(const char (&text)[5]) {
  return (std::uint32_t{static_cast<std::uint8_t>(text[0])} << 24) |
         (std::uint32_t{static_cast<std::uint8_t>(text[1])} << 16) |
         (std::uint32_t{static_cast<std::uint8_t>(text[2])} << 8) | std::uint32_t{static_cast<std::uint8_t>(text[3])};
}

std::uint64_t big_endian(ByteView bytes) {
  std::uint64_t value = 0;
  for (std::uint8_t byte : bytes) value = (value << 8) | byte;
  return value;
}

std::uint64_t little_endian(ByteView bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = bytes.size(); i > 0; --i) value = (value << 8) | bytes[i - 1];
  return value;
}

// units / units_per_second in milliseconds, rounded down, without overflow; nullopt when the
// rate is zero or the result does not fit 32 bits.
std::optional<std::uint32_t> to_milliseconds(std::uint64_t units, std::uint64_t units_per_second) {
  if (units_per_second == 0) return std::nullopt;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint32_t>::max();
  const std::uint64_t seconds = units / units_per_second;
  if (seconds > kMax / 1000) return std::nullopt;
  // The remainder is below units_per_second; times 1000 it can overflow only for rates above
  // 2^54, which no container uses: divide first then.
  const std::uint64_t remainder = units % units_per_second;
  const std::uint64_t fraction = remainder <= std::numeric_limits<std::uint64_t>::max() / 1000
                                     ? remainder * 1000 / units_per_second
                                     : remainder / (units_per_second / 1000);
  const std::uint64_t total = seconds * 1000 + fraction;
  if (total > kMax) return std::nullopt;
  return static_cast<std::uint32_t>(total);
}

// A reader that counts what it visits.
class Walker {
 public:
  Walker(const ByteReader& read_at, std::uint64_t file_size) : read_at_(read_at), file_size_(file_size) {}

  std::uint64_t file_size() const { return file_size_; }

  // Reads `out.size()` bytes at `offset`, which must lie inside [offset, end).
  bool read(std::uint64_t offset, std::uint64_t end, MutableByteView out) const {
    if (end > file_size_ || offset > end || end - offset < out.size()) return false;
    return read_at_(offset, out);
  }

  // One more box or chunk; false once the budget is spent.
  bool visit() { return visited_++ < kMaxMediaBoxesVisited; }

 private:
  const ByteReader& read_at_;
  std::uint64_t file_size_;
  std::size_t visited_ = 0;
};

// ---- ISO base media file format (ISO/IEC 14496-12, section 4.2: Box) ----

struct Box {
  std::uint32_t type = 0;
  std::uint64_t body = 0;  // offset of the first byte after the header
  std::uint64_t end = 0;   // offset one past the last byte
};

// The box whose header starts at `offset`, inside a parent ending at `end`.
std::optional<Box> read_box(Walker& walker, std::uint64_t offset, std::uint64_t end) {
  if (!walker.visit()) return std::nullopt;
  std::array<std::uint8_t, 16> header{};
  if (!walker.read(offset, end, MutableByteView(header).first(8))) return std::nullopt;
  const std::uint64_t size32 = big_endian(ByteView(header).first(4));
  std::uint64_t size = size32;
  std::uint64_t header_size = 8;
  if (size32 == 1) {  // a 64-bit "largesize" follows the type
    if (!walker.read(offset + 8, end, MutableByteView(header).subspan(8, 8))) return std::nullopt;
    size = big_endian(ByteView(header).subspan(8, 8));
    header_size = 16;
  } else if (size32 == 0) {  // "box extends to end of file" (or of its parent)
    size = end - offset;
  }
  if (size < header_size || size > end - offset) return std::nullopt;
  return Box{static_cast<std::uint32_t>(big_endian(ByteView(header).subspan(4, 4))), offset + header_size,
             offset + size};
}

// The first box of `type` among the boxes that fill [begin, end).
std::optional<Box> find_box(Walker& walker, std::uint64_t begin, std::uint64_t end, std::uint32_t type) {
  for (std::uint64_t offset = begin; offset < end;) {
    const std::optional<Box> box = read_box(walker, offset, end);
    if (!box) return std::nullopt;
    if (box->type == type) return box;
    offset = box->end;
  }
  return std::nullopt;
}

// Reads a full box's version (byte 0 of its body) and `size` bytes after the 4-byte version and
// flags into `out`, sized for version 1.
std::optional<std::uint8_t> read_full_box(Walker& walker, const Box& box, std::size_t size_v0, std::size_t size_v1,
                                          MutableByteView out) {
  std::array<std::uint8_t, 4> version_and_flags{};
  if (!walker.read(box.body, box.end, version_and_flags)) return std::nullopt;
  const std::uint8_t version = version_and_flags[0];
  if (version > 1) return std::nullopt;
  const std::size_t size = version == 0 ? size_v0 : size_v1;
  if (!walker.read(box.body + 4, box.end, out.first(size))) return std::nullopt;
  return version;
}

bool is_iso_start(std::uint32_t type) {
  for (std::uint32_t known :
       {fourcc("ftyp"), fourcc("moov"), fourcc("mdat"), fourcc("free"), fourcc("skip"), fourcc("wide")}) {
    if (type == known) return true;
  }
  return false;
}

std::optional<std::uint32_t> iso_duration(Walker& walker) {
  const std::uint64_t file_end = walker.file_size();
  const std::optional<Box> first = read_box(walker, 0, file_end);
  if (!first || !is_iso_start(first->type)) return std::nullopt;
  const std::optional<Box> moov =
      first->type == fourcc("moov") ? first : find_box(walker, first->end, file_end, fourcc("moov"));
  if (!moov) return std::nullopt;
  const std::optional<Box> mvhd = find_box(walker, moov->body, moov->end, fourcc("mvhd"));
  if (!mvhd) return std::nullopt;

  // mvhd (8.2.2): v0 creation, modification (32-bit), timescale, duration (32-bit);
  //               v1 creation, modification (64-bit), timescale, duration (64-bit).
  std::array<std::uint8_t, 28> fields{};
  const std::optional<std::uint8_t> version = read_full_box(walker, *mvhd, 16, 28, fields);
  if (!version) return std::nullopt;
  const ByteView view(fields);
  const std::uint64_t timescale = big_endian(*version == 0 ? view.subspan(8, 4) : view.subspan(16, 4));
  std::uint64_t duration = *version == 0 ? big_endian(view.subspan(12, 4)) : big_endian(view.subspan(20, 8));
  const std::uint64_t unknown =
      *version == 0 ? std::numeric_limits<std::uint32_t>::max() : std::numeric_limits<std::uint64_t>::max();
  if (duration == unknown) return std::nullopt;

  if (duration == 0) {  // fragmented: moov/mvex/mehd (8.8.2) holds the whole movie's duration
    if (const std::optional<Box> mvex = find_box(walker, moov->body, moov->end, fourcc("mvex"))) {
      if (const std::optional<Box> mehd = find_box(walker, mvex->body, mvex->end, fourcc("mehd"))) {
        std::array<std::uint8_t, 8> fragment{};
        if (const std::optional<std::uint8_t> mehd_version = read_full_box(walker, *mehd, 4, 8, fragment)) {
          duration = big_endian(ByteView(fragment).first(*mehd_version == 0 ? 4 : 8));
        }
      }
    }
  }
  return to_milliseconds(duration, timescale);
}

// ---- RIFF WAVE (and RF64, EBU Tech 3306) ----

std::optional<std::uint32_t> wave_duration(Walker& walker) {
  const std::uint64_t file_end = walker.file_size();
  std::array<std::uint8_t, 12> header{};
  if (!walker.read(0, file_end, header)) return std::nullopt;
  const std::uint32_t form = static_cast<std::uint32_t>(big_endian(ByteView(header).first(4)));
  const bool rf64 = form == fourcc("RF64");
  if ((form != fourcc("RIFF") && !rf64) || big_endian(ByteView(header).subspan(8, 4)) != fourcc("WAVE")) {
    return std::nullopt;
  }
  std::optional<std::uint64_t> byte_rate;
  std::optional<std::uint64_t> data_size;
  std::optional<std::uint64_t> ds64_data_size;
  for (std::uint64_t offset = 12; !(byte_rate && data_size) && walker.visit();) {
    std::array<std::uint8_t, 8> chunk{};
    if (!walker.read(offset, file_end, chunk)) return std::nullopt;
    const std::uint32_t id = static_cast<std::uint32_t>(big_endian(ByteView(chunk).first(4)));
    std::uint64_t size = little_endian(ByteView(chunk).subspan(4, 4));
    const std::uint64_t body = offset + 8;
    if (id == fourcc("ds64") && rf64) {  // riff size (8), data size (8), sample count (8), ...
      std::array<std::uint8_t, 8> value{};
      if (size < 24 || !walker.read(body + 8, file_end, value)) return std::nullopt;
      ds64_data_size = little_endian(value);
    } else if (id == fourcc("fmt ")) {  // format (2), channels (2), sample rate (4), byte rate (4), ...
      std::array<std::uint8_t, 4> value{};
      if (size < 16 || !walker.read(body + 8, file_end, value)) return std::nullopt;
      byte_rate = little_endian(value);
    } else if (id == fourcc("data")) {
      if (rf64 && size == 0xFFFFFFFFu && ds64_data_size) size = *ds64_data_size;
      data_size = std::min(size, file_end - body);  // a recording still being written
    }
    // Chunks are padded to an even size.
    if (size > file_end - body) break;
    offset = body + size + (size & 1);
  }
  if (!byte_rate || !data_size) return std::nullopt;
  return to_milliseconds(*data_size, *byte_rate);
}

}  // namespace

std::optional<std::uint32_t> media_duration_ms(const ByteReader& read_at, std::uint64_t file_size) {
  {
    Walker walker(read_at, file_size);
    if (auto duration = wave_duration(walker)) return duration;
  }
  Walker walker(read_at, file_size);
  return iso_duration(walker);
}

}  // namespace hush::client
