// Store-and-forward handlers: Send (device-list check, group commit through the Committer, answer
// only once durable, push to connected recipients), Acknowledge, the delivery fetch, the expiry
// sweep and the delivery failure notices it leaves for offline senders (ARCHITECTURE.md decision 5).
#include <algorithm>
#include <map>
#include <set>

#include "handler_support.hpp"
#include "router.hpp"
#include "rules.hpp"

namespace hush::server {

void Router::send(SessionState& state, const api::Send& request, Response response, Reply reply) {
  const auto message_id = fixed<16>(request.message_id());
  if (!message_id || request.envelopes_size() == 0) {
    set_status(response, api::Status::BAD_REQUEST, message_id ? "no_envelopes" : "invalid_message_id");
    return reply(std::move(response));
  }
  if (static_cast<std::size_t>(request.envelopes_size()) > options_.limits.max_envelopes_per_send) {
    set_limit(response, "max_envelopes_per_send", options_.limits.max_envelopes_per_send);
    return reply(std::move(response));
  }
  const std::size_t max_envelope = std::min(options_.limits.max_envelope_size, storage_.options().max_envelope_size);
  for (const api::OutgoingEnvelope& envelope : request.envelopes()) {
    if (envelope.content().size() > max_envelope) {
      set_limit(response, "max_envelope_size", max_envelope);
      return reply(std::move(response));
    }
    if (envelope.content().empty() || !envelope_type(envelope.type())) {
      set_status(response, api::Status::BAD_REQUEST, "invalid_envelope");
      return reply(std::move(response));
    }
  }
  auto account = storage_.accounts().find_account(request.recipient());
  if (!account.ok()) {
    set_status(response, api::Status::NOT_FOUND, "unknown_recipient");
    return reply(std::move(response));
  }
  auto devices = storage_.accounts().list_devices(account->id);
  if (!devices.ok()) {
    set_storage_error(response, devices.error(), storage_.options());
    return reply(std::move(response));
  }
  // The sender's view must match the recipient's devices exactly (a message to oneself goes to
  // one's other devices). Nothing is stored otherwise, so the client fixes its sessions and resends.
  const storage::DeviceAddress sender = *state.device;
  std::map<storage::DeviceId, std::uint32_t> expected;
  for (const storage::Device& device : *devices) {
    if (account->id == sender.account && device.id == sender.device) continue;
    expected.emplace(device.id, device.registration_id);
  }
  std::set<storage::DeviceId> addressed;
  api::SendResult* result = response.mutable_send_result();
  for (const api::OutgoingEnvelope& envelope : request.envelopes()) {
    if (!addressed.insert(envelope.device_id()).second) {
      set_status(response, api::Status::BAD_REQUEST, "duplicate_device");
      return reply(std::move(response));
    }
    auto it = expected.find(envelope.device_id());
    if (it == expected.end()) {
      result->add_extra_devices(envelope.device_id());
    } else if (it->second != envelope.registration_id()) {
      result->add_stale_devices(envelope.device_id());
    }
  }
  for (const auto& [device_id, registration_id] : expected) {
    if (!addressed.contains(device_id)) result->add_missing_devices(device_id);
  }
  if (result->missing_devices_size() + result->extra_devices_size() + result->stale_devices_size() > 0) {
    set_status(response, api::Status::STALE_DEVICES, "stale_devices");
    return reply(std::move(response));
  }

  const storage::Timestamp now_ms = now();
  Committer::Work work;
  std::vector<storage::Envelope>& batch = work.envelopes;
  std::vector<storage::DeviceAddress> recipients;
  for (const api::OutgoingEnvelope& envelope : request.envelopes()) {
    storage::Envelope stored;
    stored.recipient = {account->id, envelope.device_id()};
    stored.sender = sender;
    stored.id = *message_id;
    stored.server_time = now_ms;
    stored.expires_at = now_ms + options_.message_expiry;
    stored.type = *envelope_type(envelope.type());  // checked above
    stored.ciphertext = to_bytes(envelope.content());
    recipients.push_back(stored.recipient);
    batch.push_back(std::move(stored));
  }
  // Answered from the commit thread once the batch holding these envelopes is durable; stored
  // envelopes go straight to the recipient's open connections (Session::deliver).
  committer_.submit(std::move(work),
                    [this, response = std::move(response), reply = std::move(reply), recipients = std::move(recipients),
                     sender_name = state.username, sender, request, now_ms](auto committed) mutable {
                      response.clear_send_result();
                      if (!committed.ok()) {
                        set_storage_error(response, committed.error(), storage_.options());
                        return reply(std::move(response));
                      }
                      bool all_duplicate = true;
                      std::optional<storage::StorageError> refused;
                      for (std::size_t i = 0; i < committed->enqueued.size(); ++i) {
                        const storage::EnqueueOutcome& outcome = committed->enqueued[i];
                        if (!outcome.ok()) {
                          refused = outcome.error();
                          all_duplicate = false;
                          continue;
                        }
                        if (outcome->status == storage::EnqueueStatus::kStored) {
                          all_duplicate = false;
                          if (shared_) continue;  // storage wakes the recipient's server (on_wakes)
                          auto sessions = registry_.sessions(recipients[i]);
                          if (sessions.empty()) continue;
                          const api::OutgoingEnvelope& sent = request.envelopes(static_cast<int>(i));
                          api::Envelope push;
                          push.set_sequence(outcome->sequence);
                          push.set_sender(sender_name);
                          push.set_sender_device(sender.device);
                          push.set_type(sent.type());
                          push.set_content(sent.content());
                          push.set_message_id(request.message_id());
                          push.set_server_time_ms(static_cast<std::uint64_t>(now_ms.time_since_epoch().count()));
                          for (const auto& session : sessions) session->deliver(push);
                        }
                      }
                      if (refused) {
                        // The envelopes that were stored stay stored; a resend is answered as a duplicate for them.
                        if (*refused == storage::StorageError::kNotFound) {
                          set_status(response, api::Status::STALE_DEVICES, "stale_devices");
                        } else if (*refused == storage::StorageError::kTooLarge) {
                          set_limit(response, "max_envelope_size", storage_.options().max_envelope_size);
                        } else {
                          set_storage_error(response, *refused, storage_.options());
                        }
                        return reply(std::move(response));
                      }
                      response.mutable_status()->set_code(api::Status::OK);
                      response.mutable_send_result()->set_duplicate(all_duplicate);
                      reply(std::move(response));
                    });
}

void Router::acknowledge(SessionState& state, const api::Acknowledge& request, Response response, Reply reply) {
  Committer::Work work;
  work.acknowledgement = storage::Acknowledgement{
      *state.device, std::vector<storage::QueueSequence>(request.sequences().begin(), request.sequences().end()),
      std::vector<storage::NoticeId>(request.notices().begin(), request.notices().end())};
  // Gathered with concurrent sends and acknowledgements into one commit; answered once durable.
  committer_.submit(std::move(work), [this, response = std::move(response), reply = std::move(reply)](
                                         Result<storage::Committed, storage::StorageError> committed) mutable {
    if (!committed.ok()) {
      set_storage_error(response, committed.error(), storage_.options());
    } else {
      response.mutable_status()->set_code(api::Status::OK);
    }
    reply(std::move(response));
  });
}

Result<std::vector<api::Envelope>, storage::StorageError> Router::fetch_for_delivery(storage::DeviceAddress device,
                                                                                     storage::QueueSequence after,
                                                                                     std::size_t limit) {
  auto queued = storage_.messages().fetch(device, after, limit);
  if (!queued.ok()) return fail(queued.error());
  std::vector<api::Envelope> out;
  std::map<storage::AccountId, std::string> usernames;
  for (const storage::QueuedEnvelope& item : *queued) {
    api::Envelope envelope;
    envelope.set_sequence(item.sequence);
    if (item.envelope.sender) {
      auto [it, inserted] = usernames.try_emplace(item.envelope.sender->account);
      if (inserted) {
        auto account = storage_.accounts().account(item.envelope.sender->account);
        if (account.ok()) it->second = account->username;
      }
      envelope.set_sender(it->second);
      envelope.set_sender_device(item.envelope.sender->device);
    }
    envelope.set_type(static_cast<std::uint32_t>(item.envelope.type));
    envelope.set_content(to_string(item.envelope.ciphertext));
    envelope.set_message_id(to_field(item.envelope.id));
    envelope.set_server_time_ms(static_cast<std::uint64_t>(item.envelope.server_time.time_since_epoch().count()));
    out.push_back(std::move(envelope));
  }
  return out;
}

namespace {

api::Push delivery_failed_push(const Result<storage::Account, storage::StorageError>& recipient,
                               storage::DeviceAddress recipient_address, const storage::MessageId& id,
                               storage::NoticeId notice) {
  api::Push push;
  api::DeliveryFailed* failed = push.mutable_delivery_failed();
  failed->set_notice(notice);
  if (recipient.ok()) failed->set_recipient(recipient->username);
  failed->set_recipient_device(recipient_address.device);
  failed->set_message_id(to_field(id));
  failed->set_reason("expired");  // the only DeliveryFailureReason
  return push;
}

}  // namespace

std::size_t Router::deliver_failure_notices(storage::DeviceAddress device, storage::NoticeId& after, std::size_t limit,
                                            const std::function<bool(api::Push)>& deliver) {
  auto pending = storage_.messages().pending_notices(device, after, limit);
  if (!pending.ok()) {
    logger_.event("notice_fetch_failed", {{"error", storage::to_string(pending.error())}});
    return 0;
  }
  // Not removed here: the client acknowledges each notice (Acknowledge.notices) once recorded.
  for (const storage::DeliveryFailureNotice& notice : *pending) {
    if (!deliver(delivery_failed_push(storage_.accounts().account(notice.recipient.account), notice.recipient,
                                      notice.message_id, notice.id))) {
      return 0;
    }
    after = notice.id;
  }
  return pending->size();
}

std::size_t Router::sweep(storage::Timestamp now_ms) {
  constexpr std::size_t kSweepBatch = 512;
  std::size_t expired_count = 0;
  std::size_t notices_kept = 0;
  std::size_t notices_dropped = 0;
  for (;;) {
    auto expired = storage_.messages().expire(now_ms, kSweepBatch);
    if (!expired.ok()) {
      logger_.event("sweep_failed", {{"error", storage::to_string(expired.error())}});
      break;
    }
    for (const storage::ExpiredEnvelope& envelope : *expired) {
      notices_dropped += envelope.notices_dropped;
      if (!envelope.sender) continue;
      // Storage recorded the notice with the expiry; it stays until the sender acknowledges it.
      // A connected sender is told now (with shared storage, by the wake storage sends to the
      // server it is connected to); an offline one at its next login.
      if (envelope.notice != 0) ++notices_kept;
      if (shared_) continue;
      auto sessions = registry_.sessions(*envelope.sender);
      if (sessions.empty()) continue;
      auto recipient = storage_.accounts().account(envelope.recipient.account);
      for (const auto& session : sessions) {
        session->send_push(delivery_failed_push(recipient, envelope.recipient, envelope.id, envelope.notice));
      }
    }
    expired_count += expired->size();
    if (expired->size() < kSweepBatch) break;
  }
  std::size_t uploads = 0;
  for (;;) {
    auto expired = storage_.media().expire(now_ms, kSweepBatch);
    if (!expired.ok()) break;
    uploads += expired->size();
    if (expired->size() < kSweepBatch) break;
  }
  (void)storage_.accounts().expire_invites(now_ms);
  (void)storage_.accounts().expire_links(now_ms);
  if (expired_count > 0 || uploads > 0) {
    logger_.event("expired", {{"envelopes", std::to_string(expired_count)},
                              {"notices_kept", std::to_string(notices_kept)},
                              {"notices_dropped", std::to_string(notices_dropped)},
                              {"uploads", std::to_string(uploads)}});
  }
  return expired_count;
}

}  // namespace hush::server
