// TestClient over Beast: asynchronous operations driven by io_context::run_for so that every
// wait has a deadline; a timed-out connection is closed and counts as closed.
#include "test_client.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <stdexcept>

#include "hush/wire/frame_codec.hpp"

namespace hush::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;

TestDevice::TestDevice(std::uint64_t seed)
    : rng(seed),
      identity(crypto::KeyPair::generate(rng)),
      auth(crypto::Ed25519KeyPair::generate(rng)),
      registration_id(1 + rng.uniform(16380)) {}

api::DeviceKeys TestDevice::keys(const std::string& name) const {
  api::DeviceKeys keys;
  keys.set_registration_id(registration_id);
  const auto identity_bytes = identity.public_key.serialize();
  keys.set_identity_key(std::string(identity_bytes.begin(), identity_bytes.end()));
  keys.set_auth_key(std::string(auth.public_key.begin(), auth.public_key.end()));
  keys.set_name(name);
  return keys;
}

std::string TestDevice::sign_challenge(const Bytes& nonce) const {
  const Bytes message = concat(as_bytes("hush-auth-v1"), nonce);
  const auto signature = crypto::ed25519_sign(auth, message);
  return std::string(signature.begin(), signature.end());
}

api::SignedPreKey TestDevice::signed_prekey(std::uint32_t id, bool corrupt) {
  const crypto::KeyPair pair = crypto::KeyPair::generate(rng);
  const auto public_bytes = pair.public_key.serialize();
  auto signature = crypto::sign(identity.private_key, public_bytes, rng);
  if (corrupt) signature[5] ^= 0x40;
  api::SignedPreKey key;
  key.set_id(id);
  key.set_public_key(std::string(public_bytes.begin(), public_bytes.end()));
  key.set_signature(std::string(signature.begin(), signature.end()));
  return key;
}

api::PreKey TestDevice::prekey(std::uint32_t id) {
  const auto public_bytes = crypto::KeyPair::generate(rng).public_key.serialize();
  api::PreKey key;
  key.set_id(id);
  key.set_public_key(std::string(public_bytes.begin(), public_bytes.end()));
  return key;
}

HttpReply https_get(std::uint16_t port, const std::string& certificate_pem, const std::string& target,
                    std::chrono::milliseconds timeout) {
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  tls.add_certificate_authority(asio::buffer(certificate_pem));
  tls.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<beast::tcp_stream> stream(io, tls);
  stream.set_verify_callback(asio::ssl::host_name_verification("localhost"));
  HttpReply reply;
  auto exchange = [&]() -> asio::awaitable<void> {
    constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
    beast::get_lowest_layer(stream).expires_after(timeout);
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    if (auto [ec] = co_await beast::get_lowest_layer(stream).async_connect(endpoint, tuple); ec) co_return;
    if (auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, tuple); ec) co_return;
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, "localhost");
    if (auto [ec, n] = co_await http::async_write(stream, request, tuple); ec) co_return;
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    if (auto [ec, n] = co_await http::async_read(stream, buffer, response, tuple); ec) co_return;
    reply.status = static_cast<int>(response.result_int());
    reply.body = response.body();
  };
  asio::co_spawn(io, exchange(), asio::detached);
  io.run_for(timeout + 1s);
  return reply;
}

struct TestClient::Impl {
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::optional<websocket::stream<asio::ssl::stream<beast::tcp_stream>>> ws;
  beast::flat_buffer buffer;

  // Runs `io` until `done` or the deadline; on timeout closes the socket and drains.
  bool run_until(bool& done, std::chrono::milliseconds timeout) {
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      io.run_one_for(deadline - std::chrono::steady_clock::now());
    }
    if (done) return true;
    beast::get_lowest_layer(*ws).close();
    io.restart();
    while (!done) io.run_one_for(1s);
    return false;
  }
};

TestClient::TestClient(std::uint16_t port, const std::string& certificate_pem) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.tls.add_certificate_authority(asio::buffer(certificate_pem));
  s.tls.set_verify_mode(asio::ssl::verify_peer);
  s.ws.emplace(s.io, s.tls);
  beast::get_lowest_layer(*s.ws).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  s.ws->next_layer().set_verify_callback(asio::ssl::host_name_verification("localhost"));
  s.ws->next_layer().handshake(asio::ssl::stream_base::client);
  s.ws->handshake("localhost", "/");
  s.ws->binary(true);
  s.ws->read_message_max(wire::kMaxFrameSize);
  auto first = read_frame(5s);
  if (!first || !first->has_push() || !first->push().has_challenge()) throw std::runtime_error("no challenge");
  const std::string& nonce = first->push().challenge().nonce();
  nonce_.assign(nonce.begin(), nonce.end());
}

