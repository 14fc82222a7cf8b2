// ServerConnection over Boost.Beast: TCP (to the server or to a proxy, whose handshake runs on the
// same socket: proxy_handshake.cpp), TLS (pinned fingerprint or CA file) and WebSocket on one
// io_context driven by the caller's thread with a deadline per wait. The route (addresses, SNI,
// Host) comes checked from route.cpp. One read is kept pending between calls (a timed-out wait
// leaves it pending, so nothing is cancelled half-way through a frame); writes complete within
// their deadline or close the connection.
#include "hush/client/transport/server_connection.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "connect_failure_internal.hpp"
#include "hush/crypto/secret.hpp"
#include "hush/wire/frame_codec.hpp"
#include "proxy_handshake.hpp"
#include "route.hpp"

namespace hush::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace api = wire::api;
using Clock = std::chrono::steady_clock;

namespace {

// How long closing the socket may take to cancel what is pending before the loop is abandoned.
constexpr std::chrono::milliseconds kDrainTimeout{2000};

// SHA-256 of the DER encoding of `certificate`; nullopt when it cannot be encoded.
std::optional<crypto::Sha256Digest> certificate_fingerprint(X509* certificate) {
  if (certificate == nullptr) return std::nullopt;
  const int size = i2d_X509(certificate, nullptr);
  if (size <= 0) return std::nullopt;
  Bytes der(static_cast<std::size_t>(size));
  unsigned char* out = der.data();
  if (i2d_X509(certificate, &out) != size) return std::nullopt;
  return crypto::sha256(der);
}

// `certificate`'s fingerprint compared with `pin`, in constant time.
bool matches_pin(X509* certificate, const crypto::Sha256Digest& pin) {
  const auto digest = certificate_fingerprint(certificate);
  return digest && crypto::constant_time_equal(*digest, pin);
}

// Sends `route`'s server name (or none) in the ClientHello.
void set_server_name(SSL* ssl, const Route& route) {
  if (route.sni) SSL_set_tlsext_host_name(ssl, route.sni->c_str());
}

}  // namespace

struct ServerConnection::Impl {
  using Stream = websocket::stream<asio::ssl::stream<beast::tcp_stream>>;

  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::optional<Stream> ws;  // made once `tls` is configured (SSL_new copies its settings)
  ConnectionOptions options;
  bool certificate_rejected = false;
  int proxy_reply = 0;  // the proxy's refusal code, for ConnectDiagnostics
  // The connect step running, when it started, how long each completed one took, and the failure
  // string of the one that failed (ConnectDiagnostics).
  ConnectStep connect_step = ConnectStep::kNone;
  Clock::time_point step_started{};
  std::array<std::optional<std::chrono::milliseconds>, kConnectStepCount> step_time{};
  std::string connect_failure;
  boost::system::error_code proxy_io_error;  // the socket's error during the proxy handshake
  std::string failure;                       // what closed an open connection (failure())

  beast::flat_buffer buffer;
  bool reading = false;
  bool closed = false;
  bool protocol_error = false;
  bool stalled = false;
  Clock::time_point last_read = Clock::now();  // when the last frame arrived (or the connection opened)
  std::uint64_t heartbeat_id = 0;              // the Ping in flight, 0 when none
  Clock::time_point heartbeat_sent{};
  std::string closing_reason;
  std::set<std::uint64_t> started;                 // requests sent whose response is awaited
  std::map<std::uint64_t, api::Response> answers;  // responses read for them, until waited for
  std::deque<api::Push> pushes;                    // at most options.max_queued_pushes

  ~Impl() { abort(); }

