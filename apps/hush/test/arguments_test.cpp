// Command-line values, endpoints, exit codes and the progress line.
#include "arguments.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "exit_codes.hpp"
#include "message_json.hpp"
#include "progress.hpp"

namespace hush::cli {
namespace {

TEST(Arguments, MessageIds) {
  const auto id = parse_message_id("00112233445566778899AABBCCDDEEFF");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->size(), 16u);
  EXPECT_EQ((*id)[15], 0xff);
  EXPECT_FALSE(parse_message_id("0011223344556677889900aabbccddee0").has_value());  // 33 digits
  EXPECT_FALSE(parse_message_id("00112233445566778899aabbccddeeg0").has_value());
  EXPECT_FALSE(parse_message_id("").has_value());
}

TEST(Arguments, Coordinates) {
  const auto place = parse_coordinates("48.2082,16.3738");
  ASSERT_TRUE(place.has_value());
  EXPECT_DOUBLE_EQ(place->latitude, 48.2082);
  EXPECT_DOUBLE_EQ(place->longitude, 16.3738);
  EXPECT_TRUE(parse_coordinates("-90,180").has_value());
  for (const char* bad : {"", ",", "48.2", "48.2,", ",16", "91,0", "0,-180.5", "a,b", "1,2,3", " 1,2", "1, 2", "nan,0",
                          "inf,0", "1e999,0"}) {
    EXPECT_FALSE(parse_coordinates(bad).has_value()) << bad;
  }
}

TEST(Arguments, Seconds) {
  EXPECT_EQ(seconds_to_duration(5), std::chrono::milliseconds(5000));
  EXPECT_EQ(seconds_to_duration(0), std::chrono::milliseconds(0));
  EXPECT_EQ(seconds_to_duration(0.0001), std::chrono::milliseconds(1));
  EXPECT_EQ(seconds_to_duration(2.5), std::chrono::milliseconds(2500));
  EXPECT_FALSE(seconds_to_duration(-0.5).has_value());
  EXPECT_FALSE(seconds_to_duration(std::nan("")).has_value());
  EXPECT_FALSE(seconds_to_duration(1e300).has_value());
  EXPECT_FALSE(seconds_to_duration(kMaxTimeoutSeconds + 1).has_value());
}

TEST(Arguments, ExpireTimers) {
  EXPECT_EQ(parse_expire_timer("off"), std::chrono::seconds(0));
  EXPECT_EQ(parse_expire_timer("0"), std::chrono::seconds(0));
  EXPECT_EQ(parse_expire_timer("30s"), std::chrono::seconds(30));
  EXPECT_EQ(parse_expire_timer("5m"), std::chrono::seconds(300));
  EXPECT_EQ(parse_expire_timer("1h"), std::chrono::seconds(3600));
  EXPECT_EQ(parse_expire_timer("2d"), std::chrono::seconds(2 * 86400));
  EXPECT_EQ(parse_expire_timer("4w"), std::chrono::seconds(28 * 86400));
  // The range is the library's to check; the form is checked here.
  EXPECT_EQ(parse_expire_timer("29s"), std::chrono::seconds(29));
  for (const char* bad : {"", "s", "1", "1x", "-1h", "1.5h", "h1", "999999999w", "soon", "1 h"}) {
    EXPECT_FALSE(parse_expire_timer(bad).has_value()) << bad;
  }
  EXPECT_EQ(expire_timer_text(0), "off");
  EXPECT_EQ(expire_timer_text(30), "30s");
  EXPECT_EQ(expire_timer_text(90), "90s");
  EXPECT_EQ(expire_timer_text(300), "5m");
  EXPECT_EQ(expire_timer_text(3600), "1h");
  EXPECT_EQ(expire_timer_text(86400), "1d");
  EXPECT_EQ(expire_timer_text(28 * 86400), "4w");
}

TEST(Arguments, SafetyNumberGroups) {
  const std::string digits = "123456789012345678901234567890123456789012345678901234567890";
  const std::string grouped = "12345 67890 12345 67890 12345 67890 12345 67890 12345 67890 12345 67890";
  EXPECT_EQ(format_safety_number_groups(digits), grouped);
  EXPECT_EQ(format_safety_number_groups(grouped), grouped);
  EXPECT_EQ(format_safety_number_groups("12345"), "12345");
  EXPECT_EQ(format_safety_number_groups("1234x"), "1234x");
  EXPECT_EQ(safety_number_qr_payload(Bytes{0x0a, 0xff}), "0aff");
}

TEST(ExitCodes, EveryKind) {
  using client::ClientErrorKind;
  EXPECT_EQ(exit_code_for({ClientErrorKind::kStore, "wrong_passphrase"}), 2);
  EXPECT_EQ(exit_code_for({ClientErrorKind::kNotRegistered, ""}), 2);
  EXPECT_EQ(exit_code_for({ClientErrorKind::kTransport, "connect_failed"}), 3);
  EXPECT_EQ(exit_code_for({ClientErrorKind::kServer, "unknown_account"}), 4);
  EXPECT_EQ(exit_code_for({ClientErrorKind::kUntrustedIdentity, "identity_changed"}), 5);
  EXPECT_EQ(exit_code_for({ClientErrorKind::kInvalidArgument, "file_unreadable"}), 6);
  EXPECT_EQ(exit_code_for({ClientErrorKind::kProtocol, "invalid_signature"}), 7);
  for (int code = 0; code <= 7; ++code) {
    EXPECT_NE(exit_code_help().find("  " + std::to_string(code) + "  "), std::string::npos) << code;
  }
}

TEST(Arguments, Endpoints) {
  const std::optional<std::string> none;
  auto plain = parse_endpoint_arguments("wss://chat.example.org:443", none, none, none);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->address.host, "chat.example.org");
  EXPECT_FALSE(plain->via || plain->sni || plain->host);
  auto full = parse_endpoint_arguments("wss://[2001:db8::1]:8443", std::string("socks5://u:secret@127.0.0.1:9050"),
                                       std::string(""), std::string("chat.example.org"));
  ASSERT_TRUE(full.ok()) << full.error();
  EXPECT_EQ(full->via->password, "secret");
  EXPECT_EQ(full->sni, std::optional<std::string>(""));  // given empty: no SNI

