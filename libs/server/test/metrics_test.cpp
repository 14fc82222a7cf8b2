// The metrics page: counters land under the right names and labels, the batch histogram is
// cumulative, unknown close reasons count as "other", and the page is valid exposition text.
#include "metrics.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace hush::server {
namespace {

// The value of the sample line `series` (name with labels), or -1 when absent.
long long value_of(const std::string& page, const std::string& series) {
  std::istringstream lines(page);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stoll(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(Metrics, CountsRequestsByTypeAndStatus) {
  Metrics metrics;
  api::Request ack;
  ack.mutable_acknowledge()->add_sequences(1);
  ack.mutable_acknowledge()->add_sequences(2);
  api::Status ok;
  metrics.count_response(Metrics::describe(ack), ok);
  api::Request chunk;
  chunk.mutable_append_chunk()->set_data(std::string(100, 'x'));
  metrics.count_response(Metrics::describe(chunk), ok);
  api::Status unavailable;
  unavailable.set_code(api::Status::UNAVAILABLE);
  unavailable.set_reason("storage_unavailable");
  metrics.count_response(Metrics::describe(chunk), unavailable);  // failed: no bytes counted

  const std::string page = metrics.render(3);
  EXPECT_EQ(value_of(page, "hushd_requests_total{type=\"acknowledge\",status=\"ok\"}"), 1);
  EXPECT_EQ(value_of(page, "hushd_requests_total{type=\"append_chunk\",status=\"ok\"}"), 1);
  EXPECT_EQ(value_of(page, "hushd_requests_total{type=\"append_chunk\",status=\"unavailable\"}"), 1);
  EXPECT_EQ(value_of(page, "hushd_envelopes_acknowledged_total"), 2);
  EXPECT_EQ(value_of(page, "hushd_media_bytes_stored_total"), 100);
  EXPECT_EQ(value_of(page, "hushd_storage_errors_total{operation=\"request\"}"), 1);
  EXPECT_EQ(value_of(page, "hushd_connections_open"), 3);
}

TEST(Metrics, BatchHistogramIsCumulative) {
  Metrics metrics;
  metrics.count_commit_batch(1);
  metrics.count_commit_batch(3);
  metrics.count_commit_batch(5000);
  const std::string page = metrics.render(0);
  EXPECT_EQ(value_of(page, "hushd_commit_batch_envelopes_bucket{le=\"1\"}"), 1);
  EXPECT_EQ(value_of(page, "hushd_commit_batch_envelopes_bucket{le=\"2\"}"), 1);
  EXPECT_EQ(value_of(page, "hushd_commit_batch_envelopes_bucket{le=\"4\"}"), 2);
  EXPECT_EQ(value_of(page, "hushd_commit_batch_envelopes_bucket{le=\"4096\"}"), 2);
  EXPECT_EQ(value_of(page, "hushd_commit_batch_envelopes_bucket{le=\"+Inf\"}"), 3);
  EXPECT_EQ(value_of(page, "hushd_commit_batch_envelopes_count"), 3);
  EXPECT_EQ(value_of(page, "hushd_commit_batch_envelopes_sum"), 5004);
}

TEST(Metrics, ClosesByReasonWithOtherForUnknownReasons) {
  Metrics metrics;
  metrics.count_close("idle_timeout");
  metrics.count_close("idle_timeout");
  metrics.count_close("something_new");
  const std::string page = metrics.render(0);
  EXPECT_EQ(value_of(page, "hushd_connections_closed_total{reason=\"idle_timeout\"}"), 2);
  EXPECT_EQ(value_of(page, "hushd_connections_closed_total{reason=\"other\"}"), 1);
  EXPECT_EQ(value_of(page, "hushd_connections_closed_total{reason=\"slow_consumer\"}"), 0);
}

TEST(Metrics, EverySampleHasHelpAndType) {
  Metrics metrics;
  metrics.count_response(Metrics::RequestInfo{}, api::Status{});
  const std::string page = metrics.render(0);
  std::istringstream lines(page);
  std::string line;
  std::string typed;
  while (std::getline(lines, line)) {
    ASSERT_FALSE(line.empty());
    if (line.rfind("# TYPE ", 0) == 0) {
      typed = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    if (line[0] == '#') continue;
    EXPECT_EQ(line.rfind(typed, 0), 0u) << line << " outside its family " << typed;
  }
  EXPECT_EQ(value_of(page, "hushd_requests_total{type=\"none\",status=\"ok\"}"), 1);
}

}  // namespace
}  // namespace hush::server
