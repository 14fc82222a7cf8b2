// Internal to the PostgreSQL backend: the WakeSource (wakes.hpp). A dedicated connection LISTENs on
// the wake channel and one thread poll()s its socket and an eventfd (for stop()), parses each
// payload (wake_payload.hpp) and hands the wakes to the listener. On losing the connection it
// reconnects with backoff and then delivers one kResync.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "hush/storage/wakes.hpp"
#include "pg.hpp"

namespace hush::storage::postgres {

// First wait before reconnecting the listening connection, doubled after each failure up to the
// maximum: quick after a server restart, without hammering a server that stays down.
inline constexpr std::chrono::milliseconds kFirstReconnectDelay{100};
inline constexpr std::chrono::milliseconds kMaxReconnectDelay{5000};

class PostgresWakes final : public WakeSource {
 public:
  PostgresWakes(ConnectSettings settings, std::string channel)
      : settings_(std::move(settings)), channel_(std::move(channel)) {}
  ~PostgresWakes() override { stop(); }
  PostgresWakes(const PostgresWakes&) = delete;
  PostgresWakes& operator=(const PostgresWakes&) = delete;

  Result<void, StorageError> start(Listener listener) override;
  void stop() override;

  // Payloads received on the channel that were not wakes of this format (ignored).
  std::uint64_t ignored_payloads() const { return ignored_payloads_.load(); }

 private:
  // A connection LISTENing on the channel, or nullptr.
  ConnectionHandle listen() const;
  // The thread: until stop(), delivers wakes and keeps the connection up.
  void run();
  // Waits `delay` or until stop(); false when stopped.
  bool wait_unless_stopped(std::chrono::milliseconds delay) const;
  // Reads what arrived on the connection and delivers its wakes; false when the connection broke.
  bool receive();

  const ConnectSettings settings_;
  const std::string channel_;
  Listener listener_;
  ConnectionHandle connection_;  // used by the thread only while it runs
  int stop_event_ = -1;          // eventfd: readable once stop() was called
  std::thread thread_;
  std::atomic<std::uint64_t> ignored_payloads_{0};
};

}  // namespace hush::storage::postgres
