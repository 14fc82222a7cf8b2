// POSIX file access for the attachment component (file_io.hpp).
#include "file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

namespace hush::client::detail {
namespace {

std::filesystem::path folder_of(const std::filesystem::path& path) {
  const std::filesystem::path parent = path.parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

bool fsync_folder(const std::filesystem::path& folder) {
  FileDescriptor fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd.get() >= 0 && ::fsync(fd.get()) == 0;
}

}  // namespace

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

int FileDescriptor::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

Result<OpenedFile, AttachmentError> open_regular_file(const std::filesystem::path& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) return fail(AttachmentError::kIo);
  struct stat status {};
  if (::fstat(fd.get(), &status) != 0) return fail(AttachmentError::kIo);
  if (!S_ISREG(status.st_mode)) return fail(AttachmentError::kNotRegularFile);
  // Back to blocking reads (O_NONBLOCK has no effect on regular files, but say what we mean).
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) return fail(AttachmentError::kIo);
  return OpenedFile{std::move(fd), static_cast<std::uint64_t>(status.st_size)};
}

Result<std::size_t, AttachmentError> read_at(int fd, std::uint64_t offset, MutableByteView out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t got = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return fail(AttachmentError::kIo);
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

Result<void, AttachmentError> write_all(int fd, ByteView data) {
  while (!data.empty()) {
    const ssize_t wrote = ::write(fd, data.data(), data.size());
    if (wrote < 0) {
      if (errno == EINTR) continue;
      return fail(AttachmentError::kIo);
    }
    data = data.subspan(static_cast<std::size_t>(wrote));
  }
  return {};
}

Result<TempFile, AttachmentError> TempFile::create_beside(const std::filesystem::path& target) {
  if (target.filename().empty()) return fail(AttachmentError::kIo);
  // Built step by step: g++ 12 at -O3 sees a false -Wrestrict in "." + name + ".XXXXXX".
  std::string hidden_name = ".";
  hidden_name += target.filename().string();
  hidden_name += ".XXXXXX";
  std::string name = (folder_of(target) / hidden_name).string();
  // mkstemp creates the file with mode 0600 and O_EXCL.
  std::vector<char> buffer(name.begin(), name.end());
  buffer.push_back('\0');
  FileDescriptor fd(::mkostemp(buffer.data(), O_CLOEXEC));
  if (fd.get() < 0) return fail(AttachmentError::kIo);
  return TempFile(std::move(fd), std::filesystem::path(buffer.data()), target);
}

TempFile::TempFile(FileDescriptor fd, std::filesystem::path temp_path, std::filesystem::path target)
    : fd_(std::move(fd)), temp_path_(std::move(temp_path)), target_(std::move(target)) {}

TempFile::TempFile(TempFile&& other) noexcept
    : fd_(std::move(other.fd_)),
      temp_path_(std::move(other.temp_path_)),
      target_(std::move(other.target_)),
      committed_(other.committed_) {
  other.committed_ = true;  // the moved-from object removes nothing
}

TempFile::~TempFile() {
  if (committed_) return;
  fd_ = FileDescriptor();
  ::unlink(temp_path_.c_str());
}

Result<void, AttachmentError> TempFile::commit() {
  if (committed_) return fail(AttachmentError::kIo);
  if (::fsync(fd_.get()) != 0) return fail(AttachmentError::kIo);
  const int fd = fd_.release();
  if (::close(fd) != 0) return fail(AttachmentError::kIo);
  if (::rename(temp_path_.c_str(), target_.c_str()) != 0) return fail(AttachmentError::kIo);
  committed_ = true;
  if (!fsync_folder(folder_of(target_))) {
    // The rename may not survive a crash; report it, and leave nothing at the target.
    ::unlink(target_.c_str());
    return fail(AttachmentError::kIo);
  }
  return {};
}

}  // namespace hush::client::detail
