// inspect_file on files written by the test: PNG, JPEG, BMP and transparent PNG images made
// with stb_image_write (size read back; the thumbnail is a JPEG within the limits), text, random
// bytes, MP4 and WAVE files; each limit reached (source pixels, thumbnail bytes, thumbnail side);
// the extension table used when libmagic has no database; concurrent callers.
#include "hush/client/attachment/file_facts.hpp"

#include <gtest/gtest.h>
#include <stb_image.h>
#include <stb_image_write.h>

#include <cmath>
#include <thread>
#include <vector>

#include "attachment_test_support.hpp"
#include "content_type.hpp"
#include "scratch_folder.hpp"

namespace hush::client {
namespace {

namespace fs = std::filesystem;
using test::ScratchFolder;
using test::seeded_bytes;
using test::write_file;

// A photo-like RGB(A) picture: gradients plus noise, so that JPEG sizes depend on quality.
Bytes picture(int width, int height, int channels, std::uint64_t seed) {
  const Bytes noise = seeded_bytes(static_cast<std::size_t>(width * height), seed);
  Bytes pixels(static_cast<std::size_t>(width * height * channels));
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::size_t i = static_cast<std::size_t>(y * width + x);
      std::uint8_t* p = &pixels[i * static_cast<std::size_t>(channels)];
      p[0] = static_cast<std::uint8_t>(x * 255 / width);
      p[1] = static_cast<std::uint8_t>(y * 255 / height);
      p[2] = static_cast<std::uint8_t>(noise[i]);
      if (channels == 4) p[3] = x < width / 2 ? 0 : 255;  // left half transparent
    }
  }
  return pixels;
}

