// One load target behind one shape: hushd (TLS WebSocket, api.proto), Mosquitto (MQTT 3.1.1,
// QoS 1) or Prosody (XMPP one-to-one chat). The load generator (load_main.cpp) owns pacing and
// measurement; a driver owns only its protocol: logging devices in, sending one payload from one
// device to another, and reporting each payload when the recipient device has it.
//
// Threading: a driver runs on one io_context, driven by one thread; every call into it and every
// callback out of it happens on that thread. The generator runs several drivers (one per thread),
// each with its own slice of the devices, all talking to the same server.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hush::bench {

// Where the server listens and which devices this driver owns. Device numbers are global
// (0 .. total_devices-1); this driver logs in `first_device .. first_device+device_count-1` and may
// send to any device, including ones owned by another driver.
struct DriverConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  // hushd only: several nodes of one deployment; device d logs in to
  // ports[d * ports.size() / total_devices]. Empty: `port`.
  std::vector<std::uint16_t> ports;
  std::size_t total_devices = 0;
  std::size_t first_device = 0;
  std::size_t device_count = 0;
  // hushd only: the server's certificate (PEM) to trust.
  std::string certificate_pem;
  // Names accounts and client ids so that runs against one data folder do not collide.
  std::string run_tag = "r";
};

class Driver {
 public:
  virtual ~Driver() = default;

  // Connects and logs in (registers first where the protocol needs it) every owned device, at most
  // `parallel` handshakes at a time; then calls `ready("")`, or `ready(error)` on the first failure.
  virtual void start(std::function<void(const std::string& error)> ready, std::size_t parallel) = 0;

  // Owned device `from` sends `payload` to device `to`. Never blocks; the payload is copied.
  virtual void send(std::size_t from, std::size_t to, std::span<const std::uint8_t> payload) = 0;

  // Closes every connection politely. After it, no callback is made.
  virtual void stop() = 0;

  // Called on this driver's thread when owned device `to` has received a payload (and, where the
  // protocol has one, sent its acknowledgement).
  std::function<void(std::size_t to, std::span<const std::uint8_t> payload)> on_delivered;
  // Called on a failure after start (a connection lost, a refused send). The run is then invalid.
  std::function<void(const std::string& error)> on_error;

 protected:
  // The bookkeeping every driver shares: start() hands `ready` to begin(); the first failure goes
  // to `ready` while logging in and to on_error after; once stop()ped, nothing is reported.
  void begin(std::function<void(const std::string& error)> ready) { ready_ = std::move(ready); }
  void report_ready() {
    if (!ready_) return;
    auto ready = std::move(ready_);
    ready_ = nullptr;
    ready("");
  }
  void report_failure(const std::string& what) {
    if (stopped_ || failed_) return;
    failed_ = true;
    if (ready_) {
      auto ready = std::move(ready_);
      ready_ = nullptr;
      ready(what);
    } else if (on_error) {
      on_error(what);
    }
  }
  bool logging_in() const { return static_cast<bool>(ready_); }

  bool stopped_ = false;
  bool failed_ = false;

 private:
  std::function<void(const std::string& error)> ready_;
};

std::unique_ptr<Driver> make_hushd_driver(boost::asio::io_context& io, const DriverConfig& config);
std::unique_ptr<Driver> make_mqtt_driver(boost::asio::io_context& io, const DriverConfig& config);
std::unique_ptr<Driver> make_xmpp_driver(boost::asio::io_context& io, const DriverConfig& config);

}  // namespace hush::bench
