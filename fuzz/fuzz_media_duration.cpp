// Fuzzes the container parsers of libs/client/attachment (media_duration_ms): the input is a
// file, read through a ByteReader from memory. Invariants: every read lies inside the file and is
// at most 32 bytes; the number of reads stays within what kMaxMediaBoxesVisited allows; the same
// input gives the same answer. The input is also parsed as the start of a 1 TiB file (zeros after
// it), which exercises 64-bit sizes and offsets.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

#include "fuzz_support.hpp"
#include "hush/client/attachment/media_duration.hpp"

namespace {

using namespace hush;
using namespace hush::client;

// Per box or chunk at most two reads (header, 64-bit size or a field), in two walks (WAVE, then
// ISO-BMFF), plus the fixed reads of the headers and full boxes.
constexpr std::size_t kMaxReads = 4 * kMaxMediaBoxesVisited + 16;

std::optional<std::uint32_t> parse(ByteView input, std::uint64_t file_size) {
  std::size_t reads = 0;
  const ByteReader reader = [&](std::uint64_t offset, MutableByteView out) {
    ++reads;
    HUSH_FUZZ_CHECK(out.size() <= 32);
    HUSH_FUZZ_CHECK(offset <= file_size && file_size - offset >= out.size());
    std::fill(out.begin(), out.end(), 0);
    if (offset < input.size()) {
      const std::size_t available = std::min<std::size_t>(out.size(), input.size() - static_cast<std::size_t>(offset));
      std::memcpy(out.data(), input.data() + offset, available);
    }
    return true;
  };
  const std::optional<std::uint32_t> duration = media_duration_ms(reader, file_size);
  HUSH_FUZZ_CHECK(reads <= kMaxReads);
  return duration;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView input(data, size);
  const std::optional<std::uint32_t> duration = parse(input, size);
  HUSH_FUZZ_CHECK(parse(input, size) == duration);
  parse(input, size + (std::uint64_t{1} << 40));
  return 0;
}
