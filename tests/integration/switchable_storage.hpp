// Fault injection for integration tests: a Storage that forwards every call to a real backend
// until a test switches it off; from then on every call of every store fails with kIo, as a
// database on a failed or unmounted disk does, until it is switched on again. The server under
// test cannot tell it from the backend (no test hook in production code).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "hush/storage/storage.hpp"

namespace hush::test {

class SwitchableStorage final : public storage::Storage {
 public:
  explicit SwitchableStorage(std::unique_ptr<storage::Storage> backend)
      : backend_(std::move(backend)),
        accounts_(available_, backend_->accounts()),
        keys_(available_, backend_->keys()),
        messages_(available_, backend_->messages()),
        media_(available_, backend_->media()) {}

  // Thread-safe; takes effect for the next call of any store. Starts available.
  void set_available(bool available) { available_.store(available); }

  storage::AccountStore& accounts() override { return accounts_; }
  storage::KeyDirectory& keys() override { return keys_; }
  storage::MessageQueues& messages() override { return messages_; }
  storage::MediaStore& media() override { return media_; }
  // The backend's limits, also while switched off (they are configuration, not a read).
  const storage::Options& options() const override { return backend_->options(); }

 private:
  using StorageError = storage::StorageError;

  // One store of the backend behind the switch.
  template <typename Store>
  class Switched : public Store {
   public:
    Switched(const std::atomic<bool>& available, Store& backend) : available_(available), backend_(backend) {}

   protected:
    // `call` on the backend store while switched on, else kIo without calling it.
    template <typename Call>
    auto forward(Call call) -> decltype(call(std::declval<Store&>())) {
      if (!available_.load()) return fail(StorageError::kIo);
      return call(backend_);
    }

   private:
    const std::atomic<bool>& available_;
    Store& backend_;
  };

  class Accounts final : public Switched<storage::AccountStore> {
   public:
    using Switched::Switched;
    Result<storage::Account, StorageError> create_account(std::string_view username,
                                                          const std::optional<storage::InviteHash>& invite,
                                                          storage::Timestamp now) override {
      return forward([&](auto& store) { return store.create_account(username, invite, now); });
    }
    Result<storage::AccountWithDevice, StorageError> create_account_with_device(
        std::string_view username, const std::optional<storage::InviteHash>& invite, const storage::NewDevice& device,
        storage::Timestamp now) override {
      return forward([&](auto& store) { return store.create_account_with_device(username, invite, device, now); });
    }
    Result<storage::Account, StorageError> find_account(std::string_view username) override {
      return forward([&](auto& store) { return store.find_account(username); });
    }
    Result<storage::Account, StorageError> account(storage::AccountId id) override {
      return forward([&](auto& store) { return store.account(id); });
    }
    Result<storage::Device, StorageError> add_device(storage::AccountId account, const storage::NewDevice& device,
                                                     storage::Timestamp now) override {
      return forward([&](auto& store) { return store.add_device(account, device, now); });
    }
    Result<storage::Device, StorageError> device(storage::DeviceAddress address) override {
      return forward([&](auto& store) { return store.device(address); });
    }
    Result<std::vector<storage::Device>, StorageError> list_devices(storage::AccountId account) override {
      return forward([&](auto& store) { return store.list_devices(account); });
    }
    Result<void, StorageError> remove_device(storage::DeviceAddress address) override {
      return forward([&](auto& store) { return store.remove_device(address); });
    }
    Result<void, StorageError> add_invite(const storage::InviteHash& invite, storage::Timestamp expires_at) override {
      return forward([&](auto& store) { return store.add_invite(invite, expires_at); });
    }
    Result<std::size_t, StorageError> expire_invites(storage::Timestamp now) override {
      return forward([&](auto& store) { return store.expire_invites(now); });
    }
    Result<void, StorageError> add_link(const storage::PendingLink& link, storage::Timestamp now) override {
      return forward([&](auto& store) { return store.add_link(link, now); });
    }
    Result<storage::PendingLink, StorageError> find_link(const storage::LinkId& id, storage::Timestamp now) override {
      return forward([&](auto& store) { return store.find_link(id, now); });
    }
    Result<storage::PendingLink, StorageError> take_link(storage::AccountId account, const storage::LinkId& id,
                                                         storage::Timestamp now) override {
      return forward([&](auto& store) { return store.take_link(account, id, now); });
    }
    Result<std::size_t, StorageError> expire_links(storage::Timestamp now) override {
      return forward([&](auto& store) { return store.expire_links(now); });
    }
  };

