// Contacts, safety numbers and identity changes: who the user talks to, how they check that the
// keys are the ones their contact holds (safety number, contact link), and what happens when a
// key changes (recorded, messages held, sending stopped, until the user accepts it).
#include <algorithm>

#include "contact_table.hpp"
#include "hush/client/account/device_link.hpp"
#include "hush/client/contact_link/contact_link.hpp"
#include "hush/client/messenger/messenger.hpp"
#include "hush/client/store/limits.hpp"
#include "hush/protocol/fingerprint.hpp"
#include "message_table.hpp"

namespace hush::client {

const char* to_string(MessageState state) {
  switch (state) {
    case MessageState::kPending: return "pending";
    case MessageState::kSent: return "sent";
    case MessageState::kDelivered: return "delivered";
    case MessageState::kRead: return "read";
    case MessageState::kFailed: return "failed";
    case MessageState::kReceived: return "received";
  }
  return "unknown";
}

const char* to_string(TransferState state) {
  switch (state) {
    case TransferState::kPending: return "pending";
    case TransferState::kDone: return "done";
    case TransferState::kFailed: return "failed";
  }
  return "unknown";
}

Result<void, ClientError> Messenger::connect() {
  HUSH_TRY(account_.log_in());
  return flush_outbox();
}

Result<std::vector<Contact>, ClientError> Messenger::contacts() {
  auto transaction = account_.store().transaction();
  auto listed = detail::list_contacts(transaction, account_.store());
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  if (!listed.ok()) return fail(ClientError::store(listed.error()));
  return std::move(*listed);
}

Result<void, ClientError> Messenger::add_contact(const std::string& name) {
  if (name.empty() || name.size() > kMaxAddressNameSize) {
    return fail(ClientError{ClientErrorKind::kInvalidArgument, "name"});
  }
  auto transaction = account_.store().transaction();
  (void)detail::touch_contact(transaction, name, account_.now_ms());
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  return {};
}

Result<void, ClientError> Messenger::add_device(std::string_view code) {
  auto all = contacts();
  if (!all.ok()) return fail(all.error());
  std::vector<std::string> names;
  for (const Contact& contact : *all) {
    if (names.size() == kMaxLinkedContacts) break;
    names.push_back(contact.name);
  }
  HUSH_TRY(account_.approve_link(code, names));
  siblings_.reset();  // there will be one more
  return {};
}

Result<Contact, ClientError> Messenger::add_contact_link(std::string_view text) {
  auto link = parse_contact_link(text);
  if (!link.ok()) return fail(ClientError{ClientErrorKind::kInvalidArgument, to_string(link.error())});
  const ServerAddress& ours = account_.server().address;
  if (link->server.host != ours.host || link->server.port != ours.port) {
    return fail(ClientError{ClientErrorKind::kInvalidArgument, "other_server"});
  }
  if (link->username == account_.username()) return fail(ClientError{ClientErrorKind::kInvalidArgument, "own_link"});
  ClientStore& store = account_.store();
  {
    auto transaction = store.transaction();
    (void)detail::touch_contact(transaction, link->username, account_.now_ms());
    auto known = detail::device_identities(transaction, store, link->username);
    if (!known.ok()) return fail(ClientError::store(known.error()));
    if (known->empty()) {
      // Checked when the first session is built (sending) or opened (receiving).
      (void)detail::set_link_fingerprint(transaction, link->username, link->identity_fingerprint);
    } else {
      const bool all_match = std::all_of(known->begin(), known->end(), [&](const auto& device) {
        return detail::fingerprint_matches(link->identity_fingerprint, device.second);
      });
      if (!all_match) return fail(ClientError{ClientErrorKind::kUntrustedIdentity, "identity_mismatch"});
      (void)detail::set_verified(transaction, link->username, *known);
    }
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  }
  auto all = contacts();
  if (!all.ok()) return fail(all.error());
  for (Contact& contact : *all) {
    if (contact.name == link->username) return std::move(contact);
  }
  return fail(ClientError{ClientErrorKind::kStore, "not_found"});
}

Result<std::string, ClientError> Messenger::own_contact_link() {
  auto transaction = account_.store().transaction();
  const protocol::IdentityKey ours = account_.store().identities().identity_key_pair().public_key;
  (void)transaction.commit();
  ContactLink link;
  link.server = account_.server().address;
  link.username = account_.username();
  link.identity_fingerprint = identity_fingerprint(ours);
  return format_contact_link(link);
}

Result<void, ClientError> Messenger::ensure_identities(const std::string& peer) {
  ClientStore& store = account_.store();
  {
    auto transaction = store.transaction();
    auto known = detail::device_identities(transaction, store, peer);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    if (!known.ok()) return fail(ClientError::store(known.error()));
    if (!known->empty()) return {};
  }
  if (!account_.connected()) return fail(ClientError::not_connected());
  return fetch_sessions(peer, 0);
}

Result<SafetyNumber, ClientError> Messenger::safety_number(const std::string& peer) {
  HUSH_TRY(ensure_identities(peer));
  ClientStore& store = account_.store();
  auto transaction = store.transaction();
  auto known = detail::device_identities(transaction, store, peer);
  const protocol::IdentityKey ours = store.identities().identity_key_pair().public_key;
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  if (!known.ok()) return fail(ClientError::store(known.error()));
  if (known->empty()) return fail(ClientError::server("unknown_account"));
  // The first device's identity: every device of an account shares it once devices are linked.
  const protocol::Fingerprint fingerprint =
      protocol::make_fingerprint(account_.username(), ours, peer, known->front().second);
  return SafetyNumber{protocol::format_safety_number(fingerprint.display), fingerprint.scannable};
}

Result<std::vector<Message>, ClientError> Messenger::mark_verified(const std::string& peer) {
  HUSH_TRY(ensure_identities(peer));
  auto pending = trust_identity(peer);
  if (!pending.ok()) return fail(pending.error());
  ClientStore& store = account_.store();
  auto transaction = store.transaction();
  auto known = detail::device_identities(transaction, store, peer);
  if (!known.ok()) return fail(ClientError::store(known.error()));
  if (known->empty()) return fail(ClientError::server("unknown_account"));
  (void)detail::touch_contact(transaction, peer, account_.now_ms());
  (void)detail::set_verified(transaction, peer, *known);
  (void)detail::set_link_fingerprint(transaction, peer, std::nullopt);
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  return std::move(*pending);
}

Result<std::vector<Message>, ClientError> Messenger::trust_identity(const std::string& peer) {
  ClientStore& store = account_.store();
  bool had_changes = false;
  {
    auto transaction = store.transaction();
    auto changes = detail::identity_changes(transaction, peer);
    if (!changes.ok()) return fail(ClientError::store(changes.error()));
    had_changes = !changes->empty();
    for (const auto& [device, key] : *changes) {
      // The new key replaces the old; the old session goes with it (a new one is built from the
      // next bundle or the held PreKeySignalMessage).
      store.identities().save_identity(protocol::ProtocolAddress{peer, device}, key);
      (void)detail::delete_session(transaction, peer, device);
    }
    (void)detail::clear_identity_changes(transaction, peer);
    if (had_changes) (void)detail::set_verified(transaction, peer, std::nullopt);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  }
  std::vector<Message> released;
  std::vector<detail::HeldEnvelope> held;
  {
    auto transaction = store.transaction();
    auto found = detail::held_envelopes(transaction, peer);
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
    if (!found.ok()) return fail(ClientError::store(found.error()));
    held = std::move(*found);
  }
  for (const detail::HeldEnvelope& envelope : held) {
    auto events = open_envelope(envelope, false);
    if (!events.ok()) return fail(events.error());
    for (Message& event : *events) released.push_back(std::move(event));
  }
  if (had_changes && account_.connected()) HUSH_TRY(flush_outbox());
  return released;
}

}  // namespace hush::client
