// TlsStream: the server side of one TLS connection, with OpenSSL reading and writing the TCP socket's
// descriptor itself. Owns the socket, the SSL object and the handshake deadline; does not own the
// SSL_CTX (the server's asio::ssl::context) and keeps no buffer of its own, so an idle connection
// holds only OpenSSL's state (asio::ssl::stream keeps two 17 KiB vectors and a BIO pair per stream).
// Satisfies Beast's AsyncStream: usable under websocket::stream<TlsStream> and http::async_read/write.
// Only the network translation units include this header (it pulls in Asio and Beast's teardown).
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <utility>

namespace hush::server {

// Every operation must be started from the stream's executor (a strand when several threads run
// the io_context), and the stream must be destroyed there, with no operation pending (close the
// socket and let them complete first), or once no thread runs its io_context: the usual contract
// of an Asio I/O object. At most one read and one write may be pending at a time (Beast's
// websocket::stream keeps to that); they may be pending together.
//
// Errors a completion may carry: asio::error::eof (the peer sent close_notify),
// asio::ssl::error::stream_truncated (the TCP connection ended without close_notify), a system
// error such as connection_reset, an OpenSSL error in asio::error::get_ssl_category() (a failed
// handshake, a protocol violation), asio::error::operation_aborted (the socket was closed or the
// operation cancelled while it waited), beast::error::timeout (the deadline closed the socket),
// asio::error::bad_descriptor (started after the socket was closed).
//
// Known limit: a client that sends a TLS 1.3 KeyUpdate asking for one back while a large write to
// it is stalled half-way through a record makes OpenSSL fail that connection (it cannot interleave
// the answer with the pending record); the connection ends with an OpenSSL error, nothing else.
class TlsStream {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;
  using next_layer_type = boost::asio::ip::tcp::socket;
  using lowest_layer_type = boost::asio::ip::tcp::socket;

  // `socket`: connected, with the executor every operation will run on. `context` must outlive the
  // stream; its certificate, key and protocol options apply (client certificates are not asked
  // for). Puts the socket in non-blocking mode. Throws std::bad_alloc when OpenSSL cannot allocate.
  TlsStream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& context);
  ~TlsStream();
  // Not copyable or movable: OpenSSL's transport refers to this object.
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  // The TCP socket, for remote_endpoint, set_option, shutdown and close. Closing it ends every
  // pending operation with operation_aborted; OpenSSL never touches the descriptor afterwards.
  next_layer_type& next_layer() noexcept { return socket_; }
  lowest_layer_type& lowest_layer() noexcept { return socket_; }
  // For inspection (protocol version, cipher, ALPN); reading or writing through it breaks the stream.
  SSL* native_handle() noexcept { return ssl_.get(); }

  // Closes the socket after `timeout` unless expires_never() is called first; operations pending
  // then, or started afterwards, complete with beast::error::timeout. Replaces an earlier deadline.
  // Like beast::tcp_stream::expires_after, but one deadline for the whole stream, not per operation.
  void expires_after(std::chrono::steady_clock::duration timeout);
  // Drops the deadline (and the memory it used).
  void expires_never();

  // The server side of the TLS handshake (SSL_accept). Completion: void(error_code).
  template <typename CompletionToken>
  auto async_handshake(CompletionToken&& token) {
    return boost::asio::async_compose<CompletionToken, void(boost::system::error_code)>(
        Operation<HandshakeStep>(*this, HandshakeStep{}), token, socket_);
  }

  // Reads at least one byte of plaintext into the first non-empty buffer (OpenSSL's buffered
  // plaintext first, without waiting). Completion: void(error_code, std::size_t).
  template <typename MutableBufferSequence, typename CompletionToken>
  auto async_read_some(const MutableBufferSequence& buffers, CompletionToken&& token) {
    return boost::asio::async_compose<CompletionToken, void(boost::system::error_code, std::size_t)>(
        Operation<ReadStep<MutableBufferSequence>>(*this, ReadStep<MutableBufferSequence>{buffers}), token, socket_);
  }

