// Creating and fingerprinting the TLS identity files (certificate and key as PEM).
#include "hush/server/tls_setup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "hush/crypto/tls_identity.hpp"

namespace hush::server {
namespace {

bool write_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  return ::close(fd) == 0 && synced;
}

}  // namespace

Result<std::string, std::string> certificate_file_fingerprint(const std::filesystem::path& certificate) {
  std::ifstream in(certificate);
  if (!in) return fail("cannot read " + certificate.string());
  std::stringstream text;
  text << in.rdbuf();
  auto digest = crypto::certificate_fingerprint(text.str());
  if (!digest.ok()) return fail(certificate.string() + " holds no PEM certificate");
  return to_hex(*digest);
}

Result<TlsFiles, std::string> ensure_self_signed_tls(const std::filesystem::path& data_dir) {
  TlsFiles files;
  const std::filesystem::path folder = data_dir / "tls";
  files.certificate = folder / "cert.pem";
  files.private_key = folder / "key.pem";
  std::error_code ec;
  if (!std::filesystem::exists(files.certificate, ec) || !std::filesystem::exists(files.private_key, ec)) {
    std::filesystem::create_directories(folder, ec);
    if (ec) return fail("cannot create " + folder.string() + ": " + ec.message());
    auto identity = crypto::generate_self_signed_tls_identity("hushd", {"localhost"}, {"127.0.0.1", "::1"}, 3650);
    if (!identity.ok()) return fail(std::string("cannot generate a TLS certificate"));
    if (!write_file(files.private_key, identity->private_key_pem, 0600)) {
      return fail("cannot write " + files.private_key.string());
    }
    if (!write_file(files.certificate, identity->certificate_pem, 0644)) {
      return fail("cannot write " + files.certificate.string());
    }
    files.created = true;
  }
  auto fingerprint = certificate_file_fingerprint(files.certificate);
  if (!fingerprint.ok()) return fail(fingerprint.error());
  files.fingerprint_hex = *fingerprint;
  return files;
}

}  // namespace hush::server
