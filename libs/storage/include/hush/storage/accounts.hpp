// Accounts (username -> account id), their devices, single-use invite tokens, and pending device
// links (an existing device's approval of a new one, sealed to the new device). Owns who
// exists and which devices an account has; not how a device proves itself (the server verifies a
// signature with the stored public DeviceAuthKey) nor what a username may look like (the server
// normalises it; storage compares bytes exactly).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/storage/error.hpp"
#include "hush/storage/types.hpp"

namespace hush::storage {

struct Account {
  AccountId id = 0;
  std::string username;
  Timestamp created_at{};
};

// What a device registers with; the id is assigned by storage.
struct NewDevice {
  std::uint32_t registration_id = 0;  // the Signal registration id the device chose
  SerializedPublicKey identity_key{};
  DeviceAuthKey auth_key{};
  std::string name;  // shown in device lists; may be empty; at most Options::max_device_name_length bytes
};

struct Device {
  DeviceId id = 0;
  std::uint32_t registration_id = 0;
  SerializedPublicKey identity_key{};
  DeviceAuthKey auth_key{};
  std::string name;  // as registered; stored bytes exactly (storage does not check UTF-8)
  Timestamp created_at{};
};

// What create_account_with_device() made.
struct AccountWithDevice {
  Account account;
  Device device;  // the account's first device: id 1
};

// An invite token is never stored: only its SHA-256 (computed by the server), so a copy of the
// database does not hand out invites.
using InviteHash = Sha256Digest;

// An existing device's approval of a new device (a linked device), waiting for the new device to
// fetch it and then link. Storage holds only what the server may see: the sealed payload is
// ciphertext to the new device's key, and the token it holds is stored as its SHA-256 (computed by
// the approving device), so a copy of the database cannot link a device.
struct PendingLink {
  LinkId id{};
  AccountId account = 0;
  Sha256Digest token_hash{};
  Bytes sealed;  // 1..Options::max_link_payload bytes
  Timestamp expires_at{};

  friend bool operator==(const PendingLink&, const PendingLink&) = default;
};

// Thread safety: every method may be called from any thread at any time; each call is atomic.
class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // Creates an account named `username`. With `invite`, the invite is consumed in the same atomic
  // step: either both happen or neither does.
  // Errors: kConflict (username taken; the invite is not consumed), kNotFound (invite unknown,
  // used or expired at `now`), kInvalidArgument (empty username), kTooLarge (username longer than
  // Options::max_username_length).
  virtual Result<Account, StorageError> create_account(std::string_view username,
                                                       const std::optional<InviteHash>& invite, Timestamp now) = 0;

  // Registration: creates the account as create_account() does and adds its first device as
  // add_device() does, in one atomic step, so a failure never leaves an account without a device
  // (nobody could log in to it, and its username would be taken for good). Either the account,
  // its device and the invite's consumption all happen, or none of them does.
  // Errors: those of create_account(), and kTooLarge (device name longer than
  // Options::max_device_name_length), kLimitExceeded (Options::max_devices_per_account is 0).
  virtual Result<AccountWithDevice, StorageError> create_account_with_device(std::string_view username,
                                                                             const std::optional<InviteHash>& invite,
                                                                             const NewDevice& device,
                                                                             Timestamp now) = 0;

  // Errors: kNotFound.
  virtual Result<Account, StorageError> find_account(std::string_view username) = 0;
  virtual Result<Account, StorageError> account(AccountId id) = 0;

  // Adds a device and returns it with its new id (see DeviceId for how ids are chosen).
  // Errors: kNotFound (no such account), kLimitExceeded (Options::max_devices_per_account),
  // kTooLarge (name longer than Options::max_device_name_length).
  virtual Result<Device, StorageError> add_device(AccountId account, const NewDevice& device, Timestamp now) = 0;

  // Errors: kNotFound (no such account or device).
  virtual Result<Device, StorageError> device(DeviceAddress address) = 0;

  // The account's devices in id order. Errors: kNotFound (no such account).
  virtual Result<std::vector<Device>, StorageError> list_devices(AccountId account) = 0;

  // Removes a device together with everything stored for it: its prekeys, its queued envelopes
  // and their duplicate-detection records. Errors: kNotFound.
  virtual Result<void, StorageError> remove_device(DeviceAddress address) = 0;

  // Stores an invite, usable once until `expires_at` (exclusive). Errors: kConflict (same hash).
  virtual Result<void, StorageError> add_invite(const InviteHash& invite, Timestamp expires_at) = 0;

  // Deletes invites that expired at or before `now`; returns how many.
  virtual Result<std::size_t, StorageError> expire_invites(Timestamp now) = 0;

  // Stores a pending link, usable until `link.expires_at` (exclusive). A link expired at `now`
  // no longer counts and its id may be used again.
  // Errors: kNotFound (no such account), kInvalidArgument (empty sealed payload), kTooLarge
  // (sealed longer than Options::max_link_payload), kConflict (an unexpired link has this id),
  // kLimitExceeded (the account holds Options::max_pending_links_per_account unexpired links).
  virtual Result<void, StorageError> add_link(const PendingLink& link, Timestamp now) = 0;

  // The unexpired link with this id, left in place. Errors: kNotFound (unknown, taken or expired).
  virtual Result<PendingLink, StorageError> find_link(const LinkId& id, Timestamp now) = 0;

  // Removes and returns the unexpired link with this id if it belongs to `account`: only one of
  // several concurrent takes gets it. Errors: kNotFound (unknown, taken, expired, or another
  // account's; then nothing is removed).
  virtual Result<PendingLink, StorageError> take_link(AccountId account, const LinkId& id, Timestamp now) = 0;

  // Deletes links that expired at or before `now`; returns how many.
  virtual Result<std::size_t, StorageError> expire_links(Timestamp now) = 0;
};

}  // namespace hush::storage