void append_to(void* context, void* data, int size) {
  auto* out = static_cast<Bytes*>(context);
  out->insert(out->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
}

Bytes png(int width, int height, int channels = 3) {
  const Bytes pixels = picture(width, height, channels, 1);
  Bytes out;
  EXPECT_EQ(stbi_write_png_to_func(&append_to, &out, width, height, channels, pixels.data(), width * channels), 1);
  return out;
}

Bytes jpeg(int width, int height) {
  const Bytes pixels = picture(width, height, 3, 2);
  Bytes out;
  EXPECT_EQ(stbi_write_jpg_to_func(&append_to, &out, width, height, 3, pixels.data(), 90), 1);
  return out;
}

Bytes bmp(int width, int height) {
  const Bytes pixels = picture(width, height, 3, 3);
  Bytes out;
  EXPECT_EQ(stbi_write_bmp_to_func(&append_to, &out, width, height, 3, pixels.data()), 1);
  return out;
}

struct DecodedThumbnail {
  int width = 0;
  int height = 0;
  Bytes pixels;  // RGB
};

// Decodes a thumbnail, checking it is a JPEG (SOI marker, and stb identifies it as such).
DecodedThumbnail decode_jpeg(ByteView jpeg) {
  DecodedThumbnail out;
  EXPECT_GE(jpeg.size(), 4u);
  if (jpeg.size() < 4) return out;
  EXPECT_EQ(jpeg[0], 0xFF);
  EXPECT_EQ(jpeg[1], 0xD8);
  int channels = 0;
  stbi_uc* pixels =
      stbi_load_from_memory(jpeg.data(), static_cast<int>(jpeg.size()), &out.width, &out.height, &channels, 3);
  EXPECT_NE(pixels, nullptr);
  if (pixels) {
    out.pixels.assign(pixels, pixels + out.width * out.height * 3);
    stbi_image_free(pixels);
  }
  return out;
}

class FileFactsTest : public ::testing::Test {
 protected:
  fs::path write(const std::string& name, ByteView contents) {
    const fs::path path = folder_.path() / name;
    write_file(path, contents);
    return path;
  }
  ScratchFolder folder_{"hush-file-facts"};
};

TEST_F(FileFactsTest, PngAndJpegGiveTheirSizeAndAThumbnail) {
  struct Case {
    std::string name;
    Bytes contents;
    std::string type;
    int width, height, thumb_width, thumb_height;
  };
  const Case cases[] = {
      {"wide.png", png(300, 200), "image/png", 300, 200, 128, 85},
      {"photo.jpg", jpeg(480, 640), "image/jpeg", 480, 640, 96, 128},
      {"picture.bmp", bmp(256, 64), "image/bmp", 256, 64, 128, 32},
      {"small.png", png(40, 30), "image/png", 40, 30, 40, 30},  // not enlarged
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const FileFacts facts = inspect_file(write(c.name, c.contents));
    EXPECT_EQ(facts.content_type, c.type);
    EXPECT_EQ(facts.width, static_cast<std::uint32_t>(c.width));
    EXPECT_EQ(facts.height, static_cast<std::uint32_t>(c.height));
    EXPECT_EQ(facts.duration_ms, 0u);
    ASSERT_FALSE(facts.thumbnail.empty());
    EXPECT_LE(facts.thumbnail.size(), kMaxThumbnailSize);
    const DecodedThumbnail thumbnail = decode_jpeg(facts.thumbnail);
    EXPECT_EQ(thumbnail.width, c.thumb_width);
    EXPECT_EQ(thumbnail.height, c.thumb_height);
    EXPECT_LE(static_cast<std::uint32_t>(std::max(thumbnail.width, thumbnail.height)), kThumbnailMaxSide);
  }
}

TEST_F(FileFactsTest, TransparentPixelsBecomeWhite) {
  const FileFacts facts = inspect_file(write("logo.png", png(200, 100, 4)));
  EXPECT_EQ(facts.content_type, "image/png");
  const DecodedThumbnail thumbnail = decode_jpeg(facts.thumbnail);
  ASSERT_EQ(thumbnail.width, 128);
  // A pixel well inside the transparent left half is (nearly) white despite JPEG.
  const std::size_t at = static_cast<std::size_t>((thumbnail.height / 2) * thumbnail.width + 10) * 3;
  for (int c = 0; c < 3; ++c) EXPECT_GE(thumbnail.pixels[at + static_cast<std::size_t>(c)], 235) << c;
}

TEST_F(FileFactsTest, ThePixelLimitKeepsTheSizeAndDropsTheThumbnail) {
  const fs::path path = write("wide.png", png(300, 200));
  InspectOptions options;
  options.max_thumbnail_source_pixels = 300 * 200;
  EXPECT_FALSE(inspect_file(path, options).thumbnail.empty());
  options.max_thumbnail_source_pixels = 300 * 200 - 1;
  const FileFacts facts = inspect_file(path, options);
  EXPECT_TRUE(facts.thumbnail.empty());
  EXPECT_EQ(facts.width, 300u);
  EXPECT_EQ(facts.height, 200u);

  // The default limit, on a PNG that is only a header claiming 8000 x 5001 pixels (40,008,000):
  // the size is read from the header and nothing is decoded.
  Bytes header = {0x89, 'P',  'N',  'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0,
                  0,    0x1f, 0x40, 0,   0,    0x13, 0x89, 8,    2, 0, 0, 0,  0,   0,   0,   0};
  ASSERT_GT(std::uint64_t{8000} * 5001, kMaxThumbnailSourcePixels);
  const FileFacts huge = inspect_file(write("huge.png", header));
  EXPECT_EQ(huge.content_type, "image/png");
  EXPECT_EQ(huge.width, 8000u);
  EXPECT_EQ(huge.height, 5001u);
  EXPECT_TRUE(huge.thumbnail.empty());
}

TEST_F(FileFactsTest, TheThumbnailLowersItsQualityToFitAndIsDroppedWhenNothingFits) {
  const fs::path path = write("photo.jpg", jpeg(640, 480));
  const FileFacts best = inspect_file(path);
  ASSERT_FALSE(best.thumbnail.empty());
  InspectOptions options;
  options.max_thumbnail_size = best.thumbnail.size() - 1;
  const FileFacts smaller = inspect_file(path, options);
  ASSERT_FALSE(smaller.thumbnail.empty());
  EXPECT_LT(smaller.thumbnail.size(), best.thumbnail.size());
  EXPECT_EQ(decode_jpeg(smaller.thumbnail).width, 128);
  options.max_thumbnail_size = 200;  // below any JPEG of 128 x 96
  EXPECT_TRUE(inspect_file(path, options).thumbnail.empty());
  // The side limit.
  options = InspectOptions{};
  options.thumbnail_max_side = 32;
  const DecodedThumbnail tiny = decode_jpeg(inspect_file(path, options).thumbnail);
  EXPECT_EQ(tiny.width, 32);
  EXPECT_EQ(tiny.height, 24);
}

TEST_F(FileFactsTest, TextRandomBytesAndEmptyFiles) {
  EXPECT_EQ(inspect_file(write("notes.txt", to_bytes("a shopping list\nmilk\nbread\n"))).content_type, "text/plain");
  const FileFacts random = inspect_file(write("noise.bin", seeded_bytes(4096, 5)));
  EXPECT_EQ(random.content_type, "application/octet-stream");
  EXPECT_EQ(random.width, 0u);
  EXPECT_EQ(random.duration_ms, 0u);
  EXPECT_TRUE(random.thumbnail.empty());
  EXPECT_EQ(inspect_file(write("empty", {})).content_type, "application/octet-stream");
  // A file named like an image is judged by its contents.
  const FileFacts fake = inspect_file(write("fake.png", to_bytes("not a picture at all")));
  EXPECT_EQ(fake.content_type, "text/plain");
  EXPECT_TRUE(fake.thumbnail.empty());
}

TEST_F(FileFactsTest, LibmagicSeesOnlyTheFirstKContentSniffSizeBytes) {
  // Text, then zero bytes: binary when a zero byte is inside the window, text when it is not.
  for (std::size_t text_length : {kContentSniffSize - 1, kContentSniffSize}) {
    Bytes contents(text_length, 'a');
    for (std::size_t i = 79; i < contents.size(); i += 80) contents[i] = '\n';
    contents.resize(text_length + 1000, 0);
    const FileFacts facts = inspect_file(write("mixed", contents));
    EXPECT_EQ(facts.content_type, text_length < kContentSniffSize ? "application/octet-stream" : "text/plain")
        << text_length;
  }
}

TEST_F(FileFactsTest, ANonRegularOrMissingFileGivesTheDefaultFacts) {
  fs::create_directory(folder_.path() / "folder");
  for (const fs::path& path : {folder_.path() / "folder", folder_.path() / "missing.png"}) {
    const FileFacts facts = inspect_file(path);
    EXPECT_EQ(facts.content_type, "application/octet-stream");
    EXPECT_EQ(facts.width, 0u);
    EXPECT_TRUE(facts.thumbnail.empty());
  }
}

TEST_F(FileFactsTest, RecordingsGiveTheirDuration) {
  // A minimal MP4: ftyp, mdat, moov/mvhd (version 0, time scale 1000, duration 12345).
  const Bytes mp4 = {
      0, 0, 0, 20, 'f', 't', 'y', 'p', 'i', 's', 'o',  'm',  0, 0, 2,    0,    'i', 's', 'o', 'm',  // ftyp
      0, 0, 0, 12, 'm', 'd', 'a', 't', 1,   2,   3,    4,                                           // mdat
      0, 0, 0, 36, 'm', 'o', 'o', 'v',                                                              // moov
      0, 0, 0, 28, 'm', 'v', 'h', 'd', 0,   0,   0,    0,                                           // mvhd v0
      0, 0, 0, 1,  0,   0,   0,   2,   0,   0,   0x03, 0xe8, 0, 0, 0x30, 0x39,  // times, 1000, 12345
  };
  const FileFacts movie = inspect_file(write("clip.mp4", mp4));
  EXPECT_EQ(movie.duration_ms, 12345u);
  EXPECT_EQ(movie.width, 0u);
  EXPECT_TRUE(movie.thumbnail.empty());

  // 1.5 s of 8 kHz 16-bit mono.
  Bytes wav = {'R', 'I', 'F', 'F', 0,  0, 0,   0,   'W', 'A',  'V',  'E',  'f', 'm',  't',
               ' ', 16,  0,   0,   0,  1, 0,   1,   0,   0x40, 0x1f, 0,    0,   0x80, 0x3e,
               0,   0,   2,   0,   16, 0, 'd', 'a', 't', 'a',  0xc0, 0x5d, 0,   0};  // 24,000 bytes at 16,000 bytes/s
  wav.resize(wav.size() + 24'000, 0);
  const FileFacts voice = inspect_file(write("voice.wav", wav));
  EXPECT_EQ(voice.duration_ms, 1500u);
  EXPECT_TRUE(voice.content_type.starts_with("audio/")) << voice.content_type;
}

TEST(ContentTypeFallback, ExtensionTable) {
  EXPECT_EQ(detail::content_type_from_name("holiday.JPG"), "image/jpeg");
  EXPECT_EQ(detail::content_type_from_name("/tmp/a.b/voice.m4a"), "audio/mp4");
  EXPECT_EQ(detail::content_type_from_name("report.pdf"), "application/pdf");
  EXPECT_EQ(detail::content_type_from_name("archive.tar.gz"), "application/gzip");
  EXPECT_EQ(detail::content_type_from_name("README"), "application/octet-stream");
  EXPECT_EQ(detail::content_type_from_name("strange.xyz"), "application/octet-stream");
  EXPECT_EQ(detail::content_type_from_name("dot."), "application/octet-stream");
  EXPECT_EQ(detail::content_type_from_name(".png"), "application/octet-stream");  // a hidden file, no extension
}

TEST_F(FileFactsTest, ConcurrentCallersAgree) {
  const fs::path image = write("wide.png", png(300, 200));
  const fs::path text = write("notes.txt", to_bytes("plain words\n"));
  const FileFacts expected = inspect_file(image);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (std::size_t t = 0; t < mismatches.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const FileFacts facts = inspect_file(image);
        if (facts.content_type != expected.content_type || facts.thumbnail != expected.thumbnail) ++mismatches[t];
        if (inspect_file(text).content_type != "text/plain") ++mismatches[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int count : mismatches) EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace hush::client