TestClient::~TestClient() {
  drop();
}

void TestClient::drop() {
  if (!impl_->ws) return;
  beast::error_code ignored;
  beast::get_lowest_layer(*impl_->ws).socket().close(ignored);
  closed_ = true;
}

void TestClient::write(ByteView bytes) {
  if (closed_) return;
  beast::error_code ec;
  impl_->ws->write(asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec) closed_ = true;
}

void TestClient::send_raw(ByteView bytes) {
  write(bytes);
}

std::uint64_t TestClient::send(api::Request request) {
  const std::uint64_t id = next_id_++;
  request.set_id(id);
  api::Frame frame;
  *frame.mutable_request() = std::move(request);
  auto encoded = wire::encode_frame(frame);
  if (!encoded.ok()) throw std::runtime_error("request does not fit a frame");
  write(*encoded);
  return id;
}

std::optional<api::Frame> TestClient::read_frame(std::chrono::milliseconds timeout) {
  if (closed_) return std::nullopt;
  Impl& s = *impl_;
  s.buffer.clear();
  bool done = false;
  beast::error_code result;
  s.ws->async_read(s.buffer, [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!s.run_until(done, timeout) || result) {
    closed_ = true;
    return std::nullopt;
  }
  const auto data = s.buffer.cdata();
  auto frame = wire::decode_frame(ByteView(static_cast<const std::uint8_t*>(data.data()), data.size()));
  if (!frame.ok()) throw std::runtime_error("server sent an undecodable frame");
  if (frame->has_push() && frame->push().has_closing()) closing_reason_ = frame->push().closing().reason();
  return std::move(*frame);
}

std::optional<api::Response> TestClient::call(api::Request request, std::chrono::milliseconds timeout) {
  return wait_response(send(std::move(request)), timeout);
}

std::optional<api::Response> TestClient::wait_response(std::uint64_t id, std::chrono::milliseconds timeout) {
  if (auto it = responses_.find(id); it != responses_.end()) {
    api::Response response = std::move(it->second);
    responses_.erase(it);
    return response;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto frame =
        read_frame(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!frame) return std::nullopt;
    if (frame->has_response() && frame->response().id() == id) return frame->response();
    if (frame->has_response()) responses_[frame->response().id()] = frame->response();
    if (frame->has_push()) pushes_.push_back(frame->push());
  }
  return std::nullopt;
}

std::optional<api::Push> TestClient::next_push(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pushes_.empty()) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto frame = read_frame(left);
    if (!frame) return std::nullopt;
    if (frame->has_push()) pushes_.push_back(frame->push());
  }
  api::Push push = std::move(pushes_.front());
  pushes_.pop_front();
  return push;
}

std::string TestClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const api::Push& push : pushes_) {
    if (push.has_closing()) closing_reason_ = push.closing().reason();
  }
  while (!closed_ && std::chrono::steady_clock::now() < deadline) {
    read_frame(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
  }
  return closing_reason_;
}

api::Response TestClient::register_account(const std::string& username, const TestDevice& device,
                                           const std::string& invite) {
  api::Request request;
  auto* body = request.mutable_register_account();
  body->set_username(username);
  body->set_invite(invite);
  *body->mutable_device() = device.keys();
  body->set_challenge_signature(device.sign_challenge(nonce_));
  auto response = call(std::move(request));
  if (!response) throw std::runtime_error("no response to RegisterAccount");
  return *response;
}

api::Response TestClient::authenticate(const std::string& username, std::uint32_t device_id, const TestDevice& device) {
  api::Request request;
  auto* body = request.mutable_authenticate();
  body->set_username(username);
  body->set_device_id(device_id);
  body->set_challenge_signature(device.sign_challenge(nonce_));
  auto response = call(std::move(request));
  if (!response) throw std::runtime_error("no response to Authenticate");
  return *response;
}

}  // namespace hush::test
