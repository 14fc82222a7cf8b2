// Private to the attachment component: the POSIX file access the file functions and
// inspect_file share. Descriptors are owned (RAII); every read and write retries on EINTR and
// short counts; new files appear only through TempFile::commit (fsync, rename, fsync the folder).
#pragma once

#include <cstdint>
#include <filesystem>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/client/attachment/attachment_error.hpp"

namespace hush::client::detail {

// An owned file descriptor; closed on destruction. Move-only.
class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  ~FileDescriptor();
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  int release();

 private:
  int fd_ = -1;
};

struct OpenedFile {
  FileDescriptor fd;
  std::uint64_t size = 0;  // at opening
};

// Opens `path` for reading. The open does not block on a FIFO (O_NONBLOCK), and the type is
// checked on the opened descriptor: kNotRegularFile for anything but a regular file (a symbolic
// link to one is followed), kIo when it cannot be opened.
Result<OpenedFile, AttachmentError> open_regular_file(const std::filesystem::path& path);

// Reads up to out.size() bytes at `offset`; fewer only at the end of the file. kIo on error.
Result<std::size_t, AttachmentError> read_at(int fd, std::uint64_t offset, MutableByteView out);

// Writes all of `data` at the descriptor's position. kIo on error (a full disk included).
Result<void, AttachmentError> write_all(int fd, ByteView data);

// A new file, mode 0600, under a unique hidden name in the folder of `target` ("."
// + target's name + ".XXXXXX"). commit() fsyncs it, renames it to `target` (replacing what is
// there) and fsyncs the folder; destroyed without a successful commit, it is removed.
class TempFile {
 public:
  static Result<TempFile, AttachmentError> create_beside(const std::filesystem::path& target);
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile();

  int fd() const { return fd_.get(); }
  Result<void, AttachmentError> commit();

 private:
  TempFile(FileDescriptor fd, std::filesystem::path temp_path, std::filesystem::path target);
  FileDescriptor fd_;
  std::filesystem::path temp_path_;
  std::filesystem::path target_;
  bool committed_ = false;
};

}  // namespace hush::client::detail