  // Writes at least one byte, usually one TLS record's worth (16 KiB). Small leading buffers (a
  // WebSocket frame header) are gathered with what follows, so a frame goes out as one record.
  // Completion: void(error_code, std::size_t).
  template <typename ConstBufferSequence, typename CompletionToken>
  auto async_write_some(const ConstBufferSequence& buffers, CompletionToken&& token) {
    return boost::asio::async_compose<CompletionToken, void(boost::system::error_code, std::size_t)>(
        Operation<WriteStep<ConstBufferSequence>>(*this, WriteStep<ConstBufferSequence>{buffers}), token, socket_);
  }

  // Sends close_notify and completes once it is written: it does not wait for the peer's (a peer
  // that never answers cannot hold the connection). Must not overlap a write.
  // Completion: void(error_code).
  template <typename CompletionToken>
  auto async_shutdown(CompletionToken&& token) {
    return boost::asio::async_compose<CompletionToken, void(boost::system::error_code)>(
        Operation<ShutdownStep>(*this, ShutdownStep{}), token, socket_);
  }

 private:
  friend struct TlsTransport;  // tls_stream.cpp: the BIO that reads and writes socket_

  // What an OpenSSL call needs before it can be tried again.
  enum class Want { kNothing, kRead, kWrite };
  // TLS's largest record plaintext: the most one write gathers, and the size from which a buffer
  // is written in place.
  static constexpr std::size_t kRecordPlaintext = 16 * 1024;

  struct SslFree {
    void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
  };
  struct Deadline;

  // One attempt of each OpenSSL call (tls_stream.cpp). kNothing means finished: `ec` and
  // `transferred` hold the result.
  Want try_handshake(boost::system::error_code& ec);
  Want try_read(boost::asio::mutable_buffer buffer, std::size_t& transferred, boost::system::error_code& ec);
  Want try_write(boost::asio::const_buffer buffer, std::size_t& transferred, boost::system::error_code& ec);
  Want try_shutdown(boost::system::error_code& ec);
  void begin_attempt();
  // After an OpenSSL call failed with `result`: what to wait for, or (kNothing) the error in `ec`.
  Want failed(int result, boost::system::error_code& ec);
  // False (with `ec` set) once the socket is closed: OpenSSL must not use a descriptor number the
  // process may already have given to another connection.
  bool usable(boost::system::error_code& ec) const;
  // The error to report when a wait on the socket ended with `wait_error`.
  boost::system::error_code wait_failed(const boost::system::error_code& wait_error) const;
  void on_deadline();

