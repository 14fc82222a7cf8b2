// Group states, their signatures and the rules for taking an update (group_state.hpp).
#include "hush/client/groups/group_state.hpp"

#include <algorithm>

#include "hush/wire/content_codec.hpp"
#include "hush/wire/username.hpp"

namespace hush::client {

namespace {

// What an author's identity key signs: this context, then the state's bytes.
constexpr std::string_view kGroupContext = "hush-group-v1";

Bytes signed_message(ByteView state) {
  return concat(as_bytes(kGroupContext), state);
}

void sort_unique(std::vector<std::string>& names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
}

bool valid(const GroupState& state) {
  const std::uint32_t timer = state.expire_timer_seconds;
  const bool timer_ok = timer == 0 || (timer >= wire::kMinExpireTimerSeconds && timer <= wire::kMaxExpireTimerSeconds);
  const bool sorted = std::is_sorted(state.members.begin(), state.members.end()) &&
                      std::adjacent_find(state.members.begin(), state.members.end()) == state.members.end() &&
                      std::is_sorted(state.admins.begin(), state.admins.end()) &&
                      std::adjacent_find(state.admins.begin(), state.admins.end()) == state.admins.end();
  return state.id.size() == kGroupIdSize && state.revision >= 1 && !state.name.empty() &&
         state.name.size() <= kMaxGroupNameSize && !state.members.empty() && state.members.size() <= kMaxGroupMembers &&
         !state.admins.empty() && timer_ok && sorted &&
         std::all_of(state.members.begin(), state.members.end(),
                     [](const std::string& name) { return wire::valid_username(name); }) &&
         std::all_of(state.admins.begin(), state.admins.end(),
                     [&state](const std::string& name) { return state.is_member(name); });
}

// `next` is `held` without `author` (in members and admins), otherwise unchanged.
bool only_leaves(const GroupState& held, const GroupState& next, const std::string& author) {
  GroupState expected = held;
  std::erase(expected.members, author);
  std::erase(expected.admins, author);
  expected.revision = next.revision;
  return held.is_member(author) && next == expected;
}

}  // namespace

const char* to_string(GroupError error) {
  switch (error) {
    case GroupError::kInvalidState: return "invalid_group_state";
    case GroupError::kBadSignature: return "bad_group_signature";
    case GroupError::kNotAdmin: return "not_admin";
    case GroupError::kStale: return "stale_group_update";
    case GroupError::kWrongGroup: return "wrong_group";
    case GroupError::kNotAMember: return "not_a_member";
  }
  return "unknown";
}

bool GroupState::is_member(const std::string& account) const {
  return std::binary_search(members.begin(), members.end(), account);
}

bool GroupState::is_admin(const std::string& account) const {
  return std::binary_search(admins.begin(), admins.end(), account);
}

Result<GroupState, GroupError> checked(GroupState state) {
  sort_unique(state.members);
  sort_unique(state.admins);
  if (!valid(state)) return fail(GroupError::kInvalidState);
  return state;
}

Result<GroupState, GroupError> new_group(const std::string& creator, const std::string& name,
                                         std::vector<std::string> members, crypto::Rng& rng) {
  GroupState state;
  state.id.resize(kGroupIdSize);
  rng.fill(state.id);
  state.revision = 1;
  state.name = name;
  state.members = std::move(members);
  state.members.push_back(creator);
  state.admins = {creator};
  return checked(std::move(state));
}

std::string serialize(const GroupState& state) {
  wire::content::GroupState out;
  out.set_group_id(std::string(state.id.begin(), state.id.end()));
  out.set_revision(state.revision);
  out.set_name(state.name);
  for (const std::string& member : state.members) out.add_members(member);
  for (const std::string& admin : state.admins) out.add_admins(admin);
  out.set_expire_timer_seconds(state.expire_timer_seconds);
  return out.SerializeAsString();
}

Result<GroupState, GroupError> parse_group_state(ByteView serialized) {
  if (serialized.size() > kMaxGroupStateSize) return fail(GroupError::kInvalidState);
  wire::content::GroupState in;
  if (!in.ParseFromArray(serialized.data(), static_cast<int>(serialized.size()))) {
    return fail(GroupError::kInvalidState);
  }
  if (static_cast<std::size_t>(in.members_size()) > kMaxGroupMembers ||
      static_cast<std::size_t>(in.admins_size()) > kMaxGroupMembers) {
    return fail(GroupError::kInvalidState);
  }
  GroupState state;
  state.id.assign(in.group_id().begin(), in.group_id().end());
  state.revision = in.revision();
  state.name = in.name();
  state.members.assign(in.members().begin(), in.members().end());
  state.admins.assign(in.admins().begin(), in.admins().end());
  state.expire_timer_seconds = in.expire_timer_seconds();
  // The signed bytes must already be in canonical order: a state that needs sorting was not
  // made by sign_update.
  if (!valid(state)) return fail(GroupError::kInvalidState);
  return state;
}

wire::content::GroupUpdate sign_update(const GroupState& state, const std::string& author,
                                       const crypto::PrivateKey& identity, crypto::Rng& rng) {
  wire::content::GroupUpdate update;
  update.set_state(serialize(state));
  update.set_author(author);
  const auto signature = crypto::sign(identity, signed_message(as_bytes(update.state())), rng);
  update.set_signature(std::string(signature.begin(), signature.end()));
  return update;
}

Result<GroupState, GroupError> accept_update(const std::optional<GroupState>& held,
                                             const wire::content::GroupUpdate& update, const std::string& author,
                                             const crypto::PublicKey& author_identity, const std::string& self) {
  // The update is the author's only if it says so and the pairwise session it came over is theirs.
  if (update.author() != author ||
      !crypto::verify(author_identity, signed_message(as_bytes(update.state())), as_bytes(update.signature()))) {
    return fail(GroupError::kBadSignature);
  }
  auto next = parse_group_state(as_bytes(update.state()));
  if (!next.ok()) return fail(next.error());
  if (!held) {
    if (!next->is_admin(author)) return fail(GroupError::kNotAdmin);
    if (!next->is_member(self)) return fail(GroupError::kNotAMember);
    return next;
  }
  if (next->id != held->id) return fail(GroupError::kWrongGroup);
  if (next->revision <= held->revision) return fail(GroupError::kStale);
  if (!held->is_admin(author) && !only_leaves(*held, *next, author)) return fail(GroupError::kNotAdmin);
  return next;
}

Result<GroupState, GroupError> accept_own_update(const std::optional<GroupState>& held,
                                                 const wire::content::GroupUpdate& update, const std::string& self,
                                                 const crypto::PublicKey& own_identity) {
  if (update.author() != self ||
      !crypto::verify(own_identity, signed_message(as_bytes(update.state())), as_bytes(update.signature()))) {
    return fail(GroupError::kBadSignature);
  }
  auto next = parse_group_state(as_bytes(update.state()));
  if (!next.ok()) return fail(next.error());
  if (held && next->id != held->id) return fail(GroupError::kWrongGroup);
  if (held && next->revision <= held->revision) return fail(GroupError::kStale);
  return next;
}

}  // namespace hush::client
