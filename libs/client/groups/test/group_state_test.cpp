// The group rules: valid states, signatures, who may change what, and the limits by name.
#include "hush/client/groups/group_state.hpp"

#include <gtest/gtest.h>

#include "hush/wire/content_codec.hpp"

namespace hush::client {
namespace {

class GroupStateTest : public ::testing::Test {
 protected:
  crypto::SeededRng rng_{7};
  crypto::KeyPair alice_ = crypto::KeyPair::generate(rng_);
  crypto::KeyPair bob_ = crypto::KeyPair::generate(rng_);
  crypto::KeyPair carol_ = crypto::KeyPair::generate(rng_);

  GroupState created() {
    auto state = new_group("alice", "climbing club", {"carol", "bob", "bob"}, rng_);
    EXPECT_TRUE(state.ok());
    return *state;
  }
  // `state` one revision on, as `author` signs it with `key`.
  wire::content::GroupUpdate next(GroupState state, const std::string& author, const crypto::KeyPair& key) {
    ++state.revision;
    auto ordered = checked(std::move(state));
    EXPECT_TRUE(ordered.ok());
    return sign_update(*ordered, author, key.private_key, rng_);
  }
};

TEST_F(GroupStateTest, ANewGroupHasItsCreatorAsOnlyAdminAndSortedMembers) {
  const GroupState state = created();
  EXPECT_EQ(state.id.size(), kGroupIdSize);
  EXPECT_EQ(state.revision, 1u);
  EXPECT_EQ(state.members, (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(state.admins, (std::vector<std::string>{"alice"}));
  EXPECT_NE(created().id, state.id);
}

TEST_F(GroupStateTest, AnInvitationFromItsAdminIsTakenAndRoundTrips) {
  const GroupState state = created();
  const auto update = sign_update(state, "alice", alice_.private_key, rng_);
  auto taken = accept_update(std::nullopt, update, "alice", alice_.public_key, "bob");
  ASSERT_TRUE(taken.ok()) << to_string(taken.error());
  EXPECT_EQ(*taken, state);
  // Not for someone outside it; not from a member who is no admin.
  EXPECT_EQ(accept_update(std::nullopt, update, "alice", alice_.public_key, "dave").error(), GroupError::kNotAMember);
  const auto from_bob = sign_update(state, "bob", bob_.private_key, rng_);
  EXPECT_EQ(accept_update(std::nullopt, from_bob, "bob", bob_.public_key, "carol").error(), GroupError::kNotAdmin);
}

TEST_F(GroupStateTest, AnUpdateNotSignedByAnAdminIsRejected) {
  const GroupState held = created();
  GroupState renamed = held;
  renamed.name = "bob's club now";
  // bob is a member, not an admin: his signed rename is refused by everyone.
  EXPECT_EQ(accept_update(held, next(renamed, "bob", bob_), "bob", bob_.public_key, "carol").error(),
            GroupError::kNotAdmin);
  // The admin's own rename is taken.
  auto taken = accept_update(held, next(renamed, "alice", alice_), "alice", alice_.public_key, "carol");
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->name, "bob's club now");
  EXPECT_EQ(taken->revision, 2u);
}

TEST_F(GroupStateTest, AForgedOrMisattributedSignatureIsRejected) {
  const GroupState held = created();
  GroupState added = held;
  added.members.push_back("mallory");
  // Claims alice but signed with bob's key.
  auto forged = next(added, "alice", bob_);
  EXPECT_EQ(accept_update(held, forged, "alice", alice_.public_key, "carol").error(), GroupError::kBadSignature);
  // alice's genuine update relayed by bob: the session it came over is bob's, not the author's.
  auto genuine = next(added, "alice", alice_);
  EXPECT_EQ(accept_update(held, genuine, "bob", alice_.public_key, "carol").error(), GroupError::kBadSignature);
  // A state changed after signing.
  wire::content::GroupUpdate altered = genuine;
  altered.mutable_state()->back() ^= 1;
  EXPECT_EQ(accept_update(held, altered, "alice", alice_.public_key, "carol").error(), GroupError::kBadSignature);
}

TEST_F(GroupStateTest, RevisionsOnlyGoForwardAndTheGroupIsTheSame) {
  const GroupState held = created();
  GroupState same = held;
  same.name = "replayed";
  EXPECT_EQ(accept_update(held, sign_update(same, "alice", alice_.private_key, rng_), "alice", alice_.public_key, "bob")
                .error(),
            GroupError::kStale);
  GroupState other = created();
  other.revision = 5;
  EXPECT_EQ(
      accept_update(held, sign_update(other, "alice", alice_.private_key, rng_), "alice", alice_.public_key, "bob")
          .error(),
      GroupError::kWrongGroup);
}

TEST_F(GroupStateTest, AMemberMayLeaveButChangeNothingElse) {
  const GroupState held = created();
  GroupState left = held;
  std::erase(left.members, "carol");
  auto taken = accept_update(held, next(left, "carol", carol_), "carol", carol_.public_key, "bob");
  ASSERT_TRUE(taken.ok()) << to_string(taken.error());
  EXPECT_FALSE(taken->is_member("carol"));
  // Leaving and renaming at once is not leaving.
  left.name = "carol was here";
  EXPECT_EQ(accept_update(held, next(left, "carol", carol_), "carol", carol_.public_key, "bob").error(),
            GroupError::kNotAdmin);
  // Removing someone else is an admin's call.
  GroupState removed = held;
  std::erase(removed.members, "bob");
  EXPECT_EQ(accept_update(held, next(removed, "carol", carol_), "carol", carol_.public_key, "alice").error(),
            GroupError::kNotAdmin);
}

TEST_F(GroupStateTest, OurOtherDevicesRelayAnyStateSignedWithOurIdentity) {
  // bob's devices share bob's identity key: a state bob's phone took, relayed to bob's laptop.
  const GroupState held = created();
  const auto relayed = sign_update(held, "bob", bob_.private_key, rng_);
  auto taken = accept_own_update(std::nullopt, relayed, "bob", bob_.public_key);
  ASSERT_TRUE(taken.ok()) << to_string(taken.error());
  EXPECT_EQ(*taken, held);
  EXPECT_EQ(accept_own_update(held, relayed, "bob", bob_.public_key).error(), GroupError::kStale);
  EXPECT_EQ(accept_own_update(std::nullopt, relayed, "bob", carol_.public_key).error(), GroupError::kBadSignature);
  const auto from_carol = sign_update(held, "carol", carol_.private_key, rng_);
  EXPECT_EQ(accept_own_update(std::nullopt, from_carol, "bob", carol_.public_key).error(), GroupError::kBadSignature);
  GroupState other = created();
  other.revision = 5;
  EXPECT_EQ(accept_own_update(held, sign_update(other, "bob", bob_.private_key, rng_), "bob", bob_.public_key).error(),
            GroupError::kWrongGroup);
}

TEST_F(GroupStateTest, InvalidStatesAreRefusedByName) {
  // The limits: kMaxGroupMembers members, kMaxGroupNameSize bytes of name.
  std::vector<std::string> many;
  for (std::size_t i = 0; i + 1 < kMaxGroupMembers; ++i) many.push_back("member" + std::to_string(i));
  EXPECT_TRUE(new_group("alice", "full", many, rng_).ok());
  many.push_back("one_too_many");
  EXPECT_EQ(new_group("alice", "full", many, rng_).error(), GroupError::kInvalidState);
  EXPECT_TRUE(new_group("alice", std::string(kMaxGroupNameSize, 'n'), {}, rng_).ok());
  EXPECT_EQ(new_group("alice", std::string(kMaxGroupNameSize + 1, 'n'), {}, rng_).error(), GroupError::kInvalidState);
  EXPECT_EQ(new_group("alice", "", {}, rng_).error(), GroupError::kInvalidState);
  EXPECT_EQ(new_group("alice", "bad member", {"Bob!"}, rng_).error(), GroupError::kInvalidState);

  GroupState state = created();
  state.admins = {"dave"};  // not a member
  EXPECT_EQ(checked(state).error(), GroupError::kInvalidState);
  state.admins = {};  // nobody could change it
  EXPECT_EQ(checked(state).error(), GroupError::kInvalidState);
  state = created();
  state.expire_timer_seconds = wire::kMinExpireTimerSeconds - 1;
  EXPECT_EQ(checked(state).error(), GroupError::kInvalidState);
  // The last admin leaving would leave a state without one.
  GroupState held = created();
  GroupState orphaned = held;
  std::erase(orphaned.members, "alice");
  orphaned.admins.clear();
  ++orphaned.revision;
  wire::content::GroupUpdate update;
  update.set_state(serialize(orphaned));
  update.set_author("alice");
  const auto signature = crypto::sign(
      alice_.private_key, concat(as_bytes(std::string_view("hush-group-v1")), as_bytes(update.state())), rng_);
  update.set_signature(std::string(signature.begin(), signature.end()));
  EXPECT_EQ(accept_update(held, update, "alice", alice_.public_key, "bob").error(), GroupError::kInvalidState);
}

TEST_F(GroupStateTest, ParsingIsBoundedAndCanonical) {
  EXPECT_EQ(parse_group_state(Bytes(kMaxGroupStateSize + 1, 0x0a)).error(), GroupError::kInvalidState);
  EXPECT_EQ(parse_group_state(Bytes{0xff, 0xff}).error(), GroupError::kInvalidState);
  // Members out of order: not what sign_update produces.
  wire::content::GroupState unsorted;
  const GroupState state = created();
  unsorted.set_group_id(std::string(state.id.begin(), state.id.end()));
  unsorted.set_revision(1);
  unsorted.set_name("x");
  unsorted.add_members("carol");
  unsorted.add_members("alice");
  unsorted.add_admins("alice");
  EXPECT_EQ(parse_group_state(as_bytes(unsorted.SerializeAsString())).error(), GroupError::kInvalidState);
  auto round = parse_group_state(as_bytes(serialize(state)));
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(*round, state);
}

}  // namespace
}  // namespace hush::client
