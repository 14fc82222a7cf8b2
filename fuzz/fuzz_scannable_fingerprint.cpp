// Fuzzes compare_scannable(ours, scanned) with a valid `ours`. A match must be symmetric (the
// scanned payload also matches ours when the roles are swapped); the peer's real fingerprint
// matches and ours compared with itself does not (local and remote differ).
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "hush/protocol/fingerprint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hush;
  const Bytes& ours = fuzz::our_scannable_fingerprint();
  static const bool fixture_ok = [&] {
    auto with_peer = protocol::compare_scannable(ours, fuzz::their_scannable_fingerprint());
    auto with_self = protocol::compare_scannable(ours, ours);
    return with_peer.ok() && *with_peer && with_self.ok() && !*with_self;
  }();
  HUSH_FUZZ_CHECK(fixture_ok);

  const ByteView scanned(data, size);
  auto result = protocol::compare_scannable(ours, scanned);
  if (!result) return 0;
  auto swapped = protocol::compare_scannable(scanned, ours);
  if (*result) {
    HUSH_FUZZ_CHECK(swapped.ok() && *swapped);
  }
  return 0;
}
