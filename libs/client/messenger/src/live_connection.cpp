// LiveConnection: online or offline with the next attempt's time; poll() does one step.
#include "hush/client/messenger/live_connection.hpp"

namespace hush::client {

namespace {

// Errors after which connecting again is the cure: the connection itself, or a store write that
// failed (its envelope stays unacknowledged and comes again after the next login).
bool reconnect_cures(const ClientError& error) {
  return error.kind == ClientErrorKind::kTransport || error.kind == ClientErrorKind::kStore;
}

}  // namespace

LiveConnection::LiveConnection(Messenger& messenger, ReconnectBackoff backoff,
                               std::function<void(const LiveEvent&)> on_event)
    : messenger_(messenger),
      backoff_(std::move(backoff)),
      on_event_(std::move(on_event)),
      online_(messenger.account().connected()) {}

std::chrono::milliseconds LiveConnection::until_next_attempt() const {
  if (online_) return std::chrono::milliseconds{0};
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(next_attempt_ - Clock::now());
  return std::max(left, std::chrono::milliseconds{0});
}

void LiveConnection::go_offline(LiveEvent::Kind kind, const ClientError& error) {
  online_ = false;
  messenger_.account().disconnect();
  const auto delay = backoff_.next();
  next_attempt_ = Clock::now() + delay;
  if (on_event_) on_event_(LiveEvent{kind, error, delay});
}

void LiveConnection::lost(const ClientError& error) {
  if (online_) go_offline(LiveEvent::Kind::kLost, error);
}

Result<std::vector<Message>, ClientError> LiveConnection::poll(std::chrono::milliseconds idle,
                                                               const ReceiveOptions& options) {
  if (!online_) {
    if (Clock::now() < next_attempt_) return std::vector<Message>{};
    messenger_.account().disconnect();
    auto connected = messenger_.connect();
    if (!connected.ok()) {
      if (!reconnect_cures(connected.error())) return fail(connected.error());
      go_offline(LiveEvent::Kind::kConnectFailed, connected.error());
      return std::vector<Message>{};
    }
    online_ = true;
    backoff_.reset();
    if (on_event_) on_event_(LiveEvent{LiveEvent::Kind::kConnected, {}, {}});
  }
  auto received = messenger_.receive(idle, options);
  if (received.ok()) return received;
  if (!reconnect_cures(received.error())) return fail(received.error());
  go_offline(LiveEvent::Kind::kLost, received.error());
  return std::vector<Message>{};
}

}  // namespace hush::client
