// TlsStream's OpenSSL side: the transport BIO (send/recv straight on the socket's descriptor, no
// buffer), one attempt of each OpenSSL call with its result mapped to an error_code, the deadline.
// The composed operations that retry these attempts are templates in tls_stream.hpp.
#include "tls_stream.hpp"

#include <openssl/err.h>
#include <sys/socket.h>

#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstdint>
#include <new>

namespace hush::server {

namespace asio = boost::asio;
using boost::system::error_code;

// The BIO OpenSSL reads and writes through. Like OpenSSL's socket BIO (BIO_s_socket), but it sends
// with MSG_NOSIGNAL: a write to a connection the peer reset must be an error, not SIGPIPE killing
// hushd (OpenSSL's socket BIO uses write(2), and Asio ignores SIGPIPE only on some platforms). It
// takes the descriptor from the socket at each call, so a closed socket is -1 (EBADF), never a
// number since reused by another connection.
struct TlsTransport {
  static TlsStream& stream(BIO* bio) { return *static_cast<TlsStream*>(BIO_get_data(bio)); }

  static int write(BIO* bio, const char* data, std::size_t size, std::size_t* written) {
    TlsStream& owner = stream(bio);
    BIO_clear_retry_flags(bio);
    *written = 0;
    for (;;) {
      const ssize_t sent = ::send(owner.socket_.native_handle(), data, size, MSG_NOSIGNAL);
      if (sent >= 0) {
        *written = static_cast<std::size_t>(sent);
        return 1;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        BIO_set_retry_write(bio);
      } else {
        owner.transport_errno_ = errno;
      }
      return 0;
    }
  }

  static int read(BIO* bio, char* data, std::size_t size, std::size_t* read_bytes) {
    TlsStream& owner = stream(bio);
    BIO_clear_retry_flags(bio);
    *read_bytes = 0;
    for (;;) {
      const ssize_t received = ::recv(owner.socket_.native_handle(), data, size, 0);
      if (received > 0) {
        *read_bytes = static_cast<std::size_t>(received);
        return 1;
      }
      if (received == 0) {
        // The end of the TCP stream: OpenSSL asks BIO_eof() and reports an unexpected EOF unless
        // close_notify came first.
        if (size > 0) owner.peer_closed_ = true;
        return 0;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        BIO_set_retry_read(bio);
      } else {
        owner.transport_errno_ = errno;
      }
      return 0;
    }
  }

  static long control(BIO* bio, int command, long, void* pointer) {
    switch (command) {
      case BIO_CTRL_FLUSH:  // nothing is buffered here
        return 1;
      case BIO_CTRL_EOF: return stream(bio).peer_closed_ ? 1 : 0;
      case BIO_C_GET_FD: {  // SSL_get_fd
        const int fd = stream(bio).socket_.native_handle();
        if (pointer != nullptr) *static_cast<int*>(pointer) = fd;
        return fd;
      }
      default: return 0;
    }
  }

  static int create(BIO*) { return 1; }
  static int destroy(BIO*) { return 1; }  // the socket belongs to TlsStream

  // Created once, kept until exit (OpenSSL methods are shared, immutable once set up).
  static const BIO_METHOD* method() {
    static BIO_METHOD* const instance = [] {
      BIO_METHOD* created =
          BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "hush socket");
      if (created == nullptr || BIO_meth_set_write_ex(created, &write) != 1 ||
          BIO_meth_set_read_ex(created, &read) != 1 || BIO_meth_set_ctrl(created, &control) != 1 ||
          BIO_meth_set_create(created, &create) != 1 || BIO_meth_set_destroy(created, &destroy) != 1) {
        throw std::bad_alloc();
      }
      return created;
    }();
    return instance;
  }
};

// The deadline outlives the stream while its wait is pending: the handler holds it, and does
// nothing once `stream` is null or a newer deadline replaced it.
struct TlsStream::Deadline {
  explicit Deadline(const executor_type& executor) : timer(executor) {}
  asio::steady_timer timer;
  TlsStream* stream = nullptr;
  std::uint64_t generation = 0;
};

TlsStream::TlsStream(asio::ip::tcp::socket socket, asio::ssl::context& context)
    : socket_(std::move(socket)), ssl_(SSL_new(context.native_handle())) {
  if (!ssl_) throw std::bad_alloc();
  BIO* bio = BIO_new(TlsTransport::method());
  if (bio == nullptr) throw std::bad_alloc();
  BIO_set_data(bio, this);
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl_.get(), bio, bio);  // the SSL object now owns the BIO
  // OpenSSL frees its record buffers whenever they are empty (an idle connection holds none),
  // lets SSL_write report one record written, and lets a retried write gather its bytes anew.
  SSL_set_mode(ssl_.get(),
               SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // No TLS 1.2 renegotiation: it costs the server a handshake per client request, and without it
  // SSL_write never needs to read, so a pending read's wait is never left behind by a write.
  SSL_set_options(ssl_.get(), SSL_OP_NO_RENEGOTIATION);
  SSL_set_accept_state(ssl_.get());
  error_code ignored;  // fails only for a closed socket, and then every operation fails anyway
  socket_.non_blocking(true, ignored);
}

