// The NOTIFY payload format of wakes (postgres/src/wake_payload.hpp): packing many wakes into few
// payloads under PostgreSQL's limit, parsing them back, and refusing anything else. No cluster needed.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "wake_payload.hpp"

namespace hush::storage::postgres {
namespace {

std::vector<Wake> parse_all(const std::vector<std::string>& payloads) {
  std::vector<Wake> wakes;
  for (const std::string& payload : payloads) {
    auto parsed = parse_wake_payload(payload);
    EXPECT_TRUE(parsed.has_value()) << payload.substr(0, 40);
    if (parsed) wakes.insert(wakes.end(), parsed->begin(), parsed->end());
  }
  return wakes;
}

TEST(WakePayload, RoundTripsEachKindAndExtremeIds) {
  const std::vector<Wake> wakes{{WakeKind::kEnvelopes, {1, 1}},
                                {WakeKind::kNotices, {42, 7}},
                                {WakeKind::kDeviceRemoved, {UINT64_MAX, UINT32_MAX}}};
  auto payloads = pack_wakes(wakes);
  ASSERT_EQ(payloads.size(), 1u);
  EXPECT_EQ(payloads[0], "w1 e1.1 n42.7 r18446744073709551615.4294967295");
  EXPECT_EQ(parse_all(payloads), wakes);
}

TEST(WakePayload, DuplicatesAndResyncAreNotSent) {
  const std::vector<Wake> wakes{{WakeKind::kEnvelopes, {5, 1}},
                                {WakeKind::kEnvelopes, {5, 1}},
                                {WakeKind::kResync, {}},
                                {WakeKind::kNotices, {5, 1}}};
  EXPECT_EQ(parse_all(pack_wakes(wakes)),
            (std::vector<Wake>{{WakeKind::kEnvelopes, {5, 1}}, {WakeKind::kNotices, {5, 1}}}));
  EXPECT_TRUE(pack_wakes(std::vector<Wake>{{WakeKind::kResync, {}}}).empty());
  EXPECT_TRUE(pack_wakes({}).empty());
}

TEST(WakePayload, ManyWakesPackIntoFewPayloadsUnderTheLimit) {
  constexpr std::uint64_t kRecipients = 3000;
  std::vector<Wake> wakes;
  for (std::uint64_t account = 1; account <= kRecipients; ++account) {
    wakes.push_back({WakeKind::kEnvelopes, {1000000000000 + account, 3}});
  }
  auto payloads = pack_wakes(wakes);
  // About 22 bytes per wake: some 360 per payload.
  EXPECT_LE(payloads.size(), kRecipients / 300);
  for (const std::string& payload : payloads) EXPECT_LE(payload.size(), kMaxWakePayloadSize);
  EXPECT_EQ(parse_all(payloads), wakes);
}

TEST(WakePayload, AnythingElseIsRefusedWhole) {
  for (const char* payload : {"", "w2 e1.1", "w1e1.1", "w1 ", "w1 e1.1 ", "w1  e1.1", "w1 x1.1", "w1 e1", "w1 e.1",
                              "w1 e1.", "w1 e1.1.1", "w1 e-1.1", "w1 e1.4294967296", "w1 e18446744073709551616.1",
                              "w1 e000000000000000000001.1", "hello", "w1 e1.1\n"}) {
    EXPECT_FALSE(parse_wake_payload(payload).has_value()) << payload;
  }
  EXPECT_FALSE(parse_wake_payload("w1" + std::string(kMaxWakePayloadSize, ' ')).has_value());
  EXPECT_EQ(parse_wake_payload("w1")->size(), 0u);
}

}  // namespace
}  // namespace hush::storage::postgres
