// QR codes on the terminal for `link` and `verify`: the one place the command meets
// hush::client_terminal_qr, so that a change of that library's interface changes only qr.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hush::cli {

// `text` as a QR code drawn with characters (lines ending in '\n'); Unicode half blocks, or "##"
// per module when `ascii_only`. nullopt, with the reason in `why_not`, when no QR code holds it.
std::optional<std::string> draw_qr(std::string_view text, bool ascii_only, std::string& why_not);

}  // namespace hush::cli
