// Media: opaque encrypted blobs uploaded in chunks, resumable from the committed offset, checked
// against a digest at the end, then readable from any offset (ARCHITECTURE.md decision 6). Owns
// bytes, upload state and per-account quota; not keys or metadata (they travel inside the E2E
// message) and no listing: the unguessable id is the only way to reach a blob.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "hush/base/bytes.hpp"
#include "hush/base/result.hpp"
#include "hush/storage/error.hpp"
#include "hush/storage/types.hpp"

namespace hush::storage {

enum class UploadState {
  kUploading,  // accepting append(); not readable
  kComplete,   // finish() verified the digest; readable, immutable
};

struct Upload {
  MediaId id{};
  AccountId owner = 0;
  std::uint64_t declared_size = 0;     // counted against the owner's quota from creation
  std::uint64_t committed_offset = 0;  // bytes durably stored; where the next append goes
  UploadState state = UploadState::kUploading;
  std::optional<Sha256Digest> digest;  // set by finish()
  Timestamp created_at{};
  Timestamp expires_at{};
};

struct ExpiredUpload {
  MediaId id{};
  AccountId owner = 0;
};

// Thread safety: every method may be called from any thread at any time; each call is atomic.
// Every method taking an id fails with kNotFound for an id that does not exist (or expired).
class MediaStore {
 public:
  virtual ~MediaStore() = default;

  // Creates an empty upload of `declared_size` bytes owned by `owner`, expiring at `expires_at`.
  // `id` comes from a CSPRNG (the caller's; storage draws no randomness).
  // Errors: kNotFound (no such account), kConflict (id exists), kInvalidArgument (size 0),
  // kTooLarge (over Options::max_upload_size), kQuotaExceeded (Options::media_quota_per_account).
  virtual Result<Upload, StorageError> create_upload(const MediaId& id, AccountId owner, std::uint64_t declared_size,
                                                     Timestamp now, Timestamp expires_at) = 0;

  // Appends `bytes` at `offset`, which must be the committed offset; durable when it returns.
  // Returns the new committed offset. A resend of the last appended chunk (same offset, same
  // bytes: its acknowledgement was lost) succeeds without change, also after finish().
  // Errors: kConflict (any other offset, or a finished upload), kInvalidArgument (empty chunk),
  // kTooLarge (chunk over Options::max_media_chunk_size, or beyond the declared size).
  virtual Result<std::uint64_t, StorageError> append(const MediaId& id, std::uint64_t offset, ByteView bytes) = 0;

  // Where a resumed upload continues (after a reconnect).
  virtual Result<std::uint64_t, StorageError> committed_offset(const MediaId& id) = 0;

  // Completes the upload after checking that all declared bytes are stored and that they hash to
  // `digest`. Finishing again with the same digest succeeds (a lost acknowledgement).
  // Errors: kConflict (not all bytes stored yet, or finished with another digest),
  // kDigestMismatch (the upload is deleted and its quota released: its bytes are useless).
  virtual Result<void, StorageError> finish(const MediaId& id, const Sha256Digest& digest) = 0;

  virtual Result<Upload, StorageError> upload(const MediaId& id) = 0;

  // Up to `length` bytes of a finished upload from `offset` (fewer at the end; none at the end).
  // Errors: kConflict (not finished), kInvalidArgument (offset past the end),
  // kTooLarge (length over Options::max_media_chunk_size).
  virtual Result<Bytes, StorageError> read(const MediaId& id, std::uint64_t offset, std::size_t length) = 0;

  // Declared bytes of the account's live uploads, as counted against its quota.
  virtual Result<std::uint64_t, StorageError> quota_used(AccountId owner) = 0;

  // Deletes up to `limit` uploads (finished or not) whose expires_at is at or before `now`,
  // releasing their quota, and returns them. Call again while it returns `limit`.
  virtual Result<std::vector<ExpiredUpload>, StorageError> expire(Timestamp now, std::size_t limit) = 0;
};

}  // namespace hush::storage
