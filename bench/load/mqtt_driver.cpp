// The Mosquitto driver: a minimal MQTT 3.1.1 client, one plain TCP connection per device. Device i
// connects as `<tag>-d<i>` with clean_session = 0 (a persistent session: the broker stores what
// arrives while the device is away, as a store-and-forward messenger does) and subscribes to
// `<tag>/d/<i>` at QoS 1; send() publishes at QoS 1 to `<tag>/d/<to>`. A received PUBLISH is acknowledged
// (PUBACK queued) and then reported. Not owned here: TLS, QoS 2, reconnection, retained messages.
#include <algorithm>
#include <boost/asio.hpp>
#include <cctype>
#include <chrono>
#include <cstring>
#include <vector>

#include "coalescing_writer.hpp"
#include "driver.hpp"

namespace hush::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// The largest packet accepted from the broker. Payloads in a run are a few hundred bytes; 1 MiB
// leaves room for any payload the generator may be asked for while bounding a connection's buffer.
constexpr std::size_t kMaxPacketBytes = 1 << 20;
constexpr std::size_t kReadChunk = 16 * 1024;
// MQTT keep-alive (MQTT-3.1.2-24: the broker drops a client silent for 1.5 times this). The driver
// sends PINGREQ on a connection that has sent nothing for kIdleBeforePing.
constexpr std::uint16_t kKeepAliveSeconds = 60;
constexpr auto kIdleBeforePing = std::chrono::seconds(30);
constexpr auto kPingCheckEvery = std::chrono::seconds(10);
// Packet identifiers are 16 bits and non-zero (MQTT-2.3.1-1): at most this many QoS 1 publishes
// may await their PUBACK on one connection.
constexpr std::size_t kMaxUnacknowledged = 65535;

// MQTT 3.1.1 control packet types (section 2.2.1), in the high nibble of the first byte.
enum PacketType : std::uint8_t {
  kConnect = 1,
  kConnack = 2,
  kPublish = 3,
  kPuback = 4,
  kSubscribe = 8,
  kSuback = 9,
  kPingreq = 12,
  kPingresp = 13,
  kDisconnect = 14,
};

void put_u16(std::vector<std::uint8_t>& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xff));
}

void put_string(std::vector<std::uint8_t>& out, std::string_view text) {
  put_u16(out, text.size());
  out.insert(out.end(), text.begin(), text.end());
}

// Fixed header (section 2.2): type and flags, then the remaining length in 1-4 bytes of 7 bits.
void put_fixed_header(std::vector<std::uint8_t>& out, std::uint8_t type_and_flags, std::size_t remaining) {
  out.push_back(type_and_flags);
  do {
    std::uint8_t digit = remaining % 128;
    remaining /= 128;
    if (remaining > 0) digit |= 0x80;
    out.push_back(digit);
  } while (remaining > 0);
}

class MqttDriver final : public Driver {
 public:
  MqttDriver(asio::io_context& io, const DriverConfig& config) : io_(io), config_(config), ping_timer_(io) {}
  ~MqttDriver() override { stop(); }

  void start(std::function<void(const std::string&)> ready, std::size_t parallel) override {
    begin(std::move(ready));
    // The tag is part of client ids and topic names: no wildcards (+ #), separators or spaces.
    const bool tag_ok = !config_.run_tag.empty() && config_.run_tag.size() <= 64 &&
                        std::all_of(config_.run_tag.begin(), config_.run_tag.end(), [](char c) {
                          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
                        });
    if (!tag_ok) return report_failure("mqtt: run tag must be 1-64 of [A-Za-z0-9._-]");
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(config_.host, ec);
    if (ec) return report_failure("mqtt: host must be an IP address: " + config_.host);
    endpoint_ = tcp::endpoint(address, config_.port);
    devices_.reserve(config_.device_count);
    for (std::size_t i = 0; i < config_.device_count; ++i) {
      devices_.push_back(std::make_unique<Device>(io_, config_.first_device + i));
    }
    if (devices_.empty()) return finish_start();
    for (std::size_t i = 0; i < std::max<std::size_t>(1, std::min(parallel, devices_.size())); ++i) connect_next();
  }