  struct HandshakeStep {
    static constexpr bool kTransfers = false;
    Want operator()(TlsStream& stream, boost::system::error_code& ec, std::size_t&) const {
      return stream.try_handshake(ec);
    }
  };
  struct ShutdownStep {
    static constexpr bool kTransfers = false;
    Want operator()(TlsStream& stream, boost::system::error_code& ec, std::size_t&) const {
      return stream.try_shutdown(ec);
    }
  };
  template <typename Buffers>
  struct ReadStep {
    static constexpr bool kTransfers = true;
    Buffers buffers;
    Want operator()(TlsStream& stream, boost::system::error_code& ec, std::size_t& transferred) const {
      for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
           ++it) {
        const boost::asio::mutable_buffer buffer(*it);
        if (buffer.size() > 0) return stream.try_read(buffer, transferred, ec);
      }
      return Want::kNothing;  // nothing to read into: 0 bytes, no error
    }
  };
  template <typename Buffers>
  struct WriteStep {
    static constexpr bool kTransfers = true;
    Buffers buffers;
    // Deterministic for given buffers: a retry after WANT_WRITE presents OpenSSL the same bytes,
    // as it requires (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER lets their address change).
    Want operator()(TlsStream& stream, boost::system::error_code& ec, std::size_t& transferred) const {
      const std::size_t total = boost::asio::buffer_size(buffers);
      for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
           ++it) {
        const boost::asio::const_buffer first(*it);
        if (first.size() == 0) continue;
        if (first.size() >= kRecordPlaintext || first.size() == total) return stream.try_write(first, transferred, ec);
        std::array<unsigned char, kRecordPlaintext> gathered;
        const std::size_t size = boost::asio::buffer_copy(boost::asio::buffer(gathered), buffers);
        return stream.try_write(boost::asio::const_buffer(gathered.data(), size), transferred, ec);
      }
      return Want::kNothing;  // nothing to write: 0 bytes, no error
    }
  };

  // The composed operation behind every async_*: try the OpenSSL call; when it wants the socket
  // readable or writable, wait for that (async_wait, so a read's wait and a write's wait coexist)
  // and try again. Completes through the handler's executor, never inside the initiating call.
  template <typename Step>
  class Operation {
   public:
    Operation(TlsStream& stream, Step step) : stream_(stream), step_(std::move(step)) {}

    template <typename Self>
    void operator()(Self& self, boost::system::error_code wait_error = {}) {
      if (state_ == State::kCompleting) return finish(self);
      if (state_ == State::kWaiting && wait_error) {
        error_ = stream_.wait_failed(wait_error);
      } else if (stream_.usable(error_)) {
        const Want want = step_(stream_, error_, transferred_);
        if (want != Want::kNothing) {
          state_ = State::kWaiting;
          return stream_.socket_.async_wait(
              want == Want::kRead ? boost::asio::socket_base::wait_read : boost::asio::socket_base::wait_write,
              std::move(self));
        }
      }
      if (state_ == State::kStarting) {
        state_ = State::kCompleting;
        return boost::asio::post(std::move(self));
      }
      finish(self);
    }

   private:
    enum class State { kStarting, kWaiting, kCompleting };

    template <typename Self>
    void finish(Self& self) {
      if constexpr (Step::kTransfers) {
        self.complete(error_, transferred_);
      } else {
        self.complete(error_);
      }
    }

    TlsStream& stream_;
    Step step_;
    State state_ = State::kStarting;
    boost::system::error_code error_;
    std::size_t transferred_ = 0;
  };

  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<SSL, SslFree> ssl_;
  std::shared_ptr<Deadline> deadline_;  // only while a deadline is set
  int transport_errno_ = 0;             // errno of the last failed send/recv (TlsTransport)
  bool peer_closed_ = false;            // recv saw the end of the TCP stream (TlsTransport)
  bool timed_out_ = false;              // the deadline closed the socket
};

// Beast's websocket::stream<TlsStream> finds these by argument-dependent lookup (as it finds
// boost/beast/websocket/ssl.hpp's for asio::ssl::stream) when a close handshake ends.
//
// async_teardown: close_notify (async_shutdown), then Beast's TCP teardown of the socket (the
// server shuts down sending, reads until the client's end of stream, closes). Bounded by whoever
// closes the socket after a deadline (Connection's close deadline).
template <typename TeardownHandler>
void async_teardown(boost::beast::role_type role, TlsStream& stream, TeardownHandler&& handler);
// teardown: the synchronous form waits for nothing: one attempt at close_notify, then the socket
// is shut down and closed.
void teardown(boost::beast::role_type role, TlsStream& stream, boost::beast::error_code& ec);

namespace detail {

class TlsTeardownOperation {
 public:
  TlsTeardownOperation(TlsStream& stream, boost::beast::role_type role) : stream_(stream), role_(role) {}

  template <typename Self>
  void operator()(Self& self, boost::system::error_code ec = {}) {
    switch (state_) {
      case State::kStarting: state_ = State::kShuttingDown; return stream_.async_shutdown(std::move(self));
      case State::kShuttingDown:
        state_ = State::kTearingDownTcp;
        shutdown_error_ = ec;
        return boost::beast::websocket::async_teardown(role_, stream_.next_layer(), std::move(self));
      case State::kTearingDownTcp: return self.complete(shutdown_error_ ? shutdown_error_ : ec);
    }
  }

 private:
  enum class State { kStarting, kShuttingDown, kTearingDownTcp };
  TlsStream& stream_;
  boost::beast::role_type role_;
  State state_ = State::kStarting;
  boost::system::error_code shutdown_error_;
};

}  // namespace detail

template <typename TeardownHandler>
void async_teardown(boost::beast::role_type role, TlsStream& stream, TeardownHandler&& handler) {
  boost::asio::async_compose<TeardownHandler, void(boost::system::error_code)>(
      detail::TlsTeardownOperation(stream, role), handler, stream.next_layer());
}

}  // namespace hush::server
