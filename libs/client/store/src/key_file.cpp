// Key files: created with 0600 and synced; read only when private to their owner.
#include "key_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "hush/client/store/limits.hpp"
#include "hush/client/store/unlock.hpp"
#include "hush/crypto/random.hpp"

namespace hush::client {
namespace {

class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

bool write_all(int fd, ByteView bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    bytes = bytes.subspan(static_cast<std::size_t>(written));
  }
  return true;
}

bool read_all(int fd, MutableByteView out) {
  while (!out.empty()) {
    ssize_t got = ::read(fd, out.data(), out.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out = out.subspan(static_cast<std::size_t>(got));
  }
  return true;
}

// Makes the new file's directory entry durable too.
void sync_parent(const std::filesystem::path& path) {
  std::filesystem::path parent = path.parent_path();
  Descriptor directory(::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory.get() >= 0) ::fsync(directory.get());
}

}  // namespace

Result<void, StoreError> create_key_file(const std::filesystem::path& path) {
  Descriptor file(::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (file.get() < 0) return fail(errno == EEXIST ? StoreError::kAlreadyExists : StoreError::kIo);
  crypto::AeadKey key;
  crypto::SystemRng().fill(key.mutable_view());
  // The umask can only remove bits from 0600; fchmod makes the mode exact whatever it is.
  if (::fchmod(file.get(), 0600) != 0 || !write_all(file.get(), key.view()) || ::fsync(file.get()) != 0) {
    ::unlink(path.c_str());
    return fail(StoreError::kIo);
  }
  sync_parent(path);
  return {};
}

namespace detail {

Result<crypto::AeadKey, StoreError> read_key_file(const std::filesystem::path& path) {
  Descriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (file.get() < 0) return fail(StoreError::kKeyFileUnreadable);
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) return fail(StoreError::kKeyFileUnreadable);
  if (!S_ISREG(info.st_mode)) return fail(StoreError::kKeyFileInvalid);
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0 || info.st_uid != ::geteuid()) {
    return fail(StoreError::kKeyFileInsecure);
  }
  if (info.st_size != static_cast<off_t>(kKeyFileSize)) return fail(StoreError::kKeyFileInvalid);
  crypto::AeadKey key;
  static_assert(crypto::AeadKey::size() == kKeyFileSize);
  if (!read_all(file.get(), key.mutable_view())) return fail(StoreError::kKeyFileInvalid);
  return key;
}

}  // namespace detail
}  // namespace hush::client
