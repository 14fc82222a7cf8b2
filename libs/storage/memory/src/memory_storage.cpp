// The memory backend's accounts, devices, invites and key directory, and the factory that ties
// the four stores to one State. Semantics are those of the interfaces; the conformance suite
// checks them against this file and the SQLite backend alike.
#include "hush/storage/memory_storage.hpp"

#include <algorithm>

#include "memory_state.hpp"

namespace hush::storage {
namespace memory {
namespace {

using Lock = std::lock_guard<std::mutex>;

class MemoryStorage final : public Storage {
 public:
  explicit MemoryStorage(const Options& options)
      : state_(options), accounts_(state_), keys_(state_), messages_(state_), media_(state_) {}
  AccountStore& accounts() override { return accounts_; }
  KeyDirectory& keys() override { return keys_; }
  MessageQueues& messages() override { return messages_; }
  MediaStore& media() override { return media_; }
  const Options& options() const override { return state_.options; }

 private:
  State state_;
  Accounts accounts_;
  Keys keys_;
  Messages messages_;
  Media media_;
};

}  // namespace

DeviceState* State::find_device(DeviceAddress address) {
  auto account = accounts.find(address.account);
  if (account == accounts.end()) return nullptr;
  auto device = account->second.devices.find(address.device);
  return device == account->second.devices.end() ? nullptr : &device->second;
}

void State::release(const QueuedItem& item) {
  if (!item.shared_body) return;
  auto body = bodies.find(BodyKey{*item.envelope.sender, item.envelope.id});
  if (body == bodies.end()) return;  // cannot happen: a fan-out's envelope holds a reference
  if (--body->second.references == 0) bodies.erase(body);
}

// --- accounts ---

Result<Account, StorageError> State::insert_account(std::string_view username, const std::optional<InviteHash>& invite,
                                                    Timestamp now) {
  if (username.empty()) return fail(StorageError::kInvalidArgument);
  if (username.size() > options.max_username_length) return fail(StorageError::kTooLarge);
  if (usernames.contains(username)) return fail(StorageError::kConflict);
  if (invite) {
    auto found = invites.find(*invite);
    if (found == invites.end() || found->second <= now) return fail(StorageError::kNotFound);
    invites.erase(found);
  }
  Account account{next_account_id++, std::string(username), now};
  usernames.emplace(account.username, account.id);
  accounts.emplace(account.id, AccountState{account, 1, {}});
  return account;
}

Result<Device, StorageError> State::insert_device(AccountState& owner, const NewDevice& device, Timestamp now) {
  if (device.name.size() > options.max_device_name_length) return fail(StorageError::kTooLarge);
  if (owner.devices.size() >= options.max_devices_per_account) return fail(StorageError::kLimitExceeded);
  Device added{owner.next_device_id++, device.registration_id, device.identity_key, device.auth_key, device.name, now};
  owner.devices[added.id].device = added;
  return added;
}

Result<Account, StorageError> Accounts::create_account(std::string_view username,
                                                       const std::optional<InviteHash>& invite, Timestamp now) {
  Lock lock(state_.mutex);
  return state_.insert_account(username, invite, now);
}

Result<AccountWithDevice, StorageError> Accounts::create_account_with_device(std::string_view username,
                                                                             const std::optional<InviteHash>& invite,
                                                                             const NewDevice& device, Timestamp now) {
  // The device's own checks come first: once the account exists, adding its device cannot fail.
  if (device.name.size() > state_.options.max_device_name_length) return fail(StorageError::kTooLarge);
  if (state_.options.max_devices_per_account == 0) return fail(StorageError::kLimitExceeded);
  Lock lock(state_.mutex);
  auto account = state_.insert_account(username, invite, now);
  if (!account.ok()) return fail(account.error());
  auto added = state_.insert_device(state_.accounts.at(account->id), device, now);
  if (!added.ok()) return fail(added.error());  // unreachable: checked above
  return AccountWithDevice{*account, *added};
}

Result<Account, StorageError> Accounts::find_account(std::string_view username) {
  Lock lock(state_.mutex);
  auto found = state_.usernames.find(username);
  if (found == state_.usernames.end()) return fail(StorageError::kNotFound);
  return state_.accounts.at(found->second).account;
}

Result<Account, StorageError> Accounts::account(AccountId id) {
  Lock lock(state_.mutex);
  auto found = state_.accounts.find(id);
  if (found == state_.accounts.end()) return fail(StorageError::kNotFound);
  return found->second.account;
}

Result<Device, StorageError> Accounts::add_device(AccountId account, const NewDevice& device, Timestamp now) {
  Lock lock(state_.mutex);
  auto found = state_.accounts.find(account);
  if (found == state_.accounts.end()) return fail(StorageError::kNotFound);
  return state_.insert_device(found->second, device, now);
}

Result<Device, StorageError> Accounts::device(DeviceAddress address) {
  Lock lock(state_.mutex);
  DeviceState* found = state_.find_device(address);
  if (found == nullptr) return fail(StorageError::kNotFound);
  return found->device;
}

Result<std::vector<Device>, StorageError> Accounts::list_devices(AccountId account) {
  Lock lock(state_.mutex);
  auto found = state_.accounts.find(account);
  if (found == state_.accounts.end()) return fail(StorageError::kNotFound);
  std::vector<Device> devices;
  for (const auto& [id, device] : found->second.devices) devices.push_back(device.device);
  return devices;
}

Result<void, StorageError> Accounts::remove_device(DeviceAddress address) {
  Lock lock(state_.mutex);
  auto found = state_.accounts.find(address.account);
  if (found == state_.accounts.end()) return fail(StorageError::kNotFound);
  auto device = found->second.devices.find(address.device);
  if (device == found->second.devices.end()) return fail(StorageError::kNotFound);
  for (const auto& [sequence, item] : device->second.queue) state_.release(item);  // its queue goes with it
  found->second.devices.erase(device);
  return {};
}

Result<void, StorageError> Accounts::add_invite(const InviteHash& invite, Timestamp expires_at) {
  Lock lock(state_.mutex);
  if (!state_.invites.emplace(invite, expires_at).second) return fail(StorageError::kConflict);
  return {};
}

Result<std::size_t, StorageError> Accounts::expire_invites(Timestamp now) {
  Lock lock(state_.mutex);
  return static_cast<std::size_t>(
      std::erase_if(state_.invites, [now](const auto& invite) { return invite.second <= now; }));
}

Result<void, StorageError> Accounts::add_link(const PendingLink& link, Timestamp now) {
  Lock lock(state_.mutex);
  if (!state_.accounts.contains(link.account)) return fail(StorageError::kNotFound);
  if (link.sealed.empty()) return fail(StorageError::kInvalidArgument);
  if (link.sealed.size() > state_.options.max_link_payload) return fail(StorageError::kTooLarge);
  auto held = state_.links.find(link.id);
  if (held != state_.links.end() && held->second.expires_at > now) return fail(StorageError::kConflict);
  const auto pending = std::count_if(state_.links.begin(), state_.links.end(), [&](const auto& entry) {
    return entry.second.account == link.account && entry.second.expires_at > now;
  });
  if (static_cast<std::size_t>(pending) >= state_.options.max_pending_links_per_account) {
    return fail(StorageError::kLimitExceeded);
  }
  state_.links.insert_or_assign(link.id, link);
  return {};
}

Result<PendingLink, StorageError> Accounts::find_link(const LinkId& id, Timestamp now) {
  Lock lock(state_.mutex);
  auto held = state_.links.find(id);
  if (held == state_.links.end() || held->second.expires_at <= now) return fail(StorageError::kNotFound);
  return held->second;
}

Result<PendingLink, StorageError> Accounts::take_link(AccountId account, const LinkId& id, Timestamp now) {
  Lock lock(state_.mutex);
  auto held = state_.links.find(id);
  if (held == state_.links.end() || held->second.expires_at <= now || held->second.account != account) {
    return fail(StorageError::kNotFound);
  }
  PendingLink taken = std::move(held->second);
  state_.links.erase(held);
  return taken;
}

Result<std::size_t, StorageError> Accounts::expire_links(Timestamp now) {
  Lock lock(state_.mutex);
  return static_cast<std::size_t>(
      std::erase_if(state_.links, [now](const auto& link) { return link.second.expires_at <= now; }));
}

// --- key directory ---

Result<void, StorageError> Keys::set_signed_prekey(DeviceAddress device, const SignedPreKey& key) {
  Lock lock(state_.mutex);
  DeviceState* found = state_.find_device(device);
  if (found == nullptr) return fail(StorageError::kNotFound);
  found->signed_prekey = key;
  return {};
}

Result<SignedPreKey, StorageError> Keys::signed_prekey(DeviceAddress device) {
  Lock lock(state_.mutex);
  DeviceState* found = state_.find_device(device);
  if (found == nullptr || !found->signed_prekey) return fail(StorageError::kNotFound);
  return *found->signed_prekey;
}

Result<void, StorageError> Keys::add_one_time_prekeys(DeviceAddress device, std::span<const PreKey> keys) {
  Lock lock(state_.mutex);
  DeviceState* found = state_.find_device(device);
  if (found == nullptr) return fail(StorageError::kNotFound);
  std::map<std::uint32_t, PreKey> added;
  for (const PreKey& key : keys) {
    auto stored = found->one_time_prekeys.find(key.id);
    if (stored != found->one_time_prekeys.end()) {
      if (stored->second != key) return fail(StorageError::kConflict);
      continue;
    }
    auto [earlier, inserted] = added.emplace(key.id, key);
    if (!inserted && earlier->second != key) return fail(StorageError::kConflict);
  }
  if (found->one_time_prekeys.size() + added.size() > state_.options.max_one_time_prekeys_per_device) {
    return fail(StorageError::kLimitExceeded);
  }
  found->one_time_prekeys.merge(added);
  return {};
}

Result<void, StorageError> Keys::set_last_resort_key(DeviceAddress device, const PreKey& key) {
  Lock lock(state_.mutex);
  DeviceState* found = state_.find_device(device);
  if (found == nullptr) return fail(StorageError::kNotFound);
  found->last_resort_key = key;
  return {};
}

Result<ClaimedPreKey, StorageError> Keys::claim_prekey(DeviceAddress device) {
  Lock lock(state_.mutex);
  DeviceState* found = state_.find_device(device);
  if (found == nullptr) return fail(StorageError::kNotFound);
  if (!found->one_time_prekeys.empty()) {
    auto lowest = found->one_time_prekeys.begin();
    ClaimedPreKey claimed{lowest->second, false};
    found->one_time_prekeys.erase(lowest);
    return claimed;
  }
  if (!found->last_resort_key) return fail(StorageError::kNotFound);
  return ClaimedPreKey{*found->last_resort_key, true};
}

Result<std::size_t, StorageError> Keys::one_time_prekey_count(DeviceAddress device) {
  Lock lock(state_.mutex);
  DeviceState* found = state_.find_device(device);
  if (found == nullptr) return fail(StorageError::kNotFound);
  return found->one_time_prekeys.size();
}

}  // namespace memory

std::unique_ptr<Storage> make_memory_storage(const Options& options) {
  return std::make_unique<memory::MemoryStorage>(options);
}

}  // namespace hush::storage
