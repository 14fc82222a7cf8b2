// QR codes for the terminal through hush::client_terminal_qr (qr.hpp).
#include "qr.hpp"

#include "hush/client/terminal_qr/terminal_qr.hpp"

namespace hush::cli {

std::optional<std::string> draw_qr(std::string_view text, bool ascii_only, std::string& why_not) {
  auto code = client::encode_qr(text);
  if (!code.ok()) {
    why_not = client::to_string(code.error());
    return std::nullopt;
  }
  return client::render_qr_text(*code, ascii_only);
}

}  // namespace hush::cli
