// The SQLite backend's media store: one row per upload, one row per appended chunk (see schema.cpp
// for why chunks live in the database). finish() hashes on the read connection, so a large upload's
// digest does not hold up message commits, then records the outcome in a short write transaction.
#include <algorithm>

#include "database.hpp"
#include "hush/crypto/hash.hpp"

namespace hush::storage::sqlite {
namespace {

struct UploadRow {
  Upload upload;
  std::uint64_t last_chunk_offset = 0;
};

Result<UploadRow, StorageError> load_upload(Connection& connection, const MediaId& id) {
  Statement statement = connection.prepare(
      "SELECT owner, declared_size, committed_offset, last_chunk_offset, complete, digest, created_at, expires_at "
      "FROM media_uploads WHERE id = ?1");
  auto row = statement.bind(1, ByteView(id)).step();
  if (!row.ok()) return fail(row.error());
  if (!*row) return fail(StorageError::kNotFound);
  UploadRow loaded;
  Upload& upload = loaded.upload;
  upload.id = id;
  upload.owner = static_cast<AccountId>(statement.column_int(0));
  upload.declared_size = static_cast<std::uint64_t>(statement.column_int(1));
  upload.committed_offset = static_cast<std::uint64_t>(statement.column_int(2));
  loaded.last_chunk_offset = static_cast<std::uint64_t>(statement.column_int(3));
  upload.state = statement.column_int(4) != 0 ? UploadState::kComplete : UploadState::kUploading;
  if (!statement.column_is_null(5)) {
    upload.digest.emplace();
    if (!statement.column_into(5, *upload.digest)) return fail(StorageError::kCorrupt);
  }
  upload.created_at = to_timestamp(statement.column_int(6));
  upload.expires_at = to_timestamp(statement.column_int(7));
  if (upload.committed_offset > upload.declared_size) return fail(StorageError::kCorrupt);
  return loaded;
}

Result<std::uint64_t, StorageError> quota_used_in(Connection& connection, AccountId owner) {
  Statement statement =
      connection.prepare("SELECT coalesce(sum(declared_size), 0) FROM media_uploads WHERE owner = ?1");
  auto row = statement.bind(1, to_column(owner)).step();
  if (!row.ok()) return fail(row.error());
  return static_cast<std::uint64_t>(statement.column_int(0));
}

// Appends to `out` the bytes of [offset, offset + length) from the upload's chunks.
// Calls `each(bytes)` for the stored bytes [offset, offset + length) in order, one chunk's worth at a
// time, so that a caller may hash a whole upload without holding it (kCorrupt when one is missing).
template <class Each>
Result<void, StorageError> visit_range(Connection& connection, const MediaId& id, std::uint64_t offset,
                                       std::uint64_t length, Each&& each) {
  const std::uint64_t end = offset + length;
  Statement statement = connection.prepare(
      "SELECT chunk_offset, data FROM media_chunks WHERE upload_id = ?1 AND chunk_offset < ?3 AND chunk_offset >= "
      "(SELECT coalesce(max(chunk_offset), 0) FROM media_chunks WHERE upload_id = ?1 AND chunk_offset <= ?2) "
      "ORDER BY chunk_offset");
  statement.bind(1, ByteView(id)).bind(2, static_cast<std::int64_t>(offset)).bind(3, static_cast<std::int64_t>(end));
  std::uint64_t position = offset;
  for (;;) {
    auto row = statement.step();
    if (!row.ok()) return fail(row.error());
    if (!*row) break;
    auto chunk_offset = static_cast<std::uint64_t>(statement.column_int(0));
    Bytes chunk = statement.column_blob(1);
    if (chunk_offset > position || chunk_offset + chunk.size() <= position) return fail(StorageError::kCorrupt);
    auto from = static_cast<std::size_t>(position - chunk_offset);
    auto count = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size() - from, end - position));
    each(ByteView(chunk).subspan(from, count));
    position += count;
  }
  if (position != end) return fail(StorageError::kCorrupt);  // a chunk is missing
  return {};
}

Result<void, StorageError> read_range(Connection& connection, const MediaId& id, std::uint64_t offset,
                                      std::uint64_t length, Bytes& out) {
  return visit_range(connection, id, offset, length,
                     [&](ByteView bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); });
}

}  // namespace

