// FakeServer over synchronous Beast on one thread. Stopping shuts the listening and the current
// sockets down, which ends the blocking calls of that thread.
#include "fake_server.hpp"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "hush/crypto/tls_identity.hpp"
#include "hush/wire/frame_codec.hpp"

namespace hush::client::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;

struct FakeServer::Impl {
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  tcp::acceptor acceptor{io};
  std::string certificate_pem;
  crypto::Sha256Digest fingerprint{};
  std::optional<std::string> current_sni;  // written by the servername callback, on the thread

  mutable std::mutex mutex;
  std::vector<Seen> seen;
  int current_socket = -1;
  bool stopping = false;
  std::atomic<bool> silent{false};
  std::atomic<std::size_t> requests{0};
  std::thread thread;

  static int on_server_name(SSL* ssl, int*, void* arg) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    static_cast<Impl*>(arg)->current_sni = name == nullptr ? std::nullopt : std::optional<std::string>(name);
    return SSL_TLSEXT_ERR_OK;
  }

  void serve() {
    for (;;) {
      tcp::socket socket(io);
      boost::system::error_code ec;
      acceptor.accept(socket, ec);
      if (ec) return;
      {
        std::lock_guard lock(mutex);
        if (stopping) return;
        current_socket = socket.native_handle();
      }
      serve_one(std::move(socket));
      std::lock_guard lock(mutex);
      current_socket = -1;
    }
  }

  void serve_one(tcp::socket socket) {
    websocket::stream<asio::ssl::stream<tcp::socket>> ws(std::move(socket), tls);
    boost::system::error_code ec;
    current_sni.reset();
    ws.next_layer().handshake(asio::ssl::stream_base::server, ec);
    if (ec) return;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::read(ws.next_layer(), buffer, request, ec);
    if (ec) return;
    {
      std::lock_guard lock(mutex);
      seen.push_back({current_sni, std::string(request[http::field::host])});
    }
    ws.accept(request, ec);
    if (ec) return;
    ws.binary(true);
    wire::api::Frame challenge;
    challenge.mutable_push()->mutable_challenge()->set_nonce(std::string(32, 'n'));
    if (!send(ws, challenge)) return;
    for (;;) {
      beast::flat_buffer message;
      ws.read(message, ec);
      if (ec) return;
      const auto data = message.cdata();
      auto frame = wire::decode_frame(ByteView(static_cast<const std::uint8_t*>(data.data()), data.size()));
      if (!frame.ok() || !frame->has_request()) return;
      ++requests;
      if (silent) continue;
      wire::api::Frame response;
      response.mutable_response()->set_id(frame->request().id());
      response.mutable_response()->mutable_status()->set_code(wire::api::Status::OK);
      if (!send(ws, response)) return;
    }
  }

  template <class Stream>
  static bool send(Stream& ws, const wire::api::Frame& frame) {
    auto encoded = wire::encode_frame(frame);
    if (!encoded.ok()) return false;
    boost::system::error_code ec;
    ws.write(asio::buffer(encoded->data(), encoded->size()), ec);
    return !ec;
  }
};

FakeServer::FakeServer() : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  auto identity = crypto::generate_self_signed_tls_identity("fake-hushd", {"localhost"}, {"127.0.0.1"}, 1);
  if (!identity.ok()) throw std::runtime_error("no test certificate");
  s.certificate_pem = identity->certificate_pem;
  auto fingerprint = crypto::certificate_fingerprint(s.certificate_pem);
  if (!fingerprint.ok()) throw std::runtime_error("no test fingerprint");
  s.fingerprint = *fingerprint;
  s.tls.use_certificate_chain(asio::buffer(identity->certificate_pem));
  s.tls.use_private_key(asio::buffer(identity->private_key_pem), asio::ssl::context::pem);
  SSL_CTX_set_tlsext_servername_callback(s.tls.native_handle(), &Impl::on_server_name);
  SSL_CTX_set_tlsext_servername_arg(s.tls.native_handle(), &s);
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  s.acceptor.open(endpoint.protocol());
  s.acceptor.bind(endpoint);
  s.acceptor.listen();
  s.thread = std::thread([&s] { s.serve(); });
}

FakeServer::~FakeServer() {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mutex);
    s.stopping = true;
    ::shutdown(s.acceptor.native_handle(), SHUT_RDWR);
    if (s.current_socket >= 0) ::shutdown(s.current_socket, SHUT_RDWR);
  }
  s.thread.join();
}

std::uint16_t FakeServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

const crypto::Sha256Digest& FakeServer::fingerprint() const {
  return impl_->fingerprint;
}

const std::string& FakeServer::certificate_pem() const {
  return impl_->certificate_pem;
}

std::vector<FakeServer::Seen> FakeServer::seen() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->seen;
}

void FakeServer::set_silent(bool silent) {
  impl_->silent = silent;
}

std::size_t FakeServer::requests() const {
  return impl_->requests;
}

}  // namespace hush::client::test