  class Keys final : public Switched<storage::KeyDirectory> {
   public:
    using Switched::Switched;
    Result<void, StorageError> set_signed_prekey(storage::DeviceAddress device,
                                                 const storage::SignedPreKey& key) override {
      return forward([&](auto& store) { return store.set_signed_prekey(device, key); });
    }
    Result<storage::SignedPreKey, StorageError> signed_prekey(storage::DeviceAddress device) override {
      return forward([&](auto& store) { return store.signed_prekey(device); });
    }
    Result<void, StorageError> add_one_time_prekeys(storage::DeviceAddress device,
                                                    std::span<const storage::PreKey> keys) override {
      return forward([&](auto& store) { return store.add_one_time_prekeys(device, keys); });
    }
    Result<void, StorageError> set_last_resort_key(storage::DeviceAddress device, const storage::PreKey& key) override {
      return forward([&](auto& store) { return store.set_last_resort_key(device, key); });
    }
    Result<storage::ClaimedPreKey, StorageError> claim_prekey(storage::DeviceAddress device) override {
      return forward([&](auto& store) { return store.claim_prekey(device); });
    }
    Result<std::size_t, StorageError> one_time_prekey_count(storage::DeviceAddress device) override {
      return forward([&](auto& store) { return store.one_time_prekey_count(device); });
    }
  };

  class Messages final : public Switched<storage::MessageQueues> {
   public:
    using Switched::Switched;
    Result<std::vector<storage::EnqueueOutcome>, StorageError> enqueue(
        std::span<const storage::Envelope> batch) override {
      return forward([&](auto& store) { return store.enqueue(batch); });
    }
    using storage::MessageQueues::commit;
    Result<storage::Committed, StorageError> commit(
        std::span<const storage::Envelope> batch, std::span<const storage::Fanout> fanouts,
        std::span<const storage::Acknowledgement> acknowledgements) override {
      return forward([&](auto& store) { return store.commit(batch, fanouts, acknowledgements); });
    }
    Result<std::vector<storage::QueuedEnvelope>, StorageError> fetch(storage::DeviceAddress recipient,
                                                                     storage::QueueSequence after,
                                                                     std::size_t limit) override {
      return forward([&](auto& store) { return store.fetch(recipient, after, limit); });
    }
    Result<std::size_t, StorageError> acknowledge(storage::DeviceAddress recipient,
                                                  std::span<const storage::QueueSequence> sequences) override {
      return forward([&](auto& store) { return store.acknowledge(recipient, sequences); });
    }
    Result<std::vector<storage::ExpiredEnvelope>, StorageError> expire(storage::Timestamp now,
                                                                       std::size_t limit) override {
      return forward([&](auto& store) { return store.expire(now, limit); });
    }
    Result<std::vector<storage::DeliveryFailureNotice>, StorageError> pending_notices(storage::DeviceAddress sender,
                                                                                      storage::NoticeId after,
                                                                                      std::size_t limit) override {
      return forward([&](auto& store) { return store.pending_notices(sender, after, limit); });
    }
    Result<std::size_t, StorageError> remove_notices(storage::DeviceAddress sender,
                                                     std::span<const storage::NoticeId> ids) override {
      return forward([&](auto& store) { return store.remove_notices(sender, ids); });
    }
    Result<std::size_t, StorageError> depth(storage::DeviceAddress recipient) override {
      return forward([&](auto& store) { return store.depth(recipient); });
    }
    Result<std::size_t, StorageError> shared_bodies() override {
      return forward([&](auto& store) { return store.shared_bodies(); });
    }
  };

  class Media final : public Switched<storage::MediaStore> {
   public:
    using Switched::Switched;
    Result<storage::Upload, StorageError> create_upload(const storage::MediaId& id, storage::AccountId owner,
                                                        std::uint64_t declared_size, storage::Timestamp now,
                                                        storage::Timestamp expires_at) override {
      return forward([&](auto& store) { return store.create_upload(id, owner, declared_size, now, expires_at); });
    }
    Result<std::uint64_t, StorageError> append(const storage::MediaId& id, std::uint64_t offset,
                                               ByteView bytes) override {
      return forward([&](auto& store) { return store.append(id, offset, bytes); });
    }
    Result<std::uint64_t, StorageError> committed_offset(const storage::MediaId& id) override {
      return forward([&](auto& store) { return store.committed_offset(id); });
    }
    Result<void, StorageError> finish(const storage::MediaId& id, const storage::Sha256Digest& digest) override {
      return forward([&](auto& store) { return store.finish(id, digest); });
    }
    Result<storage::Upload, StorageError> upload(const storage::MediaId& id) override {
      return forward([&](auto& store) { return store.upload(id); });
    }
    Result<Bytes, StorageError> read(const storage::MediaId& id, std::uint64_t offset, std::size_t length) override {
      return forward([&](auto& store) { return store.read(id, offset, length); });
    }
    Result<std::uint64_t, StorageError> quota_used(storage::AccountId owner) override {
      return forward([&](auto& store) { return store.quota_used(owner); });
    }
    Result<std::vector<storage::ExpiredUpload>, StorageError> expire(storage::Timestamp now,
                                                                     std::size_t limit) override {
      return forward([&](auto& store) { return store.expire(now, limit); });
    }
  };

  std::atomic<bool> available_{true};
  std::unique_ptr<storage::Storage> backend_;
  Accounts accounts_;
  Keys keys_;
  Messages messages_;
  Media media_;
};

}  // namespace hush::test
