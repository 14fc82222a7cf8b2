// The verdict and the JSON contract of `hush probe --json` on made-up step results: a blackholed
// address, an SNI-filtered one with a fronted endpoint that works, a censor cutting connections
// after N bytes, everything fine, nothing working, a home without an account, and several
// endpoints that ran the account's steps (the first whose every step passed is the one to use).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hush/client/probe/probe_report.hpp"

namespace hush::client {
namespace {

using std::chrono::milliseconds;

constexpr std::uint64_t kLargeBlob = 2 * 1024 * 1024;

StepResult passed(ProbeStep step, std::int64_t ms = 1) {
  StepResult result(step);
  result.ok = true;
  result.elapsed = milliseconds{ms};
  return result;
}

StepResult failed(ProbeStep step, std::string failure, std::int64_t ms = 10000) {
  StepResult result(step);
  result.ok = false;
  result.elapsed = milliseconds{ms};
  result.failure = std::move(failure);
  return result;
}

EndpointReport endpoint(std::size_t index, std::string transport, std::vector<StepResult> steps) {
  EndpointReport report;
  report.index = index;
  report.url = "wss://chat.example.org:443";
  report.transport = std::move(transport);
  report.description = report.url;
  report.steps = std::move(steps);
  return report;
}

// Every step passed, media_large with `resets` resumes.
EndpointReport working(std::size_t index, std::string transport, std::uint32_t resets = 0) {
  std::vector<StepResult> steps;
  for (const ProbeStep step :
       {ProbeStep::kDns, ProbeStep::kTcpConnect, ProbeStep::kTlsHandshake, ProbeStep::kWebSocketUpgrade,
        ProbeStep::kAuthentication, ProbeStep::kMessageRoundTrip, ProbeStep::kMediaSmall, ProbeStep::kMediaLarge}) {
    steps.push_back(passed(step));
  }
  steps.back().resets = resets;
  steps.back().bytes = kLargeBlob;
  EndpointReport report = endpoint(index, std::move(transport), std::move(steps));
  report.throughput_kbps = 12345;
  return report;
}

nlohmann::json json_of(const ProbeReport& report) {
  return nlohmann::json::parse(to_json(report));
}

TEST(ProbeReportTest, AllGood) {
  ProbeReport report;
  report.endpoints.push_back(working(1, "direct"));
  report.control.server_reached_through = 1;
  conclude(report);
  EXPECT_EQ(report.working_endpoint, 1u);
  EXPECT_NE(report.verdict.find("Nothing is blocked"), std::string::npos) << report.verdict;

  const auto json = json_of(report);
  ASSERT_EQ(json["endpoints"].size(), 1u);
  const auto& first = json["endpoints"][0];
  EXPECT_EQ(first["index"], 1);
  EXPECT_EQ(first["url"], "wss://chat.example.org:443");
  EXPECT_EQ(first["transport"], "direct");
  EXPECT_TRUE(first["failed_step"].is_null());
  EXPECT_TRUE(first["failure"].is_null());
  EXPECT_EQ(first["throughput_kbps"], 12345);
  ASSERT_EQ(first["steps"].size(), 8u);
  const char* names[] = {
      "dns",         "tcp_connect", "tls_handshake", "websocket_upgrade", "authentication", "message_round_trip",
      "media_small", "media_large"};
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(first["steps"][i]["step"], names[i]);
    EXPECT_EQ(first["steps"][i]["ok"], true);
    EXPECT_EQ(first["steps"][i]["ms"], 1);
    EXPECT_TRUE(first["steps"][i]["failure"].is_null());
    EXPECT_FALSE(first["steps"][i].contains("skipped"));
  }
  EXPECT_EQ(first["steps"][7]["resets"], 0);
  EXPECT_EQ(first["steps"][7]["bytes"], kLargeBlob);
  EXPECT_FALSE(first["steps"][6].contains("resets"));
  EXPECT_EQ(json["working_endpoint"], 1);
  EXPECT_EQ(json["control"]["server_reached_through"], 1);
  EXPECT_EQ(json["verdict"], report.verdict);
}

TEST(ProbeReportTest, BlackholeNamesTcpConnectAndNothingWorks) {
  ProbeReport report;
  report.endpoints.push_back(
      endpoint(1, "direct", {passed(ProbeStep::kDns), failed(ProbeStep::kTcpConnect, "generic_timeout_error")}));
  conclude(report);
  EXPECT_FALSE(report.working_endpoint);
  EXPECT_NE(report.verdict.find("tcp_connect (generic_timeout_error)"), std::string::npos) << report.verdict;
  EXPECT_NE(report.verdict.find("blackholed"), std::string::npos) << report.verdict;
  EXPECT_NE(report.verdict.find("No endpoint works"), std::string::npos) << report.verdict;
  const auto json = json_of(report);
  EXPECT_EQ(json["endpoints"][0]["failed_step"], "tcp_connect");
  EXPECT_EQ(json["endpoints"][0]["failure"], "generic_timeout_error");
  EXPECT_EQ(json["endpoints"][0]["steps"].size(), 2u);  // nothing after the failed step
  EXPECT_TRUE(json["endpoints"][0]["throughput_kbps"].is_null());
  EXPECT_TRUE(json["working_endpoint"].is_null());
  EXPECT_TRUE(json["control"].is_null());
}

TEST(ProbeReportTest, SniResetWithAWorkingFront) {
  ProbeReport report;
  report.endpoints.push_back(endpoint(1, "direct",
                                      {passed(ProbeStep::kDns), passed(ProbeStep::kTcpConnect),
                                       failed(ProbeStep::kTlsHandshake, "connection_reset", 3)}));
  report.endpoints.push_back(working(2, "fronted"));
  report.control.server_reached_through = 2;
  report.control.sni_checks.push_back(SniControl{1, "www.example.com", true, milliseconds{2}, ""});
  conclude(report);
  EXPECT_EQ(report.working_endpoint, 2u);
  EXPECT_NE(report.verdict.find("tls_handshake (connection_reset)"), std::string::npos) << report.verdict;
  EXPECT_NE(report.verdict.find("server's name is being filtered"), std::string::npos) << report.verdict;
  EXPECT_NE(report.verdict.find("endpoint 2 (fronted"), std::string::npos) << report.verdict;
  const auto json = json_of(report);
  EXPECT_EQ(json["endpoints"][0]["failed_step"], "tls_handshake");
  EXPECT_EQ(json["endpoints"][0]["failure"], "connection_reset");
  EXPECT_EQ(json["working_endpoint"], 2);
  ASSERT_EQ(json["control"]["sni_checks"].size(), 1u);
  EXPECT_EQ(json["control"]["sni_checks"][0]["kind"], "innocuous_sni");
  EXPECT_EQ(json["control"]["sni_checks"][0]["ok"], true);
  EXPECT_EQ(json["control"]["server_reached_through"], 2);
}

TEST(ProbeReportTest, CutAfterNBytesSlowsLargeFilesButTheyGetThrough) {
  ProbeReport report;
  EndpointReport cut = working(1, "direct", 21);
  cut.bytes_before_reset = 200 * 1000;
  report.endpoints.push_back(cut);
  conclude(report);
  EXPECT_EQ(report.working_endpoint, 1u);
  EXPECT_NE(report.verdict.find("connections are cut after about 200 KB (21 resets): large files slow down but get "
                                "through"),
            std::string::npos)
      << report.verdict;
  const auto json = json_of(report);
  EXPECT_EQ(json["endpoints"][0]["steps"][7]["ok"], true);
  EXPECT_EQ(json["endpoints"][0]["steps"][7]["resets"], 21);
  EXPECT_TRUE(json["endpoints"][0]["failed_step"].is_null());
}

TEST(ProbeReportTest, MediaBlockedWhileTextPasses) {
  ProbeReport report;
  EndpointReport media = working(1, "direct");
  media.steps.pop_back();
  media.steps.push_back(failed(ProbeStep::kMediaLarge, "connection_reset"));
  media.throughput_kbps.reset();
  report.endpoints.push_back(media);
  conclude(report);
  EXPECT_FALSE(report.working_endpoint);
  EXPECT_NE(report.verdict.find("a large file does not"), std::string::npos) << report.verdict;
}

TEST(ProbeReportTest, UnregisteredHomeChecksRegistrationReachability) {
  ProbeReport report;
  report.registered = false;
  EndpointReport reachable = endpoint(1, "direct",
                                      {passed(ProbeStep::kDns), passed(ProbeStep::kTcpConnect),
                                       passed(ProbeStep::kTlsHandshake), passed(ProbeStep::kWebSocketUpgrade)});
  StepResult skipped(ProbeStep::kAuthentication);
  skipped.skipped = std::string(kSkippedNotRegistered);
  reachable.steps.push_back(skipped);
  report.endpoints.push_back(reachable);
  conclude(report);
  EXPECT_EQ(report.working_endpoint, 1u);
  EXPECT_NE(report.verdict.find("reachable for registration"), std::string::npos) << report.verdict;
  const auto json = json_of(report);
  EXPECT_EQ(json["registered"], false);
  EXPECT_TRUE(json["endpoints"][0]["steps"][4]["ok"].is_null());
  EXPECT_EQ(json["endpoints"][0]["steps"][4]["skipped"], "not_registered");
}

TEST(ProbeReportTest, FirstFullyTestedEndpointIsPreferred) {
  ProbeReport report;
  EndpointReport connect_only = endpoint(1, "socks5",
                                         {passed(ProbeStep::kDns), passed(ProbeStep::kTcpConnect),
                                          passed(ProbeStep::kTlsHandshake), passed(ProbeStep::kWebSocketUpgrade)});
  report.endpoints.push_back(connect_only);
  report.endpoints.push_back(working(2, "obfs4"));
  conclude(report);
  EXPECT_EQ(report.working_endpoint, 2u);
  const std::string text = to_text(report);
  EXPECT_NE(text.find("verdict: "), std::string::npos);
  EXPECT_NE(text.find("media_large"), std::string::npos);
}

TEST(ProbeReportTest, SeveralFullyTestedEndpointsPreferTheFirst) {
  ProbeReport report;
  report.endpoints.push_back(working(1, "direct", 3));
  report.endpoints.push_back(working(2, "socks5"));
  report.control.server_reached_through = 1;
  conclude(report);
  EXPECT_EQ(report.working_endpoint, 1u);
  EXPECT_NE(report.verdict.find("Messages and media get through endpoint 1 (direct"), std::string::npos)
      << report.verdict;
  EXPECT_EQ(report.verdict.find("fails over"), std::string::npos) << report.verdict;
  const auto json = json_of(report);
  EXPECT_EQ(json["working_endpoint"], 1);
  for (const auto& endpoint : json["endpoints"]) {
    EXPECT_TRUE(endpoint["failed_step"].is_null());
    EXPECT_EQ(endpoint["steps"].size(), 8u);
  }
}

TEST(ProbeReportTest, AnEndpointThatConnectsButFailsMediaIsPassedOverButKeptByFailover) {
  ProbeReport report;
  EndpointReport cut = working(1, "direct");
  cut.steps.pop_back();
  cut.steps.push_back(failed(ProbeStep::kMediaLarge, "connection_reset"));
  cut.throughput_kbps.reset();
  report.endpoints.push_back(cut);
  report.endpoints.push_back(working(2, "fronted"));
  conclude(report);
  EXPECT_EQ(report.working_endpoint, 2u);
  EXPECT_NE(report.verdict.find("Endpoint 1 (direct wss://chat.example.org:443) fails at media_large"),
            std::string::npos)
      << report.verdict;
  EXPECT_NE(report.verdict.find("Messages and media get through endpoint 2 (fronted"), std::string::npos)
      << report.verdict;
  // Endpoint 1 connects, so hush's failover never moves on to endpoint 2 by itself.
  EXPECT_EQ(report.verdict.find("fails over to it by itself"), std::string::npos) << report.verdict;
  EXPECT_NE(report.verdict.find("put this one first"), std::string::npos) << report.verdict;
}

TEST(ProbeReportTest, FailoverReachesTheWorkingEndpointPastConnectionFailures) {
  ProbeReport report;
  report.endpoints.push_back(
      endpoint(1, "direct", {passed(ProbeStep::kDns), failed(ProbeStep::kTcpConnect, "connection_refused")}));
  report.endpoints.push_back(working(2, "socks5"));
  report.endpoints.push_back(working(3, "fronted"));
  conclude(report);
  EXPECT_EQ(report.working_endpoint, 2u);
  EXPECT_NE(report.verdict.find("endpoint 2 (socks5"), std::string::npos) << report.verdict;
  EXPECT_NE(report.verdict.find("hush fails over to it by itself"), std::string::npos) << report.verdict;
}

}  // namespace
}  // namespace hush::client
