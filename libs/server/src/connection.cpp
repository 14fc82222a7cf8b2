// One connection as coroutines on its own strand (boostorg/beast's model). After TLS, the first
// HTTP request decides: a WebSocket upgrade becomes a hush session, a plain GET of /metrics or
// /health is answered and the connection closed. In a session the reader handles frames in
// order, the writer keeps one write in flight behind a bounded queue, the watchdog closes an idle
// connection. Envelopes are pushed from storage by a cursor, only as the queue
// has room, so a large backlog never overflows memory and never reorders.
// TLS is TlsStream (tls_stream.hpp): OpenSSL on the socket itself, no buffers of its own.
// With server.cpp and tls_stream.cpp, the only translation units that include Beast.
#include "connection.hpp"

#include "network_pch.hpp"

#include <deque>

#include "hush/wire/frame_codec.hpp"
#include "rules.hpp"
#include "tls_stream.hpp"

namespace hush::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
constexpr auto kTuple = asio::as_tuple(use_awaitable);
using Stream = websocket::stream<TlsStream>;

// Bytes asked of the WebSocket per read: the smallest frame size bucket, so a text message needs
// one read and an idle connection's read buffer stays this small.
constexpr std::size_t kReadChunk = wire::kFrameSizes.front();
// Frames reserved for responses and control pushes when the delivery pump fills the queue.
constexpr std::size_t kResponseReserve = 16;
// How long the closing handshake may take before the socket is simply closed.
constexpr std::chrono::seconds kCloseTimeout{2};
// Largest HTTP request header accepted before the upgrade (a browser's is about 1 KiB).
constexpr std::uint32_t kMaxHttpHeader = 8 * 1024;

bool is_loopback(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).is_loopback();
  }
  return address.is_loopback();
}

// True when the storage answers a read (any answer but an I/O, corruption or schema error).
bool storage_answers(storage::Storage& storage) {
  auto depth = storage.messages().depth(storage::DeviceAddress{});
  if (depth.ok()) return true;
  const storage::StorageError error = depth.error();
  return error != storage::StorageError::kIo && error != storage::StorageError::kCorrupt &&
         error != storage::StorageError::kIncompatibleSchema;
}

bool expected_ending(const beast::error_code& ec) {
  return ec == websocket::error::closed || ec == asio::error::eof || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated ||
         ec == beast::error::timeout || ec == asio::error::broken_pipe;
}

