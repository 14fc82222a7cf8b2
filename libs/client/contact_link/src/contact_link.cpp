// The contact link's format and parser (contact_link.hpp), and the names of ContactLinkError.
// Canonical by construction: each part is parsed, formatted again and compared byte for byte with
// the text it came from, so the parser accepts exactly the texts format_contact_link() writes.
#include "hush/client/contact_link/contact_link.hpp"

#include <sodium.h>

#include <algorithm>
#include <stdexcept>

#include "hush/crypto/secret.hpp"

#include "hush/wire/username.hpp"

namespace hush::client {

namespace {

constexpr std::string_view kScheme = "hush://";
constexpr int kBase64Variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
static_assert(kContactLinkFingerprintSize + 1 == sodium_base64_ENCODED_LEN(32, kBase64Variant));

// libsodium asks for sodium_init() before any other call. Its result does not matter here: -1
// means no entropy source, which the base64 codec does not use, so parsing never throws.
void ensure_sodium_initialized() {
  [[maybe_unused]] static const int result = sodium_init();
}

char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// "HOST:PORT" in its one form: host in lower case, an IPv6 literal (it has a ':') in brackets.
std::string format_server(const ServerAddress& server) {
  std::string host = server.host;
  std::transform(host.begin(), host.end(), host.begin(), to_lower);
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(server.port);
}

std::string encode_base64url_fingerprint(const crypto::Sha256Digest& fingerprint) {
  ensure_sodium_initialized();
  char text[kContactLinkFingerprintSize + 1];
  sodium_bin2base64(text, sizeof text, fingerprint.data(), fingerprint.size(), kBase64Variant);
  return std::string(text, kContactLinkFingerprintSize);
}

Result<ServerAddress, ContactLinkError> parse_server(std::string_view text) {
  // parse_server_url owns the host rules; "wss://" + text has no path, so its optional trailing
  // '/' cannot be involved (text holds no '/').
  auto server = parse_server_url("wss://" + std::string(text));
  if (!server || format_server(*server) != text) return fail(ContactLinkError::kServer);
  return std::move(*server);
}

Result<crypto::Sha256Digest, ContactLinkError> decode_base64url_fingerprint(std::string_view text) {
  if (text.size() != kContactLinkFingerprintSize) return fail(ContactLinkError::kFingerprint);
  ensure_sodium_initialized();
  crypto::Sha256Digest fingerprint{};
  std::size_t decoded = 0;
  const char* end = nullptr;
  if (sodium_base642bin(fingerprint.data(), fingerprint.size(), text.data(), text.size(), nullptr, &decoded, &end,
                        kBase64Variant) != 0 ||
      decoded != fingerprint.size() || end != text.data() + text.size() ||
      encode_base64url_fingerprint(fingerprint) != text) {
    return fail(ContactLinkError::kFingerprint);
  }
  return fingerprint;
}

}  // namespace

crypto::Sha256Digest identity_fingerprint(const crypto::PublicKey& identity) {
  const auto serialized = identity.serialize();
  return crypto::sha256(ByteView(serialized.data(), serialized.size()));
}

std::string format_contact_link(const ContactLink& link) {
  std::string text = std::string(kScheme) + format_server(link.server) + "/" + link.username + "#" +
                     encode_base64url_fingerprint(link.identity_fingerprint);
  if (!parse_contact_link(text)) {
    throw std::invalid_argument("format_contact_link: the server address or the username is not valid");
  }
  return text;
}

Result<ContactLink, ContactLinkError> parse_contact_link(std::string_view text) {
  if (text.size() > kMaxContactLinkSize) return fail(ContactLinkError::kTooLong);
  if (!text.starts_with(kScheme)) return fail(ContactLinkError::kScheme);
  text.remove_prefix(kScheme.size());

  const auto slash = text.find('/');
  auto server = parse_server(text.substr(0, slash));
  if (!server) return fail(server.error());
  if (slash == std::string_view::npos) return fail(ContactLinkError::kUsername);
  text.remove_prefix(slash + 1);

  const auto hash = text.find('#');
  const std::string_view username = text.substr(0, hash);
  if (!wire::valid_username(username)) return fail(ContactLinkError::kUsername);
  if (hash == std::string_view::npos) return fail(ContactLinkError::kFingerprint);

  auto fingerprint = decode_base64url_fingerprint(text.substr(hash + 1));
  if (!fingerprint) return fail(fingerprint.error());
  return ContactLink{std::move(*server), std::string(username), *fingerprint};
}

bool matches(const ContactLink& link, const crypto::PublicKey& identity) {
  const auto expected = identity_fingerprint(identity);
  return crypto::constant_time_equal(ByteView(link.identity_fingerprint.data(), link.identity_fingerprint.size()),
                                     ByteView(expected.data(), expected.size()));
}

const char* to_string(ContactLinkError error) {
  switch (error) {
    case ContactLinkError::kTooLong: return "too_long";
    case ContactLinkError::kScheme: return "wrong_scheme";
    case ContactLinkError::kServer: return "invalid_server";
    case ContactLinkError::kUsername: return "invalid_username";
    case ContactLinkError::kFingerprint: return "invalid_fingerprint";
  }
  return "unknown";
}

const char* describe(ContactLinkError error) {
  switch (error) {
    case ContactLinkError::kTooLong: return "the contact link is too long to be one";
    case ContactLinkError::kScheme: return "the contact link does not start with hush://";
    case ContactLinkError::kServer: return "the contact link's server is not written as host:port";
    case ContactLinkError::kUsername:
      return "the contact link's username is missing or not 3 to 32 characters of a-z, 0-9, _ and .";
    case ContactLinkError::kFingerprint:
      return "the contact link's identity fingerprint is missing, damaged or followed by something else";
  }
  return "unknown contact link error";
}

}  // namespace hush::client
