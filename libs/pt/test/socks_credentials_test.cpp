// socks_credentials and obfs4_socks_credentials (obfs4.hpp, pt-spec §3.5): the username alone up
// to 255 bytes with a NUL password, split across both fields above, refused above 510.
#include <gtest/gtest.h>

#include "hush/pt/obfs4.hpp"

namespace hush::pt {
namespace {

constexpr std::string_view kCert = "JHWft/OhtDTcBwJJy53XIqA09VtQ+UDJogR3nfAAa0G5zaBZvnip/VgRtN1AJq7KZg4jBg";

TEST(SocksCredentials, Obfs4ArgumentsFitTheUsername) {
  auto credentials = obfs4_socks_credentials(kCert, 0);
  ASSERT_TRUE(credentials.ok());
  EXPECT_EQ(credentials->username, "cert=" + std::string(kCert) + ";iat-mode=0");
  EXPECT_EQ(credentials->password, std::string(1, '\0'));
  EXPECT_EQ(obfs4_socks_credentials(kCert, 2)->username.substr(credentials->username.size() - 1), "2");
}

TEST(SocksCredentials, IatModeChecked) {
  EXPECT_EQ(obfs4_socks_credentials(kCert, -1).error().error, PtError::kInvalidArgument);
  EXPECT_EQ(obfs4_socks_credentials(kCert, kMaxObfs4IatMode + 1).error().error, PtError::kInvalidArgument);
}

TEST(SocksCredentials, Escapes) {
  auto credentials = socks_credentials({{"a;b", "c=d\\e"}, {"f", ""}});
  ASSERT_TRUE(credentials.ok());
  EXPECT_EQ(credentials->username, R"(a\;b=c\=d\\e;f=)");
}

TEST(SocksCredentials, SplitAtTheBoundary) {
  // "k=" + value: exactly 255 bytes stay in the username.
  auto at_limit = socks_credentials({{"k", std::string(kMaxSocksCredentialSize - 2, 'v')}});
  ASSERT_TRUE(at_limit.ok());
  EXPECT_EQ(at_limit->username.size(), kMaxSocksCredentialSize);
  EXPECT_EQ(at_limit->password, std::string(1, '\0'));

  auto over = socks_credentials({{"k", std::string(kMaxSocksCredentialSize - 1, 'v')}});
  ASSERT_TRUE(over.ok());
  EXPECT_EQ(over->username, "k=" + std::string(kMaxSocksCredentialSize - 2, 'v'));
  EXPECT_EQ(over->password, "v");

  const std::string long_cert(400, 'C');
  auto split = obfs4_socks_credentials(long_cert, 1);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->username.size(), kMaxSocksCredentialSize);
  EXPECT_EQ(split->username + split->password, "cert=" + long_cert + ";iat-mode=1");
}

TEST(SocksCredentials, RefusedAbove510Bytes) {
  auto at_limit = socks_credentials({{"k", std::string(kMaxSocksArgumentsSize - 2, 'v')}});
  ASSERT_TRUE(at_limit.ok());
  EXPECT_EQ(at_limit->username.size(), kMaxSocksCredentialSize);
  EXPECT_EQ(at_limit->password.size(), kMaxSocksCredentialSize);
  // Escapes count: one '=' more in the value is two bytes more.
  auto over = socks_credentials({{"k", std::string(kMaxSocksArgumentsSize - 3, 'v') + "="}});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().error, PtError::kInvalidArgument);
}

TEST(SocksCredentials, InvalidArguments) {
  EXPECT_FALSE(socks_credentials({}).ok());
  EXPECT_FALSE(socks_credentials({{"", "v"}}).ok());
  EXPECT_FALSE(socks_credentials({{"k", std::string("a\0b", 3)}}).ok());
}

TEST(PtError, NamesAndDescriptions) {
  EXPECT_STREQ(to_string(PtError::kNotInstalled), "not_installed");
  EXPECT_STREQ(to_string(PtError::kMethodError), "method_error");
  EXPECT_STREQ(to_string(PtError::kStartTimeout), "start_timeout");
  EXPECT_EQ(describe({PtError::kMethodError, "bind: address already in use"}),
            "method_error: bind: address already in use");
  EXPECT_EQ(describe({PtError::kProtocolError, ""}), "protocol_error");
}

}  // namespace
}  // namespace hush::pt
