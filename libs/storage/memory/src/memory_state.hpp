// Internal to the memory backend: the whole state, guarded by one mutex, and the four stores that
// share it. Each store method locks the mutex for its whole duration, which makes every call atomic.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "hush/storage/storage.hpp"

namespace hush::storage::memory {

// Duplicate-detection key within one recipient device: (sender, id); sealed sender is {0, 0}.
using DedupKey = std::pair<DeviceAddress, MessageId>;

// A fan-out body's key: (sender device, message id).
using BodyKey = std::pair<DeviceAddress, MessageId>;

// A fan-out body, stored once, and how many queued envelopes refer to it (never 0 while stored).
struct SharedBody {
  Bytes bytes;
  std::size_t references = 0;
};

// One queued envelope. A fan-out's keeps no ciphertext of its own: its body is
// State::bodies[(sender, id)], filled in when it is fetched.
struct QueuedItem {
  Envelope envelope;
  bool shared_body = false;
};

struct DeviceState {
  Device device;
  std::optional<SignedPreKey> signed_prekey;
  std::map<std::uint32_t, PreKey> one_time_prekeys;
  std::optional<PreKey> last_resort_key;
  std::map<QueueSequence, QueuedItem> queue;
  std::map<DedupKey, Timestamp> dedup;                // -> retain until
  std::map<NoticeId, DeliveryFailureNotice> notices;  // this device's, as a sender
};

struct AccountState {
  Account account;
  DeviceId next_device_id = 1;
  std::map<DeviceId, DeviceState> devices;
};

struct UploadRecord {
  Upload upload;
  Bytes bytes;
  std::uint64_t last_chunk_offset = 0;  // where the last append started, for idempotent resends
};

struct State {
  explicit State(const Options& opts) : options(opts) {}

  const Options options;
  std::mutex mutex;
  std::map<AccountId, AccountState> accounts;
  std::map<std::string, AccountId, std::less<>> usernames;
  std::map<InviteHash, Timestamp> invites;  // -> expires at
  std::map<LinkId, PendingLink> links;      // may hold expired ones until expire_links()
  std::map<MediaId, UploadRecord> uploads;
  std::map<BodyKey, SharedBody> bodies;  // fan-out bodies
  AccountId next_account_id = 1;
  QueueSequence next_sequence = 1;
  NoticeId next_notice = 1;

  // The device's state, or nullptr. Caller holds the mutex.
  DeviceState* find_device(DeviceAddress address);

  // Drops a queued envelope's reference to its fan-out body (if it has one), deleting the body
  // with its last reference. Call for every envelope removed from a queue. Caller holds the mutex.
  void release(const QueuedItem& item);

  // The steps of create_account() and add_device(), so that create_account_with_device() can run
  // both under one lock. Caller holds the mutex; each checks everything before it changes anything.
  Result<Account, StorageError> insert_account(std::string_view username, const std::optional<InviteHash>& invite,
                                               Timestamp now);
  Result<Device, StorageError> insert_device(AccountState& owner, const NewDevice& device, Timestamp now);
};

class Accounts final : public AccountStore {
 public:
  explicit Accounts(State& state) : state_(state) {}
  Result<Account, StorageError> create_account(std::string_view username, const std::optional<InviteHash>& invite,
                                               Timestamp now) override;
  Result<AccountWithDevice, StorageError> create_account_with_device(std::string_view username,
                                                                     const std::optional<InviteHash>& invite,
                                                                     const NewDevice& device, Timestamp now) override;
  Result<Account, StorageError> find_account(std::string_view username) override;
  Result<Account, StorageError> account(AccountId id) override;
  Result<Device, StorageError> add_device(AccountId account, const NewDevice& device, Timestamp now) override;
  Result<Device, StorageError> device(DeviceAddress address) override;
  Result<std::vector<Device>, StorageError> list_devices(AccountId account) override;
  Result<void, StorageError> remove_device(DeviceAddress address) override;
  Result<void, StorageError> add_invite(const InviteHash& invite, Timestamp expires_at) override;
  Result<std::size_t, StorageError> expire_invites(Timestamp now) override;
  Result<void, StorageError> add_link(const PendingLink& link, Timestamp now) override;
  Result<PendingLink, StorageError> find_link(const LinkId& id, Timestamp now) override;
  Result<PendingLink, StorageError> take_link(AccountId account, const LinkId& id, Timestamp now) override;
  Result<std::size_t, StorageError> expire_links(Timestamp now) override;

 private:
  State& state_;
};

class Keys final : public KeyDirectory {
 public:
  explicit Keys(State& state) : state_(state) {}
  Result<void, StorageError> set_signed_prekey(DeviceAddress device, const SignedPreKey& key) override;
  Result<SignedPreKey, StorageError> signed_prekey(DeviceAddress device) override;
  Result<void, StorageError> add_one_time_prekeys(DeviceAddress device, std::span<const PreKey> keys) override;
  Result<void, StorageError> set_last_resort_key(DeviceAddress device, const PreKey& key) override;
  Result<ClaimedPreKey, StorageError> claim_prekey(DeviceAddress device) override;
  Result<std::size_t, StorageError> one_time_prekey_count(DeviceAddress device) override;

 private:
  State& state_;
};

class Messages final : public MessageQueues {
 public:
  explicit Messages(State& state) : state_(state) {}
  Result<std::vector<EnqueueOutcome>, StorageError> enqueue(std::span<const Envelope> batch) override;
  using MessageQueues::commit;
  Result<Committed, StorageError> commit(std::span<const Envelope> batch, std::span<const Fanout> fanouts,
                                         std::span<const Acknowledgement> acknowledgements) override;
  Result<std::vector<QueuedEnvelope>, StorageError> fetch(DeviceAddress recipient, QueueSequence after,
                                                          std::size_t limit) override;
  Result<std::size_t, StorageError> acknowledge(DeviceAddress recipient,
                                                std::span<const QueueSequence> sequences) override;
  Result<std::vector<ExpiredEnvelope>, StorageError> expire(Timestamp now, std::size_t limit) override;
  Result<std::size_t, StorageError> depth(DeviceAddress recipient) override;
  Result<std::vector<DeliveryFailureNotice>, StorageError> pending_notices(DeviceAddress sender, NoticeId after,
                                                                           std::size_t limit) override;
  Result<std::size_t, StorageError> remove_notices(DeviceAddress sender, std::span<const NoticeId> ids) override;
  Result<std::size_t, StorageError> shared_bodies() override;

 private:
  State& state_;
};

class Media final : public MediaStore {
 public:
  explicit Media(State& state) : state_(state) {}
  Result<Upload, StorageError> create_upload(const MediaId& id, AccountId owner, std::uint64_t declared_size,
                                             Timestamp now, Timestamp expires_at) override;
  Result<std::uint64_t, StorageError> append(const MediaId& id, std::uint64_t offset, ByteView bytes) override;
  Result<std::uint64_t, StorageError> committed_offset(const MediaId& id) override;
  Result<void, StorageError> finish(const MediaId& id, const Sha256Digest& digest) override;
  Result<Upload, StorageError> upload(const MediaId& id) override;
  Result<Bytes, StorageError> read(const MediaId& id, std::uint64_t offset, std::size_t length) override;
  Result<std::uint64_t, StorageError> quota_used(AccountId owner) override;
  Result<std::vector<ExpiredUpload>, StorageError> expire(Timestamp now, std::size_t limit) override;

 private:
  State& state_;
};

}  // namespace hush::storage::memory
