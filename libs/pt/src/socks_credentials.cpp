// socks_credentials and obfs4_socks_credentials (obfs4.hpp): pt-spec §3.5, the per-connection
// arguments of a PT client carried in the RFC 1929 username and password.
#include "hush/pt/obfs4.hpp"

namespace hush::pt {

namespace {

// pt-spec §3.5: "<Key>=<Value>" joined by ';'; '\' escapes ';', '=' and itself.
void append_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    if (c == '\\' || c == '=' || c == ';') out.push_back('\\');
    out.push_back(c);
  }
}

PtFailure invalid(std::string message) {
  return PtFailure{PtError::kInvalidArgument, std::move(message)};
}

}  // namespace

Result<SocksCredentials, PtFailure> socks_credentials(
    const std::vector<std::pair<std::string, std::string>>& arguments) {
  if (arguments.empty()) return fail(invalid("no arguments"));
  std::string encoded;
  for (const auto& [key, value] : arguments) {
    if (key.empty()) return fail(invalid("an empty key"));
    // A NUL could make the password the single NUL that means "none" (goptlib).
    if (key.find('\0') != std::string::npos || value.find('\0') != std::string::npos) {
      return fail(invalid("a NUL byte"));
    }
    if (!encoded.empty()) encoded.push_back(';');
    append_escaped(encoded, key);
    encoded.push_back('=');
    append_escaped(encoded, value);
    if (encoded.size() > kMaxSocksArgumentsSize) {
      return fail(invalid("over " + std::to_string(kMaxSocksArgumentsSize) + " bytes once encoded"));
    }
  }
  if (encoded.size() <= kMaxSocksCredentialSize) return SocksCredentials{std::move(encoded), std::string(1, '\0')};
  return SocksCredentials{encoded.substr(0, kMaxSocksCredentialSize), encoded.substr(kMaxSocksCredentialSize)};
}

Result<SocksCredentials, PtFailure> obfs4_socks_credentials(std::string_view cert, int iat_mode) {
  if (iat_mode < 0 || iat_mode > kMaxObfs4IatMode) return fail(invalid("iat-mode outside 0..2"));
  return socks_credentials({{"cert", std::string(cert)}, {"iat-mode", std::to_string(iat_mode)}});
}

}  // namespace hush::pt
