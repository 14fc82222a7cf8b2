// Group state and its rules: who is in a group, who may change it, and how a change proves its
// author. A group lives on its members' devices (the server keeps no membership); every change
// travels as a GroupUpdate — the whole new GroupState (content.proto) signed by its author's
// identity key — and every member checks it here before taking it. Owns the rules and their
// limits; not how updates travel, the sender keys, or the store (the messenger does those).
//
// The rules:
// - A valid state: a 16-byte id, revision ≥ 1, a name of 1 to kMaxGroupNameSize bytes, 1 to
//   kMaxGroupMembers members (account names, sorted, each once), admins a non-empty sorted subset
//   of the members, a timer of 0 or in the disappearing-message range.
// - The signature: curve25519_sign (XEdDSA, as signed prekeys) by the author's identity key over
//   "hush-group-v1" ‖ the exact state bytes.
// - A group not known yet (an invitation, or the creation): its author must be an admin of the
//   state it signed, and the receiver a member.
// - A known group: the revision must be higher than the one held; the author must be an admin of
//   the state held, or a member whose update only takes itself out (leaving; never the last admin
//   leaving others without one: then the state would have no admin and is invalid).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/random.hpp"
#include "hush/wire/content.pb.h"
#include "hush/wire/content_codec.hpp"

namespace hush::client {

// WhatsApp's limit on a group's size.
inline constexpr std::size_t kMaxGroupMembers = 1024;
// A group's name, in bytes (UTF-8): a line on a screen.
inline constexpr std::size_t kMaxGroupNameSize = 128;
inline constexpr std::size_t kGroupIdSize = wire::kGroupIdSize;
// The largest serialized GroupState: 1,024 names of up to 32 bytes with their framing, the same
// again for admins, the name and the rest — well under one message's content.
inline constexpr std::size_t kMaxGroupStateSize = 2 * kMaxGroupMembers * 34 + kMaxGroupNameSize + 64;

enum class GroupError {
  kInvalidState,  // the state breaks a rule (size, names, admins, timer) or does not parse
  kBadSignature,  // the signature does not verify under the author's identity key
  kNotAdmin,      // the author may not make this change
  kStale,         // the revision is not higher than the one held
  kWrongGroup,    // the update names another group than the one held
  kNotAMember,    // an invitation to a group the receiver is not in
};
// Stable names: "invalid_group_state", "bad_group_signature", "not_admin", "stale_group_update",
// "wrong_group", "not_a_member".
const char* to_string(GroupError error);

struct GroupState {
  Bytes id;
  std::uint32_t revision = 0;
  std::string name;
  std::vector<std::string> members;  // sorted, each once
  std::vector<std::string> admins;   // sorted subset of members
  std::uint32_t expire_timer_seconds = 0;

  bool is_member(const std::string& account) const;
  bool is_admin(const std::string& account) const;
  friend bool operator==(const GroupState&, const GroupState&) = default;
};

// A new group: a fresh id, revision 1, `creator` its only admin and a member with `members`
// (sorted, duplicates dropped). kInvalidState when the result breaks a rule.
Result<GroupState, GroupError> new_group(const std::string& creator, const std::string& name,
                                         std::vector<std::string> members, crypto::Rng& rng);

// The state with its lists sorted and deduplicated; kInvalidState when it breaks a rule.
Result<GroupState, GroupError> checked(GroupState state);

// The update that moves a group to `state` (its revision already set), signed by `author`.
wire::content::GroupUpdate sign_update(const GroupState& state, const std::string& author,
                                       const crypto::PrivateKey& identity, crypto::Rng& rng);

// Checks `update` from `author` (the account whose pairwise session it came over, whose identity
// key is `author_identity`) against the state held (`held`: nullopt when the group is unknown)
// for the receiver `self`; returns the new state to hold.
Result<GroupState, GroupError> accept_update(const std::optional<GroupState>& held,
                                             const wire::content::GroupUpdate& update, const std::string& author,
                                             const crypto::PublicKey& author_identity, const std::string& self);

// A state relayed by another device of our own account (`self`), which took it there: it is
// signed by `self` with our identity key (`own_identity`). Only the signature and the revision
// (higher than held, or the group unknown) are checked: our devices share the identity and trust
// each other, so a device linked later learns the groups, whoever changed them last.
Result<GroupState, GroupError> accept_own_update(const std::optional<GroupState>& held,
                                                 const wire::content::GroupUpdate& update, const std::string& self,
                                                 const crypto::PublicKey& own_identity);

// The wire form and back (bounded: kMaxGroupStateSize; kInvalidState when it breaks a rule).
std::string serialize(const GroupState& state);
Result<GroupState, GroupError> parse_group_state(ByteView serialized);

}  // namespace hush::client
