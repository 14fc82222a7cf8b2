// --mode tls: the peer hush's transfer is compared with. The same file copied over one plain TLS
// 1.3 connection on 127.0.0.1 with OpenSSL, both ends in this process: a receiving thread accepts
// one connection and writes what it reads to the output file, the sending side reads the source in
// 64 KiB pieces and writes them to the connection. Timed from the sender's connect() until the
// receiver has fsync'd and closed the output file. No encryption at rest, no chunk acknowledgements,
// no server storage in between: the floor for moving these bytes securely on this machine.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <optional>

#include "hush/base/bytes.hpp"
#include "hush/crypto/tls_identity.hpp"
#include "transfer_bench.hpp"

namespace hush::bench {
namespace {

// Pieces the sender reads from the file and hands to SSL_write (OpenSSL cuts them into 16 KiB
// records), and the receiver's read buffer.
constexpr std::size_t kPieceSize = 64 * 1024;

struct SslCtxDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;
using SslPtr = std::unique_ptr<SSL, SslDeleter>;

// A file descriptor closed on destruction.
class Descriptor {
 public:
  explicit Descriptor(int fd = -1) : fd_(fd) {}
  ~Descriptor() { reset(); }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::string openssl_error(const std::string& what) {
  const unsigned long code = ERR_get_error();
  char text[256] = "no OpenSSL error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  return what + ": " + text;
}

BIO* memory_bio(const std::string& pem) {
  return BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
}

SslCtxPtr tls13_context(const SSL_METHOD* method) {
  SslCtxPtr context(SSL_CTX_new(method));
  if (!context) die(openssl_error("SSL_CTX_new"));
  SSL_CTX_set_min_proto_version(context.get(), TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(context.get(), TLS1_3_VERSION);
  return context;
}

// Server side: the certificate and key; client side: trusts exactly that certificate.
std::pair<SslCtxPtr, SslCtxPtr> make_contexts(const crypto::TlsIdentity& identity) {
  std::unique_ptr<BIO, BioDeleter> certificate_bio(memory_bio(identity.certificate_pem));
  std::unique_ptr<X509, X509Deleter> certificate(PEM_read_bio_X509(certificate_bio.get(), nullptr, nullptr, nullptr));
  std::unique_ptr<BIO, BioDeleter> key_bio(memory_bio(identity.private_key_pem));
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!certificate || !key) die(openssl_error("reading the generated certificate"));

  SslCtxPtr server = tls13_context(TLS_server_method());
  if (SSL_CTX_use_certificate(server.get(), certificate.get()) != 1 ||
      SSL_CTX_use_PrivateKey(server.get(), key.get()) != 1) {
    die(openssl_error("loading the certificate"));
  }
  SslCtxPtr client = tls13_context(TLS_client_method());
  if (X509_STORE_add_cert(SSL_CTX_get_cert_store(client.get()), certificate.get()) != 1) {
    die(openssl_error("trusting the certificate"));
  }
  SSL_CTX_set_verify(client.get(), SSL_VERIFY_PEER, nullptr);
  return {std::move(server), std::move(client)};
}

bool write_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) return false;
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

// What the receiving thread reports.
struct Reception {
  std::optional<std::string> error;
  std::uint64_t bytes = 0;
  Clock::time_point closed_at{};  // the output file fsync'd and closed
};

// Accepts one connection on `listener`, writes everything it reads to `output` until the peer's
// close_notify, then fsyncs and closes the file.
void receive_one(int listener, SSL_CTX* context, const std::filesystem::path& output, std::uint64_t expected,
                 ProgressMarks& marks, Reception& reception) {
  Descriptor socket(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  if (socket.get() < 0) {
    reception.error = "accept failed";
    return;
  }
  SslPtr ssl(SSL_new(context));
  SSL_set_fd(ssl.get(), socket.get());
  if (SSL_accept(ssl.get()) != 1) {
    reception.error = openssl_error("TLS accept");
    return;
  }
  Descriptor file(::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (file.get() < 0) {
    reception.error = "cannot create " + output.string();
    return;
  }
  Bytes buffer(kPieceSize);
  for (;;) {
    const int got = SSL_read(ssl.get(), buffer.data(), static_cast<int>(buffer.size()));
    if (got <= 0) {
      if (SSL_get_error(ssl.get(), got) == SSL_ERROR_ZERO_RETURN) break;
      reception.error = openssl_error("TLS read");
      return;
    }
    if (!write_all(file.get(), buffer.data(), static_cast<std::size_t>(got))) {
      reception.error = "cannot write " + output.string();
      return;
    }
    reception.bytes += static_cast<std::uint64_t>(got);
    marks.record(reception.bytes, expected);
  }
  if (::fsync(file.get()) != 0) {
    reception.error = "fsync failed";
    return;
  }
  file.reset();
  reception.closed_at = Clock::now();
  SSL_shutdown(ssl.get());
}

}  // namespace

nlohmann::json run_tls(const TlsSettings& settings) {
  const FileDigest source = digest_file(settings.file);
  auto identity = crypto::generate_self_signed_tls_identity("hush transfer bench", {"localhost"}, {"127.0.0.1"}, 1);
  if (!identity.ok()) die("generating a certificate failed");
  auto [server_context, client_context] = make_contexts(*identity);

  Descriptor listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listener.get() < 0 || ::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener.get(), 1) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    die("cannot listen on 127.0.0.1");
  }

