// Messenger: text messages between accounts, over an Account's store and connection. Sending
// encrypts one Content per recipient device inside one store transaction (fetching bundles for
// devices without a session), commits, then sends; a STALE_DEVICES answer fixes the sessions and
// the send is retried once. Receiving decrypts each pushed envelope inside a store transaction,
// stores the message, commits, and only then acknowledges; duplicates (same sender, same message
// id) are acknowledged and dropped. Does not own yet: attachments, receipts, an outbox that
// survives a crash between commit and send, contacts and conversations.
//
// Not thread-safe; synchronous (see ServerConnection). The account must be logged in.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/client/account/account.hpp"

namespace hush::client {

// Largest text accepted by send_text, in bytes. Longer texts go as attachments (as Signal does
// above 2 KiB); 4 KiB keeps one envelope per device well inside a 64 KiB Send frame for accounts
// with up to a dozen devices.
inline constexpr std::size_t kMaxTextSize = 4096;

// One message as the store holds it. `body` is the text for kind "text"; for kind
// "undecryptable" it names the protocol error (the message could not be read; it is recorded, not
// lost); for kind "unsupported" it is empty (a content this version does not show).
struct Message {
  Bytes id;  // the sender-chosen message id (16 bytes)
  bool outgoing = false;
  std::string peer;                // the other account
  std::uint32_t peer_device = 0;   // the sender's device for incoming messages, 0 for outgoing
  std::uint64_t timestamp_ms = 0;  // the sender's clock
  std::string kind;
  std::string body;
};

class Messenger {
 public:
  // `account` must outlive the messenger.
  explicit Messenger(Account& account) : account_(account) {}

  // Sends `text` to every device of `recipient`; returns the message id once the server holds
  // every envelope durably. Errors: kInvalidArgument (empty or longer than kMaxTextSize, or a
  // recipient name longer than the store allows), kServer (e.g. "unknown_account", "no_keys"),
  // kUntrustedIdentity (a device's identity key changed), kProtocol, kStore, kTransport.
  Result<Bytes, ClientError> send_text(const std::string& recipient, std::string_view text);

  // Handles pushes until none arrives for `idle`: envelopes (stored, then acknowledged), keys_low
  // (refill), delivery failures (acknowledged). Returns the new incoming messages in arrival
  // order. Errors: kStore (the envelope was not acknowledged: it comes again), kTransport.
  Result<std::vector<Message>, ClientError> receive(std::chrono::milliseconds idle);

  // Every stored message exchanged with `peer`, oldest first.
  Result<std::vector<Message>, ClientError> history(const std::string& peer);

 private:
  Result<std::optional<Message>, ClientError> handle_envelope(const wire::api::Envelope& envelope);
  Result<void, ClientError> fetch_sessions(const std::string& recipient, std::uint32_t device_id);
  Result<void, ClientError> acknowledge(const wire::api::Acknowledge& acknowledge);

  Account& account_;
};

}  // namespace hush::client
