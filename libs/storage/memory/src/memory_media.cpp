// The memory backend's media store: one byte vector per upload, quota counted at declared size.
#include <algorithm>

#include "hush/crypto/hash.hpp"
#include "memory_state.hpp"

namespace hush::storage::memory {
namespace {

using Lock = std::lock_guard<std::mutex>;

std::uint64_t quota_used_locked(const State& state, AccountId owner) {
  std::uint64_t used = 0;
  for (const auto& [id, record] : state.uploads) {
    if (record.upload.owner == owner) used += record.upload.declared_size;
  }
  return used;
}

}  // namespace

Result<Upload, StorageError> Media::create_upload(const MediaId& id, AccountId owner, std::uint64_t declared_size,
                                                  Timestamp now, Timestamp expires_at) {
  if (declared_size == 0) return fail(StorageError::kInvalidArgument);
  if (declared_size > state_.options.max_upload_size) return fail(StorageError::kTooLarge);
  Lock lock(state_.mutex);
  if (!state_.accounts.contains(owner)) return fail(StorageError::kNotFound);
  if (state_.uploads.contains(id)) return fail(StorageError::kConflict);
  if (quota_used_locked(state_, owner) + declared_size > state_.options.media_quota_per_account) {
    return fail(StorageError::kQuotaExceeded);
  }
  UploadRecord record;
  record.upload = Upload{id, owner, declared_size, 0, UploadState::kUploading, std::nullopt, now, expires_at};
  state_.uploads.emplace(id, record);
  return record.upload;
}

Result<std::uint64_t, StorageError> Media::append(const MediaId& id, std::uint64_t offset, ByteView bytes) {
  if (bytes.empty()) return fail(StorageError::kInvalidArgument);
  if (bytes.size() > state_.options.max_media_chunk_size) return fail(StorageError::kTooLarge);
  Lock lock(state_.mutex);
  auto found = state_.uploads.find(id);
  if (found == state_.uploads.end()) return fail(StorageError::kNotFound);
  UploadRecord& record = found->second;
  std::uint64_t committed = record.upload.committed_offset;
  if (offset != committed) {
    bool resend_of_last =
        offset == record.last_chunk_offset && offset + bytes.size() == committed &&
        std::equal(bytes.begin(), bytes.end(), record.bytes.begin() + static_cast<std::ptrdiff_t>(offset));
    if (resend_of_last) return committed;
    return fail(StorageError::kConflict);
  }
  if (record.upload.state != UploadState::kUploading) return fail(StorageError::kConflict);
  if (bytes.size() > record.upload.declared_size - committed) return fail(StorageError::kTooLarge);
  hush::append(record.bytes, bytes);
  record.last_chunk_offset = committed;
  record.upload.committed_offset = committed + bytes.size();
  return record.upload.committed_offset;
}

Result<std::uint64_t, StorageError> Media::committed_offset(const MediaId& id) {
  Lock lock(state_.mutex);
  auto found = state_.uploads.find(id);
  if (found == state_.uploads.end()) return fail(StorageError::kNotFound);
  return found->second.upload.committed_offset;
}

Result<void, StorageError> Media::finish(const MediaId& id, const Sha256Digest& digest) {
  Lock lock(state_.mutex);
  auto found = state_.uploads.find(id);
  if (found == state_.uploads.end()) return fail(StorageError::kNotFound);
  Upload& upload = found->second.upload;
  if (upload.state == UploadState::kComplete) {
    if (upload.digest != digest) return fail(StorageError::kConflict);
    return {};
  }
  if (upload.committed_offset != upload.declared_size) return fail(StorageError::kConflict);
  if (crypto::sha256(found->second.bytes) != digest) {
    state_.uploads.erase(found);
    return fail(StorageError::kDigestMismatch);
  }
  upload.state = UploadState::kComplete;
  upload.digest = digest;
  return {};
}

Result<Upload, StorageError> Media::upload(const MediaId& id) {
  Lock lock(state_.mutex);
  auto found = state_.uploads.find(id);
  if (found == state_.uploads.end()) return fail(StorageError::kNotFound);
  return found->second.upload;
}

Result<Bytes, StorageError> Media::read(const MediaId& id, std::uint64_t offset, std::size_t length) {
  if (length > state_.options.max_media_chunk_size) return fail(StorageError::kTooLarge);
  Lock lock(state_.mutex);
  auto found = state_.uploads.find(id);
  if (found == state_.uploads.end()) return fail(StorageError::kNotFound);
  const UploadRecord& record = found->second;
  if (record.upload.state != UploadState::kComplete) return fail(StorageError::kConflict);
  if (offset > record.bytes.size()) return fail(StorageError::kInvalidArgument);
  std::size_t available = record.bytes.size() - static_cast<std::size_t>(offset);
  auto begin = record.bytes.begin() + static_cast<std::ptrdiff_t>(offset);
  return Bytes(begin, begin + static_cast<std::ptrdiff_t>(std::min(length, available)));
}

Result<std::uint64_t, StorageError> Media::quota_used(AccountId owner) {
  Lock lock(state_.mutex);
  return quota_used_locked(state_, owner);
}

Result<std::vector<ExpiredUpload>, StorageError> Media::expire(Timestamp now, std::size_t limit) {
  Lock lock(state_.mutex);
  std::vector<ExpiredUpload> expired;
  for (auto it = state_.uploads.begin(); it != state_.uploads.end() && expired.size() < limit;) {
    if (it->second.upload.expires_at > now) {
      ++it;
      continue;
    }
    expired.push_back(ExpiredUpload{it->first, it->second.upload.owner});
    it = state_.uploads.erase(it);
  }
  return expired;
}

}  // namespace hush::storage::memory
