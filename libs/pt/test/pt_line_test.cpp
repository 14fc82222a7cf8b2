// parse_pt_line and the address syntax (pt_line.hpp): every line kind, the bounds, and the
// malformed lines a strict parser must refuse.
#include "hush/pt/pt_line.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hush::pt {
namespace {

PtLine parsed(std::string_view line) {
  auto result = parse_pt_line(line);
  EXPECT_TRUE(result.ok()) << line;
  return result.ok() ? *result : PtLine{};
}

bool refused(std::string_view line) {
  auto result = parse_pt_line(line);
  return !result.ok() && result.error() == PtLineError::kMalformed;
}

TEST(PtLine, Version) {
  const PtLine line = parsed("VERSION 1");
  EXPECT_EQ(line.kind, PtLineKind::kVersion);
  EXPECT_EQ(line.version, 1);
  EXPECT_EQ(parsed("VERSION 999").version, kMaxPtVersion);
  EXPECT_TRUE(refused("VERSION 1000"));
  EXPECT_TRUE(refused("VERSION 01"));
  EXPECT_TRUE(refused("VERSION"));
  EXPECT_TRUE(refused("VERSION "));
  EXPECT_TRUE(refused("VERSION 1 "));
  EXPECT_TRUE(refused("VERSION -1"));
}

TEST(PtLine, VersionAndEnvErrorsKeepTheirMessage) {
  PtLine line = parsed("VERSION-ERROR no-version");
  EXPECT_EQ(line.kind, PtLineKind::kVersionError);
  EXPECT_EQ(line.message, "no-version");
  line = parsed("ENV-ERROR need TOR_PT_ORPORT or TOR_PT_EXTENDED_SERVER_PORT environment variable");
  EXPECT_EQ(line.kind, PtLineKind::kEnvError);
  EXPECT_EQ(line.message, "need TOR_PT_ORPORT or TOR_PT_EXTENDED_SERVER_PORT environment variable");
  EXPECT_EQ(parsed("ENV-ERROR").message, "");
}

TEST(PtLine, ClientMethod) {
  PtLine line = parsed("CMETHOD obfs4 socks5 127.0.0.1:36553");
  EXPECT_EQ(line.kind, PtLineKind::kClientMethod);
  EXPECT_EQ(line.method, "obfs4");
  EXPECT_EQ(line.proxy_type, "socks5");
  EXPECT_EQ(line.address, (PtAddress{"127.0.0.1", 36553}));
  line = parsed("CMETHOD meek_lite socks5 [::1]:1");
  EXPECT_EQ(line.method, "meek_lite");
  EXPECT_EQ(line.address, (PtAddress{"::1", 1}));
  EXPECT_TRUE(refused("CMETHOD obfs4 socks5"));
  EXPECT_TRUE(refused("CMETHOD obfs4 127.0.0.1:1"));
  EXPECT_TRUE(refused("CMETHOD 4obfs socks5 127.0.0.1:1"));  // not a C identifier
  EXPECT_TRUE(refused("CMETHOD obfs4 SOCKS5 127.0.0.1:1"));
  EXPECT_TRUE(refused("CMETHOD obfs4  socks5 127.0.0.1:1"));
  EXPECT_TRUE(refused("CMETHOD obfs4 socks5 127.0.0.1:1 extra"));
  EXPECT_TRUE(refused("CMETHOD obfs4 socks5 localhost:1080"));
}

TEST(PtLine, ClientMethodErrorAndDone) {
  PtLine line = parsed("CMETHOD-ERROR obfs4 no such transport is supported");
  EXPECT_EQ(line.kind, PtLineKind::kClientMethodError);
  EXPECT_EQ(line.method, "obfs4");
  EXPECT_EQ(line.message, "no such transport is supported");
  EXPECT_EQ(parsed("CMETHODS DONE").kind, PtLineKind::kClientMethodsDone);
  EXPECT_TRUE(refused("CMETHODS DONE "));
  EXPECT_TRUE(refused("CMETHODS"));
  EXPECT_TRUE(refused("CMETHODS done"));
  EXPECT_TRUE(refused("CMETHOD-ERROR"));
}

TEST(PtLine, ServerMethodWithArgs) {
  const PtLine line = parsed(
      "SMETHOD obfs4 127.0.0.1:34513 ARGS:cert=JHWft/OhtDTcBwJJy53XIqA09VtQ+UDJogR3nfAAa0G5zaBZvnip/"
      "VgRtN1AJq7KZg4jBg,iat-mode=0");
  EXPECT_EQ(line.kind, PtLineKind::kServerMethod);
  EXPECT_EQ(line.method, "obfs4");
  EXPECT_EQ(line.address, (PtAddress{"127.0.0.1", 34513}));
  ASSERT_EQ(line.args.size(), 2u);
  EXPECT_EQ(line.args[0].first, "cert");
  EXPECT_EQ(line.args[0].second, "JHWft/OhtDTcBwJJy53XIqA09VtQ+UDJogR3nfAAa0G5zaBZvnip/VgRtN1AJq7KZg4jBg");
  EXPECT_EQ(line.args[1], (std::pair<std::string, std::string>{"iat-mode", "0"}));
}

TEST(PtLine, ServerMethodWithoutArgs) {
  const PtLine line = parsed("SMETHOD trebuchet [2001:db8::1]:19999");
  EXPECT_EQ(line.kind, PtLineKind::kServerMethod);
  EXPECT_EQ(line.address, (PtAddress{"2001:db8::1", 19999}));
  EXPECT_TRUE(line.args.empty());
  EXPECT_TRUE(refused("SMETHOD trebuchet 198.51.100.1:19999 "));
  EXPECT_TRUE(refused("SMETHOD trebuchet 198.51.100.1:19999 ARGS:"));
  EXPECT_TRUE(refused("SMETHOD trebuchet 198.51.100.1:19999 OTHER:x=1"));
  EXPECT_TRUE(refused("SMETHOD trebuchet 198.51.100.1:19999 ARGS:N=13 ARGS:M=1"));
  EXPECT_TRUE(refused("SMETHOD trebuchet"));
}

TEST(PtLine, ArgsEscapes) {
  const PtLine line = parsed(R"(SMETHOD x 10.0.0.1:1 ARGS:a=1\,2,b\=c=\\,d=)");
  ASSERT_EQ(line.args.size(), 3u);
  EXPECT_EQ(line.args[0], (std::pair<std::string, std::string>{"a", "1,2"}));
  EXPECT_EQ(line.args[1], (std::pair<std::string, std::string>{"b=c", "\\"}));
  EXPECT_EQ(line.args[2], (std::pair<std::string, std::string>{"d", ""}));
}

TEST(PtLine, BadArgsRefused) {
  EXPECT_TRUE(refused(R"(SMETHOD x 10.0.0.1:1 ARGS:a=1\)"));   // trailing backslash
  EXPECT_TRUE(refused(R"(SMETHOD x 10.0.0.1:1 ARGS:a=\n)"));   // an escape pt-spec does not define
  EXPECT_TRUE(refused(R"(SMETHOD x 10.0.0.1:1 ARGS:a=1=2)"));  // unescaped '=' in a value
  EXPECT_TRUE(refused(R"(SMETHOD x 10.0.0.1:1 ARGS:a)"));      // no '='
  EXPECT_TRUE(refused(R"(SMETHOD x 10.0.0.1:1 ARGS:=1)"));     // empty key
  EXPECT_TRUE(refused(R"(SMETHOD x 10.0.0.1:1 ARGS:a=1,)"));   // empty pair
  EXPECT_TRUE(refused(R"(SMETHOD x 10.0.0.1:1 ARGS:a=1,,b=2)"));
  EXPECT_TRUE(refused(R"(SMETHOD x 10.0.0.1:1 ARGS:a=1,a=2)"));  // a key twice
}

TEST(PtLine, ArgsCountBounded) {
  std::string line = "SMETHOD x 10.0.0.1:1 ARGS:";
  for (std::size_t i = 0; i < kMaxPtArgs; ++i) line += (i ? ",k" : "k") + std::to_string(i) + "=v";
  EXPECT_EQ(parsed(line).args.size(), kMaxPtArgs);
  EXPECT_TRUE(refused(line + ",one=more"));
}

TEST(PtLine, ServerMethodErrorAndDone) {
  const PtLine line = parsed("SMETHOD-ERROR obfs4 listen tcp 127.0.0.1:43005: bind: address already in use");
  EXPECT_EQ(line.kind, PtLineKind::kServerMethodError);
  EXPECT_EQ(line.method, "obfs4");
  EXPECT_EQ(line.message, "listen tcp 127.0.0.1:43005: bind: address already in use");
  EXPECT_EQ(parsed("SMETHODS DONE").kind, PtLineKind::kServerMethodsDone);
}

TEST(PtLine, IgnoredAndUnknownKinds) {
  EXPECT_EQ(parsed("LOG SEVERITY=debug MESSAGE=\"hello\"").kind, PtLineKind::kLog);
  EXPECT_EQ(parsed("STATUS TRANSPORT=obfs4 CONNECT=Success").kind, PtLineKind::kStatus);
  EXPECT_EQ(parsed("PROXY DONE").kind, PtLineKind::kUnknown);
  EXPECT_EQ(parsed("SOMETHING_NEW with any = arguments").kind, PtLineKind::kUnknown);
  EXPECT_TRUE(refused(""));
  EXPECT_TRUE(refused(" VERSION 1"));
  EXPECT_TRUE(refused("WHAT? 1"));
  EXPECT_TRUE(refused("2019/01/01 12:00:00 [NOTICE]: obfs4proxy - launched"));
}

TEST(PtLine, ControlCharactersRefused) {
  EXPECT_TRUE(refused("VERSION 1\r"));
  EXPECT_TRUE(refused(std::string_view("LOG a\0b", 7)));
  EXPECT_TRUE(refused("ENV-ERROR \x1b[31mred"));
  EXPECT_TRUE(refused("LOG \x7f"));
  EXPECT_EQ(parsed("ENV-ERROR caf\xc3\xa9").message, "caf\xc3\xa9");  // bytes over 0x7F pass
}

TEST(PtLine, LengthBoundedBeforeAnythingElse) {
  const std::string longest = "LOG " + std::string(kMaxPtLineSize - 4, 'x');
  ASSERT_EQ(longest.size(), kMaxPtLineSize);
  EXPECT_EQ(parsed(longest).kind, PtLineKind::kLog);
  auto result = parse_pt_line(longest + "x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), PtLineError::kTooLong);
  // Over the bound, even a control character is reported as too long: the size is checked first.
  result = parse_pt_line(std::string(kMaxPtLineSize + 1, '\0'));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), PtLineError::kTooLong);
}

