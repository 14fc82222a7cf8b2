// Terminal QR codes: sizes against ISO/IEC 18004's capacity table (byte mode, level M), the
// function patterns every symbol has, modules equal to libqrencode's own output, the capacity
// bound, and both renderings read back module by module.
#include "hush/client/terminal_qr/terminal_qr.hpp"

#include <gtest/gtest.h>
#include <qrencode.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace hush::client {
namespace {

constexpr std::string_view kLink = "hush://chat.example.org:8443/alice#UsBWu3g5hty2hDN_Sbzej36GA0ZP3r7eQQx2GWpaiCA";

QrCode encode_or_fail(std::string_view text) {
  auto code = encode_qr(text);
  if (!code) ADD_FAILURE() << text.size() << " bytes: " << to_string(code.error());
  return code ? *code : QrCode{};
}

// Splits UTF-8 text into lines (without their '\n') of code points.
std::vector<std::vector<std::string>> code_point_lines(const std::string& text) {
  std::vector<std::vector<std::string>> lines(1);
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    const std::string point = text.substr(i, length);
    i += length;
    if (point == "\n") {
      lines.emplace_back();
    } else {
      lines.back().push_back(point);
    }
  }
  EXPECT_TRUE(lines.back().empty()) << "the last line does not end in a newline";
  lines.pop_back();
  return lines;
}

// A 7x7 finder pattern with its top-left module at (x, y): dark ring, light ring, dark 3x3.
void expect_finder_pattern(const QrCode& code, int x0, int y0) {
  for (int y = 0; y < 7; ++y) {
    for (int x = 0; x < 7; ++x) {
      const bool ring = x == 0 || y == 0 || x == 6 || y == 6;
      const bool centre = x >= 2 && x <= 4 && y >= 2 && y <= 4;
      EXPECT_EQ(code.dark(x0 + x, y0 + y), ring || centre) << "finder at " << x0 << "," << y0;
    }
  }
}

TEST(TerminalQrTest, SizesFollowTheCapacityTable) {
  // Byte mode, level M: version 1 holds 14 bytes, version 2 holds 26, version 40 holds 2,331.
  EXPECT_EQ(encode_or_fail("hush").width, 21);
  EXPECT_EQ(encode_or_fail(std::string(14, 'a')).width, 21);
  EXPECT_EQ(encode_or_fail(std::string(15, 'a')).width, 25);
  EXPECT_EQ(encode_or_fail(std::string(26, 'a')).width, 25);
  EXPECT_EQ(encode_or_fail(std::string(27, 'a')).width, 29);
  EXPECT_EQ(encode_or_fail(std::string(kMaxQrTextSize, 'a')).width, 177);
  for (std::size_t size = 1; size <= 600; size += 37) {
    const auto code = encode_or_fail(std::string(size, '\xff'));
    EXPECT_EQ((code.width - 21) % 4, 0) << size;
    EXPECT_EQ(code.modules.size(), static_cast<std::size_t>(code.width * code.width));
  }
  // The longest valid contact link, 378 bytes, is version 15; kMaxContactLinkSize, 512, version 18.
  EXPECT_EQ(encode_or_fail(std::string(378, 'a')).width, 77);
  EXPECT_EQ(encode_or_fail(std::string(512, 'a')).width, 89);
}

TEST(TerminalQrTest, HasTheFunctionPatterns) {
  const auto code = encode_or_fail(kLink);
  ASSERT_GE(code.width, 21);
  expect_finder_pattern(code, 0, 0);
  expect_finder_pattern(code, code.width - 7, 0);
  expect_finder_pattern(code, 0, code.width - 7);
  // Timing patterns: row 6 and column 6 alternate between the finders, dark on even positions.
  for (int i = 8; i < code.width - 8; ++i) {
    EXPECT_EQ(code.dark(i, 6), i % 2 == 0) << i;
    EXPECT_EQ(code.dark(6, i), i % 2 == 0) << i;
  }
  // The dark module beside the lower-left finder, always at (8, 4 * version + 9).
  EXPECT_TRUE(code.dark(8, code.width - 8));
}

TEST(TerminalQrTest, ModulesAreLibqrencodesOwn) {
  for (const std::string& text :
       {std::string(kLink), std::string("hush"), std::string("a\0b\xff", 4), std::string(300, 'z')}) {
    const auto code = encode_or_fail(text);
    std::unique_ptr<QRcode, void (*)(QRcode*)> reference(
        QRcode_encodeData(static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()), 0,
                          QR_ECLEVEL_M),
        QRcode_free);
    ASSERT_NE(reference, nullptr);
    ASSERT_EQ(code.width, reference->width);
    for (int y = 0; y < code.width; ++y) {
      for (int x = 0; x < code.width; ++x) {
        EXPECT_EQ(code.dark(x, y), (reference->data[y * reference->width + x] & 1) != 0) << x << "," << y;
      }
    }
  }
}

