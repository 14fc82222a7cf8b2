// Fuzzes group updates as a member receives them (libs/client/groups): the bytes are a GroupUpdate
// over a pairwise session from "alice" (whose identity key is fixed), checked against a held group
// and against none. Whatever the bytes, the answer is a valid state or one of the named errors; an
// accepted state parses back to itself and is within the limits.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "fuzz_support.hpp"
#include "hush/client/groups/group_state.hpp"

namespace {

struct Fixture {
  hush::crypto::SeededRng rng{1};
  hush::crypto::KeyPair alice = hush::crypto::KeyPair::generate(rng);
  hush::client::GroupState held = *hush::client::new_group("alice", "fuzz", {"bob", "carol"}, rng);
};

void check(const hush::Result<hush::client::GroupState, hush::client::GroupError>& taken) {
  using namespace hush;
  if (!taken.ok()) {
    HUSH_FUZZ_CHECK(std::string_view(client::to_string(taken.error())) != "unknown");
    return;
  }
  HUSH_FUZZ_CHECK(taken->members.size() <= client::kMaxGroupMembers);
  HUSH_FUZZ_CHECK(taken->name.size() <= client::kMaxGroupNameSize);
  HUSH_FUZZ_CHECK(taken->is_member("bob"));
  auto again = client::parse_group_state(as_bytes(client::serialize(*taken)));
  HUSH_FUZZ_CHECK(again.ok() && *again == *taken);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hush;
  static Fixture fixture;
  wire::content::GroupUpdate update;
  if (size > client::kMaxGroupStateSize * 2 || !update.ParseFromArray(data, static_cast<int>(size))) return 0;
  check(client::accept_update(std::nullopt, update, "alice", fixture.alice.public_key, "bob"));
  check(client::accept_update(fixture.held, update, "alice", fixture.alice.public_key, "bob"));
  (void)client::parse_group_state(as_bytes(update.state()));
  return 0;
}
