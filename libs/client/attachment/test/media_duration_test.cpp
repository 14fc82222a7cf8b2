// media_duration_ms over files built by hand in memory: MP4 with mvhd version 0 and 1, moov
// before and after mdat, 64-bit and to-the-end box sizes, a moov behind a 5 GiB mdat (read in a
// handful of small reads), fragmented files, WAVE and RF64; and every malformed shape, the box
// budget and the reader failing, which all give nullopt.
#include "hush/client/attachment/media_duration.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string_view>

#include "attachment_test_support.hpp"

namespace hush::client {
namespace {

// ---- building files ----

void put_be(Bytes& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}
void put_le(Bytes& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}
void put_text(Bytes& out, std::string_view text) {
  append(out, as_bytes(text));
}

Bytes box(std::string_view type, ByteView body) {
  Bytes out;
  put_be(out, 8 + body.size(), 4);
  put_text(out, type);
  append(out, body);
  return out;
}

Bytes large_box(std::string_view type, ByteView body) {
  Bytes out;
  put_be(out, 1, 4);
  put_text(out, type);
  put_be(out, 16 + body.size(), 8);
  append(out, body);
  return out;
}

Bytes ftyp() {
  Bytes body;
  put_text(body, "isom");
  put_be(body, 0x200, 4);
  put_text(body, "isomiso2mp41");
  return box("ftyp", body);
}

Bytes mvhd(int version, std::uint64_t timescale, std::uint64_t duration) {
  Bytes body;
  put_be(body, static_cast<std::uint64_t>(version) << 24, 4);  // version, flags
  const int wide = version == 1 ? 8 : 4;
  put_be(body, 3'000'000'000u, wide);  // creation
  put_be(body, 3'000'000'001u, wide);  // modification
  put_be(body, timescale, 4);
  put_be(body, duration, wide);
  body.resize(body.size() + 80, 0);  // rate, volume, matrix, next track id: not read
  return box("mvhd", body);
}

Bytes moov(ByteView children) {
  return box("moov", children);
}

Bytes mdat(std::size_t size) {
  return box("mdat", Bytes(size, 0xab));
}

std::optional<std::uint32_t> duration_of(ByteView file) {
  const ByteReader reader = [file](std::uint64_t offset, MutableByteView out) {
    if (offset > file.size() || file.size() - offset < out.size()) return false;
    std::copy_n(file.begin() + static_cast<std::ptrdiff_t>(offset), out.size(), out.begin());
    return true;
  };
  return media_duration_ms(reader, file.size());
}

Bytes wave(std::uint32_t byte_rate, std::uint32_t data_size, ByteView before_fmt = {}) {
  Bytes fmt;
  put_le(fmt, 1, 2);              // PCM
  put_le(fmt, 1, 2);              // mono
  put_le(fmt, byte_rate / 2, 4);  // sample rate
  put_le(fmt, byte_rate, 4);
  put_le(fmt, 2, 2);   // block align
  put_le(fmt, 16, 2);  // bits per sample
  Bytes chunks;
  append(chunks, before_fmt);
  put_text(chunks, "fmt ");
  put_le(chunks, fmt.size(), 4);
  append(chunks, fmt);
  put_text(chunks, "data");
  put_le(chunks, data_size, 4);
  chunks.resize(chunks.size() + data_size, 0);
  Bytes file;
  put_text(file, "RIFF");
  put_le(file, 4 + chunks.size(), 4);
  put_text(file, "WAVE");
  append(file, chunks);
  return file;
}

// ---- ISO-BMFF ----

TEST(MediaDuration, Mp4MovieHeaderVersion0And1) {
  EXPECT_EQ(duration_of(concat(ftyp(), mdat(1000), moov(mvhd(0, 1000, 12345)))), 12345u);
  EXPECT_EQ(duration_of(concat(ftyp(), mdat(1000), moov(mvhd(1, 1000, 12345)))), 12345u);
  EXPECT_EQ(duration_of(concat(ftyp(), moov(mvhd(0, 1000, 12345)), mdat(1000))), 12345u);  // moov first
  EXPECT_EQ(duration_of(concat(moov(mvhd(0, 1000, 12345)), mdat(10))), 12345u);            // old QuickTime
  // Other time scales, rounded down; a trak before mvhd is skipped.
  EXPECT_EQ(duration_of(concat(ftyp(), moov(concat(box("trak", Bytes(50, 0)), mvhd(0, 44100, 44100 * 3 + 22050))))),
            3500u);
  EXPECT_EQ(duration_of(concat(ftyp(), moov(mvhd(1, 90000, 90000ull * 3600 * 24 * 40)))), 3'456'000'000u);  // 40 days
}

TEST(MediaDuration, LargeSizesAndBoxesToTheEndOfTheFile) {
  EXPECT_EQ(duration_of(concat(ftyp(), large_box("mdat", Bytes(100, 1)), moov(mvhd(0, 1000, 777)))), 777u);
  // size 0: the last box runs to the end of the file.
  Bytes open_ended = concat(ftyp(), moov(mvhd(0, 1000, 888)));
  put_be(open_ended, 0, 4);
  put_text(open_ended, "mdat");
  open_ended.resize(open_ended.size() + 300, 2);
  EXPECT_EQ(duration_of(open_ended), 888u);
  // An mdat running to the end before the moov hides it.
  Bytes hidden = ftyp();
  put_be(hidden, 0, 4);
  put_text(hidden, "mdat");
  append(hidden, moov(mvhd(0, 1000, 888)));
  EXPECT_EQ(duration_of(hidden), std::nullopt);
}

TEST(MediaDuration, MoovBehindAHugeMdatTakesAFewSmallReads) {
  // A 5 GiB file that exists only as its headers: ftyp, an mdat with a 64-bit size, then moov.
  const Bytes head = concat(ftyp(), Bytes{0, 0, 0, 1, 'm', 'd', 'a', 't'});
  const std::uint64_t mdat_size = (std::uint64_t{5} << 30);
  const Bytes tail = moov(mvhd(1, 600, 600 * 95));
  const std::uint64_t tail_offset = head.size() + mdat_size;
  const std::uint64_t file_size = tail_offset + tail.size();
  int reads = 0;
  std::uint64_t bytes_read = 0;
  const ByteReader reader = [&](std::uint64_t offset, MutableByteView out) {
    ++reads;
    bytes_read += out.size();
    EXPECT_LE(out.size(), 32u);
    for (std::size_t i = 0; i < out.size(); ++i) {
      const std::uint64_t at = offset + i;
      if (at < head.size()) {
        out[i] = head[at];
      } else if (at < head.size() + 8) {  // the largesize
        out[i] = static_cast<std::uint8_t>((mdat_size + 8) >> (8 * (7 - (at - head.size()))));
      } else if (at >= tail_offset && at < file_size) {
        out[i] = tail[at - tail_offset];
      } else {
        ADD_FAILURE() << "read inside the media data at " << at;
        return false;
      }
    }
    return true;
  };
  EXPECT_EQ(media_duration_ms(reader, file_size), 95'000u);
  EXPECT_LE(reads, 10);
  EXPECT_LE(bytes_read, 200u);
}

TEST(MediaDuration, FragmentedFilesUseTheMovieExtendsHeader) {
  Bytes mehd_body;
  put_be(mehd_body, 0, 4);
  put_be(mehd_body, 5500, 4);
  const Bytes mvex = box("mvex", concat(box("trex", Bytes(24, 0)), box("mehd", mehd_body)));
  EXPECT_EQ(duration_of(concat(ftyp(), moov(concat(mvhd(0, 1000, 0), mvex)), box("moof", Bytes(8, 0)))), 5500u);
  // Without mehd the file says 0.
  EXPECT_EQ(duration_of(concat(ftyp(), moov(mvhd(0, 1000, 0)))), 0u);
}

TEST(MediaDuration, UnknownOrUnrepresentableDurationsAreNullopt) {
  EXPECT_EQ(duration_of(concat(ftyp(), moov(mvhd(0, 1000, 0xFFFFFFFFu)))), std::nullopt);
  EXPECT_EQ(duration_of(concat(ftyp(), moov(mvhd(1, 1000, std::numeric_limits<std::uint64_t>::max())))), std::nullopt);
  EXPECT_EQ(duration_of(concat(ftyp(), moov(mvhd(0, 0, 1000)))), std::nullopt);         // time scale 0
  EXPECT_EQ(duration_of(concat(ftyp(), moov(mvhd(1, 1, 5'000'000)))), std::nullopt);    // 58 days
  EXPECT_EQ(duration_of(concat(ftyp(), moov(mvhd(1, 1, 4'294'967)))), 4'294'967'000u);  // just fits
}

TEST(MediaDuration, MalformedBoxesAreNullopt) {
  const Bytes good = concat(ftyp(), mdat(100), moov(mvhd(0, 1000, 12345)));
  // Every truncation: nothing, or (once the moov is whole) the duration.
  for (std::size_t length = 0; length < good.size(); ++length) {
    EXPECT_EQ(duration_of(ByteView(good).first(length)), std::nullopt) << length;
  }
  // A box smaller than its header, one larger than the file, a child larger than its parent.
  Bytes tiny = good;
  tiny[3] = 4;  // ftyp size 4
  EXPECT_EQ(duration_of(tiny), std::nullopt);
  Bytes oversize = concat(ftyp(), mdat(100), moov(mvhd(0, 1000, 12345)));
  oversize[ftyp().size() + 2] = 0x7f;  // mdat claims 32 KB, more than the file holds
  EXPECT_EQ(duration_of(oversize), std::nullopt);
  Bytes child_too_big = concat(ftyp(), moov(mvhd(0, 1000, 12345)));
  child_too_big[ftyp().size() + 8 + 3] += 1;  // mvhd one byte larger than moov's body
  EXPECT_EQ(duration_of(child_too_big), std::nullopt);
  // mvhd version 2 is not defined; an mvhd too short for its fields.
  Bytes version2 = mvhd(0, 1000, 12345);
  version2[8] = 2;
  EXPECT_EQ(duration_of(concat(ftyp(), moov(version2))), std::nullopt);
  EXPECT_EQ(duration_of(concat(ftyp(), moov(box("mvhd", Bytes(12, 0))))), std::nullopt);
  // No moov; a file that does not start like ISO-BMFF; random bytes.
  EXPECT_EQ(duration_of(concat(ftyp(), mdat(100))), std::nullopt);
  EXPECT_EQ(duration_of(concat(box("abcd", Bytes(4, 0)), moov(mvhd(0, 1000, 12345)))), std::nullopt);
  EXPECT_EQ(duration_of(test::seeded_bytes(10'000, 1)), std::nullopt);
  EXPECT_EQ(duration_of(Bytes{}), std::nullopt);
}

TEST(MediaDuration, TheBoxBudgetIsEnforced) {
  // Visits: ftyp, the free boxes, moov, mvhd.
  const auto file_with_free_boxes = [](std::size_t count) {
    Bytes file = ftyp();
    for (std::size_t i = 0; i < count; ++i) append(file, box("free", {}));
    append(file, moov(mvhd(0, 1000, 4321)));
    return file;
  };
  EXPECT_EQ(duration_of(file_with_free_boxes(kMaxMediaBoxesVisited - 3)), 4321u);
  EXPECT_EQ(duration_of(file_with_free_boxes(kMaxMediaBoxesVisited - 2)), std::nullopt);
}

TEST(MediaDuration, AFailingReaderGivesNullopt) {
  const ByteReader broken = [](std::uint64_t, MutableByteView) { return false; };
  EXPECT_EQ(media_duration_ms(broken, 1 << 20), std::nullopt);
}

// ---- WAVE ----

TEST(MediaDuration, WaveFromByteRateAndDataSize) {
  EXPECT_EQ(duration_of(wave(16'000, 40'000)), 2500u);
  // An odd-sized chunk before fmt is padded to an even size.
  Bytes list;
  put_text(list, "LIST");
  put_le(list, 5, 4);
  put_text(list, "INFOx");
  list.push_back(0);  // the pad byte
  EXPECT_EQ(duration_of(wave(16'000, 40'000, list)), 2500u);
  EXPECT_EQ(duration_of(wave(0, 40'000)), std::nullopt);  // byte rate 0
  EXPECT_EQ(duration_of(wave(16'000, 0)), 0u);
}

TEST(MediaDuration, WaveStillBeingWrittenIsCutToTheFile) {
  Bytes file = wave(16'000, 8'000);  // 0.5 s present
  // The recorder has not written the sizes yet: data says 0xFFFFFFFF.
  const std::size_t data_size_at = file.size() - 8'000 - 4;
  for (int i = 0; i < 4; ++i) file[data_size_at + i] = 0xff;
  EXPECT_EQ(duration_of(file), 500u);
}

TEST(MediaDuration, Rf64TakesTheDataSizeFromDs64) {
  Bytes file;
  put_text(file, "RF64");
  put_le(file, 0xFFFFFFFFu, 4);
  put_text(file, "WAVE");
  put_text(file, "ds64");
  put_le(file, 28, 4);
  put_le(file, 0, 8);       // riff size
  put_le(file, 48'000, 8);  // data size
  put_le(file, 24'000, 8);  // sample count
  put_le(file, 0, 4);       // table length
  Bytes fmt = wave(16'000, 0);
  append(file, ByteView(fmt).subspan(12, 8 + 16));  // its fmt chunk
  put_text(file, "data");
  put_le(file, 0xFFFFFFFFu, 4);
  file.resize(file.size() + 48'000, 0);
  EXPECT_EQ(duration_of(file), 3000u);
}

TEST(MediaDuration, MalformedWaveIsNullopt) {
  const Bytes good = wave(16'000, 1'600);
  for (std::size_t length = 0; length < 44; ++length) {  // up to the data chunk's header
    EXPECT_EQ(duration_of(ByteView(good).first(length)), std::nullopt) << length;
  }
  Bytes not_wave = good;
  not_wave[8] = 'X';
  EXPECT_EQ(duration_of(not_wave), std::nullopt);
  Bytes short_fmt = good;
  short_fmt[16] = 8;  // fmt chunk of 8 bytes: no byte rate
  EXPECT_EQ(duration_of(short_fmt), std::nullopt);
  // No fmt at all: only junk chunks, as many as the budget allows.
  Bytes junk;
  put_text(junk, "RIFF");
  put_le(junk, 0, 4);
  put_text(junk, "WAVE");
  for (std::size_t i = 0; i < kMaxMediaBoxesVisited + 10; ++i) {
    put_text(junk, "junk");
    put_le(junk, 0, 4);
  }
  EXPECT_EQ(duration_of(junk), std::nullopt);
}

TEST(MediaDuration, TheChunkBudgetIsEnforcedForWave) {
  const auto with_junk = [](std::size_t count) {
    Bytes before;
    for (std::size_t i = 0; i < count; ++i) {
      put_text(before, "junk");
      put_le(before, 0, 4);
    }
    return wave(16'000, 16'000, before);
  };
  // Visits: the junk chunks, fmt, data.
  EXPECT_EQ(duration_of(with_junk(kMaxMediaBoxesVisited - 2)), 1000u);
  EXPECT_EQ(duration_of(with_junk(kMaxMediaBoxesVisited - 1)), std::nullopt);
}

}  // namespace
}  // namespace hush::client
