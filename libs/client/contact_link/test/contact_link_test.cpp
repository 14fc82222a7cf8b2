// Contact links: known-answer fingerprints (computed with Python's hashlib and base64, not with
// libsodium), round trips over every host form, each error kind, the length bound, strictness
// (one text form per link) and matches().
#include "hush/client/contact_link/contact_link.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>

namespace hush::client {
namespace {

// sha256(0x05 || 00 01 .. 1f) as unpadded base64url (has '_').
constexpr std::string_view kCountingKeyFingerprint = "UsBWu3g5hty2hDN_Sbzej36GA0ZP3r7eQQx2GWpaiCA";
// sha256(0x05 || 09 00 .. 00) as unpadded base64url (has '_' and '-').
constexpr std::string_view kBasePointFingerprint = "_Ph_qYSFvSFvmOlNjjWJR-ztmZlwDCqhM3_7E9mzsbo";

crypto::PublicKey counting_key() {
  std::array<std::uint8_t, crypto::kCurveKeySize> raw{};
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i);
  return crypto::PublicKey(raw);
}

crypto::PublicKey base_point_key() {
  std::array<std::uint8_t, crypto::kCurveKeySize> raw{};
  raw[0] = 9;
  return crypto::PublicKey(raw);
}

std::string link_text(std::string_view server, std::string_view username,
                      std::string_view fingerprint = kCountingKeyFingerprint) {
  return "hush://" + std::string(server) + "/" + std::string(username) + "#" + std::string(fingerprint);
}

// The error parse_contact_link() reports, nullopt when it accepts the text.
std::optional<ContactLinkError> error_of(std::string_view text) {
  auto parsed = parse_contact_link(text);
  if (parsed) return std::nullopt;
  return parsed.error();
}

void expect_round_trip(const std::string& text) {
  auto parsed = parse_contact_link(text);
  ASSERT_TRUE(parsed.ok()) << text << ": " << to_string(parsed.error());
  EXPECT_EQ(format_contact_link(*parsed), text);
}

TEST(ContactLinkTest, FingerprintIsSha256OfTheSerializedKey) {
  const auto fingerprint = identity_fingerprint(counting_key());
  EXPECT_EQ(to_hex(ByteView(fingerprint.data(), fingerprint.size())),
            "52c056bb783986dcb684337f49bcde8f7e8603464fdebede410c76196a5a8820");
  const ContactLink link{{"chat.example.org", 8443}, "alice", fingerprint};
  EXPECT_EQ(format_contact_link(link), link_text("chat.example.org:8443", "alice"));
  const ContactLink other{{"chat.example.org", 8443}, "alice", identity_fingerprint(base_point_key())};
  EXPECT_EQ(format_contact_link(other), link_text("chat.example.org:8443", "alice", kBasePointFingerprint));
}

TEST(ContactLinkTest, ParsesHostName) {
  auto link = parse_contact_link(link_text("chat.example.org:8443", "alice"));
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(link->server.host, "chat.example.org");
  EXPECT_EQ(link->server.port, 8443);
  EXPECT_EQ(link->username, "alice");
  EXPECT_EQ(link->identity_fingerprint, identity_fingerprint(counting_key()));
}

TEST(ContactLinkTest, ParsesIpv4AndBracketedIpv6) {
  auto v4 = parse_contact_link(link_text("192.0.2.7:443", "bob_1.x", kBasePointFingerprint));
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->server.host, "192.0.2.7");
  EXPECT_EQ(v4->server.port, 443);
  EXPECT_EQ(v4->username, "bob_1.x");
  EXPECT_EQ(v4->identity_fingerprint, identity_fingerprint(base_point_key()));

  auto v6 = parse_contact_link(link_text("[2001:db8::1]:65535", "carol"));
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->server.host, "2001:db8::1");
  EXPECT_EQ(v6->server.port, 65535);
}

TEST(ContactLinkTest, RoundTrips) {
  for (const std::string& text : {
           link_text("chat.example.org:8443", "alice"),
           link_text("localhost:1", "abc"),
           link_text("192.0.2.7:443", "bob_1.x", kBasePointFingerprint),
           link_text("[2001:db8::1]:443", "carol"),
           link_text("[::ffff:192.0.2.1]:9000", "dave"),
           link_text("xn--bcher-kva.example:443", "0123456789_.abcdefghijklmnopqrst"),
           link_text("a-b.c:80", "..."),
           // The last character carries 2 unused bits: 'E' leaves them zero (a different digest).
           link_text("h:1", "eve", "UsBWu3g5hty2hDN_Sbzej36GA0ZP3r7eQQx2GWpaiCE"),
       }) {
    expect_round_trip(text);
  }
}