  void send(std::size_t from, std::size_t to, std::span<const std::uint8_t> payload) override {
    if (stopped_) return;
    if (from < config_.first_device || from - config_.first_device >= devices_.size()) {
      return report_failure("mqtt: device " + std::to_string(from) + " is not owned by this driver");
    }
    Device& device = *devices_[from - config_.first_device];
    if (!device.connected)
      return report_failure("mqtt: device " + std::to_string(from) + " sends before it is logged in");
    if (device.unacknowledged == kMaxUnacknowledged) {
      return report_failure("mqtt: device " + std::to_string(from) + " has 65535 publishes awaiting PUBACK");
    }
    ++device.unacknowledged;
    const std::string topic = topic_of(to);
    // PUBLISH (3.3), QoS 1: topic name, packet identifier, payload.
    put_fixed_header(device.writer.pending, kPublish << 4 | 0x02, 2 + topic.size() + 2 + payload.size());
    put_string(device.writer.pending, topic);
    put_u16(device.writer.pending, next_packet_id(device));
    device.writer.pending.insert(device.writer.pending.end(), payload.begin(), payload.end());
    flush(device);
  }

  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    ping_timer_.cancel();
    for (auto& device : devices_) {
      boost::system::error_code ignored;
      // Politely, where it cannot interleave with a pending write: DISCONNECT (3.14) then close.
      if (device->connected && !device->writer.writing()) {
        const std::uint8_t disconnect[] = {kDisconnect << 4, 0};
        device->socket.write_some(asio::buffer(disconnect), ignored);
        device->socket.shutdown(tcp::socket::shutdown_both, ignored);
      }
      device->socket.close(ignored);
    }
  }

 private:
  struct Device {
    Device(asio::io_context& io, std::size_t index_in) : socket(io), index(index_in) {}
    tcp::socket socket;
    std::size_t index;
    // Bytes read but not yet parsed: in[0, in_used). Grows up to kMaxPacketBytes plus a header.
    std::vector<std::uint8_t> in;
    std::size_t in_used = 0;
    CoalescingWriter<std::vector<std::uint8_t>> writer;
    Clock::time_point last_write{};
    std::uint16_t last_packet_id = 0;
    std::size_t unacknowledged = 0;
    bool connected = false;   // CONNACK accepted: may send and receive
    bool subscribed = false;  // SUBACK granted QoS 1: logged in
  };

  // The run tag is part of the topic: a persistent session keeps its subscription after the run,
  // and a later run publishing to a shared `d/<i>` would also queue every message for it.
  std::string topic_of(std::size_t device) const { return config_.run_tag + "/d/" + std::to_string(device); }

  std::uint16_t next_packet_id(Device& device) {
    if (++device.last_packet_id == 0) device.last_packet_id = 1;
    return device.last_packet_id;
  }

  // The first failure of the run: to `ready` while logging in, to on_error after.
  void fail(Device& device, const std::string& what) {
    report_failure("mqtt device " + std::to_string(device.index) + ": " + what);
    boost::system::error_code ignored;
    device.socket.close(ignored);
  }

  void finish_start() {
    schedule_ping_check();
    report_ready();
  }

  void connect_next() {
    if (next_connect_ >= devices_.size() || stopped_ || failed_) return;
    Device& device = *devices_[next_connect_++];
    device.socket.async_connect(endpoint_, [this, &device](boost::system::error_code ec) {
      if (stopped_) return;
      if (ec) return fail(device, "connect: " + ec.message());
      device.socket.set_option(tcp::no_delay(true), ec);
      device.in.resize(kReadChunk);
      // CONNECT (3.1) and SUBSCRIBE (3.8) pipelined: a client need not wait for CONNACK (3.1.4).
      const std::string client_id = config_.run_tag + "-d" + std::to_string(device.index);
      put_fixed_header(device.writer.pending, kConnect << 4, 10 + 2 + client_id.size());
      put_string(device.writer.pending, "MQTT");
      device.writer.pending.push_back(4);     // protocol level 3.1.1
      device.writer.pending.push_back(0x00);  // connect flags: clean session 0, no will, no credentials
      put_u16(device.writer.pending, kKeepAliveSeconds);
      put_string(device.writer.pending, client_id);
      const std::string topic = topic_of(device.index);
      put_fixed_header(device.writer.pending, kSubscribe << 4 | 0x02, 2 + 2 + topic.size() + 1);
      put_u16(device.writer.pending, next_packet_id(device));
      put_string(device.writer.pending, topic);
      device.writer.pending.push_back(1);  // requested QoS
      flush(device);
      read(device);
    });
  }

  void flush(Device& device) {
    if (!device.writer.pending.empty()) device.last_write = Clock::now();  // queued: leaves now or next
    device.writer.flush(device.socket, stopped_, [this, &device](const std::string& what) { fail(device, what); });
  }

  void read(Device& device) {
    if (device.in.size() - device.in_used < kReadChunk / 4) device.in.resize(device.in_used + kReadChunk);
    device.socket.async_read_some(asio::buffer(device.in.data() + device.in_used, device.in.size() - device.in_used),
                                  [this, &device](boost::system::error_code ec, std::size_t n) {
                                    if (stopped_) return;
                                    if (ec) return fail(device, "read: " + ec.message());
                                    device.in_used += n;
                                    if (!parse(device)) return;
                                    read(device);
                                  });
  }

  // Handles every complete packet in the buffer and keeps the incomplete rest. False when the run
  // failed (or stopped) and the connection must not read again.
  bool parse(Device& device) {
    std::size_t at = 0;
    while (!stopped_ && !failed_) {
      const std::size_t available = device.in_used - at;
      if (available < 2) break;
      const std::uint8_t* p = device.in.data() + at;
      std::size_t remaining = 0;
      std::size_t header = 1;
      bool complete_length = false;
      for (std::size_t shift = 0; header < available && header <= 4; shift += 7) {
        const std::uint8_t digit = p[header++];
        remaining |= static_cast<std::size_t>(digit & 0x7f) << shift;
        if ((digit & 0x80) == 0) {
          complete_length = true;
          break;
        }
      }
      if (!complete_length) {
        if (header > 4) return fail(device, "malformed remaining length"), false;
        break;  // the length continues in bytes not yet read
      }
      if (remaining > kMaxPacketBytes) return fail(device, "packet over the size limit"), false;
      if (available - header < remaining) {
        // Incomplete: make room for the whole packet before reading again.
        if (device.in.size() < at + header + remaining) device.in.resize(at + header + remaining + kReadChunk);
        break;
      }
      if (!handle(device, p[0], std::span(p + header, remaining))) return false;
      at += header + remaining;
    }
    if (stopped_ || failed_) return false;
    std::memmove(device.in.data(), device.in.data() + at, device.in_used - at);
    device.in_used -= at;
    // A connection that once held a large packet gives the memory back.
    if (device.in_used == 0 && device.in.size() > 4 * kReadChunk) {
      device.in.resize(kReadChunk);
      device.in.shrink_to_fit();
    }
    return true;
  }

  bool handle(Device& device, std::uint8_t first, std::span<const std::uint8_t> body) {
    const auto type = static_cast<std::uint8_t>(first >> 4);
    const auto u16 = [&](std::size_t at) { return static_cast<std::size_t>(body[at] << 8 | body[at + 1]); };
    switch (type) {
      case kConnack:  // 3.2: flags, return code
        if (device.connected || body.size() != 2) return fail(device, "malformed CONNACK"), false;
        if (body[1] != 0) return fail(device, "CONNACK refused, code " + std::to_string(body[1])), false;
        device.connected = true;
        return true;
      case kSuback:  // 3.9: packet identifier, one granted QoS per topic filter
        if (!device.connected || device.subscribed || body.size() != 3) return fail(device, "unexpected SUBACK"), false;
        if (body[2] != 1) return fail(device, "subscription not granted at QoS 1"), false;
        device.subscribed = true;
        ++logged_in_;
        if (logged_in_ == devices_.size()) finish_start();
        connect_next();
        return true;
      case kPuback:  // 3.4: packet identifier
        if (body.size() != 2 || device.unacknowledged == 0) return fail(device, "unexpected PUBACK"), false;
        --device.unacknowledged;
        return true;
      case kPublish: {  // 3.3: topic name, packet identifier if QoS > 0, payload
        const unsigned qos = (first >> 1) & 0x03;
        // A resumed session (clean_session 0) may deliver what it stored before the SUBACK.
        if (!device.connected || qos > 1 || body.size() < 2 || body.size() < 2 + u16(0) + (qos ? 2 : 0)) {
          return fail(device, "malformed or unexpected PUBLISH"), false;
        }
        std::size_t at = 2 + u16(0);
        if (qos == 1) {
          const std::uint8_t puback[] = {kPuback << 4, 2, body[at], body[at + 1]};
          device.writer.pending.insert(device.writer.pending.end(), std::begin(puback), std::end(puback));
          flush(device);
          at += 2;
        }
        if (on_delivered) on_delivered(device.index, body.subspan(at));
        return true;
      }
      case kPingresp: return true;
      default: return fail(device, "unexpected packet type " + std::to_string(type)), false;
    }
  }

  // One timer for the driver: PINGREQ (3.12) on every connection idle for kIdleBeforePing.
  void schedule_ping_check() {
    ping_timer_.expires_after(kPingCheckEvery);
    ping_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || stopped_) return;
      const auto now = Clock::now();
      for (auto& device : devices_) {
        if (device->subscribed && !device->writer.writing() && now - device->last_write >= kIdleBeforePing) {
          device->writer.pending.push_back(kPingreq << 4);
          device->writer.pending.push_back(0);
          flush(*device);
        }
      }
      schedule_ping_check();
    });
  }

  asio::io_context& io_;
  DriverConfig config_;
  tcp::endpoint endpoint_;
  asio::steady_timer ping_timer_;
  std::vector<std::unique_ptr<Device>> devices_;
  std::size_t next_connect_ = 0;
  std::size_t logged_in_ = 0;
};

}  // namespace

std::unique_ptr<Driver> make_mqtt_driver(boost::asio::io_context& io, const DriverConfig& config) {
  return std::make_unique<MqttDriver>(io, config);
}

}  // namespace hush::bench