TlsStream::~TlsStream() {
  expires_never();
}

void TlsStream::expires_after(std::chrono::steady_clock::duration timeout) {
  if (!deadline_) {
    deadline_ = std::make_shared<Deadline>(socket_.get_executor());
    deadline_->stream = this;
  }
  const std::uint64_t generation = ++deadline_->generation;
  deadline_->timer.expires_after(timeout);
  deadline_->timer.async_wait([deadline = deadline_, generation](const error_code& ec) {
    if (ec || deadline->stream == nullptr || deadline->generation != generation) return;
    deadline->stream->on_deadline();
  });
}

void TlsStream::expires_never() {
  if (!deadline_) return;
  deadline_->stream = nullptr;
  deadline_->timer.cancel();
  deadline_.reset();
}

void TlsStream::on_deadline() {
  timed_out_ = true;
  error_code ignored;
  socket_.close(ignored);
}

bool TlsStream::usable(error_code& ec) const {
  if (socket_.is_open()) return true;
  ec = timed_out_ ? error_code(boost::beast::error::timeout) : error_code(asio::error::bad_descriptor);
  return false;
}

error_code TlsStream::wait_failed(const error_code& wait_error) const {
  if (timed_out_ && wait_error == asio::error::operation_aborted) return boost::beast::error::timeout;
  return wait_error;
}

void TlsStream::begin_attempt() {
  // The error queue is per thread and shared by every connection served on it.
  ERR_clear_error();
  transport_errno_ = 0;
}

// The same mapping as asio::ssl::stream's, so callers that check eof or stream_truncated keep
// working.
TlsStream::Want TlsStream::failed(int result, error_code& ec) {
  const int error = SSL_get_error(ssl_.get(), result);
  Want want = Want::kNothing;
  switch (error) {
    case SSL_ERROR_WANT_READ: want = Want::kRead; break;
    case SSL_ERROR_WANT_WRITE: want = Want::kWrite; break;
    case SSL_ERROR_ZERO_RETURN:  // close_notify
      ec = asio::error::eof;
      break;
    case SSL_ERROR_SYSCALL:
      if (transport_errno_ != 0) {
        ec = error_code(transport_errno_, boost::system::system_category());
      } else if (const unsigned long queued = ERR_peek_error(); queued != 0) {
        ec = error_code(static_cast<int>(queued), asio::error::get_ssl_category());
      } else {
        ec = asio::ssl::error::stream_truncated;  // end of stream where OpenSSL did not expect it
      }
      break;
    case SSL_ERROR_SSL: {
      const unsigned long queued = ERR_get_error();
      if (ERR_GET_LIB(queued) == ERR_LIB_SSL && ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        ec = asio::ssl::error::stream_truncated;
      } else {
        ec = error_code(static_cast<int>(queued), asio::error::get_ssl_category());
      }
      break;
    }
    default:  // WANT_X509_LOOKUP and the like: callbacks hushd does not install
      ec = error_code(error, asio::error::get_ssl_category());
      break;
  }
  ERR_clear_error();
  return want;
}

TlsStream::Want TlsStream::try_handshake(error_code& ec) {
  begin_attempt();
  const int result = SSL_do_handshake(ssl_.get());
  return result == 1 ? Want::kNothing : failed(result, ec);
}

TlsStream::Want TlsStream::try_read(asio::mutable_buffer buffer, std::size_t& transferred, error_code& ec) {
  begin_attempt();
  const int result = SSL_read_ex(ssl_.get(), buffer.data(), buffer.size(), &transferred);
  return result == 1 ? Want::kNothing : failed(result, ec);
}

TlsStream::Want TlsStream::try_write(asio::const_buffer buffer, std::size_t& transferred, error_code& ec) {
  begin_attempt();
  const int result = SSL_write_ex(ssl_.get(), buffer.data(), buffer.size(), &transferred);
  return result == 1 ? Want::kNothing : failed(result, ec);
}

TlsStream::Want TlsStream::try_shutdown(error_code& ec) {
  begin_attempt();
  // 0: our close_notify is written (the peer's has not come); 1: both. Either way, done.
  const int result = SSL_shutdown(ssl_.get());
  if (result >= 0) return Want::kNothing;
  const Want want = failed(result, ec);
  // Wanting to read means ours is out and OpenSSL waits for the peer's: that wait is not ours.
  return want == Want::kRead ? Want::kNothing : want;
}

void teardown(boost::beast::role_type, TlsStream& stream, boost::beast::error_code& ec) {
  boost::system::error_code ignored;
  if (stream.next_layer().is_open()) SSL_shutdown(stream.native_handle());
  ERR_clear_error();
  stream.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream.next_layer().close(ec);
}

}  // namespace hush::server