TEST(PtAddress, StrictHostAndPort) {
  EXPECT_EQ(parse_pt_address("0.0.0.0:65535"), (PtAddress{"0.0.0.0", 65535}));
  EXPECT_EQ(parse_pt_address("255.255.255.255:1"), (PtAddress{"255.255.255.255", 1}));
  EXPECT_EQ(parse_pt_address("[::]:80"), (PtAddress{"::", 80}));
  EXPECT_EQ(parse_pt_address("[::ffff:1.2.3.4]:80"), (PtAddress{"::ffff:1.2.3.4", 80}));
  for (const char* bad :
       {"127.0.0.1:0",   "127.0.0.1:65536", "127.0.0.1:080",     "127.0.0.1:",   "127.0.0.1", ":80",
        "127.0.0.1:+80", "127.0.0.1:8a",    "127.0.0.1:123456",  "256.0.0.1:80", "1.2.3:80",  "1.2.3.4.5:80",
        "01.2.3.4:80",   "1..3.4:80",       "1.2.3.4 :80",       "localhost:80", "::1:80",    "[::1:80",
        "::1]:80",       "[]:80",           "[fe80::1%eth0]:80", "[1.2.3.4]:80", "[::1]x:80", "[:::1]:80"}) {
    EXPECT_FALSE(parse_pt_address(bad).has_value()) << bad;
  }
  EXPECT_FALSE(parse_pt_address(std::string_view("[::1\0]:80", 9)).has_value());
}

TEST(PtAddress, FormatBracketsIpv6) {
  EXPECT_EQ(format_pt_address({"127.0.0.1", 5000}), "127.0.0.1:5000");
  EXPECT_EQ(format_pt_address({"::1", 0}), "[::1]:0");
  EXPECT_TRUE(is_ip_literal("::1"));
  EXPECT_TRUE(is_ip_literal("10.1.2.3"));
  EXPECT_FALSE(is_ip_literal("[::1]"));
  EXPECT_FALSE(is_ip_literal("example.org"));
  EXPECT_FALSE(is_ip_literal(""));
}

}  // namespace
}  // namespace hush::pt
