// Receiving: each pushed envelope is checked against stored message ids, decrypted, stored and
// committed in one store transaction, and acknowledged only after that commit. A message that
// cannot be decrypted is recorded as "undecryptable" (and acknowledged) rather than lost; a store
// failure acknowledges nothing, so the server delivers the envelope again.
#include <algorithm>

#include "hush/client/messenger/messenger.hpp"
#include "hush/client/store/limits.hpp"
#include "hush/protocol/session_cipher.hpp"
#include "hush/wire/content_codec.hpp"
#include "message_table.hpp"

namespace hush::client {

namespace api = wire::api;

Result<void, ClientError> Messenger::acknowledge(const api::Acknowledge& acknowledge) {
  api::Request request;
  *request.mutable_acknowledge() = acknowledge;
  auto response = account_.connection().call(std::move(request));
  if (!response.ok()) return fail(ClientError::transport(response.error()));
  if (response->status().code() != api::Status::OK) return fail(ClientError::server(response->status().reason()));
  return {};
}

Result<std::optional<Message>, ClientError> Messenger::handle_envelope(const api::Envelope& envelope) {
  api::Acknowledge ack;
  ack.add_sequences(envelope.sequence());
  const std::string& sender = envelope.sender();
  const Bytes id(envelope.message_id().begin(), envelope.message_id().end());
  // An envelope the store cannot even name is acknowledged and dropped: the server vouched for the
  // sender's name and the id's size, so only a broken server sends one.
  if (sender.empty() || sender.size() > kMaxAddressNameSize || id.size() != wire::kMessageIdSize ||
      envelope.sender_device() == 0) {
    HUSH_TRY(acknowledge(ack));
    return std::optional<Message>();
  }

  ClientStore& store = account_.store();
  std::optional<Message> received;
  {
    auto transaction = store.transaction();
    auto duplicate = detail::has_message(transaction, false, sender, id);
    if (!duplicate.ok()) return fail(ClientError::store(duplicate.error()));
    if (!*duplicate) {
      const protocol::ProtocolAddress address{sender, envelope.sender_device()};
      auto stores = store.protocol_stores();
      // The last-resort key is reusable: put it back if this message's session consumed it.
      std::optional<protocol::PreKeyRecord> last_resort;
      if (envelope.type() == static_cast<std::uint32_t>(protocol::MessageType::kPreKey)) {
        last_resort = store.prekeys().load_prekey(account_.last_resort_id());
      }
      Message message;
      message.id = id;
      message.peer = sender;
      message.peer_device = envelope.sender_device();
      message.timestamp_ms = envelope.server_time_ms();
      const bool known_type = envelope.type() == static_cast<std::uint32_t>(protocol::MessageType::kSignal) ||
                              envelope.type() == static_cast<std::uint32_t>(protocol::MessageType::kPreKey);
      auto plaintext =
          known_type
              ? protocol::decrypt(stores, address, static_cast<protocol::MessageType>(envelope.type()),
                                  as_bytes(envelope.content()))
              : Result<crypto::SecretBytes, protocol::ProtocolError>(fail(protocol::ProtocolError::kInvalidMessage));
      if (plaintext.ok()) {
        if (last_resort && !store.prekeys().load_prekey(last_resort->id)) store.prekeys().store_prekey(*last_resort);
        auto content = wire::decode_content(plaintext->view());
        const ByteView content_id = content.ok() ? as_bytes(content->message_id()) : ByteView();
        if (content.ok() && std::equal(id.begin(), id.end(), content_id.begin(), content_id.end())) {
          message.timestamp_ms = content->timestamp_ms();
          if (content->has_data() && !content->data().text().empty() && content->data().text().size() <= kMaxTextSize) {
            message.kind = "text";
            message.body = content->data().text();
          } else {
            message.kind = "unsupported";
          }
        } else {
          message.kind = "undecryptable";
          message.body = "invalid_content";
        }
      } else if (plaintext.error() == protocol::ProtocolError::kDuplicateMessage) {
        message.kind.clear();  // a replay of a message already read under another id: nothing new
      } else {
        message.kind = "undecryptable";
        message.body = protocol::to_string(plaintext.error());
      }
      if (!message.kind.empty()) {
        (void)detail::insert_message(transaction, message, account_.now_ms());
        received = std::move(message);
      }
    }
    if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  }
  // Durable: now the server may forget it.
  HUSH_TRY(acknowledge(ack));
  return received;
}

Result<std::vector<Message>, ClientError> Messenger::receive(std::chrono::milliseconds idle) {
  std::vector<Message> received;
  if (!account_.connected()) return fail(ClientError::transport(TransportError::kClosed));
  while (true) {
    auto push = account_.connection().next_push(idle);
    if (!push.ok()) {
      if (push.error() == TransportError::kTimeout) return received;
      return fail(ClientError::transport(push.error()));
    }
    if (push->has_envelope()) {
      auto message = handle_envelope(push->envelope());
      if (!message.ok()) return fail(message.error());
      if (*message) received.push_back(std::move(**message));
    } else if (push->has_delivery_failed()) {
      // Recording the failure against the outgoing message comes with message states; for now
      // the notice is acknowledged so that it is not pushed at every login.
      api::Acknowledge ack;
      ack.add_notices(push->delivery_failed().notice());
      HUSH_TRY(acknowledge(ack));
    } else {
      auto handled = account_.handle_push(*push);
      if (!handled.ok()) return fail(handled.error());
    }
  }
}

Result<std::vector<Message>, ClientError> Messenger::history(const std::string& peer) {
  auto transaction = account_.store().transaction();
  auto messages = detail::list_messages(transaction, peer);
  if (auto committed = transaction.commit(); !committed.ok()) return fail(ClientError::store(committed.error()));
  if (!messages.ok()) return fail(ClientError::store(messages.error()));
  return std::move(*messages);
}

}  // namespace hush::client
