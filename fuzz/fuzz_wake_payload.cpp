// Fuzzes the wake payload parser of the PostgreSQL backend (libs/storage/postgres/src): the text a
// node reads from NOTIFY, which any client of the database can send on the channel. Nothing over
// kMaxWakePayloadSize parses; a parsed payload holds no kResync and at most one wake per 4 bytes;
// and packing its wakes gives payloads that parse back to the same (distinct) wakes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "wake_payload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using hush::storage::Wake;
  using hush::storage::WakeKind;
  namespace postgres = hush::storage::postgres;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto wakes = postgres::parse_wake_payload(text);
  if (!wakes) return 0;
  HUSH_FUZZ_CHECK(size <= postgres::kMaxWakePayloadSize);
  constexpr std::size_t kShortestItemBytes = 5;  // " e1.1"
  HUSH_FUZZ_CHECK(wakes->size() <= size / kShortestItemBytes);
  for (const Wake& wake : *wakes) HUSH_FUZZ_CHECK(wake.kind != WakeKind::kResync);

  std::vector<Wake> again;
  for (const std::string& payload : postgres::pack_wakes(*wakes)) {
    HUSH_FUZZ_CHECK(payload.size() <= postgres::kMaxWakePayloadSize);
    auto parsed = postgres::parse_wake_payload(payload);
    HUSH_FUZZ_CHECK(parsed.has_value());
    again.insert(again.end(), parsed->begin(), parsed->end());
  }
  for (const Wake& wake : *wakes) HUSH_FUZZ_CHECK(std::find(again.begin(), again.end(), wake) != again.end());
  for (const Wake& wake : again) HUSH_FUZZ_CHECK(std::find(wakes->begin(), wakes->end(), wake) != wakes->end());
  return 0;
}
