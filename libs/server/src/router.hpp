// The request handlers of api.proto over the storage interfaces: accounts and login, the key
// directory, store-and-forward, media. Beast-free: a connection hands each decoded Request to
// handle() on its strand and gets the Response through `reply` (at once, or from the commit
// thread for Send and SendToMany). Owns the API's rules and error names (docs/protocol.md part 2);
// not sockets, frames or timers.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "blocking_pool.hpp"
#include "committer.hpp"
#include "hush/crypto/random.hpp"
#include "hush/server/options.hpp"
#include "hush/storage/storage.hpp"
#include "hush/wire/api.pb.h"
#include "log.hpp"
#include "registry.hpp"
#include "rules.hpp"
#include "session.hpp"

namespace hush::server {

class Router {
 public:
  // Thread-safe; may be called from any thread, more than once (only the first call counts).
  using Reply = std::function<void(api::Response)>;

  // `blocking`, when given, runs the requests that blocks() names; without it they run inline
  // (the fuzz target's single-threaded world).
  Router(const Options& options, storage::Storage& storage, DeliveryRegistry& registry, Committer& committer,
         Logger& logger, crypto::Rng& rng, BlockingPool* blocking = nullptr);

  // Handles one request of the connection whose state is `state`. Must be called on that
  // connection's strand; `self` is the connection (registered for delivery on login). Send and
  // Acknowledge are answered from the commit thread, the requests blocks() names from the blocking
  // pool or (SendToMany, checked there) the commit thread (the caller must then leave `state`
  // alone until `reply` has run), the rest at once.
  void handle(SessionState& state, const std::shared_ptr<Session>& self, const api::Request& request, Reply reply);

  // Whether `request` waits on storage at length — a write outside the group commit (one synced
  // write of its own), or SendToMany's device-list reads for every recipient account before its
  // commit — and so is handled on the blocking pool, the connection reading nothing more until it
  // is answered.
  static bool blocks(const api::Request& request);
  // Whether `request` is allowed on a transfers-only connection (media requests and Ping).
  static bool media_request(const api::Request& request);

  // Queued envelopes of `device` after `after`, converted to pushes, at most `limit`.
  // The sequence of the last one returned is the caller's next cursor.
  Result<std::vector<api::Envelope>, storage::StorageError> fetch_for_delivery(storage::DeviceAddress device,
                                                                               storage::QueueSequence after,
                                                                               std::size_t limit);

  // Removes expired envelopes and uploads. Storage records a delivery failure notice for each
  // sender device in the same step; a connected sender is told at once (Push.delivery_failed).
  // Every notice stays stored until its device acknowledges it (Acknowledge.notices), so one not
  // acknowledged is pushed again at the next login. Returns how many envelopes expired.
  std::size_t sweep(storage::Timestamp now);

  // Reads up to `limit` pending delivery failure notices of `device` with an id above `after`,
  // hands each to `deliver` as a Push.delivery_failed (deliver returns false when the connection
  // can no longer send) and advances `after` past each one delivered. Returns how many it read
  // (== limit: there may be more); 0 on a storage error or a refused push.
  std::size_t deliver_failure_notices(storage::DeviceAddress device, storage::NoticeId& after, std::size_t limit,
                                      const std::function<bool(api::Push)>& deliver);

  // Wakes from a storage that other servers share (Storage::wakes()): each reaches the sessions
  // of its device on this server (Session::wake, close for a removed device, keys_low when a claim
  // left its stock low); kResync reaches every session. Called from the storage's wake thread.
  void on_wakes(std::span<const storage::Wake> wakes);

  // Called by the connection when it closes.
  void on_session_closed(const SessionState& state, const Session* self);

  storage::Timestamp now() const;

 private:
  using Response = api::Response;
  // Every request but Send, SendToMany and Acknowledge, answered synchronously.
  Response answer(SessionState& state, const std::shared_ptr<Session>& self, const api::Request& request);
  Response register_account(SessionState& state, const std::shared_ptr<Session>& self,
                            const api::RegisterAccount& request);
  Response authenticate(SessionState& state, const std::shared_ptr<Session>& self, const api::Authenticate& request);
  Response upload_keys(SessionState& state, const api::UploadKeys& request);
  Response fetch_bundles(SessionState& state, const api::FetchBundles& request);
  void send(SessionState& state, const api::Send& request, Response response, Reply reply);
  void send_to_many(const SessionState& state, const api::SendToMany& request, Response response, Reply reply);
  void acknowledge(SessionState& state, const api::Acknowledge& request, Response response, Reply reply);
  Response list_devices(SessionState& state);
  Response remove_device(SessionState& state, const api::RemoveDevice& request);
  Response create_upload(SessionState& state, const api::CreateUpload& request);
  Response append_chunk(SessionState& state, const api::AppendChunk& request);
  Response upload_status(SessionState& state, const api::UploadStatus& request);
  Response finish_upload(SessionState& state, const api::FinishUpload& request);
  Response read_media(SessionState& state, const api::ReadMedia& request);
  Response key_status(SessionState& state);

  Response approve_link(SessionState& state, const api::ApproveLink& request);
  Response fetch_link(SessionState& state, const api::FetchLink& request);
  Response link_device(SessionState& state, const std::shared_ptr<Session>& self, const api::LinkDevice& request);

  void notify_keys_low(storage::DeviceAddress device);
  // The device a RegisterAccount or LinkDevice adds: its keys parsed, the challenge signed by its
  // auth key, its name within limits; otherwise nullopt and `response` says why.
  std::optional<storage::NewDevice> new_device(const SessionState& state, const api::DeviceKeys& keys,
                                               const std::string& challenge_signature, Response& response);
  // Logs in `state` as `device` of `username` after RegisterAccount or LinkDevice.
  void log_in(SessionState& state, const std::shared_ptr<Session>& self, storage::DeviceAddress device,
              const std::string& username);

  const Options& options_;
  storage::Storage& storage_;
  DeliveryRegistry& registry_;
  Committer& committer_;
  Logger& logger_;
  crypto::Rng& rng_;
  BlockingPool* const blocking_;
  // The storage announces every write to every server (Storage::wakes()): commits and expiry then
  // reach sessions through on_wakes() only, the same way for this server's writes as for another's,
  // so one device's envelopes are always pushed from storage in queue order.
  const bool shared_;
  KeyedRateLimiter<std::string> registrations_;          // per remote IP
  KeyedRateLimiter<storage::AccountId> bundle_fetches_;  // per fetching account
  KeyedRateLimiter<std::string> link_requests_;          // FetchLink and LinkDevice, per remote IP
};

}  // namespace hush::server