  RssSampler sampler;
  const MemoryStatus before = read_memory_status();
  Descriptor input(::open(settings.file.c_str(), O_RDONLY | O_CLOEXEC));
  if (input.get() < 0) die("cannot open " + settings.file.string());

  const double cpu_start = read_cpu_seconds();
  const Clock::time_point start = Clock::now();
  ProgressMarks marks(start);
  Reception reception;
  std::thread receiver(
      [&] { receive_one(listener.get(), server_context.get(), settings.output, source.size, marks, reception); });

  std::optional<std::string> send_error;
  std::string cipher;
  {
    Descriptor socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    SslPtr ssl(SSL_new(client_context.get()));
    SSL_set_fd(ssl.get(), socket.get());
    if (::connect(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      send_error = "connect failed";
    } else if (SSL_connect(ssl.get()) != 1) {
      send_error = openssl_error("TLS connect");
    } else {
      cipher = SSL_get_cipher_name(ssl.get());
      Bytes piece(kPieceSize);
      for (;;) {
        const ssize_t got = ::read(input.get(), piece.data(), piece.size());
        if (got < 0) send_error = "cannot read " + settings.file.string();
        if (got <= 0) break;
        if (SSL_write(ssl.get(), piece.data(), static_cast<int>(got)) != static_cast<int>(got)) {
          send_error = openssl_error("TLS write");
          break;
        }
      }
      if (!send_error) SSL_shutdown(ssl.get());  // close_notify: the receiver's end of file
    }
    if (send_error) ::shutdown(socket.get(), SHUT_RDWR);  // let a waiting receiver fail too
    receiver.join();
  }
  const double cpu_seconds = read_cpu_seconds() - cpu_start;
  const std::uint64_t peak = sampler.own_peak_kib();
  const MemoryStatus after = read_memory_status();
  if (send_error) die("sending: " + *send_error + (reception.error ? "; receiving: " + *reception.error : ""));
  if (reception.error) die("receiving: " + *reception.error);

  const FileDigest copy = digest_file(settings.output);
  if (copy.sha256 != source.sha256 || copy.size != source.size) {
    die("the copy differs from the source: " + to_hex(copy.sha256) + " != " + to_hex(source.sha256));
  }
  std::error_code ignored;
  std::filesystem::remove(settings.output, ignored);

  const double seconds = seconds_between(start, reception.closed_at);
  return {
      {"mode", "tls"},
      {"bytes", source.size},
      {"sha256", to_hex(source.sha256)},
      {"sha256_match", true},
      {"cipher", cipher},
      {"piece_bytes", kPieceSize},
      {"seconds", seconds},
      {"mb_s", seconds > 0 ? static_cast<double>(source.size) / 1e6 / seconds : 0},
      {"cpu_seconds", cpu_seconds},  // both ends: they are threads of this process
      {"rss_kib",
       {{"before", before.rss_kib},
        {"peak", peak},
        {"after", after.rss_kib},
        {"hwm", after.hwm_kib},
        {"marks", marks.to_json()},
        {"samples", sampler.samples()}}},
  };
}

}  // namespace hush::bench