Result<Upload, StorageError> Media::create_upload(const MediaId& id, AccountId owner, std::uint64_t declared_size,
                                                  Timestamp now, Timestamp expires_at) {
  const Options& limits = database_.limits();
  if (declared_size == 0) return fail(StorageError::kInvalidArgument);
  if (declared_size > limits.max_upload_size) return fail(StorageError::kTooLarge);
  return database_.write([&](Connection& connection) -> Result<Upload, StorageError> {
    Statement account = connection.prepare("SELECT 1 FROM accounts WHERE id = ?1");
    auto exists = account.bind(1, to_column(owner)).step();
    if (!exists.ok()) return fail(exists.error());
    if (!*exists) return fail(StorageError::kNotFound);
    auto existing = load_upload(connection, id);
    if (existing.ok()) return fail(StorageError::kConflict);
    if (existing.error() != StorageError::kNotFound) return fail(existing.error());
    auto used = quota_used_in(connection, owner);
    if (!used.ok()) return fail(used.error());
    if (*used + declared_size > limits.media_quota_per_account) return fail(StorageError::kQuotaExceeded);
    HUSH_TRY(connection
                 .prepare("INSERT INTO media_uploads (id, owner, declared_size, committed_offset, last_chunk_offset, "
                          "complete, digest, created_at, expires_at) VALUES (?1, ?2, ?3, 0, 0, 0, NULL, ?4, ?5)")
                 .bind(1, ByteView(id))
                 .bind(2, to_column(owner))
                 .bind(3, static_cast<std::int64_t>(declared_size))
                 .bind(4, now)
                 .bind(5, expires_at)
                 .run());
    return Upload{id, owner, declared_size, 0, UploadState::kUploading, std::nullopt, now, expires_at};
  });
}

Result<std::uint64_t, StorageError> Media::append(const MediaId& id, std::uint64_t offset, ByteView bytes) {
  if (bytes.empty()) return fail(StorageError::kInvalidArgument);
  if (bytes.size() > database_.limits().max_media_chunk_size) return fail(StorageError::kTooLarge);
  return database_.write([&](Connection& connection) -> Result<std::uint64_t, StorageError> {
    auto loaded = load_upload(connection, id);
    if (!loaded.ok()) return fail(loaded.error());
    const Upload& upload = loaded->upload;
    if (offset != upload.committed_offset) {
      if (offset != loaded->last_chunk_offset || offset + bytes.size() != upload.committed_offset) {
        return fail(StorageError::kConflict);
      }
      Statement last = connection.prepare("SELECT data FROM media_chunks WHERE upload_id = ?1 AND chunk_offset = ?2");
      auto row = last.bind(1, ByteView(id)).bind(2, static_cast<std::int64_t>(offset)).step();
      if (!row.ok()) return fail(row.error());
      if (!*row || last.column_blob(0) != Bytes(bytes.begin(), bytes.end())) return fail(StorageError::kConflict);
      return upload.committed_offset;  // a resend of the last chunk: already stored
    }
    if (upload.state != UploadState::kUploading) return fail(StorageError::kConflict);
    if (bytes.size() > upload.declared_size - upload.committed_offset) return fail(StorageError::kTooLarge);
    HUSH_TRY(connection.prepare("INSERT INTO media_chunks (upload_id, chunk_offset, data) VALUES (?1, ?2, ?3)")
                 .bind(1, ByteView(id))
                 .bind(2, static_cast<std::int64_t>(offset))
                 .bind(3, bytes)
                 .run());
    const std::uint64_t committed = offset + bytes.size();
    HUSH_TRY(connection.prepare("UPDATE media_uploads SET committed_offset = ?2, last_chunk_offset = ?3 WHERE id = ?1")
                 .bind(1, ByteView(id))
                 .bind(2, static_cast<std::int64_t>(committed))
                 .bind(3, static_cast<std::int64_t>(offset))
                 .run());
    return committed;
  });
}

Result<std::uint64_t, StorageError> Media::committed_offset(const MediaId& id) {
  return database_.read([&](Connection& connection) -> Result<std::uint64_t, StorageError> {
    auto loaded = load_upload(connection, id);
    if (!loaded.ok()) return fail(loaded.error());
    return loaded->upload.committed_offset;
  });
}

