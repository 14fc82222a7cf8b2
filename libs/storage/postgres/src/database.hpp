// Internal to the PostgreSQL backend: the connection pool, the transaction helper (retries on
// serialization failure and deadlock, announces wakes in the transaction it commits), and the four
// stores that share them. Every store call is one transaction on one borrowed connection.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "hush/storage/postgres_storage.hpp"
#include "pg.hpp"

namespace hush::storage::postgres {

// Times a transaction runs before a serialization failure or deadlock is reported (as kIo). Each
// retry starts after the conflicting transaction finished, so a second attempt almost always
// succeeds; a few more cover a hot spot without letting one call spin.
inline constexpr int kMaxTransactionAttempts = 5;

// Connections for the calls of one Storage: at most `size` open, each lent to one call at a time.
// A connection that broke is closed when returned; the next borrow opens a new one.
class Pool {
 public:
  Pool(ConnectSettings settings, std::size_t size) : settings_(std::move(settings)), size_(size) {}

  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> connection) : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() { return *connection_; }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // Waits for an idle connection, or opens one while fewer than `size` are open.
  // Errors: kIo (cannot connect).
  Result<Lease, StorageError> borrow();

  const ConnectSettings& settings() const { return settings_; }

 private:
  void give_back(std::unique_ptr<Connection> connection);

  const ConnectSettings settings_;
  const std::size_t size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // idle and lent
};

// The connection of one transaction, and the wakes it announces when it commits.
class Transaction {
 public:
  explicit Transaction(Connection& connection) : connection_(connection) {}
  Connection& connection() { return connection_; }
  void wake(WakeKind kind, DeviceAddress device) { wakes_.push_back(Wake{kind, device}); }
  const std::vector<Wake>& wakes() const { return wakes_; }

 private:
  Connection& connection_;
  std::vector<Wake> wakes_;
};

class Database {
 public:
  // Connects (one connection, kept in the pool) and migrates. Errors: as open_postgres_storage().
  static Result<std::unique_ptr<Database>, StorageError> open(const PostgresOptions& options);

  const Options& limits() const { return limits_; }
  const ConnectSettings& settings() const { return pool_.settings(); }
  const std::string& wake_channel() const { return wake_channel_; }

  // Runs body(Transaction&) -> Result<T, StorageError> in one transaction: committed, with the
  // wakes it gathered announced in that same transaction (pg_notify is delivered at commit, and
  // only if it commits), when the body succeeds; rolled back otherwise. A serialization failure or
  // deadlock runs the whole body again, up to kMaxTransactionAttempts times.
  template <class Body>
  auto transact(Body&& body) -> decltype(body(std::declval<Transaction&>())) {
    using Outcome = decltype(body(std::declval<Transaction&>()));
    auto lease = pool_.borrow();
    if (!lease.ok()) return fail(lease.error());
    Connection& connection = **lease;
    for (int attempt = 1;; ++attempt) {
      connection.clear_sqlstate();
      HUSH_TRY(connection.exec("BEGIN"));
      Transaction transaction(connection);
      Outcome outcome = body(transaction);
      Result<void, StorageError> finished =
          outcome.ok() ? commit(transaction) : Result<void, StorageError>(fail(outcome.error()));
      if (finished.ok()) return outcome;
      if (!connection.broken()) (void)connection.exec("ROLLBACK");
      if (connection.broken() || !is_retryable(connection.last_sqlstate()) || attempt == kMaxTransactionAttempts) {
        return fail(finished.error());
      }
    }
  }

  // Runs body(Connection&) -> Result<T, StorageError> outside a transaction: for reads of one
  // statement (each statement sees its own snapshot).
  template <class Body>
  auto read(Body&& body) -> decltype(body(std::declval<Connection&>())) {
    auto lease = pool_.borrow();
    if (!lease.ok()) return fail(lease.error());
    return body(**lease);
  }

 private:
  Database(const PostgresOptions& options)
      : limits_(options.limits),
        wake_channel_(options.wake_channel),
        pool_(ConnectSettings{options.conninfo, options.connect_timeout}, options.connections) {}

  // Announces the transaction's wakes and commits, in one round trip.
  Result<void, StorageError> commit(Transaction& transaction);

  const Options limits_;
  const std::string wake_channel_;
  Pool pool_;
};

// Device rows locked (FOR NO KEY UPDATE, in (account, device) order) for a queue write: the queue
// depth of each that exists. Every writer of a device's queue takes its lock first, so writes to
// one queue serialize and its sequences follow commit order; taking all of a transaction's locks in
// one sorted statement keeps two such transactions from deadlocking.
struct LockedDevice {
  DeviceAddress address;
  std::int64_t queue_depth = 0;
};
Result<std::vector<LockedDevice>, StorageError> lock_devices(Connection& connection,
                                                             std::vector<DeviceAddress> devices);

// Whether the device exists, holding a FOR KEY SHARE lock on it until the transaction ends (so it
// cannot be removed meanwhile; queue writers' locks do not conflict with it).
Result<bool, StorageError> device_exists(Connection& connection, DeviceAddress address);

// Drops references to fan-out bodies (body id -> envelopes referring to it that were deleted),
// deleting each body with its last one. For use inside the transaction that deleted them, after
// its device locks.
Result<void, StorageError> release_bodies(Connection& connection, const std::map<std::int64_t, std::int64_t>& released);

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

}  // namespace hush::storage::postgres