  void begin(ConnectStep next) {
    connect_step = next;
    step_started = Clock::now();
  }
  void end_step() {
    step_time[static_cast<std::size_t>(connect_step)] =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - step_started);
  }
  // Records why the running step failed; returns `error` for the caller to fail with.
  TransportError step_failed(TransportError error, std::string_view why) {
    connect_failure = why.empty() ? std::string(failure::kUnknown) : std::string(why);
    return error;
  }
  // Records what closed the connection, unless something already did.
  void closed_by(std::string_view why) {
    if (failure.empty()) failure = why.empty() ? std::string(failure::kUnknown) : std::string(why);
  }

  // Runs at most one handler, waiting until `deadline`. false when the deadline has passed.
  bool step(Clock::time_point deadline) {
    const auto now = Clock::now();
    if (now >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(deadline - now);
    return true;
  }

  // Closes the socket (cancelling what is pending) and lets the cancelled handlers run.
  void abort() {
    if (!ws) return;
    boost::system::error_code ignored;
    beast::get_lowest_layer(*ws).socket().close(ignored);
    closed = true;
    io.restart();
    io.run_for(kDrainTimeout);
  }

  // Starts one asynchronous operation with a handler setting `done`, and waits for it until
  // `deadline`; on timeout aborts the connection. Returns the operation's error.
  template <class Initiate>
  boost::system::error_code wait(Initiate&& initiate, Clock::time_point deadline) {
    bool done = false;
    boost::system::error_code result;
    initiate([&](boost::system::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    while (!done) {
      if (!step(deadline)) {
        abort();
        return asio::error::timed_out;
      }
    }
    return result;
  }

  // Keeps one read pending while open and while the push queue has room.
  void start_read() {
    if (reading || closed || pushes.size() >= options.max_queued_pushes) return;
    reading = true;
    buffer.clear();
    ws->async_read(buffer, [this](boost::system::error_code ec, std::size_t) {
      reading = false;
      if (ec) {
        if (!closed) closed_by(ec == websocket::error::closed ? failure::kEof : detail::failure_from_error(ec));
        closed = true;
        return;
      }
      last_read = Clock::now();
      const auto data = buffer.cdata();
      auto frame = wire::decode_frame(ByteView(static_cast<const std::uint8_t*>(data.data()), data.size()));
      if (!frame.ok() || frame->has_request()) {
        protocol_error = true;
        closed_by(failure::kUnknown);
        boost::system::error_code ignored;
        beast::get_lowest_layer(*ws).socket().close(ignored);
        closed = true;
        return;
      }
      if (frame->has_response()) {
        // A response nobody waits for answered a call that timed out: dropped.
        const std::uint64_t id = frame->response().id();
        if (started.count(id) != 0) answers.emplace(id, std::move(*frame->mutable_response()));
      } else {
        if (frame->push().has_closing()) closing_reason = frame->push().closing().reason();
        pushes.push_back(std::move(*frame->mutable_push()));
      }
      // Keep reading while requests are outstanding, so that a long write does not stall the
      // responses the server is sending meanwhile.
      if (!started.empty()) start_read();
    });
  }

  Result<void, TransportError> write(ByteView bytes, Clock::time_point deadline) {
    if (closed) return fail(TransportError::kClosed);
    const auto ec =
        wait([&](auto handler) { ws->async_write(asio::buffer(bytes.data(), bytes.size()), handler); }, deadline);
    if (ec == asio::error::timed_out) {
      closed_by(failure::kReadWriteStall);
      return fail(TransportError::kTimeout);
    }
    if (ec) {
      closed_by(detail::failure_from_error(ec));
      abort();
      return fail(TransportError::kClosed);
    }
    return {};
  }

  TransportError read_failure() const {
    if (protocol_error) return TransportError::kProtocol;
    return stalled ? TransportError::kStalled : TransportError::kClosed;
  }

  // The TLS and WebSocket setup; the caller has configured `tls` and made `ws`.
  Result<void, TransportError> open(const Route& route, Clock::time_point deadline) {
    HUSH_TRY(open_tls(route, deadline));
    ws->binary(true);
    ws->read_message_max(wire::kMaxFrameSize);
    begin(ConnectStep::kWebSocketUpgrade);
    const auto ec = wait([&](auto handler) { ws->async_handshake(route.host_header, "/", handler); }, deadline);
    if (ec == asio::error::timed_out) return fail(step_failed(TransportError::kTimeout, failure::kGenericTimeout));
    if (ec) return fail(step_failed(TransportError::kHandshakeFailed, detail::failure_from_error(ec, true)));
    end_step();
    return {};
  }

  // Resolving, TCP connect, the proxy's handshake when there is a proxy, and the TLS handshake.
  Result<void, TransportError> open_tls(const Route& route, Clock::time_point deadline) {
    asio::ip::tcp::resolver resolver(io);
    asio::ip::tcp::resolver::results_type endpoints;
    bool resolved = false;
    boost::system::error_code resolve_error;
    begin(ConnectStep::kResolve);
    resolver.async_resolve(route.tcp_host, std::to_string(route.tcp_port),
                           [&](boost::system::error_code ec, asio::ip::tcp::resolver::results_type results) {
                             resolve_error = ec;
                             endpoints = std::move(results);
                             resolved = true;
                           });
    while (!resolved) {
      if (!step(deadline)) {
        resolver.cancel();
        abort();
        return fail(step_failed(TransportError::kTimeout, failure::kGenericTimeout));
      }
    }
    if (resolve_error) {
      return fail(step_failed(TransportError::kResolveFailed, resolve_error == asio::error::host_not_found
                                                                  ? failure::kDnsNxdomain
                                                                  : failure::kDnsLookup));
    }
    end_step();

    auto& tcp = beast::get_lowest_layer(*ws);
    begin(ConnectStep::kTcpConnect);
    auto ec = wait([&](auto handler) { tcp.async_connect(endpoints, handler); }, deadline);
    if (ec == asio::error::timed_out) return fail(step_failed(TransportError::kTimeout, failure::kGenericTimeout));
    if (ec) return fail(step_failed(TransportError::kConnectFailed, detail::failure_from_error(ec)));
    end_step();

    if (route.proxy) {
      begin(ConnectStep::kProxyHandshake);
      SocketStream stream(*this, deadline);
      auto tunnel = proxy::handshake(stream, *route.proxy, route.target_host, route.target_port);
      if (!tunnel.ok()) {
        proxy_reply = tunnel.error().reply;
        return fail(step_failed(tunnel.error().error, proxy_failure(tunnel.error().error)));
      }
      end_step();
    }

    begin(ConnectStep::kTlsHandshake);
    ec = wait([&](auto handler) { ws->next_layer().async_handshake(asio::ssl::stream_base::client, handler); },
              deadline);
    if (ec == asio::error::timed_out) return fail(step_failed(TransportError::kTimeout, failure::kGenericTimeout));
    if (certificate_rejected) {
      return fail(step_failed(TransportError::kCertificateRejected, failure::kSslInvalidCertificate));
    }
    if (ec) return fail(step_failed(TransportError::kHandshakeFailed, detail::failure_from_error(ec)));
    end_step();
    return {};
  }

  // The failure string of a failed proxy handshake: the socket's own error when it had one (a
  // reset, a timeout), otherwise what the proxy answered.
  std::string_view proxy_failure(TransportError error) const {
    if (error == TransportError::kTimeout) return failure::kGenericTimeout;
    if (proxy_io_error && proxy_io_error != asio::error::eof) return detail::failure_from_error(proxy_io_error);
    switch (error) {
      case TransportError::kProxyRefused: return failure::kProxyRefused;
      case TransportError::kProxyAuthFailed: return failure::kProxyAuthFailed;
      case TransportError::kProxyProtocol: return failure::kProxyProtocol;
      default: return failure::kUnknown;
    }
  }

  // The TCP socket as the proxy handshake's byte stream, each operation bounded by the connect
  // deadline (a timeout aborts the connection, as every wait does).
  class SocketStream final : public proxy::ByteStream {
   public:
    SocketStream(Impl& impl, Clock::time_point deadline) : impl_(impl), deadline_(deadline) {}

    Result<void, TransportError> write(ByteView bytes) override {
      auto& tcp = beast::get_lowest_layer(*impl_.ws);
      const auto ec = impl_.wait(
          [&](auto handler) { asio::async_write(tcp, asio::buffer(bytes.data(), bytes.size()), handler); }, deadline_);
      if (ec) impl_.proxy_io_error = ec;
      return outcome(ec);
    }

    Result<std::size_t, TransportError> read_some(MutableByteView out) override {
      auto& tcp = beast::get_lowest_layer(*impl_.ws);
      std::size_t transferred = 0;
      const auto ec = impl_.wait(
          [&](auto handler) {
            tcp.async_read_some(asio::buffer(out.data(), out.size()),
                                [&transferred, handler](boost::system::error_code error, std::size_t size) mutable {
                                  transferred = size;
                                  handler(error);
                                });
          },
          deadline_);
      if (ec) impl_.proxy_io_error = ec;
      HUSH_TRY(outcome(ec));
      return transferred;
    }

   private:
    static Result<void, TransportError> outcome(const boost::system::error_code& ec) {
      if (!ec) return {};
      if (ec == asio::error::timed_out) return fail(TransportError::kTimeout);
      // The proxy hung up instead of answering; any other failure is the network's.
      if (ec == asio::error::eof) return fail(TransportError::kProxyProtocol);
      return fail(TransportError::kConnectFailed);
    }

    Impl& impl_;
    Clock::time_point deadline_;
  };
};

ServerConnection::ServerConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ServerConnection::~ServerConnection() {
  close();
}

Result<std::unique_ptr<ServerConnection>, TransportError> ServerConnection::connect(const ServerAddress& address,
                                                                                    const ServerTrust& trust,
                                                                                    const ConnectionOptions& options,
                                                                                    ConnectDiagnostics* diagnostics) {
  if (diagnostics != nullptr) *diagnostics = {};
  if (options.max_queued_pushes == 0) return fail(TransportError::kInvalidArgument);
  auto route = plan_route(address, options);
  if (!route.ok()) return fail(route.error());
  auto impl = std::make_unique<Impl>();
  Impl& s = *impl;
  s.options = options;
  // Records padded as the server pads its own (wire::kTlsRecordPadding); cannot fail for this size.
  SSL_CTX_set_block_padding(s.tls.native_handle(), wire::kTlsRecordPadding);
  s.tls.set_verify_mode(asio::ssl::verify_peer);
  if (const auto* ca = std::get_if<CaFile>(&trust)) {
    boost::system::error_code ec;
    s.tls.load_verify_file(ca->path.string(), ec);
    if (ec) return fail(TransportError::kCaFileUnreadable);
  }
  s.ws.emplace(s.io, s.tls);
  set_server_name(s.ws->next_layer().native_handle(), *route);
  if (const auto* pin = std::get_if<PinnedCertificate>(&trust)) {
    // Only the leaf matters: its fingerprint is the whole trust decision (issuer, names and dates
    // of a self-signed certificate say nothing).
    s.ws->next_layer().set_verify_callback(
        [&s, fingerprint = pin->fingerprint](bool, asio::ssl::verify_context& context) {
          X509_STORE_CTX* store = context.native_handle();
          if (X509_STORE_CTX_get_error_depth(store) > 0) return true;
          const bool matches = matches_pin(X509_STORE_CTX_get_current_cert(store), fingerprint);
          if (!matches) s.certificate_rejected = true;
          return matches;
        });
  } else {
    s.ws->next_layer().set_verify_callback([&s, verify = asio::ssl::host_name_verification(route->verify_name)](
                                               bool preverified, asio::ssl::verify_context& context) {
      const bool accepted = verify(preverified, context);
      if (!accepted) s.certificate_rejected = true;
      return accepted;
    });
  }

  const auto deadline = Clock::now() + options.connect_timeout;
  // What the steps did, copied out on every return from here on (`s` lives as long as the call).
  const auto report = [&](bool failed) {
    if (diagnostics == nullptr) return;
    diagnostics->proxy_reply = s.proxy_reply;
    diagnostics->step_time = s.step_time;
    if (!failed) return;
    diagnostics->failed_step = s.connect_step;
    diagnostics->failure = s.connect_failure;
  };
  if (auto opened = s.open(*route, deadline); !opened.ok()) {
    report(true);
    return fail(opened.error());
  }

  std::unique_ptr<ServerConnection> connection(new ServerConnection(std::move(impl)));
  s.begin(ConnectStep::kChallenge);
  auto first = connection->next_push(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  if (!first.ok()) {
    const bool timed_out = first.error() == TransportError::kTimeout;
    s.step_failed(timed_out ? TransportError::kTimeout : TransportError::kNoChallenge,
                  timed_out ? failure::kGenericTimeout : std::string_view(s.failure));
    report(true);
    return fail(timed_out ? TransportError::kTimeout : TransportError::kNoChallenge);
  }
  if (!first->has_challenge() || first->challenge().nonce().empty()) {
    s.step_failed(TransportError::kNoChallenge, failure::kWebSocketUpgradeFailed);
    report(true);
    return fail(TransportError::kNoChallenge);
  }
  s.end_step();
  report(false);
  const std::string& nonce = first->challenge().nonce();
  connection->nonce_.assign(nonce.begin(), nonce.end());
  return connection;
}

Result<crypto::Sha256Digest, TransportError> probe_certificate(const ServerAddress& address,
                                                               std::chrono::milliseconds timeout,
                                                               const ConnectionOptions& options) {
  auto route = plan_route(address, options);
  if (!route.ok()) return fail(route.error());
  ServerConnection::Impl s;
  s.ws.emplace(s.io, s.tls);
  set_server_name(s.ws->next_layer().native_handle(), *route);
  std::optional<crypto::Sha256Digest> seen;
  s.tls.set_verify_mode(asio::ssl::verify_peer);
  s.ws->next_layer().set_verify_callback([&seen](bool, asio::ssl::verify_context& context) {
    X509_STORE_CTX* store = context.native_handle();
    if (X509_STORE_CTX_get_error_depth(store) == 0)
      seen = certificate_fingerprint(X509_STORE_CTX_get_current_cert(store));
    return true;  // recorded, not trusted: the caller pins what it saw
  });
  const auto deadline = Clock::now() + timeout;
  auto opened = s.open_tls(*route, deadline);
  if (!opened.ok()) return fail(opened.error());
  if (!seen) return fail(TransportError::kHandshakeFailed);
  return *seen;
}

Result<api::Response, TransportError> ServerConnection::call(api::Request request, std::chrono::milliseconds timeout) {
  auto id = start(std::move(request));
  if (!id.ok()) return fail(id.error());
  auto response = wait(*id, timeout);
  if (!response.ok() && response.error() == TransportError::kPushQueueFull) {
    // wait() keeps the request for a caller that takes pushes and waits again; call() does not.
    impl_->started.erase(*id);
    impl_->answers.erase(*id);
  }
  return response;
}

std::size_t ServerConnection::queued_pushes() const {
  return impl_->pushes.size();
}

Result<std::uint64_t, TransportError> ServerConnection::start(api::Request request) {
  Impl& s = *impl_;
  if (s.closed) return fail(s.read_failure());
  if (s.started.size() >= kMaxStartedRequests) return fail(TransportError::kInvalidArgument);
  const auto deadline = Clock::now() + s.options.request_timeout;
  const std::uint64_t id = next_id_++;
  request.set_id(id);
  api::Frame frame;
  *frame.mutable_request() = std::move(request);
  auto encoded = wire::encode_frame(frame);
  if (!encoded.ok()) return fail(TransportError::kTooLarge);
  s.started.insert(id);
  s.start_read();  // reading while writing: the server may push or answer before it reads this
  if (auto written = s.write(*encoded, deadline); !written.ok()) {
    s.started.erase(id);
    return fail(written.error());
  }
  return id;
}

Result<api::Response, TransportError> ServerConnection::wait(std::uint64_t id, std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  if (s.started.count(id) == 0) return fail(TransportError::kInvalidArgument);
  struct Forget {
    Impl& s;
    std::uint64_t id;
    bool keep = false;
    ~Forget() {
      if (keep) return;
      s.started.erase(id);
      s.answers.erase(id);
    }
  } forget{s, id};
  const auto deadline = Clock::now() + (timeout.count() > 0 ? timeout : s.options.request_timeout);
  auto answer = s.answers.find(id);
  while (answer == s.answers.end()) {
    if (s.closed) return fail(s.read_failure());
    if (s.pushes.size() >= s.options.max_queued_pushes) {
      forget.keep = true;
      return fail(TransportError::kPushQueueFull);
    }
    s.start_read();
    if (!s.step(deadline)) return fail(TransportError::kTimeout);
    answer = s.answers.find(id);
  }
  return std::move(answer->second);
}

Result<std::optional<api::Response>, TransportError> ServerConnection::poll(std::uint64_t id,
                                                                            std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  if (s.started.count(id) == 0) return fail(TransportError::kInvalidArgument);
  const auto deadline = Clock::now() + timeout;
  auto answer = s.answers.find(id);
  while (answer == s.answers.end()) {
    if (s.closed) {
      s.started.erase(id);
      return fail(s.read_failure());
    }
    if (s.pushes.size() >= s.options.max_queued_pushes) return fail(TransportError::kPushQueueFull);
    s.start_read();
    if (!s.step(deadline)) return std::optional<api::Response>();
    answer = s.answers.find(id);
  }
  api::Response response = std::move(answer->second);
  s.answers.erase(answer);
  s.started.erase(id);
  return std::optional<api::Response>(std::move(response));
}

Result<api::Response, TransportError> ServerConnection::wait_alive(std::uint64_t id, std::chrono::milliseconds timeout,
                                                                   std::chrono::milliseconds probe_after) {
  const auto deadline = Clock::now() + timeout;
  auto early = poll(id, std::min(probe_after, timeout));
  if (!early.ok()) return fail(early.error());
  if (*early) return std::move(**early);
  api::Request ping;
  ping.mutable_ping();
  auto ping_id = start(std::move(ping));
  if (!ping_id.ok()) {
    impl_->started.erase(id);
    return fail(ping_id.error());
  }
  impl_->started.erase(*ping_id);  // nobody waits for it: its answer is dropped on arrival
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return wait(id, std::max(left, std::chrono::milliseconds(1)));
}

Result<api::Push, TransportError> ServerConnection::next_push(std::chrono::milliseconds timeout) {
  Impl& s = *impl_;
  const auto deadline = Clock::now() + timeout;
  const bool heartbeats = s.options.heartbeat_interval.count() > 0;
  while (s.pushes.empty()) {
    if (s.closed) return fail(s.read_failure());
    s.start_read();
    Clock::time_point wake = deadline;
    if (heartbeats) {
      const auto now = Clock::now();
      if (s.heartbeat_id != 0 && s.last_read > s.heartbeat_sent) {
        // Something arrived since the Ping: the connection lives (its answer is dropped by id).
        s.started.erase(s.heartbeat_id);
        s.answers.erase(s.heartbeat_id);
        s.heartbeat_id = 0;
      }
      if (s.heartbeat_id != 0 && now - s.heartbeat_sent >= s.options.heartbeat_timeout) {
        s.stalled = true;
        s.closed_by(failure::kReadWriteStall);
        s.started.erase(s.heartbeat_id);
        s.heartbeat_id = 0;
        s.abort();
        return fail(TransportError::kStalled);
      }
      if (s.heartbeat_id == 0 && now - s.last_read >= s.options.heartbeat_interval) {
        api::Request ping;
        ping.mutable_ping();
        auto id = start(std::move(ping));
        if (!id.ok()) return fail(id.error() == TransportError::kTimeout ? TransportError::kStalled : id.error());
        s.heartbeat_id = *id;
        s.heartbeat_sent = Clock::now();
      }
      wake = std::min(wake, s.heartbeat_id != 0 ? s.heartbeat_sent + s.options.heartbeat_timeout
                                                : s.last_read + s.options.heartbeat_interval);
    }
    s.step(std::max(wake, Clock::now() + std::chrono::milliseconds(1)));
    if (s.pushes.empty() && !s.closed && Clock::now() >= deadline) return fail(TransportError::kTimeout);
  }
  api::Push push = std::move(s.pushes.front());
  s.pushes.pop_front();
  return push;
}

const std::string& ServerConnection::closing_reason() const {
  return impl_->closing_reason;
}

const std::string& ServerConnection::failure() const {
  return impl_->failure;
}

bool ServerConnection::closed() const {
  return impl_->closed;
}

void ServerConnection::abort() {
  Impl& s = *impl_;
  if (!s.ws || s.closed) return;
  s.abort();
}

void ServerConnection::close() {
  Impl& s = *impl_;
  if (!s.ws || s.closed) return;
  // A polite close, bounded; whatever happens, the socket is closed after it.
  s.wait([&](auto handler) { s.ws->async_close(websocket::close_code::normal, handler); },
         Clock::now() + std::min<std::chrono::milliseconds>(s.options.request_timeout, kDrainTimeout));
  s.abort();
  s.failure.clear();  // closed on purpose: whatever the cancelled read reported is no failure
}

}  // namespace hush::client