class Connection final : public Session, public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, asio::ssl::context& tls, ServerContext& context, std::string remote_ip)
      : context_(context),
        options_(context.options),
        stream_(std::move(socket), tls),
        write_signal_(stream_.get_executor()),
        read_resume_(stream_.get_executor()),
        watchdog_(stream_.get_executor()),
        limiter_(options_.limits.requests_per_second, options_.limits.requests_burst),
        media_limiter_(options_.limits.media_chunks_per_second, options_.limits.media_chunks_burst) {
    state_.remote_ip = std::move(remote_ip);
  }

  void start() {
    asio::co_spawn(
        stream_.get_executor(), [self = shared_from_this()] { return self->run(); },
        [self = shared_from_this()](std::exception_ptr error) {
          if (error) self->report_bug(error);
        });
  }

  // Session: each call hops onto the strand.
  void send_push(api::Push push) override {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this(), push = std::move(push)]() mutable {
      if (self->state_.transfers_only) return;  // keys_low and delivery failures go to the device's message connections
      api::Frame frame;
      *frame.mutable_push() = std::move(push);
      self->enqueue(frame);
    });
  }
  void deliver(api::Envelope envelope) override {
    asio::dispatch(stream_.get_executor(),
                   [self = shared_from_this(), envelope = std::move(envelope)]() mutable { self->take(envelope); });
  }
  void wake(storage::WakeKind kind) override {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this(), kind] { self->refresh(kind); });
  }
  void close(std::string reason) override {
    asio::dispatch(stream_.get_executor(),
                   [self = shared_from_this(), reason = std::move(reason)] { self->close_with(reason); });
  }

 private:
  awaitable<void> run() {
    auto self = shared_from_this();
    stream_.next_layer().expires_after(options_.limits.handshake_timeout);
    if (auto [ec] = co_await stream_.next_layer().async_handshake(kTuple); ec) {
      co_return finish("tls_handshake_failed");
    }
    {
      // The upgrade request, or a plain HTTPS request for /metrics or /health. Scoped: an idle
      // session keeps none of it.
      beast::flat_buffer http_buffer;
      http::request_parser<http::empty_body> parser;
      parser.header_limit(kMaxHttpHeader);
      if (auto [ec, read] = co_await http::async_read(stream_.next_layer(), http_buffer, parser, kTuple); ec) {
        co_return finish("websocket_handshake_failed");
      }
      if (!websocket::is_upgrade(parser.get())) co_return co_await serve_http(parser.get());
      stream_.set_option(websocket::stream_base::decorator(
          [](websocket::response_type& response) { response.set(beast::http::field::server, "hushd"); }));
      if (auto [ec] = co_await stream_.async_accept(parser.get(), kTuple); ec) {
        co_return finish("websocket_handshake_failed");
      }
    }
    stream_.next_layer().expires_never();
    stream_.binary(true);
    // Backstop only: the reader below stops at max_frame_size + 1 and answers frame_too_large.
    stream_.read_message_max(options_.limits.max_frame_size * 4);
    context_.tracker.attach(self);
    last_frame_ = std::chrono::steady_clock::now();

    asio::co_spawn(
        stream_.get_executor(), [self] { return self->write_loop(); }, asio::detached);
    asio::co_spawn(
        stream_.get_executor(), [self] { return self->watch_idle(); }, asio::detached);

    state_.challenge_nonce.resize(kChallengeNonceSize);
    context_.rng.fill(state_.challenge_nonce);
    api::Frame challenge;
    challenge.mutable_push()->mutable_challenge()->set_nonce(
        std::string(reinterpret_cast<const char*>(state_.challenge_nonce.data()), state_.challenge_nonce.size()));
    challenge.mutable_push()->mutable_challenge()->set_server_time_ms(
        static_cast<std::uint64_t>(context_.router.now().time_since_epoch().count()));
    enqueue(challenge);

    co_await read_loop();
    finish(closing_reason_.empty() ? "peer_closed" : closing_reason_);
  }

  // Answers one plain HTTPS request and closes: GET /health (200 "ok" when the storage answers,
  // else 503), GET /metrics (Prometheus text; 403 from a non-loopback address when
  // Options::metrics_loopback_only), another path 404, another method 405.
  awaitable<void> serve_http(const http::request<http::empty_body>& request) {
    context_.metrics.http_requests.fetch_add(1, std::memory_order_relaxed);
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(false);
    response.set(http::field::server, "hushd");
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.set(http::field::cache_control, "no-store");
    const std::string_view target(request.target().data(), request.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    std::string reason = "http_served";
    if (request.method() != http::verb::get) {
      response.result(http::status::method_not_allowed);
      response.set(http::field::allow, "GET");
      response.body() = "method not allowed\n";
    } else if (path == "/health") {
      const bool healthy = storage_answers(context_.storage);
      if (!healthy) context_.metrics.count_storage_error(Metrics::StorageOperation::kHealth);
      response.result(healthy ? http::status::ok : http::status::service_unavailable);
      response.body() = healthy ? "ok\n" : "storage unavailable\n";
    } else if (path == "/metrics") {
      boost::system::error_code ec;
      const auto remote = beast::get_lowest_layer(stream_).remote_endpoint(ec);
      if (options_.metrics_loopback_only && (ec || !is_loopback(remote.address()))) {
        response.result(http::status::forbidden);
        response.body() = "metrics are served to loopback addresses only (metrics_loopback_only)\n";
        reason = "http_forbidden";
      } else {
        response.result(http::status::ok);
        response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        response.body() = context_.metrics.render(context_.tracker.count());
      }
    } else {
      response.result(http::status::not_found);
      response.body() = "not found: hushd serves the hush API over WebSocket, /metrics and /health\n";
    }
    response.prepare_payload();
    co_await http::async_write(stream_.next_layer(), response, kTuple);
    // The handshake deadline still bounds the TLS goodbye.
    co_await stream_.next_layer().async_shutdown(kTuple);
    finish(reason);
  }

  awaitable<void> read_loop() {
    beast::flat_buffer buffer;
    const std::size_t max_frame = options_.limits.max_frame_size;
    while (!closing_) {
      // An idle connection keeps at most kReadChunk of buffer: a media frame's larger one goes.
      if (buffer.capacity() > kReadChunk) buffer = beast::flat_buffer();
      buffer.clear();
      bool too_large = false;
      do {
        // Read in chunks, not by the largest frame: the buffer grows only as a frame needs it.
        const std::size_t wanted = std::min(kReadChunk, max_frame + 1 - std::min(buffer.size(), max_frame));
        auto [ec, read] = co_await stream_.async_read_some(buffer, wanted, kTuple);
        if (ec) {
          if (!expected_ending(ec)) context_.logger.event("read_failed", {{"error", ec.message()}});
          co_return;
        }
        if (closing_) co_return;
        if (buffer.size() > max_frame) too_large = true;
      } while (!too_large && !stream_.is_message_done());
      last_frame_ = std::chrono::steady_clock::now();
      context_.metrics.frames_in.fetch_add(1, std::memory_order_relaxed);
      if (too_large) co_return close_with("frame_too_large");
      if (!stream_.got_binary()) co_return close_with("malformed_frame");
      const auto data = buffer.cdata();
      auto frame = wire::decode_frame(ByteView(static_cast<const std::uint8_t*>(data.data()), data.size()));
      if (!frame.ok()) {
        co_return close_with(frame.error() == wire::WireError::kTooLarge ? "frame_too_large" : "malformed_frame");
      }
      if (!frame->has_request()) co_return close_with("unexpected_frame");
      handle(frame->request());
      // A request on the blocking pool holds this connection's state: read on once it is answered.
      // Also when the connection is closing meanwhile: finish() must not touch the state (or leave
      // the registry) before that request has (a registration adds this session to the registry).
      // The pool always answers, also while the server stops.
      while (awaiting_answer_) {
        read_resume_.expires_at(std::chrono::steady_clock::time_point::max());
        co_await read_resume_.async_wait(kTuple);
      }
    }
  }

  void handle(const api::Request& request) {
    std::chrono::milliseconds retry_after{0};
    // Media chunks have their own bucket: a transfer is thousands of them, each bounded in size
    // and counted against the quota, and must not starve the account's other requests.
    const bool media_chunk =
        request.body_case() == api::Request::kAppendChunk || request.body_case() == api::Request::kReadMedia;
    RateLimiter& limiter = media_chunk ? media_limiter_ : limiter_;
    if (!limiter.take(std::chrono::steady_clock::now(), retry_after)) {
      const char* limit = media_chunk ? "media_chunks_per_second" : "requests_per_second";
      api::Frame frame;
      api::Response* response = frame.mutable_response();
      response->set_id(request.id());
      api::Status* status = response->mutable_status();
      status->set_code(api::Status::LIMIT_EXCEEDED);
      status->set_reason(limit);
      status->set_limit(limit);
      status->set_limit_value(media_chunk ? options_.limits.media_chunks_per_second
                                          : options_.limits.requests_per_second);
      status->set_retry_after_ms(static_cast<std::uint32_t>(retry_after.count()));
      context_.metrics.count_response(Metrics::describe(request), *status);
      return enqueue(frame);
    }
    auto self = shared_from_this();
    const Metrics::RequestInfo info = Metrics::describe(request);
    const bool blocking = Router::blocks(request);
    awaiting_answer_ = blocking;
    context_.router.handle(state_, self, request, [self, info, blocking](api::Response response) {
      self->context_.metrics.count_response(info, response.status());
      asio::dispatch(self->stream_.get_executor(), [self, response = std::move(response), blocking]() mutable {
        api::Frame frame;
        *frame.mutable_response() = std::move(response);
        self->enqueue(frame);
        if (!blocking) return;
        self->awaiting_answer_ = false;
        self->read_resume_.cancel();
        self->start_delivery();
      });
    });
    if (!blocking) start_delivery();
  }

  // Once logged in (after the answer that did it): push the queue.
  void start_delivery() {
    if (!state_.device || delivering_ || state_.transfers_only) return;
    context_.metrics.connections_authenticated.fetch_add(1, std::memory_order_relaxed);
    delivering_ = true;
    pump();
  }

  // Queues a frame for the writer; a client that does not read is dropped.
  void enqueue(const api::Frame& frame) {
    if (dead_ || closing_) return;
    if (outgoing_.size() >= options_.limits.max_outgoing_frames) return close_with("slow_consumer");
    auto encoded = wire::encode_frame(frame);
    if (!encoded.ok()) {
      context_.logger.event("bug_unencodable_frame", {{"error", wire::to_string(encoded.error())}});
      return;
    }
    outgoing_.push_back(std::move(*encoded));
    write_signal_.cancel();
  }

  // Frames the delivery pump may still queue, leaving kResponseReserve for answers and pushes.
  std::size_t delivery_room() const {
    const std::size_t capacity = options_.limits.max_outgoing_frames;
    return outgoing_.size() + kResponseReserve >= capacity ? 0 : capacity - kResponseReserve - outgoing_.size();
  }

  // An envelope just committed for this device (Session::deliver). Caught up, with room: pushed
  // from memory. Otherwise storage has it, and the pump reads it by the cursor, in order.
  void take(api::Envelope& envelope) {
    if (!delivering_ || dead_ || closing_ || envelope.sequence() <= cursor_) return;
    if (!caught_up_ || delivery_room() == 0) {
      caught_up_ = false;
      if (!pump_posted_ && !waiting_for_room_) pump();
      return;
    }
    cursor_ = envelope.sequence();
    context_.metrics.envelopes_delivered.fetch_add(1, std::memory_order_relaxed);
    api::Frame frame;
    *frame.mutable_push()->mutable_envelope() = std::move(envelope);
    enqueue(frame);
  }

  // A wake from storage (Session::wake): what changed is read from storage, in order, by the
  // cursors. Before the login backlog is pushed (queue_empty_sent_) the pump reads notices anyway.
  void refresh(storage::WakeKind kind) {
    if (!delivering_ || dead_ || closing_) return;
    if (kind == storage::WakeKind::kEnvelopes || kind == storage::WakeKind::kResync) {
      caught_up_ = false;
      if (!pump_posted_ && !waiting_for_room_) pump();
    }
    if ((kind == storage::WakeKind::kNotices || kind == storage::WakeKind::kResync) && queue_empty_sent_) {
      push_notices(options_.limits.delivery_batch);
    }
  }

  // Pushes up to `room` pending delivery failure notices after notice_cursor_; how many it read.
  std::size_t push_notices(std::size_t room) {
    return context_.router.deliver_failure_notices(*state_.device, notice_cursor_, room, [this](api::Push push) {
      if (dead_ || closing_) return false;
      api::Frame frame;
      *frame.mutable_push() = std::move(push);
      enqueue(frame);
      return !dead_ && !closing_;
    });
  }

  // Runs pump() again after what is already queued on the strand.
  void repump() {
    pump_posted_ = true;
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->pump_posted_ = false;
      self->pump();
    });
  }

  // Pushes queued envelopes after the cursor while the outgoing queue has room; once the backlog
  // present at login has been pushed, the pending delivery failure notices, then QueueEmpty.
  // When a read finds the queue drained, the connection is caught up: from then on new envelopes
  // come through take() without reading storage.
  void pump() {
    if (!delivering_ || dead_ || closing_ || !state_.device) return;
    const std::size_t limit = std::min(delivery_room(), options_.limits.delivery_batch);
    if (limit == 0) {
      waiting_for_room_ = true;
      caught_up_ = false;
      return;
    }
    auto envelopes = context_.router.fetch_for_delivery(*state_.device, cursor_, limit);
    if (!envelopes.ok()) {
      context_.logger.event("delivery_fetch_failed", {{"error", storage::to_string(envelopes.error())}});
      context_.metrics.count_storage_error(Metrics::StorageOperation::kDelivery);
      return;
    }
    context_.metrics.envelopes_delivered.fetch_add(envelopes->size(), std::memory_order_relaxed);
    for (api::Envelope& envelope : *envelopes) {
      cursor_ = envelope.sequence();
      api::Frame frame;
      *frame.mutable_push()->mutable_envelope() = std::move(envelope);
      enqueue(frame);
    }
    if (envelopes->size() == limit) return repump();
    if (!queue_empty_sent_) {
      // The login backlog is pushed; next the delivery failure notices pending at login, in the
      // room left, and QueueEmpty only after the last of them.
      const std::size_t notice_room = limit - envelopes->size();
      const std::size_t read = push_notices(notice_room);
      if (read == notice_room) return repump();
      queue_empty_sent_ = true;
      api::Frame frame;
      frame.mutable_push()->mutable_queue_empty();
      enqueue(frame);
    }
    caught_up_ = true;
  }

  awaitable<void> write_loop() {
    for (;;) {
      while (outgoing_.empty() && !closing_ && !dead_) {
        write_signal_.expires_at(std::chrono::steady_clock::time_point::max());
        co_await write_signal_.async_wait(kTuple);
      }
      if (dead_) co_return;
      if (outgoing_.empty()) break;  // closing, and the Closing push is written
      const Bytes frame = std::move(outgoing_.front());
      outgoing_.pop_front();
      auto [ec, written] = co_await stream_.async_write(asio::buffer(frame), kTuple);
      if (ec) {
        if (!expected_ending(ec)) context_.logger.event("write_failed", {{"error", ec.message()}});
        shut_socket();
        co_return;
      }
      context_.metrics.frames_out.fetch_add(1, std::memory_order_relaxed);
      if (waiting_for_room_ && outgoing_.size() < options_.limits.max_outgoing_frames / 2) {
        waiting_for_room_ = false;
        pump();
      }
    }
    co_await stream_.async_close(websocket::close_code::normal, kTuple);
    shut_socket();
  }

  awaitable<void> watch_idle() {
    while (!dead_ && !closing_) {
      watchdog_.expires_at(last_frame_ + options_.limits.idle_timeout);
      co_await watchdog_.async_wait(kTuple);
      if (dead_ || closing_) co_return;
      if (std::chrono::steady_clock::now() >= last_frame_ + options_.limits.idle_timeout) {
        close_with("idle_timeout");
      }
    }
  }

  // Sends Push.closing{reason} (even past the queue bound) and lets the writer close.
  void close_with(const std::string& reason) {
    if (closing_ || dead_) return;
    auto encoded = [&] {
      api::Frame frame;
      frame.mutable_push()->mutable_closing()->set_reason(reason);
      return wire::encode_frame(frame);
    }();
    closing_ = true;
    closing_reason_ = reason;
    // Bounds whatever is pending: a client that stopped reading cannot hold the close open.
    stream_.next_layer().expires_after(kCloseTimeout * 2);
    if (encoded.ok()) outgoing_.push_back(std::move(*encoded));
    write_signal_.cancel();
    read_resume_.cancel();
    watchdog_.cancel();
  }

  void shut_socket() {
    beast::error_code ignored;
    asio::ip::tcp::socket& socket = beast::get_lowest_layer(stream_);
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  // The reader ended: leave the registries; the writer finishes any close in progress.
  void finish(const std::string& reason) {
    if (finished_) return;
    finished_ = true;
    context_.router.on_session_closed(state_, this);
    context_.tracker.release(state_.remote_ip, this);
    if (!closing_) {
      dead_ = true;
      write_signal_.cancel();
      watchdog_.cancel();
      shut_socket();
    }
    leave_metrics(reason);
    context_.logger.event("connection_closed", {{"reason", reason}});
  }

  void leave_metrics(std::string_view reason) {
    context_.metrics.count_close(reason);
    if (delivering_) context_.metrics.connections_authenticated.fetch_sub(1, std::memory_order_relaxed);
  }

  void report_bug(std::exception_ptr error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      context_.logger.event("bug_connection_exception", {{"what", e.what()}});
    }
    dead_ = true;
    shut_socket();
    if (!finished_) {
      finished_ = true;
      context_.router.on_session_closed(state_, this);
      context_.tracker.release(state_.remote_ip, this);
      leave_metrics("bug");
    }
  }

  ServerContext& context_;
  const Options& options_;
  Stream stream_;
  asio::steady_timer write_signal_;
  asio::steady_timer read_resume_;  // wakes the reader when a blocking request is answered
  asio::steady_timer watchdog_;
  RateLimiter limiter_;
  RateLimiter media_limiter_;
  SessionState state_;
  std::deque<Bytes> outgoing_;
  std::chrono::steady_clock::time_point last_frame_{};
  storage::QueueSequence cursor_ = 0;    // the last envelope pushed
  storage::NoticeId notice_cursor_ = 0;  // the last delivery failure notice pushed from storage
  std::string closing_reason_;
  bool delivering_ = false;
  bool awaiting_answer_ = false;  // a request is on the blocking pool: the reader waits
  bool queue_empty_sent_ = false;
  bool caught_up_ = false;    // the last read found the queue drained: take() may push directly
  bool pump_posted_ = false;  // a pump() is already queued on the strand
  bool waiting_for_room_ = false;
  bool closing_ = false;
  bool dead_ = false;
  bool finished_ = false;
};

}  // namespace

void start_connection(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls, ServerContext& context,
                      std::string remote_ip) {
  std::make_shared<Connection>(std::move(socket), tls, context, std::move(remote_ip))->start();
}

}  // namespace hush::server