TEST(ContactLinkTest, FormatWritesTheOneForm) {
  const auto fingerprint = identity_fingerprint(counting_key());
  EXPECT_EQ(format_contact_link({{"Chat.Example.ORG", 8443}, "alice", fingerprint}),
            link_text("chat.example.org:8443", "alice"));
  EXPECT_EQ(format_contact_link({{"2001:DB8::A", 443}, "alice", fingerprint}), link_text("[2001:db8::a]:443", "alice"));
}

TEST(ContactLinkTest, FormatRefusesWhatCouldNotBeReadBack) {
  const auto fingerprint = identity_fingerprint(counting_key());
  EXPECT_THROW(format_contact_link({{"example.org", 0}, "alice", fingerprint}), std::invalid_argument);
  EXPECT_THROW(format_contact_link({{"", 443}, "alice", fingerprint}), std::invalid_argument);
  EXPECT_THROW(format_contact_link({{"exa/mple.org", 443}, "alice", fingerprint}), std::invalid_argument);
  EXPECT_THROW(format_contact_link({{"example.org", 443}, "Alice", fingerprint}), std::invalid_argument);
  EXPECT_THROW(format_contact_link({{"example.org", 443}, "al", fingerprint}), std::invalid_argument);
  EXPECT_THROW(format_contact_link({{"example.org", 443}, "al#ice", fingerprint}), std::invalid_argument);
  EXPECT_THROW(format_contact_link({{"example.org", 443}, std::string(33, 'a'), fingerprint}), std::invalid_argument);
}

TEST(ContactLinkTest, SchemeErrors) {
  for (std::string_view prefix : {"HUSH://", "Hush://", "wss://", "hush:/", "hush:", " hush://", "https://", ""}) {
    EXPECT_EQ(error_of(std::string(prefix) + "example.org:443/alice#" + std::string(kCountingKeyFingerprint)),
              ContactLinkError::kScheme)
        << prefix;
  }
  EXPECT_EQ(error_of(""), ContactLinkError::kScheme);
}

TEST(ContactLinkTest, ServerErrors) {
  for (std::string_view server : {
           "example.org",           // no port
           "example.org:",          // empty port
           "example.org:0",         // port 0
           "example.org:65536",     // port out of range
           "example.org:0443",      // leading zero: a second form of 443
           "example.org:+443",      // sign
           "example.org: 443",      // space
           "Example.org:443",       // upper case: a second form of the host
           ":443",                  // no host
           "user@example.org:443",  // user info
           "exa%6dple.org:443",     // percent-encoding
           "example.org:443?x=1",   // query before the path
           "2001:db8::1:443",       // IPv6 without brackets
           "[2001:db8::1]",         // IPv6 without port
           "[2001:DB8::1]:443",     // upper-case IPv6
           "[example.org]:443",     // brackets around a name
           "",                      // nothing before the '/'
       }) {
    EXPECT_EQ(error_of(link_text(server, "alice")), ContactLinkError::kServer) << server;
  }
  EXPECT_EQ(error_of("hush://"), ContactLinkError::kServer);
  EXPECT_EQ(error_of("hush://example.org:443#" + std::string(kCountingKeyFingerprint)), ContactLinkError::kServer);
}

TEST(ContactLinkTest, UsernameErrors) {
  EXPECT_EQ(error_of("hush://example.org:443"), ContactLinkError::kUsername);
  for (std::string_view username : {
           "",                                   // empty
           "ab",                                 // too short
           "abcdefghijklmnopqrstuvwxyz0123456",  // 33 characters
           "Alice",                              // upper case
           "al%69ce",                            // percent-encoding
           "alice?x=1",                          // query
           "alice/",                             // a second path segment
           "alice/bob",                          //
           "al ice",                             // space
           "al-ice",                             // hyphen (not in hushd's rules)
           "al\xc3\xa9",                         // non-ASCII
       }) {
    EXPECT_EQ(error_of(link_text("example.org:443", username)), ContactLinkError::kUsername) << username;
  }
}

