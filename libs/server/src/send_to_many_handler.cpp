// SendToMany: one message to many accounts (a group message), its body stored once and a reference
// queued for each recipient device (storage::Fanout). Every listed account's device list is checked
// as Send checks its one recipient's, and the request is all-or-nothing: any mismatch answers
// STALE_DEVICES with what each account must fix, and nothing is stored. Then it goes through the
// group commit like Send, is answered once durable and pushed to connected recipients. Owns the
// request's rules and error names; not the storage of bodies (libs/storage) nor delivery.
#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include "handler_support.hpp"
#include "hush/wire/frame_codec.hpp"
#include "router.hpp"
#include "rules.hpp"

namespace hush::server {
namespace {

// Room left in a frame around a STALE_DEVICES answer (the Frame and padding fields around the
// Response), so that the answer always fits one frame.
constexpr std::size_t kFrameOverhead = 1024;

// What `recipient` (the account `account`, whose devices are `devices`) lists wrongly, as Send
// checks it: missing, extra and stale devices; the sender's own device is neither expected nor
// allowed (a device never receives its own sends). Empty when the list is right.
api::AccountMismatch check_devices(const api::Recipient& recipient, storage::AccountId account,
                                   const std::vector<storage::Device>& devices, storage::DeviceAddress sender) {
  std::map<storage::DeviceId, std::uint32_t> expected;
  for (const storage::Device& device : devices) {
    if (account == sender.account && device.id == sender.device) continue;
    expected.emplace(device.id, device.registration_id);
  }
  api::AccountMismatch mismatch;
  std::set<storage::DeviceId> listed;
  for (const api::RecipientDevice& device : recipient.devices()) {
    listed.insert(device.device_id());
    auto it = expected.find(device.device_id());
    if (it == expected.end()) {
      mismatch.add_extra_devices(device.device_id());
    } else if (it->second != device.registration_id()) {
      mismatch.add_stale_devices(device.device_id());
    }
  }
  for (const auto& [device_id, registration_id] : expected) {
    if (!listed.contains(device_id)) mismatch.add_missing_devices(device_id);
  }
  return mismatch;
}

bool any(const api::AccountMismatch& mismatch) {
  return mismatch.unknown_account() || mismatch.missing_devices_size() > 0 || mismatch.extra_devices_size() > 0 ||
         mismatch.stale_devices_size() > 0;
}

// Drops mismatches from the end until the answer fits one frame (only a server configured for
// more devices per account than the default could exceed it); the sender learns the rest when it
// resends after fixing these.
void fit_in_frame(api::Response& response) {
  api::SendToManyResult* result = response.mutable_send_to_many_result();
  std::size_t size = response.ByteSizeLong();
  while (size + kFrameOverhead > wire::kMaxFrameSize && result->mismatches_size() > 1) {
    size -= std::min(size, result->mismatches(result->mismatches_size() - 1).ByteSizeLong());
    result->mutable_mismatches()->RemoveLast();
  }
}

}  // namespace

void Router::send_to_many(const SessionState& state, const api::SendToMany& request, Response response, Reply reply) {
  const auto message_id = fixed<16>(request.message_id());
  if (!message_id || request.recipients_size() == 0) {
    set_status(response, api::Status::BAD_REQUEST, message_id ? "no_recipients" : "invalid_message_id");
    return reply(std::move(response));
  }
  // An account listed without devices costs a device-list read all the same.
  std::size_t devices_listed = 0;
  for (const api::Recipient& recipient : request.recipients()) {
    devices_listed += std::max(1, recipient.devices_size());
  }
  if (devices_listed > options_.limits.max_devices_per_send_to_many) {
    set_limit(response, "max_devices_per_send_to_many", options_.limits.max_devices_per_send_to_many);
    return reply(std::move(response));
  }
  // The body is what every device gets as its envelope's content: the same bound.
  const std::size_t max_body = std::min(options_.limits.max_envelope_size, storage_.options().max_envelope_size);
  if (request.body().size() > max_body) {
    set_limit(response, "max_envelope_size", max_body);
    return reply(std::move(response));
  }
  const auto type = envelope_type(request.type());
  if (!type) {
    set_status(response, api::Status::BAD_REQUEST, "invalid_envelope");
    return reply(std::move(response));
  }
  std::set<std::string_view> usernames;
  for (const api::Recipient& recipient : request.recipients()) {
    if (!usernames.insert(recipient.username()).second) {
      set_status(response, api::Status::BAD_REQUEST, "duplicate_recipient");
      return reply(std::move(response));
    }
    std::set<std::uint32_t> devices;
    for (const api::RecipientDevice& device : recipient.devices()) {
      if (!devices.insert(device.device_id()).second) {
        set_status(response, api::Status::BAD_REQUEST, "duplicate_device");
        return reply(std::move(response));
      }
    }
  }

  // The sender's view must match every recipient's devices exactly; nothing is stored otherwise,
  // so the client fixes its sessions (or drops a member that is gone) and resends.
  const storage::DeviceAddress sender = *state.device;
  storage::Fanout fanout;
  std::vector<std::string> recipient_names;  // per fan-out recipient, for the answer
  api::SendToManyResult* result = response.mutable_send_to_many_result();
  for (const api::Recipient& recipient : request.recipients()) {
    auto account = storage_.accounts().find_account(recipient.username());
    if (!account.ok()) {
      if (account.error() != storage::StorageError::kNotFound) {
        set_storage_error(response, account.error(), storage_.options());
        return reply(std::move(response));
      }
      api::AccountMismatch* unknown = result->add_mismatches();
      unknown->set_username(recipient.username());
      unknown->set_unknown_account(true);
      continue;
    }
    auto devices = storage_.accounts().list_devices(account->id);
    if (!devices.ok()) {
      set_storage_error(response, devices.error(), storage_.options());
      return reply(std::move(response));
    }
    api::AccountMismatch mismatch = check_devices(recipient, account->id, *devices, sender);
    if (any(mismatch)) {
      mismatch.set_username(recipient.username());
      *result->add_mismatches() = std::move(mismatch);
      continue;
    }
    for (const api::RecipientDevice& device : recipient.devices()) {
      fanout.recipients.push_back({account->id, device.device_id()});
      recipient_names.push_back(recipient.username());
    }
  }
  if (result->mismatches_size() > 0) {
    set_status(response, api::Status::STALE_DEVICES, "stale_devices");
    fit_in_frame(response);
    return reply(std::move(response));
  }
  if (fanout.recipients.empty()) {  // only the sender's own account, which has no other device
    response.clear_send_to_many_result();
    set_status(response, api::Status::BAD_REQUEST, "no_recipients");
    return reply(std::move(response));
  }

  const storage::Timestamp now_ms = now();
  fanout.sender = sender;
  fanout.id = *message_id;
  fanout.server_time = now_ms;
  fanout.expires_at = now_ms + options_.message_expiry;
  fanout.type = *type;
  fanout.body = to_bytes(request.body());
  std::vector<storage::DeviceAddress> recipients = fanout.recipients;
  Committer::Work work;
  work.fanout = std::move(fanout);

  // What each connected recipient is pushed: the envelope Send would push, with the body as its
  // content. A later batch without the body has none in hand: its recipients read it from storage.
  api::Envelope push;
  push.set_sender(state.username);
  push.set_sender_device(sender.device);
  push.set_type(request.type());
  push.set_content(request.body());
  push.set_message_id(request.message_id());
  push.set_server_time_ms(static_cast<std::uint64_t>(now_ms.time_since_epoch().count()));

  // Answered from the commit thread once the commit holding the fan-out is durable.
  committer_.submit(std::move(work), [this, response = std::move(response), reply = std::move(reply),
                                      recipients = std::move(recipients), recipient_names = std::move(recipient_names),
                                      push = std::move(push)](auto committed) mutable {
    response.clear_send_to_many_result();
    if (!committed.ok()) {
      set_storage_error(response, committed.error(), storage_.options());
      return reply(std::move(response));
    }
    const storage::FanoutOutcome& outcome = committed->fanned_out.front();
    if (!outcome.ok()) {
      if (outcome.error() == storage::StorageError::kNotFound) {
        set_status(response, api::Status::BAD_REQUEST, "unknown_body");
      } else if (outcome.error() == storage::StorageError::kConflict) {
        set_status(response, api::Status::BAD_REQUEST, "body_mismatch");
      } else if (outcome.error() == storage::StorageError::kTooLarge) {
        set_limit(response, "max_envelope_size", storage_.options().max_envelope_size);
      } else {
        set_storage_error(response, outcome.error(), storage_.options());
      }
      return reply(std::move(response));
    }
    bool all_duplicate = true;
    std::optional<storage::StorageError> refused;
    std::map<std::string, api::AccountMismatch> removed;  // devices removed since the check, per account
    for (std::size_t i = 0; i < outcome->size() && i < recipients.size(); ++i) {
      const storage::EnqueueOutcome& one = (*outcome)[i];
      if (!one.ok()) {
        all_duplicate = false;
        if (one.error() == storage::StorageError::kNotFound) {
          removed[recipient_names[i]].add_extra_devices(recipients[i].device);
        } else {
          refused = one.error();
        }
        continue;
      }
      if (one->status != storage::EnqueueStatus::kStored) continue;
      all_duplicate = false;
      if (shared_) continue;  // storage wakes the recipient's server (on_wakes)
      for (const auto& session : registry_.sessions(recipients[i])) {
        if (push.content().empty()) {
          session->wake(storage::WakeKind::kEnvelopes);
        } else {
          push.set_sequence(one->sequence);
          session->deliver(push);
        }
      }
    }
    // What was stored stays stored; a resend is answered as a duplicate for those devices.
    if (!removed.empty()) {
      set_status(response, api::Status::STALE_DEVICES, "stale_devices");
      for (auto& [username, mismatch] : removed) {
        mismatch.set_username(username);
        *response.mutable_send_to_many_result()->add_mismatches() = std::move(mismatch);
      }
      fit_in_frame(response);
      return reply(std::move(response));
    }
    if (refused) {
      set_storage_error(response, *refused, storage_.options());  // kQueueFull: max_queue_depth
      return reply(std::move(response));
    }
    response.mutable_status()->set_code(api::Status::OK);
    response.mutable_send_to_many_result()->set_duplicate(all_duplicate);
    reply(std::move(response));
  });
}

}  // namespace hush::server