Result<void, StorageError> Media::finish(const MediaId& id, const Sha256Digest& digest) {
  // Hash on the read connection: once committed_offset == declared_size the bytes cannot change.
  auto verified = database_.read([&](Connection& connection) -> Result<bool, StorageError> {
    auto loaded = load_upload(connection, id);
    if (!loaded.ok()) return fail(loaded.error());
    const Upload& upload = loaded->upload;
    if (upload.state == UploadState::kComplete) {
      if (upload.digest != digest) return fail(StorageError::kConflict);
      return true;
    }
    if (upload.committed_offset != upload.declared_size) return fail(StorageError::kConflict);
    // Chunk by chunk: memory does not grow with the upload (a 1 GiB file once took 1.2 GiB here).
    crypto::Sha256 hash;
    HUSH_TRY(visit_range(connection, id, 0, upload.declared_size, [&](ByteView bytes) { hash.update(bytes); }));
    return hash.final() == digest;
  });
  if (!verified.ok()) return fail(verified.error());
  bool matches = *verified;
  auto recorded = database_.write([&](Connection& connection) -> Result<void, StorageError> {
    auto loaded = load_upload(connection, id);  // expired, or finished by a concurrent call?
    if (!loaded.ok()) return fail(loaded.error());
    if (loaded->upload.state == UploadState::kComplete) {
      return loaded->upload.digest == digest ? Result<void, StorageError>() : fail(StorageError::kConflict);
    }
    if (!matches) {
      // The bytes are useless: free them and the quota they hold.
      HUSH_TRY(connection.prepare("DELETE FROM media_chunks WHERE upload_id = ?1").bind(1, ByteView(id)).run());
      return connection.prepare("DELETE FROM media_uploads WHERE id = ?1").bind(1, ByteView(id)).run();
    }
    return connection.prepare("UPDATE media_uploads SET complete = 1, digest = ?2 WHERE id = ?1")
        .bind(1, ByteView(id))
        .bind(2, ByteView(digest))
        .run();
  });
  if (!recorded.ok()) return recorded;
  if (!matches) return fail(StorageError::kDigestMismatch);
  return {};
}

Result<Upload, StorageError> Media::upload(const MediaId& id) {
  return database_.read([&](Connection& connection) -> Result<Upload, StorageError> {
    auto loaded = load_upload(connection, id);
    if (!loaded.ok()) return fail(loaded.error());
    return loaded->upload;
  });
}

Result<Bytes, StorageError> Media::read(const MediaId& id, std::uint64_t offset, std::size_t length) {
  if (length > database_.limits().max_media_chunk_size) return fail(StorageError::kTooLarge);
  return database_.read([&](Connection& connection) -> Result<Bytes, StorageError> {
    auto loaded = load_upload(connection, id);
    if (!loaded.ok()) return fail(loaded.error());
    const Upload& upload = loaded->upload;
    if (upload.state != UploadState::kComplete) return fail(StorageError::kConflict);
    if (offset > upload.declared_size) return fail(StorageError::kInvalidArgument);
    Bytes out;
    std::uint64_t available = upload.declared_size - offset;
    if (available == 0 || length == 0) return out;
    HUSH_TRY(read_range(connection, id, offset, std::min<std::uint64_t>(length, available), out));
    return out;
  });
}

Result<std::uint64_t, StorageError> Media::quota_used(AccountId owner) {
  return database_.read([&](Connection& connection) { return quota_used_in(connection, owner); });
}

Result<std::vector<ExpiredUpload>, StorageError> Media::expire(Timestamp now, std::size_t limit) {
  return database_.write([&](Connection& connection) -> Result<std::vector<ExpiredUpload>, StorageError> {
    Statement statement = connection.prepare(
        "DELETE FROM media_uploads WHERE id IN "
        "(SELECT id FROM media_uploads WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2) "
        "RETURNING id, owner");
    statement.bind(1, now).bind(2, static_cast<std::int64_t>(limit));
    std::vector<ExpiredUpload> expired;
    for (;;) {
      auto row = statement.step();
      if (!row.ok()) return fail(row.error());
      if (!*row) break;
      ExpiredUpload upload;
      if (!statement.column_into(0, upload.id)) return fail(StorageError::kCorrupt);
      upload.owner = static_cast<AccountId>(statement.column_int(1));
      expired.push_back(upload);
    }
    for (const ExpiredUpload& upload : expired) {
      HUSH_TRY(connection.prepare("DELETE FROM media_chunks WHERE upload_id = ?1").bind(1, ByteView(upload.id)).run());
    }
    return expired;
  });
}

}  // namespace hush::storage::sqlite
