// Internal to the SQLite backend: the two connections (one for writes, one read-only), each under
// its own mutex, and the four stores that share them. Every store call is one transaction on one
// of them, which makes it atomic; a write transaction is synced (synchronous=FULL) before it returns.
#pragma once

#include <memory>
#include <mutex>

#include "connection.hpp"
#include "hush/storage/sqlite_storage.hpp"

namespace hush::storage::sqlite {

class Database {
 public:
  // Opens the file, sets WAL and synchronous=FULL, migrates, then opens the reader.
  static Result<std::unique_ptr<Database>, StorageError> open(const std::filesystem::path& data_folder,
                                                              const SqliteOptions& options);

  const Options& limits() const { return limits_; }

  // Runs body(Connection&) -> Result<T, StorageError> in a write transaction (BEGIN IMMEDIATE):
  // committed and synced if it succeeds, rolled back otherwise.
  template <class Body>
  auto write(Body&& body) {
    std::lock_guard<std::mutex> lock(writer_mutex_);
    return writer_->transaction(true, [&] { return body(*writer_); });
  }

  // Runs body(Connection&) in a read transaction: one consistent snapshot, concurrent with writes.
  template <class Body>
  auto read(Body&& body) {
    std::lock_guard<std::mutex> lock(reader_mutex_);
    return reader_->transaction(false, [&] { return body(*reader_); });
  }

 private:
  Database(const Options& limits, std::unique_ptr<Connection> writer, std::unique_ptr<Connection> reader)
      : limits_(limits), writer_(std::move(writer)), reader_(std::move(reader)) {}

  const Options limits_;
  std::mutex writer_mutex_;
  std::unique_ptr<Connection> writer_;
  std::mutex reader_mutex_;
  // Declared after writer_, so it closes first and the writer's close checkpoints the WAL.
  std::unique_ptr<Connection> reader_;
};

// Whether the device exists. For use inside a transaction.
Result<bool, StorageError> device_exists(Connection& connection, DeviceAddress address);

// Drops `count` references to fan-out body `body_id` (envelopes referring to it were deleted),
// deleting the body with its last one. For use inside the write transaction that deleted them.
Result<void, StorageError> release_body(Connection& connection, std::int64_t body_id, std::int64_t count);

// A DeviceAddress's columns: ids are stored as SQLite's signed 64-bit integers.
inline std::int64_t to_column(AccountId id) {
  return static_cast<std::int64_t>(id);
}
inline std::int64_t to_column(DeviceId id) {
  return static_cast<std::int64_t>(id);
}

class Accounts final : public AccountStore {
 public:
  explicit Accounts(Database& database) : database_(database) {}
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
  Database& database_;
};

class Keys final : public KeyDirectory {
 public:
  explicit Keys(Database& database) : database_(database) {}
  Result<void, StorageError> set_signed_prekey(DeviceAddress device, const SignedPreKey& key) override;
  Result<SignedPreKey, StorageError> signed_prekey(DeviceAddress device) override;
  Result<void, StorageError> add_one_time_prekeys(DeviceAddress device, std::span<const PreKey> keys) override;
  Result<void, StorageError> set_last_resort_key(DeviceAddress device, const PreKey& key) override;
  Result<ClaimedPreKey, StorageError> claim_prekey(DeviceAddress device) override;
  Result<std::size_t, StorageError> one_time_prekey_count(DeviceAddress device) override;

 private:
  Database& database_;
};

class Messages final : public MessageQueues {
 public:
  explicit Messages(Database& database) : database_(database) {}
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
  Database& database_;
};

class Media final : public MediaStore {
 public:
  explicit Media(Database& database) : database_(database) {}
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
  Database& database_;
};

}  // namespace hush::storage::sqlite
