// One logical connection kept alive over as many transport connections as it takes (issue 5):
// connect (through the account's endpoints, with failover), receive, and when the connection is
// lost or stalls (the transport's heartbeat detects a connection that never errors), wait a
// jittered exponential backoff and connect again; every reconnection logs in and flushes the
// outbox, so unacknowledged messages go out again with their ids. `hush receive --follow`, the
// daemon and bots run on it. Owns the online state and the timing of attempts; not sleeping (the
// caller's loop, so it can also watch signals and sockets) nor what to do with messages.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include "hush/base/result.hpp"
#include "hush/client/endpoints/reconnect_backoff.hpp"
#include "hush/client/messenger/messenger.hpp"

namespace hush::client {

// What happened to the connection, for a log line or a status indicator.
struct LiveEvent {
  enum class Kind {
    kConnected,      // logged in (and the outbox flushed)
    kConnectFailed,  // no endpoint worked (account.last_connect_report() says how each failed)
    kLost,           // the connection failed, stalled or the store refused a write: offline now
  };
  Kind kind = Kind::kConnected;
  ClientError error;                     // with kConnectFailed and kLost
  std::chrono::milliseconds retry_in{};  // with kConnectFailed and kLost: the backoff before the next attempt
};

// Not thread-safe: one loop drives it, as it drives the messenger.
class LiveConnection {
 public:
  using Clock = std::chrono::steady_clock;

  // `messenger` must outlive this object. Online when its account is connected already (the
  // caller logged in with Messenger::connect()), otherwise offline with an attempt due at once.
  LiveConnection(Messenger& messenger, ReconnectBackoff backoff, std::function<void(const LiveEvent&)> on_event = {});

  bool online() const { return online_; }

  // Once: when offline and the next attempt is due, connects (Messenger::connect: log in, flush the
  // outbox). Then, when online, receives for up to `idle` and returns what arrived. A transport
  // failure or a store failure (an envelope the store could not take is sent again after the next
  // login) takes it offline, schedules the next attempt after the backoff and returns no message;
  // any other error (the server refused the login, an identity to trust) is returned as it is.
  // When offline and not yet due, returns at once with no message: wait until_next_attempt().
  Result<std::vector<Message>, ClientError> poll(std::chrono::milliseconds idle, const ReceiveOptions& options = {});

  // How long until the next attempt is due; zero when online or due.
  std::chrono::milliseconds until_next_attempt() const;

  // For a caller whose own request (a send) failed with a transport error: offline now, as if
  // poll() had seen it.
  void lost(const ClientError& error);

 private:
  void go_offline(LiveEvent::Kind kind, const ClientError& error);

  Messenger& messenger_;
  ReconnectBackoff backoff_;
  std::function<void(const LiveEvent&)> on_event_;
  bool online_ = false;
  Clock::time_point next_attempt_ = Clock::now();
};

}  // namespace hush::client
