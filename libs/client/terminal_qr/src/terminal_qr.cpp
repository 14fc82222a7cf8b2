// encode_qr() over libqrencode (QRcode_encodeData: byte mode) and the two text renderings.
// libqrencode reports failures through errno; its QRcode is owned by a unique_ptr.
#include "hush/client/terminal_qr/terminal_qr.hpp"

#include <qrencode.h>

#include <cerrno>
#include <memory>
#include <stdexcept>

namespace hush::client {

namespace {

struct QrcodeDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};
using QrcodePtr = std::unique_ptr<QRcode, QrcodeDeleter>;

// Version 40.
constexpr int kMaxQrWidth = 177;

constexpr std::string_view kUpperHalf = "\u2580";
constexpr std::string_view kLowerHalf = "\u2584";
constexpr std::string_view kFullBlock = "\u2588";

}  // namespace

bool QrCode::dark(int x, int y) const {
  if (x < 0 || y < 0 || x >= width || y >= width) return false;
  const auto index = static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x);
  return index < modules.size() && modules[index];
}

Result<QrCode, QrError> encode_qr(std::string_view text) {
  if (text.size() > kMaxQrTextSize) return fail(QrError::kTooLong);
  if (text.empty()) return fail(QrError::kEncode);  // libqrencode refuses it (EINVAL)
  errno = 0;
  QrcodePtr encoded(QRcode_encodeData(static_cast<int>(text.size()),
                                      reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
  if (!encoded) return fail(errno == ERANGE ? QrError::kTooLong : QrError::kEncode);
  if (encoded->width <= 0 || encoded->data == nullptr) return fail(QrError::kEncode);

  QrCode code;
  code.width = encoded->width;
  const auto size = static_cast<std::size_t>(code.width) * static_cast<std::size_t>(code.width);
  code.modules.resize(size);
  // Bit 0 of each byte is the module's colour (1 = dark); the other bits describe its role.
  for (std::size_t i = 0; i < size; ++i) code.modules[i] = (encoded->data[i] & 1) != 0;
  return code;
}

std::string render_qr_text(const QrCode& code, bool ascii_only) {
  if (code.width < 0 || code.width > kMaxQrWidth ||
      code.modules.size() != static_cast<std::size_t>(code.width) * static_cast<std::size_t>(code.width)) {
    throw std::invalid_argument("render_qr_text: not a QR code symbol");
  }
  const int first = -kQrQuietZone;
  const int end = code.width + kQrQuietZone;  // one past the last row and column drawn
  std::string out;
  if (ascii_only) {
    for (int y = first; y < end; ++y) {
      for (int x = first; x < end; ++x) out += code.dark(x, y) ? "##" : "  ";
      out += '\n';
    }
    return out;
  }
  for (int y = first; y < end; y += 2) {
    for (int x = first; x < end; ++x) {
      const bool top = code.dark(x, y);
      const bool bottom = y + 1 < end && code.dark(x, y + 1);
      if (top && bottom) {
        out += kFullBlock;
      } else if (top) {
        out += kUpperHalf;
      } else if (bottom) {
        out += kLowerHalf;
      } else {
        out += ' ';
      }
    }
    out += '\n';
  }
  return out;
}

const char* to_string(QrError error) {
  switch (error) {
    case QrError::kTooLong: return "too_long";
    case QrError::kEncode: return "encode_failed";
  }
  return "unknown";
}

}  // namespace hush::client