TEST(ContactLinkTest, FingerprintErrors) {
  const std::string fingerprint(kCountingKeyFingerprint);
  std::string standard_alphabet = fingerprint;
  standard_alphabet[15] = '/';  // the position of the '_'
  for (const std::string& bad : {
           std::string(),                                             // empty
           fingerprint.substr(0, 42),                                 // one character short
           fingerprint + "A",                                         // one character over
           fingerprint + "=",                                         // padding
           fingerprint + "\n",                                        // trailing newline
           fingerprint + "?x=1",                                      // a query after it
           fingerprint + "#",                                         // a second fragment
           fingerprint.substr(0, 42) + "B",                           // unused bits set: a second form of a digest
           standard_alphabet,                                         // '/' is standard base64, not base64url
           fingerprint.substr(0, 10) + "+" + fingerprint.substr(11),  // '+' likewise
           fingerprint.substr(0, 10) + "%" + fingerprint.substr(11),  // percent-encoding
           fingerprint.substr(0, 10) + " " + fingerprint.substr(11),  // space
           std::string(43, '='),
       }) {
    EXPECT_EQ(error_of(link_text("example.org:443", "alice", bad)), ContactLinkError::kFingerprint) << bad;
  }
  EXPECT_EQ(error_of("hush://example.org:443/alice"), ContactLinkError::kFingerprint);
  EXPECT_EQ(error_of("hush://example.org:443/alice#"), ContactLinkError::kFingerprint);
  EXPECT_EQ(error_of(link_text("example.org:443", "alice") + link_text("example.org:443", "alice")),
            ContactLinkError::kFingerprint);
}

TEST(ContactLinkTest, LengthBound) {
  // Longest valid link: the server part at parse_server_url's bound (300 - "wss://").
  const std::string longest_host(300 - 6 - 6, 'a');  // and ":65535"
  const std::string longest = link_text(longest_host + ":65535", "abcdefghijklmnopqrstuvwxyz012345");
  EXPECT_EQ(longest.size(), 378u);
  expect_round_trip(longest);
  EXPECT_EQ(error_of(link_text(longest_host + "a:65535", "abcdefghijklmnopqrstuvwxyz012345")),
            ContactLinkError::kServer);

  // At kMaxContactLinkSize the text is looked at (and refused for what it says); one byte more is
  // refused for its length alone, even when it starts like a link.
  std::string at_bound = link_text("example.org:443", "alice");
  at_bound += std::string(kMaxContactLinkSize - at_bound.size(), 'A');
  ASSERT_EQ(at_bound.size(), kMaxContactLinkSize);
  EXPECT_EQ(error_of(at_bound), ContactLinkError::kFingerprint);
  EXPECT_EQ(error_of(at_bound + "A"), ContactLinkError::kTooLong);
  EXPECT_EQ(error_of(std::string(kMaxContactLinkSize, 'x')), ContactLinkError::kScheme);
  EXPECT_EQ(error_of(std::string(kMaxContactLinkSize + 1, 'x')), ContactLinkError::kTooLong);
  EXPECT_EQ(error_of(std::string(1 << 20, 'x')), ContactLinkError::kTooLong);
}

TEST(ContactLinkTest, Matches) {
  auto link = parse_contact_link(link_text("example.org:443", "alice"));
  ASSERT_TRUE(link.ok());
  EXPECT_TRUE(matches(*link, counting_key()));
  EXPECT_FALSE(matches(*link, base_point_key()));
  EXPECT_FALSE(matches(*link, crypto::PublicKey()));

  // One bit of difference in the fingerprint is enough.
  for (std::size_t i : {std::size_t{0}, std::size_t{31}}) {
    ContactLink altered = *link;
    altered.identity_fingerprint[i] ^= 0x01;
    EXPECT_FALSE(matches(altered, counting_key())) << i;
  }
}

// The fuzzer's seeds (written by hand) are valid links, so that it starts from accepted inputs.
TEST(ContactLinkTest, FuzzSeedsAreValidLinks) {
  const std::filesystem::path seeds = std::filesystem::path(HUSH_SOURCE_DIR) / "fuzz/seeds/contact_link";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(seeds)) {
    std::ifstream file(entry.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    expect_round_trip(text);
    ++count;
  }
  EXPECT_GE(count, 4);
}

TEST(ContactLinkTest, ErrorNamesAreDistinct) {
  const std::array errors = {ContactLinkError::kTooLong, ContactLinkError::kScheme, ContactLinkError::kServer,
                             ContactLinkError::kUsername, ContactLinkError::kFingerprint};
  for (std::size_t i = 0; i < errors.size(); ++i) {
    EXPECT_STRNE(describe(errors[i]), "unknown contact link error");
    for (std::size_t j = i + 1; j < errors.size(); ++j) {
      EXPECT_STRNE(to_string(errors[i]), to_string(errors[j]));
      EXPECT_STRNE(describe(errors[i]), describe(errors[j]));
    }
  }
  EXPECT_STREQ(to_string(ContactLinkError::kFingerprint), "invalid_fingerprint");
}

}  // namespace
}  // namespace hush::client
