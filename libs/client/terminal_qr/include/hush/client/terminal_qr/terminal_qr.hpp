// QR codes for the terminal: encoding text (a contact link) with libqrencode and drawing the
// symbol with characters. This file owns the encoding parameters and the drawing; it does not own
// what the text says (contact_link/) or scanning (done by the other person's phone).
// libqrencode stays in src/: including this header costs nothing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "hush/base/result.hpp"

namespace hush::client {

// Most bytes one QR code holds in byte mode at error correction level M (version 40, 177x177
// modules). Codes that large do not fit a terminal or scan from one; a contact link is at most
// 378 bytes (version 15, 77x77 modules).
inline constexpr std::size_t kMaxQrTextSize = 2331;

enum class QrError {
  kTooLong,  // more than kMaxQrTextSize bytes: no QR code version holds the text
  kEncode,   // libqrencode refused the text (it is empty) or ran out of memory
};

// A short, stable, lower_snake_case name, for logs and --json output.
const char* to_string(QrError error);

// A QR code symbol without its quiet zone: width x width modules, row by row from the top.
struct QrCode {
  int width = 0;              // 21 + 4 * (version - 1)
  std::vector<bool> modules;  // width * width; true = dark; modules[y * width + x]
  // True for a dark module. Coordinates outside the symbol are the quiet zone: light, false.
  bool dark(int x, int y) const;
};

// Encodes `text` as bytes (byte mode, no ECI header: a reader takes them as UTF-8 or Latin-1),
// error correction level M (15% of the symbol can be lost), the smallest version that fits, and
// the mask libqrencode chooses. Errors: kTooLong, kEncode. Never throws for any input.
Result<QrCode, QrError> encode_qr(std::string_view text);

// Width of the quiet zone render_qr_text() draws around the symbol, in modules. The standard asks
// for 4; 2 keeps the code small on a terminal, and the screen around it adds light margin.
inline constexpr int kQrQuietZone = 2;

// The symbol with a kQrQuietZone-module light border, as lines of text each ending in '\n', all of
// the same width. Dark modules are drawn as ink (glyphs) and light modules as blanks, so the code
// is right on a terminal that draws dark text on a light background. On a light-on-dark terminal
// it shows inverted (light modules dark): many phone scanners read that too, some do not.
// - Default: Unicode half blocks, two module rows per line (U+2580 upper, U+2584 lower, U+2588
//   full, space), width + 4 code points per line and (width + 5) / 2 lines: the last line's lower
//   half lies below the quiet zone and is light.
// - ascii_only: "##" per dark module and two spaces per light one, one module row per line:
//   2 * (width + 4) characters by width + 4 lines. For terminals without Unicode fonts.
// Precondition: `code` is a symbol as encode_qr() makes them (width at most 177, width * width
// modules); anything else is a bug of the caller: std::invalid_argument.
std::string render_qr_text(const QrCode& code, bool ascii_only = false);

}  // namespace hush::client