  const std::vector<std::tuple<std::string, std::optional<std::string>, std::optional<std::string>,
                               std::optional<std::string>, std::string>>
      bad{
          {"https://a.example:443", none, none, none, "URL"},
          {"wss://a.example", none, none, none, "URL"},
          {"wss://a.example:443", std::string("socks4://u:secret@h:1"), none, none, "--via"},
          {"wss://a.example:443", std::string(""), none, none, "--via"},
          {"wss://a.example:443", none, std::string("10.0.0.1"), none, "--sni"},
          {"wss://a.example:443", none, std::string("a b"), none, "--sni"},
          {"wss://a.example:443", none, none, std::string("a\r\nX: y"), "--host"},
      };
  for (const auto& [url, via, sni, host, option] : bad) {
    auto parsed = parse_endpoint_arguments(url, via, sni, host);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_TRUE(parsed.error().starts_with(option)) << parsed.error();
    EXPECT_EQ(parsed.error().find("secret"), std::string::npos);
  }
}

TEST(Arguments, ConnectReportAndEndpointJsonMaskPasswords) {
  client::ConnectReport report;
  client::Endpoint dead{{"127.0.0.1", 9}, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  client::Endpoint proxied{{"chat.example.org", 443},
                           client::parse_proxy_url("socks5://alice:hunter2@127.0.0.1:9050"),
                           std::string("front.example"),
                           std::nullopt,
                           std::nullopt};
  report.attempts.push_back({1, dead, client::TransportError::kConnectFailed, {}});
  report.attempts.push_back({2, proxied, std::nullopt, {}});
  report.attempts[0].diagnostics.proxy_reply = 0;
  report.connected = 2;
  EXPECT_EQ(
      connect_report_text(report),
      "endpoint 1 (wss://127.0.0.1:9): connect_failed; "
      "endpoint 2 (wss://chat.example.org:443 via socks5://alice:***@127.0.0.1:9050 sni front.example): connected");

  const nlohmann::json json = endpoint_to_json(proxied, 2);
  EXPECT_EQ(json["index"], 2);
  EXPECT_EQ(json["url"], "wss://chat.example.org:443");
  EXPECT_EQ(json["via"], "socks5://alice:***@127.0.0.1:9050");
  EXPECT_EQ(json["sni"], "front.example");
  EXPECT_TRUE(json["host"].is_null());
  EXPECT_EQ(to_json_line(json).find("hunter2"), std::string::npos);
  EXPECT_TRUE(endpoint_to_json(dead, 1)["via"].is_null());
}

TEST(Progress, Line) {
  using namespace std::chrono_literals;
  const std::string start = render_progress_line("sending a.bin", 0, 2048, 0s);
  EXPECT_NE(start.find("sending a.bin ["), std::string::npos);
  EXPECT_NE(start.find("0 B / 2.0 KiB"), std::string::npos);
  EXPECT_EQ(start.find("left"), std::string::npos);  // no rate yet
  const std::string half = render_progress_line("x", 1024, 2048, 1s);
  EXPECT_NE(half.find("1.0 KiB / 2.0 KiB  1.0 KiB/s  0:01 left"), std::string::npos) << half;
  EXPECT_NE(half.find("[############            ]"), std::string::npos) << half;
  EXPECT_NE(render_progress_line("x", 5, 0, 1s).find("[########################]"), std::string::npos);
}

}  // namespace
}  // namespace hush::cli
