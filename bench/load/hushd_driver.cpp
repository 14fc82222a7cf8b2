// The hushd driver: one TLS WebSocket per device speaking api.proto exactly as a client does.
// Each device registers a fresh account (`<tag>u<index>`, device 1) on its own connection, which
// leaves that connection logged in. send() is a Send request with one 200-byte-class envelope for
// device 1 of the recipient; a pushed Envelope is acknowledged (one Acknowledge per envelope, as a
// client does after its durable write) and then reported. The content is opaque to the server,
// so the driver does not encrypt it.
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <vector>

#include "driver.hpp"
#include "hush/crypto/curve25519.hpp"
#include "hush/crypto/ed25519.hpp"
#include "hush/crypto/random.hpp"
#include "hush/wire/frame_codec.hpp"

namespace hush::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace api = wire::api;
using tcp = asio::ip::tcp;

// Registration ids are a function of the device number, so a sender knows its recipient's.
std::uint32_t registration_id(std::size_t device) {
  return 1 + static_cast<std::uint32_t>(device % 16000);
}

class HushdDriver final : public Driver {
 public:
  HushdDriver(asio::io_context& io, const DriverConfig& config) : io_(io), config_(config) {
    tls_.add_certificate_authority(asio::buffer(config.certificate_pem));
    tls_.set_verify_mode(asio::ssl::verify_peer);
    // Small idle connections: OpenSSL frees its record buffers between reads and writes.
    SSL_CTX_set_mode(tls_.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  }

  void start(std::function<void(const std::string&)> ready, std::size_t parallel) override {
    begin(std::move(ready));
    devices_.reserve(config_.device_count);
    for (std::size_t i = 0; i < config_.device_count; ++i) {
      devices_.push_back(std::make_unique<Device>(io_, tls_, config_.first_device + i));
    }
    for (std::size_t i = 0; i < std::min(parallel, devices_.size()); ++i) connect_next();
    if (devices_.empty()) report_ready();
  }

  void send(std::size_t from, std::size_t to, std::span<const std::uint8_t> payload) override {
    Device& device = *devices_.at(from - config_.first_device);
    api::Frame frame;
    api::Request& request = *frame.mutable_request();
    request.set_id(device.next_request++);
    api::Send& send = *request.mutable_send();
    send.set_recipient(username(to));
    std::array<std::uint8_t, 16> id{};
    const std::uint64_t sequence = device.next_message++;
    const std::uint64_t sender = from;
    std::memcpy(id.data(), &sender, 8);
    std::memcpy(id.data() + 8, &sequence, 8);
    send.set_message_id(id.data(), id.size());
    api::OutgoingEnvelope& envelope = *send.add_envelopes();
    envelope.set_device_id(1);
    envelope.set_registration_id(registration_id(to));
    envelope.set_type(2);
    envelope.set_content(payload.data(), payload.size());
    write(device, frame);
  }

  void stop() override {
    stopped_ = true;
    for (auto& device : devices_) {
      beast::error_code ignored;
      device->ws.next_layer().next_layer().close(ignored);
    }
  }

 private:
  struct Device {
    Device(asio::io_context& io, asio::ssl::context& tls, std::size_t index_in)
        : ws(io, tls), index(index_in), rng(0x9e3779b97f4a7c15ULL ^ index_in) {}
    websocket::stream<asio::ssl::stream<tcp::socket>> ws;
    beast::flat_buffer in;
    std::deque<std::vector<std::uint8_t>> out;
    bool writing = false;
    std::size_t index;
    crypto::SeededRng rng;
    std::uint64_t next_request = 1;
    std::uint64_t next_message = 1;
    bool logged_in = false;
  };

  std::string username(std::size_t device) const { return config_.run_tag + "u" + std::to_string(device); }

  void fail(const std::string& what) { report_failure(what); }

  void connect_next() {
    if (next_connect_ >= devices_.size()) return;
    Device& device = *devices_[next_connect_++];
    const std::uint16_t port = config_.ports.empty()
                                   ? config_.port
                                   : config_.ports[device.index * config_.ports.size() / config_.total_devices];
    const tcp::endpoint endpoint(asio::ip::make_address(config_.host), port);
    device.ws.next_layer().next_layer().async_connect(endpoint, [this, &device](beast::error_code ec) {
      if (ec) return fail("connect: " + ec.message());
      device.ws.next_layer().next_layer().set_option(tcp::no_delay(true));
      device.ws.next_layer().async_handshake(asio::ssl::stream_base::client, [this, &device](beast::error_code tls_ec) {
        if (tls_ec) return fail("tls: " + tls_ec.message());
        device.ws.binary(true);
        device.ws.read_message_max(wire::kMaxFrameSize);
        device.ws.async_handshake(config_.host, "/", [this, &device](beast::error_code ws_ec) {
          if (ws_ec) return fail("websocket: " + ws_ec.message());
          read(device);
        });
      });
    });
  }

  void read(Device& device) {
    device.ws.async_read(device.in, [this, &device](beast::error_code ec, std::size_t) {
      if (ec) return fail("device " + std::to_string(device.index) + " read: " + ec.message());
      const auto data = device.in.cdata();
      auto frame = wire::decode_frame(ByteView(static_cast<const std::uint8_t*>(data.data()), data.size()));
      device.in.consume(device.in.size());
      if (!frame.ok()) return fail("undecodable frame from the server");
      if (!handle(device, *frame)) return;
      read(device);
    });
  }

  // False when the run failed.
  bool handle(Device& device, const api::Frame& frame) {
    if (frame.has_push()) {
      const api::Push& push = frame.push();
      if (push.has_challenge()) return register_device(device, push.challenge().nonce());
      if (push.has_envelope()) {
        api::Frame ack;
        api::Request& request = *ack.mutable_request();
        request.set_id(device.next_request++);
        request.mutable_acknowledge()->add_sequences(push.envelope().sequence());
        write(device, ack);
        const std::string& content = push.envelope().content();
        if (on_delivered && !stopped_) {
          on_delivered(device.index, std::span(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()));
        }
        return true;
      }
      if (push.has_closing()) {
        fail("server closed device " + std::to_string(device.index) + ": " + push.closing().reason());
        return false;
      }
      return true;  // queue_empty, keys_low
    }
    if (frame.has_response()) {
      const api::Response& response = frame.response();
      if (response.status().code() != api::Status::OK) {
        fail("device " + std::to_string(device.index) + " request refused: " + response.status().reason() + " " +
             response.status().limit());
        return false;
      }
      if (response.has_registered() && !device.logged_in) {
        if (response.registered().device_id() != 1) {
          fail("expected device 1 for a fresh account");
          return false;
        }
        device.logged_in = true;
        ++logged_in_;
        connect_next();
        if (logged_in_ == devices_.size()) report_ready();
      }
      return true;
    }
    fail("unexpected frame");
    return false;
  }

  bool register_device(Device& device, const std::string& nonce) {
    const crypto::KeyPair identity = crypto::KeyPair::generate(device.rng);
    const crypto::Ed25519KeyPair auth = crypto::Ed25519KeyPair::generate(device.rng);
    api::Frame frame;
    api::Request& request = *frame.mutable_request();
    request.set_id(device.next_request++);
    api::RegisterAccount& registration = *request.mutable_register_account();
    registration.set_username(username(device.index));
    api::DeviceKeys& keys = *registration.mutable_device();
    keys.set_registration_id(registration_id(device.index));
    const auto identity_bytes = identity.public_key.serialize();
    keys.set_identity_key(identity_bytes.data(), identity_bytes.size());
    keys.set_auth_key(auth.public_key.data(), auth.public_key.size());
    keys.set_name("load");
    const Bytes message = concat(as_bytes("hush-auth-v1"), as_bytes(nonce));
    const auto signature = crypto::ed25519_sign(auth, message);
    registration.set_challenge_signature(signature.data(), signature.size());
    write(device, frame);
    return true;
  }

  void write(Device& device, const api::Frame& frame) {
    auto encoded = wire::encode_frame(frame);
    if (!encoded.ok()) return fail("frame does not encode");
    device.out.emplace_back(encoded->begin(), encoded->end());
    if (!device.writing) write_next(device);
  }

  void write_next(Device& device) {
    if (device.out.empty()) {
      device.writing = false;
      return;
    }
    device.writing = true;
    const auto& bytes = device.out.front();
    device.ws.async_write(asio::buffer(bytes), [this, &device](beast::error_code ec, std::size_t) {
      if (ec) return fail("device " + std::to_string(device.index) + " write: " + ec.message());
      device.out.pop_front();
      write_next(device);
    });
  }

  asio::io_context& io_;
  DriverConfig config_;
  asio::ssl::context tls_{asio::ssl::context::tls_client};
  std::vector<std::unique_ptr<Device>> devices_;
  std::size_t next_connect_ = 0;
  std::size_t logged_in_ = 0;
};

}  // namespace

std::unique_ptr<Driver> make_hushd_driver(boost::asio::io_context& io, const DriverConfig& config) {
  return std::make_unique<HushdDriver>(io, config);
}

}  // namespace hush::bench