TEST(TerminalQrTest, OutsideTheSymbolIsLight) {
  const auto code = encode_or_fail("hush");
  EXPECT_TRUE(code.dark(0, 0));
  EXPECT_FALSE(code.dark(-1, 0));
  EXPECT_FALSE(code.dark(0, -1));
  EXPECT_FALSE(code.dark(code.width, 0));
  EXPECT_FALSE(code.dark(0, code.width));
  EXPECT_FALSE(QrCode{}.dark(0, 0));
  EXPECT_FALSE((QrCode{5, {}}).dark(1, 1));  // a malformed value reads nothing out of bounds
}

TEST(TerminalQrTest, Errors) {
  auto over = encode_qr(std::string(kMaxQrTextSize + 1, 'a'));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error(), QrError::kTooLong);
  auto huge = encode_qr(std::string(1 << 20, 'a'));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error(), QrError::kTooLong);
  auto empty = encode_qr("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error(), QrError::kEncode);
  EXPECT_STREQ(to_string(QrError::kTooLong), "too_long");
  EXPECT_STRNE(to_string(QrError::kTooLong), to_string(QrError::kEncode));
}

TEST(TerminalQrTest, HalfBlockRendering) {
  const auto code = encode_or_fail(kLink);
  const auto lines = code_point_lines(render_qr_text(code));
  const int side = code.width + 2 * kQrQuietZone;
  ASSERT_EQ(lines.size(), static_cast<std::size_t>((code.width + 5) / 2));
  for (const auto& line : lines) EXPECT_EQ(line.size(), static_cast<std::size_t>(side));

  // Read every module back: the upper half of line i is row 2i - 2, the lower half row 2i - 1.
  for (int row = 0; row < side + 1; ++row) {
    for (int column = 0; column < side; ++column) {
      const auto& point = lines[static_cast<std::size_t>(row / 2)][static_cast<std::size_t>(column)];
      ASSERT_TRUE(point == " " || point == "\u2580" || point == "\u2584" || point == "\u2588") << point;
      const bool drawn =
          row % 2 == 0 ? (point == "\u2580" || point == "\u2588") : (point == "\u2584" || point == "\u2588");
      EXPECT_EQ(drawn, code.dark(column - kQrQuietZone, row - kQrQuietZone)) << column << "," << row;
    }
  }
  // The quiet zone: the first line and the last are blank, and so are two columns on each side.
  const std::vector<std::string> blank_line(static_cast<std::size_t>(side), " ");
  EXPECT_EQ(lines.front(), blank_line);
  EXPECT_EQ(lines.back(), blank_line);
  for (const auto& line : lines) {
    EXPECT_EQ(line[0], " ");
    EXPECT_EQ(line[1], " ");
    EXPECT_EQ(line[line.size() - 2], " ");
    EXPECT_EQ(line[line.size() - 1], " ");
  }
  // Dark modules are ink: the top-left finder's corner (rows 0 and 1) is a full block.
  EXPECT_EQ(lines[1][2], "\u2588");
}

TEST(TerminalQrTest, AsciiRendering) {
  const auto code = encode_or_fail("hush");
  const std::string text = render_qr_text(code, /*ascii_only=*/true);
  const auto lines = code_point_lines(text);
  const int side = code.width + 2 * kQrQuietZone;
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(side));
  for (int y = 0; y < side; ++y) {
    const auto& line = lines[static_cast<std::size_t>(y)];
    ASSERT_EQ(line.size(), static_cast<std::size_t>(2 * side));
    for (int x = 0; x < side; ++x) {
      const std::string cell = line[static_cast<std::size_t>(2 * x)] + line[static_cast<std::size_t>(2 * x + 1)];
      ASSERT_TRUE(cell == "##" || cell == "  ") << cell;
      EXPECT_EQ(cell == "##", code.dark(x - kQrQuietZone, y - kQrQuietZone)) << x << "," << y;
    }
  }
  for (char c : text) EXPECT_TRUE(c == '#' || c == ' ' || c == '\n');
  const std::string blank(static_cast<std::size_t>(2 * side), ' ');
  EXPECT_EQ(text.substr(0, blank.size()), blank);
  EXPECT_EQ(text.substr(text.size() - blank.size() - 1), blank + "\n");
}

TEST(TerminalQrTest, RenderRefusesWhatIsNotASymbol) {
  EXPECT_THROW(render_qr_text(QrCode{5, {}}), std::invalid_argument);
  EXPECT_THROW(render_qr_text(QrCode{-1, {}}), std::invalid_argument);
  EXPECT_THROW(render_qr_text(QrCode{1 << 30, {}}), std::invalid_argument);
  // An empty symbol is only the quiet zone.
  std::string quiet_zone_only;
  for (int i = 0; i < 2 * kQrQuietZone; ++i) quiet_zone_only += std::string(4 * kQrQuietZone, ' ') + "\n";
  EXPECT_EQ(render_qr_text(QrCode{}, /*ascii_only=*/true), quiet_zone_only);
}

}  // namespace
}  // namespace hush::client
